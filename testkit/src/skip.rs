//! The skip policy: how a test that cannot run its check (missing `../shared`, schemas, moto,
//! cfn-lint, a reference implementation) says so. Never silently:
//!
//! - with `LAMBDA_AUDIT_REQUIRE_SHARED=1` (`scripts/test.sh` sets it when `../shared` exists) the
//!   skip fails the test, naming what was missing;
//! - otherwise a `SKIPPED <test>: <why>` line goes to the terminal, past the test harness's output
//!   capture, and is appended to the file `LAMBDA_AUDIT_SKIP_LOG` names, which `scripts/test.sh`
//!   sums up at the end of the run.

use std::fmt::Display;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;

/// Set to `1`, every skip fails its test.
pub const REQUIRE_ENV: &str = "LAMBDA_AUDIT_REQUIRE_SHARED";
/// A file every skip appends its line to.
pub const SKIP_LOG_ENV: &str = "LAMBDA_AUDIT_SKIP_LOG";

/// Whether a skip fails the test (`LAMBDA_AUDIT_REQUIRE_SHARED=1`).
fn skips_fail() -> bool {
    std::env::var(REQUIRE_ENV).as_deref() == Ok("1")
}

/// Reports that the running test cannot run its check (or part of it) because `why`; the caller
/// then returns, or carries on with what it can check. Panics instead when
/// `LAMBDA_AUDIT_REQUIRE_SHARED=1`. The test is named after its thread, as the test harness
/// names it.
pub fn skip(why: impl Display) {
    Policy::from_env().skip(&current_test(), &why.to_string());
}

/// The name the test harness gave the running test's thread.
pub(crate) fn current_test() -> String {
    std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_string()
}

/// What a skip does, read once from the environment.
struct Policy {
    fail: bool,
    /// Write the line to the terminal (off in this module's own tests).
    announce: bool,
    log: Option<PathBuf>,
}

impl Policy {
    fn from_env() -> Policy {
        Policy {
            fail: skips_fail(),
            announce: true,
            log: std::env::var_os(SKIP_LOG_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
        }
    }

    fn skip(&self, test: &str, why: &str) {
        if self.fail {
            panic!("{test}: cannot run its check: {why} ({REQUIRE_ENV}=1: no test may skip)");
        }
        let line = format!("SKIPPED {test}: {why}\n");
        if self.announce {
            announce(&line);
        }
        if let Some(log) = &self.log {
            // One write of a short line to a file opened for appending: lines of tests running
            // in parallel (threads and processes) do not interleave.
            let appended = OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .and_then(|mut f| f.write_all(line.as_bytes()));
            if let Err(e) = appended {
                panic!(
                    "{test}: cannot record a skip in {SKIP_LOG_ENV}={}: {e}",
                    log.display()
                );
            }
        }
    }
}

/// Writes `line` to the controlling terminal, else to the process's standard error. Both bypass
/// the test harness, which captures only the `print!` / `eprint!` macros.
fn announce(line: &str) {
    let written = OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .and_then(|mut tty| tty.write_all(line.as_bytes()));
    if written.is_err() {
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skip_is_logged_with_the_test_and_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("skips.log");
        let policy = Policy {
            fail: false,
            announce: false,
            log: Some(log.clone()),
        };
        policy.skip("a::test", "no data");
        policy.skip("b::test", "no tool");
        assert_eq!(
            std::fs::read_to_string(log).unwrap(),
            "SKIPPED a::test: no data\nSKIPPED b::test: no tool\n"
        );
    }

    #[test]
    #[should_panic(expected = "a::test: cannot run its check: no data")]
    fn a_required_run_fails_instead_of_skipping() {
        let policy = Policy {
            fail: true,
            announce: false,
            log: None,
        };
        policy.skip("a::test", "no data");
    }

    #[test]
    fn the_test_is_named_after_its_thread() {
        assert_eq!(
            current_test(),
            "skip::tests::the_test_is_named_after_its_thread"
        );
    }
}
