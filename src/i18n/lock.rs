//! `translations.lock`: for each language, file and key, the hash of the source-language text the
//! translation was confirmed against. TOML, sorted, one line per text, so that it diffs well;
//! written only by `vlsc-docs i18n accept` and `import`.

use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Language → file → key → source hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    pub entries: BTreeMap<String, BTreeMap<String, BTreeMap<String, String>>>,
}

const HEADER: &str = "# Which source-language text each translation was confirmed against (a hash of it), per\n\
# language, file and key. Written by `vlsc-docs i18n accept` and `vlsc-docs i18n import`: do not\n\
# edit by hand. See `vlsc-docs i18n status`.\n";

/// The key of a file in the lock: its path with `/` separators, whatever the platform.
pub fn file_key(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

impl Lock {
    pub fn get(&self, lang: &str, file: &Path, key: &str) -> Option<&str> {
        self.entries.get(lang)?.get(&file_key(file))?.get(key).map(String::as_str)
    }

    pub fn set(&mut self, lang: &str, file: &Path, key: &str, hash: String) {
        self.entries
            .entry(lang.to_string())
            .or_default()
            .entry(file_key(file))
            .or_default()
            .insert(key.to_string(), hash);
    }

    pub fn remove(&mut self, lang: &str, file: &Path, key: &str) {
        if let Some(files) = self.entries.get_mut(lang)
            && let Some(keys) = files.get_mut(&file_key(file))
        {
            keys.remove(key);
        }
    }

    /// Keeps only the entries `keep` accepts, and no empty tables.
    pub fn retain(&mut self, keep: impl Fn(&str, &str, &str) -> bool) {
        for (lang, files) in self.entries.iter_mut() {
            for (file, keys) in files.iter_mut() {
                keys.retain(|k, _| keep(lang, file, k));
            }
            files.retain(|_, keys| !keys.is_empty());
        }
        self.entries.retain(|_, files| !files.is_empty());
    }

    /// Parses the lock file, reporting where it is malformed.
    pub fn parse(file: &SourceFile, diags: &mut Diagnostics) -> Option<Lock> {
        let doc = match toml_edit::Document::parse(&*file.text) {
            Ok(d) => d,
            Err(e) => {
                let loc = file.locate(e.span().unwrap_or(0..0));
                diags.push(Diagnostic::error(&file.path, e.message().trim_end().replace('\n', " ")).at(loc));
                return None;
            }
        };
        let bad = |item: &toml_edit::Item, key: String, what: &str| {
            let message = format!("malformed lock file: {what}; run `vlsc-docs i18n accept` to write it anew");
            let d = Diagnostic::error(&file.path, message).key(key);
            match item.span() {
                Some(span) => d.at(file.locate(span)),
                None => d,
            }
        };
        let mut lock = Lock::default();
        for (lang, files) in doc.as_table().iter() {
            if lang == "version" {
                if files.as_integer() != Some(1) {
                    diags.push(bad(files, "version".into(), "unknown `version` (this vlsc-docs writes version 1)"));
                    return None;
                }
                continue;
            }
            let Some(files) = files.as_table_like() else {
                diags.push(bad(files, lang.to_string(), "a language must be a table of files"));
                return None;
            };
            for (path, keys) in files.iter() {
                let Some(keys) = keys.as_table_like() else {
                    diags.push(bad(keys, format!("{lang}.\"{path}\""), "a file must be a table of keys"));
                    return None;
                };
                for (key, hash) in keys.iter() {
                    let Some(h) = hash.as_str() else {
                        diags.push(bad(hash, format!("{lang}.\"{path}\".\"{key}\""), "a hash must be a string"));
                        return None;
                    };
                    lock.set(lang, &PathBuf::from(path), key, h.to_string());
                }
            }
        }
        Some(lock)
    }

    /// The lock file's text: sorted, one text per line.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(HEADER);
        out.push_str("version = 1\n");
        for (lang, files) in &self.entries {
            for (file, keys) in files {
                out.push_str(&format!("\n[{}.{}]\n", key_repr(lang), key_repr(file)));
                for (key, hash) in keys {
                    out.push_str(&format!("{} = {}\n", key_repr(key), quote(hash)));
                }
            }
        }
        out
    }
}

/// A TOML key: bare when it can be (`en`), else quoted (`"book.toml"`, whose dot would
/// otherwise make it a dotted key).
fn key_repr(s: &str) -> String {
    let bare = !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if bare { s.to_string() } else { quote(s) }
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut lock = Lock::default();
        lock.set("en", Path::new("content/procedures/a.toml"), "steps.x.text", "0123456789abcdef".into());
        lock.set("en", Path::new("book.toml"), "book.title", "fedcba9876543210".into());
        lock.set("de", Path::new("weird \"name\".toml"), "k", "00".into());
        let text = lock.to_toml();
        let file = SourceFile { path: PathBuf::from("translations.lock"), text: text.clone().into() };
        let mut diags = Diagnostics::default();
        assert_eq!(Lock::parse(&file, &mut diags), Some(lock));
        assert!(text.find("[de.").unwrap_or(usize::MAX) < text.find("[en.\"book.toml\"]").unwrap_or(0));
    }
}
