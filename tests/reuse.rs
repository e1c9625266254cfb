//! Reuse with variations (`tests/fixtures/sites/reuse/`): parameters with defaults and values per
//! use, steps left out, notes for one use, includes three deep, snippets in scenarios and pages.
//! The error cases are fixtures under `tests/fixtures/errors/` (`param-*`, `include-cycle`, …).

mod common;

use common::{build_ok, pages, read_tree, sel, text};
use scraper::Html;
use std::collections::BTreeMap;

fn texts(page: &Html, selector: &str) -> Vec<String> {
    page.select(&sel(selector)).map(text).collect()
}

fn built() -> (tempfile::TempDir, BTreeMap<String, Html>) {
    let site = common::site("reuse");
    let public = build_ok(site.path());
    let html = pages(&public);
    (site, html)
}

/// The text of a step's own paragraph (not its substeps or notes).
fn step_text(page: &Html, id: &str) -> String {
    let s = sel(&format!("[id=\"{id}\"] > .vd-step-body > p"));
    page.select(&s).next().map(text).unwrap_or_else(|| panic!("no step #{id}"))
}

#[test]
fn each_scenario_shows_its_own_values_and_the_canonical_page_its_defaults() {
    let (_site, html) = built();
    let cases = [
        ("en", "new-account", "Enter the work account you created.", "nslookup new.example"),
        ("en", "existing-account", "Enter your work account.", "nslookup old.example"),
        ("ja", "new-account", "作成頂きました職場アカウントを入力します。", "nslookup new.example"),
        ("ja", "existing-account", "職場アカウントを入力します。", "nslookup old.example"),
    ];
    for (lang, scenario, enter, check) in cases {
        let page = &html[&format!("{lang}/scenarios/{scenario}.html")];
        assert_eq!(step_text(page, "sign-in--enter"), enter, "{lang} {scenario}");
        // A value inside inline code is substituted too.
        assert_eq!(texts(page, "[id=\"sign-in--check\"] code"), [check], "{lang} {scenario}");
        assert!(page.select(&sel(".vd-param")).next().is_none(), "no marks on a scenario page");
    }
    for (lang, default, legend) in
        [("en", "your work account", "vary by situation"), ("ja", "職場アカウント", "状況によって異なります")]
    {
        let page = &html[&format!("{lang}/procedures/sign-in.html")];
        // The default is marked as a value that varies, in the title and in the steps.
        assert_eq!(texts(page, "h1 em.vd-param"), [default]);
        assert_eq!(texts(page, "#enter em.vd-param"), [default]);
        // A required value shows its name as a variable, never the raw placeholder; in code, as
        // `<name>`.
        assert_eq!(texts(page, "#check var.vd-param"), Vec::<String>::new(), "no element inside code");
        assert_eq!(texts(page, "#check code"), ["nslookup <domain>"]);
        assert!(texts(page, ".vd-varies-legend")[0].contains(legend), "{lang}");
        // In text, a required value is a `<var>` with the parameter's name.
        let verify = &html[&format!("{lang}/procedures/verify-phone.html")];
        assert_eq!(texts(verify, "#answer var.vd-param"), ["who"], "{lang}");
    }
}

#[test]
fn used_in_lists_every_use_with_its_variant() {
    let (_site, html) = built();
    let page = &html["en/procedures/sign-in.html"];
    assert_eq!(
        texts(page, ".vd-used-in li"),
        [
            "You keep your account (domain: “old.example”; without steps 4)",
            "You created a new account (account: “the work account you created”; domain: “new.example”)",
            "Onboard a new admin (domain: “onboard.example”)",
        ]
    );
    assert_eq!(texts(&html["en/procedures/sign-in.html"], ".vd-includes li"), ["Verify by phone"]);
    assert_eq!(texts(&html["ja/procedures/verify-phone.html"], ".vd-used-in li a"), ["職場アカウントでサインイン"]);
}

