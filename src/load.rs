//! Reading a site from disk into raw, unvalidated types: `book.toml`, `content/`, `i18n/`.
//!
//! This stage only checks what serde and the file system can: UTF-8, TOML syntax, unknown keys.
//! References, languages and ids are checked by `model`. Spans are kept so that later errors can
//! point at the exact place in the file.

use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::any::Any;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;

/// A localized text as written: `{ ja = "…", en = "…" }`, with spans for every part.
/// The values are shared with the validated texts made from them.
pub type RawText = Spanned<LangMap<Spanned<crate::source_str::SourceStr>>>;

/// A small TOML table read in key order (as a `BTreeMap` would be), kept as a vector: a site has
/// hundreds of thousands of localized texts of two or three languages each, and a `BTreeMap`
/// allocates a node of eleven entries for each of them (100 MiB more on 12,000 procedures).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LangMap<V>(Vec<(Spanned<String>, V)>);

impl<V> LangMap<V> {
    pub fn iter(&self) -> impl Iterator<Item = (&Spanned<String>, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &Spanned<String>> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a, V> IntoIterator for &'a LangMap<V> {
    type Item = (&'a Spanned<String>, &'a V);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (Spanned<String>, V)>, fn(&'a (Spanned<String>, V)) -> Self::Item>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

/// Written back as the table it was read from (schemars serializes defaults with it).
impl<V: serde::Serialize> serde::Serialize for LangMap<V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for LangMap<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<V> {
            type Value = LangMap<V>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries: Vec<(Spanned<String>, V)> = Vec::with_capacity(map.size_hint().unwrap_or(2));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                // TOML has no duplicate keys; the order is the keys' own, as in a `BTreeMap`.
                entries.sort_by(|a, b| a.0.get_ref().cmp(b.0.get_ref()));
                Ok(LangMap(entries))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBook {
    pub book: RawBookSection,
    #[serde(default)]
    pub build: RawBuild,
    #[serde(default)]
    pub search: RawSearch,
    #[serde(default)]
    pub i18n: RawI18n,
}

/// `[i18n]`: the source language and what to do with outdated and missing translations.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawI18n {
    #[schemars(with = "Option<String>")]
    pub source: Option<Spanned<String>>,
    pub outdated: Option<crate::i18n::OutdatedPolicy>,
    pub missing: Option<crate::i18n::MissingPolicy>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBookSection {
    #[schemars(with = "crate::schema::TextSchema")]
    pub title: RawText,
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub description: Option<RawText>,
    #[schemars(with = "Vec<String>")]
    pub languages: Spanned<Vec<Spanned<String>>>,
    #[schemars(with = "Option<String>")]
    pub theme: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub base_url: Option<Spanned<String>>,
    /// A notice shown on every page (and in print), e.g. how old the guide is.
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub notice: Option<RawText>,
}

#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBuild {
    #[schemars(with = "Option<String>")]
    pub output_dir: Option<Spanned<String>>,
    pub minify: Option<bool>,
    pub allow_html: Option<bool>,
}

/// `[search]`: the offline search box and its index.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSearch {
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawProcedure {
    #[schemars(with = "crate::schema::TextSchema")]
    pub title: RawText,
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub summary: Option<RawText>,
    pub weight: Option<i64>,
    /// `[params.<name>]`: values a use of the procedure may give, written `{{ name }}` in its texts.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, RawParam>")]
    pub params: BTreeMap<Spanned<String>, Spanned<RawParam>>,
    #[serde(default)]
    #[schemars(with = "Vec<RawStep>")]
    pub steps: Vec<Spanned<RawStep>>,
}

/// A procedure's parameter: its default (none: every use must give a value) and a note for editors.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawParam {
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub default: Option<RawText>,
    #[schemars(with = "Option<String>")]
    pub description: Option<Spanned<String>>,
}

/// Values given to a procedure's parameters by one use: `with.account = { ja = "…", en = "…" }`.
pub type RawWith = BTreeMap<Spanned<String>, RawText>;

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawStep {
    #[schemars(with = "Option<String>")]
    pub id: Option<Spanned<String>>,
    /// Required, except in a step that includes a procedure (then it is the lead-in).
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub text: Option<RawText>,
    /// Another procedure whose steps are this step's substeps.
    #[schemars(with = "Option<String>")]
    pub include: Option<Box<Spanned<String>>>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, crate::schema::TextSchema>")]
    pub with: RawWith,
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub note: Option<Box<RawText>>,
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub caution: Option<Box<RawText>>,
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub since_then: Option<Box<RawText>>,
    #[serde(default)]
    #[schemars(with = "Vec<RawSubstep>")]
    pub substeps: Vec<Spanned<RawSubstep>>,
    /// Alternatives (the reader does one of them), rendered as a bulleted list; a step has
    /// substeps or choices, not both.
    #[serde(default)]
    #[schemars(with = "Vec<RawSubstep>")]
    pub choices: Vec<Spanned<RawSubstep>>,
}

/// A substep: a step without substeps of its own (one level only).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSubstep {
    #[schemars(with = "Option<String>")]
    pub id: Option<Spanned<String>>,
    #[schemars(with = "crate::schema::TextSchema")]
    pub text: RawText,
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub note: Option<Box<RawText>>,
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub caution: Option<Box<RawText>>,
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub since_then: Option<Box<RawText>>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawScenario {
    #[schemars(with = "crate::schema::TextSchema")]
    pub title: RawText,
    #[schemars(with = "crate::schema::TextSchema")]
    pub symptom: RawText,
    pub weight: Option<i64>,
    #[serde(default)]
    #[schemars(with = "Vec<RawSection>")]
    pub sections: Vec<Spanned<RawSection>>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSection {
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub text: Option<RawText>,
    #[schemars(with = "Option<String>")]
    pub procedure: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub snippet: Option<Spanned<String>>,
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub when: Option<RawText>,
    /// Values for the procedure's parameters.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, crate::schema::TextSchema>")]
    pub with: RawWith,
    /// Steps of the procedure left out of this use, or the only ones shown (not both).
    #[schemars(with = "Option<Vec<String>>")]
    pub skip: Option<Spanned<Vec<Spanned<String>>>>,
    #[schemars(with = "Option<Vec<String>>")]
    pub only: Option<Spanned<Vec<Spanned<String>>>>,
    /// Notes shown at a step of the procedure in this use only.
    #[serde(default)]
    #[schemars(with = "Vec<RawUseNote>")]
    pub notes: Vec<Spanned<RawUseNote>>,
}

/// `[[sections.notes]]`: a note at one step of a procedure, for one use.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawUseNote {
    #[schemars(with = "String")]
    pub step: Spanned<String>,
    #[schemars(with = "crate::schema::TextSchema")]
    pub text: RawText,
}

/// A block of text written once and used by scenarios and pages: `content/snippets/<id>.toml`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSnippet {
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub title: Option<RawText>,
    #[schemars(with = "crate::schema::TextSchema")]
    pub text: RawText,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSelector {
    #[schemars(with = "String")]
    pub start: Spanned<String>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, RawQuestion>")]
    pub questions: BTreeMap<Spanned<String>, RawQuestion>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawQuestion {
    #[schemars(with = "crate::schema::TextSchema")]
    pub text: RawText,
    #[serde(default)]
    #[schemars(with = "Vec<RawAnswer>")]
    pub answers: Vec<Spanned<RawAnswer>>,
}

#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawAnswer {
    #[schemars(with = "crate::schema::TextSchema")]
    pub text: RawText,
    #[schemars(with = "Option<String>")]
    pub scenario: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub question: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    pub page: Option<Spanned<String>>,
}

/// The TOML front matter of a page, between `+++` lines.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawFrontMatter {
    #[schemars(with = "String")]
    pub title: Spanned<String>,
    #[schemars(with = "Option<String>")]
    pub description: Option<Spanned<String>>,
    pub weight: Option<i64>,
}

/// A section folder's `_section.toml`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSectionFile {
    #[schemars(with = "crate::schema::TextSchema")]
    pub title: RawText,
    #[schemars(with = "Option<crate::schema::TextSchema>")]
    pub description: Option<RawText>,
    pub weight: Option<i64>,
}

