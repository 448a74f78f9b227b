//! Shared helpers for the end-to-end tests: run the built binary, find fixtures,
//! build small zips in memory.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
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

/// A path under the repository's `fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

/// `../shared`, or None with a loud note when this checkout has none.
pub fn shared(what: &str) -> Option<PathBuf> {
    let path = std::env::var_os("LAMBDA_AUDIT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    if path.join("advisories").is_dir() {
        Some(path)
    } else {
        eprintln!("SKIPPED: {what}: ../shared not found (set LAMBDA_AUDIT_SHARED)");
        None
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
