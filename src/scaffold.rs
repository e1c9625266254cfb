//! `vlsc-docs init` and `vlsc-docs new`: a starter site, and skeletons of new items.
//!
//! Both only ever create files: an existing file is never overwritten (not even with `--force`,
//! which only lets `init` add to a non-empty folder). Every TOML file starts with a `#:schema`
//! directive pointing at the site's `schemas/` folder, which `init` fills (see `schema`).
//! The texts of the starter site are written in Japanese and English; any other language gets
//! the English ones, so that the site builds at once and the editor translates from there.

use crate::load::ContentKind;
use crate::schema::{self, FileKind};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

mod starter;
use starter::{Starter, has_own_texts, starter};

/// Why nothing (more) was created.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error(
        "{0} is not empty: choose an empty or new folder, or pass --force to add the starter files that are missing (existing files are never overwritten)"
    )]
    NotEmpty(PathBuf),
    #[error("invalid language code `{0}`: use codes such as `ja`, `en` or `pt-br`, separated by commas")]
    Language(String),
    #[error("language `{0}` is listed twice")]
    DuplicateLanguage(String),
    #[error(
        "invalid id `{0}`: use lowercase letters, digits and single hyphens, sections separated by `/` (and not `index`)"
    )]
    Id(String),
    #[error("a top-level page cannot be named `{0}`: the output has a folder of that name")]
    Reserved(String),
    #[error("{0} already exists: choose another id")]
    Exists(PathBuf),
    #[error("cannot read {0}: {1}")]
    Book(PathBuf, String),
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// What was written, and what the user should know about it.
#[derive(Debug, Default)]
pub struct Created {
    /// Files written, as given (the site folder joined with their path in the site).
    pub files: Vec<PathBuf>,
    /// Files left as they were because they existed (`init --force`).
    pub kept: Vec<PathBuf>,
    pub notes: Vec<String>,
}

/// Options of `vlsc-docs init`.
#[derive(Debug, Clone)]
pub struct InitOptions {
    pub dir: PathBuf,
    pub languages: Vec<String>,
    pub title: Option<String>,
    pub force: bool,
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A localized text as one dotted key per language: `key.ja = "…"`.
fn text(out: &mut String, key: &str, langs: &[String], value: impl Fn(&Starter) -> String) {
    for lang in langs {
        let _ = writeln!(out, "{key}.{lang} = {}", quote(&value(starter(lang))));
    }
}

/// Parses `--languages ja,en`.
pub fn parse_languages(list: &str) -> Result<Vec<String>, ScaffoldError> {
    let mut langs: Vec<String> = Vec::new();
    for code in list.split(',').map(str::trim) {
        let valid = {
            let mut parts = code.split('-');
            parts.next().is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()))
                && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
        };
        if !valid {
            return Err(ScaffoldError::Language(code.to_string()));
        }
        if langs.iter().any(|l| l == code) {
            return Err(ScaffoldError::DuplicateLanguage(code.to_string()));
        }
        langs.push(code.to_string());
    }
    Ok(langs)
}

/// Files to create, by path from the site folder.
type Files = Vec<(PathBuf, String)>;