/// A section folder under `content/procedures/`, `content/scenarios/` or `content/pages/`.
#[derive(Debug, Clone)]
pub struct RawSectionDir {
    pub kind: ContentKind,
    /// The folder below its kind's folder, segments joined by `/`; empty for the kind's folder.
    pub path: String,
    /// Its `_section.toml` (optional only for the kind's own folder).
    pub file: Option<Parsed<RawSectionFile>>,
}

/// UI strings of one language, `key = "text"`; keys are checked against the theme's by `model`,
/// and every key is optional so that a site overrides only what it needs.
pub type RawUiStrings = BTreeMap<Spanned<String>, Spanned<String>>;

/// The three kinds of content that live in section trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContentKind {
    Procedures,
    Scenarios,
    Pages,
    /// Not published on their own: used by scenarios and pages.
    Snippets,
}

impl ContentKind {
    /// The kinds published as pages, with section index pages.
    pub const ALL: [ContentKind; 3] = [ContentKind::Procedures, ContentKind::Scenarios, ContentKind::Pages];

    /// The folder under `content/`.
    pub fn folder(self) -> &'static str {
        match self {
            ContentKind::Procedures => "procedures",
            ContentKind::Scenarios => "scenarios",
            ContentKind::Pages => "pages",
            ContentKind::Snippets => "snippets",
        }
    }
}

/// A parsed TOML file with the id taken from its path below its kind's folder.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub id: String,
    pub file: SourceFile,
    /// Shared, so that `serve`'s load cache hands out unchanged files without copying them.
    pub value: Arc<T>,
}

/// One language file of a page.
#[derive(Debug, Clone)]
pub struct RawPageFile {
    pub id: String,
    pub lang: String,
    pub file: SourceFile,
    pub front: RawFrontMatter,
    /// Byte offset of the Markdown body in `file.text`.
    pub body_offset: usize,
}

/// Everything read from a site folder, before validation.
#[derive(Debug)]
pub struct RawSite {
    pub root: PathBuf,
    pub book: Parsed<RawBook>,
    pub procedures: Vec<Parsed<RawProcedure>>,
    pub scenarios: Vec<Parsed<RawScenario>>,
    pub selector: Option<Parsed<RawSelector>>,
    pub snippets: Vec<Parsed<RawSnippet>>,
    pub pages: Vec<RawPageFile>,
    /// Every section folder of the three kinds, parents before children.
    pub sections: Vec<RawSectionDir>,
    /// `i18n/<lang>.toml` files of the site.
    pub i18n: Vec<Parsed<RawUiStrings>>,
    /// Page-like files with the wrong name, reported once the languages are known.
    pub stray_files: Vec<PathBuf>,
    /// Items whose file has an error (already reported): they exist, but are not in the lists.
    pub broken: Broken,
    /// `translations.lock`, when the site has one.
    pub translations_lock: Option<SourceFile>,
}

/// The ids of items whose file could not be read or parsed.
#[derive(Debug, Default)]
pub struct Broken {
    pub procedures: BTreeSet<String>,
    pub scenarios: BTreeSet<String>,
    pub pages: BTreeSet<String>,
    pub snippets: BTreeSet<String>,
    /// Languages whose `i18n/<lang>.toml` exists but could not be read or parsed.
    pub i18n: BTreeSet<String>,
}

/// Parsed files kept between rebuilds by `serve`, keyed by path and checked against the file's
/// modification time and length: an unchanged file is neither opened nor parsed again. Only
/// files that parsed without error are kept, so errors are reported on every run.
///
/// The stamp is taken *before* the file is read, so that a write during the read leaves a newer
/// stamp on disk than in the cache. A file modified shortly before it was read is not kept at all
/// (git calls it "racily clean"): a second write of the same length within the file system's
/// timestamp granularity would leave the same stamp on different contents.
///
/// When a watcher reports every change ([`LoadCache::watching`], [`LoadCache::changed`]), a
/// load goes by the changes reported since the last one began instead: the folder listings of
/// `content/` are kept while no file appears, disappears or stops being a file, and a kept file
/// that was not reported is used without even a `stat` (12,000 of them cost ~20 ms). Files
/// reached through a symbolic link are always checked: a watcher does not see their targets.
#[derive(Default)]
pub struct LoadCache {
    state: std::sync::Mutex<CacheState>,
    /// Changes reported since the current load began.
    reported: std::sync::Mutex<Reported>,
}

#[derive(Default)]
struct CacheState {
    entries: HashMap<PathBuf, CacheEntry>,
    /// The changes the current load goes by: `None` when they are not known.
    changes: Option<Arc<HashSet<PathBuf>>>,
    /// The last listing of each kind's folder.
    listings: HashMap<ContentKind, Arc<Listing>>,
}

#[derive(Default)]
struct Reported {
    /// Whether a watcher reports changes at all.
    watching: bool,
    /// The paths reported (from the site's root); `None` when the watcher may have missed some.
    paths: Option<HashSet<PathBuf>>,
}

struct CacheEntry {
    stamp: (std::time::SystemTime, u64),
    value: Arc<dyn Any + Send + Sync>,
}

