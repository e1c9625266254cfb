//! The site configuration (`book.toml`) and localized texts, validated.
//!
//! `Texts` converts every raw `{ ja = "…", en = "…" }` table into a [`Text`] with exactly one
//! value per configured language, reporting missing and unknown languages where they are written.

use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use crate::i18n::{Mark, MissingPolicy, Tracker};
use crate::ids::Lang;
use crate::load::{Parsed, RawBook, RawText};
use crate::source_str::SourceStr;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// A localized Markdown text: one value per language, in `book.toml`'s order, and how each
/// reads (up to date, outdated, or the source text standing in for a missing translation).
/// Boxed slices, not vectors: a site holds hundreds of thousands of texts (two per step, most
/// with no marks), and a slice is two words where a vector is three.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text(Box<[SourceStr]>, Box<[Mark]>);

impl Text {
    pub fn from_values(values: Vec<SourceStr>) -> Text {
        Text(values.into_boxed_slice(), Box::default())
    }

    /// A text whose values are marked (`marks` in the order of `values`).
    pub fn with_marks(values: Vec<SourceStr>, marks: Vec<Mark>) -> Text {
        let marks = if marks.iter().all(|m| *m == Mark::Current) { Box::default() } else { marks.into_boxed_slice() };
        Text(values.into_boxed_slice(), marks)
    }

    pub fn get(&self, lang: &Lang) -> &str {
        self.0.get(lang.index).map_or("", |s| s)
    }

    /// How the text reads in `lang`.
    pub fn mark(&self, lang: &Lang) -> Mark {
        self.1.get(lang.index).copied().unwrap_or_default()
    }
}

/// Where a Markdown text came from, to point at its links later.
#[derive(Debug, Clone)]
pub struct TextOrigin {
    pub file: usize,
    /// Byte range of the value in the file.
    pub span: Range<usize>,
    pub key: Arc<str>,
    pub lang: usize,
    /// True when `span.start` is exactly where the Markdown starts (a page body), so that offsets
    /// inside the Markdown map to exact positions; false for TOML strings with quotes and escapes.
    pub exact: bool,
}

/// The validated `book.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub title: Text,
    pub description: Option<Text>,
    /// Shown on every page and in print (`[book] notice`).
    pub notice: Option<Text>,
    pub languages: Vec<Lang>,
    pub theme: Option<String>,
    pub base_url: Option<String>,
    pub output_dir: PathBuf,
    pub minify: bool,
    pub allow_html: bool,
    /// Whether pages get the search box and the build writes the search index.
    pub search: bool,
    /// `[i18n]`: the source language, what outdated and missing translations do.
    pub i18n: crate::i18n::Options,
}

/// Converts localized texts of one site, recording every Markdown text's origin for link checks.
pub struct Texts<'a> {
    pub languages: &'a [Lang],
    pub files: Vec<SourceFile>,
    /// Every text converted that may hold something to check (a link, a heading, deep nesting:
    /// not those [`crate::markdown::scan_finds_nothing`] clears), with where it came from; shared
    /// with the texts themselves.
    pub origins: Vec<(TextOrigin, SourceStr)>,
    pub diags: &'a mut Diagnostics,
    /// Which translations are outdated, and the `[i18n]` options.
    pub translations: Option<&'a Tracker>,
}

/// What converting files apart from the others recorded ([`Texts::apart`]).
pub struct Apart {
    files: Vec<SourceFile>,
    origins: Vec<(TextOrigin, SourceStr)>,
    diags: Diagnostics,
}

