//! The validated site: procedures, scenarios, pages and the selector, every reference resolved,
//! every text paired in every language. Built from a `RawSite` by [`resolve`]; nothing after this
//! stage looks at raw TOML.

use crate::config::{Config, Text, Texts};
use crate::diag::{Diagnostic, Diagnostics};
use crate::ids::{Anchor, Lang, PageId, ProcedureId, QuestionId, ScenarioId, SnippetId, is_valid_id};
use crate::load::{Parsed, RawSite, RawSubstep};
use crate::theme::UiStrings;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use toml::Spanned;

mod links;
mod memo;
pub mod params;
mod reuse;
pub mod sections;

pub use memo::ResolveCache;

pub use sections::{Item, Section, Sections};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub config: Config,
    /// UI strings per language, in `config.languages` order.
    pub ui: Vec<UiStrings>,
    pub procedures: BTreeMap<ProcedureId, Procedure>,
    pub scenarios: BTreeMap<ScenarioId, Scenario>,
    pub pages: BTreeMap<PageId, Page>,
    /// Texts used by scenarios and pages; not pages of their own.
    pub snippets: BTreeMap<SnippetId, Snippet>,
    pub selector: Option<Selector>,
    /// The section trees of procedures, scenarios and pages.
    pub sections: Sections,
    /// Each item's place in its section's list.
    pub positions: BTreeMap<Item, usize>,
}

impl Site {
    /// The section holding `item`.
    pub fn section_of(&self, item: &Item) -> Option<&Section> {
        self.sections.get(&(item.kind(), crate::ids::parent_section(item.id())))
    }

    pub fn section(&self, kind: crate::load::ContentKind, id: &crate::ids::SectionId) -> Option<&Section> {
        self.sections.get(&(kind, id.clone()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Procedure {
    pub id: ProcedureId,
    pub title: Text,
    pub summary: Option<Text>,
    /// Its parameters, by name.
    pub params: Vec<Param>,
    /// Shared: `serve` replays an unchanged procedure by copying it, and compares it with the last.
    pub steps: Arc<Vec<Step>>,
    /// The procedures its steps include, in the order of the steps.
    pub includes: Vec<ProcedureId>,
    /// Every use of this procedure: scenarios that render it, then procedures that include it.
    pub used_in: Vec<Use>,
    pub weight: i64,
}

impl Procedure {
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// A parameter of a procedure, written `{{ name }}` in its texts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    pub name: String,
    /// `None`: every use gives a value.
    pub default: Option<Text>,
    /// For editors, and shown in place of a required value on the procedure's own page.
    pub description: Option<String>,
}

/// Values given to parameters by one use of a procedure, by parameter name.
pub type Bindings = BTreeMap<String, Text>;

/// Where a procedure is used, and the variant used there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    pub user: User,
    pub with: Bindings,
    /// Steps left out (`skip`, or those not in `only`).
    pub hidden: Vec<Anchor>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum User {
    Scenario(ScenarioId),
    Procedure(ProcedureId),
}

/// A step that renders another procedure's steps as its substeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    pub procedure: ProcedureId,
    /// Values for the included procedure's parameters; they may use the includer's.
    pub with: Bindings,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub anchor: Anchor,
    /// Empty in a step that includes a procedure and has no lead-in.
    pub text: Text,
    /// Boxed, as `since_then`: few steps have one, and a site has hundreds of thousands of steps.
    pub include: Option<Box<Include>>,
    /// The step's note (`note` or `caution` in the source: a step has at most one of them).
    pub note: Option<Text>,
    pub note_kind: NoteKind,
    /// What has changed on screen since the step was written.
    pub since_then: Option<Box<Text>>,
    pub substeps: Vec<Step>,
    /// The substeps are alternatives (the reader does one of them), not a sequence.
    pub choices: bool,
}

/// Whether a step's note is a remark or a caution: the theme labels and styles them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    Note,
    Caution,
}

impl NoteKind {
    /// The name used for the UI string of the label and in the class of the rendered note.
    pub fn name(self) -> &'static str {
        match self {
            NoteKind::Note => "note",
            NoteKind::Caution => "caution",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    pub id: ScenarioId,
    pub title: Text,
    pub symptom: Text,
    pub parts: Vec<Part>,
    pub weight: i64,
}

/// One `[[sections]]` entry of a scenario: text, a procedure rendered in place, or a snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(Text),
    Procedure(ProcedureUse),
    Snippet(SnippetId),
}

/// A procedure as one scenario uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureUse {
    pub id: ProcedureId,
    pub when: Option<Text>,
    pub with: Bindings,
    pub selection: Selection,
    /// Notes shown at a step in this use only.
    pub notes: Vec<(Anchor, Text)>,
}

/// Which steps of a procedure a use shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Selection {
    #[default]
    All,
    Skip(Vec<Anchor>),
    Only(Vec<Anchor>),
}

impl Selection {
    pub fn shows(&self, step: &Anchor) -> bool {
        match self {
            Selection::All => true,
            Selection::Skip(skip) => !skip.contains(step),
            Selection::Only(only) => only.contains(step),
        }
    }
}

