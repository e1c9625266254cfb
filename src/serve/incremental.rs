//! Incremental rebuilds for `serve`: reload and validate the whole site (cheap), then re-render only
//! the pages whose inputs changed, reusing the other pages of the previous build. The result is
//! byte-identical to a full build; `tests/serve.rs` checks it after a series of edits.

use crate::config::Text;
use crate::ids::{Lang, PageId, ProcedureId, ScenarioId, SitePath};
use crate::markdown::{LinkDest, RefKind, classify, links};
use crate::model::{Section, Site};
use crate::render::{OutputFile, PageKind, all_pages, page_path, render_page};
use crate::{BuildError, diag::Diagnostics};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

/// A complete build held in memory: what `serve` answers requests from.
pub struct Snapshot {
    pub site: Site,
    pub theme_fingerprint: u64,
    /// Shared with later snapshots: a rebuild reuses unchanged pages without copying them.
    pub files: BTreeMap<SitePath, Arc<OutputFile>>,
}

/// The outcome of one rebuild.
pub struct Rebuilt {
    pub snapshot: Snapshot,
    /// Pages rendered this time (the others were reused).
    pub rendered: usize,
    pub total_pages: usize,
    pub warnings: Diagnostics,
}

/// A piece of content a page can depend on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Entity {
    Procedure(ProcedureId),
    /// A procedure's title alone (listed on the home page).
    ProcedureTitle(ProcedureId),
    Scenario(ScenarioId),
    /// A scenario's title and symptom (its card on the home and entry pages).
    ScenarioCard(ScenarioId),
    Page(PageId),
    Selector,
}

/// Rebuilds the site at `root`, reusing what it can of `previous`.
pub fn rebuild(root: &Path, previous: Option<&Snapshot>) -> Result<Rebuilt, BuildError> {
    rebuild_cached(root, previous, None)
}

/// [`rebuild`], also reusing the parsed source files of `cache` that did not change.
pub fn rebuild_cached(
    root: &Path,
    previous: Option<&Snapshot>,
    cache: Option<&crate::load::LoadCache>,
) -> Result<Rebuilt, BuildError> {
    let (site, theme, warnings) = crate::load_and_validate_cached(root, cache)?;
    let pages = all_pages(&site);
    let dirty: Vec<&(PageKind, Option<Lang>)> = match previous {
        Some(prev) if prev.theme_fingerprint == theme.fingerprint && !needs_full_render(&prev.site, &site) => {
            let changed = changed_entities(&prev.site, &site);
            pages.iter().filter(|(kind, _)| depends_on(&site, kind, &changed)).collect()
        }
        _ => pages.iter().collect(),
    };
    let rendered: Vec<Result<OutputFile, Box<crate::diag::Diagnostic>>> = dirty
        .par_iter()
        .map(|(kind, lang)| {
            let mut f = render_page(&site, &theme, kind, lang.as_ref())?;
            if site.config.minify {
                crate::output::minify_one(&mut f);
            }
            Ok(f)
        })
        .collect();
    let mut diags = warnings.clone();
    let mut files: BTreeMap<SitePath, Arc<OutputFile>> = BTreeMap::new();
    for r in rendered {
        match r {
            Ok(f) => {
                files.insert(f.path.clone(), Arc::new(f));
            }
            Err(d) => diags.push(*d),
        }
    }
    if diags.has_errors() {
        return Err(BuildError::Content(diags));
    }
    let rendered_count = files.len();
    if let Some(prev) = previous {
        for (kind, lang) in &pages {
            let path = page_path(kind, lang.as_ref());
            if !files.contains_key(&path)
                && let Some(old) = prev.files.get(&path)
            {
                files.insert(path, Arc::clone(old));
            }
        }
    }
    let any_code = files.values().any(|f| f.uses_highlight);
    for asset in crate::render::assets(&site, &theme, &pages, any_code) {
        files.insert(asset.path.clone(), Arc::new(asset));
    }
    Ok(Rebuilt {
        snapshot: Snapshot { site, theme_fingerprint: theme.fingerprint, files },
        rendered: rendered_count,
        total_pages: pages.len(),
        warnings,
    })
}

