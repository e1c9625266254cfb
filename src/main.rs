//! The `vlsc-docs` binary: parses the command line, runs the command, prints, picks the exit code
//! (0 success, 1 content or output errors, 2 usage errors).

use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use vlsc_docs::cli::{Cli, Command};
use vlsc_docs::diag::Diagnostics;
use vlsc_docs::{BuildError, BuildOptions};

/// Rebuilds allocate many small strings; mimalloc makes them markedly cheaper than glibc's malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { ExitCode::from(2) } else { ExitCode::SUCCESS };
        }
    };
    match cli.command {
        Command::Build { root, output, force } => {
            build(BuildOptions { root, output, force, ..BuildOptions::default() })
        }
        Command::Check { root } => match vlsc_docs::check(&root) {
            Ok(report) => {
                print_diagnostics(&report.warnings);
                println!("ok: {} pages, no errors", report.pages);
                ExitCode::SUCCESS
            }
            Err(e) => fail(e, "check"),
        },
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
    }
}

fn build(mut opts: BuildOptions) -> ExitCode {
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
    let reporter = progress.map(|count| {
        let done = done.clone();
        std::thread::spawn(move || progress_line(&count, &done))
    });
    let result = vlsc_docs::build(&opts);
    done.store(true, Ordering::Relaxed);
    if let Some(r) = reporter {
        r.thread().unpark();
        let _ = r.join();
    }
    match result {
        Ok(report) => {
            print_diagnostics(&report.warnings);
            if let Some(w) = &report.cleanup_warning {
                eprintln!("warning: {w}\n");
            }
            let pages =
                report.pages_per_language.iter().map(|(l, n)| format!("{n} {l}")).collect::<Vec<_>>().join(" + ");
            println!(
                "built {pages} pages ({} files) in {:.0} ms → {}",
                report.files,
                report.elapsed.as_secs_f64() * 1000.0,
                report.output.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e, "build"),
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

fn print_diagnostics(diags: &Diagnostics) {
    eprint!("{}", diags.for_terminal());
}

fn fail(e: BuildError, command: &str) -> ExitCode {
    match e {
        BuildError::NotASite(msg) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        BuildError::Refused(e) => {
            eprintln!("error: {e}; nothing was written");
            ExitCode::from(2)
        }
        BuildError::Content(diags) => {
            print_diagnostics(&diags);
            let kept = if command == "build" { "; the previous output was left as it was" } else { "" };
            eprintln!("error: {command} failed with {} error(s){kept}", diags.error_count());
            ExitCode::from(1)
        }
        BuildError::Output(e) => {
            eprintln!("error: {e}; the previous output was left as it was");
            ExitCode::from(1)
        }
    }
}