/// A block of text written once (`content/snippets/<id>.toml`), used by scenarios and pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    pub id: SnippetId,
    pub title: Option<Text>,
    pub text: Text,
    /// The scenarios and pages that use it.
    pub used_in: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub id: PageId,
    /// Plain-text titles from the front matter, per language.
    pub titles: Vec<String>,
    pub descriptions: Vec<Option<String>>,
    /// As written: lines `{{> id }}` are replaced by their snippet when rendered.
    pub body: Text,
    /// The snippets its body uses, in any language.
    pub snippets: Vec<SnippetId>,
    pub weight: i64,
}

impl Page {
    pub fn title(&self, lang: &Lang) -> &str {
        self.titles.get(lang.index).map_or("", String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    pub start: QuestionId,
    /// In the order a reader meets them: breadth-first from `start`, unreachable ones last.
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: QuestionId,
    pub text: Text,
    pub answers: Vec<Answer>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub text: Text,
    pub target: Target,
    /// A step or heading of the target scenario or page (`page = "contacts#vlsc-support"`).
    pub fragment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Scenario(ScenarioId),
    Question(QuestionId),
    Page(PageId),
}

/// The anchor of a procedure's step on a scenario page: `<procedure>--<step>` (ids never contain
/// `--`, so this cannot collide with a step id or another procedure's steps).
pub fn scenario_step_anchor(procedure: &ProcedureId, step: &Anchor) -> String {
    format!("{procedure}--{step}")
}

/// Validates and resolves `raw`. Returns the site only when there is no error; diagnostics
/// (errors and warnings) are returned in every case.
pub fn resolve(
    raw: RawSite,
    theme_ui: &crate::theme::ThemeStrings,
    cache: Option<&ResolveCache>,
) -> (Option<Site>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let Some(languages) = crate::config::languages(&raw.book, &mut diags) else {
        return (None, diags);
    };
    let translations = crate::i18n::track(&raw, &languages, &mut diags);
    let mut texts = Texts {
        languages: &languages,
        files: Vec::new(),
        origins: cache.map(ResolveCache::origins_buffer).unwrap_or_default(),
        diags: &mut diags,
        translations: translations.as_ref(),
    };
    let book_file = texts.add_file(raw.book.file.clone());
    let config = crate::config::config(&raw.book, book_file, &mut texts);
    let fallback = translations.as_ref().is_some_and(|t| t.options.missing == crate::i18n::MissingPolicy::Fallback);
    let ui = theme_ui.resolve(&languages, &raw.i18n, &raw.broken.i18n, fallback, texts.diags);

    let procedure_ids: BTreeSet<String> =
        raw.procedures.iter().map(|p| p.id.clone()).chain(raw.broken.procedures.iter().cloned()).collect();
    if let Some(c) = cache {
        let lock = raw.translations_lock.as_ref().map(|f| &*f.text);
        let options = translations.as_ref().map(|t| t.options.clone()).unwrap_or_default();
        c.begin(&languages, &procedure_ids, crate::i18n::Tracker::fingerprint(lock, &options));
    }
    let mut procedures = BTreeMap::new();
    let mut raw = raw;
    // Past conversion the raw steps are read only of procedures that include another (or failed
    // to convert). A build's raw file is shared with nothing (`serve`'s load cache keeps its
    // own): its steps go as soon as it is converted, so that the raw and the converted steps of
    // all procedures are never held at once.
    let drop_raw_steps = |p: &mut Parsed<crate::load::RawProcedure>, proc: &Procedure| {
        if proc.includes.is_empty()
            && let Some(value) = Arc::get_mut(&mut p.value)
        {
            value.steps = Vec::new();
        }
    };
    if cache.is_none() {
        // A build converts procedures in parallel, a chunk at a time, each into texts of its
        // own, appended in file order: files, texts and diagnostics come out as one by one.
        for chunk in raw.procedures.chunks_mut(PROCEDURES_CHUNK) {
            let converted: Vec<_> = chunk
                .par_iter_mut()
                .map(|p| {
                    let (proc, apart) = texts.apart(|own| procedure(p, own));
                    if let Some(proc) = &proc {
                        drop_raw_steps(p, proc);
                    }
                    (proc, apart)
                })
                .collect();
            for (proc, apart) in converted {
                texts.append(apart);
                if let Some(proc) = proc {
                    procedures.insert(proc.id.clone(), proc);
                }
            }
        }
    } else {
        for p in &mut raw.procedures {
            if let Some(proc) = memo::convert(cache, &p.value, &mut texts, |t| procedure(p, t)) {
                drop_raw_steps(p, &proc);
                procedures.insert(proc.id.clone(), proc);
            }
        }
    }
    let mut scenarios = BTreeMap::new();
    for s in &raw.scenarios {
        if let Some(sc) = memo::convert(cache, &s.value, &mut texts, |t| scenario(s, &procedure_ids, t)) {
            scenarios.insert(sc.id.clone(), sc);
        }
    }
    let mut snippets = BTreeMap::new();
    for sn in &raw.snippets {
        if let Some(snippet) = snippet(sn, &mut texts) {
            snippets.insert(snippet.id.clone(), snippet);
        }
    }
    let pages = pages(&raw, &mut texts);
    let ids = KnownIds {
        procedures: procedure_ids,
        scenarios: raw.scenarios.iter().map(|s| s.id.clone()).chain(raw.broken.scenarios.iter().cloned()).collect(),
        pages: raw.pages.iter().map(|p| p.id.clone()).chain(raw.broken.pages.iter().cloned()).collect(),
    };
    let selector = raw.selector.as_ref().and_then(|s| selector(s, &ids, &mut texts));
    let sections = sections::build(&raw.sections, &mut texts, &procedures, &scenarios, &pages);
    let positions =
        sections.values().flat_map(|s| s.items.iter().enumerate().map(|(i, item)| (item.clone(), i))).collect();

    links::check(&mut texts, &procedures, &scenarios, &pages, &snippets, &ids, cache);
    if let Some(c) = cache {
        c.end();
    }
    if let Some(t) = &translations {
        texts.diags.extend(t.diagnostics());
    }
    for stray in &raw.stray_files {
        texts.diags.push(Diagnostic::warning(stray, "ignored: a page file is named `<id>.<lang>.md`"));
    }

    reuse::check(&raw, &mut procedures, &scenarios, &mut snippets, &pages, texts.diags);

    // Usage warnings: content nobody can reach is usually a mistake, but not a broken site. Usage
    // is read from the raw files so that a scenario with an error elsewhere still counts.
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for sc in &raw.scenarios {
        used.extend(
            sc.value.sections.iter().filter_map(|s| s.get_ref().procedure.as_ref().map(|p| p.get_ref().as_str())),
        );
    }
    for p in raw.procedures.iter().filter(|p| procedures.get(p.id.as_str()).is_none_or(|c| !c.includes.is_empty())) {
        used.extend(p.value.steps.iter().filter_map(|s| s.get_ref().include.as_ref().map(|i| i.get_ref().as_str())));
    }
    for id in procedures.keys() {
        // A scenario with an error may use it: say nothing rather than something false.
        if !used.contains(id.as_str()) && raw.broken.scenarios.is_empty() && raw.broken.procedures.is_empty() {
            let path = format!("content/procedures/{id}.toml");
            texts.diags.push(Diagnostic::warning(path, format!("procedure `{id}` is used by no scenario")));
        }
    }
    let mut snippet_used: BTreeSet<&str> = BTreeSet::new();
    for sc in &raw.scenarios {
        snippet_used.extend(
            sc.value.sections.iter().filter_map(|s| s.get_ref().snippet.as_ref().map(|p| p.get_ref().as_str())),
        );
    }
    for id in snippets.keys() {
        if !snippet_used.contains(id.as_str())
            && !pages.values().any(|p| p.snippets.contains(id))
            && raw.broken.scenarios.is_empty()
            && raw.broken.pages.is_empty()
        {
            let path = format!("content/snippets/{id}.toml");
            texts.diags.push(Diagnostic::warning(path, format!("snippet `{id}` is used by no scenario or page")));
        }
    }
    if let Some(sel) = &selector {
        let reached: BTreeSet<&ScenarioId> = sel
            .questions
            .iter()
            .flat_map(|q| &q.answers)
            .filter_map(|a| match &a.target {
                Target::Scenario(s) => Some(s),
                _ => None,
            })
            .collect();
        for id in scenarios.keys().filter(|id| !reached.contains(id)) {
            let path = format!("content/scenarios/{id}.toml");
            texts
                .diags
                .push(Diagnostic::warning(path, format!("scenario `{id}` is reached by no answer of the selector")));
        }
    }

    let site = match (config, ui) {
        (Some(config), Some(ui)) if !texts.diags.has_errors() && translations.is_some() => {
            Some(Site { config, ui, procedures, scenarios, pages, snippets, selector, sections, positions })
        }
        _ => None,
    };
    if let Some(c) = cache {
        c.recycle(std::mem::take(&mut texts.origins));
    }
    (site, diags)
}

/// How many procedures a build converts in parallel before appending them (the raw steps of a
/// chunk are held beside its converted ones).
const PROCEDURES_CHUNK: usize = 256;

/// The ids that exist, for checking references before the referenced items are converted.
pub struct KnownIds {
    pub procedures: BTreeSet<String>,
    pub scenarios: BTreeSet<String>,
    pub pages: BTreeSet<String>,
}

fn procedure(p: &Parsed<crate::load::RawProcedure>, texts: &mut Texts<'_>) -> Option<Procedure> {
    let file = texts.add_file(p.file.clone());
    let mut ok = true;
    let mut params = Vec::new();
    for (name, raw) in &p.value.params {
        let n = name.get_ref();
        if !is_valid_id(n) {
            texts.error(
                file,
                name.span(),
                &format!("params.{n}"),
                format!("invalid parameter name `{n}`: use lowercase letters, digits and single hyphens"),
            );
            ok = false;
        }
        let r = raw.get_ref();
        match texts.optional(file, &format!("params.{n}.default"), r.default.as_ref()) {
            Some(default) => params.push(Param {
                name: n.clone(),
                default,
                description: r.description.as_ref().map(|d| d.get_ref().clone()),
            }),
            None => ok = false,
        }
    }
    let declared: BTreeSet<String> = p.value.params.keys().map(|k| k.get_ref().clone()).collect();
    let mut placeholders = Placeholders { file, declared: &declared, used: BTreeSet::new(), ok: true };
    placeholders.check(texts, "title", &p.value.title);
    if let Some(s) = &p.value.summary {
        placeholders.check(texts, "summary", s);
    }
    let title = texts.text(file, "title", &p.value.title);
    let summary = texts.optional(file, "summary", p.value.summary.as_ref());
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    let mut steps = Vec::with_capacity(p.value.steps.len());
    let mut includes = Vec::new();
    if p.value.steps.is_empty() {
        texts.error(file, 0..0, "steps", format!("procedure `{}` has no steps: add at least one `[[steps]]`", p.id));
        ok = false;
    }
    for (i, raw) in p.value.steps.iter().enumerate() {
        let key = format!("steps[{i}]");
        let default = format!("step-{}", i + 1);
        let r = raw.get_ref();
        let fields = StepFields {
            id: r.id.as_ref(),
            text: r.text.as_ref(),
            note: r.note.as_deref(),
            caution: r.caution.as_deref(),
            since_then: r.since_then.as_deref(),
        };
        placeholders.check_step(texts, &key, &fields);
        let step = step_fields(file, &key, &default, &fields, raw.span(), r.include.is_some(), &mut seen, texts);
        let (children, list, choices) = match (r.substeps.is_empty(), r.choices.is_empty()) {
            (_, true) => (&r.substeps, "substeps", false),
            (true, false) => (&r.choices, "choices", true),
            (false, false) => {
                texts.error(
                    file,
                    r.choices[0].span(),
                    &format!("{key}.choices"),
                    "a step has either `substeps` (done in order) or `choices` (do one of them), not both".to_string(),
                );
                ok = false;
                (&r.substeps, "substeps", false)
            }
        };
        let include = match &r.include {
            Some(target) => {
                if let Some(first) = children.first() {
                    texts.error(
                        file,
                        first.span(),
                        &format!("{key}.{list}"),
                        format!(
                            "a step that includes a procedure has no `{list}`: the included steps are its substeps"
                        ),
                    );
                    ok = false;
                }
                let mut with = Bindings::new();
                for (name, value) in &r.with {
                    let wkey = format!("{key}.with.{}", name.get_ref());
                    placeholders.check(texts, &wkey, value);
                    match texts.text(file, &wkey, value) {
                        Some(t) => {
                            with.insert(name.get_ref().clone(), t);
                        }
                        None => ok = false,
                    }
                }
                let id = ProcedureId::new(target.get_ref());
                if !includes.contains(&id) {
                    includes.push(id.clone());
                }
                Some(Include { procedure: id, with })
            }
            None => {
                if let Some((name, _)) = r.with.iter().next() {
                    texts.error(
                        file,
                        name.span(),
                        &format!("{key}.with.{}", name.get_ref()),
                        "`with` gives values to an included procedure: this step has no `include`".to_string(),
                    );
                    ok = false;
                }
                None
            }
        };
        let mut substeps = Vec::new();
        for (j, sub) in children.iter().enumerate() {
            let RawSubstep { id, text, note, caution, since_then } = sub.get_ref();
            let parent = step.as_ref().map_or(default.clone(), |s| s.anchor.to_string());
            let fields = StepFields {
                id: id.as_ref(),
                text: Some(text),
                note: note.as_deref(),
                caution: caution.as_deref(),
                since_then: since_then.as_deref(),
            };
            let sub_key = format!("{key}.{list}[{j}]");
            placeholders.check_step(texts, &sub_key, &fields);
            let default = format!("{parent}-{}", j + 1);
            match step_fields(file, &sub_key, &default, &fields, sub.span(), false, &mut seen, texts) {
                Some(s) => substeps.push(s),
                None => ok = false,
            }
        }
        match step {
            Some(mut s) => {
                s.substeps = substeps;
                s.choices = choices;
                s.include = include.map(Box::new);
                steps.push(s);
            }
            None => ok = false,
        }
    }
    for name in p.value.params.keys() {
        if !placeholders.used.contains(name.get_ref()) {
            texts.warning(
                file,
                name.span(),
                &format!("params.{}", name.get_ref()),
                format!("parameter `{}` is used by no text of this procedure: write `{{{{ {} }}}}` where it goes, or remove it", name.get_ref(), name.get_ref()),
            );
        }
    }
    ok &= placeholders.ok;
    let (title, summary) = (title?, summary?);
    ok.then(|| Procedure {
        id: ProcedureId::new(&p.id),
        title,
        summary,
        params,
        steps: Arc::new(steps),
        includes,
        used_in: Vec::new(),
        weight: p.value.weight.unwrap_or(0),
    })
}

/// Checks the `{{ … }}` of a procedure's texts against its parameters, and notes which are used.
struct Placeholders<'d> {
    file: usize,
    declared: &'d BTreeSet<String>,
    used: BTreeSet<String>,
    ok: bool,
}

impl Placeholders<'_> {
    fn check(&mut self, texts: &mut Texts<'_>, key: &str, raw: &crate::load::RawText) {
        for (lang, value) in raw.get_ref() {
            // Made only for an error: nearly every text has no brace at all.
            let key = || format!("{key}.{}", lang.get_ref());
            for brace in params::braces(value.get_ref()) {
                match brace {
                    params::Brace::Placeholder { name, range } => {
                        if self.declared.contains(&name) {
                            self.used.insert(name);
                        } else {
                            let hint = suggest(&name, self.declared.iter());
                            let written = &value.get_ref()[range];
                            let message = format!(
                                "unknown parameter `{name}` in `{written}`{hint}: declare it with `[params.{name}]`"
                            );
                            self.error(texts, value.span(), written, &key(), message);
                        }
                    }
                    params::Brace::Malformed { range } => {
                        let written = &value.get_ref()[range];
                        let message = format!(
                            "`{written}` is not a parameter: write `{{{{ name }}}}` with a parameter's name, or `\\{{{{` for a literal `{{{{`"
                        );
                        self.error(texts, value.span(), written, &key(), message);
                    }
                    params::Brace::Escaped { .. } => {}
                }
            }
        }
    }

