//! Hostile files and values in a site folder: pipes and link loops in `content/` are located
//! errors, never silently skipped (and never hang the build); `base-url` is escaped in the sitemap.

mod common;

use common::run;

#[cfg(unix)]
fn mkfifo(path: &std::path::Path) {
    let ok = std::process::Command::new("mkfifo").arg(path).status().unwrap_or_else(|e| panic!("mkfifo: {e}"));
    assert!(ok.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn a_pipe_in_content_is_an_error_not_a_missing_file() {
    for rel in ["content/selector.toml", "content/procedures/piped.toml", "content/pages/piped.en.md"] {
        let site = common::site("basic");
        let path = site.path().join(rel);
        let _ = std::fs::remove_file(&path);
        mkfifo(&path);
        let r = run(site.path(), &["check"]);
        assert_eq!(r.code, 1, "{rel}: {}", r.stderr);
        assert!(r.stderr.contains("not a regular file") && r.stderr.contains(rel), "{rel}: {}", r.stderr);
    }
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_loop_in_content_is_an_error() {
    let site = common::site("basic");
    let dir = site.path().join("content/procedures/loop");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("_section.toml"), "title = { ja = \"ループ\", en = \"Loop\" }\n")
        .unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink("..", dir.join("again")).unwrap_or_else(|e| panic!("{e}"));
    let r = run(site.path(), &["check"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("symbolic link loop") && r.stderr.contains("content/procedures/loop/again"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_sitemap_escapes_the_base_url() {
    let site = common::site("basic");
    let book = site.path().join("book.toml");
    let text = std::fs::read_to_string(&book).unwrap_or_else(|e| panic!("{e}"));
    let text = text.replace("https://docs.example.test/guide/", "https://docs.example.test/guide/?a=1&b=<2>/");
    std::fs::write(&book, text).unwrap_or_else(|e| panic!("{e}"));
    let public = common::build_ok(site.path());
    let xml = std::fs::read_to_string(public.join("sitemap.xml")).unwrap_or_else(|e| panic!("{e}"));
    assert!(xml.contains("https://docs.example.test/guide/?a=1&amp;b=&lt;2&gt;/en/index.html"), "{xml}");
    assert!(!xml.contains("&b=") && !xml.contains("<2>"), "unescaped base-url in the sitemap");
}
