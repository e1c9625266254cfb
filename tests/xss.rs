//! Content never runs as script: every hostile payload, in every place content reaches the output,
//! either fails validation or is rendered without a script element, an event-handler attribute or
//! a `javascript:` URL (with `allow-html = false`, the default).
//!
//! Each case builds a small site with the real library (`vlsc_docs::compile`), with the payload
//! in one field and harmless text everywhere else, and parses every page of the output.

use std::path::Path;
use vlsc_docs::BuildError;

/// The places content reaches the output. `markdown` is false for plain strings (page front
/// matter), where links are not links and so are not rejected; `shown` is false for a field no
/// page displays.
struct Field {
    name: &'static str,
    markdown: bool,
    shown: bool,
}

const FIELDS: &[Field] = &[
    Field { name: "book.title", markdown: true, shown: true },
    Field { name: "book.description", markdown: true, shown: true },
    Field { name: "procedure.title", markdown: true, shown: true },
    Field { name: "procedure.summary", markdown: true, shown: true },
    Field { name: "step.text", markdown: true, shown: true },
    Field { name: "step.note", markdown: true, shown: true },
    Field { name: "substep.text", markdown: true, shown: true },
    Field { name: "scenario.title", markdown: true, shown: true },
    Field { name: "scenario.symptom", markdown: true, shown: true },
    Field { name: "section.text", markdown: true, shown: true },
    Field { name: "section.when", markdown: true, shown: true },
    Field { name: "page.body", markdown: true, shown: true },
    Field { name: "page.title", markdown: false, shown: true },
    Field { name: "page.description", markdown: false, shown: false },
    Field { name: "question.text", markdown: true, shown: true },
    Field { name: "answer.text", markdown: true, shown: true },
];

/// What must become of a payload in a Markdown field: rendered harmlessly, or refused by `check`.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Expect {
    Rendered,
    Rejected,
}
use Expect::*;

/// Each payload carries `XSSMARK`, so that a rendered case can show the payload reached the page.
const PAYLOADS: &[(&str, Expect)] = &[
    ("<script>XSSMARK()</script>", Rendered),
    ("<img src=x onerror=XSSMARK()>", Rendered),
    ("<svg/onload=alert(1)>XSSMARK", Rendered),
    ("<a href=\"javascript:alert(1)\">XSSMARK</a>", Rendered),
    ("&lt;script&gt;XSSMARK()&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;", Rendered),
    ("## XSSMARK {onclick=alert(1)}", Rendered),
    ("## XSSMARK {#x onmouseover=alert(1)}", Rendered),
    ("## XSSMARK {.c onfocus=alert(1) autofocus tabindex=0}", Rendered),
    ("## XSSMARK {#x\" onclick=\"alert(1)}", Rendered),
    ("XSSMARK {onclick=alert(1)}\n---", Rendered),
    ("XSSMARK\" onmouseover=\"alert(1)", Rendered),
    ("XSSMARK' onmouseover='alert(1)", Rendered),
    ("XSSMARK\"><script>alert(1)</script>", Rendered),
    ("[XSSMARK](https://example.com/ \"t\\\" onclick=\\\"alert(1)\")", Rendered),
    ("[XSSMARK](<https://example.com/\" onclick=\"alert(1)>)", Rendered),
    ("![XSSMARK\" onerror=\"alert(1)](https://example.com/a.png)", Rendered),
    ("```\"><script>alert(1)</script>\nXSSMARK\n```", Rendered),
    ("[XSSMARK](javascript:alert(1))", Rejected),
    ("[XSSMARK](JaVaScRiPt:alert(1))", Rejected),
    ("[XSSMARK]( javascript:alert(1) )", Rejected),
    ("<javascript:alert(1)> XSSMARK", Rejected),
    ("[XSSMARK][r]\n\n[r]: javascript:alert(1)", Rejected),
    ("![XSSMARK](javascript:alert(1))", Rejected),
    ("[XSSMARK](data:text/html,%3Cscript%3Ealert(1)%3C/script%3E)", Rejected),
    ("[XSSMARK](procedure:sign-in#\"onclick=alert(1))", Rejected),
];

/// A TOML basic string holding `s`.
fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes a site with `payload` in `field` and harmless text in every other field.
fn write_site(root: &Path, field: &str, payload: &str) {
    let plain = |name: &str| toml_str(if name == field { payload } else { "Harmless text" });
    let text = |name: &str| format!("{{ ja = {v}, en = {v} }}", v = plain(name));
    let body = if field == "page.body" { payload } else { "Harmless text." };
    let files = [
        (
            "book.toml".to_string(),
            format!(
                "[book]\ntitle = {}\ndescription = {}\nlanguages = [\"ja\", \"en\"]\n",
                text("book.title"),
                text("book.description")
            ),
        ),
        (
            "content/procedures/sign-in.toml".to_string(),
            format!(
                "title = {}\nsummary = {}\n\n[[steps]]\nid = \"open\"\ntext = {}\nnote = {}\n\n[[steps.substeps]]\ntext = {}\n",
                text("procedure.title"),
                text("procedure.summary"),
                text("step.text"),
                text("step.note"),
                text("substep.text")
            ),
        ),
        (
            "content/scenarios/locked-out.toml".to_string(),
            format!(
                "title = {}\nsymptom = {}\n\n[[sections]]\ntext = {}\n\n[[sections]]\nprocedure = \"sign-in\"\nwhen = {}\n",
                text("scenario.title"),
                text("scenario.symptom"),
                text("section.text"),
                text("section.when")
            ),
        ),
        (
            "content/selector.toml".to_string(),
            format!(
                "start = \"what\"\n\n[questions.what]\ntext = {}\n\n[[questions.what.answers]]\ntext = {}\nscenario = \"locked-out\"\n\n[[questions.what.answers]]\ntext = {{ ja = \"その他\", en = \"Other\" }}\npage = \"contacts\"\n",
                text("question.text"),
                text("answer.text")
            ),
        ),
    ];
    let page = format!(
        "+++\ntitle = {}\ndescription = {}\n+++\n## Phone {{#phone}}\n\n{body}\n",
        plain("page.title"),
        plain("page.description")
    );
    for (path, contents) in
        files.into_iter().chain(["ja", "en"].map(|l| (format!("content/pages/contacts.{l}.md"), page.clone())))
    {
        let path = root.join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        }
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
}

