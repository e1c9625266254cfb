//! Checks between items that reuse one another, and who uses what: the values, steps and notes a
//! scenario gives a procedure, includes between procedures (and their cycles), snippets used by
//! scenarios and pages.
//!
//! Read from the raw files, with the converted procedures: each file's own conversion stays
//! independent of the others (so that `serve`'s memo can replay it), and a use is checked
//! against the procedure as it is now.

use super::{Item, Part, Procedure, Scenario, Selection, Snippet, Step, Use, User, suggest};
use crate::diag::{Diagnostic, Diagnostics, SourceFile};
use crate::ids::{Anchor, PageId, ProcedureId, SnippetId};
use crate::load::{RawSite, RawWith};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use toml::Spanned;

fn error(file: &SourceFile, span: Range<usize>, key: &str, message: String) -> Diagnostic {
    Diagnostic::error(&file.path, message).at(file.locate(span)).key(key)
}

/// Every step anchor of a procedure, substeps included (not those of included procedures).
pub fn anchors(steps: &[Step]) -> impl Iterator<Item = &Anchor> + '_ {
    steps.iter().flat_map(|s| std::iter::once(&s.anchor).chain(s.substeps.iter().map(|t| &t.anchor)))
}

/// The values a use gives (`with`) against the parameters of the procedure it uses.
fn check_with(
    file: &SourceFile,
    key: &str,
    at: Range<usize>,
    with: &RawWith,
    proc: &Procedure,
    diags: &mut Diagnostics,
) {
    let names: Vec<String> = proc.params.iter().map(|p| p.name.clone()).collect();
    for name in with.keys() {
        let n = name.get_ref();
        if proc.param(n).is_none() {
            let message = if names.is_empty() {
                format!("unknown parameter `{n}`: procedure `{}` has no parameters", proc.id)
            } else {
                format!("unknown parameter `{n}` of procedure `{}`{}", proc.id, suggest(n, names.iter()))
            };
            diags.push(error(file, name.span(), &format!("{key}.with.{n}"), message));
        }
    }
    for p in proc.params.iter().filter(|p| p.default.is_none()) {
        if !with.keys().any(|k| *k.get_ref() == p.name) {
            diags.push(error(
                file,
                at.clone(),
                &format!("{key}.with"),
                format!(
                    "procedure `{}` needs a value for its parameter `{}`: add `with.{} = {{ … }}` in every language",
                    proc.id, p.name, p.name
                ),
            ));
        }
    }
}

