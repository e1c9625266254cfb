//! Translations that cannot silently go stale: `translations.lock`, `vlsc-docs i18n status |
//! accept | export | import`, the notices readers see, fallback for a language being translated,
//! and the XLIFF round trip (validated against the OASIS XLIFF 1.2 schema with xmllint).

mod common;

use common::{bundled_guide, pages, read_tree, run, sel};
use std::path::Path;

const SIGN_IN: &str = "content/procedures/sign-in-vlsc.toml";
const SIGN_IN_JA: &str = "サインインをクリック後、ポップアップ画面より{{ account }}とパスワードでサインインし、新しいアカウント、VLSC を初めて使用する場合のリンクをクリックします。";
const SIGN_IN_EN: &str = "After you click it, sign in with {{ account }} and its password in the pop-up window, and then click the link for new accounts or first-time VLSC users.";

fn edit(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.contains(from), "{from:?} not in {file}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap_or_else(|e| panic!("{e}"));
}

fn ok(root: &Path, args: &[&str]) -> common::Run {
    let r = run(root, args);
    assert_eq!(r.code, 0, "vlsc-docs {args:?} failed:\n{}{}", r.stdout, r.stderr);
    r
}

/// `i18n status --format json`, parsed.
fn status(root: &Path) -> serde_json::Value {
    let r = run(root, &["i18n", "status", "--format", "json"]);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("status JSON: {e}\n{}", r.stdout))
}

/// The outdated and missing texts of `lang` in the status: `(state, file, key)`.
fn not_up_to_date(status: &serde_json::Value, lang: &str) -> Vec<(String, String, String)> {
    let langs = status["languages"].as_array().cloned().unwrap_or_default();
    let l = langs.iter().find(|l| l["lang"] == lang).unwrap_or_else(|| panic!("no {lang} in {status}"));
    l["texts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|t| {
            let s = |k: &str| t[k].as_str().unwrap_or_default().to_string();
            (s("state"), s("file"), s("key"))
        })
        .collect()
}

/// The notices of outdated translations in an HTML page: (id of the step holding it, link).
fn notices(html: &scraper::Html) -> Vec<(String, String)> {
    html.select(&sel(".vd-i18n-outdated"))
        .map(|n| {
            let step = n
                .ancestors()
                .filter_map(scraper::ElementRef::wrap)
                .find(|e| e.value().has_class("vd-step", scraper::CaseSensitivity::CaseSensitive))
                .and_then(|e| e.value().id())
                .unwrap_or("")
                .to_string();
            let link = n.select(&sel("a")).next().and_then(|a| a.value().attr("href")).unwrap_or("").to_string();
            (step, link)
        })
        .collect()
}

#[test]
fn the_bundled_guide_ships_its_lock_and_passes_the_check() {
    let guide = bundled_guide();
    assert!(guide.path().join("translations.lock").is_file(), "the guide ships translations.lock");
    let r = ok(guide.path(), &["i18n", "status", "--check"]);
    assert!(r.stdout.starts_with("en (from ja): ") && r.stdout.contains(" 0 outdated, 0 missing"), "{}", r.stdout);
    let r = ok(guide.path(), &["check"]);
    assert!(!r.stderr.contains("translation"), "{}", r.stderr);
}