    fn error(&mut self, texts: &mut Texts<'_>, span: std::ops::Range<usize>, needle: &str, key: &str, message: String) {
        let f = &texts.files[self.file];
        let d = Diagnostic::error(&f.path, message).at(f.locate_in(span, needle)).key(key);
        texts.diags.push(d);
        self.ok = false;
    }

    fn check_step(&mut self, texts: &mut Texts<'_>, key: &str, fields: &StepFields<'_>) {
        for (name, raw) in [
            ("text", fields.text),
            ("note", fields.note),
            ("caution", fields.caution),
            ("since-then", fields.since_then),
        ] {
            if let Some(raw) = raw {
                self.check(texts, &format!("{key}.{name}"), raw);
            }
        }
    }
}

/// The fields steps and substeps share, as written.
struct StepFields<'r> {
    id: Option<&'r Spanned<String>>,
    text: Option<&'r crate::load::RawText>,
    note: Option<&'r crate::load::RawText>,
    caution: Option<&'r crate::load::RawText>,
    since_then: Option<&'r crate::load::RawText>,
}

#[allow(clippy::too_many_arguments)]
fn step_fields(
    file: usize,
    key: &str,
    default: &str,
    fields: &StepFields<'_>,
    span: std::ops::Range<usize>,
    includes: bool,
    seen: &mut BTreeMap<String, ()>,
    texts: &mut Texts<'_>,
) -> Option<Step> {
    let &StepFields { id, text, note, caution, since_then } = fields;
    let mut ok = true;
    if text.is_none() && !includes {
        texts.error(
            file,
            span.clone(),
            key,
            "a step needs `text` (what the reader does), or `include` with another procedure".to_string(),
        );
        ok = false;
    }
    let anchor = match id {
        Some(id) => {
            let a = id.get_ref();
            if !is_valid_id(a) || a.starts_with("vd-") {
                texts.error(file, id.span(), &format!("{key}.id"), format!("invalid step id `{a}`: use lowercase letters, digits and single hyphens (not starting with `vd-`)"));
                ok = false;
            } else if seen.insert(a.clone(), ()).is_some() {
                texts.error(
                    file,
                    id.span(),
                    &format!("{key}.id"),
                    format!("duplicate step id `{a}`: every step of a procedure needs its own anchor"),
                );
                ok = false;
            }
            a.clone()
        }
        None => {
            if seen.insert(default.to_string(), ()).is_some() {
                texts.error(
                    file,
                    text.map_or(span.clone(), |t| t.span()),
                    key,
                    format!("the default anchor `{default}` of this step is already taken by another step's id"),
                );
                ok = false;
            }
            default.to_string()
        }
    };
    // [`Texts::optional`], with the key made only for a text that is there (most steps have
    // no note): a site has hundreds of thousands of steps.
    let optional = |texts: &mut Texts<'_>, field: &str, raw: Option<&crate::load::RawText>| match raw {
        None => Some(None),
        Some(r) => texts.text(file, &format!("{key}.{field}"), r).map(Some),
    };
    let text = match text {
        Some(t) => texts.text(file, &format!("{key}.text"), t),
        None => Some(Text::from_values(vec!["".into(); texts.languages.len()])),
    };
    let (note, note_kind) = match (note, caution) {
        (Some(_), Some(c)) => {
            texts.error(
                file,
                c.span(),
                &format!("{key}.caution"),
                "a step has one note: either `note` (a remark) or `caution`, not both".to_string(),
            );
            ok = false;
            (texts.optional(file, &format!("{key}.note"), note), NoteKind::Note)
        }
        (None, Some(c)) => (optional(texts, "caution", Some(c)), NoteKind::Caution),
        (n, None) => (optional(texts, "note", n), NoteKind::Note),
    };
    let since_then = optional(texts, "since-then", since_then);
    let (text, note, since_then) = (text?, note?, since_then?);
    ok.then(|| Step {
        anchor: Anchor::new(anchor),
        text,
        note,
        note_kind,
        since_then: since_then.map(Box::new),
        include: None,
        substeps: Vec::new(),
        choices: false,
    })
}

