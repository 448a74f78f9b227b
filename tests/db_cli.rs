//! `lambda-audit db update` / `db info` / `db layer` against a loopback HTTP
//! server started here: a good update installs the exports byte for byte into
//! a new version and points `current` at it; a truncated or invalid download
//! fails with the reason first and the next step, and leaves the old database
//! (its files and what a scan finds) untouched. (The updater's incremental
//! and failure cases in detail: `sources/tests/update.rs`.)

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use testkit::aws::{Canned, Scripted};
use testkit::zip_of;

const ECOSYSTEMS: [&str; 7] = [
    "npm",
    "PyPI",
    "crates.io",
    "Maven",
    "Go",
    "RubyGems",
    "NuGet",
];

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

/// The export of `eco` in the version `current` names.
fn installed(cache: &Path, eco: &str) -> Vec<u8> {
    let db = cache.join("db");
    let name = std::fs::read_to_string(db.join("current")).expect("a current pointer");
    std::fs::read(
        db.join("versions")
            .join(name.trim())
            .join(eco)
            .join("all.zip"),
    )
    .unwrap()
}

/// The findings (id, package) of a JSON scan of the `node-basic` fixture.
fn scan_findings(cache: &Path) -> Vec<(String, String)> {
    let fixture = testkit::corpus("node-basic.zip");
    let out = run(
        cache,
        &["scan", fixture.to_str().unwrap(), "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].to_string(), f["package"]["purl"].to_string()))
        .collect();
    found.sort();
    found
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
    // `../shared` has no NuGet export: a small one stands in for it.
    let small = small_exports();
    let exports: Vec<(String, Vec<u8>)> = ECOSYSTEMS
        .iter()
        .zip(small)
        .map(
            |(e, small)| match std::fs::read(shared.join(e).join("all.zip")) {
                Ok(bytes) => (e.to_string(), bytes),
                Err(_) if *e == "NuGet" => small,
                Err(err) => panic!("{e}: {err}"),
            },
        )
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
        "Go: 4291 records",
        "RubyGems: 1234 records",
        "NuGet: 1 records",
        "10304 records in",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in {stdout}");
    }
    for (eco, bytes) in exports.iter() {
        assert!(
            installed(cache.path(), eco) == *bytes,
            "{eco} export differs from what was served"
        );
    }
    let findings = scan_findings(cache.path());
    assert!(
        findings.len() > 5,
        "the shared database finds more: {findings:?}"
    );

    let info = run(cache.path(), &["db", "info"]);
    assert_eq!(info.status.code(), Some(0));
    let info = text(&info.stdout);
    assert!(info.contains("source: cache"), "{info}");
    assert!(info.contains("records: 10304"), "{info}");
    assert!(info.contains("  PyPI: 2663"), "{info}");

    let before = listing(&cache.path().join("db"));
    for mode in [Mode::Truncated, Mode::NotZip] {
        let server = serve(&exports, mode);
        let out = run(cache.path(), &["db", "update", "--url", &server.base]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = text(&out.stderr);
        assert!(stderr.contains("/Maven/all.zip"), "{stderr}");
        assert!(
            stderr.contains("the previous database is still in use"),
            "{stderr}"
        );
        assert!(stderr.contains("\n  next: "), "a next step: {stderr}");
        assert_eq!(
            listing(&cache.path().join("db")),
            before,
            "no file added or left behind"
        );
        for (eco, bytes) in exports.iter() {
            assert!(
                installed(cache.path(), eco) == *bytes,
                "{eco} export changed by a failed update"
            );
        }
        assert_eq!(
            scan_findings(cache.path()),
            findings,
            "a scan finds the same"
        );
    }
    let info = text(&run(cache.path(), &["db", "info"]).stdout);
    assert!(info.contains("records: 10304"), "{info}");
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
    assert!(
        text(&out.stderr).contains("no database was installed"),
        "{}",
        text(&out.stderr)
    );
    let info = text(&run(cache.path(), &["db", "info"]).stdout);
    assert!(info.contains("source: embedded"), "{info}");

    let server = serve(&exports, Mode::Good);
    let out = run(cache.path(), &["db", "update", "--url", &server.base]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("7 records in"));
    assert!(
        text(&out.stdout).contains("npm: 1 records (whole export, "),
        "{}",
        text(&out.stdout)
    );
    let info = text(&run(cache.path(), &["db", "info"]).stdout);
    assert!(
        info.contains("source: cache") && info.contains("records: 7"),
        "{info}"
    );

    let server = serve(&exports, Mode::NotOsv);
    let out = run(cache.path(), &["db", "update", "--url", &server.base]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("\nlambda-audit: error: the zip holds no valid OSV records"),
        "the cause first: {stderr}"
    );
    assert!(
        stderr.contains("/Maven/all.zip is not an OSV export"),
        "{stderr}"
    );
    let info = text(&run(cache.path(), &["db", "info"]).stdout);
    assert!(info.contains("records: 7\n"), "{info}");
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

#[test]
fn ecosystems_are_chosen_by_name_and_unknown_ones_are_refused() {
    let exports = small_exports();
    let cache = tempfile::tempdir().unwrap();
    let server = serve(&exports, Mode::Good);
    let out = run(
        cache.path(),
        &[
            "db",
            "update",
            "--url",
            &server.base,
            "--ecosystem",
            "swift",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "unknown ecosystem `swift`: use npm, PyPI, crates.io, Maven, Go, RubyGems, NuGet"
        ),
        "{stderr}"
    );
    let out = run(
        cache.path(),
        &[
            "db",
            "update",
            "--url",
            &server.base,
            "--ecosystem",
            "npm,pypi",
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("npm: 1 records") && stdout.contains("PyPI: 1 records"),
        "{stdout}"
    );
    assert!(!stdout.contains("Maven"), "{stdout}");
    assert_eq!(server.hits("/Maven/all.zip"), 0);
    let info = text(&run(cache.path(), &["db", "info"]).stdout);
    assert!(info.contains("records: 2\n"), "{info}");
}

#[test]
fn a_database_layer_holds_one_compiled_index() {
    let exports = small_exports();
    let cache = tempfile::tempdir().unwrap();
    let server = serve(&exports, Mode::Good);
    let out = run(cache.path(), &["db", "update", "--url", &server.base]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let layer = cache.path().join("layer.zip");
    let out = run(
        cache.path(),
        &["db", "layer", "--output", layer.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("7 records compiled into lambda-audit/db"),
        "{}",
        text(&out.stdout)
    );
    let zip = zip::ZipArchive::new(std::fs::File::open(&layer).unwrap()).unwrap();
    let names: Vec<&str> = zip.file_names().collect();
    assert_eq!(names, vec!["lambda-audit/db"]);

    let empty = tempfile::tempdir().unwrap();
    let out = run(empty.path(), &["db", "layer", "--output", "x.zip"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("run `lambda-audit db update` first"));
}

/// What the trigger does at a cold start with the layer: open the index file
/// at `/opt/lambda-audit/db` (here, extracted elsewhere) without the records.
#[test]
fn a_database_layer_opens_without_its_records() {
    let exports = small_exports();
    let cache = tempfile::tempdir().unwrap();
    let server = serve(&exports, Mode::Good);
    assert_eq!(
        run(cache.path(), &["db", "update", "--url", &server.base])
            .status
            .code(),
        Some(0)
    );
    let layer = cache.path().join("layer.zip");
    let out = run(
        cache.path(),
        &["db", "layer", "--output", layer.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&layer).unwrap()).unwrap();
    let opt = tempfile::tempdir().unwrap();
    zip.extract(opt.path()).unwrap();
    std::fs::remove_dir_all(cache.path().join("db")).unwrap();
    let db = opt.path().join("lambda-audit/db");
    let info = run(cache.path(), &["db", "info", "--db", db.to_str().unwrap()]);
    assert_eq!(info.status.code(), Some(0), "{}", text(&info.stderr));
    assert!(
        text(&info.stdout).contains("records: 7\n"),
        "{}",
        text(&info.stdout)
    );
}

#[test]
fn update_then_rescan_rematches_the_store_against_the_new_database() {
    let cache = tempfile::tempdir().unwrap();
    let store = cache.path().join("store.db");
    let store_arg = store.to_str().unwrap();
    let function = testkit::fixture("corpus/node-basic.zip");
    // Findings recorded with the starter set (the cache holds no database yet).
    let out = run(
        cache.path(),
        &[
            "scan",
            function.to_str().unwrap(),
            "--store",
            store_arg,
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // The new database names none of them: the rescan closes them all.
    let server = serve(&small_exports(), Mode::Good);
    let out = run(
        cache.path(),
        &[
            "db",
            "update",
            "--url",
            &server.base,
            "--quiet",
            "--rescan",
            "--store",
            store_arg,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(
        cache.path(),
        &["findings", "--store", store_arg, "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: std::collections::BTreeSet<&str> = list["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["CLOSED"].into(), "{list}");
}
