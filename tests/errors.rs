//! Every bad-input case is a fixture under `tests/fixtures/errors/<case>/`, laid over the valid
//! `_base` site, with the exact terminal output it must produce in `expected.stderr`
//! (and its exit code in `expected.code`, 1 when absent). `BLESS=1 cargo test --test errors`
//! rewrites the expected files after a deliberate change; review the diff before committing.

mod common;

use common::{copy_tree, fixtures, read_tree, run};
use std::path::Path;

fn lay_case(case: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    copy_tree(&fixtures().join("errors/_base"), dir.path());
    copy_tree(case, dir.path());
    for name in ["expected.stderr", "expected.code"] {
        let _ = std::fs::remove_file(dir.path().join(name));
    }
    dir
}

#[test]
fn the_base_site_is_valid() {
    let dir = lay_case(&fixtures().join("errors/_base"));
    let r = run(dir.path(), &["check"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "the base of the error cases must build cleanly");
}

#[test]
fn every_error_case_reports_its_exact_message_and_location() {
    let bless = std::env::var_os("BLESS").is_some();
    let mut cases: Vec<_> = std::fs::read_dir(fixtures().join("errors"))
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !p.ends_with("_base"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 25, "error cases went missing: {}", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let dir = lay_case(case);
        let r = run(dir.path(), &["check"]);
        let expected_code: i32 =
            std::fs::read_to_string(case.join("expected.code")).map_or(1, |s| s.trim().parse().unwrap_or(1));
        if bless {
            std::fs::write(case.join("expected.stderr"), &r.stderr).unwrap_or_else(|e| panic!("{e}"));
        }
        let expected = std::fs::read_to_string(case.join("expected.stderr")).unwrap_or_default();
        if r.stderr != expected || r.code != expected_code {
            failures.push(format!(
                "== {name}: exit {} (want {expected_code})\n-- got:\n{}\n-- want:\n{expected}",
                r.code, r.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_failed_build_leaves_the_previous_output_exactly_as_it_was() {
    let dir = lay_case(&fixtures().join("errors/_base"));
    let out = common::build_ok(dir.path());
    let before = read_tree(&out);
    assert!(before.contains_key("ja/index.html"));
    for case in ["malformed-toml", "unknown-procedure", "not-utf8", "broken-template"] {
        copy_tree(&fixtures().join("errors").join(case), dir.path());
        if case == "broken-template" {
            std::fs::copy(fixtures().join("errors/broken-template/book.toml"), dir.path().join("book.toml"))
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let r = run(dir.path(), &["build"]);
        assert_eq!(r.code, 1, "{case}: {}", r.stderr);
        assert!(r.stderr.contains("the previous output was left as it was"), "{case}: {}", r.stderr);
        assert_eq!(read_tree(&out), before, "{case} changed the output");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".public"))
            .collect();
        assert!(leftovers.is_empty(), "{case} left staging folders behind");
    }
}

#[test]
fn check_writes_nothing() {
    let dir = lay_case(&fixtures().join("errors/_base"));
    let r = run(dir.path(), &["check"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("ok: "), "{}", r.stdout);
    assert!(!dir.path().join("public").exists());
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let r = run(dir.path(), &["build"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no book.toml in ."), "{}", r.stderr);
    let r = run(dir.path(), &["build", "--no-such-flag"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = run(dir.path(), &["--version"]);
    assert_eq!((r.code, r.stdout.trim()), (0, concat!("vlsc-docs ", env!("CARGO_PKG_VERSION"))));
    for sub in ["build", "check", "serve"] {
        let r = run(dir.path(), &[sub, "--help"]);
        assert_eq!(r.code, 0);
        assert!(r.stdout.contains("--root"), "{sub} --help: {}", r.stdout);
    }
}
