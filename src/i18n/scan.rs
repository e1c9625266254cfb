//! Finding every localized text of a site, with a stable key, in the files `load` read.

use crate::diag::SourceFile;
use crate::load::RawSite;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use toml_edit::{Item, TableLike};

/// Every localized text of a site.
#[derive(Debug, Clone)]
pub struct Inventory {
    /// The site's language codes, in `book.toml` order.
    pub languages: Vec<String>,
    /// Index of the source language.
    pub source: usize,
    /// In file order, then in the order of the file.
    pub units: Vec<Unit>,
    /// The text of every file holding a unit, to locate them.
    pub files: std::collections::HashMap<PathBuf, std::sync::Arc<str>>,
}

/// Where a text lives: a TOML table of languages, or a part of a page's language files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    Toml,
    PageTitle,
    PageDescription,
    PageBody,
}

/// One localized text.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The file of the source-language text, relative to the site.
    pub file: PathBuf,
    /// Its key path in that file (`steps.sign-in.text`, `sections[2].text`, `body`).
    pub key: String,
    pub kind: UnitKind,
    /// Per language index; the source language's is always there.
    pub values: Vec<Option<Value>>,
    /// For pages: the page id, to name the file of a language that has none yet.
    pub page: Option<String>,
    /// Index of the source language in `values`.
    pub source: usize,
}

impl Unit {
    /// The source-language text (units are only made with one; `EMPTY` is never returned).
    /// For a page's text, the file of its `lang` version: `content/pages/x.ja.md` →
    /// `content/pages/x.en.md` (`source` is the source language's code).
    pub fn page_file(&self, source: &str, lang: &str) -> PathBuf {
        let name = self.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let stem = name.strip_suffix(&format!(".{source}.md")).unwrap_or(&name);
        self.file.with_file_name(format!("{stem}.{lang}.md"))
    }

    /// The key of the text in `lang`, as diagnostics name it: the TOML key of the value
    /// (`steps.sign-in.text.en`), or the part of the page file (`title`, `body`).
    pub fn display_key(&self, lang: &str) -> String {
        match self.kind {
            UnitKind::Toml => format!("{}.{lang}", self.key),
            _ => self.key.clone(),
        }
    }

    pub fn source(&self) -> &Value {
        self.values.get(self.source).and_then(Option::as_ref).unwrap_or(&EMPTY)
    }
}

static EMPTY: Value = Value { text: String::new(), path: PathBuf::new(), span: 0..0, line: 0 };

/// A text in one language and where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub text: String,
    pub path: PathBuf,
    /// Byte range of the value in the file (for TOML strings, with their quotes).
    pub span: Range<usize>,
    /// 1-based line of the value.
    pub line: usize,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// Finds every localized text in the files of `raw`. `languages` are the site's codes and
/// `source` the index of the source language; texts without a source-language value are left
/// out (`model` reports them).
pub fn scan(raw: &RawSite, languages: &[String], source: usize) -> Inventory {
    let mut units = Vec::new();
    let mut tomls: Vec<&SourceFile> = vec![&raw.book.file];
    tomls.extend(raw.sections.iter().filter_map(|s| s.file.as_ref()).map(|f| &f.file));
    tomls.extend(raw.procedures.iter().map(|p| &p.file));
    tomls.extend(raw.scenarios.iter().map(|s| &s.file));
    tomls.extend(raw.snippets.iter().map(|s| &s.file));
    tomls.extend(raw.selector.iter().map(|s| &s.file));
    for file in tomls {
        scan_toml(file, languages, source, &mut units);
    }
    scan_pages(raw, languages, source, &mut units);
    let mut files = std::collections::HashMap::new();
    for f in std::iter::once(&raw.book.file)
        .chain(raw.sections.iter().filter_map(|s| s.file.as_ref()).map(|f| &f.file))
        .chain(raw.procedures.iter().map(|p| &p.file))
        .chain(raw.scenarios.iter().map(|s| &s.file))
        .chain(raw.snippets.iter().map(|s| &s.file))
        .chain(raw.selector.iter().map(|s| &s.file))
        .chain(raw.pages.iter().map(|p| &p.file))
    {
        files.insert(f.path.clone(), std::sync::Arc::clone(&f.text));
    }
    Inventory { languages: languages.to_vec(), source, units, files }
}

fn scan_toml(file: &SourceFile, languages: &[String], source: usize, units: &mut Vec<Unit>) {
    // The file parsed once already (`load`); a file that does not parse has been reported.
    let Ok(doc) = toml_edit::Document::parse(&*file.text) else { return };
    let mut found = Vec::new();
    walk_table(doc.as_table(), "", languages, &mut found);
    for (key, table) in found {
        let values: Vec<Option<Value>> = languages
            .iter()
            .map(|code| {
                let item = table.get(code)?;
                let text = item.as_str()?.to_string();
                let span = item.span().unwrap_or(0..0);
                Some(Value { text, path: file.path.clone(), line: line_of(&file.text, span.start), span })
            })
            .collect();
        if values.get(source).is_some_and(Option::is_some) {
            units.push(Unit { file: file.path.clone(), key, kind: UnitKind::Toml, values, page: None, source });
        }
    }
}

