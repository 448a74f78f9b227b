//! The findings store end to end: `scan --store` twice with an upgraded
//! package closes its finding; `rescan` against a database with one more
//! advisory finds it without the code; `findings` prints the JSON contract and
//! the per-layer blast radius.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::{lambda_audit_env, zip_of, Run};

/// A scratch folder: the function, the layer, the databases, the store.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// Runs lambda-audit in the scratch folder with its own cache and store.
    fn run(&self, args: &[&str]) -> Run {
        let cache = self.arg("cache");
        let store = self.arg("store.db");
        let mut all: Vec<&str> = args.to_vec();
        if !matches!(args.first(), Some(&"scan")) {
            all.extend(["--store", &store]);
        }
        lambda_audit_env(
            &all,
            &[
                ("LAMBDA_AUDIT_DB", ""),
                ("LAMBDA_AUDIT_CACHE_DIR", &cache),
                ("LAMBDA_AUDIT_STORE", ""),
            ],
        )
    }

    /// `scan` with `--store`, `--db`, JSON out.
    fn scan(&self, db: &str, extra: &[&str]) -> Run {
        let (store, db) = (self.arg("store.db"), self.arg(db));
        let function = self.arg("function.zip");
        let mut args = vec![
            "scan", &function, "--db", &db, "--store", &store, "--format", "json",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn json(&self, args: &[&str]) -> Value {
        let run = self.run(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
    }
}

fn package_json(name: &str, version: &str) -> Vec<u8> {
    format!(r#"{{"name": "{name}", "version": "{version}"}}"#).into_bytes()
}

/// The function: a Node.js package with `minimist` at `version`.
fn write_function(s: &Scratch, version: &str) {
    let zip = zip_of(&[
        ("index.js", b"exports.handler = async () => 1;\n"),
        ("package.json", &package_json("orders", "1.0.0")),
        (
            "node_modules/minimist/package.json",
            &package_json("minimist", version),
        ),
    ]);
    std::fs::write(s.path("function.zip"), zip).unwrap();
}

/// The layer: `handlebars` 4.7.6 in /opt/nodejs/node_modules.
fn write_layer(s: &Scratch) {
    let zip = zip_of(&[(
        "nodejs/node_modules/handlebars/package.json",
        &package_json("handlebars", "4.7.6"),
    )]);
    std::fs::write(s.path("layer.zip"), zip).unwrap();
}

/// An OSV record: `package` (npm) affected before `fixed`.
fn osv(id: &str, package: &str, fixed: &str) -> String {
    serde_json::json!({
        "schema_version": "1.6.0",
        "id": id,
        "modified": "2026-11-01T00:00:00Z",
        "summary": format!("test advisory for {package}"),
        "affected": [{
            "package": {"ecosystem": "npm", "name": package},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": fixed}]}]
        }],
        "database_specific": {"severity": "HIGH"}
    })
    .to_string()
}

/// A database folder of OSV JSON records.
fn write_db(s: &Scratch, name: &str, records: &[(&str, &str, &str)]) {
    let dir = s.path(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (id, package, fixed) in records {
        std::fs::write(dir.join(format!("{id}.json")), osv(id, package, fixed)).unwrap();
    }
}

const MINIMIST: (&str, &str, &str) = ("TEST-MINIMIST", "minimist", "1.2.6");
const HANDLEBARS: (&str, &str, &str) = ("TEST-HANDLEBARS", "handlebars", "4.7.7");

/// The keys of `findings --format json`, exactly.
const CONTRACT: [&str; 13] = [
    "advisory",
    "aliases",
    "closeReason",
    "closedAt",
    "firstObservedAt",
    "id",
    "lastObservedAt",
    "layer",
    "package",
    "severity",
    "status",
    "subject",
    "updatedAt",
];

fn findings(list: &Value) -> &Vec<Value> {
    list["findings"].as_array().expect("a findings array")
}

#[test]
fn scanning_an_upgraded_package_closes_its_finding() {
    let s = Scratch::new();
    write_db(&s, "db", &[MINIMIST]);
    write_function(&s, "1.2.0");
    assert_eq!(s.scan("db", &[]).code, 1);
    let before = s.json(&["findings", "--format", "json"]);
    assert_eq!(findings(&before).len(), 1);
    let f = &findings(&before)[0];
    assert_eq!(
        (f["status"].as_str(), f["advisory"].as_str()),
        (Some("ACTIVE"), Some("TEST-MINIMIST"))
    );
    let subject = s.path("function.zip").display().to_string();
    assert_eq!(f["subject"], subject.as_str());

    write_function(&s, "1.2.6");
    let run = s.scan("db", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("0 new, 0 reopened, 1 closed"),
        "{}",
        run.stderr
    );
    let after = s.json(&["findings", "--format", "json"]);
    let f = &findings(&after)[0];
    assert_eq!(f["id"], findings(&before)[0]["id"], "same finding");
    assert_eq!(f["status"], "CLOSED");
    assert_eq!(f["closeReason"], "package_upgraded");
    assert!(f["closedAt"].is_string());

    // Back to the vulnerable version: the same finding reopens.
    write_function(&s, "1.2.0");
    assert_eq!(s.scan("db", &[]).code, 1);
    let again = s.json(&["findings", "--status", "active", "--format", "json"]);
    assert_eq!(findings(&again)[0]["id"], f["id"]);
    assert_eq!(findings(&again)[0]["closedAt"], Value::Null);
}

#[test]
fn findings_json_is_the_contract() {
    let s = Scratch::new();
    write_db(&s, "db", &[MINIMIST]);
    write_function(&s, "1.2.0");
    assert_eq!(s.scan("db", &[]).code, 1);
    let list = s.json(&["findings", "--format", "json"]);
    assert_eq!(
        list.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["findings"]
    );
    let f = findings(&list)[0].as_object().unwrap();
    let mut keys: Vec<&str> = f.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, CONTRACT);
    let mut package: Vec<&str> = f["package"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    package.sort();
    assert_eq!(package, ["ecosystem", "name", "purl", "version"]);
    assert_eq!(f["package"]["purl"], "pkg:npm/minimist@1.2.0");
    assert_eq!(f["severity"]["rating"], "high");
    assert_eq!(f["layer"], Value::Null);
    for at in ["firstObservedAt", "lastObservedAt", "updatedAt"] {
        let text = f[at].as_str().unwrap();
        assert!(text.len() == 20 && text.ends_with('Z'), "{at}: {text}");
    }
    // Filters and the other formats.
    let none = s.json(&["findings", "--status", "CLOSED", "--format", "json"]);
    assert!(findings(&none).is_empty());
    let csv = s.run(&["findings", "--format", "csv"]);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", csv.stdout);
    assert!(lines[0].starts_with("id,subject,advisory,aliases,ecosystem,name,version,purl,status"));
    assert!(
        lines[1].contains(",TEST-MINIMIST,") && lines[1].contains(",ACTIVE,"),
        "{}",
        lines[1]
    );
    let sarif = s.json(&["findings", "--format", "sarif"]);
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 1);
    let bad = s.run(&["findings", "--status", "open"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("ACTIVE, SUPPRESSED, CLOSED"),
        "{}",
        bad.stderr
    );
}

#[test]
fn rescan_finds_a_new_advisory_without_the_code() {
    let s = Scratch::new();
    write_db(&s, "db1", &[MINIMIST]);
    write_db(&s, "db2", &[MINIMIST, HANDLEBARS]);
    write_function(&s, "1.2.0");
    write_layer(&s);
    let layer = s.arg("layer.zip");
    assert_eq!(s.scan("db1", &["--layer", &layer]).code, 1);
    // The code is gone: the rescan works from the stored inventory.
    std::fs::remove_file(s.path("function.zip")).unwrap();
    std::fs::remove_file(s.path("layer.zip")).unwrap();
    let db2 = s.arg("db2");
    let run = s.run(&["rescan", "--db", &db2, "--format", "json"]);
    assert_eq!(run.code, 1, "a new ACTIVE finding fails: {}", run.stderr);
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    let new = out["new"].as_array().unwrap();
    assert_eq!(new.len(), 1, "{out:#}");
    assert_eq!(new[0]["advisory"], "TEST-HANDLEBARS");
    assert_eq!(new[0]["status"], "ACTIVE");
    assert_eq!(new[0]["layer"], layer.as_str());
    assert!(out["reopened"].as_array().unwrap().is_empty());
    assert!(out["closed"].as_array().unwrap().is_empty());
    assert_eq!(out["summary"]["subjects"], 1);
    assert_eq!(out["summary"]["active"], 2);
    assert_eq!(out["database"]["records"], 2);
    // Nothing changed since: nothing new, exit 0; `--fail-on critical` too.
    let again = s.run(&["rescan", "--db", &db2, "--format", "json"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    let out: Value = serde_json::from_str(&again.stdout).unwrap();
    assert!(out["new"].as_array().unwrap().is_empty());
    // The advisory withdrawn from the database: closed with that reason.
    let db1 = s.arg("db1");
    let back = s.run(&["rescan", "--db", &db1, "--format", "json"]);
    let out: Value = serde_json::from_str(&back.stdout).unwrap();
    let closed = out["closed"].as_array().unwrap();
    assert_eq!(closed.len(), 1, "{out:#}");
    assert_eq!(closed[0]["closeReason"], "advisory_withdrawn");
}

#[test]
fn by_layer_shows_the_blast_radius() {
    let s = Scratch::new();
    write_db(&s, "db", &[MINIMIST, HANDLEBARS]);
    write_function(&s, "1.2.0");
    write_layer(&s);
    let layer = s.arg("layer.zip");
    assert_eq!(s.scan("db", &["--layer", &layer]).code, 1);
    let out = s.json(&["findings", "--by-layer", "--format", "json"]);
    let layers = out["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 1, "{out:#}");
    let l = &layers[0];
    assert_eq!(l["layer"], layer.as_str());
    assert_eq!(l["functions"], serde_json::json!([s.arg("function.zip")]));
    let advisories: Vec<&str> = l["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["advisory"].as_str().unwrap())
        .collect();
    assert_eq!(advisories, ["TEST-HANDLEBARS"]);
    assert_eq!(
        l["closes"],
        serde_json::json!({"findings": 1, "functions": 1})
    );
    let table = s.run(&["findings", "--by-layer", "--format", "table"]);
    assert!(
        table
            .stdout
            .contains("1 layer bump closes 1 finding across 1 function"),
        "{}",
        table.stdout
    );
    // --layer filters findings by where the package comes from.
    let from_layer = s.json(&["findings", "--layer", &layer, "--format", "json"]);
    assert_eq!(findings(&from_layer).len(), 1);
}

#[test]
fn the_store_defaults_to_the_user_data_folder() {
    let s = Scratch::new();
    let data = s.arg("data");
    let run = lambda_audit_env(
        &["findings", "--format", "json"],
        &[("LAMBDA_AUDIT_STORE", ""), ("XDG_DATA_HOME", &data)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(Path::new(&data).join("lambda-audit/store.db").is_file());
    let named = s.arg("named.db");
    let run = lambda_audit_env(&["findings"], &[("LAMBDA_AUDIT_STORE", &named)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(Path::new(&named).is_file());
}
