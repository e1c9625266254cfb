//! Builds the bundled VLSC guide and the fixture sites with the real binary and checks the output:
//! procedures reused from one definition, backlinks, links and fragments, language counterparts,
//! determinism, file://-safe URLs.

mod common;

use common::{build_ok, pages, read_tree, sel, text};
use scraper::Html;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use vlsc_docs::model::Part;

/// Every built site the checks below run on: the bundled guide and each fixture site.
fn built_sites() -> Vec<(String, tempfile::TempDir, std::path::PathBuf)> {
    let mut out = Vec::new();
    let guide = common::bundled_guide();
    let public = build_ok(guide.path());
    out.push(("bundled guide".to_string(), guide, public));
    let mut names: Vec<String> = std::fs::read_dir(common::fixtures().join("sites"))
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        let site = common::site(&name);
        let public = build_ok(site.path());
        out.push((name, site, public));
    }
    out
}

/// An element's text without the notes a scenario adds for its use only.
fn text_without_use_notes(el: scraper::ElementRef<'_>) -> String {
    let skip = sel(".vd-note-use");
    let notes: Vec<_> = el.select(&skip).map(|n| n.id()).collect();
    let kept: String = el
        .descendants()
        .filter(|n| !n.ancestors().any(|a| notes.contains(&a.id())))
        .filter_map(|n| n.value().as_text().map(|t| t.to_string()))
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn scenario_pages_render_each_procedure_from_its_one_definition() {
    for root in [common::bundled_guide(), common::site("basic")] {
        let compiled = vlsc_docs::compile(root.path()).unwrap_or_else(|e| panic!("{e}"));
        let public = build_ok(root.path());
        let html = pages(&public);
        let mut checked = 0;
        for lang in &compiled.site.config.languages {
            for sc in compiled.site.scenarios.values() {
                let page = &html[&format!("{}/scenarios/{}.html", lang.code, sc.id)];
                for part in &sc.parts {
                    let Part::Procedure(u) = part else { continue };
                    let id = &u.id;
                    let proc = &compiled.site.procedures[id];
                    let canonical = &html[&format!("{}/procedures/{id}.html", lang.code)];
                    // The procedure's title links to its canonical page.
                    let heading = page
                        .select(&sel(&format!("#{id} h2")))
                        .next()
                        .unwrap_or_else(|| panic!("{id} heading in {}", sc.id));
                    assert_eq!(
                        text(heading),
                        text(canonical.select(&sel("h1")).next().unwrap_or_else(|| panic!("h1")))
                    );
                    let link = sel(&format!("#{id} a[href=\"../procedures/{id}.html\"]"));
                    assert!(page.select(&link).next().is_some(), "{}: no link to {id}", sc.id);
                    // Same steps, same order, same text (notes and substeps included).
                    // The scenario's own notes and the values it gives aside: the steps it shows
                    // (all, unless it skips some) read as on the procedure's page, with the values
                    // in place of the defaults.
                    let steps_here: Vec<String> =
                        page.select(&sel(&format!("#{id} .vd-steps > .vd-step"))).map(text_without_use_notes).collect();
                    let shown: Vec<&vlsc_docs::model::Step> =
                        proc.steps.iter().filter(|s| u.selection.shows(&s.anchor)).collect();
                    let steps_there: Vec<String> = canonical
                        .select(&sel(".vd-steps > .vd-step"))
                        .zip(proc.steps.iter())
                        .filter(|(_, s)| u.selection.shows(&s.anchor))
                        .map(|(e, _)| {
                            let mut t = text(e);
                            for (name, value) in &u.with {
                                let param = proc.param(name).unwrap_or_else(|| panic!("{name}"));
                                if let Some(default) = &param.default {
                                    let plain = |m: &str| m.split_whitespace().collect::<Vec<_>>().join(" ");
                                    t = t.replace(&plain(default.get(lang)), &plain(value.get(lang)));
                                }
                            }
                            t
                        })
                        .collect();
                    let strip = |s: &String| s.trim_end_matches('#').trim().to_string();
                    assert_eq!(steps_here.len(), shown.len(), "{} {id} {}", sc.id, lang.code);
                    assert_eq!(
                        steps_here.iter().map(strip).collect::<Vec<_>>(),
                        steps_there.iter().map(strip).collect::<Vec<_>>()
                    );
                    for step in shown {
                        let anchor = format!("{id}--{}", step.anchor);
                        assert!(
                            page.select(&sel(&format!("[id=\"{anchor}\"]"))).next().is_some(),
                            "{} lacks #{anchor}",
                            sc.id
                        );
                        assert!(canonical.select(&sel(&format!("[id=\"{}\"]", step.anchor))).next().is_some());
                        for sub in &step.substeps {
                            assert!(page.select(&sel(&format!("[id=\"{id}--{}\"]", sub.anchor))).next().is_some());
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 10, "too few steps checked: {checked}");
    }
}

#[test]
fn the_bundled_guide_has_its_scenarios_procedures_and_pages() {
    let compiled = vlsc_docs::compile(&common::repo()).unwrap_or_else(|e| panic!("{e}"));
    let ids = |it: Vec<&str>| it.into_iter().map(String::from).collect::<BTreeSet<_>>();
    let site = &compiled.site;
    assert_eq!(
        site.scenarios.keys().map(|k| k.to_string()).collect::<BTreeSet<_>>(),
        ids(vec!["mfa-blocks-sign-in", "microsoft-account", "unmanaged-keep-account", "unmanaged-new-account"])
    );
    assert_eq!(
        site.procedures.keys().map(|k| k.to_string()).collect::<BTreeSet<_>>(),
        ids(vec!["become-tenant-admin", "create-work-account", "disable-security-defaults", "sign-in-vlsc"])
    );
    for page in ["contacts", "notes", "overview", "references", "self-service-signup", "troubleshooting"] {
        assert!(site.pages.keys().any(|k| k.as_str() == page), "page {page}");
    }
    assert!(
        compiled.warnings.iter().next().is_none(),
        "the bundled guide builds without warnings: {:?}",
        compiled.warnings
    );
    // Every phone number of the seed is a tel: link on the contacts page, in both languages.
    let guide = common::bundled_guide();
    let public = build_ok(guide.path());
    for lang in ["ja", "en"] {
        let html = std::fs::read_to_string(public.join(lang).join("contacts.html")).unwrap_or_else(|e| panic!("{e}"));
        for tel in ["tel:+81120996680", "tel:+81120628860", "tel:+81120737565", "tel:+81343325349", "tel:+81120750052"]
        {
            assert!(html.contains(tel), "{lang}/contacts.html lacks {tel}");
        }
    }
}

#[test]
fn procedure_pages_list_the_scenarios_that_use_them() {
    let root = common::site("basic");
    let public = build_ok(root.path());
    let html = pages(&public);
    let used_in = |page: &Html| -> Vec<String> {
        page.select(&sel(".vd-used-in a")).filter_map(|a| a.value().attr("href").map(String::from)).collect()
    };
    assert_eq!(
        used_in(&html["en/procedures/install.html"]),
        ["../scenarios/new-user.html", "../scenarios/upgrade.html"]
    );
    assert_eq!(used_in(&html["ja/procedures/configure.html"]), ["../scenarios/new-user.html"]);
}

/// Every `href`/`src` of every page names an existing file, and every fragment an existing id.
#[test]
fn every_relative_link_and_fragment_resolves() {
    for (name, _keep, public) in built_sites() {
        let html = pages(&public);
        let files = read_tree(&public);
        let ids: BTreeMap<&String, BTreeSet<String>> = html
            .iter()
            .map(|(k, doc)| (k, doc.select(&sel("[id]")).filter_map(|e| e.value().id().map(String::from)).collect()))
            .collect();
        let mut broken = Vec::new();
        let mut count = 0;
        for (path, doc) in &html {
            for el in doc.select(&sel("[href], [src]")) {
                let url = el.value().attr("href").or_else(|| el.value().attr("src")).unwrap_or_default();
                if url.starts_with("https://")
                    || url.starts_with("http://")
                    || url.starts_with("tel:")
                    || url.starts_with("mailto:")
                {
                    continue;
                }
                count += 1;
                let (file, fragment) = match url.split_once('#') {
                    Some((f, frag)) => (f, Some(frag)),
                    None => (url, None),
                };
                // A theme may link its files with their version (`site.css?v=…`), which names no file.
                let file = match file.split_once('?') {
                    Some((f, query)) if is_version(query) && f.contains("assets/") => f,
                    Some(_) => {
                        broken.push(format!("{path}: `{url}` has a query that is not a file's version"));
                        continue;
                    }
                    None => file,
                };
                if url.starts_with('/') || file.ends_with('/') || (!file.is_empty() && !file.contains('.')) {
                    broken.push(format!("{path}: `{url}` does not name a file relatively"));
                    continue;
                }
                let target = if file.is_empty() { path.clone() } else { resolve(path, file) };
                if !files.contains_key(&target) {
                    broken.push(format!("{path}: `{url}` → missing {target}"));
                } else if let Some(f) = fragment
                    && !ids.get(&target).is_some_and(|set| set.contains(f))
                {
                    broken.push(format!("{path}: `{url}` → no id `{f}` in {target}"));
                }
            }
        }
        assert!(count > 50, "{name}: too few links checked ({count})");
        assert!(broken.is_empty(), "{name}:\n{}", broken.join("\n"));
    }
}

/// `v=` and eight hex digits: the version of a file under `assets/`.
fn is_version(query: &str) -> bool {
    query.strip_prefix("v=").is_some_and(|v| v.len() == 8 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn resolve(from: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for seg in rel.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[test]
fn every_page_links_to_its_counterpart_in_the_other_language() {
    for (name, _keep, public) in built_sites() {
        let html = pages(&public);
        for (path, doc) in &html {
            let Some((lang, rest)) = path.split_once('/') else { continue };
            let html_lang = doc.select(&sel("html")).next().and_then(|e| e.value().attr("lang").map(String::from));
            assert_eq!(html_lang.as_deref(), Some(lang), "{name} {path}");
            let other = if lang == "ja" { "en" } else { "ja" };
            let counterpart = format!("{other}/{rest}");
            assert!(html.contains_key(&counterpart), "{name}: {path} has no {counterpart}");
            let alt = doc
                .select(&sel(&format!("link[rel=alternate][hreflang={other}]")))
                .next()
                .and_then(|e| e.value().attr("href").map(String::from))
                .unwrap_or_default();
            let switch = doc
                .select(&sel(&format!(".vd-langs a[hreflang={other}]")))
                .next()
                .and_then(|e| e.value().attr("href").map(String::from))
                .unwrap_or_default();
            assert!(alt.ends_with(&counterpart), "{name} {path}: hreflang {alt}");
            assert_eq!(resolve(path, &switch), counterpart, "{name} {path}: language switch");
        }
        let root = &html["index.html"];
        for lang in ["ja", "en"] {
            assert!(
                root.select(&sel(&format!("a[href=\"{lang}/index.html\"]"))).next().is_some(),
                "{name}: root lacks {lang}"
            );
        }
    }
}

#[test]
fn nothing_is_loaded_from_another_host() {
    for (name, _keep, public) in built_sites() {
        for (path, doc) in pages(&public) {
            for el in doc.select(&sel("script[src], link[rel=stylesheet], img, iframe, link[rel=preload]")) {
                let url = el.value().attr("src").or_else(|| el.value().attr("href")).unwrap_or_default();
                assert!(!url.contains("//"), "{name} {path}: loads {url}");
            }
        }
    }
}

#[test]
fn the_build_is_deterministic() {
    let a = common::bundled_guide();
    let b = common::bundled_guide();
    assert_eq!(read_tree(&build_ok(a.path())), read_tree(&build_ok(b.path())));
    let c = common::site("basic");
    let first = read_tree(&build_ok(c.path()));
    assert_eq!(first, read_tree(&build_ok(c.path())), "a rebuild of the same input changed the output");
}

#[test]
fn code_is_highlighted_at_build_time_and_raw_html_is_escaped() {
    let root = common::site("basic");
    let public = build_ok(root.path());
    let install = std::fs::read_to_string(public.join("en/procedures/install.html")).unwrap_or_else(|e| panic!("{e}"));
    assert!(install.contains("language-powershell") && install.contains("hl-"), "PowerShell not highlighted");
    let stylesheet = install.split("assets/highlight.").nth(1).and_then(|rest| rest.split_once(".css")).map(|(v, _)| v);
    assert!(
        stylesheet.is_some_and(|v| v.len() == 8 && v.bytes().all(|b| b.is_ascii_hexdigit())),
        "install.html does not link highlight.css by its fingerprinted name"
    );
    let configure =
        std::fs::read_to_string(public.join("en/procedures/configure.html")).unwrap_or_else(|e| panic!("{e}"));
    assert!(configure.contains("language-toml") && configure.contains("hl-source hl-toml"));
    let css = std::fs::read_to_string(public.join("assets/highlight.css")).unwrap_or_else(|e| panic!("{e}"));
    assert!(css.contains("prefers-color-scheme: dark"), "no dark highlighting theme");
    let contacts = std::fs::read_to_string(public.join("en/contacts.html")).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        contacts.contains("&lt;b>not bold&lt;/b>") || contacts.contains("&lt;b&gt;not bold&lt;/b&gt;"),
        "raw HTML must be escaped"
    );
    assert!(contacts.contains("<del>old number</del>") && contacts.contains("<table>"));
    let sitemap = std::fs::read_to_string(public.join("sitemap.xml")).unwrap_or_else(|e| panic!("{e}"));
    assert!(sitemap.contains("<loc>https://docs.example.test/guide/en/contacts.html</loc>"));
    // Pages without code do not load the highlighting stylesheet.
    let guide = common::bundled_guide();
    let guide_out = build_ok(guide.path());
    assert!(!Path::new(&guide_out.join("assets/highlight.css")).exists());
    assert!(!read_tree(&guide_out).keys().any(|p| p.starts_with("assets/highlight")));
}

/// The theme's files are written under their own name and under a name with their version
/// (`site.0a1b2c3d.css`), the same bytes; pages link the latter, with no query string (which a
/// cache may ignore).
#[test]
fn theme_files_are_linked_by_fingerprinted_names() {
    let root = common::site("basic");
    let public = build_ok(root.path());
    let tree = read_tree(&public);
    let mut linked = BTreeSet::new();
    for (path, doc) in &pages(&public) {
        for el in doc.select(&sel("link[href*='assets/'], script[src*='assets/']")) {
            let url = el.value().attr("href").or_else(|| el.value().attr("src")).unwrap_or_default();
            assert!(!url.contains('?'), "{path}: {url} has a query string");
            linked.insert(url.rsplit('/').next().unwrap_or_default().to_string());
        }
    }
    for plain in ["site.css", "favicon.svg", "search.js", "selector.js", "highlight.css"] {
        let (stem, ext) = plain.split_once('.').unwrap_or_else(|| panic!("{plain}"));
        let names: Vec<&String> =
            linked.iter().filter(|n| n.starts_with(&format!("{stem}.")) && n.ends_with(&format!(".{ext}"))).collect();
        assert_eq!(names.len(), 1, "pages link {plain} by one name: {names:?}");
        let hash = &names[0][stem.len() + 1..names[0].len() - ext.len() - 1];
        assert!(hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()), "{plain} linked as {}", names[0]);
        let fingerprinted = tree.get(&format!("assets/{}", names[0]));
        assert!(fingerprinted.is_some(), "assets/{} is not written", names[0]);
        assert_eq!(fingerprinted, tree.get(&format!("assets/{plain}")), "assets/{} differs from {plain}", names[0]);
    }
}

#[test]
fn the_selector_works_as_plain_links() {
    let root = common::site("basic");
    let public = build_ok(root.path());
    let html = pages(&public);
    let home = &html["en/index.html"];
    let questions: Vec<String> =
        home.select(&sel("#vd-selector .vd-question")).filter_map(|q| q.value().id().map(String::from)).collect();
    assert_eq!(questions, ["q-status", "q-version"]);
    let answers: Vec<String> = home
        .select(&sel("#q-status a, #q-version a"))
        .filter_map(|a| a.value().attr("href").map(String::from))
        .collect();
    assert_eq!(answers, ["scenarios/new-user.html", "#q-version", "scenarios/upgrade.html", "contacts.html"]);
    let scenario = &html["ja/scenarios/upgrade.html"];
    assert!(scenario.select(&sel("#symptom")).next().is_some());
    assert!(scenario.select(&sel("a[href=\"../index.html#vd-selector\"]")).next().is_some());
}