/// A kind's folder as walked: what [`walk`] found, before any file was read.
struct Listing {
    /// (path from the site root, path below the kind's folder), sorted.
    files: Vec<(PathBuf, String)>,
    /// Section folders below the kind's folder, the kind's folder itself (`""`) first.
    folders: Vec<String>,
    diags: Vec<Diagnostic>,
    /// The files reached through no symbolic link, whose changes a watcher reports.
    watched: HashSet<PathBuf>,
    /// Every file and folder listed.
    listed: HashSet<PathBuf>,
    /// Whether a watcher reports every change to what was listed: false when a symbolic link
    /// was followed (a watcher does not see its target) or something could not be listed (an
    /// invalid folder name, a pipe, a broken link: what fixes it may go unreported).
    keepable: bool,
}

/// A file's modification time and length, and when they were taken.
#[derive(Clone, Copy)]
struct Stamp {
    modified: std::time::SystemTime,
    len: u64,
    taken: std::time::SystemTime,
}

/// How close to the time a file is read its modification time may be before the file is not
/// trusted: timestamps are stored at the file system's granularity (2 s on FAT, 1 s on ext3 and
/// HFS+), and Linux takes them from a clock that lags the real time by up to a scheduler tick.
const RACY_WINDOW: std::time::Duration = std::time::Duration::from_secs(2);

/// How many changed paths a load keeps track of before it checks every file instead.
const MAX_REPORTED: usize = 20_000;

impl LoadCache {
    fn state(&self) -> std::sync::MutexGuard<'_, CacheState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn reported(&self) -> std::sync::MutexGuard<'_, Reported> {
        self.reported.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// From now on, every change to the site is reported with [`LoadCache::changed`].
    pub fn watching(&self) {
        let mut r = self.reported();
        r.watching = true;
        r.paths = Some(HashSet::new());
    }

    /// Reports a change to `path` (absolute, or below `root`), or with `None` that changes may
    /// have been missed (the watcher overflowed or failed): the next load checks every file.
    pub fn changed(&self, root: &Path, path: Option<&Path>) {
        let mut r = self.reported();
        match (path.and_then(|p| p.strip_prefix(root).ok()), r.paths.as_mut()) {
            // Paths pile up while nothing starts a rebuild (a build tool writing under the
            // site's folder): past a bound, checking every file is cheaper than the list.
            (Some(rel), Some(paths)) if paths.len() < MAX_REPORTED => {
                paths.insert(rel.to_path_buf());
            }
            _ => r.paths = None,
        }
    }

    /// Starts a load: it goes by the changes reported until now, and later ones wait for the
    /// next load. Taken before any file is read, so that a change made during the load is seen
    /// by the next one.
    fn begin(&self) {
        let changes = {
            let mut r = self.reported();
            let fresh = r.watching.then(HashSet::new);
            std::mem::replace(&mut r.paths, fresh)
        };
        self.state().changes = changes.map(Arc::new);
    }

    /// `rel`'s parsed value when the watcher says it did not change since it was kept.
    fn unchanged<T: Clone + 'static>(&self, rel: &Path) -> Option<T> {
        let state = self.state();
        let changes = state.changes.as_ref()?;
        if changes.contains(rel) || !state.listings.values().any(|l| l.watched.contains(rel)) {
            return None;
        }
        state.entries.get(rel)?.value.downcast_ref::<T>().cloned()
    }

    /// The kept listing of `kind`, unless a reported change adds, removes or replaces one of its
    /// files or folders.
    fn listing(&self, root: &Path, kind: ContentKind) -> Option<Arc<Listing>> {
        let state = self.state();
        let changes = state.changes.as_ref()?;
        let listing = state.listings.get(&kind).filter(|l| l.keepable)?;
        let base = Path::new("content").join(kind.folder());
        let structural = |rel: &PathBuf| {
            if base.starts_with(rel) {
                // The kind's folder itself, or a folder above it.
                return true;
            }
            let Ok(below) = rel.strip_prefix(&base) else { return false };
            if below.components().any(|c| is_editor_artifact(&c.as_os_str().to_string_lossy())) {
                // The walk skips these and what is in them.
                return false;
            }
            // A file edited in place stays; one that came and went (an editor's temporary
            // file renamed over the real one) changes nothing. Anything else changes the listing.
            match std::fs::symlink_metadata(root.join(rel)) {
                Ok(meta) => !(meta.file_type().is_file() && listing.watched.contains(rel)),
                Err(_) => listing.listed.contains(rel),
            }
        };
        (!changes.iter().any(structural)).then(|| Arc::clone(listing))
    }

    /// Keeps a new listing of `kind`. A file that was not in the last one may have been there
    /// before (a folder moved away and back, reported as the folder only), and one now reached
    /// through a symbolic link is another file: what was kept of them goes, so that they are
    /// read again.
    fn keep_listing(&self, kind: ContentKind, listing: Arc<Listing>) {
        let mut state = self.state();
        let old = state.listings.remove(&kind);
        for rel in &listing.listed {
            let watched_before = old.as_ref().is_some_and(|o| o.watched.contains(rel));
            if !(watched_before && listing.watched.contains(rel)) {
                state.entries.remove(rel);
            }
        }
        state.listings.insert(kind, listing);
    }

    /// Forgets what was kept of `rel`, which is about to be read again: if the read fails, a
    /// later load must not take the old contents for current.
    fn forget(&self, rel: &Path) {
        self.state().entries.remove(rel);
    }

    /// `rel`'s stamp, to be taken before reading it.
    fn stamp(root: &Path, rel: &Path) -> Option<Stamp> {
        let taken = std::time::SystemTime::now();
        let meta = std::fs::metadata(root.join(rel)).ok()?;
        Some(Stamp { modified: meta.modified().ok()?, len: meta.len(), taken })
    }

    /// Whether a file modified at `modified` can be recognized by its stamp when it was read at
    /// `taken`: only if it was modified more than [`RACY_WINDOW`] earlier. A time in the future
    /// (clock skew) is never trusted.
    fn trusted(modified: std::time::SystemTime, taken: std::time::SystemTime) -> bool {
        taken.duration_since(modified).is_ok_and(|age| age > RACY_WINDOW)
    }

    fn get<T: Clone + 'static>(&self, rel: &Path, stamp: &Stamp) -> Option<T> {
        let state = self.state();
        let entry = state.entries.get(rel).filter(|e| e.stamp == (stamp.modified, stamp.len))?;
        entry.value.downcast_ref::<T>().cloned()
    }

    /// Keeps `value`, read after `stamp` was taken, unless the stamp cannot be trusted.
    fn put<T: Send + Sync + 'static>(&self, rel: &Path, stamp: Stamp, value: T) {
        let mut state = self.state();
        if Self::trusted(stamp.modified, stamp.taken) {
            let entry = CacheEntry { stamp: (stamp.modified, stamp.len), value: Arc::new(value) };
            state.entries.insert(rel.to_path_buf(), entry);
        } else {
            state.entries.remove(rel);
        }
    }
}

