//! The output folder is the user's disk: `build` refuses targets that are or hold the site's
//! sources, files, and folders it did not build; it replaces only what it built, reuses unchanged
//! files, and cleans up staging folders that dead builds left behind.

mod common;

use common::{build_ok, read_tree, run};
use std::path::Path;

fn write(path: &Path, text: &str) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Asserts that `build` with `args` is refused with exit code 2 and a message naming `why`, and
/// that nothing in the site changed.
fn assert_refused(root: &Path, args: &[&str], why: &str) {
    let before = read_tree(root);
    let r = run(root, args);
    assert_eq!(r.code, 2, "{args:?} should be refused:\n{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("refusing to write the site") && r.stderr.contains(why), "{args:?}: {}", r.stderr);
    assert_eq!(read_tree(root), before, "{args:?} changed the site's files");
}

#[test]
fn outputs_that_are_or_hold_the_sources_are_refused() {
    let site = common::site("basic");
    let root = site.path();
    std::fs::create_dir_all(root.join(".git")).unwrap_or_else(|e| panic!("{e}"));
    write(&root.join(".git/HEAD"), "ref: refs/heads/main\n");
    write(&root.join("i18n/en.toml"), "home = \"Start\"\n");
    write(&root.join("i18n/ja.toml"), "");
    assert_refused(root, &["build", "--output", "content"], "content");
    assert_refused(root, &["build", "--output", "content/procedures"], "content");
    assert_refused(root, &["build", "--output", "."], "site folder itself");
    assert_refused(root, &["build", "--output", ".."], "site folder itself");
    assert_refused(root, &["build", "--output", ".git"], ".git");
    assert_refused(root, &["build", "--output", "i18n"], "i18n");
    assert_refused(root, &["build", "--output", "book.toml"], "book.toml");
    // --root S --output S from elsewhere.
    let parent = root.parent().unwrap_or(root);
    let name = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let r = run(parent, &["build", "--root", &name, "--output", &name]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(root.join("book.toml").is_file() && root.join("content").is_dir());
    // A symbolic link to the sources is seen through.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root.join("content"), root.join("out-link")).unwrap_or_else(|e| panic!("{e}"));
        assert_refused(root, &["build", "--output", "out-link/x"], "content");
    }
}

#[test]
fn output_dir_in_book_toml_follows_the_same_rules() {
    let site = common::site("basic");
    let root = site.path();
    std::fs::create_dir_all(root.join(".git")).unwrap_or_else(|e| panic!("{e}"));
    write(&root.join(".git/HEAD"), "ref: refs/heads/main\n");
    let book = std::fs::read_to_string(root.join("book.toml")).unwrap_or_else(|e| panic!("{e}"));
    write(&root.join("book.toml"), &book.replace("output-dir = \"public\"", "output-dir = \".git\""));
    let before = read_tree(root);
    let r = run(root, &["build"]);
    assert_ne!(r.code, 0, "output-dir = .git must be refused");
    assert!(r.stderr.contains(".git"), "{}", r.stderr);
    assert_eq!(read_tree(root), before);
}

#[test]
fn a_folder_vlsc_docs_did_not_build_is_left_alone_unless_forced() {
    let site = common::site("basic");
    let root = site.path();
    write(&root.join("mine/thesis.txt"), "years of work\n");
    assert_refused(root, &["build", "--output", "mine"], "did not build");
    assert_eq!(std::fs::read_to_string(root.join("mine/thesis.txt")).ok().as_deref(), Some("years of work\n"));
    // A file as the target is refused before anything moves.
    write(&root.join("notes.txt"), "keep me\n");
    assert_refused(root, &["build", "--output", "notes.txt"], "not a folder");
    // --force replaces it knowingly; from then on it is a built folder.
    let r = run(root, &["build", "--output", "mine", "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!root.join("mine/thesis.txt").exists());
    assert!(root.join("mine/.vlsc-docs-output").is_file());
    let r = run(root, &["build", "--output", "mine"]);
    assert_eq!(r.code, 0, "a folder vlsc-docs built is replaced without --force: {}", r.stderr);
    // An empty folder is fine too.
    std::fs::create_dir_all(root.join("empty")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run(root, &["build", "--output", "empty"]).code, 0);
}

#[test]
fn unchanged_files_are_reused_and_changed_ones_rewritten() {
    let site = common::site("basic");
    let root = site.path();
    let public = build_ok(root);
    let before = read_tree(&public);
    #[cfg(unix)]
    let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap_or_else(|e| panic!("{e}")));
    #[cfg(unix)]
    let inodes: std::collections::BTreeMap<&String, u64> = before.keys().map(|k| (k, inode(&public.join(k)))).collect();
    let path = root.join("content/procedures/install.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    write(&path, &text.replace("Check the result.", "Check the output."));
    let public = build_ok(root);
    let after = read_tree(&public);
    // The same files, but for the search index's that changed: each is named by its content's
    // hash (`s0.0a1b2c3d.js`), and gets another name.
    let unhashed = |files: &std::collections::BTreeMap<String, Vec<u8>>| -> Vec<String> {
        files
            .keys()
            .map(|k| match k.strip_prefix("assets/search/").and_then(|f| f.rsplit_once('/')) {
                Some((lang, file)) => format!("assets/search/{lang}/{}", file.split('.').next().unwrap_or(file)),
                None => k.clone(),
            })
            .collect()
    };
    assert_eq!(unhashed(&before), unhashed(&after));
    assert!(after.keys().any(|k| k.starts_with("assets/search/en/d0.") && !before.contains_key(k)), "a renamed chunk");
    assert_ne!(before["en/procedures/install.html"], after["en/procedures/install.html"]);
    assert_eq!(before["en/contacts.html"], after["en/contacts.html"]);
    // Every unchanged file is the same file, linked from the previous output, not a new copy:
    // the first file written in each folder too (not the marker, written as the output is swapped in).
    #[cfg(unix)]
    {
        let copied: Vec<&&String> = inodes
            .iter()
            .filter(|(k, ino)| {
                k.as_str() != ".vlsc-docs-output"
                    && after.get(k.as_str()) == Some(&before[**k])
                    && inode(&public.join(k)) != **ino
            })
            .map(|(k, _)| k)
            .collect();
        assert!(copied.is_empty(), "unchanged files written anew instead of linked: {copied:?}");
        assert!(inodes.len() > 20, "too few files: {}", inodes.len());
    }
    // And the result equals a build from scratch.
    let fresh = common::site("basic");
    write(
        &fresh.path().join("content/procedures/install.toml"),
        &text.replace("Check the result.", "Check the output."),
    );
    assert_eq!(read_tree(&build_ok(fresh.path())), after);
}

#[test]
fn staging_folders_of_dead_builds_are_swept() {
    let site = common::site("basic");
    let root = site.path();
    // A process id that cannot be running: above the kernel's maximum.
    let stale = root.join(".public.new-4194305");
    write(&stale.join("en/index.html"), "half written");
    let mine = root.join(".other.new-4194305");
    write(&mine.join("x"), "not ours");
    build_ok(root);
    assert!(!stale.exists(), "the dead build's staging folder is still there");
    assert!(mine.exists(), "a folder of another output was touched");
    let leftovers: Vec<String> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".public."))
        .collect();
    assert!(leftovers.is_empty(), "staging folders left behind: {leftovers:?}");
}

#[cfg(unix)]
#[test]
fn an_interrupted_build_removes_its_staging_folder_and_keeps_the_previous_output() {
    use notify::Watcher;
    let site = common::site("basic");
    let root = site.path();
    let before = read_tree(&build_ok(root));
    // Enough pages that the build is still writing when the signal arrives.
    for i in 0..3000 {
        write(
            &root.join(format!("content/pages/bulk/p{i:04}.en.md")),
            &format!("+++\ntitle = \"Page {i}\"\n+++\n## Part {i}\n\nText of page {i}.\n"),
        );
        write(
            &root.join(format!("content/pages/bulk/p{i:04}.ja.md")),
            &format!("+++\ntitle = \"ページ {i}\"\n+++\n## 部分 {i}\n\nページ {i} の本文。\n"),
        );
    }
    write(&root.join("content/pages/bulk/_section.toml"), "title = { ja = \"大量\", en = \"Bulk\" }\n");
    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |e: notify::Result<notify::Event>| {
        if let Ok(e) = e {
            for p in e.paths {
                let _ = tx.send(p);
            }
        }
    })
    .unwrap_or_else(|e| panic!("{e}"));
    watcher.watch(root, notify::RecursiveMode::NonRecursive).unwrap_or_else(|e| panic!("{e}"));
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_vlsc-docs"))
        .arg("build")
        .current_dir(root)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let staging = root.join(format!(".public.new-{}", child.id()));
    // Wait for the staging folder to appear: the build is writing.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !staging.exists() {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        assert!(!left.is_zero(), "the build never created {}", staging.display());
        let _ = rx.recv_timeout(left);
    }
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(kill.success());
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "the build was not interrupted (it finished first?): {stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(!staging.exists(), "the interrupted build left {}", staging.display());
    assert_eq!(read_tree(&root.join("public")), before, "the previous output changed");
}
