//! `vlsc-docs serve` against temp copies of fixture sites, on loopback with a free port, every wait
//! bounded: live edits and reload events, the error overlay, path safety, load, incremental
//! rebuilds equal to full builds.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long any one wait may take before the test fails: a guard, not a synchronization.
const PATIENCE: Duration = Duration::from_secs(15);

/// A running `serve`, stopped when dropped. Everything it prints is kept, and shown when the
/// test fails.
struct Server {
    child: Child,
    port: u16,
    /// Every line the server prints, stdout and stderr alike, as it comes.
    lines: mpsc::Receiver<String>,
    log: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        if std::thread::panicking() {
            let log = self.log.lock().map(|l| l.clone()).unwrap_or_else(|p| p.into_inner().clone());
            eprintln!("---- what vlsc-docs serve printed ----\n{log}---- end ----");
        }
    }
}

impl Server {
    /// The next line the server prints that matches `want`.
    fn next_line(&self, want: impl Fn(&str) -> bool, what: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) if want(&line) => return line,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("{what}: the server printed no such line in time");
    }
}

fn serve(root: &Path) -> Server {
    serve_with(root, &[])
}

fn serve_with(root: &Path, args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vlsc-docs"))
        .args(["serve", "--port", "0", "--root"])
        .arg(root)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn serve: {e}"));
    let (tx, lines) = mpsc::channel();
    let log = Arc::new(Mutex::new(String::new()));
    let stdout = child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>);
    let stderr = child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>);
    let readers = [("", stdout), ("stderr: ", stderr)]
        .into_iter()
        .filter_map(|(tag, stream)| Some((tag, stream?)))
        .map(|(tag, stream)| {
            let (tx, log) = (tx.clone(), Arc::clone(&log));
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Ok(mut log) = log.lock() {
                        log.push_str(&format!("{tag}{line}\n"));
                    }
                    let _ = tx.send(line);
                }
            })
        })
        .collect();
    let mut server = Server { child, port: 0, lines, log, readers };
    let line = server.next_line(|l| l.contains("(port "), "serve reporting its port");
    let port = line.split("(port ").nth(1).and_then(|rest| rest.split(')').next()).and_then(|p| p.parse().ok());
    server.port = port.unwrap_or_else(|| panic!("no port in {line:?}"));
    server
}

/// A raw HTTP/1.1 request to `ip:port` naming `host` (none when `None`); returns the status, the
/// header block and the body.
fn request_to(ip: &str, port: u16, host: Option<&str>, method: &str, target: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect((ip, port)).unwrap_or_else(|e| panic!("connect: {e}"));
    s.set_read_timeout(Some(PATIENCE)).unwrap_or_else(|e| panic!("{e}"));
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    write!(s, "{method} {target} HTTP/1.1\r\n{host}Connection: close\r\n\r\n").unwrap_or_else(|e| panic!("{e}"));
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (status, head.to_string(), body.to_string())
}

/// A raw HTTP/1.1 request as a browser on this machine sends it; returns status and body.
fn request(port: u16, method: &str, target: &str) -> (u16, String) {
    let (status, _, body) = request_to("127.0.0.1", port, Some("127.0.0.1"), method, target);
    (status, body)
}

fn get(port: u16, path: &str) -> (u16, String) {
    request(port, "GET", path)
}

/// Reads the server-sent `state` events into a channel, as a browser's EventSource would.
fn events(port: u16) -> mpsc::Receiver<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("connect: {e}"));
    write!(s, "GET /__vlsc-docs/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap_or_else(|e| panic!("{e}"));
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(s).lines().map_while(Result::ok) {
            if let Some(data) = line.strip_prefix("data: ")
                && tx.send(data.to_string()).is_err()
            {
                return;
            }
        }
    });
    rx
}

/// The next event matching `want`, within a bounded time.
fn wait_for(rx: &mpsc::Receiver<String>, want: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = Instant::now() + PATIENCE;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(data) => {
                let v: serde_json::Value = serde_json::from_str(&data).unwrap_or_default();
                if want(&v) {
                    return v;
                }
            }
            Err(_) => break,
        }
    }
    panic!("no matching event in time");
}

