//! Rendering: the validated site and the theme's templates become pages in memory.
//!
//! Pure: no file system access. Every page gets a typed view built for its language; all URLs are
//! relative to the page, so the output works from any folder, any host and file://.

use crate::config::Text;
use crate::diag::{Diagnostic, Diagnostics};
use crate::ids::{Lang, SitePath};
use crate::markdown::{self, RefKind, RenderOptions};
use crate::model::{Section, Site, Step, Target, scenario_step_anchor};
use crate::theme::{Theme, UiStrings};
use rayon::prelude::*;
use serde::Serialize;

mod views;
use views::*;

/// What a page that shows highlighted code links to; pages without code do not load the stylesheet.
const HIGHLIGHT_LINK: &str = "highlight.css\"";

/// One file of the output, relative to the output root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: SitePath,
    pub contents: Vec<u8>,
    /// Whether this is an HTML page (minified by `output`).
    pub is_html: bool,
    /// Whether this page links the highlighting stylesheet (which is then written).
    pub uses_highlight: bool,
}

/// What a page is, for rendering and for the serve stage's dependency tracking.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PageKind {
    Root,
    Home,
    Scenario(crate::ids::ScenarioId),
    Procedure(crate::ids::ProcedureId),
    Page(crate::ids::PageId),
}

/// The output path of a page in a language (`None` for the language-neutral root).
pub fn page_path(kind: &PageKind, lang: Option<&Lang>) -> SitePath {
    let code = lang.map_or("", |l| l.code.as_str());
    SitePath::new(match kind {
        PageKind::Root => "index.html".to_string(),
        PageKind::Home => format!("{code}/index.html"),
        PageKind::Scenario(id) => format!("{code}/scenarios/{id}.html"),
        PageKind::Procedure(id) => format!("{code}/procedures/{id}.html"),
        PageKind::Page(id) => format!("{code}/{id}.html"),
    })
}

/// Every page of the site, each with its language (the root has none).
pub fn all_pages(site: &Site) -> Vec<(PageKind, Option<Lang>)> {
    let mut kinds = vec![PageKind::Home];
    kinds.extend(site.scenarios.keys().cloned().map(PageKind::Scenario));
    kinds.extend(site.procedures.keys().cloned().map(PageKind::Procedure));
    kinds.extend(site.pages.keys().cloned().map(PageKind::Page));
    let mut out = vec![(PageKind::Root, None)];
    for lang in &site.config.languages {
        out.extend(kinds.iter().map(|k| (k.clone(), Some(lang.clone()))));
    }
    out
}

