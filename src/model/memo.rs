//! What `resolve` can keep between `serve`'s rebuilds, so that an edit is validated without
//! converting and scanning the whole site again.
//!
//! The load cache hands out the same shared parsed value (`Arc`) for a file that did not change,
//! so a file's identity is the address of that value: while the memo holds the `Arc`, the address
//! cannot be reused. For each such file the memo keeps the item `resolve` made of it, with the
//! diagnostics and texts it recorded; for each text (identified the same way), its Markdown scan.
//! Entries not used by a rebuild are dropped at its end. Results depend only on the file and the
//! languages (and, for scenarios, the set of procedure ids), which are part of the key.

use crate::config::{TextOrigin, Texts};
use crate::diag::Diagnostic;
use crate::markdown::Scan;
use crate::source_str::SourceStr;
use rustc_hash::FxHashMap as HashMap;
use std::any::Any;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Kept by `serve` between rebuilds; `build` and `check` do without.
#[derive(Default)]
pub struct ResolveCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The languages, procedure ids and translation state (a fingerprint of the lock and the
    /// `[i18n]` options) the entries were made with.
    context: (Vec<String>, Arc<BTreeSet<String>>, u64),
    files: HashMap<usize, FileEntry>,
    scans: HashMap<(usize, usize), ScanEntry>,
    generation: u64,
    /// The last rebuild's list of texts, emptied: a rebuild records hundreds of thousands of
    /// texts, and a vector that size allocated afresh each time costs more than filling it.
    spare: Vec<(TextOrigin, SourceStr)>,
    /// The files converted or replayed by this rebuild, with where their texts are in its list.
    placed: Vec<(usize, std::ops::Range<usize>)>,
}

struct FileEntry {
    _keep: Arc<dyn Any + Send + Sync>,
    item: Arc<dyn Any + Send + Sync>,
    files: Vec<crate::diag::SourceFile>,
    diags: Vec<Diagnostic>,
    /// Its texts; once their scans are known, only those with links or headings (the others have
    /// nothing to check, and most texts are plain sentences).
    origins: Vec<(TextOrigin, SourceStr)>,
    /// Whether `origins` holds only texts with something to check.
    quiet_dropped: bool,
    used: u64,
}

struct ScanEntry {
    /// The text, kept alive so that its address (the key) stays its own.
    _keep: SourceStr,
    scan: Arc<Scan>,
    /// The last generation that used it (set by lookups running in parallel).
    used: AtomicU64,
}

