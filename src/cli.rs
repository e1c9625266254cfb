//! The command line: `build`, `check`, `refs`, `serve`, `i18n`, `init`, `new` and `schema`, parsed
//! with clap. Thin: it calls the library.

use crate::diag::report::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The package version, and the commit it was built from when built from a git checkout
/// (`build.rs`).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), env!("VLSC_DOCS_VERSION_SUFFIX"));

#[derive(Debug, Parser)]
#[command(
    name = "vlsc-docs",
    version = VERSION,
    about = "Build bilingual procedure documentation: procedures written once, a scenario selector, Japanese and English."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build the site into its output folder (default `public/`).
    Build {
        /// The site folder, holding book.toml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// Write the site here instead of `[build] output-dir`.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Replace the output folder even if it is not empty and vlsc-docs did not build it.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Run every validation of `build` and write nothing.
    Check {
        /// The site folder, holding book.toml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Show what uses each procedure and snippet (with the variant each use shows) and the pages
    /// that change with it.
    Refs {
        /// The site folder, holding book.toml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// `procedure:<id>` or `snippet:<id>`; none: every procedure and snippet.
        items: Vec<String>,
    },
    /// Serve the site on loopback with live reload while you edit.
    Serve {
        /// The site folder, holding book.toml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
        /// The port to listen on; 0 picks a free one and prints it.
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// The address to bind; anything but loopback exposes your drafts to the network.
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the default browser once it is served.
        #[arg(long)]
        open: bool,
    },
    /// Create a starter site: book.toml, a procedure, two scenarios, a selector, a page, i18n/.
    Init {
        /// The folder to create the site in (created if missing; must be empty unless --force).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The site's languages, the source language first.
        #[arg(long, default_value = "ja,en")]
        languages: String,
        /// The site's title, in every language (default: the starter's own title).
        #[arg(long)]
        title: Option<String>,
        /// Add the starter files to a non-empty folder; existing files are never overwritten.
        #[arg(long)]
        force: bool,
    },
    /// Create a new procedure, scenario, page or snippet in every language of the site.
    New {
        /// What to create.
        kind: NewKind,
        /// Its id: lowercase letters, digits and hyphens.
        id: String,
        /// The section (folder) to put it in, e.g. `accounts` or `accounts/admins`.
        #[arg(long)]
        section: Option<String>,
        /// The site folder, holding book.toml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Write the JSON Schemas of every TOML file of a site (for editors and CI).
    Schema {
        /// The folder to write them to.
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
    },
    /// Translations: status, accept, and the XLIFF round trip with translators.
    #[command(subcommand)]
    I18n(crate::i18n::commands::I18nCommand),
}

/// The kinds of item `new` creates.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NewKind {
    Procedure,
    Scenario,
    Page,
    Snippet,
}

/// How `build` and `check` print what they found.
#[derive(Debug, Clone, Copy, Args)]
pub struct ReportArgs {
    /// `text` for a person (stderr); `json` (one object a line) or `github` (Actions annotations)
    /// on stdout, with only the summary on stderr.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print errors only: no warnings, no summary line.
    #[arg(long, short)]
    pub quiet: bool,
}
