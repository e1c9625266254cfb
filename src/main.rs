//! The `vlsc-docs` binary: parses the command line, runs the command, prints, picks the exit code
//! (0 success, 1 content or output errors, 2 usage errors).

use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use vlsc_docs::cli::{Cli, Command, NewKind};
use vlsc_docs::diag::report::{Format, Reporter};
use vlsc_docs::{BuildError, BuildOptions};

/// Rebuilds allocate many small strings; mimalloc makes them markedly cheaper than glibc's malloc.
/// Version 2 (the `v2` feature): version 3 gives freed memory back to the system only after a
/// second (its `purge_delay`), so that a build of 12,000 procedures peaked about 7 MiB higher
/// (147 against 140 MiB, with the same time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A one-shot build's memory is mostly short-lived: on transparent huge pages (which the
/// allocator asks for) a 2 MiB page stays resident for a few live bytes, 15-30 MiB more at the
/// peak of a 10,000-page build, for no measurable speed. `serve`, which rebuilds again and again
/// into the same memory, keeps them: there they save page faults.
fn without_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    if matches!(cli.command, Command::Build { .. } | Command::Check { .. }) {
        without_huge_pages();
    }
    match cli.command {
        Command::Build { root, output, force, report } => build(
            BuildOptions { root, output, force, ..BuildOptions::default() },
            Reporter::new(report.format, report.quiet),
        ),
        Command::Check { root, report } => {
            let reporter = Reporter::new(report.format, report.quiet);
            match vlsc_docs::check(&root) {
                Ok(report) => {
                    reporter.diagnostics(&report.warnings);
                    reporter.summary(&format!("ok: {} pages, no errors", report.pages), true);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e, "check", reporter),
            }
        }
        Command::Refs { root, items } => refs(&root, &items),
        Command::I18n(command) => vlsc_docs::i18n::commands::run(command),
        Command::Serve { root, port, bind, open } => {
            match vlsc_docs::serve::run(vlsc_docs::serve::ServeOptions { root, port, bind, open }) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Init { dir, languages, title, force } => {
            let created = vlsc_docs::scaffold::parse_languages(&languages).and_then(|languages| {
                vlsc_docs::scaffold::init(&vlsc_docs::scaffold::InitOptions {
                    dir: dir.clone(),
                    languages,
                    title,
                    force,
                })
            });
            let next = format!("next: vlsc-docs serve --root {}", dir.display());
            scaffolded(created, &next)
        }
        Command::New { kind, id, section, root } => {
            let kind = match kind {
                NewKind::Procedure => vlsc_docs::scaffold::NewKind::Procedure,
                NewKind::Scenario => vlsc_docs::scaffold::NewKind::Scenario,
                NewKind::Page => vlsc_docs::scaffold::NewKind::Page,
                NewKind::Snippet => vlsc_docs::scaffold::NewKind::Snippet,
            };
            scaffolded(vlsc_docs::scaffold::new_item(&root, kind, &id, section.as_deref()), "")
        }
        Command::Schema { out } => match vlsc_docs::schema::write_all(&out) {
            Ok(paths) => {
                for p in paths {
                    println!("{}", p.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(1)
            }
        },
    }
}

/// Prints what `init` or `new` created (one path a line), what was kept, and the notes.
fn scaffolded(
    result: Result<vlsc_docs::scaffold::Created, vlsc_docs::scaffold::ScaffoldError>,
    next: &str,
) -> ExitCode {
    match result {
        Ok(created) => {
            for p in &created.files {
                println!("{}", p.display());
            }
            for p in &created.kept {
                eprintln!("kept (exists): {}", p.display());
            }
            for n in &created.notes {
                eprintln!("note: {n}");
            }
            if !next.is_empty() {
                eprintln!("{next}");
            }
            ExitCode::SUCCESS
        }
        Err(e @ vlsc_docs::scaffold::ScaffoldError::Io(..)) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}; nothing was written");
            ExitCode::from(2)
        }
    }
}

fn refs(root: &std::path::Path, items: &[String]) -> ExitCode {
    let targets: Result<Vec<_>, String> = items.iter().map(|i| vlsc_docs::refs::Target::parse(i)).collect();
    let targets = match targets {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let site = match vlsc_docs::load_and_validate(root) {
        Ok((site, _, _)) => site,
        Err(e) => return fail(e, "refs", Reporter::new(Format::Text, false)),
    };
    match vlsc_docs::refs::report(&site, &targets) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn build(mut opts: BuildOptions, reporter: Reporter) -> ExitCode {
    // Ctrl-C or SIGTERM while writing: remove the half-written staging folder, then stop.
    let cleanup = opts.cleanup.clone();
    let _ = ctrlc::set_handler(move || {
        if cleanup.run() {
            eprintln!("\ninterrupted: nothing was written; the previous output was left as it was");
        } else {
            eprintln!("\ninterrupted: the build had finished writing; the new site is in place");
        }
        std::process::exit(130);
    });
    let progress = std::io::stderr().is_terminal().then(|| Arc::new(AtomicUsize::new(0)));
    opts.progress = progress.clone();
    let done = Arc::new(AtomicBool::new(false));
    let progress_thread = progress.map(|count| {
        let done = done.clone();
        std::thread::spawn(move || progress_line(&count, &done))
    });
    let result = vlsc_docs::build(&opts);
    done.store(true, Ordering::Relaxed);
    if let Some(r) = progress_thread {
        r.thread().unpark();
        let _ = r.join();
    }
    match result {
        Ok(report) => {
            reporter.diagnostics(&report.warnings);
            if let Some(w) = &report.cleanup_warning {
                reporter.warning(w);
            }
            let pages =
                report.pages_per_language.iter().map(|(l, n)| format!("{n} {l}")).collect::<Vec<_>>().join(" + ");
            let line = format!(
                "built {pages} pages ({} files) in {:.0} ms → {}",
                report.files,
                report.elapsed.as_secs_f64() * 1000.0,
                report.output.display()
            );
            reporter.summary(&line, true);
            ExitCode::SUCCESS
        }
        Err(e) => fail(e, "build", reporter),
    }
}

/// After half a second, shows how many pages are written, on one line of the terminal.
fn progress_line(count: &AtomicUsize, done: &AtomicBool) {
    let started = Instant::now();
    let mut shown = false;
    while !done.load(Ordering::Relaxed) {
        std::thread::park_timeout(Duration::from_millis(100));
        if started.elapsed() > Duration::from_millis(500) {
            eprint!("\r\x1b[2Krendering… {} pages", count.load(Ordering::Relaxed));
            shown = true;
        }
    }
    if shown {
        eprint!("\r\x1b[2K");
    }
}

fn fail(e: BuildError, command: &str, reporter: Reporter) -> ExitCode {
    match e {
        BuildError::NotASite(msg) => {
            reporter.error(&msg);
            ExitCode::from(2)
        }
        BuildError::Refused(e) => {
            reporter.error(&format!("{e}; nothing was written"));
            ExitCode::from(2)
        }
        BuildError::Content(diags) => {
            reporter.diagnostics(&diags);
            let kept = if command == "build" { "; the previous output was left as it was" } else { "" };
            reporter.summary(&format!("error: {command} failed with {} error(s){kept}", diags.error_count()), false);
            ExitCode::from(1)
        }
        BuildError::Output(e) => {
            reporter.error(&format!("{e}; the previous output was left as it was"));
            ExitCode::from(1)
        }
    }
}
