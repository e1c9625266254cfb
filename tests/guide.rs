//! The bundled guide as readers meet it: every situation reachable from the selector and no dead
//! end, labels that read once, the site-wide notice on every page (and in print), alternatives as
//! a bulleted list.

mod common;

use common::{build_ok, pages, sel, text};
use scraper::{ElementRef, Html};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const LANGS: [&str; 2] = ["ja", "en"];

/// Whether `el` sits inside an element matching `pred` (itself included).
fn inside(el: ElementRef<'_>, pred: &dyn Fn(ElementRef<'_>) -> bool) -> bool {
    pred(el) || el.ancestors().filter_map(ElementRef::wrap).any(pred)
}

fn has_class(el: ElementRef<'_>, class: &str) -> bool {
    el.value().classes().any(|c| c == class)
}

/// Links of the page's own content: in `<main>`, outside navigation, the back-to-the-questions
/// link and the site-wide notice (which every page has, so it proves nothing about this page).
fn onward_links(page: &Html) -> Vec<String> {
    page.select(&sel("main a[href]"))
        .filter(|a| !inside(*a, &|e| e.value().name() == "nav" || has_class(e, "vd-back") || has_class(e, "vd-notice")))
        .filter_map(|a| a.value().attr("href").map(String::from))
        .filter(|h| !h.starts_with('#'))
        .collect()
}

/// `dir/rel` with `..` resolved, as a key of `pages` (`en/contacts.html`).
fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in rel.split('/') {
        match p {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            p => parts.push(p),
        }
    }
    parts.join("/")
}

#[test]
fn the_selector_reaches_every_situation_and_leads_nowhere_without_a_way_on() {
    let guide = common::bundled_guide();
    let public = build_ok(guide.path());
    let html = pages(&public);
    for lang in LANGS {
        let home = &html[&format!("{lang}/index.html")];
        let selector = home.select(&sel("#vd-selector")).next().unwrap_or_else(|| panic!("{lang}: no selector"));
        let start = selector.value().attr("data-start").unwrap_or_else(|| panic!("{lang}: no data-start")).to_string();
        let questions: BTreeMap<String, Vec<String>> = home
            .select(&sel(".vd-question"))
            .map(|q| {
                let id = q.value().attr("id").unwrap_or_default().to_string();
                let answer = sel("a.vd-answer");
                let answers = q.select(&answer).filter_map(|a| a.value().attr("href").map(String::from)).collect();
                (id, answers)
            })
            .collect();
        // Walk from the start question; every other answer names a page.
        let mut reached_questions = BTreeSet::from([start.clone()]);
        let mut queue = vec![start];
        let mut targets = BTreeSet::new();
        while let Some(q) = queue.pop() {
            for href in questions.get(&q).unwrap_or_else(|| panic!("{lang}: no question #{q}")) {
                match href.strip_prefix('#') {
                    Some(next) => {
                        if reached_questions.insert(next.to_string()) {
                            queue.push(next.to_string());
                        }
                    }
                    None => {
                        targets.insert(href.clone());
                    }
                }
            }
        }
        let all: BTreeSet<String> = questions.keys().cloned().collect();
        assert_eq!(reached_questions, all, "{lang}: every question is reachable from the start question");
        let reached_files: BTreeSet<String> =
            targets.iter().map(|t| join(lang, t.split('#').next().unwrap_or(t))).collect();
        // Every scenario of the guide is the answer to some path through the questions.
        for file in html.keys().filter(|k| k.starts_with(&format!("{lang}/scenarios/")) && !k.ends_with("index.html")) {
            assert!(reached_files.contains(file), "{lang}: no answer of the selector leads to {file}");
        }
        // Every page reached exists, has the fragment named, and offers a way on.
        for target in &targets {
            let (path, fragment) = target.split_once('#').map_or((target.as_str(), None), |(p, f)| (p, Some(f)));
            let file = join(lang, path);
            let page = html.get(&file).unwrap_or_else(|| panic!("{lang}: answer {target} leads to no page"));
            if let Some(f) = fragment {
                assert!(page.select(&sel(&format!("[id=\"{f}\"]"))).next().is_some(), "{file} has no #{f}");
            }
            assert!(!onward_links(page).is_empty(), "{file}, reached from the selector, is a dead end");
        }
    }
}

#[test]
fn no_page_shows_a_label_twice() {
    let guide = common::bundled_guide();
    let sites = [guide, common::site("basic"), common::site("sections")];
    for (i, site) in sites.iter().enumerate() {
        let whens = labels_read_once(&build_ok(site.path()));
        assert!(whens >= if i == 0 { 4 } else { 2 }, "too few conditional procedures checked: {whens}");
    }
}