#[cfg(test)]
mod cache_tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[derive(Debug, Clone, PartialEq, Deserialize)]
    struct Value {
        v: String,
    }

    #[test]
    fn only_files_modified_well_before_they_were_read_are_trusted() {
        let read = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let modified_ago = |ms: u64| read - Duration::from_millis(ms);
        for (ms, trusted) in [(0, false), (1, false), (10, false), (1_000, false), (2_000, false), (2_001, true)] {
            assert_eq!(LoadCache::trusted(modified_ago(ms), read), trusted, "modified {ms} ms before the read");
        }
        assert!(!LoadCache::trusted(read + Duration::from_secs(5), read), "a time in the future");
    }

    /// Writes `text` to `root/rel` and gives it the modification time `modified`.
    fn write(root: &Path, rel: &str, text: &str, modified: SystemTime) {
        let path = root.join(rel);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let file = std::fs::File::options().write(true).open(&path).unwrap_or_else(|e| panic!("{e}"));
        file.set_modified(modified).unwrap_or_else(|e| panic!("{e}"));
    }

    fn load(root: &Path, cache: &LoadCache) -> String {
        let mut diags = Diagnostics::default();
        let parsed = read_toml::<Value>(root, Path::new("a.toml"), "a".to_string(), Some(cache), &mut diags);
        parsed.map(|p| p.value.v.clone()).unwrap_or_else(|| panic!("{diags:?}"))
    }

    #[test]
    fn a_same_length_write_with_the_same_stamp_is_read_when_the_stamp_was_racy() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let cache = LoadCache::default();
        // A modification time after the read is always racy, whatever the machine's speed.
        let racy = SystemTime::now() + Duration::from_secs(3600);
        write(dir.path(), "a.toml", "v = \"1\"", racy);
        assert_eq!(load(dir.path(), &cache), "1");
        write(dir.path(), "a.toml", "v = \"2\"", racy);
        assert_eq!(load(dir.path(), &cache), "2", "the second write has the same time and length");
    }

    /// A site of one language with the folders `dirs`, its `book.toml` written an hour ago
    /// (so that the load cache keeps it); returns the folder and that time.
    fn site(dirs: &[&str]) -> (tempfile::TempDir, SystemTime) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let old = SystemTime::now() - Duration::from_secs(3600);
        for d in dirs {
            std::fs::create_dir_all(dir.path().join(d)).unwrap_or_else(|e| panic!("{e}"));
        }
        write(dir.path(), "book.toml", "[book]\ntitle = { en = \"T\" }\nlanguages = [\"en\"]\n", old);
        (dir, old)
    }

    /// What a cached load of `root` finds: `id=title` of each procedure, then the errors.
    fn outcome(root: &Path, cache: &LoadCache) -> Vec<String> {
        match load_site_cached(root, Some(cache)) {
            Ok((raw, diags)) => {
                let title =
                    |p: &Parsed<RawProcedure>| p.value.title.get_ref().get("en").map(|t| t.get_ref().to_string());
                let mut out: Vec<String> =
                    raw.procedures.iter().map(|p| format!("{}={}", p.id, title(p).unwrap_or_default())).collect();
                out.extend(
                    diags
                        .sorted()
                        .iter()
                        .filter(|d| d.severity == crate::diag::Severity::Error)
                        .map(|d| format!("error in {}", crate::diag::display_path(&d.file))),
                );
                out
            }
            Err(LoadError::NoBook(_)) => vec!["no book".to_string()],
            Err(LoadError::Content(d)) => vec![format!("{} errors", d.error_count())],
        }
    }

    #[test]
    fn a_watched_load_goes_by_the_reported_changes() {
        let (dir, old) = site(&["content/procedures"]);
        let root = dir.path();
        let procedure = |title: &str| format!("title = {{ en = \"{title}\" }}\n");
        let at = |rel: &str| root.join(rel);
        write(root, "content/procedures/a.toml", &procedure("A1"), old);
        let cache = LoadCache::default();
        cache.watching();
        assert_eq!(outcome(root, &cache), ["a=A1"]);

        // What the watcher did not report is not looked at: neither an edit (with a new stamp)
        // nor a new file.
        write(root, "content/procedures/a.toml", &procedure("A2"), old + Duration::from_secs(1));
        write(root, "content/procedures/b.toml", &procedure("B1"), old);
        assert_eq!(outcome(root, &cache), ["a=A1"], "nothing was reported");
        // A temporary file that came and went leaves the listing as it was.
        cache.changed(root, Some(&at("content/procedures/tmp-123")));
        assert_eq!(outcome(root, &cache), ["a=A1"], "the listing was kept");

        cache.changed(root, Some(&at("content/procedures/a.toml")));
        assert_eq!(outcome(root, &cache), ["a=A2"], "an edit in place, reported");
        cache.changed(root, Some(&at("content/procedures/b.toml")));
        assert_eq!(outcome(root, &cache), ["a=A2", "b=B1"], "a new file, reported");
        std::fs::remove_file(at("content/procedures/a.toml")).unwrap_or_else(|e| panic!("{e}"));
        cache.changed(root, Some(&at("content/procedures/a.toml")));
        assert_eq!(outcome(root, &cache), ["b=B1"], "a removed file, reported");

        // When the watcher may have missed changes, every file is checked.
        write(root, "content/procedures/b.toml", &procedure("B2"), old + Duration::from_secs(2));
        cache.changed(root, None);
        assert_eq!(outcome(root, &cache), ["b=B2"]);
        // A path outside the site is a change nobody can place: every file is checked too.
        write(root, "content/procedures/b.toml", &procedure("B3"), old + Duration::from_secs(3));
        cache.changed(root, Some(Path::new("/elsewhere/b.toml")));
        assert_eq!(outcome(root, &cache), ["b=B3"]);
        // So are too many changes to keep track of.
        write(root, "content/procedures/b.toml", &procedure("B4"), old + Duration::from_secs(4));
        for i in 0..=MAX_REPORTED {
            cache.changed(root, Some(&at(&format!("target/{i}"))));
        }
        assert_eq!(outcome(root, &cache), ["b=B4"]);
    }

    /// Changes a watcher reports as folders, failures and returns: each is seen at the next load.
    #[test]
    fn a_watched_load_sees_moves_failures_and_returns() {
        let (dir, old) = site(&["content/procedures/net"]);
        let root = dir.path();
        let at = |rel: &str| root.join(rel);
        let procedure = |title: &str| format!("title = {{ en = \"{title}\" }}\n");
        write(root, "content/procedures/net/_section.toml", "title = { en = \"Net\" }\n", old);
        write(root, "content/procedures/net/x.toml", &procedure("X1"), old);
        write(root, "content/procedures/a.toml", &procedure("A1"), old);
        let cache = LoadCache::default();
        cache.watching();
        let report = |rel: &str| cache.changed(root, Some(&at(rel)));
        assert_eq!(outcome(root, &cache), ["a=A1", "net/x=X1"]);

        // A file that fails to parse, then an edit elsewhere: the error stays.
        write(root, "content/procedures/a.toml", "title = {", old + Duration::from_secs(1));
        report("content/procedures/a.toml");
        assert_eq!(outcome(root, &cache), ["net/x=X1", "error in content/procedures/a.toml"]);
        write(root, "content/procedures/net/x.toml", &procedure("X2"), old + Duration::from_secs(1));
        report("content/procedures/net/x.toml");
        assert_eq!(
            outcome(root, &cache),
            ["net/x=X2", "error in content/procedures/a.toml"],
            "the old a.toml came back"
        );
        write(root, "content/procedures/a.toml", &procedure("A2"), old + Duration::from_secs(2));
        report("content/procedures/a.toml");
        assert_eq!(outcome(root, &cache), ["a=A2", "net/x=X2"]);

        // A folder moved away, a file edited there, the folder moved back: reported as folders.
        std::fs::rename(at("content/procedures/net"), at("content/procedures/network"))
            .unwrap_or_else(|e| panic!("{e}"));
        report("content/procedures/net");
        report("content/procedures/network");
        assert_eq!(outcome(root, &cache), ["a=A2", "network/x=X2"]);
        write(root, "content/procedures/network/x.toml", &procedure("X3"), old + Duration::from_secs(3));
        report("content/procedures/network/x.toml");
        std::fs::rename(at("content/procedures/network"), at("content/procedures/net"))
            .unwrap_or_else(|e| panic!("{e}"));
        report("content/procedures/network");
        report("content/procedures/net");
        assert_eq!(outcome(root, &cache), ["a=A2", "net/x=X3"], "the file came back to an old path");

        // A section folder named with digits only is a section like any other.
        std::fs::create_dir(at("content/procedures/2024")).unwrap_or_else(|e| panic!("{e}"));
        report("content/procedures/2024");
        assert_eq!(outcome(root, &cache), ["a=A2", "net/x=X3", "error in content/procedures/2024"]);
        write(root, "content/procedures/2024/_section.toml", "title = { en = \"2024\" }\n", old);
        report("content/procedures/2024/_section.toml");
        assert_eq!(outcome(root, &cache), ["a=A2", "net/x=X3"]);

        // Changes reported while book.toml is missing (an editor saving it by rename) are
        // seen once it is back.
        write(root, "content/procedures/a.toml", &procedure("A3"), old + Duration::from_secs(4));
        report("content/procedures/a.toml");
        std::fs::rename(at("book.toml"), at("book.bak")).unwrap_or_else(|e| panic!("{e}"));
        report("book.toml");
        assert_eq!(outcome(root, &cache), ["no book"]);
        std::fs::rename(at("book.bak"), at("book.toml")).unwrap_or_else(|e| panic!("{e}"));
        report("book.toml");
        assert_eq!(outcome(root, &cache), ["a=A3", "net/x=X3"]);

        // The content folder moved away, reported as itself.
        std::fs::rename(at("content"), at("content.old")).unwrap_or_else(|e| panic!("{e}"));
        report("content");
        report("content.old");
        assert_eq!(outcome(root, &cache), Vec::<String>::new());
    }

    #[cfg(unix)]
    #[test]
    fn a_file_replaced_by_a_symbolic_link_is_checked_from_then_on() {
        let (dir, old) = site(&["content/procedures"]);
        let root = dir.path();
        write(root, "content/procedures/a.toml", "title = { en = \"A1\" }\n", old);
        write(root, "shared.toml", "title = { en = \"S1\" }\n", old);
        let cache = LoadCache::default();
        cache.watching();
        assert_eq!(outcome(root, &cache), ["a=A1"]);
        std::fs::remove_file(root.join("content/procedures/a.toml")).unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink(root.join("shared.toml"), root.join("content/procedures/a.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        cache.changed(root, Some(&root.join("content/procedures/a.toml")));
        assert_eq!(outcome(root, &cache), ["a=S1"]);
        write(root, "shared.toml", "title = { en = \"S2\" }\n", old + Duration::from_secs(1));
        assert_eq!(outcome(root, &cache), ["a=S2"], "the link's target changed, unreported");
    }

    #[cfg(unix)]
    #[test]
    fn files_through_a_symbolic_link_are_checked_even_when_watched() {
        let (dir, old) = site(&["content/procedures", "shared/more"]);
        let root = dir.path();
        write(root, "content/procedures/_section.toml", "title = { en = \"P\" }\n", old);
        write(root, "shared/more/_section.toml", "title = { en = \"More\" }\n", old);
        write(root, "shared/more/b.toml", "title = { en = \"B1\" }\n", old);
        write(root, "shared/c.toml", "title = { en = \"C1\" }\n", old);
        // A linked folder and a linked file: a watcher of the site sees neither target change.
        std::os::unix::fs::symlink(root.join("shared/more"), root.join("content/procedures/more"))
            .unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink(root.join("shared/c.toml"), root.join("content/procedures/c.toml"))
            .unwrap_or_else(|e| panic!("{e}"));
        let cache = LoadCache::default();
        cache.watching();
        assert_eq!(outcome(root, &cache), ["c=C1", "more/b=B1"]);
        write(root, "shared/more/b.toml", "title = { en = \"B2\" }\n", old + Duration::from_secs(1));
        write(root, "shared/c.toml", "title = { en = \"C2\" }\n", old + Duration::from_secs(1));
        assert_eq!(outcome(root, &cache), ["c=C2", "more/b=B2"], "unreported, but through links");
    }

    #[test]
    fn a_file_modified_long_before_it_was_read_is_not_read_again() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let cache = LoadCache::default();
        let old = SystemTime::now() - Duration::from_secs(3600);
        write(dir.path(), "a.toml", "v = \"1\"", old);
        assert_eq!(load(dir.path(), &cache), "1");
        // Same time and length: the cache answers without opening the file.
        write(dir.path(), "a.toml", "v = \"2\"", old);
        assert_eq!(load(dir.path(), &cache), "1");
        write(dir.path(), "a.toml", "v = \"3\"", old + Duration::from_secs(1));
        assert_eq!(load(dir.path(), &cache), "3", "a new modification time");
    }
}

