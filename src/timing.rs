//! Phase timings on stderr for profiling large sites: `VLSC_DOCS_TIMINGS=1 vlsc-docs build`
//! prints how long loading, rendering and indexing took. Off (and free) otherwise.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("VLSC_DOCS_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0"))
}

/// Prints `timing: <what> <ms>` when timings are on.
pub fn report(what: &str, since: Instant) {
    if enabled() {
        eprintln!("timing: {what} {:.1} ms", since.elapsed().as_secs_f64() * 1000.0);
    }
}
