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
    // The version, and the commit when built from a checkout (as these tests are, unless from a
    // tarball); the build script builds again when HEAD moves, so the two agree.
    let r = run(dir.path(), &["--version"]);
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let want = match commit {
        Some(c) => format!("vlsc-docs {} ({c})", env!("CARGO_PKG_VERSION")),
        None => format!("vlsc-docs {}", env!("CARGO_PKG_VERSION")),
    };
    assert_eq!((r.code, r.stdout.trim()), (0, want.as_str()), "{}", r.stderr);
    for sub in ["build", "check", "serve"] {
        let r = run(dir.path(), &[sub, "--help"]);
        assert_eq!(r.code, 0);
        assert!(r.stdout.contains("--root"), "{sub} --help: {}", r.stdout);
    }
}

/// One diagnostic as the text form shows it: headline, `-->` line, key line.
#[derive(Debug)]
struct Shown {
    severity: String,
    message: String,
    file: String,
    place: Option<(usize, usize)>,
    key: Option<String>,
    /// The source line as shown, and the caret line, when there is a snippet.
    snippet: Option<(String, String)>,
}

/// Splits `check`'s text output into diagnostics (blocks between blank lines), without the
/// closing summary and the `… more like this` counts.
fn parse_text(stderr: &str) -> Vec<Shown> {
    let mut out = Vec::new();
    for block in stderr.split("\n\n").filter(|b| !b.trim().is_empty()) {
        let lines: Vec<&str> = block.lines().collect();
        let Some((severity, message)) = lines[0].split_once(": ") else { continue };
        let Some(arrow) = lines.iter().find_map(|l| l.trim_start().strip_prefix("--> ")) else { continue };
        let (file, place) = match arrow.rsplitn(3, ':').collect::<Vec<_>>()[..] {
            [col, line, file] if col.parse::<usize>().is_ok() && line.parse::<usize>().is_ok() => {
                (file.to_string(), Some((line.parse().unwrap_or(0), col.parse().unwrap_or(0))))
            }
            _ => (arrow.to_string(), None),
        };
        let key = lines.iter().find_map(|l| l.trim_start().strip_prefix("= key: ")).map(str::to_string);
        let snippet =
            lines.iter().position(|l| l.split_once(" | ").is_some_and(|(n, _)| n.trim().parse::<usize>().is_ok()));
        let snippet = snippet.and_then(|i| {
            let source = lines[i].split_once(" | ")?.1.to_string();
            let carets = lines.get(i + 1)?.split_once(" |")?.1.to_string();
            Some((source, carets))
        });
        out.push(Shown { severity: severity.to_string(), message: message.to_string(), file, place, key, snippet });
    }
    out
}

/// Every error case, in name order.
fn cases() -> Vec<std::path::PathBuf> {
    let mut cases: Vec<_> = std::fs::read_dir(fixtures().join("errors"))
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !p.ends_with("_base"))
        .collect();
    cases.sort();
    cases
}

