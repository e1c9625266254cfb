//! The view of each kind of page, built for one language.

use super::views::*;
use super::{PageKind, page_path};
use crate::config::Text;
use crate::i18n::Mark;
use crate::ids::{Anchor, Lang, PageId, ProcedureId, ScenarioId, SectionId, SitePath};
use crate::load::ContentKind;
use crate::markdown::{self, RefKind, RenderOptions};
use crate::model::{Item, Part, Procedure, Selection, Site, Step, Target, User, scenario_step_anchor};
use crate::theme::UiStrings;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// How many entries the home page lists of each kind's top level before linking the full list.
const HOME_LIMIT: usize = 40;

/// The template and context of a page.
pub(super) fn context(
    site: &Site,
    kind: &PageKind,
    lang: Option<&Lang>,
    here: &SitePath,
    plain: Option<&super::PlainTexts>,
    shared: &Shared,
) -> (&'static str, tera::TeraResult<tera::Context>) {
    let Some(lang) = lang else {
        if *kind == PageKind::NotFound {
            return ("root-404.html", tera::Context::from_serialize(&root_not_found_view(site, here)));
        }
        return ("root.html", tera::Context::from_serialize(&root_view(site, here)));
    };
    let source = site.config.languages.get(site.config.i18n.source).unwrap_or(lang);
    let source_url = here.relative_to(&page_path(kind, Some(source)));
    let r = Renderer { site, lang, ui: &site.ui[lang.index], here, source_url, plain, shared: Some(shared) };
    let (template, context) = match kind {
        PageKind::Home => ("home.html", tera::Context::from_serialize(&r.home())),
        PageKind::Section(k, id) => ("section.html", tera::Context::from_serialize(&r.section(*k, id))),
        PageKind::Scenario(id) => ("scenario.html", present(r.scenario(id))),
        PageKind::Procedure(id) => ("procedure.html", present(r.procedure(id))),
        PageKind::Page(id) => ("page.html", present(r.page(id))),
        PageKind::Root => ("root.html", tera::Context::from_serialize(&root_view(site, here))),
        PageKind::NotFound => ("404.html", tera::Context::from_serialize(&r.not_found())),
    };
    // The UI strings are the same on every page of a language: converted once, shared.
    let context = context.map(|mut c| {
        c.insert_value(
            "ui",
            shared.ui.get(lang.index).cloned().unwrap_or_else(|| tera::Value::from_serializable(r.ui)),
        );
        c
    });
    (template, context)
}

/// What the pages of one render pass share, made once rather than once per page, as template
/// values (cloning one shares it).
pub struct Shared {
    /// The UI strings of every language (`ui`).
    pub ui: Vec<tera::Value>,
    /// The footer of the pages of a language in a folder, by language index and folder: the same
    /// on all of them, but for the page marked current when it is listed there.
    pub footers: Memo<(usize, String), tera::Value>,
    /// The items of a section, by language index and section: the same for every page of the
    /// section (which lists them from the section's folder), but for the current one.
    pub sections: Memo<(usize, ContentKind, SectionId), std::sync::Arc<Vec<tera::Value>>>,
    /// The HTML of the Markdown texts that read the same on every page (no internal link): a
    /// procedure's steps on its page and in every scenario that uses it, and the texts many
    /// procedures repeat, are rendered once.
    pub markdown: markdown::TextMemo,
}

impl Shared {
    pub fn new(site: &Site) -> Shared {
        Shared {
            ui: site.ui.iter().map(tera::Value::from_serializable).collect(),
            footers: Memo::default(),
            sections: Memo::default(),
            markdown: markdown::TextMemo::new(8 << 20),
        }
    }
}

/// Values made once by whichever page of a render pass first needs them.
pub struct Memo<K, V>(std::sync::Mutex<rustc_hash::FxHashMap<K, V>>);

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo(std::sync::Mutex::default())
    }
}

impl<K: std::hash::Hash + Eq, V: Clone> Memo<K, V> {
    /// The value of `key`, made with `make` when no page made it before (outside the lock: two
    /// pages may both make it, and get equal values).
    pub fn get_or_make(&self, key: K, make: impl FnOnce() -> V) -> V {
        let lock = || self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(v) = lock().get(&key) {
            return v.clone();
        }
        let v = make();
        lock().insert(key, v.clone());
        v
    }
}

/// How a Markdown text is rendered: as a block or inline, with parameter marks or without.
#[derive(Clone, Copy)]
pub(super) enum Form {
    Block { marks: bool },
    Inline { marks: bool },
}

