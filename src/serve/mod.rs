//! `vlsc-docs serve`: builds the site into memory, serves it on loopback, watches the sources and
//! rebuilds incrementally, and tells every open page to reload once the new pages are in place.
//!
//! The server never reads the file system to answer a request: it answers from the last good
//! in-memory build (a [`Snapshot`]), so no path can escape the site and a failed rebuild cannot
//! take the site down. State lives in [`AppState`], shared by the handlers and the watcher.

mod http;
pub mod incremental;
mod watch;

pub use incremental::{Rebuilt, Snapshot, rebuild_cached};

use crate::diag::{Diagnostic, Diagnostics};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use tokio::sync::broadcast;

/// Options of `vlsc-docs serve`.
pub struct ServeOptions {
    pub root: PathBuf,
    pub port: u16,
    pub bind: IpAddr,
    pub open: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    NotASite(String),
    #[error(
        "port {port} on {bind} is already in use: stop the other server, or pass --port N (or --port 0 for any free port)"
    )]
    PortInUse { bind: IpAddr, port: u16 },
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot watch {path}: {source}")]
    Watch { path: PathBuf, source: notify::Error },
    #[error("cannot start the server: {0}")]
    Runtime(std::io::Error),
}

/// What every open page is told after each build attempt.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BuildState {
    /// Increases with every successful build; a page reloads when it sees a newer one.
    pub generation: u64,
    /// The errors of the last attempt, empty after a good build.
    pub errors: Vec<ErrorView>,
}

/// One error as the overlay shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorView {
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    /// The terminal form, with the source line.
    pub text: String,
}

impl ErrorView {
    fn from_diagnostic(d: &Diagnostic) -> ErrorView {
        ErrorView {
            file: crate::diag::display_path(&d.file),
            line: d.location.as_ref().map(|l| l.line),
            column: d.location.as_ref().map(|l| l.column),
            message: d.headline(),
            text: d.to_string(),
        }
    }
}

/// Shared by the HTTP handlers and the watcher.
pub struct AppState {
    /// The last good build; `None` until one succeeds.
    pub snapshot: RwLock<Option<Arc<Snapshot>>>,
    pub state: RwLock<BuildState>,
    pub events: broadcast::Sender<BuildState>,
    /// Parsed source files and their validation, so that a rebuild reads and checks only what changed.
    pub cache: crate::Caches,
    /// The warnings printed last, so that a rebuild prints them only when they changed.
    warnings: std::sync::Mutex<String>,
}

impl AppState {
    fn new() -> AppState {
        AppState {
            snapshot: RwLock::new(None),
            state: RwLock::new(BuildState { generation: 0, errors: Vec::new() }),
            events: broadcast::channel(64).0,
            cache: crate::Caches::default(),
            warnings: std::sync::Mutex::new(String::new()),
        }
    }