/// Changes that show on every page: configuration, UI strings, the set of ids, the title of a
/// scenario or page (every page's navigation lists them).
fn needs_full_render(old: &Site, new: &Site) -> bool {
    old.config != new.config
        || old.ui != new.ui
        || !old.procedures.keys().eq(new.procedures.keys())
        || !old.scenarios.keys().eq(new.scenarios.keys())
        || !old.pages.keys().eq(new.pages.keys())
        || !old.scenarios.values().map(|s| &s.title).eq(new.scenarios.values().map(|s| &s.title))
        || !old.pages.values().map(|p| &p.titles).eq(new.pages.values().map(|p| &p.titles))
}

fn changed_entities(old: &Site, new: &Site) -> BTreeSet<Entity> {
    let mut changed = BTreeSet::new();
    for (id, p) in &new.procedures {
        let before = old.procedures.get(id);
        if before != Some(p) {
            changed.insert(Entity::Procedure(id.clone()));
        }
        if before.map(|b| &b.title) != Some(&p.title) {
            changed.insert(Entity::ProcedureTitle(id.clone()));
        }
    }
    for (id, s) in &new.scenarios {
        let before = old.scenarios.get(id);
        if before != Some(s) {
            changed.insert(Entity::Scenario(id.clone()));
        }
        if before.map(|b| (&b.title, &b.symptom)) != Some((&s.title, &s.symptom)) {
            changed.insert(Entity::ScenarioCard(id.clone()));
        }
    }
    for (id, p) in &new.pages {
        if old.pages.get(id) != Some(p) {
            changed.insert(Entity::Page(id.clone()));
        }
    }
    if old.selector != new.selector {
        changed.insert(Entity::Selector);
    }
    changed
}

/// Whether the page `kind` must be rendered again after `changed`.
fn depends_on(site: &Site, kind: &PageKind, changed: &BTreeSet<Entity>) -> bool {
    let langs = &site.config.languages;
    let mut deps: Vec<Entity> = Vec::new();
    match kind {
        // Both list every scenario with its title and symptom; home also holds the selector and
        // lists every procedure by title.
        PageKind::Root | PageKind::Home => {
            deps.extend(site.scenarios.keys().cloned().map(Entity::ScenarioCard));
            if *kind == PageKind::Home {
                deps.extend(site.procedures.keys().cloned().map(Entity::ProcedureTitle));
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
        PageKind::Scenario(id) => {
            deps.push(Entity::Scenario(id.clone()));
            if let Some(sc) = site.scenarios.get(id) {
                deps.extend(text_refs(&sc.symptom, langs));
                for section in &sc.sections {
                    match section {
                        Section::Text(t) => deps.extend(text_refs(t, langs)),
                        Section::Procedure { id, when } => {
                            deps.push(Entity::Procedure(id.clone()));
                            if let Some(w) = when {
                                deps.extend(text_refs(w, langs));
                            }
                        }
                    }
                }
            }
        }
        PageKind::Procedure(id) => {
            deps.push(Entity::Procedure(id.clone()));
            if let Some(p) = site.procedures.get(id) {
                deps.extend(p.summary.iter().flat_map(|s| text_refs(s, langs)));
                let mut stack: Vec<&crate::model::Step> = p.steps.iter().collect();
                while let Some(step) = stack.pop() {
                    deps.extend(text_refs(&step.text, langs));
                    deps.extend(step.note.iter().flat_map(|n| text_refs(n, langs)));
                    stack.extend(&step.substeps);
                }
            }
        }
        PageKind::Page(id) => {
            deps.push(Entity::Page(id.clone()));
            if let Some(p) = site.pages.get(id) {
                deps.extend(text_refs(&p.body, langs));
            }
        }
    }
    deps.iter().any(|d| changed.contains(d))
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
