//! Section trees: the folders below `content/procedures/`, `content/scenarios/` and
//! `content/pages/`, each with its `_section.toml`, holding items ordered by weight, then id.

use super::{Page, Procedure, Scenario};
use crate::config::{Text, Texts};
use crate::diag::Diagnostic;
use crate::ids::{PageId, ProcedureId, ScenarioId, SectionId, parent_section};
use crate::load::{ContentKind, RawSectionDir};
use std::collections::BTreeMap;

/// A section and what it holds, in reading order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Section {
    pub kind: ContentKind,
    pub id: SectionId,
    /// `None` for a kind's own folder without `_section.toml`: the theme names it.
    pub title: Option<Text>,
    pub description: Option<Text>,
    pub weight: i64,
    pub parent: Option<SectionId>,
    pub children: Vec<SectionId>,
    pub items: Vec<Item>,
}

/// An item of a section.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Item {
    Procedure(ProcedureId),
    Scenario(ScenarioId),
    Page(PageId),
}

impl Item {
    pub fn id(&self) -> &str {
        match self {
            Item::Procedure(id) => id.as_str(),
            Item::Scenario(id) => id.as_str(),
            Item::Page(id) => id.as_str(),
        }
    }

    pub fn kind(&self) -> ContentKind {
        match self {
            Item::Procedure(_) => ContentKind::Procedures,
            Item::Scenario(_) => ContentKind::Scenarios,
            Item::Page(_) => ContentKind::Pages,
        }
    }
}

/// Every section of every kind, keyed by kind and id.
pub type Sections = BTreeMap<(ContentKind, SectionId), Section>;

/// Builds the section trees from the folders `load` found and the validated items. Reports a
/// page id that names a section folder too.
pub(super) fn build(
    raw: &[RawSectionDir],
    texts: &mut Texts<'_>,
    procedures: &BTreeMap<ProcedureId, Procedure>,
    scenarios: &BTreeMap<ScenarioId, Scenario>,
    pages: &BTreeMap<PageId, Page>,
) -> Sections {
    let mut out = Sections::new();
    for kind in ContentKind::ALL {
        out.insert((kind, SectionId::new("")), empty(kind, SectionId::new(""), None, None, 0));
    }
    for dir in raw {
        let id = SectionId::new(&dir.path);
        // Snippets are not published: their folders are checked like sections, but no page lists them.
        if !ContentKind::ALL.contains(&dir.kind) {
            if let Some(f) = &dir.file {
                let file = texts.add_file(f.file.clone());
                let _ = texts.text(file, "title", &f.value.title);
                let _ = texts.optional(file, "description", f.value.description.as_ref());
            }
            continue;
        }
        let (title, description, weight) = match &dir.file {
            Some(f) => {
                let file = texts.add_file(f.file.clone());
                let title = texts.text(file, "title", &f.value.title);
                let description = texts.optional(file, "description", f.value.description.as_ref()).flatten();
                (title, description, f.value.weight.unwrap_or(0))
            }
            None => (None, None, 0),
        };
        let parent = (!dir.path.is_empty()).then(|| parent_section(&dir.path));
        out.insert((dir.kind, id.clone()), empty(dir.kind, id, title, description, weight).with_parent(parent));
    }
    // Children, each list ordered by weight, then id.
    let keys: Vec<(ContentKind, SectionId)> = out.keys().cloned().collect();
    for (kind, id) in &keys {
        let Some(parent) = out.get(&(*kind, id.clone())).and_then(|s| s.parent.clone()) else { continue };
        if let Some(p) = out.get_mut(&(*kind, parent)) {
            p.children.push(id.clone());
        }
    }
    let weights: BTreeMap<(ContentKind, SectionId), i64> = out.iter().map(|(k, s)| (k.clone(), s.weight)).collect();
    for s in out.values_mut() {
        let kind = s.kind;
        s.children.sort_by_key(|c| (weights.get(&(kind, c.clone())).copied().unwrap_or(0), c.clone()));
    }
    let mut items: Vec<(Item, i64)> = Vec::new();
    items.extend(procedures.values().map(|p| (Item::Procedure(p.id.clone()), p.weight)));
    items.extend(scenarios.values().map(|s| (Item::Scenario(s.id.clone()), s.weight)));
    items.extend(pages.values().map(|p| (Item::Page(p.id.clone()), p.weight)));
    items.sort_by(|(a, wa), (b, wb)| (a.kind(), *wa, a.id()).cmp(&(b.kind(), *wb, b.id())));
    for (item, _) in items {
        let key = (item.kind(), parent_section(item.id()));
        if let Some(s) = out.get_mut(&key) {
            s.items.push(item);
        }
    }
    for page in pages.keys() {
        if out.contains_key(&(ContentKind::Pages, SectionId::new(page.as_str()))) {
            let path = format!("content/pages/{page}");
            texts.diags.push(Diagnostic::error(
                &path,
                format!(
                    "page `{page}` and section folder `{page}/` would both be published as `{page}`: rename one of them"
                ),
            ));
        }
    }
    out
}

fn empty(kind: ContentKind, id: SectionId, title: Option<Text>, description: Option<Text>, weight: i64) -> Section {
    Section { kind, id, title, description, weight, parent: None, children: Vec::new(), items: Vec::new() }
}

impl Section {
    fn with_parent(mut self, parent: Option<SectionId>) -> Section {
        self.parent = parent;
        self
    }

    /// Where `item` stands in this section's list.
    pub fn position(&self, item: &Item) -> Option<usize> {
        self.items.iter().position(|i| i == item)
    }
}
