//! The view of each kind of page, built for one language.

use super::views::*;
use super::{PageKind, page_path};
use crate::config::Text;
use crate::i18n::Mark;
use crate::ids::{Lang, PageId, ProcedureId, ScenarioId, SectionId, SitePath};
use crate::load::ContentKind;
use crate::markdown::{self, RefKind, RenderOptions};
use crate::model::{Item, Part, Site, Step, Target, scenario_step_anchor};
use crate::theme::UiStrings;
use serde::Serialize;

/// How many entries the home page lists of each kind's top level before linking the full list.
const HOME_LIMIT: usize = 40;

/// The template and context of a page.
pub(super) fn context(
    site: &Site,
    kind: &PageKind,
    lang: Option<&Lang>,
    here: &SitePath,
) -> (&'static str, tera::Result<tera::Context>) {
    let Some(lang) = lang else {
        return ("root.html", tera::Context::from_serialize(root_view(site, here)));
    };
    let source = site.config.languages.get(site.config.i18n.source).unwrap_or(lang);
    let source_url = here.relative_to(&page_path(kind, Some(source)));
    let r = Renderer { site, lang, ui: &site.ui[lang.index], here, source_url };
    match kind {
        PageKind::Home => ("home.html", tera::Context::from_serialize(r.home())),
        PageKind::Section(k, id) => ("section.html", tera::Context::from_serialize(r.section(*k, id))),
        PageKind::Scenario(id) => ("scenario.html", present(r.scenario(id))),
        PageKind::Procedure(id) => ("procedure.html", present(r.procedure(id))),
        PageKind::Page(id) => ("page.html", present(r.page(id))),
        PageKind::Root => ("root.html", tera::Context::from_serialize(root_view(site, here))),
    }
}

