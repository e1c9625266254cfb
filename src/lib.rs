//! vlsc-docs: a static-site generator for bilingual procedure documentation.
//!
//! The pipeline, one module per stage: `load` (files → raw types) → `model` (validated site) →
//! `render` (pages in memory) → `output` (minify, write, swap). [`compile`] runs the first three,
//! [`build`] all four; `serve` reuses them. See ARCHITECTURE.md.

pub mod cli;
pub mod config;
pub mod diag;
pub mod highlight;
pub mod i18n;
pub mod ids;
pub mod load;
pub mod markdown;
pub mod model;
pub mod output;
pub mod refs;
pub mod render;
pub mod scaffold;
pub mod schema;
pub mod search;
pub mod serve;
pub mod source_str;
pub mod theme;
pub mod timing;

use diag::Diagnostics;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

/// Why a build produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The folder is not a site (a usage error, exit code 2).
    #[error("{0}")]
    NotASite(String),
    /// The output folder may not be replaced (a usage error, exit code 2); nothing was touched.
    #[error(transparent)]
    Refused(#[from] output::Refused),
    /// The content has errors; every one is in the list (exit code 1).
    #[error("{} content error(s)", .0.error_count())]
    Content(Diagnostics),
    /// Writing the output failed (exit code 1); the previous output is intact.
    #[error(transparent)]
    Output(#[from] output::OutputError),
}

/// A site compiled in memory: every file `build` would write, and the warnings on the way.
/// For tests and small sites; `build` and `check` stream instead.
pub struct Compiled {
    pub site: model::Site,
    pub files: Vec<render::OutputFile>,
    pub warnings: Diagnostics,
}

/// Loads and validates the site at `root` and its theme: everything but rendering.
pub fn load_and_validate(root: &Path) -> Result<(model::Site, Arc<theme::Theme>, Diagnostics), BuildError> {
    load_and_validate_cached(root, None)
}

/// What `serve` keeps between rebuilds: parsed files, and what validation made of them.
#[derive(Default)]
pub struct Caches {
    pub load: load::LoadCache,
    pub resolve: model::ResolveCache,
    pub theme: theme::ThemeCache,
}

/// [`load_and_validate`], reusing unchanged parsed files and their validation from `caches`
/// (used by `serve`).
pub fn load_and_validate_cached(
    root: &Path,
    caches: Option<&Caches>,
) -> Result<(model::Site, Arc<theme::Theme>, Diagnostics), BuildError> {
    let started = Instant::now();
    let (raw, mut diags) = match load::load_site_cached(root, caches.map(|c| &c.load)) {
        Ok(r) => r,
        Err(load::LoadError::NoBook(p)) => return Err(BuildError::NotASite(load::LoadError::NoBook(p).to_string())),
        Err(load::LoadError::Content(d)) => return Err(BuildError::Content(d)),
    };
    timing::report("load", started);
    let theme_name = raw.book.value.book.theme.as_ref().map(|t| t.get_ref().clone());
    let theme_at = raw.book.value.book.theme.as_ref().map(|t| raw.book.file.locate(t.span()));
    let theme = theme::load_theme(root, theme_name.as_deref(), theme_at, &mut diags, caches.map(|c| &c.theme));
    let (site, model_diags) = model::resolve(raw, &theme::ThemeStrings::builtin(), caches.map(|c| &c.resolve));
    diags.extend(model_diags);
    timing::report("load and resolve", started);
    let (Some(site), Some(theme)) = (site, theme) else {
        return Err(BuildError::Content(diags));
    };
    if diags.has_errors() {
        return Err(BuildError::Content(diags));
    }
    Ok((site, theme, diags))
}

/// Renders every page of a validated site through `sink`, then its assets. The one render path
/// of `build`, `check`, [`compile`] and `serve`.
pub fn render_into<E: Send>(
    site: &model::Site,
    theme: &theme::Theme,
    progress: Option<&AtomicUsize>,
    sink: &(dyn Fn(render::OutputFile) -> Result<(), E> + Sync),
) -> Result<(render::Rendered, usize), render::RenderError<E>> {
    let pages = render::all_pages(site);
    let t = Instant::now();
    // The render pass leaves each page's plain text for the search index (one parse of a body).
    let plain = site.config.search.then(render::PlainTexts::default);
    let rendered = render::render_pages(site, theme, &pages, progress, plain.as_ref(), sink)?;
    timing::report("pages", t);
    let assets = render::assets(site, theme, &pages, rendered.any_code);
    let files = AtomicUsize::new(pages.len() + assets.len());
    for file in assets {
        sink(file).map_err(render::RenderError::Sink)?;
    }
    let counted = |file: render::OutputFile| {
        files.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        sink(file)
    };
    let t = Instant::now();
    render::search_into(site, plain.as_ref(), &counted).map_err(render::RenderError::Sink)?;
    timing::report("search index", t);
    Ok((rendered, files.into_inner()))
}

fn template_errors(warnings: &Diagnostics, errors: Diagnostics) -> BuildError {
    let mut all = warnings.clone();
    all.extend(errors);
    BuildError::Content(all)
}

/// Loads, validates and renders the site at `root` into memory, writing nothing.
pub fn compile(root: &Path) -> Result<Compiled, BuildError> {
    let (site, theme, warnings) = load_and_validate(root)?;
    let files = std::sync::Mutex::new(Vec::new());
    let sink = |f: render::OutputFile| -> Result<(), std::convert::Infallible> {
        files.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(f);
        Ok(())
    };
    match render_into(&site, &theme, None, &sink) {
        Ok(_) => {}
        Err(render::RenderError::Templates(d)) => return Err(template_errors(&warnings, d)),
        Err(render::RenderError::Sink(never)) => match never {},
    }
    let mut files = files.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Compiled { site, files, warnings })
}

