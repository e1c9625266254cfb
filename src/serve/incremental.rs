//! Snapshots and incremental rebuilds for `serve`. A snapshot is a validated site whose pages are
//! rendered when first requested and kept; memory grows with the pages readers open, not with
//! the site. A rebuild reloads and validates the site (unchanged files come from the load cache),
//! keeps the rendered pages whose inputs did not change, and renders again, at once, the open
//! pages whose inputs changed, so that a reload is instant. Pages are rendered by the same
//! [`crate::render::render_page`] as `build`'s, so they are byte-identical to a full build;
//! `tests/serve.rs` checks it after a series of edits.

use crate::config::Text;
use crate::diag::Diagnostic;
use crate::ids::{Lang, PageId, ProcedureId, ScenarioId, SectionId, SitePath, SnippetId, parent_section};
use crate::load::ContentKind;
use crate::markdown::{LinkDest, RefKind, classify, links};
use crate::model::{Item, Part, Section, Site, User};
use crate::render::{OutputFile, PageKind, RenderError, all_pages, page_path, render_page};
use crate::theme::Theme;
use crate::{BuildError, diag::Diagnostics};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A good build held in memory: what `serve` answers requests from.
pub struct Snapshot {
    pub site: Site,
    theme: Arc<Theme>,
    pub theme_fingerprint: u64,
    /// Every page of the site, by path.
    pages: BTreeMap<SitePath, (PageKind, Option<Lang>)>,
    /// Theme files, the highlighting stylesheet and the sitemap.
    assets: BTreeMap<SitePath, Arc<OutputFile>>,
    /// The search index, built from the whole site when a reader first searches.
    search: std::sync::OnceLock<BTreeMap<SitePath, Arc<OutputFile>>>,
    /// The pages rendered so far; shared with later snapshots while their inputs stay the same.
    rendered: Mutex<BTreeMap<SitePath, Arc<OutputFile>>>,
    sections: BTreeMap<(ContentKind, SectionId), SectionDigest>,
}

impl Snapshot {
    /// The file at `path`: an asset, or a page (rendered now if nobody asked for it before).
    /// `None` when the site has no such file; an error when a template fails on this page.
    pub fn get(&self, path: &SitePath) -> Option<Result<Arc<OutputFile>, Box<Diagnostic>>> {
        if let Some(asset) = self.assets.get(path).or_else(|| self.search_files(path).get(path)) {
            return Some(Ok(Arc::clone(asset)));
        }
        let (kind, lang) = self.pages.get(path)?;
        if let Some(page) = self.lock().get(path) {
            return Some(Ok(Arc::clone(page)));
        }
        Some(render_page(&self.site, &self.theme, kind, lang.as_ref()).map(|page| {
            let page = Arc::new(page);
            self.lock().insert(path.clone(), Arc::clone(&page));
            page
        }))
    }

    /// Whether the site has a file at `path`.
    pub fn contains(&self, path: &SitePath) -> bool {
        self.assets.contains_key(path) || self.pages.contains_key(path) || self.search_files(path).contains_key(path)
    }

    /// Every path of the site: pages, then assets (building the search index).
    pub fn paths(&self) -> impl Iterator<Item = &SitePath> {
        let search = self.search.get_or_init(|| self.build_search());
        self.pages.keys().chain(self.assets.keys()).chain(search.keys())
    }

    /// The search index when `path` is one of its files (built then), else nothing.
    fn search_files(&self, path: &SitePath) -> &BTreeMap<SitePath, Arc<OutputFile>> {
        static NONE: BTreeMap<SitePath, Arc<OutputFile>> = BTreeMap::new();
        if path.as_str().starts_with("assets/search/") {
            self.search.get_or_init(|| self.build_search())
        } else {
            &NONE
        }
    }

    fn build_search(&self) -> BTreeMap<SitePath, Arc<OutputFile>> {
        crate::render::search_files(&self.site).into_iter().map(|f| (f.path.clone(), Arc::new(f))).collect()
    }