    pub fn current_snapshot(&self) -> Option<Arc<Snapshot>> {
        self.snapshot.read().map(|s| s.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    pub fn current_state(&self) -> BuildState {
        self.state.read().map(|s| s.clone()).unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Rebuilds from `root`; on success swaps the new pages in *before* telling the pages to
    /// reload, so that a reload never meets a missing page. Returns a one-line report.
    pub fn rebuild(&self, root: &std::path::Path) -> Result<String, String> {
        let started = std::time::Instant::now();
        let previous = self.current_snapshot();
        let result = rebuild_cached(root, previous.as_deref(), Some(&self.cache));
        let mut state = self.current_state();
        let outcome = match result {
            Ok(Rebuilt { snapshot, rendered, total_pages, warnings }) => {
                self.print_warnings_if_changed(&warnings);
                match self.snapshot.write() {
                    Ok(mut s) => *s = Some(Arc::new(snapshot)),
                    Err(p) => *p.into_inner() = Some(Arc::new(snapshot)),
                }
                state.generation += 1;
                state.errors.clear();
                Ok(format!("{rendered} of {total_pages} pages rendered in {} ms", started.elapsed().as_millis()))
            }
            Err(crate::BuildError::Content(diags)) => {
                print_diagnostics(&diags);
                state.errors = diags
                    .sorted()
                    .into_iter()
                    .filter(|d| d.severity == crate::diag::Severity::Error)
                    .map(ErrorView::from_diagnostic)
                    .collect();
                Err(format!("{} error(s); still serving the last good build", diags.error_count()))
            }
            Err(e) => {
                let view = ErrorView {
                    file: String::new(),
                    line: None,
                    column: None,
                    message: e.to_string(),
                    text: e.to_string(),
                };
                eprintln!("error: {e}");
                state.errors = vec![view];
                Err("still serving the last good build".to_string())
            }
        };
        match self.state.write() {
            Ok(mut s) => *s = state.clone(),
            Err(p) => *p.into_inner() = state.clone(),
        }
        // Nobody listening is fine: no page is open yet.
        let _ = self.events.send(state);
        outcome
    }
}

impl AppState {
    /// Prints the warnings of a good build unless they are the ones printed last: a site with
    /// thousands of warnings does not repeat them at every save.
    fn print_warnings_if_changed(&self, warnings: &Diagnostics) {
        let text = warnings.for_terminal();
        let mut last = self.warnings.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if *last != text {
            eprint!("{text}");
            *last = text;
        }
    }
}

fn print_diagnostics(diags: &Diagnostics) {
    eprint!("{}", diags.for_terminal());
}

/// Runs the server until interrupted.
pub fn run(opts: ServeOptions) -> Result<(), ServeError> {
    if !opts.root.join("book.toml").is_file() {
        return Err(ServeError::NotASite(crate::load::LoadError::NoBook(opts.root.clone()).to_string()));
    }
    let root = opts.root.canonicalize().unwrap_or_else(|_| opts.root.clone());
    let state = Arc::new(AppState::new());
    // Watching starts before the first build, so that an edit saved while it runs is not lost.
    let (rebuilder, watched) = (Arc::clone(&state), root.clone());
    let (noticer, noticed) = (Arc::clone(&state), root.clone());
    let _watcher = watch::start(
        root.clone(),
        // Loads go by the changes the watcher reports instead of checking every file.
        move |path| noticer.cache.load.changed(&noticed, path),
        // The first build may fail: the server starts anyway and shows the errors.
        || {
            state.cache.load.watching();
            match state.rebuild(&root) {
                Ok(report) => println!("built: {report}"),
                Err(report) => eprintln!("first build failed: {report}"),
            }
        },
        move || rebuilder.rebuild(&watched),
    )?;
    let addr = SocketAddr::new(opts.bind, opts.port);
    let listener = std::net::TcpListener::bind(addr).map_err(|source| match source.kind() {
        std::io::ErrorKind::AddrInUse => ServeError::PortInUse { bind: opts.bind, port: opts.port },
        _ => ServeError::Bind { addr, source },
    })?;
    listener.set_nonblocking(true).map_err(ServeError::Runtime)?;
    let local = listener.local_addr().map_err(ServeError::Runtime)?;
    if !opts.bind.is_loopback() {
        eprintln!(
            "warning: serving on {}, reachable from other machines: drafts are visible to your network",
            opts.bind
        );
    }
    let host = if opts.bind.is_unspecified() { "127.0.0.1".to_string() } else { local.ip().to_string() };
    let host = if host.contains(':') { format!("[{host}]") } else { host };
    let url = format!("http://{host}:{}/", local.port());
    println!("serving {url} (port {}); watching {} — press Ctrl-C to stop", local.port(), root.display());
    if opts.open {
        open_browser(&url);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let hosts = http::AllowedHosts::new(opts.bind);
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).map_err(ServeError::Runtime)?;
        let app = http::router(state, hosts);
        tokio::select! {
            r = axum::serve(listener, app) => r.map_err(ServeError::Runtime),
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("warning: cannot open a browser ({opener}: {e}); open {url} yourself");
    }
}