/// Asserts that every condition and note of the built site shows its label once; returns how
/// many conditions it checked.
fn labels_read_once(public: &Path) -> usize {
    let mut whens = 0;
    for (file, page) in pages(public) {
        let Some(lang) = LANGS.iter().find(|l| file.starts_with(&format!("{l}/"))) else { continue };
        let condition = if *lang == "ja" { "場合のみ" } else { "only if" };
        for when in page.select(&sel(".vd-when")) {
            let t = text(when).to_lowercase();
            assert_eq!(t.matches(condition).count(), 1, "{file}: “{t}”");
            whens += 1;
        }
        for note in page.select(&sel(".vd-note")) {
            let label = note.select(&sel(".vd-note-label")).next().map(text).unwrap_or_default();
            assert!(!label.is_empty(), "{file}: a note without its label");
            assert_eq!(text(note).matches(&label).count(), 1, "{file}: “{}”", text(note));
        }
    }
    whens
}

#[test]
fn a_when_string_without_a_slot_still_reads_label_then_condition() {
    let site = common::site("basic");
    std::fs::create_dir_all(site.path().join("i18n")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(site.path().join("i18n/en.toml"), "when = \"Only if\"\n").unwrap_or_else(|e| panic!("{e}"));
    // A site with UI strings files has one for every language.
    std::fs::write(site.path().join("i18n/ja.toml"), "").unwrap_or_else(|e| panic!("{e}"));
    let html = pages(&build_ok(site.path()));
    let page = &html["en/scenarios/new-user.html"];
    let when = page.select(&sel(".vd-when")).next().map(text);
    assert_eq!(when.as_deref(), Some("Only if you change the defaults"));
}

#[test]
fn a_condition_with_markup_is_rendered_inside_the_when_sentence_not_escaped() {
    let site = common::site("basic");
    let scenario = site.path().join("content/scenarios/new-user.toml");
    let toml = std::fs::read_to_string(&scenario).unwrap_or_else(|e| panic!("{e}"));
    let toml = toml.replace(
        r#"en = "you change the defaults""#,
        r#"en = "you change the `TXT` record & <b>keep</b> **nothing** else""#,
    );
    std::fs::write(&scenario, toml).unwrap_or_else(|e| panic!("{e}"));
    let html = pages(&build_ok(site.path()));
    let page = &html["en/scenarios/new-user.html"];
    let when = page.select(&sel(".vd-when")).next().unwrap_or_else(|| panic!("no condition"));
    assert_eq!(
        text(when),
        "Follow these steps only if you change the TXT record & <b>keep</b> nothing else.",
        "{}",
        when.html()
    );
    assert_eq!(when.select(&sel("code")).map(text).collect::<Vec<_>>(), ["TXT"], "{}", when.html());
    assert_eq!(when.select(&sel("strong")).map(text).collect::<Vec<_>>(), ["nothing"], "{}", when.html());
}

#[test]
fn the_notice_is_on_every_page_in_both_languages_and_in_print() {
    let guide = common::bundled_guide();
    let public = build_ok(guide.path());
    let html = pages(&public);
    let said = |lang: &str| if lang == "ja" { "2021年9月" } else { "September 2021" };
    let hidden_in_print = print_hidden_classes(&public);
    for (file, page) in &html {
        let langs: Vec<&str> = match LANGS.iter().find(|l| file.starts_with(&format!("{l}/"))) {
            Some(l) => vec![*l],
            None => LANGS.to_vec(), // the bilingual root page carries both
        };
        let notices: Vec<ElementRef<'_>> = page.select(&sel("main .vd-notice")).collect();
        assert_eq!(notices.len(), langs.len(), "{file}: one notice per language");
        for lang in langs {
            let notice = notices
                .iter()
                .find(|n| text(**n).contains(said(lang)))
                .unwrap_or_else(|| panic!("{file}: no {lang} notice saying {}", said(lang)));
            assert!(
                !inside(*notice, &|e| e.value().classes().any(|c| hidden_in_print.contains(c))),
                "{file}: the notice is inside an element the print stylesheet hides"
            );
        }
    }
    assert!(!hidden_in_print.contains("vd-notice"));
}

/// The classes the print stylesheet hides (`display: none` inside `@media print`).
fn print_hidden_classes(public: &Path) -> BTreeSet<String> {
    let css = std::fs::read_to_string(public.join("assets/site.css")).unwrap_or_else(|e| panic!("{e}"));
    let print = css.split("@media print").nth(1).unwrap_or_else(|| panic!("no print stylesheet"));
    let mut out = BTreeSet::new();
    for rule in print.split('}') {
        if let Some((selectors, body)) = rule.split_once('{')
            && body.contains("display: none")
        {
            for s in selectors.split(',') {
                out.extend(s.split('.').skip(1).map(|c| c.trim().to_string()));
            }
        }
    }
    assert!(out.contains("vd-header"), "the print rule was not read: {out:?}");
    out
}

#[test]
fn choices_are_a_bulleted_list_and_notes_say_their_kind() {
    let guide = common::bundled_guide();
    let public = build_ok(guide.path());
    let html = pages(&public);
    for (lang, note, caution) in [("ja", "補足", "注意"), ("en", "Note", "Caution")] {
        for (file, prefix) in [
            (format!("{lang}/procedures/create-work-account.html"), ""),
            (format!("{lang}/scenarios/microsoft-account.html"), "create-work-account--"),
        ] {
            let page = &html[&file];
            let step =
                page.select(&sel(&format!("[id=\"{prefix}send-code\"]"))).next().unwrap_or_else(|| panic!("{file}"));
            let items = step.select(&sel("ul.vd-choices > li")).count();
            assert_eq!(items, 2, "{file}: the SMS and voice-call choices are two bullets");
            assert!(step.select(&sel("ol")).next().is_none(), "{file}: choices are not a numbered or lettered list");
        }
        let page = &html[&format!("{lang}/procedures/become-tenant-admin.html")];
        let label = |css: &str| page.select(&sel(css)).next().map(text);
        assert_eq!(label("#verify-record .vd-note-caution .vd-note-label").as_deref(), Some(caution));
        assert_eq!(label("#go-to-admin-center .vd-note-note .vd-note-label").as_deref(), Some(note));
    }
    let css = std::fs::read_to_string(public.join("assets/site.css")).unwrap_or_else(|e| panic!("{e}"));
    assert!(css.contains(".vd-choices { list-style: disc; }"));
}

/// The seed's wording per situation: the sign-in procedure names the account the reader created
/// only where they created one, the existing one in proposal 1; the note about the
/// `@xxxx.onmicrosoft.com` account shows only where such an account was just created; ご注意事項 is
/// one snippet, shown by both scenarios that create an account and by its own page.
#[test]
fn the_guide_words_each_use_of_a_procedure_for_its_situation() {
    let dir = common::bundled_guide();
    let html = pages(&build_ok(dir.path()));
    let sign_in = |page: &str| {
        let s = sel("[id=\"sign-in-vlsc--sign-in\"] > .vd-step-body > p");
        html[page].select(&s).next().map(text).unwrap_or_else(|| panic!("{page}: no sign-in step"))
    };
    for scenario in ["microsoft-account", "unmanaged-new-account"] {
        assert!(sign_in(&format!("ja/scenarios/{scenario}.html")).contains("作成頂きました職場アカウントとパスワード"));
        assert!(sign_in(&format!("en/scenarios/{scenario}.html")).contains("the work account you created"));
    }
    assert!(sign_in("ja/scenarios/unmanaged-keep-account.html").contains("現在ご利用の職場アカウント"));
    assert!(sign_in("en/scenarios/unmanaged-keep-account.html").contains("your current work account"));
    for lang in LANGS {
        let canonical = &html[&format!("{lang}/procedures/sign-in-vlsc.html")];
        assert_eq!(canonical.select(&sel("#sign-in em.vd-param")).count(), 1, "{lang}: the default is marked");
        let mfa_note = |page: &str| html[page].select(&sel(".vd-note-use")).map(text).collect::<Vec<_>>().join(" ");
        for scenario in ["microsoft-account", "unmanaged-new-account", "mfa-blocks-sign-in"] {
            assert!(
                mfa_note(&format!("{lang}/scenarios/{scenario}.html")).contains("@xxxx.onmicrosoft.com"),
                "{lang} {scenario}"
            );
        }
        for page in ["scenarios/unmanaged-keep-account.html", "procedures/disable-security-defaults.html"] {
            let p = &html[&format!("{lang}/{page}")];
            assert!(
                !text(p.root_element()).contains("@xxxx.onmicrosoft.com"),
                "{lang}/{page}: the note does not apply"
            );
        }
        let visual_studio =
            |page: &str| html[page].select(&sel("main li")).map(text).filter(|t| t.contains("Visual Studio")).count();
        for page in ["scenarios/microsoft-account.html", "scenarios/unmanaged-new-account.html", "notes.html"] {
            assert_eq!(visual_studio(&format!("{lang}/{page}")), 1, "{lang}/{page}: the notes are shown once");
        }
    }
}