fn scenario(
    s: &Parsed<crate::load::RawScenario>,
    procedures: &BTreeSet<String>,
    texts: &mut Texts<'_>,
) -> Option<Scenario> {
    let file = texts.add_file(s.file.clone());
    let title = texts.text(file, "title", &s.value.title);
    let symptom = texts.text(file, "symptom", &s.value.symptom);
    let mut parts = Vec::new();
    let mut ok = true;
    let mut included: BTreeSet<String> = BTreeSet::new();
    for (i, raw) in s.value.sections.iter().enumerate() {
        let key = format!("sections[{i}]");
        let r = raw.get_ref();
        let given: Vec<(&str, std::ops::Range<usize>)> = [
            ("text", r.text.as_ref().map(|t| t.span())),
            ("procedure", r.procedure.as_ref().map(|p| p.span())),
            ("snippet", r.snippet.as_ref().map(|s| s.span())),
        ]
        .into_iter()
        .filter_map(|(k, span)| span.map(|s| (k, s)))
        .collect();
        // What only a procedure section may have.
        let procedure_only: Vec<(&str, std::ops::Range<usize>)> = [
            ("when", r.when.as_ref().map(|w| w.span())),
            ("with", r.with.keys().next().map(|k| k.span())),
            ("skip", r.skip.as_ref().map(|s| s.span())),
            ("only", r.only.as_ref().map(|s| s.span())),
            ("notes", r.notes.first().map(|n| n.span())),
        ]
        .into_iter()
        .filter_map(|(k, span)| span.map(|s| (k, s)))
        .collect();
        if r.procedure.is_none() {
            for (k, span) in &procedure_only {
                texts.error(
                    file,
                    span.clone(),
                    &format!("{key}.{k}"),
                    format!("`{k}` applies only to a procedure section"),
                );
                ok = false;
            }
        }
        match given.as_slice() {
            [("text", _)] => match r.text.as_ref().and_then(|text| texts.text(file, &format!("{key}.text"), text)) {
                Some(t) => parts.push(Part::Text(t)),
                None => ok = false,
            },
            [("snippet", _)] => {
                if let Some(sid) = &r.snippet {
                    parts.push(Part::Snippet(SnippetId::new(sid.get_ref())));
                }
            }
            [("procedure", _)] => {
                let Some(pid) = &r.procedure else { continue };
                let id = pid.get_ref();
                let pkey = format!("{key}.procedure");
                if !procedures.contains(id) {
                    let hint = suggest(id, procedures.iter());
                    texts.error(file, pid.span(), &pkey, format!("unknown procedure `{id}`{hint}"));
                    ok = false;
                } else if !included.insert(id.clone()) {
                    texts.error(
                        file,
                        pid.span(),
                        &pkey,
                        format!("procedure `{id}` is included twice in this scenario: its step anchors would collide"),
                    );
                    ok = false;
                }
                let when = texts.optional(file, &format!("{key}.when"), r.when.as_ref());
                let mut with = Bindings::new();
                for (name, value) in &r.with {
                    match texts.text(file, &format!("{key}.with.{}", name.get_ref()), value) {
                        Some(t) => {
                            with.insert(name.get_ref().clone(), t);
                        }
                        None => ok = false,
                    }
                }
                let anchors = |list: &Spanned<Vec<Spanned<String>>>| {
                    list.get_ref().iter().map(|a| Anchor::new(a.get_ref())).collect::<Vec<_>>()
                };
                let selection = match (&r.skip, &r.only) {
                    (None, None) => Selection::All,
                    (Some(skip), None) => Selection::Skip(anchors(skip)),
                    (None, Some(only)) => Selection::Only(anchors(only)),
                    (Some(_), Some(only)) => {
                        texts.error(
                            file,
                            only.span(),
                            &format!("{key}.only"),
                            "a section has either `skip` (steps left out) or `only` (the steps shown), not both"
                                .to_string(),
                        );
                        ok = false;
                        Selection::All
                    }
                };
                let mut notes = Vec::new();
                for (j, n) in r.notes.iter().enumerate() {
                    let note = n.get_ref();
                    match texts.text(file, &format!("{key}.notes[{j}].text"), &note.text) {
                        Some(t) => notes.push((Anchor::new(note.step.get_ref()), t)),
                        None => ok = false,
                    }
                }
                match when {
                    Some(when) => parts.push(Part::Procedure(ProcedureUse {
                        id: ProcedureId::new(id),
                        when,
                        with,
                        selection,
                        notes,
                    })),
                    None => ok = false,
                }
            }
            [] => {
                texts.error(
                    file,
                    raw.span(),
                    &key,
                    "a section has none of `text`, `procedure` and `snippet`: give exactly one".to_string(),
                );
                ok = false;
            }
            many => {
                let names = many.iter().map(|(k, _)| format!("`{k}`")).collect::<Vec<_>>().join(" and ");
                let both = if many.len() == 2 { "both " } else { "" };
                texts.error(file, raw.span(), &key, format!("a section has {both}{names}: give exactly one"));
                ok = false;
            }
        }
    }
    let (title, symptom) = (title?, symptom?);
    ok.then(|| Scenario { id: ScenarioId::new(&s.id), title, symptom, parts, weight: s.value.weight.unwrap_or(0) })
}