impl Texts<'_> {
    /// Runs `convert` on empty texts of its own (same languages and translations), so that files
    /// can be converted apart (in parallel), then [`Self::append`]ed in order.
    pub fn apart<T>(&self, convert: impl FnOnce(&mut Texts<'_>) -> T) -> (T, Apart) {
        let mut diags = Diagnostics::default();
        let mut own = Texts {
            languages: self.languages,
            files: Vec::new(),
            origins: Vec::new(),
            diags: &mut diags,
            translations: self.translations,
        };
        let made = convert(&mut own);
        let (files, origins) = (own.files, own.origins);
        (made, Apart { files, origins, diags })
    }

    /// Appends what [`Self::apart`] recorded: its files (texts point at them by index, renumbered
    /// here), texts and diagnostics.
    pub fn append(&mut self, apart: Apart) {
        let base = self.files.len();
        self.files.extend(apart.files);
        self.origins.extend(apart.origins.into_iter().map(|(mut o, md)| {
            o.file += base;
            (o, md)
        }));
        self.diags.extend(apart.diags);
    }

    /// Registers a file; texts converted with the returned index point into it.
    pub fn add_file(&mut self, file: SourceFile) -> usize {
        self.files.push(file);
        self.files.len() - 1
    }

    pub fn error(&mut self, file: usize, span: Range<usize>, key: &str, message: String) {
        let f = &self.files[file];
        let d = Diagnostic::error(&f.path, message).at(f.locate(span)).key(key);
        self.diags.push(d);
    }

    pub fn warning(&mut self, file: usize, span: Range<usize>, key: &str, message: String) {
        let f = &self.files[file];
        let d = Diagnostic::warning(&f.path, message).at(f.locate(span)).key(key);
        self.diags.push(d);
    }

    /// Converts `raw` (the value of `key` in `file`), or reports what is missing or unknown.
    pub fn text(&mut self, file: usize, key: &str, raw: &RawText) -> Option<Text> {
        let mut ok = true;
        for lang in raw.get_ref().keys() {
            if !self.languages.iter().any(|l| l.code == *lang.get_ref()) {
                let known = codes(self.languages);
                self.error(
                    file,
                    lang.span(),
                    &format!("{key}.{}", lang.get_ref()),
                    format!("unknown language `{}` (book.toml lists {known})", lang.get_ref()),
                );
                ok = false;
            }
        }
        let mut values = Vec::with_capacity(self.languages.len());
        let mut marks = Vec::with_capacity(self.languages.len());
        let (source, fallback) = match self.translations {
            Some(t) => (t.options.source, t.options.missing == MissingPolicy::Fallback),
            None => (0, false),
        };
        let source_value = self
            .languages
            .get(source)
            .and_then(|l| raw.get_ref().iter().find(|(k, _)| *k.get_ref() == l.code))
            .map(|(_, v)| v);
        let states = source_value
            .zip(self.translations)
            .and_then(|(v, t)| t.unit_at(&self.files[file].path, v.span().start))
            .map(|(_, states)| states);
        for lang in self.languages {
            match raw.get_ref().iter().find(|(k, _)| *k.get_ref() == lang.code) {
                Some((_, v)) => {
                    let outdated = states.and_then(|s| s.get(lang.index)).is_some_and(|s| s.is_outdated());
                    marks.push(if outdated { Mark::Outdated } else { Mark::Current });
                    // A text known to hold no link, heading or nesting has nothing to check:
                    // most texts are such sentences, and listing them costs memory and time.
                    if !crate::markdown::scan_finds_nothing(v.get_ref()) {
                        let origin = TextOrigin {
                            file,
                            span: v.span(),
                            key: format!("{key}.{}", lang.code).into(),
                            lang: lang.index,
                            exact: false,
                        };
                        self.origins.push((origin, v.get_ref().clone()));
                    }
                    values.push(v.get_ref().clone());
                }
                None => match source_value.filter(|_| fallback && lang.index != source) {
                    Some(v) => {
                        values.push(v.get_ref().clone());
                        marks.push(Mark::Fallback);
                    }
                    None => {
                        self.error(
                            file,
                            raw.span(),
                            key,
                            format!("missing `{}` text in {}", lang.code, crate::diag::terminal::describe_key(key)),
                        );
                        ok = false;
                    }
                },
            }
        }
        ok.then(|| Text::with_marks(values, marks))
    }

    pub fn optional(&mut self, file: usize, key: &str, raw: Option<&RawText>) -> Option<Option<Text>> {
        match raw {
            None => Some(None),
            Some(r) => self.text(file, key, r).map(Some),
        }
    }

    /// Records a reference written outside Markdown (`page = "contacts#vlsc-support"`) as a link
    /// in every language, so that its target and fragment are checked like any other link.
    pub fn record_link(&mut self, file: usize, span: Range<usize>, key: &str, dest: &str) {
        for lang in self.languages {
            let origin = TextOrigin { file, span: span.clone(), key: key.into(), lang: lang.index, exact: false };
            self.origins.push((origin, format!("<{dest}>").into()));
        }
    }

    /// Records a Markdown text whose position maps exactly (a page body).
    pub fn record_exact(&mut self, file: usize, key: &str, lang: usize, offset: usize, md: &SourceStr) {
        let origin = TextOrigin { file, span: offset..offset + md.len(), key: key.into(), lang, exact: true };
        self.origins.push((origin, md.clone()));
    }
}