/// Why a site could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no book.toml in {0}: run vlsc-docs in a site folder or pass --root DIR")]
    NoBook(PathBuf),
    #[error("content errors")]
    Content(Diagnostics),
}

/// Reads the site at `root`. Collects every file-level problem before giving up.
pub fn load_site(root: &Path) -> Result<(RawSite, Diagnostics), LoadError> {
    load_site_cached(root, None)
}

/// [`load_site`], reusing the files of `cache` that did not change since they were parsed.
pub fn load_site_cached(root: &Path, cache: Option<&LoadCache>) -> Result<(RawSite, Diagnostics), LoadError> {
    let mut diags = Diagnostics::default();
    let book_path = root.join("book.toml");
    if !book_path.is_file() {
        // Nothing is read: the changes reported so far wait for the next load.
        return Err(LoadError::NoBook(root.to_path_buf()));
    }
    if let Some(c) = cache {
        c.begin();
    }
    let book = read_toml::<RawBook>(root, Path::new("book.toml"), String::new(), cache, &mut diags);
    let mut sections = Vec::new();
    let mut broken = Broken::default();
    let procedures =
        read_toml_tree(root, ContentKind::Procedures, cache, &mut sections, &mut broken.procedures, &mut diags);
    let scenarios =
        read_toml_tree(root, ContentKind::Scenarios, cache, &mut sections, &mut broken.scenarios, &mut diags);
    let snippets = read_toml_tree(root, ContentKind::Snippets, cache, &mut sections, &mut broken.snippets, &mut diags);
    let selector_rel = Path::new("content/selector.toml");
    let selector = match std::fs::metadata(root.join(selector_rel)) {
        Ok(m) if m.is_file() => read_toml::<RawSelector>(root, selector_rel, String::new(), cache, &mut diags),
        Ok(_) => {
            diags.push(Diagnostic::error(selector_rel, "not a regular file (a pipe, socket, device or folder?)"));
            None
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            diags.push(Diagnostic::error(selector_rel, format!("cannot read file: {e}")));
            None
        }
    };
    let (pages, stray_files) = read_pages(root, cache, &mut sections, &mut broken.pages, &mut diags);
    let i18n = read_i18n(root, cache, &mut broken.i18n, &mut diags);
    let lock_rel = Path::new(crate::i18n::LOCK_FILE);
    let translations_lock = root.join(lock_rel).is_file().then(|| read_source(root, lock_rel, &mut diags)).flatten();

    // Files with errors are left out, and their ids kept, so that validation goes on and reports
    // every other error without also reporting references to them as unknown.
    match book {
        Some(book) => Ok((
            RawSite {
                root: root.to_path_buf(),
                book,
                procedures,
                scenarios,
                selector,
                snippets,
                pages,
                sections,
                i18n,
                stray_files,
                broken,
                translations_lock,
            },
            diags,
        )),
        None => Err(LoadError::Content(diags)),
    }
}

