//! Translations that cannot silently go stale: which texts exist in which language, which
//! source-language text each translation was confirmed against (`translations.lock`), and the
//! round trip with translators (XLIFF 1.2).
//!
//! `scan` finds every localized text of a site in the files `load` read: in TOML files, every
//! table whose keys are all language codes of the site (`{ ja = "…", en = "…" }`); in pages, the
//! front matter's `title` and `description` and the body of `<id>.<lang>.md`. Each text gets a
//! stable key — its source file and a key path that names array entries by their `id` where they
//! have one (`steps.sign-in.text`), so that reordering steps keeps every confirmation. The
//! [`Tracker`] compares each translation with the lock and tells `model` which texts are
//! outdated; `status`, `accept`, `export` and `import` (the `vlsc-docs i18n` commands) work on the
//! same inventory.

pub mod commands;
mod import;
pub mod lock;
mod scan;
pub mod xliff;

pub use lock::Lock;
pub use scan::{Inventory, Unit, UnitKind, Value, scan};

use crate::diag::{Diagnostic, Diagnostics, Location};
use crate::ids::Lang;
use crate::load::RawSite;
use sha2::Digest;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The name of the lock file, beside `book.toml`.
pub const LOCK_FILE: &str = "translations.lock";

/// What a build does with a translation whose source text changed since it was confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OutdatedPolicy {
    #[default]
    Warn,
    Error,
}

/// What a build does with a text that has no translation in a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum MissingPolicy {
    /// An error, as for any missing text.
    #[default]
    Error,
    /// The source-language text is shown, marked with its language and a notice.
    Fallback,
}

/// `[i18n]` of `book.toml`, validated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    /// Index of the source language in `languages` (the first unless `[i18n] source` says).
    pub source: usize,
    pub outdated: OutdatedPolicy,
    pub missing: MissingPolicy,
}

/// How a text reads in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mark {
    /// Written in this language and up to date (or not tracked: the site has no lock file).
    #[default]
    Current,
    /// Translated from a source text that has changed since the translation was confirmed.
    Outdated,
    /// Not translated: the source-language text stands in (`[i18n] missing = "fallback"`).
    Fallback,
}

/// The hash a translation is confirmed against: SHA-256 of the source text with line endings
/// normalized (a checkout with CRLF line endings confirms the same text), first 16 hex digits.
pub fn source_hash(text: &str) -> String {
    let normalized = text.replace("\r\n", "\n");
    let digest = sha2::Sha256::digest(normalized.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The state of one translation against the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    UpToDate,
    /// Confirmed against another source text.
    Outdated,
    /// Written, but never confirmed (no entry in the lock).
    Unconfirmed,
    Missing,
}

impl State {
    pub fn is_outdated(self) -> bool {
        matches!(self, State::Outdated | State::Unconfirmed)
    }
}

/// The state of every translation of a site: the inventory compared with the lock.
#[derive(Debug)]
pub struct Tracker {
    pub options: Options,
    pub inventory: Inventory,
    /// Whether the site has a lock file; without one nothing is outdated.
    pub tracked: bool,
    /// Per unit, per language index: the state (the source language is always up to date).
    pub states: Vec<Vec<State>>,
    /// A unit by its source file and the byte offset of its source-language value there.
    by_source: HashMap<(PathBuf, usize), usize>,
}

impl Tracker {
    pub fn new(inventory: Inventory, lock: Option<&Lock>, options: Options) -> Tracker {
        let source = inventory.source;
        let states = inventory
            .units
            .iter()
            .map(|u| {
                let hash = source_hash(&u.source().text);
                u.values
                    .iter()
                    .enumerate()
                    .map(|(lang, v)| match (v, lock) {
                        _ if lang == source => State::UpToDate,
                        (None, _) => State::Missing,
                        (Some(_), None) => State::UpToDate,
                        (Some(_), Some(lock)) => match lock.get(&inventory.languages[lang], &u.file, &u.key) {
                            Some(h) if h == hash => State::UpToDate,
                            Some(_) => State::Outdated,
                            None => State::Unconfirmed,
                        },
                    })
                    .collect()
            })
            .collect();
        let by_source =
            inventory.units.iter().enumerate().map(|(i, u)| ((u.file.clone(), u.source().span.start), i)).collect();
        Tracker { options, inventory, tracked: lock.is_some(), states, by_source }
    }

    /// A warning (or, with `[i18n] outdated = "error"`, an error) for every outdated translation,
    /// at the translation, naming its key.
    pub fn diagnostics(&self) -> Diagnostics {
        let mut diags = Diagnostics::default();
        let source = &self.inventory.languages[self.inventory.source];
        for (unit, states) in self.inventory.units.iter().zip(&self.states) {
            for (lang, state) in states.iter().enumerate() {
                let Some(value) = unit.values[lang].as_ref().filter(|_| state.is_outdated()) else { continue };
                let code = &self.inventory.languages[lang];
                let why = if *state == State::Outdated {
                    format!("the `{source}` text changed since this `{code}` translation was confirmed")
                } else {
                    format!("this `{code}` translation was never confirmed against the `{source}` text")
                };
                let message =
                    format!("{why}: review it, then run `vlsc-docs i18n accept {}`", lock::file_key(&value.path));
                let mut d = match self.options.outdated {
                    OutdatedPolicy::Warn => Diagnostic::warning(&value.path, message),
                    OutdatedPolicy::Error => Diagnostic::error(&value.path, message),
                };
                if let Some(text) = self.inventory.files.get(&value.path) {
                    d = d.at(Location::from_span(text, value.span.clone()));
                }
                diags.push(d.key(unit.display_key(code)));
            }
        }
        // In fallback mode a missing translation is not an error, but it is not silent either:
        // one line per language says how many texts show the source language instead.
        if self.options.missing == MissingPolicy::Fallback {
            for (lang, code) in self.inventory.languages.iter().enumerate() {
                let missing = self.states.iter().filter(|s| s.get(lang) == Some(&State::Missing)).count();
                if missing > 0 {
                    diags.push(Diagnostic::warning(
                        "book.toml",
                        format!(
                            "{missing} text(s) have no `{code}` translation and show the `{source}` text (`[i18n] missing = \"fallback\"`); `vlsc-docs i18n status` lists them"
                        ),
                    ));
                }
            }
        }
        diags
    }

    /// The unit whose source-language value starts at `offset` in `file`.
    pub fn unit_at(&self, file: &Path, offset: usize) -> Option<(&Unit, &[State])> {
        let i = *self.by_source.get(&(file.to_path_buf(), offset))?;
        Some((&self.inventory.units[i], &self.states[i]))
    }

    /// A fingerprint of everything marks depend on besides the files themselves (the lock), for
    /// `serve`'s memo: when it changes, conversions are not replayed.
    pub fn fingerprint(lock_text: Option<&str>, options: &Options) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        lock_text.hash(&mut h);
        options.source.hash(&mut h);
        (options.outdated as u8, options.missing as u8).hash(&mut h);
        h.finish()
    }
}

