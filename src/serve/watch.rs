//! Watching the site's sources with notify, debounced: a burst of events (an editor's temp file,
//! rename, swap file, many saves) leads to one rebuild of the final content.
//!
//! The debouncing itself is [`Debouncer`], a state machine fed with changed paths and the time
//! each was seen. It has no clock or thread of its own, so its behaviour is tested over event
//! sequences with made-up times; the loop around it only waits and forwards.

use super::ServeError;
use notify::{RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Quiet time after the last event before rebuilding: long enough to see a whole save, short
/// enough that the page updates at once.
const QUIET: Duration = Duration::from_millis(30);
/// A steady stream of events never delays a rebuild by more than this.
const MAX_WAIT: Duration = Duration::from_millis(300);

/// Starts watching `root`, then runs `first_build`: a change made while it runs is seen, not lost.
/// Every change is told to `notice` as soon as it is seen (`None`: changes may have been missed),
/// before any rebuild that could read it. From then on, calls `rebuild` after every debounced
/// batch of changes to the site's sources and prints its one-line report. The returned watcher
/// must be kept alive.
pub fn start(
    root: PathBuf,
    notice: impl Fn(Option<&Path>) + Send + 'static,
    first_build: impl FnOnce(),
    rebuild: impl FnMut() -> Result<String, String> + Send + 'static,
) -> Result<notify::RecommendedWatcher, ServeError> {
    let (tx, rx) = mpsc::channel::<PathBuf>();
    // When changes may have been missed, a rebuild checks every file: this path starts one.
    let everything = root.join("content");
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| match res {
        Ok(event) => {
            if event.need_rescan() {
                notice(None);
                let _ = tx.send(everything.clone());
            }
            if matches!(event.kind, notify::EventKind::Access(_)) {
                return;
            }
            for p in event.paths {
                notice(Some(&p));
                let _ = tx.send(p);
            }
        }
        Err(_) => {
            notice(None);
            let _ = tx.send(everything.clone());
        }
    })
    .map_err(|source| ServeError::Watch { path: root.clone(), source })?;
    watcher
        .watch(&root, RecursiveMode::Recursive)
        .map_err(|source| ServeError::Watch { path: root.clone(), source })?;
    // Changes made from here on wait in `rx` until the loop below takes them.
    first_build();
    std::thread::spawn(move || debounce_loop(&root, &rx, rebuild));
    Ok(watcher)
}

