//! Writing the rendered site: minify, write into a fresh folder beside the output, then swap it in.
//!
//! The only stage that writes to disk. A build that fails at any point leaves the previous output
//! folder exactly as it was: the new site is complete before it replaces the old one.

use crate::render::OutputFile;
use rayon::prelude::*;
use std::io;
use std::path::{Path, PathBuf};

/// An IO failure, naming the path it concerns.
#[derive(Debug, thiserror::Error)]
#[error("{action} {}: {source}", path.display())]
pub struct OutputError {
    action: &'static str,
    path: PathBuf,
    source: io::Error,
}

fn fs_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> OutputError + use<> {
    let path = path.to_path_buf();
    move |source| OutputError { action, path, source }
}

/// Minifies the HTML files (in parallel) when asked; other files pass through.
pub fn minify(files: &mut [OutputFile]) {
    files.par_iter_mut().filter(|f| f.is_html).for_each(minify_one);
}

/// Minifies one HTML file in place.
pub fn minify_one(f: &mut OutputFile) {
    let cfg = minify_html::Cfg {
        keep_closing_tags: true,
        keep_html_and_head_opening_tags: true,
        minify_css: true,
        minify_js: true,
        ..minify_html::Cfg::new()
    };
    f.contents = minify_html::minify(&f.contents, &cfg);
}

/// Writes `files` to `out_dir`, replacing its previous contents only once everything is written.
pub fn write_site(out_dir: &Path, files: &[OutputFile]) -> Result<(), OutputError> {
    let parent = match out_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(fs_err("cannot create folder", &parent))?;
    let name = out_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
    let staging = parent.join(format!(".{name}.new-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let result = write_into(&staging, files).and_then(|()| swap(&staging, out_dir, &old));
    if result.is_err() {
        // Best effort: a half-written staging folder is of no use to anyone.
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

fn write_into(dir: &Path, files: &[OutputFile]) -> Result<(), OutputError> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(fs_err("cannot remove stale folder", dir))?;
    }
    std::fs::create_dir_all(dir).map_err(fs_err("cannot create folder", dir))?;
    files.par_iter().try_for_each(|f| {
        let path = dir.join(f.path.as_str());
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(fs_err("cannot create folder", p))?;
        }
        std::fs::write(&path, &f.contents).map_err(fs_err("cannot write", &path))
    })
}

/// Moves the finished `staging` folder to `out_dir`, keeping the old one until the move succeeded.
fn swap(staging: &Path, out_dir: &Path, old: &Path) -> Result<(), OutputError> {
    if out_dir.exists() {
        std::fs::rename(out_dir, old).map_err(fs_err("cannot move aside", out_dir))?;
        if let Err(e) = std::fs::rename(staging, out_dir) {
            // Put the previous site back so that readers never see a missing folder.
            let _ = std::fs::rename(old, out_dir);
            return Err(fs_err("cannot move into place", out_dir)(e));
        }
        std::fs::remove_dir_all(old).map_err(fs_err("cannot remove", old))
    } else {
        std::fs::rename(staging, out_dir).map_err(fs_err("cannot move into place", out_dir))
    }
}
