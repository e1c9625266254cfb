//! Phase timings on stderr for profiling large sites: `VLSC_DOCS_TIMINGS=1 vlsc-docs build`
//! prints how long loading, rendering and indexing took. Off (and free) otherwise.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("VLSC_DOCS_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0"))
}

/// Prints `timing: <what> <ms>` when timings are on, with the resident memory where the system
/// tells it (Linux).
pub fn report(what: &str, since: Instant) {
    if enabled() {
        let ms = since.elapsed().as_secs_f64() * 1000.0;
        match resident_kib() {
            Some(kib) => eprintln!("timing: {what} {ms:.1} ms (RSS {} MiB)", kib / 1024),
            None => eprintln!("timing: {what} {ms:.1} ms"),
        }
    }
}

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