/// Reads `[i18n]` of `book.toml` once the languages are known.
pub fn options(raw: &RawSite, languages: &[Lang], diags: &mut Diagnostics) -> Option<Options> {
    let book = &raw.book;
    let i18n = &book.value.i18n;
    let source = match &i18n.source {
        None => 0,
        Some(code) => match languages.iter().find(|l| l.code == *code.get_ref()) {
            Some(l) => l.index,
            None => {
                let known = crate::config::codes(languages);
                diags.push(
                    Diagnostic::error(
                        &book.file.path,
                        format!("unknown source language `{}` (book.toml lists {known})", code.get_ref()),
                    )
                    .at(book.file.locate(code.span()))
                    .key("i18n.source"),
                );
                return None;
            }
        },
    };
    Some(Options { source, outdated: i18n.outdated.unwrap_or_default(), missing: i18n.missing.unwrap_or_default() })
}

/// Reads the options and the lock, finds every text and compares it with the lock.
pub fn track(raw: &RawSite, languages: &[Lang], diags: &mut Diagnostics) -> Option<Tracker> {
    let options = options(raw, languages, diags)?;
    let lock = raw.translations_lock.as_ref().and_then(|f| Lock::parse(f, diags));
    let codes: Vec<String> = languages.iter().map(|l| l.code.clone()).collect();
    // A site without a lock (and without fallback, whose warning counts the missing texts) is
    // not tracked: it pays nothing for finding its texts.
    let inventory = match raw.translations_lock.is_some() || options.missing == MissingPolicy::Fallback {
        true => scan(raw, &codes, options.source),
        false => Inventory { languages: codes, source: options.source, units: Vec::new(), files: Default::default() },
    };
    Some(Tracker::new(inventory, lock.as_ref(), options))
}

/// Writes `contents` to `path` atomically: into a temporary file in the same folder, then renamed
/// over the target, so that a failure never leaves a half-written file.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.vlsc-docs-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable_and_ignore_line_endings() {
        assert_eq!(source_hash("手順"), source_hash("手順"));
        assert_eq!(source_hash("a\r\nb"), source_hash("a\nb"));
        assert_ne!(source_hash("a"), source_hash("b"));
        assert_eq!(source_hash("").len(), 16);
        // SHA-256 of the empty string starts with e3b0c442 98fc1c14.
        assert_eq!(source_hash(""), "e3b0c44298fc1c14");
    }
}
