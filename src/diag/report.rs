//! Where and how `build` and `check` print what they found: for a person (`--format text`, the
//! default: diagnostics on stderr, the summary on stdout) or for a program (`--format json` or
//! `github`: only diagnostics on stdout, one a line, everything else on stderr).

use super::{Diagnostic, Diagnostics, Severity, machine, terminal};
use std::io::{IsTerminal, Write};

/// The `--format` of `build` and `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// For a person: rustc-style diagnostics on stderr, in colour on a terminal.
    #[default]
    Text,
    /// One JSON object a line on stdout, a diagnostic each.
    Json,
    /// GitHub Actions workflow commands (`::error file=…::…`) on stdout.
    Github,
}

/// Prints diagnostics, errors and the summary line in the chosen format.
#[derive(Debug, Clone, Copy)]
pub struct Reporter {
    pub format: Format,
    /// Errors only: no warnings, no summary line.
    pub quiet: bool,
    pub style: terminal::Style,
}

impl Reporter {
    /// Colours when stderr is a terminal, unless `NO_COLOR` is set or `TERM` is `dumb`.
    pub fn new(format: Format, quiet: bool) -> Reporter {
        let colored = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::env::var_os("TERM").is_none_or(|t| t != "dumb");
        let style = if colored { terminal::Style::Colored } else { terminal::Style::Plain };
        Reporter { format, quiet, style }
    }

    /// The diagnostics of a run (warnings left out when quiet). Text groups warnings of one kind
    /// beyond the first five; the machine formats list every one.
    pub fn diagnostics(&self, diags: &Diagnostics) {
        let errors_only;
        let diags = if self.quiet {
            errors_only = diags.errors_only();
            &errors_only
        } else {
            diags
        };
        match self.format {
            Format::Text => eprint!("{}", diags.for_terminal_styled(self.style)),
            Format::Json | Format::Github => {
                let mut out = std::io::stdout().lock();
                for d in diags.sorted() {
                    // A closed pipe (`| head`) is not an error of the build.
                    let _ = writeln!(out, "{}", self.machine_line(d));
                }
            }
        }
    }

    /// An error that is about no place in the content (no book.toml, a refused output folder):
    /// printed in every format, `file` null in JSON.
    pub fn error(&self, message: &str) {
        self.general(Severity::Error, message);
    }

    /// A warning about no place in the content; left out when quiet.
    pub fn warning(&self, message: &str) {
        if !self.quiet {
            self.general(Severity::Warning, message);
        }
    }

    /// The closing line of a run (`ok: …`, `built …`, `error: check failed with …`): on stdout
    /// for a person when it is good news, else on stderr; never on stdout in a machine format,
    /// whose stdout holds diagnostics only; not at all when quiet.
    pub fn summary(&self, line: &str, ok: bool) {
        if self.quiet {
            return;
        }
        if ok && self.format == Format::Text {
            println!("{line}");
        } else {
            eprintln!("{line}");
        }
    }

    fn general(&self, severity: Severity, message: &str) {
        match self.format {
            // A warning is set apart from what follows, like the diagnostics before it.
            Format::Text => match severity {
                Severity::Error => eprintln!("{}", terminal::render_line(severity, message, self.style)),
                Severity::Warning => eprintln!("{}\n", terminal::render_line(severity, message, self.style)),
            },
            Format::Json | Format::Github => {
                let d = match severity {
                    Severity::Error => Diagnostic::error("", message),
                    Severity::Warning => Diagnostic::warning("", message),
                };
                println!("{}", self.machine_line(&d));
            }
        }
    }

    fn machine_line(&self, d: &Diagnostic) -> String {
        match self.format {
            Format::Github => machine::github(d),
            _ => machine::json(d),
        }
    }
}