#[test]
fn a_changed_japanese_step_outdates_exactly_that_text_until_accepted() {
    let guide = bundled_guide();
    let root = guide.path();
    edit(
        root,
        SIGN_IN,
        SIGN_IN_JA,
        "サインインをクリックした後、ポップアップ画面で{{ account }}とパスワードを入力してサインインします。",
    );

    // Status: exactly that text, for en.
    let s = status(root);
    assert_eq!(
        not_up_to_date(&s, "en"),
        [("outdated".to_string(), SIGN_IN.to_string(), "steps.sign-in.text.en".to_string())]
    );
    let r = run(root, &["i18n", "status", "--check"]);
    assert_eq!(r.code, 1, "--check fails on an outdated text");
    assert!(r.stdout.contains(&format!("  {SIGN_IN}:38: steps.sign-in.text.en: outdated")), "{}", r.stdout);

    // Build: a warning naming file, line and key, and the build succeeds.
    let r = ok(root, &["build"]);
    assert!(
        r.stderr.contains("warning: the `ja` text changed since this `en` translation was confirmed"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(&format!("--> {SIGN_IN}:38:")), "{}", r.stderr);
    assert!(r.stderr.contains("= key: steps.sign-in.text.en"), "{}", r.stderr);

    // The English pages show the notice at that step, linking to the Japanese original of it.
    let site = pages(&root.join("public"));
    let proc_en = &site["en/procedures/sign-in-vlsc.html"];
    assert_eq!(
        notices(proc_en),
        [("sign-in".to_string(), "../../ja/procedures/sign-in-vlsc.html#sign-in".to_string())]
    );
    let notice = proc_en.select(&sel(".vd-i18n-outdated")).next().unwrap_or_else(|| panic!("no notice"));
    assert_eq!(notice.value().attr("role"), Some("note"));
    let link = notice.select(&sel("a")).next().unwrap_or_else(|| panic!("no link"));
    assert_eq!(link.value().attr("hreflang"), Some("ja"));
    // The link resolves: the Japanese page has the step.
    assert!(site["ja/procedures/sign-in-vlsc.html"].select(&sel("#sign-in")).next().is_some());
    // A scenario rendering the procedure shows it too, with the scenario's step anchor.
    let scenario = &site["en/scenarios/microsoft-account.html"];
    let found = notices(scenario);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.starts_with("../../ja/scenarios/microsoft-account.html#") && found[0].1.ends_with("--sign-in"));
    let anchor = found[0].1.split('#').nth(1).unwrap_or_default();
    assert!(site["ja/scenarios/microsoft-account.html"].select(&sel(&format!("[id='{anchor}']"))).next().is_some());
    // Nothing in Japanese, nothing elsewhere.
    let with_notice: Vec<&String> = site.iter().filter(|(_, h)| !notices(h).is_empty()).map(|(p, _)| p).collect();
    assert!(with_notice.iter().all(|p| p.starts_with("en/")), "{with_notice:?}");
    assert!(
        site.iter()
            .filter(|(p, _)| p.starts_with("ja/"))
            .all(|(_, h)| h.select(&sel(".vd-i18n-notice")).next().is_none())
    );

    // Accepting another file changes nothing; accepting this one clears it.
    ok(root, &["i18n", "accept", "content/procedures/create-work-account.toml"]);
    assert_eq!(not_up_to_date(&status(root), "en").len(), 1);
    let r = ok(root, &["i18n", "accept", SIGN_IN]);
    assert!(r.stdout.contains("accepted 1 translation(s) (1 en)"), "{}", r.stdout);
    assert!(not_up_to_date(&status(root), "en").is_empty());
    ok(root, &["i18n", "status", "--check"]);
    let r = ok(root, &["build"]);
    assert!(!r.stderr.contains("translation"), "{}", r.stderr);
    let site = pages(&root.join("public"));
    assert!(site.values().all(|h| h.select(&sel(".vd-i18n-notice")).next().is_none()));
}