#[test]
fn skipped_steps_leave_numbering_to_what_is_shown_and_anchors_unchanged() {
    let (_site, html) = built();
    for lang in ["ja", "en"] {
        let page = &html[&format!("{lang}/scenarios/existing-account.html")];
        let ids: Vec<&str> =
            page.select(&sel("#sign-in > .vd-steps > .vd-step")).filter_map(|e| e.value().attr("id")).collect();
        assert_eq!(ids, ["sign-in--check", "sign-in--enter", "sign-in--verify", "sign-in--done"], "{lang}");
        // The fourth step shown is numbered 4, and keeps its anchor.
        let link = page.select(&sel("[id=\"sign-in--done\"] > .vd-step-link")).next().unwrap_or_else(|| panic!("link"));
        assert!(link.value().attr("aria-label").is_some_and(|l| l.contains('4')), "{lang}");
        // The scenario's own link to that step still points at it.
        assert!(page.select(&sel("a[href=\"existing-account.html#sign-in--done\"]")).next().is_some());
    }
}

#[test]
fn notes_for_one_use_show_only_there() {
    let (_site, html) = built();
    let new = &html["en/scenarios/new-account.html"];
    assert_eq!(
        texts(new, "[id=\"sign-in--enter\"] .vd-note-use > p:last-child"),
        ["Use the address you created it with."]
    );
    for other in ["en/scenarios/existing-account.html", "en/procedures/sign-in.html"] {
        assert!(html[other].select(&sel(".vd-note-use")).next().is_none(), "{other}");
    }
}

#[test]
fn includes_nest_three_deep_with_values_passed_down() {
    let (_site, html) = built();
    let page = &html["en/scenarios/onboarding.html"];
    // onboarding → onboard (only its include step) → sign-in (domain given) → verify-phone (who
    // given by sign-in from its own default).
    assert_eq!(
        page.select(&sel("#onboard > .vd-steps > .vd-step")).filter_map(|e| e.value().attr("id")).collect::<Vec<_>>(),
        ["onboard--first-sign-in"]
    );
    assert_eq!(texts(page, "[id=\"onboard--first-sign-in--check\"] code"), ["nslookup onboard.example"]);
    assert_eq!(
        step_text(page, "onboard--first-sign-in--verify--answer"),
        "the owner of your work account answers the call."
    );
    let includes: Vec<String> = texts(page, ".vd-include a");
    assert_eq!(includes, ["Sign in with your work account", "Verify by phone"]);
    let ja = &html["ja/procedures/onboard.html"];
    assert_eq!(step_text(ja, "first-sign-in--verify--answer"), "職場アカウントの持ち主が電話に出ます。");
    // On the includer's own page, the included defaults are marked as varying.
    assert_eq!(texts(ja, "[id=\"first-sign-in--verify--answer\"] em.vd-param"), ["職場アカウント"]);
}

#[test]
fn snippets_render_in_scenarios_and_pages_and_are_not_pages_themselves() {
    let (site, html) = built();
    for (lang, title, body) in [
        ("en", "Important notes", "Never share your password."),
        ("ja", "ご注意事項", "パスワードは他人に教えないでください。"),
    ] {
        for scenario in ["new-account", "existing-account"] {
            let page = &html[&format!("{lang}/scenarios/{scenario}.html")];
            assert_eq!(texts(page, ".vd-snippet h2"), [title]);
            assert_eq!(texts(page, ".vd-snippet p"), [body]);
        }
        let help = &html[&format!("{lang}/help.html")];
        assert!(texts(help, ".vd-prose p").contains(&body.to_string()), "{lang}");
    }
    let files = read_tree(&site.path().join("public"));
    assert!(
        !files.keys().any(|p| p.contains("snippets")),
        "{:?}",
        files.keys().filter(|p| p.contains("snippet")).collect::<Vec<_>>()
    );
}

#[test]
fn no_placeholder_reaches_the_output() {
    let site = common::site("reuse");
    let public = build_ok(site.path());
    let files = read_tree(&public);
    let mut literal = 0;
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        let mut rest = text.as_ref();
        while let Some(i) = rest.find("{{") {
            let after = &rest[i + 2..];
            let inner = after.split("}}").next().unwrap_or("").trim();
            let is_name =
                !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            assert!(!is_name && !inner.starts_with('>'), "{path}: unresolved `{{{{{inner}}}}}`");
            literal += usize::from(inner == "not a parameter");
            rest = after;
        }
        assert!(!text.contains(['\u{E000}', '\u{E001}', '\u{E002}', '\u{E003}']), "{path}: a mark was left");
    }
    // The escaped `\{{` is written as a literal `{{` on every page that shows the step.
    assert!(literal >= 8, "{literal}");
}

