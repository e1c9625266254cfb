//! vlsc-docs: a static-site generator for bilingual procedure documentation.
//!
//! The pipeline, one module per stage: `load` (files → raw types) → `model` (validated site) →
//! `render` (pages in memory) → `output` (minify, write, swap). [`compile`] runs the first three,
//! [`build`] all four; `serve` reuses them. See ARCHITECTURE.md.

pub mod cli;
pub mod config;
pub mod diag;
pub mod highlight;
pub mod ids;
pub mod load;
pub mod markdown;
pub mod model;
pub mod output;
pub mod render;
pub mod serve;
pub mod theme;

use diag::Diagnostics;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Why a build produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The folder is not a site (a usage error, exit code 2).
    #[error("{0}")]
    NotASite(String),
    /// The content has errors; every one is in the list (exit code 1).
    #[error("{} content error(s)", .0.error_count())]
    Content(Diagnostics),
    /// Writing the output failed (exit code 1); the previous output is intact.
    #[error(transparent)]
    Output(#[from] output::OutputError),
}

/// A site compiled in memory: everything `build` would write, and the warnings on the way.
pub struct Compiled {
    pub site: model::Site,
    pub files: Vec<render::OutputFile>,
    pub warnings: Diagnostics,
}

/// Loads and validates the site at `root` and its theme: everything but rendering.
pub fn load_and_validate(root: &Path) -> Result<(model::Site, theme::Theme, Diagnostics), BuildError> {
    load_and_validate_cached(root, None)
}

/// [`load_and_validate`], reusing unchanged parsed files from `cache` (used by `serve`).
pub fn load_and_validate_cached(
    root: &Path,
    cache: Option<&load::LoadCache>,
) -> Result<(model::Site, theme::Theme, Diagnostics), BuildError> {
    let (raw, mut diags) = match load::load_site_cached(root, cache) {
        Ok(r) => r,
        Err(load::LoadError::NoBook(p)) => return Err(BuildError::NotASite(load::LoadError::NoBook(p).to_string())),
        Err(load::LoadError::Content(d)) => return Err(BuildError::Content(d)),
    };
    let theme_name = raw.book.value.book.theme.as_ref().map(|t| t.get_ref().clone());
    let theme_at = raw.book.value.book.theme.as_ref().map(|t| raw.book.file.locate(t.span()));
    let theme = theme::load_theme(root, theme_name.as_deref(), theme_at, &mut diags);
    let (site, model_diags) = model::resolve(raw, &theme::ThemeStrings::builtin());
    diags.extend(model_diags);
    let (Some(site), Some(theme)) = (site, theme) else {
        return Err(BuildError::Content(diags));
    };
    if diags.has_errors() {
        return Err(BuildError::Content(diags));
    }
    Ok((site, theme, diags))
}

/// Loads, validates and renders the site at `root` without writing anything.
pub fn compile(root: &Path) -> Result<Compiled, BuildError> {
    let (site, theme, diags) = load_and_validate(root)?;
    let mut files = render::render_site(&site, &theme).map_err(|d| {
        let mut all = diags.clone();
        all.extend(d);
        BuildError::Content(all)
    })?;
    if site.config.minify {
        output::minify(&mut files);
    }
    Ok(Compiled { site, files, warnings: diags })
}

/// Options of `vlsc-docs build`.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    /// Overrides `[build] output-dir`; relative paths are relative to the current folder.
    pub output: Option<PathBuf>,
}

/// What a successful build did, for the one-line summary.
pub struct BuildReport {
    pub pages_per_language: Vec<(String, usize)>,
    pub files: usize,
    pub output: PathBuf,
    pub elapsed: Duration,
    pub warnings: Diagnostics,
}

/// Builds the site and writes it, replacing the previous output only on success.
pub fn build(opts: &BuildOptions) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let compiled = compile(&opts.root)?;
    let output = match &opts.output {
        Some(o) => o.clone(),
        None => opts.root.join(&compiled.site.config.output_dir),
    };
    output::write_site(&output, &compiled.files)?;
    let pages_per_language = compiled
        .site
        .config
        .languages
        .iter()
        .map(|l| {
            let prefix = format!("{}/", l.code);
            let n = compiled.files.iter().filter(|f| f.is_html && f.path.as_str().starts_with(&prefix)).count();
            (l.code.clone(), n)
        })
        .collect();
    Ok(BuildReport {
        pages_per_language,
        files: compiled.files.len(),
        output,
        elapsed: started.elapsed(),
        warnings: compiled.warnings,
    })
}