pub fn codes(langs: &[Lang]) -> String {
    langs.iter().map(|l| format!("`{}`", l.code)).collect::<Vec<_>>().join(", ")
}

/// A language code: `ja`, `en`, `pt-br`.
fn is_lang_code(s: &str) -> bool {
    let mut parts = s.split('-');
    let first_ok =
        parts.next().is_some_and(|p| (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase()));
    first_ok && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Reads the languages of `book.toml` first: every other text depends on them.
pub fn languages(book: &Parsed<RawBook>, diags: &mut Diagnostics) -> Option<Vec<Lang>> {
    let raw = &book.value.book.languages;
    let mut langs: Vec<Lang> = Vec::new();
    let mut ok = true;
    for code in raw.get_ref() {
        let c = code.get_ref();
        let problem = if !is_lang_code(c) {
            Some(format!("invalid language code `{c}`: use a code such as `ja`, `en` or `pt-br`"))
        } else if langs.iter().any(|l| l.code == *c) {
            Some(format!("language `{c}` is listed twice"))
        } else {
            None
        };
        match problem {
            Some(message) => {
                diags.push(
                    Diagnostic::error(&book.file.path, message).at(book.file.locate(code.span())).key("book.languages"),
                );
                ok = false;
            }
            None => langs.push(Lang { code: c.clone(), index: langs.len() }),
        }
    }
    if langs.is_empty() && ok {
        diags.push(
            Diagnostic::error(&book.file.path, "`languages` is empty: list at least one language")
                .at(book.file.locate(raw.span()))
                .key("book.languages"),
        );
        ok = false;
    }
    ok.then_some(langs)
}

/// Converts the rest of `book.toml` once the languages are known.
pub fn config(book: &Parsed<RawBook>, file: usize, texts: &mut Texts<'_>) -> Option<Config> {
    let b = &book.value.book;
    let title = texts.text(file, "book.title", &b.title);
    let description = texts.optional(file, "book.description", b.description.as_ref());
    let notice = texts.optional(file, "book.notice", b.notice.as_ref());
    let mut ok = true;
    if let Some(theme) = &b.theme
        && !crate::ids::is_valid_id(theme.get_ref())
    {
        texts.error(file, theme.span(), "book.theme", format!("invalid theme name `{}`", theme.get_ref()));
        ok = false;
    }
    let base_url = b.base_url.as_ref().map(|u| {
        let url = u.get_ref().clone();
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            texts.error(
                file,
                u.span(),
                "book.base-url",
                format!("base-url `{url}` must start with https:// or http://"),
            );
            ok = false;
        }
        if url.ends_with('/') { url } else { format!("{url}/") }
    });
    let output_dir = match &book.value.build.output_dir {
        Some(dir) => {
            let p = PathBuf::from(dir.get_ref());
            let escapes = p.is_absolute() || p.components().any(|c| !matches!(c, std::path::Component::Normal(_)));
            if escapes || dir.get_ref().is_empty() {
                texts.error(
                    file,
                    dir.span(),
                    "build.output-dir",
                    format!("output-dir `{}` must be a folder inside the site, such as `public`", dir.get_ref()),
                );
                ok = false;
            }
            p
        }
        None => PathBuf::from("public"),
    };
    let reserved = ["content", "themes", "i18n", ".git", "book.toml"];
    if let Some(first) = output_dir.components().next()
        && reserved.iter().any(|r| first.as_os_str() == *r)
        && let Some(dir) = &book.value.build.output_dir
    {
        texts.error(
            file,
            dir.span(),
            "build.output-dir",
            format!("output-dir `{}` would overwrite the site's sources", dir.get_ref()),
        );
        ok = false;
    }
    let (title, description, notice) = (title?, description?, notice?);
    ok.then(|| Config {
        title,
        description,
        notice,
        languages: texts.languages.to_vec(),
        theme: b.theme.as_ref().map(|t| t.get_ref().clone()),
        base_url,
        output_dir,
        minify: book.value.build.minify.unwrap_or(true),
        allow_html: book.value.build.allow_html.unwrap_or(false),
        search: book.value.search.enabled.unwrap_or(true),
        i18n: texts.translations.map(|t| t.options.clone()).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes() {
        for ok in ["ja", "en", "pt-br", "zh-hant"] {
            assert!(is_lang_code(ok), "{ok}");
        }
        for bad in ["", "j", "JA", "english", "ja_JP", "en-"] {
            assert!(!is_lang_code(bad), "{bad}");
        }
    }
}
