//! Build script: records the git commit a binary was built from, for `vlsc-docs --version`
//! (`vlsc-docs 0.1.0 (ca04b65)`). Outside a git checkout (a release tarball, a vendored copy)
//! or without git, the version is the package version alone; nothing here can fail the build.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let suffix = commit().map(|c| format!(" ({c})")).unwrap_or_default();
    println!("cargo:rustc-env=VLSC_DOCS_VERSION_SUFFIX={suffix}");
}

/// The short commit hash, when this package's folder is the top of a git work tree.
fn commit() -> Option<String> {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git").args(args).current_dir(&manifest).output().ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
    };
    // A tarball unpacked inside some other repository must not report that repository's commit.
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?);
    if top.canonicalize().ok()? != manifest.canonicalize().ok()? {
        return None;
    }
    // Build again when HEAD moves: HEAD itself (a checkout), the branch's ref (a commit), or the
    // packed refs. Only files that exist are named: cargo reruns the script on every build for a
    // missing one.
    let git_dir = absolute(&manifest, &git(&["rev-parse", "--git-dir"])?);
    let common_dir = absolute(&manifest, &git(&["rev-parse", "--git-common-dir"])?);
    let mut watched = vec![git_dir.join("HEAD"), common_dir.join("packed-refs")];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(common_dir.join(branch));
    }
    for path in watched.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    git(&["rev-parse", "--short", "HEAD"])
}

fn absolute(base: &Path, path: &str) -> PathBuf {
    let path = Path::new(path);
    if path.is_absolute() { path.to_path_buf() } else { base.join(path) }
}
