//! `vlsc-docs refs`: what uses a procedure or snippet, with the variant each use shows, and the
//! pages that change when it changes — the question an editor asks before touching shared text.

use crate::ids::{PageId, ProcedureId, ScenarioId, SnippetId};
use crate::markdown::to_plain;
use crate::model::{Item, Part, Site, User};
use crate::render::{PageKind, page_path};
use std::collections::BTreeSet;
use std::fmt::Write;

/// What `refs` is asked about: `procedure:<id>` or `snippet:<id>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    Procedure(ProcedureId),
    Snippet(SnippetId),
}

impl Target {
    pub fn parse(s: &str) -> Result<Target, String> {
        match s.split_once(':') {
            Some(("procedure", id)) => Ok(Target::Procedure(ProcedureId::new(id))),
            Some(("snippet", id)) => Ok(Target::Snippet(SnippetId::new(id))),
            _ => Err(format!("`{s}`: name a procedure or a snippet, as `procedure:<id>` or `snippet:<id>`")),
        }
    }
}

/// The report on `targets` (every procedure and snippet when empty), or the first unknown one.
pub fn report(site: &Site, targets: &[Target]) -> Result<String, String> {
    let all: Vec<Target> = if targets.is_empty() {
        site.procedures
            .keys()
            .cloned()
            .map(Target::Procedure)
            .chain(site.snippets.keys().cloned().map(Target::Snippet))
            .collect()
    } else {
        targets.to_vec()
    };
    let mut out = String::new();
    for t in &all {
        match t {
            Target::Procedure(id) => {
                let p = site.procedures.get(id).ok_or_else(|| format!("unknown procedure `{id}`"))?;
                let _ = writeln!(out, "procedure {id} (content/procedures/{id}.toml)");
                for param in &p.params {
                    let default = param
                        .default
                        .as_ref()
                        .map_or("required".to_string(), |d| format!("default {}", values(site, d)));
                    let _ = writeln!(out, "  parameter {}: {default}", param.name);
                }
                if p.used_in.is_empty() {
                    let _ = writeln!(out, "  used nowhere");
                }
                for u in &p.used_in {
                    let by = match &u.user {
                        User::Scenario(s) => format!("scenario {s}"),
                        User::Procedure(by) => format!("procedure {by} (includes it)"),
                    };
                    let mut variant: Vec<String> =
                        u.with.iter().map(|(k, v)| format!("{k} = {}", values(site, v))).collect();
                    if !u.hidden.is_empty() {
                        let hidden: Vec<&str> = u.hidden.iter().map(|a| a.as_str()).collect();
                        variant.push(format!("without steps {}", hidden.join(", ")));
                    }
                    let variant = if variant.is_empty() { String::new() } else { format!(": {}", variant.join("; ")) };
                    let _ = writeln!(out, "  used by {by}{variant}");
                }
            }
            Target::Snippet(id) => {
                let s = site.snippets.get(id).ok_or_else(|| format!("unknown snippet `{id}`"))?;
                let _ = writeln!(out, "snippet {id} (content/snippets/{id}.toml)");
                if s.used_in.is_empty() {
                    let _ = writeln!(out, "  used nowhere");
                }
                for item in &s.used_in {
                    let _ = match item {
                        Item::Scenario(s) => writeln!(out, "  used by scenario {s}"),
                        Item::Page(p) => writeln!(out, "  used by page {p}"),
                        Item::Procedure(p) => writeln!(out, "  used by procedure {p}"),
                    };
                }
            }
        }
        let pages: Vec<String> = changed_pages(site, t).into_iter().collect();
        let _ = writeln!(out, "  pages that change with it ({}): {}", pages.len(), pages.join(", "));
    }
    Ok(out)
}

/// A localized value as `“ja” | “en”`, in the site's languages.
fn values(site: &Site, text: &crate::config::Text) -> String {
    site.config.languages.iter().map(|l| format!("“{}”", to_plain(text.get(l)))).collect::<Vec<_>>().join(" | ")
}

/// The pages (every language) that show `target`'s text: its own page, the procedures that
/// include it at any depth, and the scenarios and pages that use any of them.
pub fn changed_pages(site: &Site, target: &Target) -> BTreeSet<String> {
    let mut kinds: Vec<PageKind> = Vec::new();
    match target {
        Target::Procedure(id) => {
            let mut procedures: BTreeSet<ProcedureId> = BTreeSet::new();
            let mut stack = vec![id.clone()];
            while let Some(p) = stack.pop() {
                if procedures.insert(p.clone())
                    && let Some(proc) = site.procedures.get(&p)
                {
                    stack.extend(proc.used_in.iter().filter_map(|u| match &u.user {
                        User::Procedure(by) => Some(by.clone()),
                        User::Scenario(_) => None,
                    }));
                }
            }
            let scenarios: BTreeSet<ScenarioId> = site
                .scenarios
                .values()
                .filter(|s| s.parts.iter().any(|p| matches!(p, Part::Procedure(u) if procedures.contains(&u.id))))
                .map(|s| s.id.clone())
                .collect();
            kinds.extend(procedures.into_iter().map(PageKind::Procedure));
            kinds.extend(scenarios.into_iter().map(PageKind::Scenario));
        }
        Target::Snippet(id) => {
            if let Some(s) = site.snippets.get(id) {
                for item in &s.used_in {
                    kinds.push(match item {
                        Item::Scenario(s) => PageKind::Scenario(s.clone()),
                        Item::Page(p) => PageKind::Page(PageId::new(p.as_str())),
                        Item::Procedure(p) => PageKind::Procedure(p.clone()),
                    });
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    for kind in &kinds {
        for lang in &site.config.languages {
            out.insert(page_path(kind, Some(lang)).as_str().to_string());
        }
    }
    out
}
