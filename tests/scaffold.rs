//! `vlsc-docs init`, `new` and `schema` as a new user runs them: the starter site builds with
//! no warning, nothing is ever overwritten, every new item builds, and the schemas written are
//! the ones committed. The starter site also goes through the checkers in `scripts/test.sh`.

mod common;

use common::{run, sel};
use std::path::Path;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `init` into a new folder `site` under `tmp`; asserts success and returns the site folder.
fn init(tmp: &Path, args: &[&str]) -> std::path::PathBuf {
    let mut all = vec!["init", "site"];
    all.extend_from_slice(args);
    let r = run(tmp, &all);
    assert_eq!(r.code, 0, "init failed:\n{}", r.stderr);
    tmp.join("site")
}

#[test]
fn the_starter_site_builds_without_a_warning_in_each_language_set() {
    for (languages, english_note) in [("ja,en", false), ("en", false), ("en,ja,fr", true)] {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let r = run(tmp.path(), &["init", "site", "--languages", languages, "--title", "Guide \"X\""]);
        assert_eq!(r.code, 0, "{languages}: {}", r.stderr);
        assert_eq!(
            r.stderr.contains("note: the starter texts for fr are in English"),
            english_note,
            "{languages}: {}",
            r.stderr
        );
        let site = tmp.path().join("site");
        for expected in ["book.toml", "content/selector.toml", ".gitignore", ".taplo.toml", "schemas/book.schema.json"]
        {
            assert!(r.stdout.lines().any(|l| l.ends_with(expected)), "{languages}: {expected} not printed");
        }
        let check = run(&site, &["check"]);
        assert_eq!((check.code, check.stderr.as_str()), (0, ""), "{languages}: check is not clean");
        let build = run(&site, &["build"]);
        assert_eq!((build.code, build.stderr.as_str()), (0, ""), "{languages}: build is not clean");
        let pages = common::pages(&site.join("public"));
        for lang in languages.split(',') {
            let home = &pages[&format!("{lang}/index.html")];
            assert!(home.select(&sel("#vd-selector")).next().is_some(), "{lang}: no selector");
            let title = common::text(home.select(&sel("title")).next().unwrap_or_else(|| panic!("no title")));
            assert_eq!(title, "Guide \"X\"", "{lang}");
            for page in [
                "scenarios/first-sign-in.html",
                "scenarios/forgot-password.html",
                "procedures/sign-in.html",
                "help.html",
                "404.html",
            ] {
                assert!(pages.contains_key(&format!("{lang}/{page}")), "{lang}/{page}");
            }
        }
        // Every TOML file starts with its #:schema directive, pointing at a file that exists.
        for entry in walkdir::WalkDir::new(&site).into_iter().flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(&site).unwrap_or(path);
            if path.extension().is_some_and(|e| e == "toml")
                && !rel.starts_with(".taplo.toml")
                && !rel.starts_with("public")
            {
                let text = read(path);
                let first = text.lines().next().unwrap_or_default();
                let target = first.strip_prefix("#:schema ").unwrap_or_else(|| panic!("{}: {first}", rel.display()));
                let parent = path.parent().unwrap_or(&site);
                assert!(parent.join(target).is_file(), "{}: {target} does not exist", rel.display());
            }
        }
    }
}

#[test]
fn the_japanese_starter_is_in_japanese() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let site = init(tmp.path(), &[]);
    let pages = common::pages(&common::build_ok(&site));
    let h1 =
        |path: &str| common::text(pages[path].select(&sel("h1")).next().unwrap_or_else(|| panic!("{path}: no h1")));
    assert_eq!(h1("ja/procedures/sign-in.html"), "ポータル サイトにサインインする");
    assert_eq!(h1("en/procedures/sign-in.html"), "Sign in to the portal");
    // The UI strings files are ready to edit: every built-in string, commented out.
    let ja = read(&site.join("i18n/ja.toml"));
    assert!(ja.contains("# selector-heading = "), "{ja}");
    assert!(!ja.lines().any(|l| !l.starts_with('#') && !l.is_empty()), "an active line in i18n/ja.toml");
}

