//! Phase timings on stderr for profiling large sites: `VLSC_DOCS_TIMINGS=1 vlsc-docs build`
//! prints how long loading, rendering and indexing took. Off (and free) otherwise.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("VLSC_DOCS_TIMINGS").is_some_and(|v| !v.is_empty() && v != "0"))
}

/// Prints `timing: <what> <ms>` when timings are on, with the resident memory and the CPU time
/// the process has used so far where the system tells them (Linux): the CPU time between two
/// lines, against their wall time, shows how well a phase keeps the cores busy.
pub fn report(what: &str, since: Instant) {
    if enabled() {
        let ms = since.elapsed().as_secs_f64() * 1000.0;
        match (resident_kib(), cpu_ms()) {
            (Some(kib), Some(cpu)) => eprintln!("timing: {what} {ms:.1} ms (RSS {} MiB, CPU {cpu} ms)", kib / 1024),
            (Some(kib), None) => eprintln!("timing: {what} {ms:.1} ms (RSS {} MiB)", kib / 1024),
            _ => eprintln!("timing: {what} {ms:.1} ms"),
        }
    }
}

/// User and system time of the whole process, from `/proc/self/stat` (fields 14 and 15, in
/// clock ticks, which Linux fixes at 100 a second for user space).
fn cpu_ms() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) may hold spaces; the fields after it are counted from its `)`.
    let mut rest = stat.get(stat.rfind(')')? + 1..)?.split_whitespace();
    let utime: u64 = rest.nth(11)?.parse().ok()?;
    let stime: u64 = rest.next()?.parse().ok()?;
    Some((utime + stime) * 10)
}

fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