fn snippet(s: &Parsed<crate::load::RawSnippet>, texts: &mut Texts<'_>) -> Option<Snippet> {
    let file = texts.add_file(s.file.clone());
    let mut ok = true;
    for (key, raw) in [("title", s.value.title.as_ref()), ("text", Some(&s.value.text))] {
        for (lang, value) in raw.map(|r| r.get_ref().iter()).into_iter().flatten() {
            if let Some(params::Brace::Placeholder { range, .. }) =
                params::braces(value.get_ref()).into_iter().find(|b| matches!(b, params::Brace::Placeholder { .. }))
            {
                let written = &value.get_ref()[range];
                let f = &texts.files[file];
                let d = Diagnostic::error(
                    &f.path,
                    format!("a snippet takes no parameters: `{written}` would never be replaced (write `\\{{{{` for a literal `{{{{`)"),
                )
                .at(f.locate_in(value.span(), written))
                .key(format!("{key}.{}", lang.get_ref()));
                texts.diags.push(d);
                ok = false;
            }
        }
    }
    let title = texts.optional(file, "title", s.value.title.as_ref());
    let text = texts.text(file, "text", &s.value.text);
    let (title, text) = (title?, text?);
    ok.then(|| Snippet { id: SnippetId::new(&s.id), title, text, used_in: Vec::new() })
}