/// Renders every page and asset of the site, in parallel. Errors come from templates only: the
/// content was validated before.
pub fn render_site(site: &Site, theme: &Theme) -> Result<Vec<OutputFile>, Diagnostics> {
    let pages = all_pages(site);
    let results: Vec<Result<OutputFile, Box<Diagnostic>>> =
        pages.par_iter().map(|(kind, lang)| render_page(site, theme, kind, lang.as_ref())).collect();
    let mut diags = Diagnostics::default();
    let mut files = Vec::with_capacity(results.len() + theme.assets.len() + 2);
    for r in results {
        match r {
            Ok(f) => files.push(f),
            Err(d) => diags.push(*d),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let any_code = files.iter().any(|f| f.uses_highlight);
    files.extend(assets(site, theme, &pages, any_code));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The theme's static files, the highlighting stylesheet when code is present, and the sitemap.
pub fn assets(site: &Site, theme: &Theme, pages: &[(PageKind, Option<Lang>)], any_code: bool) -> Vec<OutputFile> {
    let mut files: Vec<OutputFile> = theme
        .assets
        .iter()
        .map(|(name, bytes)| OutputFile {
            path: SitePath::new(format!("assets/{name}")),
            contents: bytes.clone(),
            is_html: false,
            uses_highlight: false,
        })
        .collect();
    if any_code {
        files.push(OutputFile {
            path: SitePath::new("assets/highlight.css"),
            contents: crate::highlight::stylesheet().as_bytes().to_vec(),
            is_html: false,
            uses_highlight: false,
        });
    }
    if let Some(base) = &site.config.base_url {
        files.push(OutputFile {
            path: SitePath::new("sitemap.xml"),
            contents: sitemap(base, site, pages).into_bytes(),
            is_html: false,
            uses_highlight: false,
        });
    }
    files
}

fn sitemap(base: &str, site: &Site, pages: &[(PageKind, Option<Lang>)]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for (kind, lang) in pages {
        let path = page_path(kind, lang.as_ref());
        xml.push_str(&format!("<url><loc>{base}{}</loc>", path.as_str()));
        if lang.is_some() {
            for other in &site.config.languages {
                let alt = page_path(kind, Some(other));
                xml.push_str(&format!(
                    "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{base}{}\"/>",
                    other.code,
                    alt.as_str()
                ));
            }
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

/// Renders one page to HTML (not yet minified).
pub fn render_page(
    site: &Site,
    theme: &Theme,
    kind: &PageKind,
    lang: Option<&Lang>,
) -> Result<OutputFile, Box<Diagnostic>> {
    let path = page_path(kind, lang);
    let (template, context) = match lang {
        None => ("root.html", tera::Context::from_serialize(root_view(site, &path))),
        Some(lang) => {
            let r = Renderer { site, lang, ui: &site.ui[lang.index], here: &path };
            match kind {
                PageKind::Home => ("home.html", tera::Context::from_serialize(r.home())),
                PageKind::Scenario(id) => ("scenario.html", tera::Context::from_serialize(r.scenario(id))),
                PageKind::Procedure(id) => ("procedure.html", tera::Context::from_serialize(r.procedure(id))),
                PageKind::Page(id) => ("page.html", tera::Context::from_serialize(r.page(id))),
                PageKind::Root => ("root.html", tera::Context::from_serialize(root_view(site, &path))),
            }
        }
    };
    let to_diag = |e: &dyn std::error::Error| {
        Box::new(Diagnostic::error(
            format!("themes/templates/{template}"),
            format!("cannot render {}: {}", path.as_str(), crate::theme::error_chain(e)),
        ))
    };
    let context = context.map_err(|e| to_diag(&e))?;
    let html = theme.tera.render(template, &context).map_err(|e| to_diag(&e))?;
    let uses_highlight = html.contains(HIGHLIGHT_LINK);
    Ok(OutputFile { path, contents: html.into_bytes(), is_html: true, uses_highlight })
}

/// Builds the views of one page in one language.
struct Renderer<'a> {
    site: &'a Site,
    lang: &'a Lang,
    ui: &'a UiStrings,
    here: &'a SitePath,
}

impl<'a> Renderer<'a> {
    fn url(&self, kind: &PageKind) -> String {
        self.here.relative_to(&page_path(kind, Some(self.lang)))
    }

    fn md_opts<R>(&self, f: impl FnOnce(&RenderOptions<'_>) -> R) -> R {
        let resolve = |kind: RefKind, id: &str, fragment: Option<&str>| {
            let target = match kind {
                RefKind::Procedure => PageKind::Procedure(crate::ids::ProcedureId::new(id)),
                RefKind::Scenario => PageKind::Scenario(crate::ids::ScenarioId::new(id)),
                RefKind::Page => PageKind::Page(crate::ids::PageId::new(id)),
            };
            let url = self.url(&target);
            match fragment {
                Some(f) => format!("{url}#{f}"),
                None => url,
            }
        };
        f(&RenderOptions { allow_html: self.site.config.allow_html, resolve: &resolve })
    }

    fn html(&self, text: &Text) -> String {
        self.md_opts(|o| markdown::to_html(text.get(self.lang), o, 2))
    }

    fn inline(&self, text: &Text) -> String {
        self.md_opts(|o| markdown::to_inline_html(text.get(self.lang), o))
    }

    fn plain(&self, text: &Text) -> String {
        markdown::to_plain(text.get(self.lang))
    }

    fn frame(&self, kind: PageKind, title: String) -> Frame<'a> {
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
        let nav_item = |k: PageKind, title: String| NavItem { current: k == kind, url: self.url(&k), title };
        Frame {
            lang: self.lang.code.clone(),
            ui: self.ui,
            site_title: self.plain(&site.config.title),
            site_title_html: self.inline(&site.config.title),
            title,
            root: root_prefix.clone(),
            assets: format!("{root_prefix}assets/"),
            home_url: self.url(&PageKind::Home),
            canonical: site.config.base_url.as_ref().map(|b| format!("{b}{}", self.here.as_str())),
            alternates,
            scenarios: site
                .scenarios
                .values()
                .map(|s| nav_item(PageKind::Scenario(s.id.clone()), self.plain(&s.title)))
                .collect(),
            pages: site
                .pages
                .values()
                .map(|p| nav_item(PageKind::Page(p.id.clone()), p.title(self.lang).to_string()))
                .collect(),
            has_code: false,
        }
    }

    /// Whether rendered HTML holds highlighted code, so that the page links the highlighting CSS.
    fn has_code<'h>(parts: impl IntoIterator<Item = &'h str>) -> bool {
        parts.into_iter().any(|h| h.contains("class=\"code hl\""))
    }

    fn steps_have_code(steps: &[StepView]) -> bool {
        steps.iter().any(|s| {
            Self::has_code([s.text_html.as_str(), s.note_html.as_deref().unwrap_or("")])
                || Self::steps_have_code(&s.substeps)
        })
    }

    fn steps(&self, steps: &[Step], anchor: &dyn Fn(&Step) -> String) -> Vec<StepView> {
        steps
            .iter()
            .map(|s| StepView {
                anchor: anchor(s),
                text_html: self.html(&s.text),
                note_html: s.note.as_ref().map(|n| self.html(n)),
                substeps: self.steps(&s.substeps, anchor),
            })
            .collect()
    }

    fn home(&self) -> HomeView<'a> {
        let site = self.site;
        let frame = self.frame(PageKind::Home, self.plain(&site.config.title));
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
                            let (url, kind) = match &a.target {
                                Target::Question(next) => (format!("#q-{next}"), "question"),
                                Target::Scenario(s) => (self.url(&PageKind::Scenario(s.clone())), "scenario"),
                                Target::Page(p) => (self.url(&PageKind::Page(p.clone())), "page"),
                            };
                            AnswerView { text_html: self.inline(&a.text), url, kind }
                        })
                        .collect(),
                })
                .collect(),
        });
        let scenarios = site
            .scenarios
            .values()
            .map(|s| ScenarioCard {
                title_html: self.inline(&s.title),
                symptom_html: self.html(&s.symptom),
                url: self.url(&PageKind::Scenario(s.id.clone())),
            })
            .collect();
        let mut frame = frame;
        frame.has_code = site.config.description.as_ref().is_some_and(|d| Self::has_code([self.html(d).as_str()]));
        HomeView {
            frame,
            description_html: site.config.description.as_ref().map(|d| self.html(d)),
            selector,
            scenario_cards: scenarios,
            procedure_list: site
                .procedures
                .values()
                .map(|p| NavItem {
                    url: self.url(&PageKind::Procedure(p.id.clone())),
                    title: self.plain(&p.title),
                    current: false,
                })
                .collect(),
        }
    }

    fn scenario(&self, id: &crate::ids::ScenarioId) -> ScenarioView<'a> {
        let Some(sc) = self.site.scenarios.get(id) else {
            return ScenarioView::missing(self.frame(PageKind::Scenario(id.clone()), id.to_string()));
        };
        let frame = self.frame(PageKind::Scenario(id.clone()), self.plain(&sc.title));
        let sections: Vec<SectionView> = sc
            .sections
            .iter()
            .filter_map(|section| match section {
                Section::Text(t) => Some(SectionView::Text { html: self.html(t) }),
                Section::Procedure { id: pid, when } => {
                    let p = self.site.procedures.get(pid)?;
                    Some(SectionView::Procedure {
                        anchor: pid.to_string(),
                        title_html: self.inline(&p.title),
                        url: self.url(&PageKind::Procedure(pid.clone())),
                        when_html: when.as_ref().map(|w| self.html(w)),
                        summary_html: p.summary.as_ref().map(|s| self.html(s)),
                        steps: self.steps(&p.steps, &|s: &Step| scenario_step_anchor(pid, &s.anchor)),
                    })
                }
            })
            .collect();
        let mut frame = frame;
        frame.has_code = sections.iter().any(|s: &SectionView| match s {
            SectionView::Text { html } => Self::has_code([html.as_str()]),
            SectionView::Procedure { steps, summary_html, when_html, .. } => {
                Self::steps_have_code(steps)
                    || Self::has_code([summary_html.as_deref().unwrap_or(""), when_html.as_deref().unwrap_or("")])
            }
        });
        ScenarioView {
            frame,
            title_html: self.inline(&sc.title),
            symptom_html: self.html(&sc.symptom),
            selector_url: format!("{}#vd-selector", self.url(&PageKind::Home)),
            sections,
        }
    }

    fn procedure(&self, id: &crate::ids::ProcedureId) -> ProcedureView<'a> {
        let Some(p) = self.site.procedures.get(id) else {
            return ProcedureView::missing(self.frame(PageKind::Procedure(id.clone()), id.to_string()));
        };
        let mut frame = self.frame(PageKind::Procedure(id.clone()), self.plain(&p.title));
        let summary_html = p.summary.as_ref().map(|s| self.html(s));
        let steps = self.steps(&p.steps, &|s: &Step| s.anchor.to_string());
        frame.has_code = Self::steps_have_code(&steps) || Self::has_code([summary_html.as_deref().unwrap_or("")]);
        ProcedureView {
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
                    current: false,
                })
                .collect(),
        }
    }

    fn page(&self, id: &crate::ids::PageId) -> PageView<'a> {
        let Some(p) = self.site.pages.get(id) else {
            return PageView {
                frame: self.frame(PageKind::Page(id.clone()), id.to_string()),
                body_html: String::new(),
            };
        };
        let mut frame = self.frame(PageKind::Page(id.clone()), p.title(self.lang).to_string());
        let body_html = self.html(&p.body);
        frame.has_code = Self::has_code([body_html.as_str()]);
        PageView { frame, body_html }
    }
}

fn root_view<'a>(site: &'a Site, here: &SitePath) -> RootView<'a> {
    let languages = site
        .config
        .languages
        .iter()
        .map(|lang| {
            let r = Renderer { site, lang, ui: &site.ui[lang.index], here };
            RootLanguage {
                code: lang.code.clone(),
                ui: &site.ui[lang.index],
                title: r.plain(&site.config.title),
                description_html: site.config.description.as_ref().map(|d| r.html(d)),
                home_url: r.url(&PageKind::Home),
                scenarios: site
                    .scenarios
                    .values()
                    .map(|s| NavItem {
                        url: r.url(&PageKind::Scenario(s.id.clone())),
                        title: r.plain(&s.title),
                        current: false,
                    })
                    .collect(),
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
    home_url: String,
    scenarios: Vec<NavItem>,
}
