//! Hostile sizes and depths: deeply nested Markdown and pathological text give a located error
//! or a normal build from the real binary, never a crash (a stack overflow aborts the process).

mod common;

use common::{copy_tree, fixtures, run};
use std::path::Path;

/// The valid `_base` error fixture with `text` appended to the English page body, and with
/// `book.toml` extended by `build` (a `[build]` table, or nothing).
fn site_with(text: &str, build: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    copy_tree(&fixtures().join("errors/_base"), dir.path());
    let page = dir.path().join("content/pages/contacts.en.md");
    let mut body = std::fs::read_to_string(&page).unwrap_or_else(|e| panic!("{e}"));
    body.push_str("\n\n");
    body.push_str(text);
    body.push('\n');
    std::fs::write(&page, body).unwrap_or_else(|e| panic!("{e}"));
    let book = dir.path().join("book.toml");
    let mut toml = std::fs::read_to_string(&book).unwrap_or_else(|e| panic!("{e}"));
    toml.push_str(build);
    std::fs::write(&book, toml).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// Runs `check` and `build` on `root`; both must exit 1 with `message`, located in the page.
fn assert_refused(root: &Path, case: &str, message: &str) {
    for command in ["check", "build"] {
        let r = run(root, &[command]);
        assert_eq!(r.code, 1, "{case}: `{command}` must fail cleanly (-1 is a crash):\n{}", r.stderr);
        assert!(r.stderr.contains(message), "{case}: `{command}` must say {message:?}:\n{}", r.stderr);
        assert!(r.stderr.contains("--> content/pages/contacts.en.md:"), "{case}: not located:\n{}", r.stderr);
        assert!(r.stderr.contains("= key: body"), "{case}: no key:\n{}", r.stderr);
    }
    assert!(!root.join("public").exists(), "{case}: a refused site was written");
}

#[test]
fn deep_nesting_is_a_located_error_not_a_crash() {
    let cases = [
        ("2,500 nested quotes", "> ".repeat(2_500) + "x", ""),
        ("2,000 nested list items", "- ".repeat(2_000) + "x", ""),
        ("5,000 nested emphasis marks", format!("{}x{}", "*".repeat(5_000), "*".repeat(5_000)), ""),
        ("200,000 nested quotes", ">".repeat(200_000), "[build]\nminify = false\n"),
        ("3,000 nested raw HTML elements", "<div>".repeat(3_000), "[build]\nallow-html = true\n"),
    ];
    for (case, text, build) in cases {
        let dir = site_with(&text, build);
        assert_refused(dir.path(), case, "Markdown nested too deeply");
    }
}

#[test]
fn absurdly_long_texts_are_refused_before_they_are_parsed() {
    for (case, text) in [("1 MiB of `[`", "[".repeat(1 << 20)), ("1 MiB of `<`", "<".repeat(1 << 20))] {
        let dir = site_with(&text, "");
        assert_refused(dir.path(), case, "text too long: 1025 KiB, over the limit of 256 KiB per text");
    }
}

#[test]
fn texts_within_the_limits_still_build() {
    let cases = [
        ("40 nested quotes", "> ".repeat(40)),
        ("nested lists and emphasis", "- a\n  - b\n    - *c **d***\n\n".to_string()),
        ("200,000 `[`", "[".repeat(200_000)),
        ("200,000 `<`", "<".repeat(200_000)),
    ];
    for (case, text) in cases {
        let dir = site_with(&format!("{text} endmark"), "");
        let r = run(dir.path(), &["build"]);
        assert_eq!(r.code, 0, "{case}: must build:\n{}", r.stderr);
        let page = std::fs::read_to_string(dir.path().join("public/en/contacts.html")).unwrap_or_default();
        assert!(page.contains("endmark"), "{case}: the text is not on the page");
    }
}