fn pages(raw: &RawSite, texts: &mut Texts<'_>) -> BTreeMap<PageId, Page> {
    let mut by_id: BTreeMap<&str, Vec<&crate::load::RawPageFile>> = BTreeMap::new();
    for p in &raw.pages {
        by_id.entry(&p.id).or_default().push(p);
    }
    let by_id: Vec<(&str, Vec<&crate::load::RawPageFile>)> = by_id.into_iter().collect();
    // Converted in parallel, a chunk at a time, each page into texts of its own, appended in id
    // order: files, texts and diagnostics come out as one by one.
    let mut out = BTreeMap::new();
    for chunk in by_id.chunks(PAGES_CHUNK) {
        let converted: Vec<_> =
            chunk.par_iter().map(|(id, files)| texts.apart(|own| page(raw, id, files, own))).collect();
        for (page, apart) in converted {
            texts.append(apart);
            if let Some(page) = page {
                out.insert(page.id.clone(), page);
            }
        }
    }
    out
}

/// How many pages are converted in parallel before they are appended.
const PAGES_CHUNK: usize = 512;

/// The page `id` from its language files.
fn page(raw: &RawSite, id: &str, files: &[&crate::load::RawPageFile], texts: &mut Texts<'_>) -> Option<Page> {
    // A language file with an error was reported; the page is left out, without more errors.
    if raw.broken.pages.contains(id) {
        return None;
    }
    let mut ok = true;
    if let Some(why) = reserved_page_id(id) {
        for f in files {
            texts.diags.push(Diagnostic::error(&f.file.path, format!("invalid page id `{id}`: {why}")));
        }
        return None;
    }
    let mut titles = vec![String::new(); texts.languages.len()];
    let mut descriptions = vec![None; texts.languages.len()];
    let mut bodies = vec![None; texts.languages.len()];
    let mut marks = vec![crate::i18n::Mark::Current; texts.languages.len()];
    let (source, fallback) = texts
        .translations
        .map_or((0, false), |t| (t.options.source, t.options.missing == crate::i18n::MissingPolicy::Fallback));
    let source_file = texts.languages.get(source).and_then(|l| files.iter().find(|f| f.lang == l.code));
    let states = source_file
        .zip(texts.translations)
        .and_then(|(f, t)| t.unit_at(&f.file.path, f.body_offset))
        .map(|(_, states)| states.to_vec());
    let mut weight: Option<(i64, &std::path::Path)> = None;
    for f in files {
        let Some(lang) = texts.languages.iter().find(|l| l.code == f.lang).cloned() else {
            let known = crate::config::codes(texts.languages);
            texts.diags.push(Diagnostic::error(
                &f.file.path,
                format!("unknown language `{}` in the file name (book.toml lists {known})", f.lang),
            ));
            ok = false;
            continue;
        };
        let file = texts.add_file(f.file.clone());
        if let Some(w) = f.front.weight {
            match weight {
                Some((first, at)) if first != w => {
                    let d = Diagnostic::error(
                        &f.file.path,
                        format!(
                            "weight {w} differs from the weight {first} in {}: give every language the same weight, or set it in one file only",
                            at.display()
                        ),
                    );
                    texts.diags.push(d);
                    ok = false;
                }
                _ => weight = Some((w, &f.file.path)),
            }
        }
        titles[lang.index] = f.front.title.get_ref().clone();
        descriptions[lang.index] = f.front.description.as_ref().map(|d| d.get_ref().clone());
        // The body is the rest of the file's text, shared rather than copied.
        let body = crate::source_str::SourceStr::slice(&f.file.text, f.body_offset..f.file.text.len());
        texts.record_exact(file, "body", lang.index, f.body_offset, &body);
        bodies[lang.index] = Some(body);
        if states.as_ref().and_then(|s| s.get(lang.index)).is_some_and(|s| s.is_outdated()) {
            marks[lang.index] = crate::i18n::Mark::Outdated;
        }
    }
    for lang in texts.languages {
        if bodies[lang.index].is_none() && files.iter().all(|f| f.lang != lang.code) {
            if fallback && lang.index != source && source_file.is_some() {
                titles[lang.index] = titles[source].clone();
                descriptions[lang.index] = descriptions[source].clone();
                bodies[lang.index] = bodies[source].clone();
                marks[lang.index] = crate::i18n::Mark::Fallback;
                continue;
            }
            let path = format!("content/pages/{id}.{}.md", lang.code);
            let d = Diagnostic::error(
                &files[0].file.path,
                format!("page `{id}` has no `{}` version: create {path}", lang.code),
            );
            texts.diags.push(d);
            ok = false;
        }
    }
    if ok {
        let body = Text::with_marks(bodies.into_iter().map(|b| b.unwrap_or_else(|| "".into())).collect(), marks);
        let weight = weight.map_or(0, |(w, _)| w);
        let mut snippets: Vec<SnippetId> = Vec::new();
        for lang in texts.languages {
            for (sid, _) in params::snippet_lines(body.get(lang)) {
                if !snippets.iter().any(|s| s.as_str() == sid) {
                    snippets.push(SnippetId::new(sid));
                }
            }
        }
        return Some(Page { id: PageId::new(id), titles, descriptions, body, snippets, weight });
    }
    None
}