/// The context of a view, or an error when the page's content does not exist (a caller's bug: the
/// pages rendered are taken from the validated site).
fn present<T: Serialize>(view: Option<T>) -> tera::Result<tera::Context> {
    match view {
        Some(v) => tera::Context::from_serialize(v),
        None => Err(tera::Error::msg("the page's content is not in the site")),
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
}

impl<'a> Renderer<'a> {
    pub fn url(&self, kind: &PageKind) -> String {
        self.here.relative_to(&page_path(kind, Some(self.lang)))
    }

    fn md_opts<R>(&self, f: impl FnOnce(&RenderOptions<'_>) -> R) -> R {
        let resolve = |kind: RefKind, id: &str, fragment: Option<&str>| {
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
        };
        f(&RenderOptions { allow_html: self.site.config.allow_html, resolve: &resolve })
    }

    /// A block text, after the notice of its translation's state (if it is not up to date).
    pub fn html(&self, text: &Text) -> String {
        let notice = self.i18n_notice(text.mark(self.lang), None);
        format!("{notice}{}", self.html_bare(text))
    }

    /// A block text without notice; a source-language text standing in for a missing
    /// translation is marked with its language.
    fn html_bare(&self, text: &Text) -> String {
        let html = self.md_opts(|o| markdown::to_html(text.get(self.lang), o, 2));
        match self.fallback_lang(text) {
            Some(code) => format!("<div lang=\"{code}\" class=\"vd-i18n-fallback\">{html}</div>"),
            None => html,
        }
    }

    /// An inline text (a title, a question, an answer). An outdated one is flagged after the
    /// text, in words, since a block notice cannot go inside a heading or a link.
    pub fn inline(&self, text: &Text) -> String {
        let html = self.md_opts(|o| markdown::to_inline_html(text.get(self.lang), o));
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

    /// Whether rendered HTML holds highlighted code, so that the page links the highlighting CSS.
    fn has_code<'h>(parts: impl IntoIterator<Item = &'h str>) -> bool {
        parts.into_iter().any(|h| h.contains("class=\"code hl\""))
    }

    fn steps_have_code(steps: &[StepView]) -> bool {
        steps.iter().any(|s| {
            Self::has_code([
                s.text_html.as_str(),
                s.note_html.as_deref().unwrap_or(""),
                s.since_then_html.as_deref().unwrap_or(""),
            ]) || Self::steps_have_code(&s.substeps)
        })
    }

    fn steps(&self, steps: &[Step], anchor: &dyn Fn(&Step) -> String) -> Vec<StepView> {
        steps
            .iter()
            .map(|s| StepView {
                anchor: anchor(s),
                text_html: self.html_bare(&s.text),
                note_html: s.note.as_ref().map(|n| self.html_bare(n)),
                note_kind: s.note_kind.name(),
                since_then_html: s.since_then.as_ref().map(|n| self.html_bare(n)),
                i18n_notice_html: self.i18n_notice(Self::step_mark(s, self.lang), Some(&anchor(s))),
                substeps: self.steps(&s.substeps, anchor),
                choices: s.choices,
            })
            .collect()
    }

    /// How a step reads as a whole: outdated if any of its texts is, else not translated if any
    /// of them is not.
    fn step_mark(s: &Step, lang: &Lang) -> Mark {
        let marks = [Some(&s.text), s.note.as_ref(), s.since_then.as_ref()].into_iter().flatten().map(|t| t.mark(lang));
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
                Card {
                    title_html: self.inline(&p.title),
                    summary_html: p.summary.as_ref().map(|s| self.html(s)),
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

    fn home(&self) -> HomeView<'a> {
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

    fn section(&self, kind: ContentKind, id: &SectionId) -> SectionView<'a> {
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

    fn scenario(&self, id: &ScenarioId) -> Option<ScenarioView<'a>> {
        let sc = self.site.scenarios.get(id)?;
        let mut frame = self.frame(PageKind::Scenario(id.clone()), self.plain(&sc.title));
        let sections: Vec<PartView> = sc
            .parts
            .iter()
            .filter_map(|part| match part {
                Part::Text(t) => Some(PartView::Text { html: self.html(t) }),
                Part::Procedure { id: pid, when } => {
                    let p = self.site.procedures.get(pid)?;
                    Some(PartView::Procedure {
                        anchor: pid.to_string(),
                        title_html: self.inline(&p.title),
                        url: self.url(&PageKind::Procedure(pid.clone())),
                        when_html: when.as_ref().map(|w| self.inline(w)),
                        summary_html: p.summary.as_ref().map(|s| self.html(s)),
                        steps: self.steps(&p.steps, &|s: &Step| scenario_step_anchor(pid, &s.anchor)),
                    })
                }
            })
            .collect();
        frame.has_code |= sections.iter().any(|s| match s {
            PartView::Text { html } => Self::has_code([html.as_str()]),
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

    fn procedure(&self, id: &ProcedureId) -> Option<ProcedureView<'a>> {
        let p = self.site.procedures.get(id)?;
        let mut frame = self.frame(PageKind::Procedure(id.clone()), self.plain(&p.title));
        let summary_html = p.summary.as_ref().map(|s| self.html(s));
        let steps = self.steps(&p.steps, &|s: &Step| s.anchor.to_string());
        frame.has_code |= Self::steps_have_code(&steps) || Self::has_code([summary_html.as_deref().unwrap_or("")]);
        Some(ProcedureView {
            frame,
            title_html: self.inline(&p.title),
            summary_html,
            steps,
            used_in: p
                .used_in
                .iter()
                .filter_map(|s| self.site.scenarios.get(s))
                .map(|s| NavItem {
                    url: self.url(&PageKind::Scenario(s.id.clone())),
                    title: self.plain(&s.title),
                    lang: self.fallback_lang(&s.title).map(str::to_string),
                    current: false,
                    section: false,
                })
                .collect(),
        })
    }

    fn page(&self, id: &PageId) -> Option<PageView<'a>> {
        let p = self.site.pages.get(id)?;
        let mut frame = self.frame(PageKind::Page(id.clone()), p.title(self.lang).to_string());
        let body_html = self.html(&p.body);
        frame.has_code |= Self::has_code([body_html.as_str()]);
        let title_lang = self.fallback_lang(&p.body).map(str::to_string);
        Some(PageView { frame, title_lang, body_html })
    }
}

fn root_view<'a>(site: &'a Site, here: &SitePath) -> RootView<'a> {
    let languages = site
        .config
        .languages
        .iter()
        .map(|lang| {
            let r = Renderer { site, lang, ui: &site.ui[lang.index], here, source_url: String::new() };
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