/// Creates a starter site in `opts.dir`.
pub fn init(opts: &InitOptions) -> Result<Created, ScaffoldError> {
    let dir = &opts.dir;
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() && !opts.force {
                return Err(ScaffoldError::NotEmpty(dir.clone()));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(ScaffoldError::Io(dir.clone(), e)),
    }
    let langs = &opts.languages;
    let mut files: Files = Vec::new();
    let toml = |kind: FileKind, rel: &str, body: String| {
        (PathBuf::from(rel), format!("{}{body}", schema::directive(kind, Path::new(rel))))
    };

    let mut book = String::from("[book]\n");
    match &opts.title {
        Some(t) => text(&mut book, "title", langs, |_| t.clone()),
        None => text(&mut book, "title", langs, |s| s.title.to_string()),
    }
    text(&mut book, "description", langs, |s| s.description.to_string());
    let list = langs.iter().map(|l| quote(l)).collect::<Vec<_>>().join(", ");
    let _ = writeln!(book, "languages = [{list}]   # the first is the source language");
    book.push_str(
        "# base-url = \"https://example.com/guide/\"   # optional: sitemap.xml and absolute links in 404.html\n",
    );
    book.push_str("\n[build]\noutput-dir = \"public\"\n");
    files.push(toml(FileKind::Book, "book.toml", book));

    let mut proc = String::new();
    text(&mut proc, "title", langs, |s| s.proc_title.to_string());
    text(&mut proc, "summary", langs, |s| s.proc_summary.to_string());
    proc.push_str("\n[[steps]]\nid = \"open-portal\"\n");
    text(&mut proc, "text", langs, |s| s.step1.to_string());
    text(&mut proc, "note", langs, |s| s.step1_note.to_string());
    proc.push_str("\n[[steps]]\nid = \"enter-account\"\n");
    text(&mut proc, "text", langs, |s| s.step2.to_string());
    files.push(toml(FileKind::Procedure, "content/procedures/sign-in.toml", proc));

    let mut first = String::new();
    text(&mut first, "title", langs, |s| s.first_title.to_string());
    text(&mut first, "symptom", langs, |s| s.first_symptom.to_string());
    first.push_str("\n[[sections]]\n");
    text(&mut first, "text", langs, |s| s.first_intro.to_string());
    first.push_str("\n[[sections]]\nprocedure = \"sign-in\"\n");
    files.push(toml(FileKind::Scenario, "content/scenarios/first-sign-in.toml", first));

    let mut forgot = String::new();
    text(&mut forgot, "title", langs, |s| s.forgot_title.to_string());
    text(&mut forgot, "symptom", langs, |s| s.forgot_symptom.to_string());
    forgot.push_str("\n[[sections]]\n");
    text(&mut forgot, "text", langs, |s| s.forgot_intro.to_string());
    forgot.push_str("\n[[sections]]\nprocedure = \"sign-in\"\n");
    text(&mut forgot, "when", langs, |s| s.forgot_when.to_string());
    files.push(toml(FileKind::Scenario, "content/scenarios/forgot-password.toml", forgot));

    let mut selector = String::from("start = \"situation\"\n\n[questions.situation]\n");
    text(&mut selector, "text", langs, |s| s.question.to_string());
    selector.push_str("\n[[questions.situation.answers]]\nscenario = \"first-sign-in\"\n");
    text(&mut selector, "text", langs, |s| s.answer_first.to_string());
    selector.push_str("\n[[questions.situation.answers]]\nscenario = \"forgot-password\"\n");
    text(&mut selector, "text", langs, |s| s.answer_forgot.to_string());
    files.push(toml(FileKind::Selector, "content/selector.toml", selector));

    for lang in langs {
        let s = starter(lang);
        files.push((
            PathBuf::from(format!("content/pages/help.{lang}.md")),
            format!("+++\ntitle = {}\n+++\n{}", quote(s.page_title), s.page_body),
        ));
        let rel = format!("i18n/{lang}.toml");
        files.push(toml(FileKind::UiStrings, &rel, ui_strings_file(lang)));
    }
    files.push((
        PathBuf::from(".gitignore"),
        "# The built site (book.toml [build] output-dir).\n/public/\n".to_string(),
    ));
    files.push((PathBuf::from(".taplo.toml"), schema::taplo_config()));
    for kind in FileKind::ALL {
        files.push((Path::new(schema::DEFAULT_DIR).join(kind.file_name()), kind.generate()));
    }

    let mut created = write_new(dir, &files)?;
    let others: Vec<&str> = langs.iter().map(String::as_str).filter(|l| !has_own_texts(l)).collect();
    if !others.is_empty() {
        created.notes.push(format!(
            "the starter texts for {} are in English (only Japanese and English texts are provided): translate them in book.toml, content/ and i18n/",
            others.join(", ")
        ));
    }
    Ok(created)
}

/// The UI strings file of `lang`: for a language the theme knows, every string commented out
/// (the theme's text is used until a line is uncommented); otherwise the English strings,
/// active, to translate.
fn ui_strings_file(lang: &str) -> String {
    let strings = crate::theme::ThemeStrings::builtin();
    let english = strings.english();
    let mut out = String::new();
    match strings.language(lang) {
        Some(own) => {
            let _ = writeln!(
                out,
                "# UI strings of `{lang}`: the theme's built-in text of each is shown commented out.\n\
                 # Uncomment a line and edit it to change what the pages show."
            );
            for (key, value) in own {
                let _ = writeln!(out, "# {key} = {}", quote(value));
            }
        }
        None => {
            let _ = writeln!(
                out,
                "# UI strings of `{lang}`: the theme has none in this language, so these are the English ones.\n\
                 # Translate each of them."
            );
            for (key, value) in &english {
                let value = if key == "language-name" { native_name(lang).to_string() } else { value.clone() };
                let _ = writeln!(out, "{key} = {}", quote(&value));
            }
        }
    }
    out
}