#[test]
fn outdated_error_fails_the_build_and_keeps_the_previous_output() {
    let guide = bundled_guide();
    let root = guide.path();
    let book = std::fs::read_to_string(root.join("book.toml")).unwrap_or_default();
    std::fs::write(root.join("book.toml"), format!("{book}\n[i18n]\noutdated = \"error\"\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let before = read_tree(&common::build_ok(root));
    edit(root, SIGN_IN, SIGN_IN_JA, "サインインします。");
    let r = run(root, &["build"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("error: the `ja` text changed since this `en` translation was confirmed"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("= key: steps.sign-in.text.en"), "{}", r.stderr);
    assert_eq!(read_tree(&root.join("public")), before, "a failed build leaves the previous output");
    ok(root, &["i18n", "accept"]);
    common::build_ok(root);
}

#[test]
fn reordering_steps_keeps_their_confirmation() {
    let guide = bundled_guide();
    let root = guide.path();
    let text = std::fs::read_to_string(root.join(SIGN_IN)).unwrap_or_default();
    // Swap the first two [[steps]] blocks (both have ids).
    let parts: Vec<&str> = text.split("[[steps]]").collect();
    assert!(parts.len() > 3);
    let mut swapped = parts.clone();
    swapped.swap(1, 2);
    std::fs::write(root.join(SIGN_IN), swapped.join("[[steps]]")).unwrap_or_else(|e| panic!("{e}"));
    assert!(not_up_to_date(&status(root), "en").is_empty(), "{}", status(root));
}

#[test]
fn without_a_lock_everything_is_unconfirmed_until_accept() {
    let guide = bundled_guide();
    let root = guide.path();
    std::fs::remove_file(root.join("translations.lock")).unwrap_or_else(|e| panic!("{e}"));
    // A site without a lock is not tracked: it builds without warnings about translations.
    let r = ok(root, &["check"]);
    assert!(!r.stderr.contains("translation"), "{}", r.stderr);
    let r = run(root, &["i18n", "status", "--check"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("note: no translations.lock yet"), "{}", r.stdout);
    assert!(not_up_to_date(&status(root), "en").iter().all(|(state, _, _)| state == "unconfirmed"));
    ok(root, &["i18n", "accept"]);
    ok(root, &["i18n", "status", "--check"]);
    // The lock is the one the guide ships: deterministic, sorted.
    assert_eq!(
        std::fs::read_to_string(root.join("translations.lock")).unwrap_or_default(),
        std::fs::read_to_string(common::repo().join("translations.lock")).unwrap_or_default()
    );
}

/// Validates an XLIFF file against the OASIS XLIFF 1.2 strict schema with xmllint.
fn validate(xliff: &Path) {
    let schema = common::repo().join("tests/schemas/xliff-core-1.2-strict.xsd");
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(xliff)
        .output()
        .unwrap_or_else(|e| panic!("xmllint (Debian package libxml2-utils) cannot run: {e}"));
    assert!(
        out.status.success(),
        "{} is not valid XLIFF 1.2:\n{}",
        xliff.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn export(root: &Path, args: &[&str]) -> String {
    let file = root.join("out.xliff");
    let mut all = vec!["i18n", "export", "--lang", "en", "-o", "out.xliff"];
    all.extend_from_slice(args);
    ok(root, &all);
    validate(&file);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_file(&file).unwrap_or_else(|e| panic!("{e}"));
    text
}

fn import(root: &Path, xliff: &str) -> common::Run {
    let file = root
        .join("..")
        .join(format!("{}.xliff", root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()));
    std::fs::write(&file, xliff).unwrap_or_else(|e| panic!("{e}"));
    let r = run(root, &["i18n", "import", &file.to_string_lossy()]);
    let _ = std::fs::remove_file(&file);
    r
}

#[test]
fn an_unchanged_round_trip_changes_no_byte() {
    let guide = bundled_guide();
    let root = guide.path();
    let before = read_tree(root);
    let xliff = export(root, &[]);
    assert_eq!(xliff.matches("<trans-unit ").count(), 98);
    let r = import(root, &xliff);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(read_tree(root), before);
}

#[test]
fn export_edit_import_changes_only_the_edited_values() {
    let guide = bundled_guide();
    let root = guide.path();
    let before = read_tree(root);
    let xliff = export(root, &[]);
    // Markdown and XML-special characters travel intact.
    assert!(xliff.contains("(&lt;https://admin.microsoft.com&gt;)") && xliff.contains("**Help &amp; support**"));
    // A translator edits two targets: a step (a multi-line literal TOML string) and a page body.
    let new_step = "Once you have clicked it, sign in with your work account & \"password\" <in the pop-up>, then click the link for new accounts.";
    let edited = xliff
        .replacen(&format!(">{SIGN_IN_EN}\n</target>"), &format!(">{}\n</target>", quick_escape(new_step)), 1)
        .replacen(
            "All phone numbers on this page are in Japan, and all hours are Japan time.",
            "Every phone number on this page is in Japan; every hour is Japan time.",
            1,
        );
    assert_ne!(edited, xliff);
    let r = import(root, &edited);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("2 translation(s) written"), "{}", r.stdout);
    let after = read_tree(root);
    let changed: Vec<&String> = after.keys().filter(|k| before.get(*k) != after.get(*k)).collect();
    assert_eq!(changed, ["content/pages/contacts.en.md", SIGN_IN], "only the edited files change");
    let text = |t: &std::collections::BTreeMap<String, Vec<u8>>, k: &str| String::from_utf8_lossy(&t[k]).into_owned();
    assert_eq!(text(&after, SIGN_IN), text(&before, SIGN_IN).replacen(SIGN_IN_EN, new_step, 1));
    assert_eq!(
        text(&after, "content/pages/contacts.en.md"),
        text(&before, "content/pages/contacts.en.md").replacen(
            "All phone numbers on this page are in Japan, and all hours are Japan time.",
            "Every phone number on this page is in Japan; every hour is Japan time.",
            1
        )
    );
    ok(root, &["i18n", "status", "--check"]);
    let site = pages(&common::build_ok(root));
    assert!(common::text(site["en/procedures/sign-in-vlsc.html"].root_element()).contains(new_step));
}

fn quick_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[test]
fn import_refuses_units_whose_source_changed_and_writes_the_rest() {
    let guide = bundled_guide();
    let root = guide.path();
    let xliff = export(root, &[]);
    // The Japanese step changes after the export.
    edit(root, SIGN_IN, SIGN_IN_JA, "サインインします。");
    let edited = xliff.replacen(&format!(">{SIGN_IN_EN}\n</target>"), ">Sign in.\n</target>", 1).replacen(
        "All phone numbers on this page are in Japan, and all hours are Japan time.",
        "All phone numbers here are in Japan.",
        1,
    );
    let sign_in_before = std::fs::read(root.join(SIGN_IN)).unwrap_or_default();
    let r = import(root, &edited);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stderr.contains(&format!(
            "{SIGN_IN} steps.sign-in.text: the `ja` text changed since the export: export it again"
        )),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("1 translation(s) written") && r.stdout.contains("1 refused"), "{}", r.stdout);
    assert_eq!(std::fs::read(root.join(SIGN_IN)).unwrap_or_default(), sign_in_before, "nothing written for it");
    assert!(
        std::fs::read_to_string(root.join("content/pages/contacts.en.md"))
            .unwrap_or_default()
            .contains("All phone numbers here")
    );
    // It is still outdated.
    assert_eq!(not_up_to_date(&status(root), "en").len(), 1);
}

#[test]
fn malformed_xliff_is_an_error_and_writes_nothing() {
    let guide = bundled_guide();
    let root = guide.path();
    let xliff = export(root, &[]);
    let before = read_tree(root);
    let cases: [(&str, String, &str); 4] = [
        ("truncated", xliff[..xliff.len() / 2].to_string(), "malformed XLIFF"),
        ("unescaped", xliff.replacen(&format!(">{SIGN_IN_EN}"), ">a < b", 1), "malformed XLIFF"),
        ("not XLIFF", "<html><body/></html>".to_string(), "the root element is <html>, not <xliff>"),
        ("XLIFF 2.0", xliff.replacen("version=\"1.2\"", "version=\"2.0\"", 1), "only XLIFF 1.2 is read"),
    ];
    for (what, text, message) in cases {
        let r = import(root, &text);
        assert_eq!(r.code, 1, "{what}: {}", r.stdout);
        assert!(r.stderr.contains(message) && r.stderr.contains("nothing was written"), "{what}: {}", r.stderr);
        assert_eq!(read_tree(root), before, "{what}: nothing written");
    }
}

#[test]
fn export_only_outdated_and_missing() {
    let guide = bundled_guide();
    let root = guide.path();
    assert_eq!(export(root, &["--only", "outdated,missing"]).matches("<trans-unit ").count(), 0);
    edit(root, SIGN_IN, SIGN_IN_JA, "サインインします。");
    let xliff = export(root, &["--only", "outdated,missing"]);
    assert_eq!(xliff.matches("<trans-unit ").count(), 1);
    assert!(xliff.contains("resname=\"steps.sign-in.text\""));
    assert!(xliff.contains("<source xml:lang=\"ja\">サインインします。\n</source>"), "{xliff}");
    assert!(xliff.contains("state=\"needs-review-translation\""));
    assert!(xliff.contains(&format!("<context context-type=\"sourcefile\">{SIGN_IN}</context>")));
    // Translated and marked done in the tool: imported, the text is up to date again.
    let done = xliff.replace("state=\"needs-review-translation\"", "state=\"translated\"").replacen(
        &format!(">{SIGN_IN_EN}"),
        ">Sign in.",
        1,
    );
    let r = import(root, &done);
    assert_eq!(r.code, 0, "{}", r.stderr);
    ok(root, &["i18n", "status", "--check"]);
}

#[test]
fn fallback_lets_a_third_language_build_and_marks_every_fallback_text() {
    let guide = bundled_guide();
    let root = guide.path();
    edit(root, "book.toml", "languages = [\"ja\", \"en\"]", "languages = [\"ja\", \"en\", \"de\"]");
    // Without fallback, every text lacks its `de` value: errors.
    let r = run(root, &["check"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("missing `de` text"), "{}", r.stderr);
    let book = std::fs::read_to_string(root.join("book.toml")).unwrap_or_default();
    std::fs::write(root.join("book.toml"), format!("{book}\n[i18n]\nmissing = \"fallback\"\n"))
        .unwrap_or_else(|e| panic!("{e}"));
    let r = ok(root, &["build"]);
    assert!(r.stderr.contains("98 text(s) have no `de` translation and show the `ja` text"), "{}", r.stderr);
    assert!(r.stdout.contains(" + 19 de pages"), "{}", r.stdout);
    let status = status(root);
    let missing = not_up_to_date(&status, "de");
    assert_eq!(missing.len(), 98);
    assert!(missing.iter().all(|(s, _, _)| s == "missing"));
    assert!(not_up_to_date(&status, "en").is_empty(), "en is untouched");

    // In every German page, every Japanese text of the content is inside an element marked
    // lang="ja", and every step says it is not translated.
    let site = pages(&root.join("public"));
    let japanese =
        |s: &str| s.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c));
    let mut checked = 0;
    for (path, html) in site.iter().filter(|(p, _)| p.starts_with("de/")) {
        let Some(main) = html.select(&sel("main")).next() else { continue };
        for node in main.descendants() {
            let Some(t) = node.value().as_text() else { continue };
            if !japanese(t) {
                continue;
            }
            let marked = node
                .ancestors()
                .filter_map(scraper::ElementRef::wrap)
                .take_while(|e| e.value().name() != "main")
                .any(|e| e.value().attr("lang") == Some("ja"));
            assert!(marked, "{path}: Japanese text without lang=\"ja\": {:?}", t.trim());
            checked += 1;
        }
        for step in html.select(&sel("main .vd-step")) {
            let notice = step.select(&sel(".vd-i18n-missing")).next();
            assert!(notice.is_some_and(|n| n.value().attr("role") == Some("note")), "{path}: a step without notice");
        }
    }
    assert!(checked > 100, "{checked}");
    // English and Japanese pages are untouched.
    let others = site.iter().filter(|(p, _)| p.starts_with("en/") || p.starts_with("ja/"));
    assert_eq!(others.clone().count(), 38);
    assert!(others.into_iter().all(|(_, h)| h.select(&sel(".vd-i18n-notice")).next().is_none()));
}

#[test]
fn the_serve_snapshot_shows_notices_live() {
    let guide = bundled_guide();
    let root = guide.path();
    let cache = vlsc_docs::Caches::default();
    let page = vlsc_docs::ids::SitePath::new("en/procedures/sign-in-vlsc.html");
    let served = |snapshot: &vlsc_docs::serve::Snapshot| -> String {
        let file = snapshot.get(&page).unwrap_or_else(|| panic!("not served")).unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&file.contents).into_owned()
    };
    let first = vlsc_docs::serve::rebuild_cached(root, None, Some(&cache)).unwrap_or_else(|e| panic!("{e}")).snapshot;
    assert!(!served(&first).contains("vd-i18n-notice"));
    edit(root, SIGN_IN, SIGN_IN_JA, "サインインします。");
    let second =
        vlsc_docs::serve::rebuild_cached(root, Some(&first), Some(&cache)).unwrap_or_else(|e| panic!("{e}")).snapshot;
    assert!(served(&second).contains("vd-i18n-outdated"));
    // Accepting changes only the lock: the next rebuild drops the notice.
    ok(root, &["i18n", "accept"]);
    let third =
        vlsc_docs::serve::rebuild_cached(root, Some(&second), Some(&cache)).unwrap_or_else(|e| panic!("{e}")).snapshot;
    assert!(!served(&third).contains("vd-i18n-notice"));
    let full = vlsc_docs::compile(root).unwrap_or_else(|e| panic!("{e}"));
    let built = full.files.iter().find(|f| f.path == page).unwrap_or_else(|| panic!("not built"));
    assert_eq!(served(&third).as_bytes(), &built.contents[..], "served equals built");
}

#[test]
fn the_i18n_fixture_site_shows_every_kind_of_notice() {
    let site = common::site("i18n");
    let r = ok(site.path(), &["build"]);
    assert!(r.stderr.contains("= key: steps.download.text.en") && r.stderr.contains("= key: title.en"), "{}", r.stderr);
    assert!(r.stderr.contains("27 text(s) have no `de` translation"), "{}", r.stderr);
    let html = pages(&site.path().join("public"));
    // An outdated step: the notice at the step, linking to the original step.
    assert_eq!(
        notices(&html["en/procedures/install.html"]),
        [("download".to_string(), "../../ja/procedures/install.html#download".to_string())]
    );
    // An outdated title: flagged in words inside the heading (a block notice cannot go there).
    let h1 = html["en/procedures/configure.html"].select(&sel("h1")).next().unwrap_or_else(|| panic!("no h1"));
    assert_eq!(common::text(h1), "Configure (translation may be out of date)");
    assert!(h1.select(&sel(".vd-i18n-flag")).next().is_some());
    // The German pages: fallback, marked.
    let de = &html["de/procedures/install.html"];
    assert!(de.select(&sel("main .vd-step .vd-i18n-missing[role=note]")).count() >= 2);
    assert!(de.select(&sel("main h1 [lang=ja]")).next().is_some());
}
