//! Checks every link of every Markdown text: internal references must name an existing procedure,
//! scenario or page, and their `#fragment` an existing step or heading.

use super::{Page, Part, Procedure, Scenario, Selection, Snippet, Step, scenario_step_anchor, suggest};
use crate::config::{TextOrigin, Texts};
use crate::diag::{Diagnostic, SourceFile};
use crate::ids::{PageId, ProcedureId, ScenarioId, SnippetId};
use crate::markdown::{Limit, LinkDest, RefKind, Scan, classify, heading_ids, scan};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The fragments each page offers.
struct Anchors {
    procedures: BTreeMap<String, BTreeSet<String>>,
    scenarios: BTreeMap<String, BTreeSet<String>>,
    /// The anchors of steps a scenario's sections leave out (`skip`, `only`).
    left_out: BTreeMap<String, BTreeSet<String>>,
    pages: BTreeMap<String, Vec<BTreeSet<String>>>,
}

/// A text's identity while the texts are borrowed: its address and length.
fn text_key(md: &str) -> (usize, usize) {
    (md.as_ptr() as usize, md.len())
}

/// False only when `md` cannot hold a heading: no `#` (ATX headings) and no line whose first
/// character after spaces and quote marks is `=` or `-` (setext underlines).
fn might_have_heading(md: &str) -> bool {
    md.contains('#') || md.lines().any(|l| l.trim_start_matches([' ', '\t', '>']).starts_with(['=', '-']))
}

/// Deeper includes than this are a cycle (reported on its own): their anchors are not listed.
const MAX_INCLUDE_DEPTH: usize = 64;

/// The anchors of the steps a page shows of `steps` (with `selection`), each after `prefix`:
/// steps, substeps, and the steps of included procedures after their step's anchor and `--`.
pub(super) fn step_anchors(
    procedures: &BTreeMap<ProcedureId, Procedure>,
    steps: &[Step],
    selection: &Selection,
    prefix: &str,
    out: &mut BTreeSet<String>,
    depth: usize,
) {
    for s in steps.iter().filter(|s| selection.shows(&s.anchor)) {
        let anchor = format!("{prefix}{}", s.anchor);
        out.extend(s.substeps.iter().map(|t| format!("{prefix}{}", t.anchor)));
        if let Some(inc) = &s.include
            && let Some(p) = procedures.get(&inc.procedure)
            && depth < MAX_INCLUDE_DEPTH
        {
            step_anchors(procedures, &p.steps, &Selection::All, &format!("{anchor}--"), out, depth + 1);
        }
        out.insert(anchor);
    }
}

