//! Rendering: the validated site and the theme's templates become pages, streamed to a sink.
//!
//! Pure: no file system access. Every page gets a typed view built for its language; all URLs are
//! relative to the page, so the output works from any folder, any host and file://. `build` and
//! `serve` both render through [`render_pages`]: `build`'s sink writes each page as soon as it is
//! rendered (memory grows with one page per thread, not with the site), `serve`'s keeps them.

use crate::diag::{Diagnostic, Diagnostics};
use crate::ids::{Lang, PageId, ProcedureId, ScenarioId, SectionId, SitePath};
use crate::load::ContentKind;
use crate::model::{Item, Site};
use crate::theme::Theme;
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

mod nav;
mod page;
mod views;

/// What a page that shows highlighted code links to; pages without code do not load the stylesheet.
/// A theme may link it with a version (`highlight.css?v=…`), without, or by its fingerprinted
/// name (`highlight.0a1b2c3d.css`).
pub const HIGHLIGHT_FILE: &str = "highlight.css";

/// The room a page's HTML is rendered into at first: most pages fit, without growing it.
const PAGE_CAPACITY: usize = 32 * 1024;

/// One file of the output, relative to the output root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: SitePath,
    pub contents: Vec<u8>,
    /// Whether this is an HTML page.
    pub is_html: bool,
    /// Whether this page links the highlighting stylesheet (which is then written).
    pub uses_highlight: bool,
}

/// What a page is, for rendering and for the serve stage's dependency tracking.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PageKind {
    Root,
    Home,
    /// A section's index page (the empty id is the kind's own list).
    Section(ContentKind, SectionId),
    Scenario(ScenarioId),
    Procedure(ProcedureId),
    Page(PageId),
    /// The page static hosts serve for unknown paths: `404.html` (every language) and
    /// `<lang>/404.html`.
    NotFound,
}

impl PageKind {
    pub fn of_item(item: &Item) -> PageKind {
        match item {
            Item::Procedure(id) => PageKind::Procedure(id.clone()),
            Item::Scenario(id) => PageKind::Scenario(id.clone()),
            Item::Page(id) => PageKind::Page(id.clone()),
        }
    }
}

/// The output path of a page in a language (`None` for the language-neutral root).
pub fn page_path(kind: &PageKind, lang: Option<&Lang>) -> SitePath {
    let code = lang.map_or("", |l| l.code.as_str());
    SitePath::new(match kind {
        PageKind::Root => "index.html".to_string(),
        PageKind::Home => format!("{code}/index.html"),
        PageKind::Section(k, id) => match (k, id.as_str()) {
            (ContentKind::Pages, "") => format!("{code}/pages/index.html"),
            (ContentKind::Pages, id) => format!("{code}/{id}/index.html"),
            (k, "") => format!("{code}/{}/index.html", k.folder()),
            (k, id) => format!("{code}/{}/{id}/index.html", k.folder()),
        },
        // `concat`, not `format!`: pages link to each other by these (and cheaper by far).
        PageKind::Scenario(id) => [code, "/scenarios/", id.as_str(), ".html"].concat(),
        PageKind::Procedure(id) => [code, "/procedures/", id.as_str(), ".html"].concat(),
        PageKind::Page(id) => [code, "/", id.as_str(), ".html"].concat(),
        PageKind::NotFound if lang.is_none() => "404.html".to_string(),
        PageKind::NotFound => format!("{code}/404.html"),
    })
}

/// Every page of the site, each with its language (the root has none).
pub fn all_pages(site: &Site) -> Vec<(PageKind, Option<Lang>)> {
    let mut kinds = vec![PageKind::Home];
    kinds.extend(site.sections.keys().map(|(k, id)| PageKind::Section(*k, id.clone())));
    kinds.extend(site.scenarios.keys().cloned().map(PageKind::Scenario));
    kinds.extend(site.procedures.keys().cloned().map(PageKind::Procedure));
    kinds.extend(site.pages.keys().cloned().map(PageKind::Page));
    kinds.push(PageKind::NotFound);
    let mut out = vec![(PageKind::Root, None), (PageKind::NotFound, None)];
    for lang in &site.config.languages {
        out.extend(kinds.iter().map(|k| (k.clone(), Some(lang.clone()))));
    }
    out
}

