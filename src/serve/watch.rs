//! Watching the site's sources with notify, debounced: a burst of events (an editor's temp file,
//! rename, swap file, many saves) leads to one rebuild of the final content.

use super::{AppState, ServeError};
use notify::{RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Quiet time after the last event before rebuilding: long enough to see a whole save, short
/// enough that the page updates at once.
const QUIET: Duration = Duration::from_millis(30);
/// A steady stream of events never delays a rebuild by more than this.
const MAX_WAIT: Duration = Duration::from_millis(300);

/// Starts watching `root`; the returned watcher must be kept alive.
pub fn start(root: PathBuf, state: Arc<AppState>) -> Result<notify::RecommendedWatcher, ServeError> {
    let (tx, rx) = mpsc::channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(event) = res {
            if matches!(event.kind, notify::EventKind::Access(_)) {
                return;
            }
            for p in event.paths {
                let _ = tx.send(p);
            }
        }
    })
    .map_err(|source| ServeError::Watch { path: root.clone(), source })?;
    watcher
        .watch(&root, RecursiveMode::Recursive)
        .map_err(|source| ServeError::Watch { path: root.clone(), source })?;
    std::thread::spawn(move || debounce_loop(&root, &rx, &state));
    Ok(watcher)
}

fn debounce_loop(root: &Path, rx: &mpsc::Receiver<PathBuf>, state: &AppState) {
    while let Ok(first) = rx.recv() {
        let mut changed: Vec<PathBuf> = Vec::new();
        if is_source(root, &first) {
            changed.push(first);
        }
        let started = Instant::now();
        loop {
            let left = MAX_WAIT.saturating_sub(started.elapsed());
            match rx.recv_timeout(QUIET.min(left)) {
                Ok(p) => {
                    if is_source(root, &p) && !changed.contains(&p) {
                        changed.push(p);
                    }
                    if left.is_zero() {
                        break;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        }
        if changed.is_empty() {
            continue;
        }
        let what = describe(root, &changed);
        match state.rebuild(root) {
            Ok(report) => println!("rebuilt ({what}): {report}"),
            Err(report) => eprintln!("rebuild failed ({what}): {report}"),
        }
    }
}

/// Whether a changed path is one of the site's sources (and not an editor's scratch file).
fn is_source(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else { return false };
    let name = rel.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if crate::load::is_editor_artifact(&name) || name.chars().all(|c| c.is_ascii_digit()) {
        // Vim's `4913` probe file is all digits.
        return false;
    }
    let first = rel.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_default();
    matches!(first.as_str(), "book.toml" | "content" | "i18n" | "themes")
}

fn describe(root: &Path, changed: &[PathBuf]) -> String {
    // An editor's temporary file, renamed over the real one, no longer exists: name the files
    // that do, unless the change was a deletion.
    let existing: Vec<&PathBuf> = changed.iter().filter(|p| p.exists()).collect();
    let changed: Vec<&PathBuf> = if existing.is_empty() { changed.iter().collect() } else { existing };
    let names: Vec<String> = changed
        .iter()
        .take(3)
        .map(|p| p.strip_prefix(root).map(crate::diag::display_path).unwrap_or_default())
        .collect();
    let more = if changed.len() > 3 { format!(" and {} more", changed.len() - 3) } else { String::new() };
    format!("{}{more} changed", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_and_scratch_files() {
        let root = Path::new("/site");
        for yes in
            ["/site/book.toml", "/site/content/procedures/a.toml", "/site/i18n/ja.toml", "/site/themes/x/static/a.css"]
        {
            assert!(is_source(root, Path::new(yes)), "{yes}");
        }
        for no in [
            "/site/public/index.html",
            "/site/content/procedures/.a.toml.swp",
            "/site/content/procedures/a.toml~",
            "/site/content/4913",
            "/site/target/x",
            "/elsewhere/book.toml",
        ] {
            assert!(!is_source(root, Path::new(no)), "{no}");
        }
    }
}