    /// How many pages are rendered and kept.
    pub fn rendered_pages(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<SitePath, Arc<OutputFile>>> {
        self.rendered.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The outcome of one rebuild.
pub struct Rebuilt {
    pub snapshot: Snapshot,
    /// Pages rendered this time (the others were reused).
    pub rendered: usize,
    pub total_pages: usize,
    pub warnings: Diagnostics,
}

/// What other pages show of a section, hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SectionDigest {
    /// Its title (breadcrumbs).
    title: u64,
    /// Its entries' ids, order and titles (section navigation, footer).
    nav: u64,
    /// Its entries with their summaries and descriptions (its index page, home).
    cards: u64,
}

/// A piece of content a page can depend on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Entity {
    Procedure(ProcedureId),
    Scenario(ScenarioId),
    /// A scenario's title (listed on the procedures that use it).
    ScenarioTitle(ScenarioId),
    Page(PageId),
    Snippet(SnippetId),
    Selector,
    SectionTitle(ContentKind, SectionId),
    SectionNav(ContentKind, SectionId),
    SectionCards(ContentKind, SectionId),
}

/// Rebuilds the site at `root`, reusing what it can of `previous` and the parsed files of `cache`.
/// A first build renders the home pages (so that a broken template shows at once); a later one
/// renders again the pages readers have open whose inputs changed.
pub fn rebuild_cached(
    root: &Path,
    previous: Option<&Snapshot>,
    cache: Option<&crate::Caches>,
) -> Result<Rebuilt, BuildError> {
    let started = std::time::Instant::now();
    let (site, theme, warnings) = crate::load_and_validate_cached(root, cache)?;
    crate::timing::report("rebuild: load and validate", started);
    let sections = digests(&site);
    let all = all_pages(&site);
    let pages: BTreeMap<SitePath, (PageKind, Option<Lang>)> =
        all.iter().map(|(k, l)| (page_path(k, l.as_ref()), (k.clone(), l.clone()))).collect();
    let mut kept = BTreeMap::new();
    let mut dirty: Vec<(PageKind, Option<Lang>)> = Vec::new();
    match previous {
        Some(prev) => {
            let same_frame = prev.theme_fingerprint == theme.fingerprint
                && prev.site.config == site.config
                && prev.site.ui == site.ui;
            let changed = if same_frame { changed_entities(prev, &site, &sections) } else { BTreeSet::new() };
            for (path, file) in prev.lock().iter() {
                let Some((kind, lang)) = pages.get(path) else { continue };
                if same_frame && !depends_on(&site, kind, &changed) {
                    kept.insert(path.clone(), Arc::clone(file));
                } else {
                    dirty.push((kind.clone(), lang.clone()));
                }
            }
        }
        None => dirty.extend(all.iter().filter(|(k, _)| matches!(k, PageKind::Root | PageKind::Home)).cloned()),
    }
    crate::timing::report("rebuild: dirty pages found", started);
    let rendered = Mutex::new(kept);
    let sink = |f: OutputFile| -> Result<(), std::convert::Infallible> {
        rendered.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(f.path.clone(), Arc::new(f));
        Ok(())
    };
    match crate::render::render_pages(&site, &theme, &dirty, None, None, &sink) {
        Ok(_) => {}
        Err(RenderError::Templates(d)) => {
            let mut all = warnings;
            all.extend(d);
            return Err(BuildError::Content(all));
        }
        Err(RenderError::Sink(never)) => match never {},
    }
    // The highlighting stylesheet is offered whether or not a page shows code: which pages do
    // is known only once all are rendered, and `serve` renders pages when they are requested.
    let assets =
        crate::render::assets(&site, &theme, &all, true).into_iter().map(|f| (f.path.clone(), Arc::new(f))).collect();
    let theme_fingerprint = theme.fingerprint;
    crate::timing::report(&format!("rebuild: {} pages rendered", dirty.len()), started);
    Ok(Rebuilt {
        rendered: dirty.len(),
        total_pages: all.len(),
        snapshot: Snapshot {
            site,
            theme,
            theme_fingerprint,
            pages,
            assets,
            search: std::sync::OnceLock::new(),
            rendered,
            sections,
        },
        warnings,
    })
}

fn hash_of(v: impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// What an item shows in lists: its title, and its summary.
fn item_title_and_summary(site: &Site, item: &Item) -> (u64, u64) {
    match item {
        // Titles and summaries show the parameters' defaults.
        Item::Procedure(id) => site
            .procedures
            .get(id)
            .map_or((0, 0), |p| (hash_of((&p.title, &p.params)), hash_of((&p.summary, &p.params)))),
        Item::Scenario(id) => site.scenarios.get(id).map_or((0, 0), |s| (hash_of(&s.title), hash_of(&s.symptom))),
        Item::Page(id) => site.pages.get(id).map_or((0, 0), |p| (hash_of(&p.titles), hash_of(&p.descriptions))),
    }
}

fn digests(site: &Site) -> BTreeMap<(ContentKind, SectionId), SectionDigest> {
    let child = |s: &Section, c: &SectionId| site.section(s.kind, c);
    site.sections
        .iter()
        .map(|(key, s)| {
            let children: Vec<_> = s.children.iter().filter_map(|c| child(s, c)).map(|c| (&c.id, &c.title)).collect();
            let items: Vec<_> = s.items.iter().map(|i| (i, item_title_and_summary(site, i))).collect();
            let nav = hash_of((&children, items.iter().map(|(i, (t, _))| (i, t)).collect::<Vec<_>>()));
            let descriptions: Vec<_> = s.children.iter().filter_map(|c| child(s, c)).map(|c| &c.description).collect();
            let cards = hash_of((nav, &s.description, descriptions, &items));
            (key.clone(), SectionDigest { title: hash_of(&s.title), nav, cards })
        })
        .collect()
}

fn changed_entities(
    prev: &Snapshot,
    new: &Site,
    sections: &BTreeMap<(ContentKind, SectionId), SectionDigest>,
) -> BTreeSet<Entity> {
    let old = &prev.site;
    let mut changed = BTreeSet::new();
    for (id, p) in &new.procedures {
        if old.procedures.get(id) != Some(p) {
            changed.insert(Entity::Procedure(id.clone()));
        }
    }
    for (id, s) in &new.scenarios {
        let before = old.scenarios.get(id);
        if before != Some(s) {
            changed.insert(Entity::Scenario(id.clone()));
        }
        if before.map(|b| &b.title) != Some(&s.title) {
            changed.insert(Entity::ScenarioTitle(id.clone()));
        }
    }
    for (id, p) in &new.pages {
        if old.pages.get(id) != Some(p) {
            changed.insert(Entity::Page(id.clone()));
        }
    }
    for (id, sn) in &new.snippets {
        if old.snippets.get(id) != Some(sn) {
            changed.insert(Entity::Snippet(id.clone()));
        }
    }
    if old.selector != new.selector {
        changed.insert(Entity::Selector);
    }
    for (key, d) in sections {
        let before = prev.sections.get(key);
        let (kind, id) = key.clone();
        if before.map(|b| b.title) != Some(d.title) {
            changed.insert(Entity::SectionTitle(kind, id.clone()));
        }
        if before.map(|b| b.nav) != Some(d.nav) {
            changed.insert(Entity::SectionNav(kind, id.clone()));
        }
        if before.map(|b| b.cards) != Some(d.cards) {
            changed.insert(Entity::SectionCards(kind, id));
        }
    }
    changed
}

/// The section `id` and its ancestors, up to the kind's own list.
fn with_ancestors(id: &SectionId) -> Vec<SectionId> {
    let mut out = vec![id.clone()];
    let mut at = id.clone();
    while !at.as_str().is_empty() {
        at = parent_section(at.as_str());
        out.push(at.clone());
    }
    out
}

/// Whether the page `kind` must be rendered again after `changed`.
fn depends_on(site: &Site, kind: &PageKind, changed: &BTreeSet<Entity>) -> bool {
    let langs = &site.config.languages;
    let root = SectionId::new("");
    // Every page but the entry page has the footer: the top level of scenarios and pages.
    let mut deps: Vec<Entity> = vec![
        Entity::SectionNav(ContentKind::Scenarios, root.clone()),
        Entity::SectionNav(ContentKind::Pages, root.clone()),
    ];
    let item = match kind {
        PageKind::Procedure(id) => Some(Item::Procedure(id.clone())),
        PageKind::Scenario(id) => Some(Item::Scenario(id.clone())),
        PageKind::Page(id) => Some(Item::Page(id.clone())),
        _ => None,
    };
    if let Some(item) = &item {
        let section = parent_section(item.id());
        deps.push(Entity::SectionNav(item.kind(), section.clone()));
        deps.extend(with_ancestors(&section).into_iter().map(|s| Entity::SectionTitle(item.kind(), s)));
    }
    match kind {
        PageKind::Root => {
            deps.push(Entity::SectionTitle(ContentKind::Scenarios, root.clone()));
        }
        PageKind::Home => {
            deps.push(Entity::SectionCards(ContentKind::Scenarios, root.clone()));
            deps.push(Entity::SectionNav(ContentKind::Procedures, root.clone()));
            for k in ContentKind::ALL {
                deps.push(Entity::SectionTitle(k, root.clone()));
            }
            deps.push(Entity::Selector);
            if let Some(sel) = &site.selector {
                for q in &sel.questions {
                    deps.extend(text_refs(&q.text, langs));
                    for a in &q.answers {
                        deps.extend(text_refs(&a.text, langs));
                    }
                }
            }
        }
        PageKind::Section(k, id) => {
            deps.push(Entity::SectionCards(*k, id.clone()));
            deps.extend(with_ancestors(id).into_iter().map(|s| Entity::SectionTitle(*k, s)));
        }
        PageKind::Scenario(id) => {
            deps.push(Entity::Scenario(id.clone()));
            if let Some(sc) = site.scenarios.get(id) {
                deps.extend(text_refs(&sc.symptom, langs));
                for part in &sc.parts {
                    match part {
                        Part::Text(t) => deps.extend(text_refs(t, langs)),
                        Part::Procedure(u) => {
                            included(site, &u.id, &mut deps);
                            if let Some(w) = &u.when {
                                deps.extend(text_refs(w, langs));
                            }
                            for t in u.with.values().chain(u.notes.iter().map(|(_, t)| t)) {
                                deps.extend(text_refs(t, langs));
                            }
                        }
                        Part::Snippet(sid) => {
                            deps.push(Entity::Snippet(sid.clone()));
                            if let Some(sn) = site.snippets.get(sid) {
                                deps.extend(text_refs(&sn.text, langs));
                            }
                        }
                    }
                }
            }
        }
        PageKind::Procedure(id) => {
            included(site, id, &mut deps);
            if let Some(p) = site.procedures.get(id) {
                for u in &p.used_in {
                    deps.push(match &u.user {
                        User::Scenario(s) => Entity::ScenarioTitle(s.clone()),
                        User::Procedure(by) => Entity::Procedure(by.clone()),
                    });
                }
                deps.extend(p.summary.iter().flat_map(|s| text_refs(s, langs)));
                let mut stack: Vec<&crate::model::Step> = p.steps.iter().collect();
                while let Some(step) = stack.pop() {
                    deps.extend(text_refs(&step.text, langs));
                    deps.extend(step.note.iter().flat_map(|n| text_refs(n, langs)));
                    deps.extend(step.since_then.iter().flat_map(|n| text_refs(n, langs)));
                    stack.extend(&step.substeps);
                }
            }
        }
        // Only the frame: the footer above, the config and UI strings (a change to them
        // re-renders every page).
        PageKind::NotFound => {}
        PageKind::Page(id) => {
            deps.push(Entity::Page(id.clone()));
            if let Some(p) = site.pages.get(id) {
                deps.extend(text_refs(&p.body, langs));
                for sid in &p.snippets {
                    deps.push(Entity::Snippet(sid.clone()));
                    if let Some(sn) = site.snippets.get(sid) {
                        deps.extend(text_refs(&sn.text, langs));
                    }
                }
            }
        }
    }
    deps.iter().any(|d| changed.contains(d))
}

/// The procedure `id` and every procedure it includes, at any depth.
fn included(site: &Site, id: &ProcedureId, deps: &mut Vec<Entity>) {
    let mut stack = vec![id.clone()];
    let mut seen = BTreeSet::new();
    while let Some(p) = stack.pop() {
        if !seen.insert(p.clone()) {
            continue;
        }
        if let Some(proc) = site.procedures.get(&p) {
            stack.extend(proc.includes.iter().cloned());
        }
        deps.push(Entity::Procedure(p));
    }
}

/// The procedures, scenarios and pages a text links to.
fn text_refs(text: &Text, langs: &[Lang]) -> Vec<Entity> {
    let mut out = Vec::new();
    for lang in langs {
        for link in links(text.get(lang)) {
            if let LinkDest::Internal { kind, id, .. } = classify(&link.dest) {
                out.push(match kind {
                    RefKind::Procedure => Entity::Procedure(ProcedureId::new(id)),
                    RefKind::Scenario => Entity::Scenario(ScenarioId::new(id)),
                    RefKind::Page => Entity::Page(PageId::new(id)),
                });
            }
        }
    }
    out
}