/// Renders every page of `snapshot`, as if readers had them all open.
fn open_every_page(snapshot: &vlsc_docs::serve::Snapshot) {
    let paths: Vec<_> = snapshot.paths().filter(|p| p.as_str().ends_with(".html")).cloned().collect();
    for p in &paths {
        snapshot.get(p).unwrap_or_else(|| panic!("{}", p.as_str())).unwrap_or_else(|e| panic!("{e}"));
    }
}

fn edit(path: &std::path::Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn incremental_rebuilds_equal_full_builds_after_reused_content_changes() {
    let site = common::site("reuse");
    let root = site.path();
    let cache = vlsc_docs::Caches::default();
    let mut snapshot =
        vlsc_docs::serve::rebuild_cached(root, None, Some(&cache)).unwrap_or_else(|e| panic!("{e}")).snapshot;
    open_every_page(&snapshot);
    let edits = [
        (
            "a default",
            "content/procedures/sign-in.toml",
            "\"your work account\"",
            "\"your company account\"",
            "your company account",
        ),
        ("a snippet", "content/snippets/closing.toml", "Never share", "Never tell anyone", "Never tell anyone"),
        (
            "an included procedure",
            "content/procedures/verify-phone.toml",
            "Enter the code.",
            "Type the code.",
            "Type the code.",
        ),
        (
            "a value given by a scenario",
            "content/scenarios/new-account.toml",
            "the work account you created",
            "your new account",
            "your new account",
        ),
    ];
    for (what, file, from, to, shown) in edits {
        edit(&root.join(file), from, to);
        let rebuilt = vlsc_docs::serve::rebuild_cached(root, Some(&snapshot), Some(&cache))
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        let full = vlsc_docs::compile(root).unwrap_or_else(|e| panic!("{what}: {e}"));
        let mut changed = 0;
        for f in &full.files {
            let served =
                rebuilt.snapshot.get(&f.path).unwrap_or_else(|| panic!("{what}: {} is not served", f.path.as_str()));
            let served = served.unwrap_or_else(|e| panic!("{e}"));
            assert!(served.contents == f.contents, "{what}: {} differs from a full build", f.path.as_str());
            changed += usize::from(String::from_utf8_lossy(&f.contents).contains(shown));
        }
        assert!(changed >= 2, "{what}: the new text shows on {changed} pages");
        snapshot = rebuilt.snapshot;
        open_every_page(&snapshot);
    }
}

#[test]
fn refs_answers_which_pages_change_with_a_procedure_or_snippet() {
    let site = common::site("reuse");
    let r = common::run(site.path(), &["refs", "procedure:verify-phone", "snippet:closing"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let expected = "\
procedure verify-phone (content/procedures/verify-phone.toml)
  parameter who: required
  used by procedure sign-in (includes it): who = “{{ account }}の持ち主” | “the owner of {{ account }}”
  pages that change with it (12): en/procedures/onboard.html, en/procedures/sign-in.html, en/procedures/verify-phone.html, en/scenarios/existing-account.html, en/scenarios/new-account.html, en/scenarios/onboarding.html, ja/procedures/onboard.html, ja/procedures/sign-in.html, ja/procedures/verify-phone.html, ja/scenarios/existing-account.html, ja/scenarios/new-account.html, ja/scenarios/onboarding.html
snippet closing (content/snippets/closing.toml)
  used by scenario existing-account
  used by scenario new-account
  used by page help
  pages that change with it (6): en/help.html, en/scenarios/existing-account.html, en/scenarios/new-account.html, ja/help.html, ja/scenarios/existing-account.html, ja/scenarios/new-account.html
";
    assert_eq!(r.stdout, expected);
    let bad = common::run(site.path(), &["refs", "snippet:closng"]);
    assert_eq!((bad.code, bad.stderr.trim()), (2, "error: unknown snippet `closng`"));
}