pub(super) fn check(
    texts: &mut Texts<'_>,
    procedures: &BTreeMap<ProcedureId, Procedure>,
    scenarios: &BTreeMap<ScenarioId, Scenario>,
    pages: &BTreeMap<PageId, Page>,
    snippets: &BTreeMap<SnippetId, Snippet>,
    ids: &super::KnownIds,
    cache: Option<&super::ResolveCache>,
) {
    let languages = texts.languages;
    // Every text is scanned once (or its scan is kept from the last rebuild), in parallel; the
    // anchors of pages come from the same scans, found by the text's address. Most texts have no
    // link and no heading: they share one empty scan, and most of those are known without parsing.
    let kept = cache.map_or_else(|| vec![None; texts.origins.len()], |c| c.scans(&texts.origins));
    let empty = Arc::new(Scan::empty());
    let scans: Vec<(Arc<Scan>, bool)> = texts
        .origins
        .par_iter()
        .zip(kept)
        .map(|((_, md), kept)| match kept {
            Some(scan) => (scan, false),
            None if crate::markdown::scan_finds_nothing(md) => (Arc::clone(&empty), true),
            None => {
                let scan = scan(md);
                (if scan.found_nothing() { Arc::clone(&empty) } else { Arc::new(scan) }, true)
            }
        })
        .collect();
    // Texts with headings; any other text is parsed again if its headings are asked for (a
    // text nobody recorded, which is none today).
    let by_text: HashMap<(usize, usize), &Scan> = texts
        .origins
        .iter()
        .zip(&scans)
        .filter(|(_, (scan, _))| !scan.headings.is_empty())
        .map(|((_, md), (scan, _))| (text_key(md), &**scan))
        .collect();
    let headings = |md: &str| -> Vec<String> {
        match by_text.get(&text_key(md)) {
            Some(scan) => scan.headings.iter().map(|(h, _)| h.clone()).collect(),
            None if !might_have_heading(md) => Vec::new(),
            None => heading_ids(md).into_iter().map(|(h, _)| h).collect(),
        }
    };
    let snippet_headings = |id: &SnippetId, lang: &crate::ids::Lang| -> Vec<String> {
        snippets.get(id).map_or(Vec::new(), |s| headings(s.text.get(lang)))
    };
    // Only the pages some link names with a `#fragment` need their anchors listed.
    let mut wanted: [BTreeSet<&str>; 3] = Default::default();
    for link in scans.iter().flat_map(|(scan, _)| &scan.links) {
        if let LinkDest::Internal { kind, id, fragment: Some(_) } = classify(&link.dest) {
            let k = match kind {
                RefKind::Procedure => 0,
                RefKind::Scenario => 1,
                RefKind::Page => 2,
            };
            wanted[k].insert(id);
        }
    }
    let [wanted_procedures, wanted_scenarios, wanted_pages] = &wanted;
    let left_out = scenarios
        .iter()
        .filter(|(id, _)| wanted_scenarios.contains(id.as_str()))
        .map(|(id, s)| {
            let mut hidden = BTreeSet::new();
            for part in &s.parts {
                if let Part::Procedure(u) = part
                    && u.selection != Selection::All
                    && let Some(p) = procedures.get(&u.id)
                {
                    let prefix = scenario_step_anchor(&u.id, &crate::ids::Anchor::new(""));
                    let (mut all, mut shown) = (BTreeSet::new(), BTreeSet::new());
                    step_anchors(procedures, &p.steps, &Selection::All, &prefix, &mut all, 0);
                    step_anchors(procedures, &p.steps, &u.selection, &prefix, &mut shown, 0);
                    hidden.extend(all.difference(&shown).cloned());
                }
            }
            (id.to_string(), hidden)
        })
        .collect();
    let anchors = Anchors {
        left_out,
        procedures: procedures
            .par_iter()
            .filter(|(id, _)| wanted_procedures.contains(id.as_str()))
            .map(|(id, p)| {
                let mut set = BTreeSet::new();
                step_anchors(procedures, &p.steps, &Selection::All, "", &mut set, 0);
                (id.to_string(), set)
            })
            .collect(),
        scenarios: scenarios
            .par_iter()
            .filter(|(id, _)| wanted_scenarios.contains(id.as_str()))
            // A scenario including a procedure whose file has an error (reported already) has
            // anchors nobody knows: its fragments are not checked this time.
            .filter(|(_, s)| {
                s.parts.iter().all(|p| !matches!(p, Part::Procedure(u) if !procedures.contains_key(&u.id)))
            })
            .map(|(id, s)| {
                let mut set: BTreeSet<String> = BTreeSet::from(["symptom".to_string()]);
                for part in &s.parts {
                    match part {
                        Part::Procedure(u) => {
                            set.insert(u.id.to_string());
                            if let Some(p) = procedures.get(&u.id) {
                                let prefix = scenario_step_anchor(&u.id, &crate::ids::Anchor::new(""));
                                step_anchors(procedures, &p.steps, &u.selection, &prefix, &mut set, 0);
                            }
                        }
                        Part::Text(t) => {
                            for lang in languages {
                                set.extend(headings(t.get(lang)));
                            }
                        }
                        Part::Snippet(sid) => {
                            for lang in languages {
                                set.extend(snippet_headings(sid, lang));
                            }
                        }
                    }
                }
                (id.to_string(), set)
            })
            .collect(),
        pages: pages
            .par_iter()
            .filter(|(id, _)| wanted_pages.contains(id.as_str()))
            .map(|(id, p)| {
                let per_lang = languages
                    .iter()
                    .map(|l| {
                        let mut set: BTreeSet<String> = headings(p.body.get(l)).into_iter().collect();
                        for sid in &p.snippets {
                            set.extend(snippet_headings(sid, l));
                        }
                        set
                    })
                    .collect();
                (id.to_string(), per_lang)
            })
            .collect(),
    };
    // Every text is checked on its own, in parallel; the diagnostics keep the texts' order.
    let files = &texts.files;
    let found: Vec<Vec<Diagnostic>> = texts
        .origins
        .par_iter()
        .zip(&scans)
        .map(
            |((origin, _), (scan, _))| {
                if scan.found_nothing() { Vec::new() } else { check_text(files, origin, scan, &anchors, ids) }
            },
        )
        .collect();
    if let Some(c) = cache {
        c.drop_quiet(|i| scans[i].0.found_nothing());
        let made = texts.origins.iter().zip(&scans).filter(|(_, (_, made))| *made);
        c.keep_scans(made.map(|((_, md), (scan, _))| (md.clone(), Arc::clone(scan))).collect());
    }
    // A reference written outside Markdown is checked once per language; when it fails the same
    // way in every language, it is reported once.
    let mut last: Option<Diagnostic> = None;
    for d in found.into_iter().flatten() {
        if last.as_ref() != Some(&d) {
            last = Some(d.clone());
            texts.diags.push(d);
        }
    }
}