fn debounce_loop(root: &Path, rx: &mpsc::Receiver<PathBuf>, mut rebuild: impl FnMut() -> Result<String, String>) {
    let mut debouncer = Debouncer::new(root.to_path_buf());
    loop {
        let received = match debouncer.due() {
            None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
            Some(due) => rx.recv_timeout(due.saturating_duration_since(Instant::now())),
        };
        let now = Instant::now();
        // A batch that fell due while waiting is rebuilt before the change that ended the wait
        // starts the next one, as in the tests' simulation.
        if let Some(changed) = debouncer.take_due(now) {
            let what = describe(root, &changed);
            match rebuild() {
                Ok(report) => println!("rebuilt ({what}): {report}"),
                Err(report) => eprintln!("rebuild failed ({what}): {report}"),
            }
        }
        match received {
            Ok(path) => debouncer.event(path, now),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// Collects changed source paths into batches: a batch is due [`QUIET`] after its last change,
/// and at most [`MAX_WAIT`] after its first.
struct Debouncer {
    root: PathBuf,
    /// The batch's changed sources, each once, in the order first seen.
    changed: Vec<PathBuf>,
    /// When the batch's first and last changes were seen; `None` when nothing is pending.
    window: Option<(Instant, Instant)>,
}

impl Debouncer {
    fn new(root: PathBuf) -> Debouncer {
        Debouncer { root, changed: Vec::new(), window: None }
    }

    /// Records a change to `path` seen at `now`. Anything but a source of the site (output, editor
    /// scratch files, other folders) neither starts nor delays a batch.
    fn event(&mut self, path: PathBuf, now: Instant) {
        if !is_source(&self.root, &path) {
            return;
        }
        if !self.changed.contains(&path) {
            self.changed.push(path);
        }
        self.window = Some(match self.window {
            Some((first, _)) => (first, now),
            None => (now, now),
        });
    }

    /// When the pending batch is due, if there is one.
    fn due(&self) -> Option<Instant> {
        self.window.map(|(first, last)| (last + QUIET).min(first + MAX_WAIT))
    }

    /// The pending batch, if it is due at `now`.
    fn take_due(&mut self, now: Instant) -> Option<Vec<PathBuf>> {
        if self.due()? > now {
            return None;
        }
        self.window = None;
        Some(std::mem::take(&mut self.changed))
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
    matches!(first.as_str(), "book.toml" | "content" | "i18n" | "themes" | "translations.lock")
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
        for yes in [
            "/site/book.toml",
            "/site/content/procedures/a.toml",
            "/site/i18n/ja.toml",
            "/site/themes/x/static/a.css",
            "/site/translations.lock",
        ] {
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

    /// Feeds `events` (milliseconds from the start, path under `/site`) to a debouncer the way
    /// the loop does, waking at every due time, and returns when each batch was due and what it
    /// held.
    fn simulate(events: &[(u64, &str)]) -> Vec<(u64, Vec<String>)> {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut debouncer = Debouncer::new(PathBuf::from("/site"));
        let mut batches = Vec::new();
        let mut wake_until = |d: &mut Debouncer, until: Instant| {
            while let Some(due) = d.due().filter(|due| *due <= until) {
                assert_eq!(d.take_due(due - Duration::from_nanos(1)), None, "not due before its time");
                let changed = d.take_due(due).unwrap_or_default();
                let names = changed.iter().map(|p| p.to_string_lossy().replace("/site/", "")).collect();
                batches.push(((due - start).as_millis(), names));
            }
        };
        for &(ms, path) in events {
            wake_until(&mut debouncer, at(ms));
            debouncer.event(Path::new("/site").join(path), at(ms));
        }
        wake_until(&mut debouncer, at(3_600_000));
        batches.into_iter().map(|(ms, names)| (u64::try_from(ms).unwrap_or(u64::MAX), names)).collect()
    }

    fn batch(ms: u64, paths: &[&str]) -> (u64, Vec<String>) {
        (ms, paths.iter().map(|p| p.to_string()).collect())
    }

    const INSTALL: &str = "content/procedures/install.toml";
    const SCENARIO: &str = "content/scenarios/upgrade.toml";

    #[test]
    fn one_save_is_one_rebuild_after_the_quiet_time() {
        assert_eq!(simulate(&[(0, INSTALL), (0, INSTALL), (1, INSTALL)]), [batch(31, &[INSTALL])]);
    }

    #[test]
    fn editors_save_patterns_are_one_rebuild_of_the_saved_file() {
        let cases: [(&str, &[(u64, &str)]); 4] = [
            (
                "temp file, then rename",
                &[
                    (0, "content/procedures/.install.toml.tmp123"),
                    (1, "content/procedures/.install.toml.tmp123"),
                    (2, "content/procedures/.install.toml.tmp123"),
                    (2, INSTALL),
                ],
            ),
            (
                "vim: swap file, probe file, backup by rename, then a write 18 ms later",
                &[
                    (0, "content/procedures/.install.toml.swp"),
                    (1, "content/procedures/4913"),
                    (1, "content/procedures/4913"),
                    (2, INSTALL),
                    (2, "content/procedures/install.toml~"),
                    (20, INSTALL),
                    (21, INSTALL),
                    (22, "content/procedures/install.toml~"),
                    (23, "content/procedures/.install.toml.swp"),
                ],
            ),
            (
                "emacs: lock file, backup copy, write",
                &[
                    (0, "content/procedures/.#install.toml"),
                    (1, "content/procedures/install.toml~"),
                    (2, INSTALL),
                    (3, INSTALL),
                    (4, "content/procedures/.#install.toml"),
                ],
            ),
            ("delete, then recreate 25 ms later", &[(0, INSTALL), (25, INSTALL), (26, INSTALL)]),
        ];
        for (what, events) in cases {
            let last = events.iter().filter(|(_, p)| *p == INSTALL).map(|(ms, _)| *ms).max().unwrap_or_default();
            assert_eq!(simulate(events), [batch(last + 30, &[INSTALL])], "{what}");
        }
    }

    #[test]
    fn a_burst_of_saves_closer_than_the_quiet_time_is_one_rebuild() {
        let saves: Vec<(u64, &str)> = (0..10).map(|n| (n * 25, INSTALL)).collect();
        assert_eq!(simulate(&saves), [batch(225 + 30, &[INSTALL])]);
    }

    #[test]
    fn a_steady_stream_is_rebuilt_at_least_every_max_wait() {
        let stream: Vec<(u64, &str)> = (0..=50).map(|n| (n * 20, INSTALL)).collect();
        let times: Vec<u64> = simulate(&stream).into_iter().map(|(ms, _)| ms).collect();
        assert_eq!(times, [300, 600, 900, 1030]);
    }

    #[test]
    fn changes_further_apart_than_the_quiet_time_are_separate_rebuilds() {
        assert_eq!(
            simulate(&[(0, INSTALL), (10, SCENARIO), (100, SCENARIO)]),
            [batch(40, &[INSTALL, SCENARIO]), batch(130, &[SCENARIO])]
        );
    }

    #[test]
    fn anything_but_sources_neither_starts_nor_delays_a_rebuild() {
        let noise = [
            "public/index.html",
            "target/debug/x",
            ".git/index",
            "content/procedures/.install.toml.swp",
            "content/procedures/install.toml~",
            "content/procedures/4913",
            "content/pages/#contacts.en.md#",
        ];
        let only_noise: Vec<(u64, &str)> = noise.iter().enumerate().map(|(i, p)| (i as u64 * 10, *p)).collect();
        assert_eq!(simulate(&only_noise), []);
        let mut with_a_save = vec![(0, INSTALL)];
        with_a_save.extend(noise.iter().enumerate().map(|(i, p)| (i as u64 * 10 + 5, *p)));
        assert_eq!(simulate(&with_a_save), [batch(30, &[INSTALL])]);
    }

    #[test]
    fn a_change_made_during_the_first_build_leads_to_a_rebuild() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path().canonicalize().unwrap_or_else(|e| panic!("{e}"));
        std::fs::create_dir(root.join("content")).unwrap_or_else(|e| panic!("{e}"));
        let (tx, rx) = mpsc::channel();
        let noticed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (record, seen) = (std::sync::Arc::clone(&noticed), std::sync::Arc::clone(&noticed));
        let edited = root.join("content/a.toml");
        let _watcher = start(
            root.clone(),
            move |p| record.lock().unwrap_or_else(|e| panic!("{e}")).push(p.map(Path::to_path_buf)),
            // The first build has read the file; the author saves it again before it ends.
            || std::fs::write(&edited, "edited").unwrap_or_else(|e| panic!("{e}")),
            move || {
                // The change was noticed before the rebuild that reads it.
                let _ = tx.send(seen.lock().unwrap_or_else(|e| panic!("{e}")).clone());
                Ok("rebuilt".to_string())
            },
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let noticed = rx.recv_timeout(Duration::from_secs(10)).unwrap_or_else(|_| panic!("the edit was lost"));
        assert!(noticed.contains(&Some(root.join("content/a.toml"))), "not noticed first: {noticed:?}");
    }
}
