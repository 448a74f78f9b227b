//! The memory ceiling of issue 11: every hostile input family
//! ([`testkit::hostile::cases`], built here) is scanned by the CLI in a fresh
//! process whose peak RSS (`ru_maxrss`, from `wait4`) must stay under 512 MB
//! for any input and under 256 MB for inputs within Lambda's own limits
//! (250 MB unzipped). The outcome must be the legitimate packages, or exit 2
//! with a reason naming the artifact. There is no wall-clock assertion: a
//! generous timeout only kills a hang (`benches/hostile.rs` measures the
//! same cases' times with the release CLI).
//!
//! Each child runs under a 4 GiB address-space limit, so a regression fails
//! the test instead of exhausting the machine (see [`launch`]).

#![cfg(target_os = "linux")]

use testkit::hostile::cases;
use testkit::hostile::launch;

/// Not a check of its own: the launcher [`launch::measure`] runs the CLI from
/// (this binary re-run with [`launch::LAUNCH_ENV`] set).
#[test]
fn launcher() {
    launch::serve();
}

/// Builds the case `name`, scans it with the CLI, and checks the ceiling and
/// the outcome ([`cases::Case::judge`]).
fn run(name: &str) {
    let case = cases::named(name);
    let dir = tempfile::tempdir().expect("scratch folder");
    let input = case.build(dir.path()).expect("the input is written");
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let binary = env!("CARGO_BIN_EXE_lambda-audit");
    let scanned = launch::scan(binary, &input, &work, case.hang);
    eprintln!(
        "{name}: exit {}, peak RSS {} MB (ceiling {} MB)",
        scanned.measured.exit,
        scanned.peak_mb(),
        case.ceiling_mb
    );
    if let Err(wrong) = case.judge(&input, &scanned) {
        panic!("{wrong}");
    }
}

/// One test per group of cases (they run in parallel), and [`RUN`], every
/// case some test runs.
macro_rules! tests {
    ($($test:ident: $($case:literal),+;)*) => {
        $(
            #[test]
            fn $test() {
                $(run($case);)+
            }
        )*
        const RUN: &[&str] = &[$($($case,)+)*];
    };
}

tests! {
    declared_size_lies: "lying-sizes";
    duplicate_and_look_alike_names: "duplicates", "non-utf8", "dot-paths";
    overlapping_entries: "overlap";
    stored_fan_out_with_overlapping_entries: "fanout-89k", "fanout-6k";
    deflated_fan_out_like_42_zip: "fanout-42";
    huge_central_directory: "cd-declared", "cd-hidden";
    cargo_lock_of_a_million_packages_is_refused_at_the_package_limit: "cargo-lock";
    package_lock_of_a_million_packages_is_refused_at_the_package_limit: "package-lock";
    classic_yarn_lock_of_a_million_packages_is_refused_at_the_package_limit: "yarn-classic";
    lockfiles_just_under_the_package_limit_are_read_whole:
        "package-lock-99k", "cargo-lock-99k", "yarn-classic-99k";
    big_cargo_lock_of_long_dependency_lists: "cargo-lock-long";
    big_classic_yarn_lock_of_long_dependency_lists: "yarn-classic-long";
    big_package_lock_of_large_entries: "package-lock-large";
    big_pnpm_lock_of_large_entries: "pnpm-lock-large";
    big_yarn_berry_lock_of_large_entries: "yarn-berry-large";
    big_bun_lock_of_large_entries: "bun-lock-large";
    mutually_including_requirements_files: "requirements";
    bun_lock_key_of_30000_segments: "bun-lock";
    pom_nested_a_million_deep: "pom-xml";
    yaml_flow_sequences_200000_deep: "pnpm-lock", "yarn-lock";
}

#[test]
fn every_case_is_run() {
    let mut all: Vec<&str> = cases::all().iter().map(|c| c.name).collect();
    let mut run = RUN.to_vec();
    all.sort_unstable();
    run.sort_unstable();
    assert_eq!(run, all, "a hostile case no test runs, or run twice");
}