fn generation(v: &serde_json::Value) -> u64 {
    v["generation"].as_u64().unwrap_or(0)
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn edits_reload_pages_and_errors_show_then_clear() {
    let site = common::site("basic");
    let server = serve(site.path());
    let (status, page) = get(server.port, "/en/procedures/install.html");
    assert_eq!(status, 200);
    assert!(page.contains("Download it from") && page.contains("/__vlsc-docs/live.js"));
    let rx = events(server.port);
    let first = wait_for(&rx, |_| true);
    assert_eq!(first["errors"].as_array().map(Vec::len), Some(0));

    // An edit: the reload event comes after the new pages are in place.
    let install = site.path().join("content/procedures/install.toml");
    edit(&install, "Download it from", "Fetch it from");
    let next = wait_for(&rx, |v| generation(v) > generation(&first));
    assert!(get(server.port, "/en/procedures/install.html").1.contains("Fetch it from"));
    assert!(get(server.port, "/en/scenarios/upgrade.html").1.contains("Fetch it from"), "the scenario using it");
    assert!(get(server.port, "/ja/scenarios/new-user.html").1.contains("ダウンロードします"));

    // Broken TOML: the overlay event names file, line and message; the last good page stays.
    edit(&install, "title = { ja = \"インストール\",", "title = { ja = \"インストール\" oops,");
    let broken = wait_for(&rx, |v| v["errors"].as_array().is_some_and(|e| !e.is_empty()));
    let error = &broken["errors"][0];
    assert_eq!(error["file"], "content/procedures/install.toml");
    assert_eq!(error["line"], 1);
    assert!(error["message"].as_str().unwrap_or_default().contains("install.toml:1:"), "{error}");
    let (status, page) = get(server.port, "/en/procedures/install.html");
    assert_eq!(status, 200);
    assert!(page.contains("Fetch it from"));

    // Fixed: the errors clear and the page reloads.
    edit(&install, " oops,", ",");
    let fixed = wait_for(&rx, |v| v["errors"].as_array().is_some_and(Vec::is_empty));
    assert!(generation(&fixed) > generation(&next));
}

#[test]
fn a_failing_first_build_still_starts_the_server() {
    let site = common::site("basic");
    let scenario = site.path().join("content/scenarios/upgrade.toml");
    edit(&scenario, "procedure = \"install\"", "procedure = \"instal\"");
    let server = serve(site.path());
    let (status, body) = get(server.port, "/en/index.html");
    assert_eq!(status, 503);
    assert!(body.contains("/__vlsc-docs/live.js"));
    let rx = events(server.port);
    let state = wait_for(&rx, |_| true);
    assert!(
        state["errors"][0]["message"].as_str().unwrap_or_default().contains("unknown procedure `instal`"),
        "{state}"
    );
    edit(&scenario, "procedure = \"instal\"", "procedure = \"install\"");
    wait_for(&rx, |v| generation(v) == 1);
    assert_eq!(get(server.port, "/en/index.html").0, 200);
}

/// Editing a theme's stylesheet serves it under a new fingerprinted name, which every page then
/// links; the page's own link is never to a name the server does not have.
#[test]
fn an_edited_theme_file_is_linked_by_its_new_name() {
    let site = common::site("basic");
    let statics = site.path().join("themes/custom/static");
    std::fs::create_dir_all(site.path().join("themes/custom/templates")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(&statics).unwrap_or_else(|e| panic!("{e}"));
    let css = statics.join("site.css");
    std::fs::write(&css, "body { color: black }\n").unwrap_or_else(|e| panic!("{e}"));
    edit(&site.path().join("book.toml"), "languages", "theme = \"custom\"\nlanguages");
    let server = serve(site.path());
    let rx = events(server.port);
    let first = wait_for(&rx, |_| true);
    let linked = |port: u16| {
        let (status, page) = get(port, "/en/procedures/install.html");
        assert_eq!(status, 200, "{page}");
        let at = page.find("assets/site.").unwrap_or_else(|| panic!("no site.css link: {page}"));
        let name = &page[at..];
        name[..name.find(".css").map_or(0, |i| i + 4)].to_string()
    };
    let before = linked(server.port);
    assert_eq!(get(server.port, &format!("/{before}")).1, "body { color: black }\n");
    edit(&css, "black", "navy");
    wait_for(&rx, |v| generation(v) > generation(&first));
    let after = linked(server.port);
    assert_ne!(before, after, "the page still links the old stylesheet");
    assert_eq!(get(server.port, &format!("/{after}")).1, "body { color: navy }\n");
    assert_eq!(get(server.port, "/assets/site.css").1, "body { color: navy }\n");
}

#[test]
fn no_path_escapes_the_site() {
    let site = common::site("basic");
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(outside.path().join("secret.txt"), "TOPSECRET-CONTENT").unwrap_or_else(|e| panic!("{e}"));
    let statics = site.path().join("themes/custom/static");
    std::fs::create_dir_all(site.path().join("themes/custom/templates")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(&statics).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), statics.join("secret.txt"))
        .unwrap_or_else(|e| panic!("{e}"));
    edit(&site.path().join("book.toml"), "languages", "theme = \"custom\"\nlanguages");
    // A theme file linking outside the site is refused: the first build fails, nothing leaks.
    let server = serve(site.path());
    let (status, body) = get(server.port, "/assets/secret.txt");
    assert!(status == 503 || status == 404, "{status}");
    assert!(!body.contains("TOPSECRET"), "the linked file leaked: {body}");
    drop(server);
    std::fs::remove_file(statics.join("secret.txt")).unwrap_or_else(|e| panic!("{e}"));
    let server = serve(site.path());
    assert_eq!(get(server.port, "/en/index.html").0, 200);
    for target in [
        "/../book.toml",
        "/en/../../book.toml",
        "/%2e%2e/book.toml",
        "/%2E%2E%2Fbook.toml",
        "/en/..%2f..%2fbook.toml",
        "/..\\book.toml",
        "/%5c..%5cbook.toml",
        "/en/index.html%00",
        "//etc/passwd",
        "/etc/passwd",
        "/assets/secret.txt",
        "/content/procedures/install.toml",
    ] {
        let (status, body) = get(server.port, target);
        assert!(status == 404 || status == 400, "{target}: {status}");
        assert!(!body.contains("TOPSECRET") && !body.contains("[book]"), "{target} leaked");
    }
    assert_eq!(request(server.port, "POST", "/en/index.html").0, 405);
    assert_eq!(request(server.port, "DELETE", "/en/index.html").0, 405);
    assert_eq!(request(server.port, "HEAD", "/en/index.html").0, 200);
}

#[test]
fn stays_up_under_load_and_disconnecting_clients() {
    let site = common::site("basic");
    let server = serve(site.path());
    let port = server.port;
    // Clients that go away mid-stream.
    for _ in 0..20 {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("{e}"));
        let _ = write!(s, "GET /__vlsc-docs/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        let mut s2 = TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("{e}"));
        let _ = write!(s2, "GET /en/index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        let mut one = [0u8; 1];
        let _ = s2.read(&mut one);
    }
    let threads: Vec<_> = (0..200)
        .map(|i| {
            std::thread::spawn(move || {
                let path = if i % 2 == 0 { "/ja/index.html" } else { "/en/scenarios/upgrade.html" };
                get(port, path).0
            })
        })
        .collect();
    let ok = threads.into_iter().filter_map(|t| t.join().ok()).filter(|s| *s == 200).count();
    assert_eq!(ok, 200);
    // A file deleted while serving: the rebuild reports it, the server stays up.
    std::fs::remove_file(site.path().join("content/pages/contacts.en.md")).unwrap_or_else(|e| panic!("{e}"));
    let rx = events(port);
    wait_for(&rx, |v| v["errors"].as_array().is_some_and(|e| !e.is_empty()));
    assert_eq!(get(port, "/en/contacts.html").0, 200);
}

#[test]
fn a_taken_port_gets_a_clear_message() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = taken.local_addr().map(|a| a.port()).unwrap_or_else(|e| panic!("{e}"));
    let site = common::site("basic");
    let out = Command::new(env!("CARGO_BIN_EXE_vlsc-docs"))
        .args(["serve", "--port", &port.to_string(), "--root"])
        .arg(site.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("port {port} on 127.0.0.1 is already in use")), "{stderr}");
}

