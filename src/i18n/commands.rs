//! `vlsc-docs i18n status | accept | export | import`: the translation workflow on the command
//! line. Thin over the inventory, the lock and XLIFF; every write is atomic.

use super::xliff::{self, Only};
use super::{Inventory, LOCK_FILE, Lock, State, Tracker, lock::file_key, source_hash, write_atomic};
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
        I18nCommand::Import { root, file } => super::import::import(&root, &file),
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

pub(super) enum Failure {
    /// Wrong arguments or not a site (exit code 2).
    Usage(String),
    /// A problem with the files (exit code 1).
    Content(String),
    Diagnostics(Diagnostics),
}

/// A site opened for the commands: every text compared with the lock (an empty one when the
/// site has none, so that every translation counts as unconfirmed).
pub(super) struct Opened {
    pub(super) root: PathBuf,
    pub(super) tracker: Tracker,
    pub(super) lock: Lock,
    has_lock: bool,
    /// The lock file's text, to write it only when it changes.
    lock_text: Option<String>,
}

pub(super) fn open(root: &Path) -> Result<Opened, Failure> {
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
    pub(super) fn inventory(&self) -> &Inventory {
        &self.tracker.inventory
    }

    pub(super) fn lang_index(&self, code: &str) -> Result<usize, Failure> {
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
    pub(super) fn save_lock(&self, lock: &Lock) -> Result<bool, Failure> {
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
            // Where to write the translation: its value, or for a missing one the file that would
            // hold it (a page's own language file), at the source text's line in TOML files.
            let (file, line) = match (&unit.values[lang], unit.kind) {
                (Some(v), _) => (v.path.clone(), v.line),
                (None, super::UnitKind::Toml) => (unit.file.clone(), unit.source().line),
                (None, _) => (unit.page_file(&inv.languages[inv.source], code), 1),
            };
            s.texts.push(Entry { file: file_key(&file), line, key: unit.display_key(code), state });
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
pub(super) fn out(text: &str) {
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