/// Editors' temporary and backup files, never content: `.x.swp`, `x~`, `#x#`, `.#x`.
pub fn is_editor_artifact(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || name.starts_with('#') || name.ends_with(".swp")
}

/// Reads a file as UTF-8, reporting the first invalid byte by line and column.
pub fn read_source(root: &Path, rel: &Path, diags: &mut Diagnostics) -> Option<SourceFile> {
    let bytes = match std::fs::read(root.join(rel)) {
        Ok(b) => b,
        Err(e) => {
            diags.push(Diagnostic::error(rel, format!("cannot read file: {e}")));
            return None;
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => Some(SourceFile { path: rel.to_path_buf(), text: text.into() }),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let rest_of_line = bytes[valid..].split(|b| *b == b'\n').next().unwrap_or(&[]);
            let shown = format!("{prefix}{}", String::from_utf8_lossy(rest_of_line));
            let loc = crate::diag::Location::from_span(&shown, prefix.len()..prefix.len() + 1);
            diags.push(
                Diagnostic::error(
                    rel,
                    format!("file is not valid UTF-8 (invalid byte 0x{:02X}); save it as UTF-8", bytes[valid]),
                )
                .at(loc),
            );
            None
        }
    }
}

fn read_toml<T: DeserializeOwned + Clone + Send + Sync + 'static>(
    root: &Path,
    rel: &Path,
    id: String,
    cache: Option<&LoadCache>,
    diags: &mut Diagnostics,
) -> Option<Parsed<T>> {
    if let Some(hit) = cache.and_then(|c| c.unchanged::<Parsed<T>>(rel)) {
        return Some(hit);
    }
    let stamp = cache.and_then(|_| LoadCache::stamp(root, rel));
    if let Some(hit) = cache.zip(stamp.as_ref()).and_then(|(c, s)| c.get::<Parsed<T>>(rel, s)) {
        return Some(hit);
    }
    if let Some(c) = cache {
        c.forget(rel);
    }
    let file = read_source(root, rel, diags)?;
    let value = parse_toml::<T>(&file, &file.text, 0, diags)?;
    let parsed = Parsed { id, file, value: Arc::new(value) };
    if let (Some(c), Some(s)) = (cache, stamp) {
        c.put(rel, s, parsed.clone());
    }
    Some(parsed)
}

/// Parses `text` (found at byte `offset` of `file`) as TOML into `T`, reporting errors in place.
fn parse_toml<T: DeserializeOwned>(file: &SourceFile, text: &str, offset: usize, diags: &mut Diagnostics) -> Option<T> {
    // Strings written out as they read are kept as parts of the file's text, not copied.
    match crate::source_str::parsing(&file.text, || toml::from_str::<T>(text)) {
        Ok(v) => Some(v),
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let loc = file.locate(offset + span.start..offset + span.end);
            let message = e.message().trim_end().replace('\n', " ");
            diags.push(Diagnostic::error(&file.path, message).at(loc));
            None
        }
    }
}