/// Renders every page of `snapshot`, as if readers had them all open; returns how many there are.
fn open_every_page(snapshot: &vlsc_docs::serve::Snapshot) -> usize {
    let paths: Vec<_> = snapshot.paths().filter(|p| p.as_str().ends_with(".html")).cloned().collect();
    for p in &paths {
        snapshot.get(p).unwrap_or_else(|| panic!("{}", p.as_str())).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(snapshot.rendered_pages(), paths.len());
    paths.len()
}

#[test]
fn incremental_rebuilds_equal_full_builds() {
    // Once with every file validated again, once with unchanged files' validation replayed.
    incremental_rebuilds_equal_full_builds_in(false);
    incremental_rebuilds_equal_full_builds_in(true);
}

fn incremental_rebuilds_equal_full_builds_in(aged: bool) {
    let site = common::site("basic");
    let root = site.path();
    if aged {
        age_files(root);
    }
    let cache = vlsc_docs::Caches::default();
    let mut snapshot =
        vlsc_docs::serve::rebuild_cached(root, None, Some(&cache)).unwrap_or_else(|e| panic!("{e}")).snapshot;
    let mut before = open_every_page(&snapshot);
    let edits: [(&str, &str, &str); 6] = [
        ("content/procedures/install.toml", "Check the result.", "Check the output."),
        ("content/procedures/configure.toml", "port = 8080", "port = 9090"),
        (
            "content/scenarios/upgrade.toml",
            "You see “This version is outdated”.",
            "You see an outdated-version message.",
        ),
        ("content/pages/contacts.en.md", "Weekdays 9:00-17:30", "Weekdays 9:00-18:00"),
        ("content/selector.toml", "Something else", "Something different"),
        (
            "content/procedures/install.toml",
            "title = { ja = \"インストール\", en = \"Install\" }",
            "title = { ja = \"導入\", en = \"Set up\" }",
        ),
    ];
    let mut partial = 0;
    for (file, from, to) in edits {
        edit(&root.join(file), from, to);
        let rebuilt =
            vlsc_docs::serve::rebuild_cached(root, Some(&snapshot), Some(&cache)).unwrap_or_else(|e| panic!("{e}"));
        let full = vlsc_docs::compile(root).unwrap_or_else(|e| panic!("{e}"));
        // Every page was open before the edit: each is kept or rendered again, none is missing.
        assert_eq!(rebuilt.snapshot.rendered_pages(), before, "after editing {file}");
        for f in &full.files {
            let served = rebuilt.snapshot.get(&f.path).unwrap_or_else(|| panic!("{} is not served", f.path.as_str()));
            let served = served.unwrap_or_else(|e| panic!("{e}"));
            assert!(
                served.contents == f.contents,
                "after editing {file}: {} differs from a full build",
                f.path.as_str()
            );
        }
        // The served site has the build's files, and only the highlighting stylesheet besides
        // (under its own name and its fingerprinted one).
        let built: std::collections::BTreeSet<_> = full.files.iter().map(|f| f.path.as_str()).collect();
        let extra: Vec<_> = rebuilt.snapshot.paths().map(|p| p.as_str()).filter(|p| !built.contains(p)).collect();
        let highlight = |p: &str| {
            let hash = p.strip_prefix("assets/highlight.").and_then(|rest| rest.strip_suffix(".css"));
            hash.is_some_and(|h| h.len() == 8 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        };
        assert!(extra.iter().all(|p| *p == "assets/highlight.css" || highlight(p)), "{extra:?}");
        if rebuilt.rendered < rebuilt.total_pages / 2 {
            partial += 1;
        }
        snapshot = rebuilt.snapshot;
        before = open_every_page(&snapshot);
    }
    assert!(partial >= 4, "most edits should re-render only what depends on them ({partial})");
}

#[test]
fn build_output_never_has_the_live_reload_script() {
    let site = common::site("basic");
    let public = common::build_ok(site.path());
    for (path, bytes) in common::read_tree(&public) {
        assert!(!String::from_utf8_lossy(&bytes).contains("__vlsc-docs"), "{path}");
    }
}

/// Every source file `editors_save_patterns_serve_the_saved_file` touches: a rebuild report names
/// nothing else, in particular no editor's scratch file.
const TOUCHED: [&str; 6] = [
    "content/procedures/install.toml",
    "content/pages/contacts.en.md",
    "content/pages/faq.ja.md",
    "content/pages/faq.en.md",
    "content/pages/questions.ja.md",
    "content/pages/questions.en.md",
];

/// The files a rebuild report names: `rebuilt (a, b changed): …`, `rebuild failed (a changed): …`.
fn named_in(report: &str) -> Vec<&str> {
    let inside = report.split_once('(').and_then(|(_, rest)| rest.split_once(" changed)")).map(|(names, _)| names);
    let listed = inside.unwrap_or_default().split(" and ").next().unwrap_or_default();
    listed.split(", ").collect()
}

/// Saves made under a running server, followed by what the server reports rather than by time.
struct Editing<'a> {
    server: &'a Server,
    events: mpsc::Receiver<String>,
    /// Good builds so far, the first one included: the generation the pages were last told.
    builds: u64,
}

impl Editing<'_> {
    /// Does `act`, then follows the server's rebuild reports until `done` holds for `page`. Every
    /// report names only files in [`TOUCHED`], and every good build is announced to the open
    /// pages. A save may take more than one rebuild on a busy machine (a pause longer than the
    /// debounce time splits it); that each pattern is one rebuild is proven over its event
    /// sequence by the debouncer's tests in `src/serve/watch.rs`.
    fn save(&mut self, what: &str, page: &str, done: impl Fn(u16, &str) -> bool, act: impl FnOnce()) {
        act();
        loop {
            let report =
                self.server.next_line(|l| l.starts_with("rebuilt (") || l.starts_with("rebuild failed ("), what);
            for name in named_in(&report) {
                assert!(TOUCHED.contains(&name), "{what}: {name} is not a source the test changed: {report}");
            }
            if report.starts_with("rebuilt (") {
                self.builds += 1;
                let builds = self.builds;
                wait_for(&self.events, |v| generation(v) == builds);
                let (status, body) = get(self.server.port, page);
                if done(status, &body) {
                    return;
                }
            }
        }
    }
}