/// The plain text of each page's body (per language), split at its headings: the render pass
/// parses every body anyway, and hands the text on to the search index, which would otherwise
/// parse it again. The index takes each entry as it goes.
#[derive(Default)]
pub struct PlainTexts(std::sync::Mutex<rustc_hash::FxHashMap<(PageId, usize), Vec<crate::markdown::PlainSection>>>);

impl PlainTexts {
    fn put(&self, id: &PageId, lang: &Lang, sections: Vec<crate::markdown::PlainSection>) {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert((id.clone(), lang.index), sections);
    }

    /// The sections of page `id` in `lang`, when the render pass left them.
    pub fn take(&self, id: &PageId, lang: &Lang) -> Option<Vec<crate::markdown::PlainSection>> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&(id.clone(), lang.index))
    }
}

/// What a render pass saw: pages per language, and whether any page shows highlighted code.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub pages_per_language: Vec<usize>,
    pub any_code: bool,
}

/// Why a render pass stopped: template errors (all of them), or the sink's first failure.
pub enum RenderError<E> {
    Templates(Diagnostics),
    Sink(E),
}

/// The most pages one parallel job renders.
const JOB_PAGES: usize = 8;

/// Renders `pages` in parallel, minifying each when the site asks for it, and hands every page to
/// `sink` as soon as it is done. `progress` counts the pages handed over; `plain`, when given,
/// receives the plain text of each page's body.
pub fn render_pages<E: Send>(
    site: &Site,
    theme: &Theme,
    pages: &[(PageKind, Option<Lang>)],
    progress: Option<&AtomicUsize>,
    plain: Option<&PlainTexts>,
    sink: &(dyn Fn(OutputFile) -> Result<(), E> + Sync),
) -> Result<Rendered, RenderError<E>> {
    enum Failed<E> {
        Template(PageError),
        Sink(E),
    }
    /// A page done: its language's index (none for the entry page), and whether it shows code.
    type Done = (Option<usize>, bool);
    let shared = page::Shared::new(site);
    // Split into small jobs: a thread that finishes early takes over the rest of the other's
    // work instead of waiting for it (rayon splits a long list into a few long runs otherwise).
    let results: Vec<Result<Done, Failed<E>>> = pages
        .par_iter()
        .with_max_len(JOB_PAGES)
        .map(|(kind, lang)| {
            let file = render_page_with(site, theme, kind, lang.as_ref(), plain, &shared).map_err(Failed::Template)?;
            let code = file.uses_highlight;
            sink(file).map_err(Failed::Sink)?;
            if let Some(p) = progress {
                p.fetch_add(1, Ordering::Relaxed);
            }
            Ok((lang.as_ref().map(|l| l.index), code))
        })
        .collect();
    let mut rendered = Rendered { pages_per_language: vec![0; site.config.languages.len()], any_code: false };
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok((lang, code)) => {
                if let Some(i) = lang {
                    rendered.pages_per_language[i] += 1;
                }
                rendered.any_code |= code;
            }
            Err(Failed::Template(e)) => errors.push(e),
            Err(Failed::Sink(e)) => return Err(RenderError::Sink(e)),
        }
    }
    if !errors.is_empty() {
        return Err(RenderError::Templates(merge_page_errors(errors)));
    }
    Ok(rendered)
}

/// Writes the search index files through `sink` (none when `[search] enabled = false`).
/// `plain` holds what a render pass of the pages left ([`render_pages`]).
pub fn search_into<E: Send>(
    site: &Site,
    plain: Option<&PlainTexts>,
    sink: &(dyn Fn(OutputFile) -> Result<(), E> + Sync),
) -> Result<(), E> {
    if site.config.search { crate::search::index_files(site, plain, sink) } else { Ok(()) }
}

/// The search index files in memory: built from the whole site, so `serve` builds them only
/// when a reader searches.
pub fn search_files(site: &Site) -> Vec<OutputFile> {
    let files = std::sync::Mutex::new(Vec::new());
    let sink = |f: OutputFile| -> Result<(), std::convert::Infallible> {
        files.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(f);
        Ok(())
    };
    match search_into(site, None, &sink) {
        Ok(()) => files.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner),
        Err(never) => match never {},
    }
}

