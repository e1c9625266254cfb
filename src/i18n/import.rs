//! `vlsc-docs i18n import`: the targets of an XLIFF file written back into the site's TOML and
//! Markdown files — only the values change (toml_edit keeps comments, key order, formatting and,
//! where the text allows, each string's style) — and confirmed in the lock. Every file's new text
//! is made in memory before anything is written, then each is written atomically.

use super::commands::{Failure, open, out};
use super::xliff;
use super::{UnitKind, lock::file_key, source_hash, write_atomic};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// A translation to write: the unit (an index into the inventory) and its new text.
struct Edit {
    unit: usize,
    text: String,
    /// Whether the translator marked it done (it is then confirmed in the lock).
    confirm: bool,
}

pub(super) fn import(root: &Path, file: &Path) -> Result<ExitCode, Failure> {
    let text =
        std::fs::read_to_string(file).map_err(|e| Failure::Usage(format!("cannot read {}: {e}", file.display())))?;
    let imported = xliff::parse(&text)
        .map_err(|e| Failure::Content(format!("{}: malformed XLIFF, {e}; nothing was written", file.display())))?;
    let opened = open(root)?;
    let inv = opened.inventory();
    let source = &inv.languages[inv.source];
    if imported.source_language.as_deref().is_some_and(|s| s != source) {
        return Err(Failure::Content(format!(
            "{}: the source language is `{}`, the site's is `{source}`; nothing was written",
            file.display(),
            imported.source_language.unwrap_or_default()
        )));
    }
    let Some(target) = imported.target_language.as_deref() else {
        return Err(Failure::Content(format!("{}: no target-language; nothing was written", file.display())));
    };
    let lang = opened.lang_index(target)?;
    let code = inv.languages[lang].clone();

    let by_key: BTreeMap<(String, &str), usize> =
        inv.units.iter().enumerate().map(|(i, u)| ((file_key(&u.file), u.key.as_str()), i)).collect();
    let mut refused = Vec::new();
    let mut edits: BTreeMap<usize, Edit> = BTreeMap::new();
    let mut untranslated = 0;
    for u in &imported.units {
        let at = format!("{}:{}: {} {}", file.display(), u.line, u.file, u.key);
        let Some(&i) = by_key.get(&(u.file.clone(), u.key.as_str())) else {
            refused.push(format!("{at}: no such text in the site"));
            continue;
        };
        if let Some(tag) = &u.inline_markup {
            refused.push(format!("{at}: inline markup {tag} is not supported: keep Markdown as plain text"));
            continue;
        }
        if u.source.replace("\r\n", "\n") != inv.units[i].source().text.replace("\r\n", "\n") {
            refused.push(format!("{at}: the `{source}` text changed since the export: export it again"));
            continue;
        }
        let Some(target) = u.target.as_ref().filter(|t| !t.is_empty()) else {
            untranslated += 1;
            continue;
        };
        let confirm = !u.state.as_deref().is_some_and(|s| s.starts_with("needs-") || s == "new");
        edits.insert(i, Edit { unit: i, text: target.clone(), confirm });
    }

    // Every file's new text is made in memory first; then each is written atomically.
    let mut files: BTreeMap<PathBuf, (Option<String>, String)> = BTreeMap::new();
    let mut changed = 0;
    let mut problems = Vec::new();
    for edit in edits.values() {
        let unit = &inv.units[edit.unit];
        if unit.values[lang].as_ref().is_some_and(|v| v.text == edit.text) {
            continue;
        }
        let dest = match &unit.values[lang] {
            Some(v) => v.path.clone(),
            None => match unit.kind {
                UnitKind::Toml => unit.file.clone(),
                _ => unit.page_file(source, &code),
            },
        };
        let entry = match files.entry(dest.clone()) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(v) => {
                let current = match std::fs::read_to_string(opened.root.join(&dest)) {
                    Ok(t) => Some(t),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(e) => {
                        return Err(Failure::Content(format!(
                            "cannot read {}: {e}; nothing was written",
                            dest.display()
                        )));
                    }
                };
                let new = current.clone().unwrap_or_default();
                v.insert((current, new))
            }
        };
        match apply(&entry.1, unit, &edit.text, &inv.languages, &code) {
            Ok(new) => {
                entry.1 = new;
                changed += 1;
            }
            Err(why) => problems.push(format!("{}: {}: {why}", dest.display(), unit.key)),
        }
    }
    if !problems.is_empty() {
        return Err(Failure::Content(format!("{}\nnothing was written", problems.join("\n"))));
    }
    let mut lock = opened.lock.clone();
    let mut confirmed = 0;
    for edit in edits.values().filter(|e| e.confirm) {
        let unit = &inv.units[edit.unit];
        lock.set(&code, &unit.file, &unit.key, source_hash(&unit.source().text));
        confirmed += 1;
    }
    for (dest, (before, after)) in &files {
        if before.as_deref() != Some(after.as_str()) {
            let path = opened.root.join(dest);
            write_atomic(&path, after.as_bytes())
                .map_err(|e| Failure::Content(format!("cannot write {}: {e}", path.display())))?;
        }
    }
    opened.save_lock(&lock)?;
    out(&format!(
        "imported {} unit(s) of `{code}`: {changed} translation(s) written, {confirmed} confirmed, {untranslated} without a translation, {} refused\n",
        imported.units.len(),
        refused.len()
    ));
    for r in &refused {
        eprintln!("refused: {r}");
    }
    Ok(if refused.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `text` (a file's contents; empty for a page file that does not exist yet) with the translation
/// of `unit` in `lang` set to `value`, formatting and comments kept.
fn apply(text: &str, unit: &super::Unit, value: &str, languages: &[String], lang: &str) -> Result<String, String> {
    match unit.kind {
        UnitKind::Toml => {
            let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("cannot parse the file: {e}"))?;
            let mut found = false;
            super::scan::for_each_localized_mut(&mut doc, languages, &mut |key, table| {
                if key == unit.key {
                    set_string(table, lang, value);
                    found = true;
                }
            });
            if !found {
                return Err("the text is no longer in the file".to_string());
            }
            Ok(doc.to_string())
        }
        UnitKind::PageBody | UnitKind::PageTitle | UnitKind::PageDescription => {
            let (front_start, front_end, body_start) = if text.is_empty() {
                (4, 4, 8)
            } else {
                split_page(text).ok_or("the page has no `+++` front matter")?
            };
            let (head, front, body) = if text.is_empty() {
                ("+++\n".to_string(), String::new(), String::new())
            } else {
                (
                    text[..front_start].to_string(),
                    text[front_start..front_end].to_string(),
                    text[body_start..].to_string(),
                )
            };
            let closing = if text.is_empty() { "+++\n".to_string() } else { text[front_end..body_start].to_string() };
            match unit.kind {
                UnitKind::PageBody => Ok(format!("{head}{front}{closing}{value}")),
                _ => {
                    let mut doc: toml_edit::DocumentMut =
                        front.parse().map_err(|e| format!("cannot parse the front matter: {e}"))?;
                    let key = if unit.kind == UnitKind::PageTitle { "title" } else { "description" };
                    set_string(doc.as_table_mut(), key, value);
                    Ok(format!("{head}{doc}{closing}{body}"))
                }
            }
        }
    }
}

/// Sets a string value, keeping the whitespace and comments around the one it replaces.
fn set_string(table: &mut dyn toml_edit::TableLike, key: &str, value: &str) {
    match table.get_mut(key) {
        Some(item) => {
            let old_repr = match item.as_value() {
                Some(toml_edit::Value::String(f)) => f.as_repr().and_then(|r| r.as_raw().as_str()),
                _ => None,
            };
            let mut new = same_style(old_repr, value).unwrap_or_else(|| toml_edit::Value::from(value));
            if let Some(old) = item.as_value() {
                *new.decor_mut() = old.decor().clone();
            }
            *item = toml_edit::Item::Value(new);
        }
        None => {
            table.insert(key, toml_edit::Item::Value(toml_edit::Value::from(value)));
        }
    }
}

/// `value` as a TOML string written in the style of `old` (a literal `'…'` or multi-line
/// literal `'''…'''` string stays one when the new text allows it), so that an import changes
/// no more of the line than the text. `None` when the style cannot hold the text.
fn same_style(old: Option<&str>, value: &str) -> Option<toml_edit::Value> {
    let old = old?;
    let plain = !value.chars().any(|c| c.is_control() && c != '\t' && c != '\n');
    let repr = if let Some(rest) = old.strip_prefix("'''") {
        if !plain || value.contains("'''") || value.ends_with('\'') {
            return None;
        }
        let newline = rest.starts_with('\n') || rest.starts_with("\r\n") || value.starts_with('\n');
        format!("'''{}{value}'''", if newline { "\n" } else { "" })
    } else if old.starts_with('\'') {
        if !plain || value.contains('\'') || value.contains('\n') {
            return None;
        }
        format!("'{value}'")
    } else if let Some(rest) = old.strip_prefix("\"\"\"") {
        let newline = rest.starts_with('\n') || rest.starts_with("\r\n") || value.starts_with('\n');
        format!("\"\"\"{}{}\"\"\"", if newline { "\n" } else { "" }, basic_escape(value, true))
    } else if old.starts_with('"') {
        format!("\"{}\"", basic_escape(value, false))
    } else {
        return None;
    };
    let parsed: toml_edit::Value = repr.parse().ok()?;
    (parsed.as_str() == Some(value)).then_some(parsed)
}

/// The inside of a TOML basic string (`multi_line`: newlines kept as they are).
fn basic_escape(value: &str, multi_line: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if multi_line => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A page file's front matter and body: (front matter start, its end — where the closing `+++`
/// line starts —, body start).
fn split_page(text: &str) -> Option<(usize, usize, usize)> {
    let front_start = super::scan::front_matter_offset(text);
    let mut pos = front_start;
    for line in text[front_start..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Some((front_start, pos, pos + line.len()));
        }
        pos += line.len();
    }
    None
}
