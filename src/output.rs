//! Writing the site: checks the target, writes pages into a staging folder beside the output as
//! they are rendered, then swaps it in.
//!
//! The only stage that writes to disk. The output folder is the user's disk: [`check_target`]
//! refuses, before anything moves, a target that is or holds the site's sources, a file, or a
//! folder vlsc-docs did not build. A build that fails at any point leaves the previous output
//! exactly as it was: the new site is complete before it replaces the old one. Files that did not
//! change are hard-linked from the previous output instead of written again, so that replacing a
//! large site frees (and, on file systems mounted with `discard`, trims) only what changed.

use crate::ids::SitePath;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The file that marks a folder as built by vlsc-docs, and so as safe to replace.
pub const MARKER: &str = ".vlsc-docs-output";
const MARKER_TEXT: &str = "This folder was built by vlsc-docs. Every build replaces it whole.\n";

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

/// Why an output folder was refused (a usage error: nothing was touched).
#[derive(Debug, thiserror::Error)]
#[error("refusing to write the site to {}: {reason}", path.display())]
pub struct Refused {
    pub path: PathBuf,
    pub reason: String,
}

/// Checks that `out` may be replaced by a build of the site at `root`: it must not be, contain or
/// lie inside the site's sources, must not be a file or a symbolic link, and must be empty, absent
/// or a folder vlsc-docs built (unless `force`). `origin` says where the path came from.
pub fn check_target(root: &Path, out: &Path, force: bool, origin: &str) -> Result<(), Refused> {
    let refuse = |reason: String| Err(Refused { path: out.to_path_buf(), reason: format!("{reason} ({origin})") });
    let Some(out_abs) = resolve(out) else {
        return refuse("the path cannot be resolved".to_string());
    };
    let Some(root_abs) = resolve(root) else {
        return refuse("the site folder cannot be resolved".to_string());
    };
    if out_abs == root_abs || root_abs.starts_with(&out_abs) {
        return refuse("it is or contains the site folder itself".to_string());
    }
    for source in ["book.toml", "content", "i18n", "themes", ".git"] {
        let Some(p) = resolve(&root.join(source)) else { continue };
        if out_abs.starts_with(&p) || p.starts_with(&out_abs) {
            return refuse(format!("it is, holds or lies inside the site's `{source}`"));
        }
    }
    match std::fs::symlink_metadata(out) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => refuse(format!("cannot inspect it: {e}")),
        Ok(m) if m.file_type().is_symlink() => {
            refuse("it is a symbolic link; give the folder it points to, or another path".to_string())
        }
        Ok(m) if !m.is_dir() => refuse("it is not a folder".to_string()),
        Ok(_) if force || out.join(MARKER).is_file() => Ok(()),
        Ok(_) => match std::fs::read_dir(out).map(|mut entries| entries.next().is_none()) {
            Ok(true) => Ok(()),
            Ok(false) => refuse(format!(
                "it is a folder that vlsc-docs did not build (no {MARKER} file) and not empty; \
                 choose another output, empty it, or pass --force to replace it"
            )),
            Err(e) => refuse(format!("cannot list it: {e}")),
        },
    }
}

/// `p` made absolute, `.` and `..` folded, and the part that exists with symbolic links resolved.
fn resolve(p: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(p).ok()?;
    let mut lexical = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::CurDir => {}
            c => lexical.push(c),
        }
    }
    let mut existing = lexical.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            let mut out = canonical;
            out.extend(rest.iter().rev());
            return Some(out);
        }
        rest.push(existing.file_name()?.to_owned());
        existing = existing.parent()?;
    }
}

/// Staging folders of builds in progress, removed by the interrupt handler of `main`. Writes go
/// through its gate: once interrupted, no write starts, and the folders are removed only after
/// the writes in flight have finished (else a writer could recreate a folder being removed).
#[derive(Clone, Default)]
pub struct InterruptCleanup(Arc<Cleanup>);

#[derive(Default)]
struct Cleanup {
    staging: Mutex<Vec<PathBuf>>,
    interrupted: std::sync::RwLock<bool>,
}

impl InterruptCleanup {
    fn register(&self, p: &Path) {
        if let Ok(mut v) = self.0.staging.lock() {
            v.push(p.to_path_buf());
        }
    }

    fn unregister(&self, p: &Path) {
        if let Ok(mut v) = self.0.staging.lock() {
            v.retain(|x| x != p);
        }
    }

    /// Runs `write` unless the build was interrupted.
    fn gate<T>(&self, path: &Path, write: impl FnOnce() -> Result<T, OutputError>) -> Result<T, OutputError> {
        let interrupted = self.0.interrupted.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        if *interrupted {
            return Err(fs_err("interrupted before writing", path)(io::Error::from(io::ErrorKind::Interrupted)));
        }
        write()
    }

    /// Stops every write, then removes every staging folder still registered (on Ctrl-C or
    /// SIGTERM). Returns whether one was: `false` when the new site was already in place.
    pub fn run(&self) -> bool {
        let mut interrupted = self.0.interrupted.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *interrupted = true;
        let Ok(v) = self.0.staging.lock() else { return false };
        let mut removed = false;
        for p in v.iter().filter(|p| p.exists()) {
            removed |= std::fs::remove_dir_all(p).is_ok();
        }
        removed
    }
}

/// Writes one build into a staging folder beside `out_dir`; [`Writer::commit`] swaps it in.
/// `write` may be called from many threads at once.
pub struct Writer {
    out_dir: PathBuf,
    staging: PathBuf,
    old: PathBuf,
    /// The previous output, when it is a folder vlsc-docs built: unchanged files are linked from it.
    previous: Option<PathBuf>,
    cleanup: InterruptCleanup,
}

