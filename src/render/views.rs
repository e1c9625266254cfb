//! The typed views that templates receive, one struct per kind of page.
//! Fields ending in `_html` are already-rendered, trusted HTML (templates mark them `| safe`).

use serde::Serialize;

/// What every page of a language shares: language, navigation, alternates (and UI strings, `ui`,
/// added to the context apart: [`super::page::ui_values`]). Its size is bounded: it never lists
/// the whole site.
#[derive(Serialize)]
pub struct Frame {
    pub lang: String,
    pub site_title: String,
    pub site_title_html: String,
    /// Plain text, for `<title>`.
    pub title: String,
    /// Relative prefix to the output root (`../../`), for assets.
    pub root: String,
    pub assets: String,
    pub home_url: String,
    pub canonical: Option<String>,
    pub alternates: Vec<Alternate>,
    /// From home down to the parent of this page (empty on home).
    pub breadcrumb: Vec<NavItem>,
    /// The section this page belongs to, for item pages.
    pub section_nav: Option<SectionNav>,
    /// The top level of each kind listed in the footer (scenarios, pages): `NavGroup`s, made
    /// into a template value once for the pages that share them.
    pub footer: tera::Value,
    /// The site-wide notice (`[book] notice`), shown on every page.
    pub notice_html: Option<String>,
    pub has_code: bool,
    /// Whether the page shows the search box (`[search] enabled`).
    pub search: bool,
}

#[derive(Serialize)]
pub struct Alternate {
    pub code: String,
    pub name: String,
    pub url: String,
    pub absolute: Option<String>,
    pub current: bool,
}

#[derive(Serialize, Clone)]
pub struct NavItem {
    pub title: String,
    /// The title's language when it differs from the page's: a source-language title standing
    /// in for a missing translation (`[i18n] missing = "fallback"`).
    pub lang: Option<String>,
    pub url: String,
    pub current: bool,
    /// Whether this entry is a section (its index page) rather than an item.
    pub section: bool,
}

/// A bounded list of a section's entries: its sub-sections, then its items.
#[derive(Serialize)]
pub struct NavGroup {
    pub heading: String,
    /// The section's index page.
    pub url: String,
    pub entries: Vec<NavItem>,
    /// How many entries the section has in all; more than `entries` when the list was cut.
    pub total: usize,
    /// Entries left out before and after the window.
    pub hidden_before: bool,
    pub hidden_after: bool,
}

/// The section an item belongs to: a window of its items around the current one, and the
/// previous and next items. Entries are `NavItem`s as template values, shared by the pages of
/// the section (only the current one is made for the page).
#[derive(Serialize)]
pub struct SectionNav {
    pub group: NavWindow,
    pub prev: Option<tera::Value>,
    pub next: Option<tera::Value>,
}

/// A [`NavGroup`] whose entries are template values.
#[derive(Serialize)]
pub struct NavWindow {
    pub heading: String,
    pub url: String,
    pub entries: Vec<tera::Value>,
    pub total: usize,
    pub hidden_before: bool,
    pub hidden_after: bool,
}

#[derive(Serialize)]
pub struct StepView {
    pub anchor: String,
    pub text_html: String,
    pub note_html: Option<String>,
    /// `note` or `caution`: the UI string of the note's label and its class.
    pub note_kind: &'static str,
    pub since_then_html: Option<String>,
    /// Notes the scenario adds at this step, for its situation only.
    pub use_notes: Vec<String>,
    /// The procedure this step includes: its steps are the substeps.
    pub include: Option<IncludeView>,
    /// The notice that this step's translation may be out of date, or is missing (empty when
    /// it reads in the page's language, up to date).
    pub i18n_notice_html: String,
    pub substeps: Vec<StepView>,
    /// The substeps are alternatives: a bulleted list, not numbered.
    pub choices: bool,
    /// The accessible name of the step's own link: the UI string `step-link` with the step's
    /// number in its list.
    pub link_label: String,
}

#[derive(Serialize)]
pub struct IncludeView {
    pub title_html: String,
    pub url: String,
}

/// An entry of a procedure's "Used in": who uses it, and with what variant (values, steps left out).
#[derive(Serialize)]
pub struct UseView {
    pub title: String,
    pub url: String,
    /// The source language's code when the title stands in for a missing translation.
    pub lang: Option<String>,
    /// The values given and the steps left out (trusted HTML).
    pub variant_html: String,
}

#[derive(Serialize)]
pub struct HomeView {
    #[serde(flatten)]
    pub frame: Frame,
    pub description_html: Option<String>,
    pub selector: Option<SelectorView>,
    /// The top level of scenarios, with symptoms (bounded; `scenarios_more` links the rest).
    pub scenario_cards: Vec<Card>,
    pub scenarios_more: Option<NavItem>,
    pub pages_group: NavGroup,
    /// For support staff who know which procedure they need.
    pub procedures_group: NavGroup,
}

#[derive(Serialize)]
pub struct SelectorView {
    pub start: String,
    pub questions: Vec<QuestionView>,
}

#[derive(Serialize)]
pub struct QuestionView {
    pub anchor: String,
    pub text_html: String,
    pub answers: Vec<AnswerView>,
}

#[derive(Serialize)]
pub struct AnswerView {
    pub text_html: String,
    pub url: String,
    /// `question`, `scenario` or `page`.
    pub kind: &'static str,
}

/// An entry of a list with its summary: a scenario with its symptom, a procedure with its
/// summary, a page with its description, a section with its description.
#[derive(Serialize)]
pub struct Card {
    pub title_html: String,
    pub summary_html: Option<String>,
    pub url: String,
    pub section: bool,
}

#[derive(Serialize)]
pub struct ScenarioView {
    #[serde(flatten)]
    pub frame: Frame,
    pub title_html: String,
    pub symptom_html: String,
    pub selector_url: String,
    pub sections: Vec<PartView>,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PartView {
    Text {
        html: String,
    },
    Procedure {
        anchor: String,
        title_html: String,
        url: String,
        when_html: Option<String>,
        summary_html: Option<String>,
        steps: Vec<StepView>,
    },
    Snippet {
        title_html: Option<String>,
        html: String,
    },
}

#[derive(Serialize)]
pub struct ProcedureView {
    #[serde(flatten)]
    pub frame: Frame,
    pub title_html: String,
    pub summary_html: Option<String>,
    pub steps: Vec<StepView>,
    /// Whether a step shows a value that varies by situation (the legend explains the marks).
    pub varies: bool,
    /// The procedures its steps include.
    pub includes: Vec<NavItem>,
    pub used_in: Vec<UseView>,
}

#[derive(Serialize)]
pub struct PageView {
    /// The language of the title when it is the source language's, standing in for a missing
    /// translation (`[i18n] missing = "fallback"`).
    pub title_lang: Option<String>,
    #[serde(flatten)]
    pub frame: Frame,
    pub body_html: String,
}

/// A section's index page: its sub-sections and items, each with its summary.
#[derive(Serialize)]
pub struct SectionView {
    #[serde(flatten)]
    pub frame: Frame,
    pub title_html: String,
    pub description_html: Option<String>,
    pub subsections: Vec<Card>,
    pub items: Vec<Card>,
}
