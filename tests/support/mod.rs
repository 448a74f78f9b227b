//! Shared helpers for the end-to-end tests: run the built binary, build small
//! zips in memory. Fixtures, `../shared` and the skip policy come from `testkit`.
#![allow(dead_code)]

use std::io::Write;
use std::process::Command;

/// What a run of the binary produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
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
    let out = cmd.output().expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A deflated zip holding `files`.
pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}