/// How a language names itself, for the language switcher (the code when not known here).
fn native_name(lang: &str) -> &str {
    match lang.split('-').next().unwrap_or(lang) {
        "de" => "Deutsch",
        "es" => "Español",
        "fr" => "Français",
        "it" => "Italiano",
        "ko" => "한국어",
        "pt" => "Português",
        "zh" => "中文",
        _ => lang,
    }
}

/// Writes `files` under `dir`, creating folders, never replacing a file that exists.
fn write_new(dir: &Path, files: &Files) -> Result<Created, ScaffoldError> {
    let mut created = Created::default();
    for (rel, contents) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| ScaffoldError::Io(parent.to_path_buf(), e))?;
        }
        // `create_new` fails on an existing file (or link), so nothing is ever overwritten.
        match std::fs::File::options().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                use std::io::Write as _;
                f.write_all(contents.as_bytes()).map_err(|e| ScaffoldError::Io(path.clone(), e))?;
                created.files.push(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => created.kept.push(path),
            Err(e) => return Err(ScaffoldError::Io(path, e)),
        }
    }
    Ok(created)
}

/// The kinds of item `vlsc-docs new` creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewKind {
    Procedure,
    Scenario,
    Page,
    Snippet,
}

impl NewKind {
    fn content(self) -> ContentKind {
        match self {
            NewKind::Procedure => ContentKind::Procedures,
            NewKind::Scenario => ContentKind::Scenarios,
            NewKind::Page => ContentKind::Pages,
            NewKind::Snippet => ContentKind::Snippets,
        }
    }
}