impl Form {
    fn index(self) -> u8 {
        match self {
            Form::Block { marks } => u8::from(marks),
            Form::Inline { marks } => 2 + u8::from(marks),
        }
    }
}

/// The context of a view, or an error when the page's content does not exist (a caller's bug: the
/// pages rendered are taken from the validated site).
fn present<T: Serialize>(view: Option<T>) -> tera::TeraResult<tera::Context> {
    match view {
        Some(v) => tera::Context::from_serialize(&v),
        None => Err(tera::Error::message("the page's content is not in the site")),
    }
}

/// Builds the views of one page in one language.
pub(super) struct Renderer<'a> {
    pub site: &'a Site,
    pub lang: &'a Lang,
    pub ui: &'a UiStrings,
    pub here: &'a SitePath,
    /// This page in the source language, for the notices of outdated translations.
    pub source_url: String,
    /// Where a page's body leaves its plain text for the search index, during a build.
    pub plain: Option<&'a super::PlainTexts>,
    /// What the pages of this render pass share.
    pub shared: Option<&'a Shared>,
}

impl<'a> Renderer<'a> {
    /// A renderer for a page that shares nothing with others and has no source-language version
    /// (the entry pages, which list every language).
    fn alone(site: &'a Site, lang: &'a Lang, here: &'a SitePath) -> Renderer<'a> {
        Renderer { site, lang, ui: &site.ui[lang.index], here, source_url: String::new(), plain: None, shared: None }
    }

    pub fn url(&self, kind: &PageKind) -> String {
        self.here.relative_to(&page_path(kind, Some(self.lang)))
    }

    /// The URL of an internal link from this page.
    fn resolve(&self, kind: RefKind, id: &str, fragment: Option<&str>) -> String {
        let target = match kind {
            RefKind::Procedure => PageKind::Procedure(ProcedureId::new(id)),
            RefKind::Scenario => PageKind::Scenario(ScenarioId::new(id)),
            RefKind::Page => PageKind::Page(PageId::new(id)),
        };
        let url = self.url(&target);
        match fragment {
            Some(f) => format!("{url}#{f}"),
            None => url,
        }
    }

    fn md_opts<R>(&self, f: impl FnOnce(&RenderOptions<'_>) -> R) -> R {
        let resolve = |kind: RefKind, id: &str, fragment: Option<&str>| self.resolve(kind, id, fragment);
        f(&RenderOptions { allow_html: self.site.config.allow_html, marks: false, resolve: &resolve })
    }

    /// A block text, after the notice of its translation's state (if it is not up to date).
    pub fn html(&self, text: &Text) -> String {
        let notice = self.i18n_notice(text.mark(self.lang), None);
        format!("{notice}{}", self.html_bare(text))
    }

    /// A block text without notice; a source-language text standing in for a missing
    /// translation is marked with its language.
    fn html_bare(&self, text: &Text) -> String {
        self.block_of(text, text.get(self.lang), false)
    }

    /// `md`, the Markdown shown for `text` (its own, or with parameters or snippets in place),
    /// as a block, marked with its language when it stands in for a missing translation.
    fn block_of(&self, text: &Text, md: &str, marks: bool) -> String {
        let html = self.markdown(md, Form::Block { marks }, |o| markdown::to_html(md, o, 2));
        self.fallback_block(text, html)
    }

    /// `render(options)`, the HTML of `md` in `form`, or the HTML kept from an earlier page of
    /// the render pass ([`Shared::markdown`]).
    fn markdown(&self, md: &str, form: Form, render: impl Fn(&RenderOptions<'_>) -> String) -> String {
        // Without a mark in the text, marks change nothing: the text's HTML on its procedure's
        // page is the one it has everywhere else (and a mark written as a character reference
        // reads as that character, as on any other page).
        let marks =
            matches!(form, Form::Block { marks: true } | Form::Inline { marks: true }) && markdown::has_mark(md);
        let form = match form {
            Form::Block { .. } => Form::Block { marks },
            Form::Inline { .. } => Form::Inline { marks },
        };
        let Some(shared) = self.shared else {
            return self.md_opts(|o| render(&RenderOptions { marks, ..*o }));
        };
        shared.markdown.get_or_make(md, form.index(), || {
            let linked = std::cell::Cell::new(false);
            let resolve = |kind: RefKind, id: &str, fragment: Option<&str>| {
                linked.set(true);
                self.resolve(kind, id, fragment)
            };
            let html = render(&RenderOptions { allow_html: self.site.config.allow_html, marks, resolve: &resolve });
            (html, !linked.get())
        })
    }

    /// `html`, rendered from `text`, marked with its language when it stands in for a missing
    /// translation.
    fn fallback_block(&self, text: &Text, html: String) -> String {
        match self.fallback_lang(text) {
            Some(code) => format!("<div lang=\"{code}\" class=\"vd-i18n-fallback\">{html}</div>"),
            None => html,
        }
    }

    /// An inline text (a title, a question, an answer). An outdated one is flagged after the
    /// text, in words, since a block notice cannot go inside a heading or a link.
    pub fn inline(&self, text: &Text) -> String {
        self.inline_of(text, text.get(self.lang), false)
    }

    /// `md`, the Markdown shown for `text`, inline, as [`Self::inline`].
    fn inline_of(&self, text: &Text, md: &str, marks: bool) -> String {
        let html = self.markdown(md, Form::Inline { marks }, |o| markdown::to_inline_html(md, o));
        match (text.mark(self.lang), self.fallback_lang(text)) {
            (_, Some(code)) => format!("<span lang=\"{code}\" class=\"vd-i18n-fallback\">{html}</span>"),
            (Mark::Outdated, None) => {
                let flag = markdown::escape(self.ui.get("i18n-outdated-short").map_or("", String::as_str));
                format!("{html} <span class=\"vd-i18n-flag\">{flag}</span>")
            }
            _ => html,
        }
    }

    /// The source language's code when `text` shows it in place of a missing translation.
    pub(super) fn fallback_lang(&self, text: &Text) -> Option<&str> {
        (text.mark(self.lang) == Mark::Fallback)
            .then(|| self.site.config.languages.get(self.site.config.i18n.source))
            .flatten()
            .map(|l| l.code.as_str())
    }

    /// The notice for a text that is not up to date in this language: outdated (with a link to
    /// the original, at `fragment`) or not translated. Empty for an up-to-date text.
    fn i18n_notice(&self, mark: Mark, fragment: Option<&str>) -> String {
        let Some(source) = self.site.config.languages.get(self.site.config.i18n.source) else {
            return String::new();
        };
        let ui = |key: &str| markdown::escape(self.ui.get(key).map_or("", String::as_str));
        match mark {
            Mark::Current => String::new(),
            Mark::Outdated => {
                let url = match fragment {
                    Some(f) => format!("{}#{f}", self.source_url),
                    None => self.source_url.clone(),
                };
                format!(
                    "<p class=\"vd-i18n-notice vd-i18n-outdated\" role=\"note\">{} <a href=\"{}\" hreflang=\"{code}\">{}</a></p>",
                    ui("i18n-outdated"),
                    markdown::escape(&url),
                    ui("i18n-original"),
                    code = source.code,
                )
            }
            Mark::Fallback => {
                format!("<p class=\"vd-i18n-notice vd-i18n-missing\" role=\"note\">{}</p>", ui("i18n-missing"))
            }
        }
    }

    pub fn plain(&self, text: &Text) -> String {
        markdown::to_plain(text.get(self.lang))
    }

    /// A procedure's block text with its parameters substituted from `env`, after the notice of
    /// its translation's state (as [`Self::html`]).
    fn p_html(&self, text: &Text, env: &Env) -> String {
        let notice = self.i18n_notice(text.mark(self.lang), None);
        format!("{notice}{}", self.p_html_bare(text, env))
    }

    /// [`Self::html_bare`] of a procedure's text, with its parameters substituted from `env`.
    fn p_html_bare(&self, text: &Text, env: &Env) -> String {
        self.block_of(text, &env.apply(text.get(self.lang)), env.marks)
    }

    /// [`Self::inline`] of a procedure's text, with its parameters substituted from `env`.
    fn p_inline(&self, text: &Text, env: &Env) -> String {
        self.inline_of(text, &env.apply(text.get(self.lang)), env.marks)
    }

    /// A procedure's title as plain text, with its defaults (names for required parameters).
    pub fn procedure_title(&self, p: &Procedure) -> String {
        markdown::to_plain(&self.env(p, &BTreeMap::new(), false).apply(p.title.get(self.lang)))
    }

    /// The values of `p`'s parameters in one rendering of it: `given` (Markdown already
    /// substituted in the caller's values), else the default; on the procedure's own page
    /// (`marks`) defaults and required values are marked as varying.
    fn env(&self, p: &Procedure, given: &BTreeMap<String, String>, marks: bool) -> Env {
        let values = p
            .params
            .iter()
            .map(|param| {
                let value = match (given.get(&param.name), &param.default) {
                    (Some(v), _) => v.trim().to_string(),
                    (None, Some(d)) => {
                        let d = d.get(self.lang).trim();
                        // A value of several lines or blocks is not marked: the mark would cross them.
                        if marks && !d.contains('\n') {
                            format!("{}{}{}", markdown::VARIES, Env::clean(d), markdown::END_VARIES)
                        } else {
                            d.to_string()
                        }
                    }
                    // A value every use gives: its name, as a variable (names are ids: no markup).
                    (None, None) if marks => {
                        format!("{}{}{}", markdown::REQUIRED, param.name, markdown::END_REQUIRED)
                    }
                    (None, None) => param.name.clone(),
                };
                (param.name.clone(), value)
            })
            .collect();
        Env { values, marks }
    }

    /// Whether rendered HTML holds highlighted code, so that the page links the highlighting CSS.
    fn has_code<'h>(parts: impl IntoIterator<Item = &'h str>) -> bool {
        parts.into_iter().any(|h| html_has(h, Marker::Code))
    }

    fn steps_have_code(steps: &[StepView]) -> bool {
        steps.iter().any(|s| {
            Self::has_code(
                [
                    s.text_html.as_str(),
                    s.note_html.as_deref().unwrap_or(""),
                    s.since_then_html.as_deref().unwrap_or(""),
                ]
                .into_iter()
                .chain(s.use_notes.iter().map(String::as_str)),
            ) || Self::steps_have_code(&s.substeps)
        })
    }

    /// The views of `steps` as one use shows them: anchors after `prefix`, parameters from
    /// `env`, only the steps `selection` shows, with the use's notes; included procedures' steps
    /// as the substeps of the step that includes them.
    fn steps(
        &self,
        steps: &[Step],
        prefix: &str,
        env: &Env,
        selection: &Selection,
        notes: &[(Anchor, Text)],
        depth: usize,
    ) -> Vec<StepView> {
        // `step-link` split at its `{n}` once, not searched again for each step.
        let link_label = self.ui.get("step-link").map_or("", String::as_str);
        let label_parts = link_label.split_once("{n}").filter(|(_, after)| !after.contains("{n}"));
        steps
            .iter()
            .filter(|s| selection.shows(&s.anchor))
            .enumerate()
            .map(|(i, s)| {
                let anchor = format!("{prefix}{}", s.anchor);
                let (include, substeps) =
                    match s.include.as_ref().and_then(|i| Some((i, self.site.procedures.get(&i.procedure)?))) {
                        // Cycles are errors: the depth bound only keeps a bug from recursing forever.
                        Some((inc, p)) if depth < 64 => {
                            let given = inc
                                .with
                                .iter()
                                .map(|(k, v)| (k.clone(), env.apply(v.get(self.lang)).into_owned()))
                                .collect();
                            let inner = self.env(p, &given, env.marks);
                            let view = IncludeView {
                                title_html: self.p_inline(&p.title, &inner),
                                url: self.url(&PageKind::Procedure(p.id.clone())),
                            };
                            (
                                Some(view),
                                self.steps(&p.steps, &format!("{anchor}--"), &inner, &Selection::All, &[], depth + 1),
                            )
                        }
                        _ => (None, self.steps(&s.substeps, prefix, env, &Selection::All, notes, depth)),
                    };
                StepView {
                    text_html: if s.text.get(self.lang).trim().is_empty() {
                        String::new()
                    } else {
                        self.p_html_bare(&s.text, env)
                    },
                    note_html: s.note.as_ref().map(|n| self.p_html_bare(n, env)),
                    note_kind: s.note_kind.name(),
                    since_then_html: s.since_then.as_ref().map(|n| self.p_html_bare(n, env)),
                    i18n_notice_html: self.i18n_notice(Self::step_mark(s, self.lang), Some(&anchor)),
                    use_notes: notes.iter().filter(|(a, _)| *a == s.anchor).map(|(_, t)| self.html(t)).collect(),
                    include,
                    substeps,
                    choices: s.choices,
                    anchor,
                    link_label: match label_parts {
                        Some((before, after)) => [before, &(i + 1).to_string(), after].concat(),
                        None => link_label.replace("{n}", &(i + 1).to_string()),
                    },
                }
            })
            .collect()
    }

    /// How a step reads as a whole: outdated if any of its texts is, else not translated if any
    /// of them is not.
    fn step_mark(s: &Step, lang: &Lang) -> Mark {
        let marks =
            [Some(&s.text), s.note.as_ref(), s.since_then.as_deref()].into_iter().flatten().map(|t| t.mark(lang));
        marks.fold(Mark::Current, |acc, m| match (acc, m) {
            (Mark::Outdated, _) | (_, Mark::Outdated) => Mark::Outdated,
            (Mark::Fallback, _) | (_, Mark::Fallback) => Mark::Fallback,
            _ => Mark::Current,
        })
    }

    /// An item as an entry of a list, with its summary (symptom, summary or description).
    pub fn card(&self, item: &Item) -> Option<Card> {
        let url = self.url(&PageKind::of_item(item));
        Some(match item {
            Item::Procedure(id) => {
                let p = self.site.procedures.get(id)?;
                let env = self.env(p, &BTreeMap::new(), false);
                Card {
                    title_html: self.p_inline(&p.title, &env),
                    summary_html: p.summary.as_ref().map(|s| self.p_html(s, &env)),
                    url,
                    section: false,
                }
            }
            Item::Scenario(id) => {
                let s = self.site.scenarios.get(id)?;
                Card {
                    title_html: self.inline(&s.title),
                    summary_html: Some(self.html(&s.symptom)),
                    url,
                    section: false,
                }
            }
            Item::Page(id) => {
                let p = self.site.pages.get(id)?;
                let description = p.descriptions.get(self.lang.index).cloned().flatten();
                // A page shown in the source language (fallback) says so in its card too.
                let lang = self.fallback_lang(&p.body).map_or(String::new(), |l| format!(" lang=\"{l}\""));
                let title = markdown::escape(p.title(self.lang));
                Card {
                    title_html: if lang.is_empty() { title } else { format!("<span{lang}>{title}</span>") },
                    summary_html: description.map(|d| format!("<p{lang}>{}</p>", markdown::escape(&d))),
                    url,
                    section: false,
                }
            }
        })
    }

    /// A section as an entry of its parent's list.
    fn section_card(&self, kind: ContentKind, id: &SectionId) -> Card {
        let section = self.site.section(kind, id);
        Card {
            title_html: markdown::escape(&self.section_title(kind, id)),
            summary_html: section.and_then(|s| s.description.as_ref()).map(|d| self.html(d)),
            url: self.url(&PageKind::Section(kind, id.clone())),
            section: true,
        }
    }

    fn home(&self) -> HomeView {
        let site = self.site;
        let mut frame = self.frame(PageKind::Home, self.plain(&site.config.title));
        let selector = site.selector.as_ref().map(|sel| SelectorView {
            start: format!("q-{}", sel.start),
            questions: sel
                .questions
                .iter()
                .map(|q| QuestionView {
                    anchor: format!("q-{}", q.id),
                    text_html: self.inline(&q.text),
                    answers: q
                        .answers
                        .iter()
                        .map(|a| {
                            let (mut url, kind) = match &a.target {
                                Target::Question(next) => (format!("#q-{next}"), "question"),
                                Target::Scenario(s) => (self.url(&PageKind::Scenario(s.clone())), "scenario"),
                                Target::Page(p) => (self.url(&PageKind::Page(p.clone())), "page"),
                            };
                            if let Some(f) = &a.fragment {
                                url = format!("{url}#{f}");
                            }
                            AnswerView { text_html: self.inline(&a.text), url, kind }
                        })
                        .collect(),
                })
                .collect(),
        });
        let root = SectionId::new("");
        let mut scenario_cards = Vec::new();
        let mut scenarios_more = None;
        if let Some(top) = site.section(ContentKind::Scenarios, &root) {
            let total = top.children.len() + top.items.len();
            scenario_cards
                .extend(top.children.iter().take(HOME_LIMIT).map(|c| self.section_card(ContentKind::Scenarios, c)));
            let room = HOME_LIMIT.saturating_sub(scenario_cards.len());
            scenario_cards.extend(top.items.iter().take(room).filter_map(|i| self.card(i)));
            if total > scenario_cards.len() {
                scenarios_more = Some(NavItem {
                    title: self.ui.get("all-scenarios").cloned().unwrap_or_default(),
                    lang: None,
                    url: self.url(&PageKind::Section(ContentKind::Scenarios, root.clone())),
                    current: false,
                    section: true,
                });
            }
        }
        frame.has_code |= site.config.description.as_ref().is_some_and(|d| Self::has_code([self.html(d).as_str()]));
        HomeView {
            frame,
            description_html: site.config.description.as_ref().map(|d| self.html(d)),
            selector,
            scenario_cards,
            scenarios_more,
            pages_group: self.top_group(ContentKind::Pages, HOME_LIMIT, None),
            procedures_group: self.top_group(ContentKind::Procedures, HOME_LIMIT, None),
        }
    }

    fn section(&self, kind: ContentKind, id: &SectionId) -> SectionView {
        let title = self.section_title(kind, id);
        let mut frame = self.frame(PageKind::Section(kind, id.clone()), title.clone());
        let section = self.site.section(kind, id);
        let description_html = section.and_then(|s| s.description.as_ref()).map(|d| self.html(d));
        let subsections =
            section.map_or(Vec::new(), |s| s.children.iter().map(|c| self.section_card(kind, c)).collect());
        let items: Vec<Card> = section.map_or(Vec::new(), |s| s.items.iter().filter_map(|i| self.card(i)).collect());
        frame.has_code |= Self::has_code(
            description_html.iter().chain(items.iter().filter_map(|c| c.summary_html.as_ref())).map(String::as_str),
        );
        SectionView { frame, title_html: markdown::escape(&title), description_html, subsections, items }
    }

    fn scenario(&self, id: &ScenarioId) -> Option<ScenarioView> {
        let sc = self.site.scenarios.get(id)?;
        let mut frame = self.frame(PageKind::Scenario(id.clone()), self.plain(&sc.title));
        let sections: Vec<PartView> = sc
            .parts
            .iter()
            .filter_map(|part| match part {
                Part::Text(t) => Some(PartView::Text { html: self.html(t) }),
                Part::Procedure(u) => {
                    let p = self.site.procedures.get(&u.id)?;
                    let given = u.with.iter().map(|(k, v)| (k.clone(), v.get(self.lang).to_string())).collect();
                    let env = self.env(p, &given, false);
                    let prefix = scenario_step_anchor(&u.id, &Anchor::new(""));
                    Some(PartView::Procedure {
                        anchor: u.id.to_string(),
                        title_html: self.p_inline(&p.title, &env),
                        url: self.url(&PageKind::Procedure(u.id.clone())),
                        when_html: u.when.as_ref().map(|w| self.inline(w)),
                        summary_html: p.summary.as_ref().map(|s| self.p_html(s, &env)),
                        steps: self.steps(&p.steps, &prefix, &env, &u.selection, &u.notes, 0),
                    })
                }
                Part::Snippet(sid) => {
                    let sn = self.site.snippets.get(sid)?;
                    Some(PartView::Snippet {
                        title_html: sn.title.as_ref().map(|t| self.inline(t)),
                        html: self.html(&sn.text),
                    })
                }
            })
            .collect();
        frame.has_code |= sections.iter().any(|s| match s {
            PartView::Text { html } | PartView::Snippet { html, .. } => Self::has_code([html.as_str()]),
            PartView::Procedure { steps, summary_html, when_html, .. } => {
                Self::steps_have_code(steps)
                    || Self::has_code([summary_html.as_deref().unwrap_or(""), when_html.as_deref().unwrap_or("")])
            }
        });
        Some(ScenarioView {
            frame,
            title_html: self.inline(&sc.title),
            symptom_html: self.html(&sc.symptom),
            selector_url: format!("{}#vd-selector", self.url(&PageKind::Home)),
            sections,
        })
    }

    fn procedure(&self, id: &ProcedureId) -> Option<ProcedureView> {
        let p = self.site.procedures.get(id)?;
        let mut frame = self.frame(PageKind::Procedure(id.clone()), self.procedure_title(p));
        let env = self.env(p, &BTreeMap::new(), true);
        let summary_html = p.summary.as_ref().map(|s| self.p_html(s, &env));
        let steps = self.steps(&p.steps, "", &env, &Selection::All, &[], 0);
        frame.has_code |= Self::steps_have_code(&steps) || Self::has_code([summary_html.as_deref().unwrap_or("")]);
        let varies = steps_vary(&steps) || summary_html.as_deref().is_some_and(|h| html_has(h, Marker::Param));
        Some(ProcedureView {
            frame,
            title_html: self.p_inline(&p.title, &env),
            summary_html,
            steps,
            varies,
            includes: p
                .includes
                .iter()
                .filter_map(|i| self.site.procedures.get(i))
                .map(|i| NavItem {
                    url: self.url(&PageKind::Procedure(i.id.clone())),
                    title: self.procedure_title(i),
                    lang: self.fallback_lang(&i.title).map(str::to_string),
                    current: false,
                    section: false,
                })
                .collect(),
            used_in: p.used_in.iter().filter_map(|u| self.use_view(p, u)).collect(),
        })
    }

    /// An entry of "Used in": the scenario or procedure, and the variant it uses.
    fn use_view(&self, p: &Procedure, u: &crate::model::Use) -> Option<UseView> {
        let (title, url, lang, includer) = match &u.user {
            User::Scenario(s) => {
                let sc = self.site.scenarios.get(s)?;
                let lang = self.fallback_lang(&sc.title).map(str::to_string);
                (self.plain(&sc.title), self.url(&PageKind::Scenario(s.clone())), lang, None)
            }
            User::Procedure(id) => {
                let by = self.site.procedures.get(id)?;
                let lang = self.fallback_lang(&by.title).map(str::to_string);
                (self.procedure_title(by), self.url(&PageKind::Procedure(id.clone())), lang, Some(by))
            }
        };
        // HTML: a value standing in for a missing translation carries its language.
        let mut variant: Vec<String> = u
            .with
            .iter()
            .map(|(name, v)| {
                // A value an including procedure gives may use its own parameters.
                let value = match includer {
                    Some(by) => {
                        markdown::to_plain(&crate::model::params::with_defaults(by, v.get(self.lang), self.lang))
                    }
                    None => markdown::to_plain(v.get(self.lang)),
                };
                let value = match self.fallback_lang(v) {
                    Some(code) => format!("<span lang=\"{code}\">{}</span>", markdown::escape(&value)),
                    None => markdown::escape(&value),
                };
                format!("{}: “{value}”", markdown::escape(name))
            })
            .collect();
        if !u.hidden.is_empty() {
            let numbers: Vec<String> = p
                .steps
                .iter()
                .enumerate()
                .filter(|(_, s)| u.hidden.contains(&s.anchor))
                .map(|(i, _)| (i + 1).to_string())
                .collect();
            let template = self.ui.get("used-in-without").cloned().unwrap_or_default();
            variant.push(markdown::escape(&template.replace("{steps}", &numbers.join(", "))));
        }
        Some(UseView { title, url, lang, variant_html: variant.join("; ") })
    }

    fn page(&self, id: &PageId) -> Option<PageView> {
        let p = self.site.pages.get(id)?;
        let mut frame = self.frame(PageKind::Page(id.clone()), p.title(self.lang).to_string());
        let body = crate::model::params::expand_snippets(p.body.get(self.lang), &|id| {
            self.site.snippets.get(id).map(|s| s.text.get(self.lang))
        });
        // As `html`: the notice of the body's translation state, and its language when the source
        // language's body stands in for a missing translation.
        let notice = self.i18n_notice(p.body.mark(self.lang), None);
        let body_html = match self.plain {
            Some(plain) => {
                let (html, sections) = self.md_opts(|o| markdown::to_html_and_plain(&body, o, 2));
                plain.put(id, self.lang, sections);
                format!("{notice}{}", self.fallback_block(&p.body, html))
            }
            None => format!("{notice}{}", self.block_of(&p.body, &body, false)),
        };
        frame.has_code |= Self::has_code([body_html.as_str()]);
        let title_lang = self.fallback_lang(&p.body).map(str::to_string);
        Some(PageView { frame, title_lang, body_html })
    }

    /// A language's 404 page: the frame, a message and the way home. Its links are relative
    /// to `<lang>/404.html`; with `base-url`, a `<base>` element makes them hold at any depth.
    fn not_found(&self) -> NotFoundView {
        let title = self.ui.get("not-found").cloned().unwrap_or_default();
        let mut frame = self.frame(PageKind::NotFound, title);
        frame.canonical = None;
        NotFoundView { base_href: base_href(self.site, self.here), frame }
    }
}

/// Where the relative links of a page served at any path should resolve: the page's own folder
/// under `base-url`, when the site has one.
fn base_href(site: &Site, here: &SitePath) -> Option<String> {
    let folder = here.as_str().rsplit_once('/').map_or("", |(f, _)| f);
    let folder = if folder.is_empty() { String::new() } else { format!("{folder}/") };
    site.config.base_url.as_ref().map(|b| format!("{b}{folder}"))
}

/// The entry 404 page: in every language, the message and a link to that language's home.
fn root_not_found_view<'a>(site: &'a Site, here: &SitePath) -> RootNotFoundView<'a> {
    let languages = site
        .config
        .languages
        .iter()
        .map(|lang| {
            let r = Renderer::alone(site, lang, here);
            RootNotFoundLanguage {
                code: lang.code.clone(),
                ui: &site.ui[lang.index],
                title: r.plain(&site.config.title),
                notice_html: site.config.notice.as_ref().map(|n| r.html(n)),
                home_url: r.url(&PageKind::Home),
            }
        })
        .collect();
    RootNotFoundView {
        lang: site.config.languages.first().map(|l| l.code.clone()).unwrap_or_default(),
        assets: "assets/".to_string(),
        base_href: base_href(site, here),
        languages,
    }
}

