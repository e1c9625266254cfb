//! Navigation that does not grow with the site: the frame of every page (breadcrumb, the page's
//! section as a bounded window with previous and next, the footer's top-level lists). A page's
//! navigation depends on its own section and its ancestors only.

use super::page::Renderer;
use super::views::*;
use super::{PageKind, page_path};
use crate::ids::{SectionId, SitePath, parent_section};
use crate::load::ContentKind;
use crate::model::{Item, Section};

/// Items shown around the current one in its section's list (half before, half after).
const SECTION_WINDOW: usize = 15;
/// Entries of each top-level list in the footer.
const FOOTER_LIMIT: usize = 12;

impl<'a> Renderer<'a> {
    /// The plain-text title of a section; a kind's own list is named by the theme.
    pub fn section_title(&self, kind: ContentKind, id: &SectionId) -> String {
        match self.site.section(kind, id).and_then(|s| s.title.as_ref()) {
            Some(t) => self.plain(t),
            None => {
                let key = match kind {
                    ContentKind::Procedures => "procedures",
                    ContentKind::Scenarios => "scenarios",
                    ContentKind::Pages => "pages",
                    ContentKind::Snippets => "snippets",
                };
                self.ui.get(key).cloned().unwrap_or_else(|| key.to_string())
            }
        }
    }

    fn item_title(&self, item: &Item) -> String {
        match item {
            Item::Procedure(id) => self.site.procedures.get(id).map(|p| self.procedure_title(p)),
            Item::Scenario(id) => self.site.scenarios.get(id).map(|s| self.plain(&s.title)),
            Item::Page(id) => self.site.pages.get(id).map(|p| p.title(self.lang).to_string()),
        }
        .unwrap_or_else(|| item.id().to_string())
    }

    /// The language of an item's title when it is not the page's (a fallback).
    fn item_title_lang(&self, item: &Item) -> Option<String> {
        let title = match item {
            Item::Procedure(id) => self.site.procedures.get(id).map(|p| &p.title),
            Item::Scenario(id) => self.site.scenarios.get(id).map(|s| &s.title),
            Item::Page(id) => self.site.pages.get(id).map(|p| &p.body),
        }?;
        self.fallback_lang(title).map(str::to_string)
    }

    fn item_nav(&self, item: &Item, current: bool) -> NavItem {
        NavItem {
            title: self.item_title(item),
            lang: self.item_title_lang(item),
            url: self.url(&PageKind::of_item(item)),
            current,
            section: false,
        }
    }

    fn section_nav_item(&self, kind: ContentKind, id: &SectionId, current: bool) -> NavItem {
        let lang = self.site.section(kind, id).and_then(|s| s.title.as_ref()).and_then(|t| self.fallback_lang(t));
        NavItem {
            title: self.section_title(kind, id),
            lang: lang.map(str::to_string),
            url: self.url(&PageKind::Section(kind, id.clone())),
            current,
            section: true,
        }
    }

    /// A section's entries (sub-sections, then items) from `start`, at most `limit` of them.
    fn group(&self, section: &Section, start: usize, limit: usize, current: Option<&Item>) -> NavGroup {
        let children = section.children.len();
        let total = children + section.items.len();
        let end = (start + limit).min(total);
        let entries = (start..end)
            .map(|i| match i.checked_sub(children) {
                None => self.section_nav_item(section.kind, &section.children[i], false),
                Some(j) => {
                    let item = &section.items[j];
                    self.item_nav(item, current == Some(item))
                }
            })
            .collect();
        NavGroup {
            heading: self.section_title(section.kind, &section.id),
            url: self.url(&PageKind::Section(section.kind, section.id.clone())),
            entries,
            total,
            hidden_before: start > 0,
            hidden_after: end < total,
        }
    }

    /// The top level of a kind: its sub-sections and items, at most `limit`.
    pub fn top_group(&self, kind: ContentKind, limit: usize, current: Option<&Item>) -> NavGroup {
        match self.site.section(kind, &SectionId::new("")) {
            Some(s) => self.group(s, 0, limit, current),
            None => NavGroup {
                heading: self.section_title(kind, &SectionId::new("")),
                url: self.url(&PageKind::Section(kind, SectionId::new(""))),
                entries: Vec::new(),
                total: 0,
                hidden_before: false,
                hidden_after: false,
            },
        }
    }

    /// The section of `item`: a window of its items around it, previous and next.
    fn section_nav(&self, item: &Item) -> Option<SectionNav> {
        let section = self.site.section_of(item)?;
        let pos = *self.site.positions.get(item)?;
        let n = section.items.len();
        let start = pos.saturating_sub(SECTION_WINDOW / 2).min(n.saturating_sub(SECTION_WINDOW));
        let end = (start + SECTION_WINDOW).min(n);
        let items = self.section_items(section);
        let entries =
            (start..end)
                .map(|i| {
                    if i == pos { tera::Value::from_serializable(&self.item_nav(item, true)) } else { items[i].clone() }
                })
                .collect();
        Some(SectionNav {
            group: NavWindow {
                heading: self.section_title(section.kind, &section.id),
                url: self.url(&PageKind::Section(section.kind, section.id.clone())),
                entries,
                total: section.children.len() + n,
                // The window lists items only; the sub-sections are on the section's index page.
                hidden_before: start > 0 || !section.children.is_empty(),
                hidden_after: end < n,
            },
            prev: pos.checked_sub(1).map(|p| items[p].clone()),
            next: items.get(pos + 1).cloned(),
        })
    }