/// Whether a table is a localized text: only language codes as keys, and strings as values.
fn is_localized(t: &dyn TableLike, languages: &[String]) -> bool {
    !t.is_empty() && t.iter().all(|(k, v)| languages.iter().any(|l| l == k) && v.as_str().is_some())
}

/// How an entry of an array is named in a key path: by its `id` when it has a valid one (so that
/// reordering keeps the key), else by its index.
pub(super) fn entry_label(id: Option<&str>, index: usize) -> String {
    match id.filter(|id| crate::ids::is_valid_id(id)) {
        Some(id) => format!(".{id}"),
        None => format!("[{index}]"),
    }
}

pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn walk_table<'a>(t: &'a dyn TableLike, path: &str, langs: &[String], out: &mut Vec<(String, &'a dyn TableLike)>) {
    if !path.is_empty() && is_localized(t, langs) {
        out.push((path.to_string(), t));
        return;
    }
    for (k, item) in t.iter() {
        walk_item(item, &join(path, k), langs, out);
    }
}

fn walk_item<'a>(item: &'a Item, path: &str, langs: &[String], out: &mut Vec<(String, &'a dyn TableLike)>) {
    match item {
        Item::Table(t) => walk_table(t, path, langs, out),
        Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                let label = entry_label(t.get("id").and_then(Item::as_str), i);
                walk_table(t, &format!("{path}{label}"), langs, out);
            }
        }
        Item::Value(v) => walk_value(v, path, langs, out),
        Item::None => {}
    }
}

fn walk_value<'a>(v: &'a toml_edit::Value, path: &str, langs: &[String], out: &mut Vec<(String, &'a dyn TableLike)>) {
    match v {
        toml_edit::Value::InlineTable(t) => walk_table(t, path, langs, out),
        toml_edit::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                let id = v.as_inline_table().and_then(|t| t.get("id")).and_then(toml_edit::Value::as_str);
                walk_value(v, &format!("{path}{}", entry_label(id, i)), langs, out);
            }
        }
        _ => {}
    }
}

/// Calls `f` with every localized table of a mutable document and its key path (the same paths
/// as [`scan`]).
pub(super) fn for_each_localized_mut(
    doc: &mut toml_edit::DocumentMut,
    langs: &[String],
    f: &mut dyn FnMut(&str, &mut dyn TableLike),
) {
    walk_table_mut(doc.as_table_mut(), "", langs, f);
}

fn walk_table_mut(t: &mut dyn TableLike, path: &str, langs: &[String], f: &mut dyn FnMut(&str, &mut dyn TableLike)) {
    if !path.is_empty() && is_localized(t, langs) {
        f(path, t);
        return;
    }
    for (k, item) in t.iter_mut() {
        walk_item_mut(item, &join(path, k.get()), langs, f);
    }
}

fn walk_item_mut(item: &mut Item, path: &str, langs: &[String], f: &mut dyn FnMut(&str, &mut dyn TableLike)) {
    match item {
        Item::Table(t) => walk_table_mut(t, path, langs, f),
        Item::ArrayOfTables(a) => {
            for (i, t) in a.iter_mut().enumerate() {
                let label = entry_label(t.get("id").and_then(Item::as_str), i);
                walk_table_mut(t, &format!("{path}{label}"), langs, f);
            }
        }
        Item::Value(v) => walk_value_mut(v, path, langs, f),
        Item::None => {}
    }
}

fn walk_value_mut(v: &mut toml_edit::Value, path: &str, langs: &[String], f: &mut dyn FnMut(&str, &mut dyn TableLike)) {
    match v {
        toml_edit::Value::InlineTable(t) => walk_table_mut(t, path, langs, f),
        toml_edit::Value::Array(a) => {
            for (i, v) in a.iter_mut().enumerate() {
                let id = v.as_inline_table().and_then(|t| t.get("id")).and_then(toml_edit::Value::as_str);
                let label = entry_label(id, i);
                walk_value_mut(v, &format!("{path}{label}"), langs, f);
            }
        }
        _ => {}
    }
}

/// The byte offset where a page file's front matter starts (after `+++` and its line end).
pub(super) fn front_matter_offset(text: &str) -> usize {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    text[start..].find('\n').map_or(start, |i| start + i + 1)
}