#[test]
fn init_refuses_a_non_empty_folder_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let site = tmp.path().join("site");
    std::fs::create_dir_all(&site).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(site.join("book.toml"), "mine").unwrap_or_else(|e| panic!("{e}"));
    let r = run(tmp.path(), &["init", "site"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is not empty") && r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(std::fs::read_dir(&site).map(Iterator::count).unwrap_or_default(), 1, "something was written");

    let r = run(tmp.path(), &["init", "site", "--force"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(read(&site.join("book.toml")), "mine", "--force overwrote book.toml");
    assert!(r.stderr.contains("kept (exists): site/book.toml"), "{}", r.stderr);
    assert!(site.join("content/selector.toml").is_file());
}

#[test]
fn new_items_build_in_every_language_and_ids_are_not_reused() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let site = init(tmp.path(), &[]);
    for (args, files) in [
        (&["new", "procedure", "reset-password"][..], &["content/procedures/reset-password.toml"][..]),
        (
            &["new", "procedure", "add-user", "--section", "admin/users"],
            &[
                "content/procedures/admin/_section.toml",
                "content/procedures/admin/users/_section.toml",
                "content/procedures/admin/users/add-user.toml",
            ],
        ),
        (&["new", "scenario", "locked-out"], &["content/scenarios/locked-out.toml"]),
        (
            &["new", "page", "faq", "--section", "support"],
            &[
                "content/pages/support/_section.toml",
                "content/pages/support/faq.ja.md",
                "content/pages/support/faq.en.md",
            ],
        ),
        (
            &["new", "snippet", "closing", "--section", "common"],
            &["content/snippets/common/_section.toml", "content/snippets/common/closing.toml"],
        ),
    ] {
        let r = run(&site, args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        let printed: Vec<&str> = r.stdout.lines().collect();
        assert_eq!(printed, files.iter().map(|f| format!("./{f}")).collect::<Vec<_>>(), "{args:?}");
        for f in files.iter().filter(|f| f.ends_with(".toml")) {
            assert!(read(&site.join(f)).starts_with("#:schema "), "{f}");
        }
        // The same id again is refused, and nothing changes.
        let again = run(&site, args);
        assert_eq!(again.code, 2, "{args:?} twice: {}", again.stderr);
        assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    }
    let build = run(&site, &["build"]);
    assert_eq!(build.code, 0, "{}", build.stderr);
    // New items are not reached yet: said as warnings, nothing else.
    let warnings: Vec<&str> = build.stderr.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(warnings.len(), 4, "{}", build.stderr);
    assert!(!build.stderr.contains("error"), "{}", build.stderr);
    for page in ["ja/procedures/admin/users/add-user.html", "en/support/faq.html", "ja/scenarios/locked-out.html"] {
        assert!(site.join("public").join(page).is_file(), "{page}");
    }
    for (args, message) in [
        (&["new", "page", "Bad_Id"][..], "invalid id `Bad_Id`"),
        (&["new", "page", "procedures"], "cannot be named `procedures`"),
        (&["new", "procedure", "index"], "invalid id `index`"),
        // A section folder where the starter's page `help` is would collide with it.
        (&["new", "page", "faq", "--section", "help"], "content/pages/help.en.md already exists"),
    ] {
        let r = run(&site, args);
        assert_eq!(r.code, 2, "{args:?}");
        assert!(r.stderr.contains(message), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn the_schema_command_writes_the_committed_schemas() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let r = run(tmp.path(), &["schema", "--out", "out"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let committed = common::read_tree(&common::repo().join("schemas"));
    let written = common::read_tree(&tmp.path().join("out"));
    assert_eq!(written.keys().collect::<Vec<_>>(), committed.keys().collect::<Vec<_>>());
    for (name, bytes) in &committed {
        assert!(
            written[name] == *bytes,
            "schemas/{name} differs from `vlsc-docs schema`: run `vlsc-docs schema --out schemas`"
        );
    }
}

#[test]
fn the_404_pages_are_localized_and_lead_home() {
    for (site, base) in [("basic", Some("https://docs.example.test/guide/")), ("sections", None)] {
        let root = common::site(site);
        let pages = common::pages(&common::build_ok(root.path()));
        let entry = &pages["404.html"];
        for lang in ["ja", "en"] {
            let link = entry.select(&sel(&format!("section[lang={lang}] a[href=\"{lang}/index.html\"]"))).next();
            assert!(link.is_some(), "{site}: 404.html has no link to {lang}/index.html");
            let page = &pages[&format!("{lang}/404.html")];
            let h1 = common::text(page.select(&sel("h1")).next().unwrap_or_else(|| panic!("no h1")));
            assert_eq!(h1, if lang == "ja" { "ページが見つかりません" } else { "Page not found" }, "{site} {lang}");
            assert!(
                page.select(&sel("a[href=\"index.html\"].vd-button")).next().is_some(),
                "{site} {lang}: no way home"
            );
            let base_href = page.select(&sel("base")).next().and_then(|b| b.value().attr("href").map(String::from));
            assert_eq!(base_href, base.map(|b| format!("{b}{lang}/")), "{site} {lang}");
        }
        let base_href = entry.select(&sel("base")).next().and_then(|b| b.value().attr("href").map(String::from));
        assert_eq!(base_href.as_deref(), base, "{site}: 404.html");
        assert!(entry.select(&sel("script")).next().is_none(), "{site}: 404.html has a script");
        let sitemap = std::fs::read_to_string(root.path().join("public/sitemap.xml")).unwrap_or_default();
        assert!(!sitemap.contains("404.html"), "{site}: a 404 page in the sitemap");
    }
}