/// The items of a kind's folder and its section folders, read recursively: each item's id is its
/// path below the kind's folder without the extension (`accounts/create-work-account`).
fn read_toml_tree<T: DeserializeOwned + Clone + Send + Sync + 'static>(
    root: &Path,
    kind: ContentKind,
    cache: Option<&LoadCache>,
    sections: &mut Vec<RawSectionDir>,
    broken_ids: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
) -> Vec<Parsed<T>> {
    use rayon::prelude::*;
    let tree = walk(root, kind, cache, sections, diags);
    // Files are read and parsed in parallel; results and diagnostics keep the sorted file order.
    let results: Vec<(Option<Parsed<T>>, Option<String>, Diagnostics)> = tree
        .par_iter()
        .map(|(rel, sub)| {
            let mut d = Diagnostics::default();
            let Some(id) = sub.strip_suffix(".toml") else {
                d.push(Diagnostic::warning(rel, "ignored: only .toml files are read in this folder"));
                return (None, None, d);
            };
            if !check_item_id(rel, id, &mut d) {
                return (None, None, d);
            }
            let parsed = read_toml::<T>(root, rel, id.to_string(), cache, &mut d);
            let broken = parsed.is_none().then(|| id.to_string());
            (parsed, broken, d)
        })
        .collect();
    let mut out = Vec::with_capacity(results.len());
    for (parsed, broken, d) in results {
        diags.extend(d);
        out.extend(parsed);
        broken_ids.extend(broken);
    }
    out
}

/// Checks every `/`-separated segment of an id taken from a file's path.
fn check_item_id(rel: &Path, id: &str, diags: &mut Diagnostics) -> bool {
    if crate::ids::last_segment(id) == "index" {
        diags.push(Diagnostic::error(rel, "`index` cannot be an id: it is the file name of home and section pages"));
        return false;
    }
    let ok = id.split('/').all(crate::ids::is_valid_id);
    if !ok {
        diags.push(Diagnostic::error(
            rel,
            format!(
                "invalid id `{id}` (from the file's path): use lowercase letters, digits and single hyphens in every file and folder name"
            ),
        ));
    }
    ok
}

/// The `i18n/*.toml` files, one per language code.
fn read_i18n(
    root: &Path,
    cache: Option<&LoadCache>,
    broken: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
) -> Vec<Parsed<RawUiStrings>> {
    let dir = root.join("i18n");
    let Ok(entries) = std::fs::read_dir(&dir) else { return Vec::new() };
    let mut names: Vec<String> = entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    let mut out = Vec::new();
    for name in names.iter().filter(|n| !is_editor_artifact(n)) {
        let rel = Path::new("i18n").join(name);
        match name.strip_suffix(".toml") {
            Some(id) => match read_toml(root, &rel, id.to_string(), cache, diags) {
                Some(parsed) => out.push(parsed),
                None => {
                    broken.insert(id.to_string());
                }
            },
            None => diags.push(Diagnostic::warning(&rel, "ignored: only .toml files are read in this folder")),
        }
    }
    out
}

/// Walks `content/<kind>/` recursively, sorted by name, editor artifacts and hidden entries
/// skipped (or takes the kept listing when nothing was added or removed). Returns each file as
/// (path from the site root, path below the kind's folder) and records every section folder with
/// its `_section.toml`, reporting folders that lack one and entries that are neither files nor
/// folders.
fn walk(
    root: &Path,
    kind: ContentKind,
    cache: Option<&LoadCache>,
    sections: &mut Vec<RawSectionDir>,
    diags: &mut Diagnostics,
) -> Vec<(PathBuf, String)> {
    let listing = match cache.and_then(|c| c.listing(root, kind)) {
        Some(kept) => kept,
        None => {
            let listing = Arc::new(list(root, kind, cache.is_some()));
            if let Some(c) = cache {
                c.keep_listing(kind, Arc::clone(&listing));
            }
            listing
        }
    };
    for d in &listing.diags {
        diags.push(d.clone());
    }
    let base = Path::new("content").join(kind.folder());
    // Each folder's `_section.toml` is taken out of the item files.
    let is_section_file = |sub: &str| sub == "_section.toml" || sub.ends_with("/_section.toml");
    let section_files: HashMap<&str, &PathBuf> =
        listing.files.iter().filter(|(_, sub)| is_section_file(sub)).map(|(rel, sub)| (sub.as_str(), rel)).collect();
    for folder in &listing.folders {
        let file_sub = if folder.is_empty() { "_section.toml".to_string() } else { format!("{folder}/_section.toml") };
        let file = match section_files.get(file_sub.as_str()) {
            Some(rel) => read_toml::<RawSectionFile>(root, rel, folder.clone(), cache, diags),
            None if folder.is_empty() => None,
            None => {
                diags.push(Diagnostic::error(
                    base.join(folder),
                    format!(
                        "section folder `{folder}` has no _section.toml: create {} with at least `title = {{ … }}`",
                        base.join(folder).join("_section.toml").display()
                    ),
                ));
                None
            }
        };
        sections.push(RawSectionDir { kind, path: folder.clone(), file });
    }
    listing.files.iter().filter(|(_, sub)| !is_section_file(sub)).cloned().collect()
}

/// Lists `content/<kind>/` for [`walk`]; with `keep`, also what a kept listing is checked
/// against (a one-shot build keeps nothing).
fn list(root: &Path, kind: ContentKind, keep: bool) -> Listing {
    let base = Path::new("content").join(kind.folder());
    let abs = root.join(&base);
    let mut listing = Listing {
        files: Vec::new(),
        folders: vec![String::new()],
        diags: Vec::new(),
        watched: HashSet::new(),
        listed: HashSet::new(),
        keepable: true,
    };
    if !abs.is_dir() {
        return listing;
    }
    // Folders reached through a symbolic link: nothing below them is watched.
    let mut linked: Vec<PathBuf> = Vec::new();
    let mut any_link = false;
    let mut walker = walkdir::WalkDir::new(&abs).min_depth(1).follow_links(true).sort_by_file_name().into_iter();
    while let Some(entry) = walker.next() {
        let e = match entry {
            Ok(e) => e,
            Err(err) => {
                let at = err.path().and_then(|p| p.strip_prefix(root).ok()).unwrap_or(&base).to_path_buf();
                let message = if err.loop_ancestor().is_some() {
                    "symbolic link loop: this folder links to one of its own parents".to_string()
                } else {
                    format!("cannot read: {err}")
                };
                listing.diags.push(Diagnostic::error(at, message));
                continue;
            }
        };
        let name = e.file_name().to_string_lossy();
        if is_editor_artifact(&name) {
            if e.file_type().is_dir() {
                walker.skip_current_dir();
            }
            continue;
        }
        let Ok(sub) = e.path().strip_prefix(&abs) else { continue };
        let sub = sub.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        let rel = base.join(e.path().strip_prefix(&abs).unwrap_or(e.path()));
        let through_link = e.path_is_symlink() || linked.iter().any(|l| rel.starts_with(l));
        any_link |= through_link;
        if e.file_type().is_dir() {
            if !sub.split('/').all(crate::ids::is_valid_id) {
                listing.diags.push(Diagnostic::error(
                    &rel,
                    format!("invalid section folder name `{name}`: use lowercase letters, digits and single hyphens"),
                ));
                walker.skip_current_dir();
                continue;
            }
            if through_link {
                linked.push(rel.clone());
            }
            if keep {
                listing.listed.insert(rel);
            }
            listing.folders.push(sub);
        } else if e.file_type().is_file() {
            if keep {
                if !through_link {
                    listing.watched.insert(rel.clone());
                }
                listing.listed.insert(rel.clone());
            }
            listing.files.push((rel, sub));
        } else {
            listing.diags.push(Diagnostic::error(&rel, "not a regular file (a pipe, socket or device?): remove it"));
        }
    }
    listing.keepable = !any_link && listing.diags.is_empty();
    listing
}

