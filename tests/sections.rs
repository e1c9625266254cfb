//! Sections: nested folders with `_section.toml`, ordering by weight, breadcrumbs, section index
//! pages, section navigation with previous and next, and navigation that does not grow with the
//! site (`tests/fixtures/sites/sections/`).

mod common;

use common::{build_ok, pages, read_tree, sel, text};
use scraper::Html;
use std::path::Path;

fn texts(page: &Html, selector: &str) -> Vec<String> {
    page.select(&sel(selector)).map(text).collect()
}

fn hrefs(page: &Html, selector: &str) -> Vec<String> {
    page.select(&sel(selector)).filter_map(|a| a.value().attr("href").map(str::to_string)).collect()
}

#[test]
fn output_mirrors_the_section_folders_in_both_languages() {
    let site = common::site("sections");
    let public = build_ok(site.path());
    let files = read_tree(&public);
    for lang in ["ja", "en"] {
        for path in [
            "procedures/accounts/create.html",
            "procedures/accounts/admins/grant.html",
            "procedures/network/dns.html",
            "procedures/overview.html",
            "procedures/index.html",
            "procedures/accounts/index.html",
            "procedures/accounts/admins/index.html",
            "scenarios/sign-in/new-admin.html",
            "scenarios/sign-in/index.html",
            "scenarios/index.html",
            "help/faq/roles.html",
            "help/faq/index.html",
            "help/index.html",
            "pages/index.html",
            "contact.html",
        ] {
            assert!(files.contains_key(&format!("{lang}/{path}")), "missing {lang}/{path}");
        }
    }
}

#[test]
fn breadcrumbs_lead_from_home_through_each_section() {
    let site = common::site("sections");
    let html = pages(&build_ok(site.path()));
    let grant = &html["en/procedures/accounts/admins/grant.html"];
    assert_eq!(texts(grant, ".vd-breadcrumb a"), ["Home", "Procedures", "Accounts", "Administrators"]);
    assert_eq!(
        hrefs(grant, ".vd-breadcrumb a"),
        ["../../../index.html", "../../index.html", "../index.html", "index.html"]
    );
    let faq = &html["ja/help/faq/roles.html"];
    assert_eq!(texts(faq, ".vd-breadcrumb a"), ["ホーム", "関連情報", "ヘルプ", "よくある質問"]);
    // A section's own page leads to its parent, not to itself.
    let admins = &html["en/procedures/accounts/admins/index.html"];
    assert_eq!(texts(admins, ".vd-breadcrumb a"), ["Home", "Procedures", "Accounts"]);
    assert_eq!(texts(admins, "h1"), ["Administrators"]);
}

#[test]
fn lists_follow_weight_then_id() {
    let site = common::site("sections");
    let html = pages(&build_ok(site.path()));
    // accounts: reset (weight 1) before create (weight 2); sub-sections come first.
    let accounts = &html["en/procedures/accounts/index.html"];
    assert_eq!(texts(accounts, ".vd-card > a"), ["Administrators", "Reset a password", "Create an account"]);
    assert_eq!(texts(accounts, ".vd-lead"), ["Creating and managing accounts."]);
    // The top level: sections by weight (accounts 1, network 2), then overview.
    let top = &html["en/procedures/index.html"];
    assert_eq!(texts(top, ".vd-card > a"), ["Accounts", "Network", "Overview"]);
    // FAQ pages: roles (weight 0) before billing (weight 5), with their descriptions.
    let faq = &html["en/help/faq/index.html"];
    assert_eq!(texts(faq, ".vd-card > a"), ["About roles", "About roles 2"]);
    assert_eq!(texts(faq, ".vd-card-symptom"), ["What roles are."]);
}

#[test]
fn item_pages_show_their_section_with_previous_and_next() {
    let site = common::site("sections");
    let html = pages(&build_ok(site.path()));
    let reset = &html["en/procedures/accounts/reset.html"];
    assert_eq!(texts(reset, ".vd-section-nav h2 a"), ["Accounts"]);
    assert_eq!(texts(reset, ".vd-section-nav a[aria-current=page]"), ["Reset a password"]);
    assert!(texts(reset, ".vd-prev").is_empty(), "the first item has no previous one");
    assert_eq!(hrefs(reset, ".vd-next a"), ["create.html"]);
    let create = &html["ja/procedures/accounts/create.html"];
    assert_eq!(hrefs(create, ".vd-prev a"), ["reset.html"]);
    assert!(texts(create, ".vd-next").is_empty());
    // Links across sections resolve to the mirrored paths.
    assert!(hrefs(create, ".vd-step a").contains(&"../network/dns.html#add-record".to_string()));
}

#[test]
fn scenario_pages_use_procedures_from_sections() {
    let site = common::site("sections");
    let html = pages(&build_ok(site.path()));
    let page = &html["en/scenarios/sign-in/new-admin.html"];
    let links = hrefs(page, ".vd-canonical a");
    assert_eq!(
        links,
        [
            "../../procedures/accounts/create.html",
            "../../procedures/accounts/admins/grant.html",
            "../../procedures/overview.html"
        ]
    );
    assert!(page.select(&sel("[id=\"accounts/create--open\"]")).next().is_some());
    let used_in = &html["en/procedures/accounts/create.html"];
    assert_eq!(hrefs(used_in, ".vd-used-in a"), ["../../scenarios/sign-in/new-admin.html"]);
}

/// Adds `n` pages to the section `help/faq`, each in both languages.
fn add_pages(root: &Path, n: usize) {
    for i in 0..n {
        for (lang, title) in [("ja", "追加"), ("en", "Extra")] {
            let path = root.join(format!("content/pages/help/faq/extra-{i:04}.{lang}.md"));
            std::fs::write(&path, format!("+++\ntitle = \"{title} {i}\"\n+++\nBody {i}.\n"))
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

#[test]
fn a_page_does_not_grow_with_the_rest_of_the_site() {
    let site = common::site("sections");
    let before = read_tree(&build_ok(site.path()));
    add_pages(site.path(), 500);
    let after = read_tree(&build_ok(site.path()));
    assert!(after.len() >= before.len() + 1000, "the 1,000 pages were not built");
    // Pages outside the grown section are byte for byte the same.
    for path in ["en/procedures/accounts/create.html", "ja/scenarios/sign-in/forgot.html", "en/contact.html"] {
        assert_eq!(before[path], after[path], "{path} changed when another section grew");
    }
    // Inside it, a page lists a bounded window of its section and links the section's index.
    let html = pages(&build_ok(site.path()));
    let page = &html["en/help/faq/extra-0250.html"];
    let listed = page.select(&sel(".vd-section-nav li")).count();
    assert!((10..=20).contains(&listed), "the section list should be a window, it has {listed} entries");
    assert_eq!(texts(page, ".vd-section-nav a[aria-current=page]"), ["Extra 250"]);
    assert!(hrefs(page, ".vd-section-nav .vd-nav-more a").contains(&"index.html".to_string()));
    let index = &html["en/help/faq/index.html"];
    assert_eq!(index.select(&sel(".vd-card")).count(), 502, "the section index lists every item");
}
