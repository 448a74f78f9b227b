//! What the benchmarks read about their own process on Linux: CPU time
//! (which a shared machine's load does not inflate, unlike wall time) and
//! peak resident memory. Both read `/proc/self`; elsewhere they are zero.

use std::time::Duration;

/// Clock ticks per second of `/proc/*/stat` times (Linux's `USER_HZ`, 100
/// on every architecture Linux exposes to user space).
const USER_HZ: f64 = 100.0;

/// This process's CPU time so far, user plus system, every thread included
/// (10 ms resolution).
pub fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) may hold spaces: count from its `)`. After
    // it come the state (field 3) ... utime (14) and stime (15).
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse::<u64>().ok())
        .sum();
    Duration::from_secs_f64(ticks as f64 / USER_HZ)
}

/// This process's peak resident memory so far (`VmHWM`), in kB.
pub fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn cpu_time_moves_with_work_and_the_peak_is_read() {
        // Spins until the clock moves (a tick of CPU, however loaded the
        // machine), or fails after a minute.
        let before = cpu_time();
        let start = std::time::Instant::now();
        let mut x = 0u64;
        while cpu_time() == before && start.elapsed() < Duration::from_secs(60) {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
            }
        }
        assert!(cpu_time() > before, "{x}");
        assert!(peak_rss_kb() > 0);
    }
}
