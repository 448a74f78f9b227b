//! `lambda-audit db update` / `db info` against a loopback HTTP server started
//! here: a good update installs the exports byte for byte; a truncated or
//! invalid download fails with a reason and leaves the old database untouched.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use testkit::aws::{Canned, Scripted};
use testkit::zip_of;

const ECOSYSTEMS: [&str; 4] = ["npm", "PyPI", "crates.io", "Maven"];

/// How the server answers a request for `/<Ecosystem>/all.zip`.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// The whole file.
    Good,
    /// Maven's file is cut in half after announcing its full length.
    Truncated,
    /// Maven's "zip" is not a zip.
    NotZip,
    /// Maven's zip holds JSON that is not OSV records.
    NotOsv,
}

/// Serves `exports` (ecosystem → bytes) at `/<Ecosystem>/all.zip` on
/// 127.0.0.1, Maven's as `mode` says, until dropped.
fn serve(exports: &[(String, Vec<u8>)], mode: Mode) -> Scripted {
    let server = Scripted::start();
    for (eco, bytes) in exports {
        let answer = match (mode, eco.as_str()) {
            (Mode::Truncated, "Maven") => Canned::cut_short(bytes.clone()),
            (Mode::NotZip, "Maven") => Canned::ok(b"<html>this is not a zip</html>".to_vec()),
            (Mode::NotOsv, "Maven") => Canned::ok(zip_of(&[("a.json", br#"{"hello":"world"}"#)])),
            _ => Canned::ok(bytes.clone()),
        };
        server.route(&format!("/{eco}/all.zip"), vec![answer]);
    }
    server
}

fn run(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lambda-audit"))
        .args(args)
        .env("LAMBDA_AUDIT_CACHE_DIR", cache)
        .env_remove("LAMBDA_AUDIT_DB")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .expect("lambda-audit runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file under `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// `<shared>/advisories`, the real OSV exports (`None` after a skip).
fn shared_advisories() -> Option<PathBuf> {
    testkit::shared_path("advisories")
}

/// A small export per ecosystem: one record naming one package.
fn small_exports() -> Vec<(String, Vec<u8>)> {
    ECOSYSTEMS
        .iter()
        .map(|eco| {
            let record = format!(
                r#"{{"id":"TEST-{eco}","modified":"2024-01-01T00:00:00Z","affected":[{{"package":{{"ecosystem":"{eco}","name":"pkg"}},"versions":["1.0.0"]}}]}}"#
            );
            let name = format!("TEST-{eco}.json");
            (eco.to_string(), zip_of(&[(&name, record.as_bytes())]))
        })
        .collect()
}

#[test]
fn update_installs_exports_and_failures_keep_the_old_database() {
    let Some(shared) = shared_advisories() else {
        return;
    };
    let exports: Vec<(String, Vec<u8>)> = ECOSYSTEMS
        .iter()
        .map(|e| {
            (
                e.to_string(),
                std::fs::read(shared.join(e).join("all.zip")).unwrap(),
            )
        })
        .collect();
    let cache = tempfile::tempdir().unwrap();

    let server = serve(&exports, Mode::Good);
    let out = run(cache.path(), &["db", "update", "--url", &server.base]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for line in [
        "npm: 528 records",
        "PyPI: 2663 records",
        "crates.io: 1213 records",
        "Maven: 378 records",
        "4778 records in",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in {stdout}");
    }
    for (eco, bytes) in exports.iter() {
        let installed = std::fs::read(cache.path().join("db").join(eco).join("all.zip")).unwrap();
        assert!(
            installed == *bytes,
            "{eco} export differs from what was served"
        );
    }

    let info = run(cache.path(), &["db", "info"]);
    assert_eq!(info.status.code(), Some(0));
    let info = text(&info.stdout);
    assert!(info.contains("source: cache"), "{info}");
    assert!(info.contains("records: 4778"), "{info}");
    assert!(info.contains("  PyPI: 2663"), "{info}");

    let before = listing(&cache.path().join("db"));
    for mode in [Mode::Truncated, Mode::NotZip] {
        let server = serve(&exports, mode);
        let out = run(cache.path(), &["db", "update", "--url", &server.base]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("/Maven/all.zip"), "{stderr}");
        assert!(stderr.contains("previous database"), "{stderr}");
        assert_eq!(
            listing(&cache.path().join("db")),
            before,
            "no file added or left behind"
        );
        for (eco, bytes) in exports.iter() {
            let kept = std::fs::read(cache.path().join("db").join(eco).join("all.zip")).unwrap();
            assert!(kept == *bytes, "{eco} export changed by a failed update");
        }
    }
    let info = text(&run(cache.path(), &["db", "info"]).stdout);
    assert!(info.contains("records: 4778"), "{info}");
}

#[test]
fn failed_first_update_leaves_no_database_and_info_falls_back_to_embedded() {
    let exports = small_exports();
    let cache = tempfile::tempdir().unwrap();
    let server = serve(&exports, Mode::Truncated);
    let out = run(cache.path(), &["db", "update", "--url", &server.base]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("Maven"), "{}", text(&out.stderr));
    let leftover: Vec<PathBuf> = listing(&cache.path().join("db"));
    assert!(leftover.is_empty(), "left behind: {leftover:?}");
    let info = text(&run(cache.path(), &["db", "info"]).stdout);
    assert!(info.contains("source: embedded"), "{info}");

    let server = serve(&exports, Mode::Good);
    let out = run(cache.path(), &["db", "update", "--url", &server.base]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("4 records in"));
    let info = text(&run(cache.path(), &["db", "info"]).stdout);
    assert!(
        info.contains("source: cache") && info.contains("records: 4"),
        "{info}"
    );

    let server = serve(&exports, Mode::NotOsv);
    let out = run(cache.path(), &["db", "update", "--url", &server.base]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("/Maven/all.zip: the zip holds no valid OSV records"),
        "{stderr}"
    );
    let info = text(&run(cache.path(), &["db", "info"]).stdout);
    assert!(info.contains("records: 4\n"), "{info}");
}

#[test]
fn unreachable_server_is_an_error_with_the_reason() {
    let cache = tempfile::tempdir().unwrap();
    // A port that was free a moment ago: nothing listens there now.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = run(cache.path(), &["db", "update", "--url", &url]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("{url}/npm/all.zip")), "{stderr}");
}