/// The theme's static files (search.js only when search is on), the highlighting stylesheet when
/// code is present, and the sitemap. The search index is [`search_into`].
pub fn assets(site: &Site, theme: &Theme, pages: &[(PageKind, Option<Lang>)], any_code: bool) -> Vec<OutputFile> {
    let highlight = any_code.then(|| (HIGHLIGHT_FILE, crate::highlight::stylesheet().as_bytes()));
    let mut files: Vec<OutputFile> = theme
        .assets
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .filter(|(name, _)| site.config.search || *name != "search.js")
        .chain(highlight)
        .flat_map(|(name, bytes)| {
            // Under its own name and its fingerprinted one (`Theme::fingerprinted`).
            let fingerprinted = theme.fingerprinted.get(name).map(String::as_str);
            [Some(name), fingerprinted].into_iter().flatten().map(|name| OutputFile {
                path: SitePath::new(format!("assets/{name}")),
                contents: bytes.to_vec(),
                is_html: false,
                uses_highlight: false,
            })
        })
        .collect();
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
    let base = crate::markdown::escape(base);
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for (kind, lang) in pages.iter().filter(|(k, _)| *k != PageKind::NotFound) {
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

/// Renders one page to HTML, minified when the site asks for it.
pub fn render_page(
    site: &Site,
    theme: &Theme,
    kind: &PageKind,
    lang: Option<&Lang>,
) -> Result<OutputFile, Box<Diagnostic>> {
    render_page_with(site, theme, kind, lang, None, &page::Shared::new(site))
        .map_err(|e| Box::new(e.into_diagnostic(0)))
}

/// A template error on one page. The page is kept apart from the diagnostic (which names the
/// template, its line and what went wrong), so that the same error on many pages is told once.
struct PageError {
    page: SitePath,
    diag: Box<Diagnostic>,
}

impl PageError {
    /// The diagnostic, naming the page and how many `others` failed the same way.
    fn into_diagnostic(self, others: usize) -> Diagnostic {
        let PageError { page, diag } = self;
        let also = match others {
            0 => String::new(),
            1 => " and 1 other page".to_string(),
            n => format!(" and {n} other pages"),
        };
        Diagnostic { message: format!("cannot render {}{also}: {}", page.as_str(), diag.message), ..*diag }
    }
}

/// Template errors told once each, in the order first met, with how many other pages met them.
fn merge_page_errors(errors: Vec<PageError>) -> Diagnostics {
    let mut merged: Vec<(PageError, usize)> = Vec::new();
    /// An error as told apart: its file, line and column, and message.
    type Key = (std::path::PathBuf, Option<(usize, usize)>, String);
    // Where each distinct error is in `merged`.
    let mut seen: rustc_hash::FxHashMap<Key, usize> = Default::default();
    for e in errors {
        let d = &e.diag;
        let key = (d.file.clone(), d.location.as_ref().map(|l| (l.line, l.column)), d.message.clone());
        match seen.get(&key) {
            Some(&i) => merged[i].1 += 1,
            None => {
                seen.insert(key, merged.len());
                merged.push((e, 0));
            }
        }
    }
    let mut diags = Diagnostics::default();
    for (e, others) in merged {
        diags.push(e.into_diagnostic(others));
    }
    diags
}

/// [`render_page`], handing the plain text of a page's body to `plain`.
fn render_page_with(
    site: &Site,
    theme: &Theme,
    kind: &PageKind,
    lang: Option<&Lang>,
    plain: Option<&PlainTexts>,
    shared: &page::Shared,
) -> Result<OutputFile, PageError> {
    let path = page_path(kind, lang);
    let (template, context) = page::context(site, kind, lang, &path, plain, shared);
    let to_error = |e: &tera::Error| {
        let mut diag = crate::theme::template_diagnostic(&theme.sources, e);
        if diag.location.is_none()
            && let Some((at, _)) = theme.sources.get(template)
        {
            diag.file = at.into();
        }
        PageError { page: path.clone(), diag: Box::new(diag) }
    };
    let mut context = context.map_err(|e| to_error(&e))?;
    context.insert_value("versions", theme.versions.clone());
    context.insert_value("fingerprinted", theme.fingerprinted_value.clone());
    // Rendered to bytes, not a `String`: Tera writes only `str` pieces, and the bytes are what is
    // written out (a `String` would check the whole page as UTF-8 once more).
    let mut html = Vec::with_capacity(PAGE_CAPACITY);
    theme.tera.render_to(template, &context, &mut html).map_err(|e| to_error(&e))?;
    let uses_highlight = links_highlight(&html, theme.fingerprinted.get(HIGHLIGHT_FILE).map_or("", String::as_str));
    // Shrunk to the page: `serve` and `compile` keep every page they render.
    let contents = if site.config.minify { minify(&html) } else { html.into_boxed_slice().into_vec() };
    Ok(OutputFile { path, contents, is_html: true, uses_highlight })
}

/// Whether `html` links the highlighting stylesheet: `highlight.css` before a quote or a query
/// string, or by its fingerprinted name. One pass over the page for both names.
fn links_highlight(html: &[u8], fingerprinted: &str) -> bool {
    let stem = HIGHLIGHT_FILE.len() - "css".len();
    memchr::memmem::find_iter(html, &HIGHLIGHT_FILE.as_bytes()[..stem]).any(|at| {
        let rest = &html[at..];
        (rest.starts_with(HIGHLIGHT_FILE.as_bytes()) && matches!(rest.get(HIGHLIGHT_FILE.len()), Some(b'"' | b'?')))
            || (!fingerprinted.is_empty() && rest.starts_with(fingerprinted.as_bytes()))
    })
}

/// Minifies one HTML page (inline CSS and scripts too).
fn minify(html: &[u8]) -> Vec<u8> {
    let cfg = minify_html::Cfg {
        keep_closing_tags: true,
        keep_html_and_head_opening_tags: true,
        minify_css: true,
        minify_js: true,
        ..minify_html::Cfg::new()
    };
    minify_html::minify(html, &cfg)
}

#[cfg(test)]
mod tests {
    use super::{PageError, links_highlight, merge_page_errors};
    use crate::diag::{Diagnostic, Location};
    use crate::ids::SitePath;

    fn error(page: &str, line: usize, message: &str) -> PageError {
        let source = "a\nb\nc\n";
        let offset = source.split_inclusive('\n').take(line - 1).map(str::len).sum::<usize>();
        let diag = Diagnostic::error("themes/t/templates/page.html", message)
            .at(Location::from_span(source, offset..offset + 1));
        PageError { page: SitePath::new(page), diag: Box::new(diag) }
    }

    #[test]
    fn the_same_template_error_on_many_pages_is_told_once_with_the_count_in_the_order_first_met() {
        let merged = merge_page_errors(vec![
            error("ja/a.html", 2, "Variable `x` is not defined"),
            error("ja/b.html", 3, "Variable `y` is not defined"),
            error("en/a.html", 2, "Variable `x` is not defined"),
            error("en/b.html", 2, "Variable `x` is not defined"),
            error("en/c.html", 3, "Variable `y` is not defined"),
            error("en/d.html", 2, "Variable `z` is not defined"),
        ]);
        let messages: Vec<(String, usize)> =
            merged.iter().map(|d| (d.message.clone(), d.location.as_ref().map_or(0, |l| l.line))).collect();
        assert_eq!(
            messages,
            [
                ("cannot render ja/a.html and 2 other pages: Variable `x` is not defined".to_string(), 2),
                ("cannot render ja/b.html and 1 other page: Variable `y` is not defined".to_string(), 3),
                ("cannot render en/d.html: Variable `z` is not defined".to_string(), 2),
            ]
        );
    }

    #[test]
    fn a_page_links_the_highlighting_stylesheet_by_either_name() {
        let hashed = "highlight.0a1b2c3d.css";
        let links = |html: &str| links_highlight(html.as_bytes(), hashed);
        assert!(links(r#"<link href="../assets/highlight.css">"#));
        assert!(links(r#"<link href="../assets/highlight.css?v=0a1b2c3d">"#));
        assert!(links(r#"<link href="../assets/highlight.0a1b2c3d.css">"#));
        assert!(!links(r#"<link href="../assets/highlight.99999999.css">"#), "another build's name");
        assert!(!links(r#"<p>highlight.css is not linked here</p><p>highlight.</p>"#));
        assert!(!links_highlight(br#"<link href="highlight.0a1b2c3d.css">"#, ""), "no fingerprinted name");
    }
}
