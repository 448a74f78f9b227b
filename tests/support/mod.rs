//! Shared helpers for the end-to-end tests: run the built binary. Fixtures,
//! `../shared`, the skip policy and small zips ([`zip_of`]) come from `testkit`.
#![allow(dead_code)]

use std::process::{Command, Output};

#[allow(unused_imports)] // Not every test binary builds zips.
pub use testkit::zip_of;

/// What a run of the binary (or of a script) produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Runs `lambda-audit` with `args` and no advisory-database environment unless given.
pub fn lambda_audit(args: &[&str]) -> Run {
    lambda_audit_env(args, &[])
}

/// Runs `lambda-audit` with `args` and extra environment variables.
pub fn lambda_audit_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lambda-audit"));
    cmd.args(args).env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs").into()
}