/// `check --format json` says what the text form says, for every error case: one JSON object a
/// line on stdout, in the same order, with the same severity, message, file, line, column and
/// key; only the summary on stderr; the same exit code. And in the text form, every caret stands
/// under its column measured in terminal cells (Japanese characters take two).
#[test]
fn json_diagnostics_carry_the_fields_of_the_text_form_for_every_error_case() {
    use unicode_width::UnicodeWidthStr;
    use vlsc_docs::diag::escape_controls;
    let (mut compared, mut carets_checked) = (0, 0);
    let mut failures = Vec::new();
    for case in cases() {
        let name = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let dir = lay_case(&case);
        let text = run(dir.path(), &["check"]);
        let json = run(dir.path(), &["check", "--format", "json"]);
        let context = format!(
            "== {name}\n-- text:\n{}\n-- json stdout:\n{}\n-- json stderr:\n{}",
            text.stderr, json.stdout, json.stderr
        );
        let shown = parse_text(&text.stderr);
        let objects: Vec<serde_json::Value> = json
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{context}\nnot JSON ({e}): {l}")))
            .collect();
        let summary: Vec<&str> = text
            .stderr
            .lines()
            .chain(text.stdout.lines())
            .filter(|l| l.starts_with("error: check failed") || l.starts_with("ok: "))
            .collect();
        let mut problems = Vec::new();
        if json.code != text.code {
            problems.push(format!("exit {} in json, {} in text", json.code, text.code));
        }
        if json.stderr.lines().collect::<Vec<_>>() != summary {
            problems.push(format!("json stderr should be the summary {summary:?} alone"));
        }
        // `… more like this` counts are text only; no case has more than five of a kind.
        if objects.len() != shown.len() {
            problems.push(format!("{} JSON objects for {} diagnostics shown", objects.len(), shown.len()));
        }
        for (o, s) in objects.iter().zip(&shown) {
            compared += 1;
            let str_field = |k: &str| o.get(k).and_then(|v| v.as_str()).map(escape_controls);
            let num = |k: &str| o.get(k).and_then(serde_json::Value::as_u64).map(|n| n as usize);
            for field in ["severity", "message", "file", "line", "column", "end", "key", "suggestion"] {
                if o.get(field).is_none() {
                    problems.push(format!("field `{field}` missing in {o}"));
                }
            }
            if str_field("severity").as_deref() != Some(s.severity.as_str()) {
                problems.push(format!("severity: {o} vs {s:?}"));
            }
            if str_field("message").as_deref() != Some(s.message.as_str()) {
                problems.push(format!("message: {o} vs {s:?}"));
            }
            if str_field("file").as_deref() != Some(s.file.as_str()) {
                problems.push(format!("file: {o} vs {s:?}"));
            }
            let place = num("line").zip(num("column"));
            if place != s.place {
                problems.push(format!("line and column: {o} vs {s:?}"));
            }
            let end = o
                .get("end")
                .and_then(|e| Some((e.get("line")?.as_u64()? as usize, e.get("column")?.as_u64()? as usize)));
            if let (Some((line, column)), Some((end_line, end_column))) = (place, end)
                && (end_line != line || end_column <= column)
            {
                problems.push(format!("end before start: {o}"));
            }
            // The text form adds where the key points in human terms: `steps[1].id (step 2)`.
            let key = str_field("key");
            let key_ok = match (&key, &s.key) {
                (None, None) => true,
                (Some(k), Some(shown)) => {
                    let rest = shown.strip_prefix(k.as_str());
                    let counted = k.contains('[') || k.starts_with("questions.");
                    rest.is_some_and(|r| if counted { r.starts_with(" (") && r.ends_with(')') } else { r.is_empty() })
                }
                _ => false,
            };
            if !key_ok {
                problems.push(format!("key: {o} vs {s:?}"));
            }
            let suggestion = str_field("suggestion");
            if suggestion.as_ref().is_some_and(|x| !s.message.contains(&format!("(did you mean `{x}`?)"))) {
                problems.push(format!("suggestion not in the message: {o}"));
            }
            // The caret under the source line starts at the column's display width, when the
            // line is shown whole (long lines are cut, control characters shown as pictures).
            if let (Some((line, column)), Some((source, carets))) = (place, &s.snippet) {
                let file_text = std::fs::read_to_string(dir.path().join(&s.file)).unwrap_or_default();
                let original = file_text.lines().nth(line - 1).unwrap_or_default();
                if original == source {
                    carets_checked += 1;
                    let before: String = original.chars().take(column - 1).collect();
                    let at = carets.find('^').unwrap_or(0);
                    if at != before.width() + 1 {
                        problems.push(format!(
                            "caret at cell {} of the line, want {} (`{before}`)",
                            at - 1,
                            before.width()
                        ));
                    }
                }
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{context}\n-- problems:\n{}", problems.join("\n")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(compared >= 40, "only {compared} diagnostics compared");
    assert!(carets_checked >= 25, "only {carets_checked} carets checked");
}

/// `--format github`: workflow commands on stdout that put each diagnostic on its line, with
/// the properties GitHub reads; the summary alone on stderr.
#[test]
fn github_format_annotates_each_diagnostic() {
    let dir = lay_case(&fixtures().join("errors/unknown-procedure"));
    let r = run(dir.path(), &["check", "--format", "github"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "::error file=content/scenarios/locked-out.toml,line=5,col=13,endLine=5,endColumn=21,\
         title=vlsc-docs%3A sections[0].procedure::unknown procedure `sign-on` (did you mean `sign-in`?)\n\
         ::warning file=content/procedures/sign-in.toml,title=vlsc-docs::procedure `sign-in` is used by no scenario\n",
        "stderr:\n{}",
        r.stderr
    );
    assert_eq!(r.stderr, "error: check failed with 1 error(s)\n");
    // An error about no file at all is an annotation too.
    let empty = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let r = run(empty.path(), &["build", "--format", "github"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (2, "::error title=vlsc-docs::no book.toml in .: run vlsc-docs in a site folder or pass --root DIR\n"),
        "{}",
        r.stderr
    );
}

/// `--quiet` prints errors only: no warnings, no summary; in every format; exit codes unchanged.
#[test]
fn quiet_prints_errors_only() {
    let dir = lay_case(&fixtures().join("errors/unknown-procedure"));
    let full = run(dir.path(), &["check"]);
    let r = run(dir.path(), &["check", "--quiet"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    let error = full.stderr.split("\n\n").next().unwrap_or_default();
    assert!(error.starts_with("error: unknown procedure"), "{}", full.stderr);
    assert_eq!(r.stderr, format!("{error}\n\n"), "the error alone, without the warning and the summary");
    let r = run(dir.path(), &["check", "-q", "--format", "json"]);
    assert_eq!((r.code, r.stdout.lines().count(), r.stderr.as_str()), (1, 1, ""), "{}", r.stdout);
    assert!(r.stdout.contains(r#""severity":"error""#), "{}", r.stdout);

    let dir = lay_case(&fixtures().join("errors/warnings-only"));
    let r = run(dir.path(), &["check", "--quiet"]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let r = run(dir.path(), &["build", "--quiet"]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    assert!(dir.path().join("public/ja/index.html").is_file(), "quiet still builds");
    let r = run(dir.path(), &["build", "--format", "json"]);
    assert_eq!((r.code, r.stdout.lines().count()), (0, 2), "two warnings:\n{}", r.stdout);
    assert!(r.stderr.starts_with("built "), "the summary goes to stderr in json: {}", r.stderr);
}