fn selector(s: &Parsed<crate::load::RawSelector>, ids: &KnownIds, texts: &mut Texts<'_>) -> Option<Selector> {
    let file = texts.add_file(s.file.clone());
    let mut ok = true;
    let question_ids: BTreeSet<String> = s.value.questions.keys().map(|k| k.get_ref().clone()).collect();
    let start = s.value.start.get_ref();
    if !question_ids.contains(start) {
        let hint = suggest(start, question_ids.iter());
        texts.error(file, s.value.start.span(), "start", format!("unknown question `{start}`{hint}"));
        ok = false;
    }
    let mut questions = BTreeMap::new();
    for (qid, q) in &s.value.questions {
        let qkey = format!("questions.{}", qid.get_ref());
        if !is_valid_id(qid.get_ref()) {
            texts.error(
                file,
                qid.span(),
                &qkey,
                format!("invalid question id `{}`: use lowercase letters, digits and single hyphens", qid.get_ref()),
            );
            ok = false;
        }
        let text = texts.text(file, &format!("{qkey}.text"), &q.text);
        if q.answers.is_empty() {
            texts.error(file, qid.span(), &qkey, format!("question `{}` has no answers", qid.get_ref()));
            ok = false;
        }
        let mut answers = Vec::new();
        for (i, a) in q.answers.iter().enumerate() {
            let akey = format!("{qkey}.answers[{i}]");
            let r = a.get_ref();
            let atext = texts.text(file, &format!("{akey}.text"), &r.text);
            let targets: Vec<(&str, &Spanned<String>)> =
                [("scenario", &r.scenario), ("question", &r.question), ("page", &r.page)]
                    .into_iter()
                    .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
                    .collect();
            let target = match targets.as_slice() {
                [(kind, v)] => {
                    let (id, fragment) = match v.get_ref().split_once('#') {
                        Some((id, f)) if *kind != "question" => (id, Some(f.to_string())),
                        _ => (v.get_ref().as_str(), None),
                    };
                    let (known, target) = match *kind {
                        "scenario" => (&ids.scenarios, Target::Scenario(ScenarioId::new(id))),
                        "question" => (&question_ids, Target::Question(QuestionId::new(id))),
                        _ => (&ids.pages, Target::Page(PageId::new(id))),
                    };
                    if known.contains(id) {
                        // The fragment is checked with the links of every text, in each language.
                        if fragment.is_some() {
                            let dest = format!("{kind}:{}", v.get_ref());
                            texts.record_link(file, v.span(), &format!("{akey}.{kind}"), &dest);
                        }
                        Some((target, fragment))
                    } else {
                        let hint = suggest(id, known.iter());
                        texts.error(file, v.span(), &format!("{akey}.{kind}"), format!("unknown {kind} `{id}`{hint}"));
                        None
                    }
                }
                [] => {
                    texts.error(
                        file,
                        a.span(),
                        &akey,
                        "an answer needs one target: `scenario`, `question` or `page`".to_string(),
                    );
                    None
                }
                many => {
                    let names = many.iter().map(|(k, _)| format!("`{k}`")).collect::<Vec<_>>().join(" and ");
                    texts.error(
                        file,
                        many[1].1.span(),
                        &akey,
                        format!("an answer has {} targets ({names}): give exactly one", many.len()),
                    );
                    None
                }
            };
            match (atext, target) {
                (Some(text), Some((target, fragment))) => answers.push(Answer { text, target, fragment }),
                _ => ok = false,
            }
        }
        match text {
            Some(text) => {
                questions.insert(qid.get_ref().clone(), Question { id: QuestionId::new(qid.get_ref()), text, answers });
            }
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    // Order questions as a reader meets them, and warn about those nobody reaches.
    let mut order: Vec<String> = vec![start.clone()];
    let mut i = 0;
    while i < order.len() {
        if let Some(q) = questions.get(&order[i]) {
            for a in &q.answers {
                if let Target::Question(next) = &a.target
                    && !order.iter().any(|o| o == next.as_str())
                {
                    order.push(next.to_string());
                }
            }
        }
        i += 1;
    }
    let unreached: Vec<&Spanned<String>> = s.value.questions.keys().filter(|k| !order.contains(k.get_ref())).collect();
    for qid in unreached {
        texts.warning(
            file,
            qid.span(),
            &format!("questions.{}", qid.get_ref()),
            format!("question `{}` is reached by no answer", qid.get_ref()),
        );
        order.push(qid.get_ref().clone());
    }
    let questions = order.iter().filter_map(|id| questions.remove(id)).collect();
    Some(Selector { start: QuestionId::new(start), questions })
}

/// Why a page id cannot be used (its output file would collide with the site's own files).
fn reserved_page_id(id: &str) -> Option<&'static str> {
    if ["procedures", "scenarios", "pages"].contains(&id.split('/').next().unwrap_or("")) {
        Some("`procedures`, `scenarios` and `pages` are the folders of the site's own lists")
    } else {
        None
    }
}

/// ` (did you mean `x`?)` for the closest known id, when one is close.
pub fn suggest<'a>(wrong: &str, known: impl Iterator<Item = &'a String>) -> String {
    known
        .map(|k| (edit_distance(wrong, k), k))
        .filter(|(d, k)| *d <= 3.max(k.len() / 3))
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let known = ["sign-in-vlsc".to_string(), "create-work-account".to_string()];
        assert_eq!(suggest("sign-in-vlcs", known.iter()), " (did you mean `sign-in-vlsc`?)");
        assert_eq!(suggest("zzz", known.iter()), "");
    }
}
