//! The integration-test helper: copies an example site from `tests/fixtures/` into a temp folder,
//! runs the real `vlsc-docs` binary on it, and reads the output back.

#![allow(dead_code, reason = "each test crate uses a different part of the helper")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Copies every file under `from` into `to`, overwriting (used to lay a case over a base site).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).min_depth(1) {
        let entry = entry.unwrap_or_else(|e| panic!("walking {}: {e}", from.display()));
        let rel = entry.path().strip_prefix(from).unwrap_or_else(|e| panic!("{e}"));
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap_or_else(|e| panic!("mkdir {}: {e}", dest.display()));
        } else {
            std::fs::copy(entry.path(), &dest).unwrap_or_else(|e| panic!("copy to {}: {e}", dest.display()));
        }
    }
}

/// A temp copy of `tests/fixtures/sites/<name>`.
pub fn site(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    copy_tree(&fixtures().join("sites").join(name), dir.path());
    dir
}

/// A temp copy of the repository's own site: `book.toml`, `translations.lock`, `content/`.
pub fn bundled_guide() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    std::fs::copy(repo().join("book.toml"), dir.path().join("book.toml")).unwrap_or_else(|e| panic!("{e}"));
    if repo().join("translations.lock").is_file() {
        std::fs::copy(repo().join("translations.lock"), dir.path().join("translations.lock"))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::create_dir_all(dir.path().join("content")).unwrap_or_else(|e| panic!("{e}"));
    copy_tree(&repo().join("content"), &dir.path().join("content"));
    if repo().join("i18n").is_dir() {
        std::fs::create_dir_all(dir.path().join("i18n")).unwrap_or_else(|e| panic!("{e}"));
        copy_tree(&repo().join("i18n"), &dir.path().join("i18n"));
    }
    dir
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary with `args` in `cwd`.
pub fn run(cwd: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_vlsc-docs"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("running vlsc-docs: {e}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Builds the site in `root` into `root/public`, asserting success; returns the output folder.
pub fn build_ok(root: &Path) -> PathBuf {
    let r = run(root, &["build"]);
    assert_eq!(r.code, 0, "build failed:\n{}", r.stderr);
    root.join("public")
}

/// Every file under `dir`, by relative path with `/` separators.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        let entry = entry.unwrap_or_else(|e| panic!("walking {}: {e}", dir.display()));
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap_or_else(|e| panic!("{e}"));
            let key = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            out.insert(key, std::fs::read(entry.path()).unwrap_or_else(|e| panic!("{e}")));
        }
    }
    out
}

/// The HTML pages of a built site, parsed.
pub fn pages(dir: &Path) -> BTreeMap<String, scraper::Html> {
    read_tree(dir)
        .into_iter()
        .filter(|(k, _)| k.ends_with(".html"))
        .map(|(k, v)| (k, scraper::Html::parse_document(&String::from_utf8_lossy(&v))))
        .collect()
}

pub fn sel(s: &str) -> scraper::Selector {
    scraper::Selector::parse(s).unwrap_or_else(|e| panic!("selector {s}: {e}"))
}

/// The text of an element, whitespace-normalised.
pub fn text(el: scraper::ElementRef<'_>) -> String {
    el.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
}