#[test]
fn editors_save_patterns_serve_the_saved_file() {
    let site = common::site("basic");
    let server = serve(site.path());
    let mut editing = Editing { server: &server, events: events(server.port), builds: 1 };
    let dir = site.path().join("content/procedures");
    let file = dir.join("install.toml");
    let original = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
    let version = |n: u32| original.replace("Download it from", &format!("Version {n}: download it from"));
    let shows = |n: u32| move |status: u16, body: &str| status == 200 && body.contains(&format!("Version {n}:"));
    let page = "/en/procedures/install.html";

    editing.save("write to a temp file, then rename", page, shows(1), || {
        std::fs::write(dir.join(".install.toml.tmp123"), version(1)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::rename(dir.join(".install.toml.tmp123"), &file).unwrap_or_else(|e| panic!("{e}"));
    });
    editing.save("vim: swap file, backup, write", page, shows(2), || {
        std::fs::write(dir.join(".install.toml.swp"), "swap").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.join("4913"), "").unwrap_or_else(|e| panic!("{e}"));
        std::fs::remove_file(dir.join("4913")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::rename(&file, dir.join("install.toml~")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&file, version(2)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::remove_file(dir.join("install.toml~")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::remove_file(dir.join(".install.toml.swp")).unwrap_or_else(|e| panic!("{e}"));
    });
    editing.save("emacs: backup and lock files, then write", page, shows(3), || {
        std::fs::write(dir.join(".#install.toml"), "lock").unwrap_or_else(|e| panic!("{e}"));
        std::fs::copy(&file, dir.join("install.toml~")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&file, version(3)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::remove_file(dir.join(".#install.toml")).unwrap_or_else(|e| panic!("{e}"));
    });
    editing.save("delete and recreate", page, shows(4), || {
        std::fs::remove_file(&file).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&file, version(4)).unwrap_or_else(|e| panic!("{e}"));
    });
    editing.save("ten saves in a burst", page, shows(14), || {
        for n in 5..15 {
            std::fs::write(&file, version(n)).unwrap_or_else(|e| panic!("{e}"));
        }
    });

    // Scratch files alone are no change: the reports that follow name only the saved page.
    let pages = site.path().join("content/pages");
    editing.save(
        "scratch files, then a save of another file",
        "/en/contacts.html",
        |status, body| status == 200 && body.contains("Weekdays 9:00-18:00"),
        || {
            let scratch = [".contacts.en.md.swp", "4913", "contacts.en.md~", "#contacts.en.md#", ".#contacts.en.md"];
            for name in scratch {
                std::fs::write(pages.join(name), "scratch").unwrap_or_else(|e| panic!("{e}"));
            }
            for name in scratch {
                std::fs::remove_file(pages.join(name)).unwrap_or_else(|e| panic!("{e}"));
            }
            edit(&pages.join("contacts.en.md"), "Weekdays 9:00-17:30", "Weekdays 9:00-18:00");
        },
    );

    // New, renamed and deleted files are picked up.
    editing.save(
        "a new page",
        "/en/faq.html",
        |status, _| status == 200,
        || {
            std::fs::write(pages.join("faq.ja.md"), "+++\ntitle = \"よくある質問\"\n+++\n本文\n")
                .unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(pages.join("faq.en.md"), "+++\ntitle = \"FAQ\"\n+++\nBody\n")
                .unwrap_or_else(|e| panic!("{e}"));
        },
    );
    assert_eq!(get(server.port, "/ja/faq.html").0, 200);
    editing.save(
        "a renamed page",
        "/en/questions.html",
        |status, _| status == 200,
        || {
            std::fs::rename(pages.join("faq.ja.md"), pages.join("questions.ja.md")).unwrap_or_else(|e| panic!("{e}"));
            std::fs::rename(pages.join("faq.en.md"), pages.join("questions.en.md")).unwrap_or_else(|e| panic!("{e}"));
        },
    );
    assert_eq!(get(server.port, "/ja/questions.html").0, 200);
    assert_eq!(get(server.port, "/en/faq.html").0, 404);
    editing.save(
        "a deleted page",
        "/en/questions.html",
        |status, _| status == 404,
        || {
            std::fs::remove_file(pages.join("questions.ja.md")).unwrap_or_else(|e| panic!("{e}"));
            std::fs::remove_file(pages.join("questions.en.md")).unwrap_or_else(|e| panic!("{e}"));
        },
    );
    assert_eq!(get(server.port, "/ja/questions.html").0, 404);
}

#[test]
fn only_requests_naming_this_machine_are_answered() {
    let site = common::site("basic");
    let server = serve(site.path());
    let port = server.port;
    let targets = ["/en/index.html", "/", "/ja", "/__vlsc-docs/events", "/__vlsc-docs/live.js", "/nothing"];
    for host in ["localhost", "localhost:{port}", "LOCALHOST:{port}", "127.0.0.1", "127.0.0.1:{port}", "[::1]:{port}"] {
        let host = host.replace("{port}", &port.to_string());
        let (status, _, body) = request_to("127.0.0.1", port, Some(&host), "GET", "/en/procedures/install.html");
        assert_eq!(status, 200, "{host}");
        assert!(body.contains("Download it from"), "{host}");
    }
    // A page on another site whose name was made to resolve to 127.0.0.1 (DNS rebinding) sends
    // its own name: no page, no event, no script.
    for host in ["evil.example", "evil.example:{port}", "localhost.evil.example:{port}", "127.0.0.1.nip.io:{port}"] {
        let host = host.replace("{port}", &port.to_string());
        for target in targets {
            for method in ["GET", "HEAD"] {
                let (status, _, body) = request_to("127.0.0.1", port, Some(&host), method, target);
                assert_eq!(status, 421, "{method} {target} as {host}");
                assert!(!body.contains("<html") && !body.contains("generation"), "{target} as {host}: {body}");
            }
        }
    }
    for target in targets {
        assert_eq!(request_to("127.0.0.1", port, None, "GET", target).0, 421, "{target} without a Host");
    }
}

#[test]
fn the_bind_address_is_a_name_of_this_machine_too() {
    let site = common::site("basic");
    let server = serve_with(site.path(), &["--bind", "127.0.0.2"]);
    let port = server.port;
    for host in ["127.0.0.2:{port}", "127.0.0.2", "localhost:{port}"] {
        let host = host.replace("{port}", &port.to_string());
        assert_eq!(request_to("127.0.0.2", port, Some(&host), "GET", "/en/index.html").0, 200, "{host}");
    }
    let other = format!("127.0.0.3:{port}");
    assert_eq!(request_to("127.0.0.2", port, Some(&other), "GET", "/en/index.html").0, 421);
}

/// `target`, a relative link on the page at `base` (a path ending in `/`), as a site path.
fn resolve(base: &str, target: &str) -> String {
    let mut parts: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    for seg in target.split('#').next().unwrap_or_default().split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

#[test]
fn a_folder_named_without_its_slash_is_redirected_to_it() {
    let site = common::site("basic");
    let server = serve(site.path());
    let port = server.port;
    for (target, location) in [("/ja", "/ja/"), ("/en", "/en/"), ("/ja?from=x", "/ja/?from=x"), ("//ja", "/ja/")] {
        for method in ["GET", "HEAD"] {
            let (status, head, _) = request_to("127.0.0.1", port, Some("127.0.0.1"), method, target);
            assert_eq!(status, 308, "{method} {target}");
            assert!(
                head.lines().any(|l| l.eq_ignore_ascii_case(&format!("location: {location}"))),
                "{method} {target}: {head}"
            );
        }
    }
    // At its own address the index page's relative links work.
    let (status, page) = get(port, "/ja/");
    assert_eq!(status, 200);
    let html = scraper::Html::parse_document(&page);
    let links: Vec<String> = html
        .select(&common::sel("a[href]"))
        .filter_map(|a| a.value().attr("href"))
        .filter(|href| !href.contains(':') && !href.starts_with('#') && !href.starts_with('/'))
        .map(|href| resolve("/ja/", href))
        .collect();
    assert!(links.len() > 3, "{links:?}");
    for link in links {
        assert_eq!(get(port, &link).0, 200, "{link}");
    }
    // Only a folder with an index page is redirected.
    assert_eq!(get(port, "/ja/procedures").0, 308, "the procedures list is a folder with an index page");
    for target in ["/ja/nothing", "/en/index", "/ja/procedures/install"] {
        assert_eq!(get(port, target).0, 404, "{target}");
    }
}

/// Files written just now are read again at every load (their stamps cannot be trusted yet),
/// and so validated again: ages the site's files, so that unchanged ones come from the caches.
fn age_files(root: &Path) {
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    for e in walkdir::WalkDir::new(root).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let file = std::fs::File::options().write(true).open(e.path()).unwrap_or_else(|e| panic!("{e}"));
        file.set_modified(old).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn kept_validation_never_hides_an_error() {
    // Once with every file validated again, once with unchanged files' validation replayed.
    kept_validation_never_hides_an_error_in(false);
    kept_validation_never_hides_an_error_in(true);
}

fn kept_validation_never_hides_an_error_in(aged: bool) {
    let site = common::site("basic");
    let root = site.path();
    if aged {
        age_files(root);
    }
    let caches = vlsc_docs::Caches::default();
    let rebuild =
        |prev: Option<&vlsc_docs::serve::Snapshot>| vlsc_docs::serve::rebuild_cached(root, prev, Some(&caches));
    let first = rebuild(None).unwrap_or_else(|e| panic!("{e}")).snapshot;
    // A procedure that scenarios use is deleted: every scenario using it is in error, though its
    // own file did not change.
    let path = root.join("content/procedures/configure.toml");
    let saved = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_file(&path).unwrap_or_else(|e| panic!("{e}"));
    match rebuild(Some(&first)) {
        Err(vlsc_docs::BuildError::Content(d)) => {
            let text: String = d.sorted().iter().map(|d| d.to_string()).collect();
            assert!(text.contains("unknown procedure `configure`"), "{text}");
        }
        Ok(_) => panic!("a scenario naming a deleted procedure was accepted"),
        Err(e) => panic!("{e}"),
    }
    // A link to a step that an edit removes is an error in the unchanged file that links to it.
    std::fs::write(&path, &saved).unwrap_or_else(|e| panic!("{e}"));
    let again = rebuild(Some(&first)).unwrap_or_else(|e| panic!("{e}")).snapshot;
    edit(&path, "id = \"dns\"", "id = \"name-servers\"");
    match rebuild(Some(&again)) {
        Err(vlsc_docs::BuildError::Content(d)) => {
            let text: String = d.sorted().iter().map(|d| d.to_string()).collect();
            assert!(text.contains("has no step or heading `#dns`"), "{text}");
        }
        Ok(_) => panic!("a link to a removed step was accepted"),
        Err(e) => panic!("{e}"),
    }
}

/// Replaces `from` by `to` in every file under `dir`; returns the files changed.
fn replace_everywhere(dir: &Path, from: &str, to: &str) -> Vec<PathBuf> {
    let mut changed = Vec::new();
    for entry in walkdir::WalkDir::new(dir).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_file()) {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_else(|e| panic!("{e}"));
        if text.contains(from) {
            std::fs::write(entry.path(), text.replace(from, to)).unwrap_or_else(|e| panic!("{e}"));
            changed.push(entry.path().to_path_buf());
        }
    }
    changed
}

#[test]
fn incremental_rebuilds_equal_full_builds_when_sections_change() {
    // Checking every file, as without a watcher; and going by the changed paths a watcher
    // reports (inotify reports a renamed folder, not the files in it), as `serve` does.
    incremental_rebuilds_when_sections_change(false);
    incremental_rebuilds_when_sections_change(true);
}

fn incremental_rebuilds_when_sections_change(watched: bool) {
    let site = common::site("sections");
    let root = site.path();
    let content = root.join("content");
    let cache = vlsc_docs::Caches::default();
    if watched {
        cache.load.watching();
        age_files(root);
    }
    let mut snapshot =
        vlsc_docs::serve::rebuild_cached(root, None, Some(&cache)).unwrap_or_else(|e| panic!("{e}")).snapshot;
    open_every_page(&snapshot);
    let edited = |path: PathBuf, from: &str, to: &str| {
        edit(&path, from, to);
        vec![path]
    };
    /// What an edit does, and the edit, which returns the paths it changed.
    type Step<'a> = (&'static str, Box<dyn Fn() -> Vec<PathBuf> + 'a>);
    let steps: [Step<'_>; 4] = [
        (
            "a procedure moves into another section",
            Box::new(|| {
                let (from, to) =
                    (content.join("procedures/overview.toml"), content.join("procedures/network/overview.toml"));
                std::fs::rename(&from, &to).unwrap_or_else(|e| panic!("{e}"));
                let mut changed = vec![from, to];
                changed.extend(edited(
                    content.join("scenarios/sign-in/new-admin.toml"),
                    "\"overview\"",
                    "\"network/overview\"",
                ));
                changed
            }),
        ),
        (
            "a section is renamed (its title)",
            Box::new(|| {
                edited(content.join("procedures/accounts/_section.toml"), "en = \"Accounts\"", "en = \"User accounts\"")
            }),
        ),
        (
            "a section folder is renamed, references follow",
            Box::new(|| {
                let (from, to) = (content.join("procedures/network"), content.join("procedures/net"));
                std::fs::rename(&from, &to).unwrap_or_else(|e| panic!("{e}"));
                let mut changed = vec![from, to];
                changed.extend(replace_everywhere(&content, "network/dns", "net/dns"));
                changed.extend(replace_everywhere(&content, "network/overview", "net/overview"));
                changed
            }),
        ),
        (
            "an item's weight moves it within its section",
            Box::new(|| edited(content.join("procedures/accounts/create.toml"), "weight = 2", "weight = 0")),
        ),
    ];
    for (what, step) in steps {
        for path in step() {
            cache.load.changed(root, Some(&path));
        }
        let rebuilt = vlsc_docs::serve::rebuild_cached(root, Some(&snapshot), Some(&cache))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let full = vlsc_docs::compile(root).unwrap_or_else(|e| panic!("{what}: {e}"));
        for f in &full.files {
            let served =
                rebuilt.snapshot.get(&f.path).unwrap_or_else(|| panic!("{what}: {} is not served", f.path.as_str()));
            let served = served.unwrap_or_else(|e| panic!("{e}"));
            assert!(
                served.contents == f.contents,
                "{what} (watched: {watched}): {} differs from a full build",
                f.path.as_str()
            );
        }
        snapshot = rebuilt.snapshot;
        open_every_page(&snapshot);
    }
}

#[test]
fn unknown_paths_get_the_sites_own_404_page() {
    let site = common::site("basic");
    let server = serve(site.path());
    // (path asked, the 404 page expected, the <base> that makes its relative links hold there)
    for (target, lang, base) in [
        ("/no-such-page.html", None, "/"),
        ("/a/b/c/d.html", None, "/"),
        ("/ja/no/such/page.html", Some(("ja", "ページが見つかりません")), "/ja/"),
        ("/en/procedures/gone.html", Some(("en", "Page not found")), "/en/"),
    ] {
        let (status, body) = get(server.port, target);
        assert_eq!(status, 404, "{target}");
        assert!(body.contains(&format!("<base href=\"{base}\">")), "{target}: {body}");
        // The page's own <base> (the fixture's base-url) is replaced, not doubled.
        assert_eq!(body.matches("<base ").count(), 1, "{target}: {body}");
        match lang {
            Some((code, heading)) => {
                assert!(body.contains(&format!("<html lang={code}>")), "{target}: {body}");
                assert!(body.contains(&format!("<h1>{heading}</h1>")), "{target}: {body}");
                assert!(body.contains("href=index.html"), "{target}: no link to the language's home");
            }
            None => {
                for home in ["ja/index.html", "en/index.html"] {
                    assert!(body.contains(&format!("href={home}")), "{target}: no link to {home}");
                }
            }
        }
    }
}

#[test]
fn an_outdated_translation_shows_its_notice_live_until_accepted() {
    let site = common::bundled_guide();
    let server = serve(site.path());
    let page = "/en/procedures/sign-in-vlsc.html";
    assert!(!get(server.port, page).1.contains("vd-i18n-outdated"));
    let rx = events(server.port);
    let first = wait_for(&rx, |_| true);
    // The Japanese step changes: the English page shows the notice at that step.
    edit(&site.path().join("content/procedures/sign-in-vlsc.toml"), "サインインをクリック後", "サインインのクリック後");
    let second = wait_for(&rx, |v| generation(v) > generation(&first));
    let body = get(server.port, page).1;
    assert!(body.contains("vd-i18n-outdated"), "no notice after the edit");
    assert!(body.contains("../../ja/procedures/sign-in-vlsc.html#sign-in"), "no link to the original step");
    // Confirming it (only the lock changes) takes the notice away.
    let r = common::run(site.path(), &["i18n", "accept"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    wait_for(&rx, |v| generation(v) > generation(&second));
    assert!(!get(server.port, page).1.contains("vd-i18n-notice"), "the notice stays after accept");
}
