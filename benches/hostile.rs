//! Issue 11's acceptance, measured in release: every hostile input family
//! gives its answer "in under 2 s and under the memory ceiling". Builds every
//! case of `testkit::hostile::cases` (the memory-ceiling test's own, one
//! implementation) and runs the release CLI on each in a fresh process (see
//! `testkit::hostile::launch`): wall time, CPU time (`wait4`'s rusage), peak
//! RSS, exit code, and whether the outcome is the expected one. Each case is
//! also given as a ratio to a baseline measured in the same run: the scan of
//! a real Lambda package of the corpus.
//!
//! `cargo bench --bench hostile [-- NAME...]` (only the cases whose names
//! contain one of the NAMEs). On a loaded machine (the load average is
//! printed) wall time is inflated: read CPU time, which load hardly changes.
//! Takes about two minutes, most of it writing the 200 MB inputs.

use std::path::Path;
use std::time::{Duration, Instant};
use testkit::hostile::cases::{self, Case};
use testkit::hostile::launch::{self, Measured, Scanned};

const LAMBDA_AUDIT: &str = env!("CARGO_BIN_EXE_lambda-audit");

/// The acceptance's bound on a case's answer.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// The baseline: the corpus's largest real function package (5.3 MB, a
/// Java function of 23 jars), scanned [`BASELINE_RUNS`] times (the median
/// is kept).
const BASELINE: &str = "java-function.zip";
const BASELINE_RUNS: usize = 3;

fn main() {
    if launch::serve() {
        return;
    }
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average (1, 5, 15 min): {}",
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let baseline = baseline(scratch.path());
    println!(
        "baseline: {BASELINE}, median of {BASELINE_RUNS}: wall {}, CPU {}, peak RSS {} MB\n",
        ms(baseline.wall),
        ms(baseline.cpu),
        mb(baseline.peak_kib)
    );
    println!(
        "{:<20} {:>5} {:>9} {:>9} {:>8} {:>7} {:>7} {:>7} {:>8}  outcome",
        "case", "exit", "wall", "CPU", "RSS MB", "wall x", "CPU x", "RSS x", "build"
    );
    let mut slow = Vec::new();
    let mut wrong = Vec::new();
    for case in cases::all() {
        if !filters.is_empty() && !filters.iter().any(|f| case.name.contains(f.as_str())) {
            continue;
        }
        let (built_in, scanned, verdict) = run(&case, scratch.path());
        let m = &scanned.measured;
        let ratio = |a: f64, b: f64| format!("{:.1}", a / b.max(f64::MIN_POSITIVE));
        println!(
            "{:<20} {:>5} {:>9} {:>9} {:>8} {:>7} {:>7} {:>7} {:>8}  {}",
            case.name,
            m.exit,
            ms(m.wall),
            ms(m.cpu),
            mb(m.peak_kib),
            ratio(m.wall.as_secs_f64(), baseline.wall.as_secs_f64()),
            ratio(m.cpu.as_secs_f64(), baseline.cpu.as_secs_f64()),
            ratio(m.peak_kib as f64, baseline.peak_kib as f64),
            ms(built_in),
            if verdict.is_ok() { "ok" } else { "WRONG" },
        );
        if m.wall >= ANSWER_WITHIN {
            slow.push(case.name);
        }
        if let Err(why) = verdict {
            wrong.push(why);
        }
    }
    println!(
        "\n(wall/CPU in ms; RSS peak in MB; `x`: ratio to the baseline; build: writing the input)"
    );
    match slow.as_slice() {
        [] => println!("every case answered within {ANSWER_WITHIN:?} wall"),
        names => println!("over {ANSWER_WITHIN:?} wall: {}", names.join(", ")),
    }
    for why in &wrong {
        println!("WRONG {why}");
    }
}

/// The baseline scan, median of [`BASELINE_RUNS`] for each figure.
fn baseline(scratch: &Path) -> Measured {
    let input = testkit::corpus(BASELINE);
    let work = scratch.join("baseline");
    std::fs::create_dir_all(&work).expect("the baseline's work folder");
    let runs: Vec<Measured> = (0..BASELINE_RUNS)
        .map(|_| launch::scan(LAMBDA_AUDIT, &input, &work, cases::HANG_TIMEOUT).measured)
        .collect();
    let median = |mut v: Vec<u128>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    Measured {
        exit: runs[0].exit,
        signal: runs[0].signal,
        hung: runs.iter().any(|r| r.hung),
        peak_kib: median(runs.iter().map(|r| r.peak_kib.into()).collect()) as u64,
        cpu: Duration::from_micros(median(runs.iter().map(|r| r.cpu.as_micros()).collect()) as u64),
        wall: Duration::from_micros(
            median(runs.iter().map(|r| r.wall.as_micros()).collect()) as u64
        ),
    }
}

/// Builds `case` in a folder of its own (removed after), scans it once:
/// the time writing the input took, the scan, and the judgement.
fn run(case: &Case, scratch: &Path) -> (Duration, Scanned, Result<(), String>) {
    let dir = tempfile::tempdir_in(scratch).expect("a case folder");
    let started = Instant::now();
    let input = case.build(dir.path()).expect("the input is written");
    let built_in = started.elapsed();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).expect("the case's work folder");
    let scanned = launch::scan(LAMBDA_AUDIT, &input, &work, case.hang);
    let verdict = case.judge(&input, &scanned);
    (built_in, scanned, verdict)
}

fn ms(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1000.0)
}

fn mb(kib: u64) -> u64 {
    kib * 1024 / 1_000_000
}