#[derive(Serialize)]
struct NotFoundView {
    #[serde(flatten)]
    frame: Frame,
    base_href: Option<String>,
}

#[derive(Serialize)]
struct RootNotFoundView<'a> {
    lang: String,
    assets: String,
    base_href: Option<String>,
    languages: Vec<RootNotFoundLanguage<'a>>,
}

#[derive(Serialize)]
struct RootNotFoundLanguage<'a> {
    code: String,
    ui: &'a UiStrings,
    title: String,
    notice_html: Option<String>,
    home_url: String,
}

/// What [`html_has`] looks for in rendered HTML.
#[derive(Clone, Copy)]
pub(super) enum Marker {
    /// Highlighted code (the page links the highlighting CSS).
    Code,
    /// A marked parameter value (the page explains the marks).
    Param,
}

/// Whether rendered HTML holds `marker`: by a searcher made once, not `str::contains`, which
/// makes one for every step of every page.
pub(super) fn html_has(html: &str, marker: Marker) -> bool {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;
    static CODE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"class=\"code hl\""));
    static PARAM: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"class=\"vd-param\""));
    let finder = match marker {
        Marker::Code => &CODE,
        Marker::Param => &PARAM,
    };
    finder.find(html.as_bytes()).is_some()
}

/// Whether any step shows a marked parameter value.
fn steps_vary(steps: &[StepView]) -> bool {
    steps.iter().any(|s| {
        [s.text_html.as_str(), s.note_html.as_deref().unwrap_or(""), s.since_then_html.as_deref().unwrap_or("")]
            .iter()
            .any(|h| html_has(h, Marker::Param))
            || s.include.as_ref().is_some_and(|i| html_has(&i.title_html, Marker::Param))
            || steps_vary(&s.substeps)
    })
}

