//! The command line: `build`, `check`, `serve` and `i18n`, parsed with clap. Thin: it calls the library.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "vlsc-docs",
    version,
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
    },
    /// Run every validation of `build` and write nothing.
    Check {
        /// The site folder, holding book.toml and content/.
        #[arg(long, default_value = ".")]
        root: PathBuf,
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
    /// Translations: status, accept, and the XLIFF round trip with translators.
    #[command(subcommand)]
    I18n(crate::i18n::commands::I18nCommand),
}