/// Checks every use, and fills in `used_in` of procedures and snippets.
pub(super) fn check(
    raw: &RawSite,
    procedures: &mut BTreeMap<ProcedureId, Procedure>,
    scenarios: &BTreeMap<crate::ids::ScenarioId, Scenario>,
    snippets: &mut BTreeMap<SnippetId, Snippet>,
    pages: &BTreeMap<PageId, super::Page>,
    diags: &mut Diagnostics,
) {
    let snippet_ids: Vec<String> = raw.snippets.iter().map(|s| s.id.clone()).collect();
    let snippet_known = |id: &str| snippet_ids.iter().any(|s| s == id) || raw.broken.snippets.contains(id);
    let unknown_snippet = |id: &str| format!("unknown snippet `{id}`{}", suggest(id, snippet_ids.iter()));

    for sc in &raw.scenarios {
        let file = &sc.file;
        for (i, section) in sc.value.sections.iter().enumerate() {
            let key = format!("sections[{i}]");
            let r = section.get_ref();
            if let Some(sid) = &r.snippet
                && !snippet_known(sid.get_ref())
            {
                diags.push(error(file, sid.span(), &format!("{key}.snippet"), unknown_snippet(sid.get_ref())));
            }
            let Some(pid) = &r.procedure else { continue };
            // An unknown procedure was reported with the scenario; one with errors, with its file.
            let Some(proc) = procedures.get(pid.get_ref().as_str()) else { continue };
            check_with(file, &key, pid.span(), &r.with, proc, diags);
            if r.skip.is_none() && r.only.is_none() && r.notes.is_empty() {
                // Most uses name no step: the procedure's steps need not be read.
                continue;
            }
            let known: Vec<String> = anchors(&proc.steps).map(|a| a.to_string()).collect();
            let mut named = |list: &str, steps: &[&Spanned<String>]| {
                for (j, step) in steps.iter().enumerate() {
                    if !known.iter().any(|k| k == step.get_ref()) {
                        let k =
                            if list == "notes" { format!("{key}.notes[{j}].step") } else { format!("{key}.{list}") };
                        diags.push(error(
                            file,
                            step.span(),
                            &k,
                            format!(
                                "procedure `{}` has no step `{}`{}",
                                proc.id,
                                step.get_ref(),
                                suggest(step.get_ref(), known.iter())
                            ),
                        ));
                    }
                }
            };
            if let Some(skip) = &r.skip {
                named("skip", &skip.get_ref().iter().collect::<Vec<_>>());
            }
            if let Some(only) = &r.only {
                named("only", &only.get_ref().iter().collect::<Vec<_>>());
            }
            named("notes", &r.notes.iter().map(|n| &n.get_ref().step).collect::<Vec<_>>());
            let selection = match (&r.skip, &r.only) {
                (Some(s), None) => Selection::Skip(s.get_ref().iter().map(|a| Anchor::new(a.get_ref())).collect()),
                (None, Some(o)) => Selection::Only(o.get_ref().iter().map(|a| Anchor::new(a.get_ref())).collect()),
                _ => Selection::All,
            };
            let list = r.skip.as_ref().map(|s| ("skip", s.span())).or(r.only.as_ref().map(|o| ("only", o.span())));
            if let Some((name, span)) = list
                && !proc.steps.iter().any(|s| selection.shows(&s.anchor))
            {
                diags.push(error(
                    file,
                    span,
                    &format!("{key}.{name}"),
                    format!("`{name}` leaves no step of procedure `{}` to show", proc.id),
                ));
            }
            for (j, n) in r.notes.iter().enumerate() {
                let step = &n.get_ref().step;
                let a = Anchor::new(step.get_ref());
                if known.iter().any(|k| k == step.get_ref()) && !shown(&proc.steps, &selection, &a) {
                    diags.push(error(
                        file,
                        step.span(),
                        &format!("{key}.notes[{j}].step"),
                        format!("step `{}` is left out of this section: its note would never show", step.get_ref()),
                    ));
                }
            }
        }
    }

    for page in &raw.pages {
        let body = &page.file.text[page.body_offset..];
        for (id, range) in super::params::snippet_lines(body) {
            if !snippet_known(id) {
                let span = page.body_offset + range.start..page.body_offset + range.end;
                diags.push(error(&page.file, span, "body", unknown_snippet(id)));
            }
        }
    }

    // Includes: targets, values, cycles.
    let mut edges: Edges<'_> = BTreeMap::new();
    // A converted procedure lists what it includes: only those that include something, and those
    // whose conversion failed, need their steps read (50,000 steps of 5,000 procedures are ~10 ms
    // of cache misses).
    let includes_nothing = |id: &str| procedures.get(id).is_some_and(|p| p.includes.is_empty());
    for p in raw.procedures.iter().filter(|p| !includes_nothing(&p.id)) {
        for (i, step) in p.value.steps.iter().enumerate() {
            let r = step.get_ref();
            let Some(target) = &r.include else { continue };
            let key = format!("steps[{i}]");
            let t = target.get_ref();
            edges.entry(p.id.as_str()).or_default().push((t.as_str(), target.span(), i));
            match procedures.get(t.as_str()) {
                Some(included) => check_with(&p.file, &key, target.span(), &r.with, included, diags),
                None if raw.broken.procedures.contains(t) => {}
                None => {
                    let known: Vec<String> = raw.procedures.iter().map(|p| p.id.clone()).collect();
                    diags.push(error(
                        &p.file,
                        target.span(),
                        &format!("{key}.include"),
                        format!("unknown procedure `{t}`{}", suggest(t, known.iter())),
                    ));
                }
            }
        }
    }
    let files: BTreeMap<&str, &SourceFile> = raw.procedures.iter().map(|p| (p.id.as_str(), &p.file)).collect();
    for cycle in cycles(&edges) {
        // Reported at the include that closes the cycle back to its first procedure.
        let chain: Vec<String> = cycle.iter().map(|(id, _, _)| format!("`{id}`")).collect();
        let hops: Vec<String> = cycle
            .iter()
            .filter_map(|(id, span, _)| {
                let file = files.get(id)?;
                let line = file.locate(span.clone()).line;
                Some(format!("{}:{line}", crate::diag::display_path(&file.path)))
            })
            .collect();
        let (first, span, step) = &cycle[0];
        let Some(file) = files.get(first) else { continue };
        diags.push(error(
            file,
            span.clone(),
            &format!("steps[{step}].include"),
            format!("include cycle: {} → `{first}` ({})", chain.join(" → "), hops.join(", ")),
        ));
    }

    // Who uses what.
    let mut uses: BTreeMap<ProcedureId, Vec<Use>> = BTreeMap::new();
    let mut snippet_users: BTreeMap<SnippetId, Vec<Item>> = BTreeMap::new();
    for sc in scenarios.values() {
        for part in &sc.parts {
            match part {
                Part::Procedure(u) => {
                    let hidden = procedures
                        .get(&u.id)
                        .filter(|_| u.selection != Selection::All)
                        .map(|p| {
                            p.steps.iter().filter(|s| !u.selection.shows(&s.anchor)).map(|s| s.anchor.clone()).collect()
                        })
                        .unwrap_or_default();
                    uses.entry(u.id.clone()).or_default().push(Use {
                        user: User::Scenario(sc.id.clone()),
                        with: u.with.clone(),
                        hidden,
                    });
                }
                Part::Snippet(sid) => {
                    let users = snippet_users.entry(sid.clone()).or_default();
                    let item = Item::Scenario(sc.id.clone());
                    if !users.contains(&item) {
                        users.push(item);
                    }
                }
                Part::Text(_) => {}
            }
        }
    }
    for p in procedures.values().filter(|p| !p.includes.is_empty()) {
        for step in p.steps.iter() {
            if let Some(inc) = &step.include {
                uses.entry(inc.procedure.clone()).or_default().push(Use {
                    user: User::Procedure(p.id.clone()),
                    with: inc.with.clone(),
                    hidden: Vec::new(),
                });
            }
        }
    }
    for page in pages.values() {
        for sid in &page.snippets {
            snippet_users.entry(sid.clone()).or_default().push(Item::Page(page.id.clone()));
        }
    }
    for (id, p) in procedures.iter_mut() {
        let mut list = uses.remove(id).unwrap_or_default();
        list.sort_by(|a, b| a.user.cmp(&b.user));
        p.used_in = list;
    }
    for (id, s) in snippets.iter_mut() {
        s.used_in = snippet_users.remove(id).unwrap_or_default();
    }
}