/// The problems of one Markdown text: over the limits, duplicate or reserved heading ids (page
/// bodies), links to unknown pages or fragments.
fn check_text(
    files: &[SourceFile],
    origin: &TextOrigin,
    scan: &Scan,
    anchors: &Anchors,
    ids: &super::KnownIds,
) -> Vec<Diagnostic> {
    let file = &files[origin.file];
    let error = |span: std::ops::Range<usize>, message: String| {
        Diagnostic::error(&file.path, message).at(file.locate(span)).key(&*origin.key)
    };
    // A text too long or too deeply nested to render safely is refused, and not read further.
    if let Err(limit) = &scan.limit {
        let span = match (&limit, origin.exact) {
            // Only the start: the element too deep may run to the end of the text.
            (Limit::TooDeep(range), true) => origin.span.start + range.start..origin.span.start + range.start + 1,
            _ => origin.span.start..origin.span.start,
        };
        return vec![error(span, limit.message())];
    }
    let mut out = Vec::new();
    // Heading ids must be unique within a page body, or the second heading cannot be linked.
    if origin.exact {
        let mut seen = BTreeSet::new();
        for (id, range) in &scan.headings {
            let span = origin.span.start + range.start..origin.span.start + range.end;
            if !seen.insert(id.clone()) {
                out.push(error(
                    span,
                    format!("duplicate heading id `{id}`: give one of the headings another `{{#id}}`"),
                ));
            } else if id.starts_with("vd-") {
                out.push(error(span, format!("heading id `{id}` is reserved for the theme (ids starting with `vd-`)")));
            }
        }
    }
    for link in &scan.links {
        let problem = match classify(&link.dest) {
            LinkDest::External | LinkDest::Fragment(_) => None,
            LinkDest::Unsupported => Some(format!(
                "unsupported link `{}`: use `procedure:<id>`, `scenario:<id>`, `page:<id>` or an absolute URL (https:, mailto:, tel:)",
                link.dest
            )),
            LinkDest::Internal { kind, id, fragment } => {
                let (known, frags): (&BTreeSet<String>, Option<&BTreeSet<String>>) = match kind {
                    RefKind::Procedure => (&ids.procedures, anchors.procedures.get(id)),
                    RefKind::Scenario => (&ids.scenarios, anchors.scenarios.get(id)),
                    RefKind::Page => (&ids.pages, anchors.pages.get(id).and_then(|v| v.get(origin.lang))),
                };
                if !known.contains(id) {
                    Some(format!("unknown {} `{id}` in link `{}`{}", kind.name(), link.dest, suggest(id, known.iter())))
                } else {
                    let left_out = matches!(kind, RefKind::Scenario)
                        && fragment.is_some_and(|f| anchors.left_out.get(id).is_some_and(|h| h.contains(f)));
                    match (fragment, frags) {
                        (Some(f), Some(_)) if left_out => Some(format!(
                            "link `{}`: scenario `{id}` leaves out the step `#{f}` (`skip` or `only` of its section)",
                            link.dest
                        )),
                        (Some(f), Some(set)) if !set.contains(f) => Some(format!(
                            "link `{}`: {} `{id}` has no step or heading `#{f}`{}",
                            link.dest,
                            kind.name(),
                            suggest(f, set.iter())
                        )),
                        _ => None,
                    }
                }
            }
        };
        if let Some(message) = problem {
            let loc = if origin.exact {
                let start = origin.span.start + link.range.start;
                file.locate_in(start..origin.span.start + link.range.end, &link.dest)
            } else {
                file.locate_in(origin.span.clone(), &link.dest)
            };
            out.push(Diagnostic::error(&file.path, message).at(loc).key(&*origin.key));
        }
    }
    out
}