/// What `check` found: pages per language and the warnings.
pub struct CheckReport {
    pub pages: usize,
    pub warnings: Diagnostics,
}

/// Runs every validation of `build`, rendering every page (templates can fail) and keeping none.
pub fn check(root: &Path) -> Result<CheckReport, BuildError> {
    let (site, theme, warnings) = load_and_validate(root)?;
    let discard = |_: render::OutputFile| -> Result<(), std::convert::Infallible> { Ok(()) };
    match render_into(&site, &theme, None, &discard) {
        Ok((rendered, _)) => Ok(CheckReport { pages: rendered.pages_per_language.iter().sum::<usize>() + 1, warnings }),
        Err(render::RenderError::Templates(d)) => Err(template_errors(&warnings, d)),
        Err(render::RenderError::Sink(never)) => match never {},
    }
}

/// Options of `vlsc-docs build`.
#[derive(Clone, Default)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Overrides `[build] output-dir`; relative paths are relative to the current folder.
    pub output: Option<PathBuf>,
    /// Replace a non-empty output folder that vlsc-docs did not build.
    pub force: bool,
    /// Where the staging folder is registered for removal on Ctrl-C.
    pub cleanup: output::InterruptCleanup,
    /// Counts rendered pages, for a progress line.
    pub progress: Option<std::sync::Arc<AtomicUsize>>,
}

/// What a successful build did, for the one-line summary.
pub struct BuildReport {
    pub pages_per_language: Vec<(String, usize)>,
    pub files: usize,
    pub output: PathBuf,
    pub elapsed: Duration,
    pub warnings: Diagnostics,
    /// A problem after the new site was in place (the previous output could not be removed).
    pub cleanup_warning: Option<String>,
}

/// Builds the site and writes it: checks the output folder, renders, minifies and writes each
/// page into a staging folder in one parallel pass, then swaps it in. Any failure leaves the
/// previous output as it was.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let (site, theme, warnings) = load_and_validate(&opts.root)?;
    timing::report("load and validate", started);
    let (output, origin) = match &opts.output {
        Some(o) => (o.clone(), "given with --output"),
        None => (opts.root.join(&site.config.output_dir), "[build] output-dir in book.toml"),
    };
    output::check_target(&opts.root, &output, opts.force, origin)?;
    let writer = output::Writer::begin(&output, opts.cleanup.clone())?;
    let sink = |f: render::OutputFile| writer.write(&f.path, &f.contents);
    let (rendered, files) = match render_into(&site, &theme, opts.progress.as_deref(), &sink) {
        Ok(r) => r,
        Err(e) => {
            writer.abort();
            return Err(match e {
                render::RenderError::Templates(d) => template_errors(&warnings, d),
                render::RenderError::Sink(e) => e.into(),
            });
        }
    };
    let cleanup_warning = writer.commit()?;
    timing::report("build", started);
    let pages_per_language =
        site.config.languages.iter().map(|l| (l.code.clone(), rendered.pages_per_language[l.index])).collect();
    // Freeing a site of thousands of pages takes tens of milliseconds, and the build is done:
    // it is freed beside the report rather than before it (a process that exits next does not
    // wait for it). Where no thread can be made, it is freed here, with the closure.
    let _ = std::thread::Builder::new().name("free site".into()).spawn(move || drop((site, theme)));
    Ok(BuildReport { pages_per_language, files, output, elapsed: started.elapsed(), warnings, cleanup_warning })
}
