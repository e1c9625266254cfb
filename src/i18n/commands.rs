//! `vlsc-docs i18n status | accept | export | import`: the translation workflow on the command
//! line. Thin over the inventory, the lock and XLIFF; every write is atomic.

use super::xliff::{self, Only};
use super::{Inventory, LOCK_FILE, Lock, State, Tracker, UnitKind, lock::file_key, source_hash, write_atomic};
use crate::diag::Diagnostics;
use clap::{Subcommand, ValueEnum};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum I18nCommand {
    /// Per language, how many texts are up to date, outdated and missing, and where.
    Status {
        /// The site folder, holding book.toml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Exit with code 1 if any translation is outdated or missing (for CI).
        #[arg(long)]
        check: bool,
    },
    /// Mark the translations of these files (default: all) as reviewed and up to date.
    Accept {
        /// The site folder, holding book.toml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Only this language (default: every language but the source).
        #[arg(long)]
        lang: Option<String>,
        /// Files or folders (relative to the current folder or to the site) whose texts to accept.
        paths: Vec<PathBuf>,
    },
    /// Write the texts of a language as XLIFF 1.2 for translators.
    Export {
        /// The site folder, holding book.toml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The target language.
        #[arg(long)]
        lang: String,
        /// Only texts in these states: `outdated`, `missing`, `up-to-date`, comma-separated.
        #[arg(long)]
        only: Option<String>,
        /// The XLIFF file to write.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Write the translations of an XLIFF file back into the site and mark them up to date.
    Import {
        /// The site folder, holding book.toml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The XLIFF 1.2 file, as exported and translated.
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(command: I18nCommand) -> ExitCode {
    let result = match command {
        I18nCommand::Status { root, format, check } => status(&root, format, check),
        I18nCommand::Accept { root, lang, paths } => accept(&root, lang.as_deref(), &paths),
        I18nCommand::Export { root, lang, only, output } => export(&root, &lang, only.as_deref(), &output),
        I18nCommand::Import { root, file } => import(&root, &file),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Content(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
        Err(Failure::Diagnostics(diags)) => {
            eprint!("{}", diags.for_terminal());
            eprintln!("error: the site has {} error(s); fix them first", diags.error_count());
            ExitCode::from(1)
        }
    }
}

enum Failure {
    /// Wrong arguments or not a site (exit code 2).
    Usage(String),
    /// A problem with the files (exit code 1).
    Content(String),
    Diagnostics(Diagnostics),
}

/// A site opened for the commands: every text compared with the lock (an empty one when the
/// site has none, so that every translation counts as unconfirmed).
struct Opened {
    root: PathBuf,
    tracker: Tracker,
    lock: Lock,
    has_lock: bool,
    /// The lock file's text, to write it only when it changes.
    lock_text: Option<String>,
}

fn open(root: &Path) -> Result<Opened, Failure> {
    let (raw, mut diags) = match crate::load::load_site(root) {
        Ok(r) => r,
        Err(crate::load::LoadError::NoBook(p)) => {
            return Err(Failure::Usage(crate::load::LoadError::NoBook(p).to_string()));
        }
        Err(crate::load::LoadError::Content(d)) => return Err(Failure::Diagnostics(d)),
    };
    let languages = crate::config::languages(&raw.book, &mut diags);
    let options = languages.as_ref().and_then(|l| super::options(&raw, l, &mut diags));
    let lock = raw.translations_lock.as_ref().and_then(|f| Lock::parse(f, &mut diags));
    let (Some(languages), Some(options)) = (languages, options) else { return Err(Failure::Diagnostics(diags)) };
    if diags.has_errors() {
        return Err(Failure::Diagnostics(diags));
    }
    let codes: Vec<String> = languages.iter().map(|l| l.code.clone()).collect();
    let inventory = super::scan(&raw, &codes, options.source);
    let has_lock = raw.translations_lock.is_some();
    let lock = lock.unwrap_or_default();
    let tracker = Tracker::new(inventory, Some(&lock), options);
    let lock_text = raw.translations_lock.map(|f| f.text.to_string());
    Ok(Opened { root: root.to_path_buf(), tracker, lock, has_lock, lock_text })
}

impl Opened {
    fn inventory(&self) -> &Inventory {
        &self.tracker.inventory
    }

    fn lang_index(&self, code: &str) -> Result<usize, Failure> {
        let inv = self.inventory();
        match inv.languages.iter().position(|l| l == code) {
            Some(i) if i == inv.source => {
                Err(Failure::Usage(format!("`{code}` is the source language: choose a language to translate into")))
            }
            Some(i) => Ok(i),
            None => Err(Failure::Usage(format!(
                "unknown language `{code}` (book.toml lists {})",
                inv.languages.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// Writes the lock if it changed; returns whether it did.
    fn save_lock(&self, lock: &Lock) -> Result<bool, Failure> {
        let text = lock.to_toml();
        if self.lock_text.as_deref() == Some(text.as_str()) {
            return Ok(false);
        }
        let path = self.root.join(LOCK_FILE);
        write_atomic(&path, text.as_bytes())
            .map_err(|e| Failure::Content(format!("cannot write {}: {e}", path.display())))?;
        Ok(true)
    }
}

/// One text of a language in the status report.
#[derive(serde::Serialize)]
struct Entry {
    file: String,
    line: usize,
    key: String,
    state: State,
}

#[derive(serde::Serialize)]
struct LanguageStatus {
    lang: String,
    up_to_date: usize,
    outdated: usize,
    missing: usize,
    /// Every outdated or missing text.
    texts: Vec<Entry>,
}

#[derive(serde::Serialize)]
struct StatusReport {
    source: String,
    lock: bool,
    languages: Vec<LanguageStatus>,
}

fn report(opened: &Opened) -> StatusReport {
    let inv = opened.inventory();
    let mut languages = Vec::new();
    for (lang, code) in inv.languages.iter().enumerate().filter(|(i, _)| *i != inv.source) {
        let mut s = LanguageStatus { lang: code.clone(), up_to_date: 0, outdated: 0, missing: 0, texts: Vec::new() };
        for (unit, states) in inv.units.iter().zip(&opened.tracker.states) {
            let state = states[lang];
            match state {
                State::UpToDate => {
                    s.up_to_date += 1;
                    continue;
                }
                State::Outdated | State::Unconfirmed => s.outdated += 1,
                State::Missing => s.missing += 1,
            }
            let at = unit.values[lang].as_ref().unwrap_or(unit.source());
            s.texts.push(Entry { file: file_key(&at.path), line: at.line, key: unit.display_key(code), state });
        }
        languages.push(s);
    }
    StatusReport { source: inv.languages[inv.source].clone(), lock: opened.has_lock, languages }
}

fn status(root: &Path, format: Format, check: bool) -> Result<ExitCode, Failure> {
    let opened = open(root)?;
    let report = report(&opened);
    match format {
        Format::Json => {
            let json = serde_json::to_string_pretty(&report)
                .map_err(|e| Failure::Content(format!("cannot write the report: {e}")))?;
            out(&format!("{json}\n"));
        }
        Format::Text => {
            let mut text = String::new();
            for l in &report.languages {
                text.push_str(&format!(
                    "{} (from {}): {} up to date, {} outdated, {} missing\n",
                    l.lang, report.source, l.up_to_date, l.outdated, l.missing
                ));
                for e in &l.texts {
                    let what = match e.state {
                        State::Outdated => {
                            format!("outdated: the `{}` text changed since it was confirmed", report.source)
                        }
                        State::Unconfirmed => "outdated: never confirmed".to_string(),
                        State::Missing => "missing".to_string(),
                        State::UpToDate => continue,
                    };
                    text.push_str(&format!("  {}:{}: {}: {what}\n", e.file, e.line, e.key));
                }
            }
            if !report.lock {
                text.push_str(&format!(
                    "note: no {LOCK_FILE} yet: no translation is confirmed; review them, then run `vlsc-docs i18n accept`\n"
                ));
            }
            out(&text);
        }
    }
    let bad: usize = report.languages.iter().map(|l| l.outdated + l.missing).sum();
    if check && bad > 0 {
        eprintln!("error: {bad} translation(s) outdated or missing");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints to standard output; a closed pipe (`| head`) is not an error worth a panic.
fn out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// `paths` as paths relative to the site root.
fn site_paths(root: &Path, paths: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let canonical_root =
        std::fs::canonicalize(root).map_err(|e| Failure::Usage(format!("cannot read {}: {e}", root.display())))?;
    paths
        .iter()
        .map(|p| {
            let from_cwd =
                std::fs::canonicalize(p).ok().and_then(|c| c.strip_prefix(&canonical_root).ok().map(Path::to_path_buf));
            let from_root = || {
                std::fs::canonicalize(root.join(p))
                    .ok()
                    .and_then(|c| c.strip_prefix(&canonical_root).ok().map(Path::to_path_buf))
            };
            from_cwd.or_else(from_root).ok_or_else(|| {
                Failure::Usage(format!("{} is not a file or folder of the site {}", p.display(), root.display()))
            })
        })
        .collect()
}

fn accept(root: &Path, lang: Option<&str>, paths: &[PathBuf]) -> Result<ExitCode, Failure> {
    let opened = open(root)?;
    let inv = opened.inventory();
    let only_lang = lang.map(|l| opened.lang_index(l)).transpose()?;
    let scope = site_paths(root, paths)?;
    let in_scope = |p: &Path| scope.is_empty() || scope.iter().any(|s| s.as_os_str().is_empty() || p.starts_with(s));
    let mut lock = opened.lock.clone();
    let mut accepted: BTreeMap<&str, usize> = BTreeMap::new();
    let mut matched = vec![false; scope.len()];
    for unit in &inv.units {
        let hash = source_hash(&unit.source().text);
        for (lang, value) in unit.values.iter().enumerate() {
            if lang == inv.source || only_lang.is_some_and(|l| l != lang) {
                continue;
            }
            let code = &inv.languages[lang];
            let paths_here = [Some(unit.file.as_path()), value.as_ref().map(|v| v.path.as_path())];
            for (i, s) in scope.iter().enumerate() {
                if paths_here.iter().flatten().any(|p| p.starts_with(s)) {
                    matched[i] = true;
                }
            }
            if !paths_here.iter().flatten().any(|p| in_scope(p)) {
                continue;
            }
            match value {
                Some(_) => {
                    if lock.get(code, &unit.file, &unit.key) != Some(hash.as_str()) {
                        *accepted.entry(code).or_default() += 1;
                    }
                    lock.set(code, &unit.file, &unit.key, hash.clone());
                }
                None => lock.remove(code, &unit.file, &unit.key),
            }
        }
    }
    if let Some(i) = matched.iter().position(|m| !m) {
        return Err(Failure::Usage(format!("{} holds no text of the site", scope[i].display())));
    }
    // Entries of texts that no longer exist, or of languages no longer listed, go.
    let live: std::collections::BTreeSet<(String, String)> =
        inv.units.iter().map(|u| (file_key(&u.file), u.key.clone())).collect();
    lock.retain(|l, f, k| {
        inv.languages.iter().position(|c| c == l).is_some_and(|i| i != inv.source)
            && live.contains(&(f.to_string(), k.to_string()))
    });
    let written = opened.save_lock(&lock)?;
    let total: usize = accepted.values().sum();
    let per_lang = accepted.iter().map(|(l, n)| format!("{n} {l}")).collect::<Vec<_>>().join(", ");
    match (total, written) {
        (0, false) => out(&format!("nothing to accept: {LOCK_FILE} is up to date\n")),
        (0, true) => out(&format!("{LOCK_FILE} updated (entries of removed texts dropped)\n")),
        _ => out(&format!("accepted {total} translation(s) ({per_lang}) → {LOCK_FILE}\n")),
    }
    Ok(ExitCode::SUCCESS)
}

fn export(root: &Path, lang: &str, only: Option<&str>, output: &Path) -> Result<ExitCode, Failure> {
    let opened = open(root)?;
    let lang = opened.lang_index(lang)?;
    let only = match only {
        Some(s) => Only::parse(s).map_err(Failure::Usage)?,
        None => Only::ALL,
    };
    let (xml, count) = xliff::export(opened.inventory(), &opened.tracker.states, lang, only)
        .map_err(|bad| Failure::Content(format!("{}\nnothing was exported", bad.join("\n"))))?;
    write_atomic(output, xml.as_bytes())
        .map_err(|e| Failure::Content(format!("cannot write {}: {e}", output.display())))?;
    out(&format!("exported {count} text(s) of `{}` → {}\n", opened.inventory().languages[lang], output.display()));
    Ok(ExitCode::SUCCESS)
}

/// A translation to write: the unit (an index into the inventory) and its new text.
struct Edit {
    unit: usize,
    text: String,
    /// Whether the translator marked it done (it is then confirmed in the lock).
    confirm: bool,
}

fn import(root: &Path, file: &Path) -> Result<ExitCode, Failure> {
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
                _ => page_file_for(&unit.file, source, &code),
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

/// `content/pages/x.ja.md` → `content/pages/x.en.md`.
fn page_file_for(source_file: &Path, source: &str, lang: &str) -> PathBuf {
    let name = source_file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = name.strip_suffix(&format!(".{source}.md")).unwrap_or(&name);
    source_file.with_file_name(format!("{stem}.{lang}.md"))
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