impl ResolveCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts a rebuild with these languages, procedure ids and translation state; entries made
    /// with others go.
    pub(super) fn begin(&self, languages: &[crate::ids::Lang], procedures: &BTreeSet<String>, translations: u64) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.placed.clear();
        let codes: Vec<String> = languages.iter().map(|l| l.code.clone()).collect();
        if inner.context.0 != codes || *inner.context.1 != *procedures || inner.context.2 != translations {
            inner.files.clear();
            inner.context = (codes, Arc::new(procedures.clone()), translations);
        }
    }

    /// Drops what this rebuild did not use.
    pub(super) fn end(&self) {
        let mut inner = self.lock();
        let g = inner.generation;
        inner.files.retain(|_, e| e.used == g);
        inner.scans.retain(|_, e| e.used.load(Ordering::Relaxed) == g);
    }

    /// The scans kept for these texts (`None` where there is none), looked up in parallel under
    /// one lock.
    pub(super) fn scans(&self, texts: &[(TextOrigin, SourceStr)]) -> Vec<Option<Arc<Scan>>> {
        use rayon::prelude::*;
        let inner = self.lock();
        let g = inner.generation;
        texts
            .par_iter()
            .map(|(_, md)| {
                let e = inner.scans.get(&scan_key(md))?;
                e.used.store(g, Ordering::Relaxed);
                Some(Arc::clone(&e.scan))
            })
            .collect()
    }

    /// Forgets the texts of this rebuild's files that have nothing to check (`quiet(i)` for the
    /// text at index `i` of the rebuild's list), so that later rebuilds neither list nor look
    /// them up while their file stays the same.
    pub(super) fn drop_quiet(&self, quiet: impl Fn(usize) -> bool) {
        let mut inner = self.lock();
        let Inner { files, placed, .. } = &mut *inner;
        for (key, range) in placed.iter() {
            if let Some(e) = files.get_mut(key).filter(|e| !e.quiet_dropped && e.origins.len() == range.len()) {
                let mut i = range.start;
                e.origins.retain(|_| {
                    i += 1;
                    !quiet(i - 1)
                });
                e.quiet_dropped = true;
            }
        }
    }

    /// An empty vector for this rebuild's texts, with the room the last one needed.
    pub(super) fn origins_buffer(&self) -> Vec<(TextOrigin, SourceStr)> {
        std::mem::take(&mut self.lock().spare)
    }

    /// Takes back the texts' vector at the end of a rebuild, emptied.
    pub(super) fn recycle(&self, mut origins: Vec<(TextOrigin, SourceStr)>) {
        origins.clear();
        self.lock().spare = origins;
    }

    /// Keeps scans made in this rebuild.
    pub(super) fn keep_scans(&self, made: Vec<(SourceStr, Arc<Scan>)>) {
        let mut inner = self.lock();
        let used = inner.generation;
        for (md, scan) in made {
            inner.scans.insert(scan_key(&md), ScanEntry { _keep: md, scan, used: AtomicU64::new(used) });
        }
    }
}

fn scan_key(md: &SourceStr) -> (usize, usize) {
    (md.as_ptr() as usize, md.len())
}

/// Converts one file with `convert`, or replays what converting it recorded last time: the files
/// it registered in `texts`, its texts and diagnostics, and a copy of the item.
pub(super) fn convert<V, T>(
    cache: Option<&ResolveCache>,
    value: &Arc<V>,
    texts: &mut Texts<'_>,
    convert: impl FnOnce(&mut Texts<'_>) -> Option<T>,
) -> Option<T>
where
    V: Send + Sync + 'static,
    T: Clone + Send + Sync + 'static,
{
    let Some(cache) = cache else { return convert(texts) };
    let key = Arc::as_ptr(value) as *const u8 as usize;
    {
        let mut inner = cache.lock();
        let g = inner.generation;
        if let Some(e) = inner.files.get_mut(&key)
            && let Some(item) = e.item.downcast_ref::<Option<T>>()
        {
            e.used = g;
            // Texts point at their file by its index in `texts`: the files get new indices.
            let base = texts.files.len();
            texts.files.extend(e.files.iter().cloned());
            let start = texts.origins.len();
            for (origin, md) in &e.origins {
                let mut origin = origin.clone();
                origin.file += base;
                texts.origins.push((origin, md.clone()));
            }
            for d in &e.diags {
                texts.diags.push(d.clone());
            }
            let item = item.clone();
            inner.placed.push((key, start..texts.origins.len()));
            return item;
        }
    }
    let (files, origins, diags) = (texts.files.len(), texts.origins.len(), texts.diags.len());
    let item = convert(texts);
    let recorded = texts.origins[origins..]
        .iter()
        .map(|(o, md)| {
            let mut o = o.clone();
            o.file -= files;
            (o, md.clone())
        })
        .collect();
    let mut inner = cache.lock();
    let used = inner.generation;
    let entry = FileEntry {
        _keep: Arc::clone(value) as Arc<dyn Any + Send + Sync>,
        item: Arc::new(item.clone()),
        files: texts.files[files..].to_vec(),
        diags: texts.diags.iter().skip(diags).cloned().collect(),
        origins: recorded,
        quiet_dropped: false,
        used,
    };
    inner.files.insert(key, entry);
    inner.placed.push((key, origins..texts.origins.len()));
    item
}