/// The values of a procedure's parameters in one rendering (Markdown, in the page's language).
pub(super) struct Env {
    values: BTreeMap<String, String>,
    /// Whether values carry the marks of a varying value (the procedure's own page).
    marks: bool,
}

impl Env {
    /// `md` with its placeholders replaced. With marks, any mark character already in the
    /// text is taken out first, so that only the marks added here become elements.
    fn apply<'m>(&self, md: &'m str) -> Cow<'m, str> {
        let md: Cow<'m, str> =
            if self.marks && markdown::has_mark(md) { Cow::Owned(Self::clean(md)) } else { Cow::Borrowed(md) };
        match crate::model::params::substitute(&md, &|name| self.values.get(name).cloned()) {
            Cow::Borrowed(_) => md,
            Cow::Owned(o) => Cow::Owned(o),
        }
    }

    fn clean(md: &str) -> String {
        md.replace(markdown::is_mark, "\u{FFFD}")
    }
}

fn root_view<'a>(site: &'a Site, here: &SitePath) -> RootView<'a> {
    let languages = site
        .config
        .languages
        .iter()
        .map(|lang| {
            let r = Renderer::alone(site, lang, here);
            RootLanguage {
                code: lang.code.clone(),
                ui: &site.ui[lang.index],
                title: r.plain(&site.config.title),
                description_html: site.config.description.as_ref().map(|d| r.html(d)),
                notice_html: site.config.notice.as_ref().map(|n| r.html(n)),
                home_url: r.url(&PageKind::Home),
                scenarios: r.top_group(ContentKind::Scenarios, HOME_LIMIT, None),
            }
        })
        .collect();
    RootView {
        lang: site.config.languages.first().map(|l| l.code.clone()).unwrap_or_default(),
        assets: "assets/".to_string(),
        canonical: site.config.base_url.clone(),
        languages,
    }
}

#[derive(Serialize)]
struct RootView<'a> {
    lang: String,
    assets: String,
    canonical: Option<String>,
    languages: Vec<RootLanguage<'a>>,
}

#[derive(Serialize)]
struct RootLanguage<'a> {
    code: String,
    ui: &'a UiStrings,
    title: String,
    description_html: Option<String>,
    notice_html: Option<String>,
    home_url: String,
    scenarios: NavGroup,
}