    /// Every item of `section` as a template value, not current, linked from the section's own
    /// folder: made once per language and section in a render pass.
    fn section_items(&self, section: &Section) -> std::sync::Arc<Vec<tera::Value>> {
        let make = || {
            std::sync::Arc::new(
                section.items.iter().map(|i| tera::Value::from_serializable(&self.item_nav(i, false))).collect(),
            )
        };
        match self.shared {
            Some(shared) => shared.sections.get_or_make((self.lang.index, section.kind, section.id.clone()), make),
            None => make(),
        }
    }

    /// Home, the kind's list, then each section down to `section` (included when `include_last`).
    fn breadcrumb(&self, kind: ContentKind, section: &SectionId, include_last: bool) -> Vec<NavItem> {
        let mut chain = Vec::new();
        let mut at = Some(section.clone());
        while let Some(id) = at {
            at = (!id.as_str().is_empty()).then(|| parent_section(id.as_str()));
            chain.push(id);
        }
        chain.reverse();
        if !include_last {
            chain.pop();
        }
        let mut out = vec![NavItem {
            title: self.ui.get("home").cloned().unwrap_or_default(),
            lang: None,
            url: self.url(&PageKind::Home),
            current: false,
            section: true,
        }];
        out.extend(chain.iter().map(|id| self.section_nav_item(kind, id, false)));
        out
    }

    /// The footer's lists of this page, as a template value. Pages in one folder share it (its
    /// links are relative), unless the page is itself listed there (marked current).
    fn footer(&self, item: Option<&Item>) -> tera::Value {
        let make = || {
            let groups: Vec<NavGroup> = [ContentKind::Scenarios, ContentKind::Pages]
                .into_iter()
                .map(|k| self.top_group(k, FOOTER_LIMIT, item))
                .filter(|g| g.total > 0)
                .collect();
            tera::Value::from_serializable(&groups)
        };
        let listed = item.is_some_and(|i| parent_section(i.id()).as_str().is_empty());
        let Some(shared) = self.shared.filter(|_| !listed) else { return make() };
        let folder = self.here.as_str().rsplit_once('/').map_or("", |(f, _)| f);
        shared.footers.get_or_make((self.lang.index, folder.to_string()), make)
    }

    /// What every page of a language shares, for the page `kind` titled `title`.
    pub fn frame(&self, kind: PageKind, title: String) -> Frame {
        let site = self.site;
        let root_prefix =
            self.here.relative_to(&SitePath::new("index.html")).trim_end_matches("index.html").to_string();
        let alternates = site
            .config
            .languages
            .iter()
            .map(|l| {
                let target = page_path(&kind, Some(l));
                Alternate {
                    code: l.code.clone(),
                    name: site.ui[l.index].get("language-name").cloned().unwrap_or_else(|| l.code.clone()),
                    url: self.here.relative_to(&target),
                    absolute: site.config.base_url.as_ref().map(|b| format!("{b}{}", target.as_str())),
                    current: l == self.lang,
                }
            })
            .collect();
        let item = match &kind {
            PageKind::Procedure(id) => Some(Item::Procedure(id.clone())),
            PageKind::Scenario(id) => Some(Item::Scenario(id.clone())),
            PageKind::Page(id) => Some(Item::Page(id.clone())),
            _ => None,
        };
        let breadcrumb = match (&kind, &item) {
            (_, Some(item)) => self.breadcrumb(item.kind(), &parent_section(item.id()), true),
            // A section's own page leads to its parent (a kind's list, to home only).
            (PageKind::Section(k, id), None) => self.breadcrumb(*k, id, false),
            _ => Vec::new(),
        };
        let footer = self.footer(item.as_ref());
        // Rendered on every page, with its links relative to this page.
        let notice_html = site.config.notice.as_ref().map(|n| self.html(n));
        let has_code = notice_html.as_deref().is_some_and(|h| super::page::html_has(h, super::page::Marker::Code));
        Frame {
            lang: self.lang.code.clone(),
            site_title: self.plain(&site.config.title),
            site_title_html: self.inline(&site.config.title),
            title,
            root: root_prefix.clone(),
            assets: format!("{root_prefix}assets/"),
            home_url: self.url(&PageKind::Home),
            canonical: site.config.base_url.as_ref().map(|b| format!("{b}{}", self.here.as_str())),
            alternates,
            breadcrumb,
            section_nav: item.as_ref().and_then(|i| self.section_nav(i)),
            footer,
            notice_html,
            has_code,
            search: site.config.search,
        }
    }
}