impl Writer {
    /// Creates the staging folder (after removing stale ones of builds that died).
    pub fn begin(out_dir: &Path, cleanup: InterruptCleanup) -> Result<Writer, OutputError> {
        let parent = match out_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(fs_err("cannot create folder", &parent))?;
        let name = out_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
        sweep_stale(&parent, &name, out_dir);
        let pid = std::process::id();
        let staging = parent.join(format!(".{name}.new-{pid}"));
        let old = parent.join(format!(".{name}.old-{pid}"));
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(fs_err("cannot remove stale folder", &staging))?;
        }
        cleanup.register(&staging);
        std::fs::create_dir_all(&staging).map_err(fs_err("cannot create folder", &staging))?;
        let previous = out_dir.join(MARKER).is_file().then(|| out_dir.to_path_buf());
        Ok(Writer { out_dir: out_dir.to_path_buf(), staging, old, previous, cleanup })
    }

    /// Writes one file, making its folder when it is the first file there.
    pub fn write(&self, path: &SitePath, contents: &[u8]) -> Result<(), OutputError> {
        let dest = self.staging.join(path.as_str());
        self.cleanup.gate(&dest, || self.write_unguarded(&dest, path, contents))
    }

    /// Links the previous output's file when it is identical, else writes `contents`.
    fn write_unguarded(&self, dest: &Path, path: &SitePath, contents: &[u8]) -> Result<(), OutputError> {
        if let Some(prev) = &self.previous {
            let before = prev.join(path.as_str());
            let same = std::fs::metadata(&before).is_ok_and(|m| m.is_file() && m.len() == contents.len() as u64)
                && std::fs::read(&before).is_ok_and(|b| b == contents);
            if same {
                // As below: the folder is made when the link finds it missing (the first file of
                // each folder), then linked again.
                let linked = match std::fs::hard_link(&before, dest) {
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        dest.parent().is_some_and(|p| std::fs::create_dir_all(p).is_ok())
                            && std::fs::hard_link(&before, dest).is_ok()
                    }
                    linked => linked.is_ok(),
                };
                if linked {
                    return Ok(());
                }
            }
        }
        // Written at once, and the folder made only when the write finds it missing: asking first
        // would cost a `stat` for every file, and most folders hold many.
        match std::fs::write(dest, contents) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(p) = dest.parent() {
                    std::fs::create_dir_all(p).map_err(fs_err("cannot create folder", p))?;
                }
                std::fs::write(dest, contents).map_err(fs_err("cannot write", dest))
            }
            written => written.map_err(fs_err("cannot write", dest)),
        }
    }

    /// Drops the staging folder: the previous output stays as it was.
    pub fn abort(self) {
        let _ = std::fs::remove_dir_all(&self.staging);
        self.cleanup.unregister(&self.staging);
    }

    /// Marks the new site as vlsc-docs's and swaps it in. Returns a warning when the previous
    /// output could not be removed after the swap (the new site is in place all the same).
    pub fn commit(self) -> Result<Option<String>, OutputError> {
        let result = self.cleanup.gate(&self.staging, || self.swap());
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
        self.cleanup.unregister(&self.staging);
        result
    }

    fn swap(&self) -> Result<Option<String>, OutputError> {
        let marker = self.staging.join(MARKER);
        std::fs::write(&marker, MARKER_TEXT).map_err(fs_err("cannot write", &marker))?;
        if !self.out_dir.exists() {
            std::fs::rename(&self.staging, &self.out_dir).map_err(fs_err("cannot move into place", &self.out_dir))?;
            return Ok(None);
        }
        std::fs::rename(&self.out_dir, &self.old).map_err(fs_err("cannot move aside", &self.out_dir))?;
        if let Err(e) = std::fs::rename(&self.staging, &self.out_dir) {
            // Put the previous site back so that readers never see a missing folder.
            let _ = std::fs::rename(&self.old, &self.out_dir);
            return Err(fs_err("cannot move into place", &self.out_dir)(e));
        }
        Ok(std::fs::remove_dir_all(&self.old).err().map(|e| {
            format!(
                "the new site is in {}, but the previous one, moved to {}, could not be removed ({e}); delete it yourself",
                self.out_dir.display(),
                self.old.display()
            )
        }))
    }
}

/// Removes the staging folders of builds of `name` whose process is gone (killed, or crashed).
/// A previous output moved aside by a build that died mid-swap is put back if nothing replaced it.
fn sweep_stale(parent: &Path, name: &str, out_dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return; // Without /proc we cannot tell a dead build from a running one: leave them.
    }
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let own = std::process::id().to_string();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let file_name = file_name.to_string_lossy();
        let Some(rest) = file_name.strip_prefix(&format!(".{name}.")) else { continue };
        let Some((kind, pid)) = rest.split_once('-') else { continue };
        if !matches!(kind, "new" | "old") || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if pid == own || Path::new("/proc").join(pid).exists() {
            continue;
        }
        if kind == "old" && !out_dir.exists() {
            let _ = std::fs::rename(entry.path(), out_dir);
        } else {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_folds_dots_and_missing_parts() {
        let tmp = std::env::temp_dir().canonicalize().unwrap_or_else(|_| std::env::temp_dir());
        let got = resolve(&tmp.join("does-not-exist/../x/./y"));
        assert_eq!(got, Some(tmp.join("x/y")));
    }
}
