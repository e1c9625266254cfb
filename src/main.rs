//! The `vlsc-docs` binary: parses the command line, runs the command, prints, picks the exit code
//! (0 success, 1 content or output errors, 2 usage errors).

use clap::Parser;
use std::process::ExitCode;
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
        Command::Build { root, output } => match vlsc_docs::build(&BuildOptions { root, output }) {
            Ok(report) => {
                print_diagnostics(&report.warnings);
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
        },
        Command::Check { root } => match vlsc_docs::compile(&root) {
            Ok(compiled) => {
                print_diagnostics(&compiled.warnings);
                let pages = compiled.files.iter().filter(|f| f.is_html).count();
                println!("ok: {pages} pages, no errors");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e, "check"),
        },
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

fn print_diagnostics(diags: &Diagnostics) {
    for d in diags.sorted() {
        eprintln!("{d}\n");
    }
}

fn fail(e: BuildError, command: &str) -> ExitCode {
    match e {
        BuildError::NotASite(msg) => {
            eprintln!("error: {msg}");
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