/// What in `html` could run script, one line per finding; empty when the page is clean.
fn script_vectors(html: &str) -> Vec<String> {
    const URL_ATTRIBUTES: &[&str] = &[
        "href",
        "src",
        "action",
        "formaction",
        "poster",
        "data",
        "xlink:href",
        "srcset",
        "background",
        "cite",
        "ping",
    ];
    const BAD_SCHEMES: &[&str] = &["javascript:", "vbscript:", "data:"];
    const BAD_ELEMENTS: &[&str] = &["iframe", "object", "embed", "base", "frame", "frameset", "form", "svg", "math"];
    let doc = scraper::Html::parse_document(html);
    let mut found = Vec::new();
    for el in doc.root_element().descendants().filter_map(scraper::ElementRef::wrap) {
        let name = el.value().name();
        // The theme's own scripts, linked by their fingerprinted names, and nothing else
        // (search.js writes results with textContent only).
        let theme_script = el.value().attr("src").is_some_and(|s| {
            ["selector", "search"].iter().any(|script| {
                let Some((_, file)) = s.rsplit_once("assets/") else { return false };
                let version =
                    file.strip_prefix(script).and_then(|f| f.strip_prefix('.')).and_then(|f| f.strip_suffix(".js"));
                version.is_some_and(|v| v.len() == 8 && v.bytes().all(|b| b.is_ascii_hexdigit()))
            })
        }) && el.text().all(|t| t.trim().is_empty());
        if (name == "script" && !theme_script) || BAD_ELEMENTS.contains(&name) {
            found.push(format!("element <{name}>: {}", el.html()));
        }
        for (attr, value) in el.value().attrs() {
            let attr = attr.to_ascii_lowercase();
            if attr.starts_with("on") {
                found.push(format!("event handler {attr}=\"{value}\" on <{name}>"));
            }
            let url: String =
                value.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect::<String>().to_lowercase();
            if URL_ATTRIBUTES.contains(&attr.as_str()) && BAD_SCHEMES.iter().any(|s| url.starts_with(s)) {
                found.push(format!("script URL {attr}=\"{value}\" on <{name}>"));
            }
        }
    }
    found
}

#[test]
fn the_harmless_site_is_clean_and_the_scan_finds_what_it_looks_for() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    write_site(dir.path(), "none", "");
    let compiled = vlsc_docs::compile(dir.path()).unwrap_or_else(|e| panic!("the harmless site must build: {e:?}"));
    for f in compiled.files.iter().filter(|f| f.is_html) {
        let found = script_vectors(&String::from_utf8_lossy(&f.contents));
        assert!(found.is_empty(), "{}: {found:?}", f.path.as_str());
    }
    // The scanner itself: each kind of vector is found.
    let bad = "<p onclick=x>a</p><script>x</script><a href=' JaVa\tScript:x'>b</a><img src=\"data:image/svg+xml,x\">";
    assert_eq!(script_vectors(bad).len(), 4, "{:?}", script_vectors(bad));
}

#[test]
fn no_payload_runs_as_script_anywhere_content_reaches_the_output() {
    let mut failures = Vec::new();
    for field in FIELDS {
        for (payload, expect) in PAYLOADS {
            let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
            write_site(dir.path(), field.name, payload);
            let expect = if field.markdown { *expect } else { Rendered };
            let case = format!("{} = {payload:?}", field.name);
            match (vlsc_docs::compile(dir.path()), expect) {
                (Ok(compiled), Rendered) => {
                    let mut reached = false;
                    for f in compiled.files.iter().filter(|f| f.is_html) {
                        let html = String::from_utf8_lossy(&f.contents);
                        reached |= html.contains("XSSMARK");
                        for finding in script_vectors(&html) {
                            failures.push(format!("{case}: {}: {finding}", f.path.as_str()));
                        }
                    }
                    if field.shown && !reached {
                        failures.push(format!("{case}: the payload reached no page, so this case proves nothing"));
                    }
                }
                (Err(BuildError::Content(diags)), Rejected) => {
                    let rejected = diags.iter().any(|d| {
                        d.message.contains("unsupported link") || d.message.contains("has no step or heading")
                    });
                    if !rejected {
                        let all: Vec<String> = diags.iter().map(|d| d.headline()).collect();
                        failures.push(format!("{case}: failed for another reason: {all:?}"));
                    }
                }
                (Ok(_), Rejected) => failures.push(format!("{case}: built, but the link must be refused")),
                (Err(e), _) => failures.push(format!("{case}: did not build: {e:?}")),
            }
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}