/// Whether `step` shows in a use with `selection`: a substep shows when its step does.
fn shown(steps: &[Step], selection: &Selection, step: &Anchor) -> bool {
    steps
        .iter()
        .any(|s| selection.shows(&s.anchor) && (s.anchor == *step || s.substeps.iter().any(|t| t.anchor == *step)))
}

/// The include cycles of `edges`, each once: the procedures in order from the smallest id, each
/// with the span of its include of the next one.
type Edges<'a> = BTreeMap<&'a str, Vec<(&'a str, Range<usize>, usize)>>;

fn cycles<'a>(edges: &Edges<'a>) -> Vec<Vec<(&'a str, Range<usize>, usize)>> {
    let mut found: Vec<Vec<(&str, Range<usize>, usize)>> = Vec::new();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for &start in edges.keys() {
        // Depth-first from each procedure, looking only for cycles through `start` whose other
        // members come after it: each cycle is found once, from its smallest id.
        let mut path: Vec<(&str, Range<usize>, usize)> = Vec::new();
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        let mut on_path: BTreeSet<&str> = BTreeSet::from([start]);
        while let Some((node, next)) = stack.pop() {
            let out = edges.get(node).map_or(&[][..], Vec::as_slice);
            let Some((target, span, step)) = out.get(next) else {
                on_path.remove(node);
                path.pop();
                continue;
            };
            stack.push((node, next + 1));
            if *target == start {
                let mut cycle = path.clone();
                cycle.push((node, span.clone(), *step));
                found.push(cycle);
            } else if *target > start && !done.contains(target) && !on_path.contains(target) {
                path.push((node, span.clone(), *step));
                on_path.insert(target);
                stack.push((target, 0));
            }
        }
        done.insert(start);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cycle_is_found_once_from_its_smallest_id() {
        let mut edges: Edges<'_> = BTreeMap::new();
        edges.insert("a", vec![("b", 1..2, 0)]);
        edges.insert("b", vec![("c", 3..4, 0), ("d", 5..6, 1)]);
        edges.insert("c", vec![("a", 7..8, 0)]);
        edges.insert("d", vec![("d", 9..10, 0)]);
        edges.insert("e", vec![("a", 11..12, 0)]);
        let found: Vec<Vec<&str>> =
            cycles(&edges).into_iter().map(|c| c.into_iter().map(|(id, _, _)| id).collect()).collect();
        assert_eq!(found, vec![vec!["a", "b", "c"], vec!["d"]]);
    }
}