fn read_pages(
    root: &Path,
    cache: Option<&LoadCache>,
    sections: &mut Vec<RawSectionDir>,
    broken_ids: &mut BTreeSet<String>,
    diags: &mut Diagnostics,
) -> (Vec<RawPageFile>, Vec<PathBuf>) {
    use rayon::prelude::*;
    let mut stray = Vec::new();
    let mut named = Vec::new();
    for (rel, sub) in walk(root, ContentKind::Pages, cache, sections, diags) {
        let parts = sub.strip_suffix(".md").and_then(|stem| stem.rsplit_once('.'));
        match parts {
            Some((id, lang)) if !lang.contains('/') => named.push((id.to_string(), lang.to_string(), rel)),
            _ => stray.push(rel),
        }
    }
    // Read and parsed in parallel; results and diagnostics keep the sorted file order.
    let results: Vec<(Option<RawPageFile>, String, Diagnostics)> = named
        .into_par_iter()
        .map(|(id, lang, rel)| {
            let mut d = Diagnostics::default();
            let page = read_page(root, cache, id.clone(), lang, &rel, &mut d);
            (page, id, d)
        })
        .collect();
    let mut pages = Vec::with_capacity(results.len());
    for (page, id, d) in results {
        if page.is_none() && d.has_errors() {
            broken_ids.insert(id);
        }
        diags.extend(d);
        pages.extend(page);
    }
    (pages, stray)
}

/// Reads one language file of a page: its front matter and where its body starts.
fn read_page(
    root: &Path,
    cache: Option<&LoadCache>,
    id: String,
    lang: String,
    rel: &Path,
    diags: &mut Diagnostics,
) -> Option<RawPageFile> {
    if !check_item_id(rel, &id, diags) {
        return None;
    }
    if let Some(hit) = cache.and_then(|c| c.unchanged::<RawPageFile>(rel)) {
        return Some(hit);
    }
    let stamp = cache.and_then(|_| LoadCache::stamp(root, rel));
    if let Some(hit) = cache.zip(stamp.as_ref()).and_then(|(c, s)| c.get::<RawPageFile>(rel, s)) {
        return Some(hit);
    }
    if let Some(c) = cache {
        c.forget(rel);
    }
    let file = read_source(root, rel, diags)?;
    let Some((front_text, front_offset, body_offset)) = split_front_matter(&file.text) else {
        diags.push(
            Diagnostic::error(
                rel,
                "missing front matter: start the file with a `+++` line, `title = \"…\"`, and a closing `+++` line",
            )
            .at(file.locate(0..0)),
        );
        return None;
    };
    let front = parse_toml::<RawFrontMatter>(&file, front_text, front_offset, diags)?;
    let page = RawPageFile { id, lang, front, body_offset, file };
    if let (Some(c), Some(s)) = (cache, stamp) {
        c.put(rel, s, page.clone());
    }
    Some(page)
}

/// Splits `+++\n<toml>\n+++\n<body>`: returns the TOML text, its offset and the body's offset.
fn split_front_matter(text: &str) -> Option<(&str, usize, usize)> {
    let text_start = text.strip_prefix('\u{feff}').map_or(0, |_| 3);
    let rest = &text[text_start..];
    let first_line_end = rest.find('\n')?;
    if rest[..first_line_end].trim_end() != "+++" {
        return None;
    }
    let front_start = text_start + first_line_end + 1;
    let mut pos = front_start;
    for line in text[front_start..].split_inclusive('\n') {
        if line.trim_end() == "+++" {
            return Some((&text[front_start..pos], front_start, pos + line.len()));
        }
        pos += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_written_out_are_parts_of_the_file_not_copies() {
        // The memory of a large site depends on it: a text read through `Spanned`, `LangMap` and
        // `Spanned` again must still be the file's own bytes (a literal, a plain string).
        let text: Arc<str> = "title = { ja = \"手順\", en = \"Steps\" }\n\n[[steps]]\nid = \"a\"\ntext.ja = '''\n確認します。\n'''\ntext.en = \"Check \\\"it\\\".\"\n".into();
        let file = SourceFile { path: PathBuf::from("content/procedures/p.toml"), text: Arc::clone(&text) };
        let mut diags = Diagnostics::default();
        let p: RawProcedure = parse_toml(&file, &file.text, 0, &mut diags).unwrap_or_else(|| panic!("{diags:?}"));
        let inside = |s: &str| {
            let (base, at) = (text.as_ptr() as usize, s.as_ptr() as usize);
            at >= base && at + s.len() <= base + text.len()
        };
        let value = |t: &RawText, lang: &str| -> crate::source_str::SourceStr {
            t.get_ref().get(lang).map(|v| v.get_ref().clone()).unwrap_or_else(|| panic!("no {lang}"))
        };
        let step_text = p.steps[0].get_ref().text.as_ref().unwrap_or_else(|| panic!("no text"));
        for s in [value(&p.title, "ja"), value(&p.title, "en"), value(step_text, "ja")] {
            assert!(inside(&s), "{s:?} is a copy");
        }
        // A string with an escape cannot be: it is a copy, and reads as written.
        let escaped = value(step_text, "en");
        assert!(!inside(&escaped));
        assert_eq!(escaped.as_str(), "Check \"it\".");
    }

    #[test]
    fn front_matter() {
        let t = "+++\ntitle = \"x\"\n+++\nbody\n";
        assert_eq!(split_front_matter(t), Some(("title = \"x\"\n", 4, 20)));
        assert_eq!(&t[20..], "body\n");
        assert_eq!(split_front_matter("no front matter"), None);
        assert_eq!(split_front_matter("+++\nunclosed"), None);
    }

    #[test]
    fn editor_artifacts() {
        for a in [".x.toml.swp", "x.toml~", "#x.toml#", ".#x.toml", "4913.swp"] {
            assert!(is_editor_artifact(a), "{a}");
        }
        assert!(!is_editor_artifact("x.toml"));
    }
}
