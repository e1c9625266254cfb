//! The typed views that templates receive, one struct per kind of page.
//! Fields ending in `_html` are already-rendered, trusted HTML (templates mark them `| safe`).

use crate::theme::UiStrings;
use serde::Serialize;

/// What every page of a language shares: language, UI strings, navigation, alternates.
#[derive(Serialize)]
pub struct Frame<'a> {
    pub lang: String,
    pub ui: &'a UiStrings,
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
    pub scenarios: Vec<NavItem>,
    pub pages: Vec<NavItem>,
    pub has_code: bool,
}

#[derive(Serialize)]
pub struct Alternate {
    pub code: String,
    pub name: String,
    pub url: String,
    pub absolute: Option<String>,
    pub current: bool,
}

#[derive(Serialize)]
pub struct NavItem {
    pub title: String,
    pub url: String,
    pub current: bool,
}

#[derive(Serialize)]
pub struct StepView {
    pub anchor: String,
    pub text_html: String,
    pub note_html: Option<String>,
    pub substeps: Vec<StepView>,
}

#[derive(Serialize)]
pub struct HomeView<'a> {
    #[serde(flatten)]
    pub frame: Frame<'a>,
    pub description_html: Option<String>,
    pub selector: Option<SelectorView>,
    pub scenario_cards: Vec<ScenarioCard>,
    /// Every procedure, for support staff who know which one they need.
    pub procedure_list: Vec<NavItem>,
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

#[derive(Serialize)]
pub struct ScenarioCard {
    pub title_html: String,
    pub symptom_html: String,
    pub url: String,
}

#[derive(Serialize)]
pub struct ScenarioView<'a> {
    #[serde(flatten)]
    pub frame: Frame<'a>,
    pub title_html: String,
    pub symptom_html: String,
    pub selector_url: String,
    pub sections: Vec<SectionView>,
}

impl<'a> ScenarioView<'a> {
    pub fn missing(frame: Frame<'a>) -> ScenarioView<'a> {
        ScenarioView {
            frame,
            title_html: String::new(),
            symptom_html: String::new(),
            selector_url: String::new(),
            sections: Vec::new(),
        }
    }
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SectionView {
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
}

#[derive(Serialize)]
pub struct ProcedureView<'a> {
    #[serde(flatten)]
    pub frame: Frame<'a>,
    pub title_html: String,
    pub summary_html: Option<String>,
    pub steps: Vec<StepView>,
    pub used_in: Vec<NavItem>,
}

impl<'a> ProcedureView<'a> {
    pub fn missing(frame: Frame<'a>) -> ProcedureView<'a> {
        ProcedureView { frame, title_html: String::new(), summary_html: None, steps: Vec::new(), used_in: Vec::new() }
    }
}

#[derive(Serialize)]
pub struct PageView<'a> {
    #[serde(flatten)]
    pub frame: Frame<'a>,
    pub body_html: String,
}