/// The languages of the site at `root`, read from its `book.toml` (nothing else is validated:
/// `new` works on a site that has errors elsewhere).
fn site_languages(root: &Path) -> Result<Vec<String>, ScaffoldError> {
    let path = root.join("book.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| ScaffoldError::Book(path.clone(), e.to_string()))?;
    let book: crate::load::RawBook =
        toml::from_str(&text).map_err(|e| ScaffoldError::Book(path.clone(), e.message().trim().to_string()))?;
    Ok(book.book.languages.into_inner().into_iter().map(|l| l.into_inner()).collect())
}

/// The file of item `id` of `kind` under `base` (any language file of a page), if one exists.
fn item_file(root: &Path, base: &Path, kind: NewKind, id: &str) -> Option<PathBuf> {
    if kind != NewKind::Page {
        let path = root.join(base).join(format!("{id}.toml"));
        return path.exists().then_some(path);
    }
    let folder = root.join(base).join(Path::new(id).parent().unwrap_or(Path::new("")));
    let stem = format!("{}.", crate::ids::last_segment(id));
    let entries = std::fs::read_dir(&folder).ok()?;
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            name.starts_with(&stem) && name.ends_with(".md") && !name[stem.len()..name.len() - 3].contains('.')
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

/// Creates a new procedure, scenario or page `id` (below `section`, if given) in the site at
/// `root`, in every language of the site, with the section folders it needs.
pub fn new_item(root: &Path, kind: NewKind, id: &str, section: Option<&str>) -> Result<Created, ScaffoldError> {
    let full = match section.map(|s| s.trim_matches('/')).filter(|s| !s.is_empty()) {
        Some(s) => format!("{s}/{id}"),
        None => id.to_string(),
    };
    if !full.split('/').all(crate::ids::is_valid_id) || crate::ids::last_segment(&full) == "index" {
        return Err(ScaffoldError::Id(full));
    }
    let first = full.split('/').next().unwrap_or_default();
    if kind == NewKind::Page && ContentKind::ALL.iter().any(|k| k.folder() == first) {
        return Err(ScaffoldError::Reserved(first.to_string()));
    }
    let langs = site_languages(root)?;
    let base = Path::new("content").join(kind.content().folder());
    let mut files: Files = Vec::new();

    // Section folders: each one the item lies in needs its `_section.toml`.
    let segments: Vec<&str> = full.split('/').collect();
    for depth in 1..segments.len() {
        let folder = base.join(segments[..depth].join("/"));
        let rel = folder.join("_section.toml");
        if !root.join(&rel).exists() {
            let mut body = String::new();
            text(&mut body, "title", &langs, |s| format!("{} ({})", s.new_section, segments[depth - 1]));
            files.push((rel.clone(), format!("{}{body}", schema::directive(FileKind::Section, &rel))));
        }
    }

    // The item must not exist, nor any item whose path a section folder of it would take.
    for depth in 1..=segments.len() {
        let prefix = segments[..depth].join("/");
        if let Some(found) = item_file(root, &base, kind, &prefix) {
            return Err(ScaffoldError::Exists(found));
        }
    }
    if root.join(&base).join(&full).exists() {
        return Err(ScaffoldError::Exists(root.join(&base).join(&full)));
    }
    match kind {
        NewKind::Procedure | NewKind::Scenario => {
            let rel = base.join(format!("{full}.toml"));
            let mut body = String::new();
            if kind == NewKind::Procedure {
                text(&mut body, "title", &langs, |s| format!("{} ({full})", s.new_procedure));
                body.push_str("\n[[steps]]\nid = \"first-step\"\n");
                text(&mut body, "text", &langs, |s| s.new_step.to_string());
                files.push((rel.clone(), format!("{}{body}", schema::directive(FileKind::Procedure, &rel))));
            } else {
                text(&mut body, "title", &langs, |s| format!("{} ({full})", s.new_scenario));
                text(&mut body, "symptom", &langs, |s| s.new_symptom.to_string());
                body.push_str("\n[[sections]]\n");
                text(&mut body, "text", &langs, |s| s.new_text.to_string());
                body.push_str(
                    "\n# [[sections]]\n# procedure = \"<procedure id>\"   # a procedure's steps, shown in place\n",
                );
                files.push((rel.clone(), format!("{}{body}", schema::directive(FileKind::Scenario, &rel))));
            }
        }
        NewKind::Snippet => {
            let rel = base.join(format!("{full}.toml"));
            let mut body = String::new();
            text(&mut body, "text", &langs, |s| s.new_snippet.to_string());
            files.push((rel.clone(), format!("{}{body}", schema::directive(FileKind::Snippet, &rel))));
        }
        NewKind::Page => {
            for lang in &langs {
                let s = starter(lang);
                let rel = base.join(format!("{full}.{lang}.md"));
                files.push((
                    rel,
                    format!("+++\ntitle = {}\n+++\n{}", quote(&format!("{} ({full})", s.new_page)), s.new_body),
                ));
            }
        }
    }
    let mut created = write_new(root, &files)?;
    if let Some(kept) = created.kept.first() {
        return Err(ScaffoldError::Exists(kept.clone()));
    }
    created.notes.push(match kind {
        NewKind::Procedure => format!("reference it from a scenario: [[sections]] procedure = \"{full}\""),
        NewKind::Scenario => {
            format!("let readers reach it: an answer in content/selector.toml with scenario = \"{full}\"")
        }
        NewKind::Page => format!("link to it from any text: [title](page:{full})"),
        NewKind::Snippet => format!(
            "use it in a scenario ([[sections]] snippet = \"{full}\") or on a line of its own in a page ({{{{> {full} }}}})"
        ),
    });
    if !root.join(schema::DEFAULT_DIR).is_dir() && kind != NewKind::Page {
        created.notes.push(
            "no schemas/ folder: run `vlsc-docs schema` so that editors can use the #:schema directive".to_string(),
        );
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_strings_are_escaped() {
        for (raw, expected) in
            [("a", "\"a\""), ("say \"hi\"", "\"say \\\"hi\\\"\""), ("a\\b", "\"a\\\\b\""), ("x\u{1}", "\"x\\u0001\"")]
        {
            assert_eq!(quote(raw), expected);
            let parsed: toml::Value = toml::from_str(&format!("v = {}", quote(raw))).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(parsed.get("v").and_then(|v| v.as_str()), Some(raw));
        }
    }

    #[test]
    fn language_lists() {
        assert_eq!(parse_languages("ja,en").ok(), Some(vec!["ja".to_string(), "en".to_string()]));
        assert_eq!(parse_languages("en, pt-br").ok(), Some(vec!["en".to_string(), "pt-br".to_string()]));
        for bad in ["", "ja,,en", "JA", "japanese", "ja,ja"] {
            assert!(parse_languages(bad).is_err(), "{bad}");
        }
    }
}