fn scan_pages(raw: &RawSite, languages: &[String], source: usize, units: &mut Vec<Unit>) {
    let mut by_id: BTreeMap<&str, Vec<Option<&crate::load::RawPageFile>>> = BTreeMap::new();
    for p in &raw.pages {
        let Some(i) = languages.iter().position(|l| *l == p.lang) else { continue };
        by_id.entry(&p.id).or_insert_with(|| vec![None; languages.len()])[i] = Some(p);
    }
    for (id, files) in by_id {
        let Some(Some(src)) = files.get(source) else { continue };
        let parts: [(&str, UnitKind); 3] =
            [("title", UnitKind::PageTitle), ("description", UnitKind::PageDescription), ("body", UnitKind::PageBody)];
        for (key, kind) in parts {
            let value_of = |f: &crate::load::RawPageFile| -> Option<Value> {
                let (text, span) = match kind {
                    UnitKind::PageBody => (f.file.text[f.body_offset..].to_string(), f.body_offset..f.file.text.len()),
                    UnitKind::PageTitle | UnitKind::PageDescription => {
                        let s = if kind == UnitKind::PageTitle {
                            Some(&f.front.title)
                        } else {
                            f.front.description.as_ref()
                        }?;
                        let base = front_matter_offset(&f.file.text);
                        (s.get_ref().clone(), base + s.span().start..base + s.span().end)
                    }
                    UnitKind::Toml => return None,
                };
                Some(Value { text, path: f.file.path.clone(), line: line_of(&f.file.text, span.start), span })
            };
            if value_of(src).is_none() {
                continue;
            }
            let values = files.iter().map(|f| f.and_then(value_of)).collect();
            units.push(Unit {
                file: src.file.path.clone(),
                key: key.to_string(),
                kind,
                values,
                page: Some(id.to_string()),
                source,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The key paths and source texts `scan` finds in a TOML file of a `ja`/`en` site.
    fn check(toml: &str, expected: &[(&str, &str, Option<&str>)]) {
        let file = SourceFile { path: PathBuf::from("content/x.toml"), text: toml.into() };
        let mut units = Vec::new();
        scan_toml(&file, &["ja".to_string(), "en".to_string()], 0, &mut units);
        let found: Vec<(String, String, Option<String>)> = units
            .iter()
            .map(|u| (u.key.clone(), u.source().text.clone(), u.values[1].as_ref().map(|v| v.text.clone())))
            .collect();
        let expected: Vec<(String, String, Option<String>)> =
            expected.iter().map(|(k, s, t)| (k.to_string(), s.to_string(), t.map(str::to_string))).collect();
        assert_eq!(found, expected, "{toml}");
    }

    #[test]
    fn keys_name_array_entries_by_id_else_by_position() {
        check("title = { ja = \"題\", en = \"Title\" }", &[("title", "題", Some("Title"))]);
        check(
            "[[steps]]\nid = \"open\"\ntext = { ja = \"開く\", en = \"Open\" }\n[[steps]]\ntext.ja = '''\n閉じる\n'''\n",
            &[("steps.open.text", "開く", Some("Open")), ("steps[1].text", "閉じる\n", None)],
        );
        check(
            "[[steps]]\nid = \"a\"\ntext = { ja = \"あ\", en = \"A\" }\nsubsteps = [{ id = \"b\", text = { ja = \"い\", en = \"B\" } }, { text = { ja = \"う\" } }]\n",
            &[
                ("steps.a.text", "あ", Some("A")),
                ("steps.a.substeps.b.text", "い", Some("B")),
                ("steps.a.substeps[1].text", "う", None),
            ],
        );
        check(
            "[questions.what]\ntext = { ja = \"何\", en = \"What\" }\nanswers = [{ text = { ja = \"これ\", en = \"This\" }, page = \"p\" }]\n",
            &[("questions.what.text", "何", Some("What")), ("questions.what.answers[0].text", "これ", Some("This"))],
        );
        // Not localized texts: other keys beside the languages, non-string values, an invalid id.
        check(
            "a = { ja = \"x\", note = \"y\" }\nb = { ja = 1 }\n[[s]]\nid = \"Bad Id\"\nt = { ja = \"z\" }\n",
            &[("s[0].t", "z", None)],
        );
        // Without a source-language value there is nothing to translate (model reports it).
        check("title = { en = \"Only English\" }", &[]);
    }

    #[test]
    fn spans_point_at_the_values() {
        let text = "title = { ja = \"題\", en = \"Title\" }\n";
        let file = SourceFile { path: PathBuf::from("x.toml"), text: text.into() };
        let mut units = Vec::new();
        scan_toml(&file, &["ja".to_string(), "en".to_string()], 0, &mut units);
        let u = &units[0];
        assert_eq!(&text[u.source().span.clone()], "\"題\"");
        assert_eq!(u.values[1].as_ref().map(|v| &text[v.span.clone()]), Some("\"Title\""));
    }
}
