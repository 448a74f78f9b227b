//! Import reachability against the runtimes themselves: each fixture's handler
//! is loaded by Node.js or Python (init only, as Lambda does before the first
//! invocation), every file the module loaders load is recorded, and no package
//! the runtime loads may be `not-imported` in lambda-audit's analysis.

use analyzer::reachability::ReachStatus;
use lambda_audit_layers::{Artifact, ArtifactRole, Deployment};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

struct Case {
    fixture: &'static str,
    handler: &'static str,
    runtime: &'static str,
}

const NODE_CASES: [Case; 6] = [
    Case {
        fixture: "node-basic.zip",
        handler: "index.handler",
        runtime: "nodejs20.x",
    },
    Case {
        fixture: "node-nested.zip",
        handler: "index.handler",
        runtime: "nodejs20.x",
    },
    Case {
        fixture: "node-nolock.zip",
        handler: "index.handler",
        runtime: "nodejs20.x",
    },
    Case {
        fixture: "node-scoped.zip",
        handler: "index.handler",
        runtime: "nodejs20.x",
    },
    Case {
        fixture: "nested-zip.zip",
        handler: "index.handler",
        runtime: "nodejs20.x",
    },
    Case {
        fixture: "mixed-node-python.zip",
        handler: "index.handler",
        runtime: "nodejs20.x",
    },
];

const PYTHON_CASES: [Case; 1] = [Case {
    fixture: "python-function.zip",
    handler: "lambda_function.lambda_handler",
    runtime: "python3.12",
}];

/// Our verdict per `name@version` for the fixture.
fn ours(case: &Case) -> BTreeMap<String, ReachStatus> {
    let path = testkit::corpus(case.fixture);
    let limits = analyzer::Limits::default();
    let deployment = Deployment {
        function: Some(Artifact::open(&path, ArtifactRole::Function, &limits).unwrap()),
        layers: Vec::new(),
        runtime: Some(case.runtime.parse().unwrap()),
        handler: Some(case.handler.into()),
    };
    let inventory = deployment.inventory(&analyzer::extract::all());
    let report = &inventory.reachability[0];
    assert!(
        report.unknown_reason.is_none(),
        "{:?}",
        report.unknown_reason
    );
    inventory
        .packages
        .iter()
        .filter_map(|p| {
            let r = report.packages.get(&p.purl)?;
            Some((format!("{}@{}", p.name.to_lowercase(), p.version), r.status))
        })
        .collect()
}

fn unzip(fixture: &str, into: &Path) {
    let status = Command::new("python3")
        .args(["-m", "zipfile", "-e"])
        .arg(testkit::corpus(fixture))
        .arg(into)
        .status()
        .unwrap();
    assert!(status.success());
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Files the runtime loaded, from the loader script's JSON.
fn run_loader(mut command: Command, out: &Path) -> Vec<PathBuf> {
    let status = command.env("OUT", out).status().unwrap();
    assert!(status.success(), "{command:?}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    if let Some(error) = json["error"].as_str() {
        eprintln!("note: the runtime stopped loading: {error}");
    }
    json["loaded"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str().map(PathBuf::from))
        .collect()
}

/// `name@version` of the npm package each loaded file belongs to.
fn npm_packages(root: &Path, loaded: &[PathBuf]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for file in loaded {
        let Ok(rel) = file.strip_prefix(root) else {
            continue;
        };
        let rel = rel.to_string_lossy();
        let Some(at) = rel.rfind("node_modules/") else {
            continue;
        };
        let rest = &rel[at + "node_modules/".len()..];
        let mut parts = rest.split('/');
        let first = parts.next().unwrap();
        let name = if first.starts_with('@') {
            format!("{first}/{}", parts.next().unwrap())
        } else {
            first.to_string()
        };
        let dir = root.join(&rel[..at]).join("node_modules").join(&name);
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("package.json")).unwrap()).unwrap();
        out.insert(format!(
            "{}@{}",
            name.to_lowercase(),
            manifest["version"].as_str().unwrap()
        ));
    }
    out
}

/// `name@version` of the distribution whose RECORD lists each loaded file.
fn python_packages(root: &Path, loaded: &[PathBuf]) -> BTreeSet<String> {
    let mut owner = BTreeMap::new();
    for entry in std::fs::read_dir(root).unwrap().flatten() {
        let dir = entry.file_name().to_string_lossy().to_string();
        let Some(stem) = dir.strip_suffix(".dist-info") else {
            continue;
        };
        let (name, version) = stem.rsplit_once('-').unwrap();
        let Ok(record) = std::fs::read_to_string(entry.path().join("RECORD")) else {
            continue;
        };
        for line in record.lines() {
            let path = line.split(',').next().unwrap();
            owner.insert(
                root.join(path),
                format!("{}@{version}", name.to_lowercase()),
            );
        }
    }
    loaded
        .iter()
        .filter_map(|f| owner.get(f).cloned())
        .collect()
}

fn check(case: &Case, runtime_loaded: BTreeSet<String>) {
    let ours = ours(case);
    let imported: BTreeSet<&String> = ours
        .iter()
        .filter(|(_, s)| **s == ReachStatus::Imported)
        .map(|(p, _)| p)
        .collect();
    let not_imported: Vec<&String> = ours
        .iter()
        .filter(|(_, s)| **s == ReachStatus::NotImported)
        .map(|(p, _)| p)
        .collect();
    eprintln!(
        "{}: runtime loaded {}, ours imported {}, not-imported {}, unknown {}",
        case.fixture,
        runtime_loaded.len(),
        imported.len(),
        not_imported.len(),
        ours.len() - imported.len() - not_imported.len()
    );
    assert!(
        !runtime_loaded.is_empty(),
        "{}: the runtime loaded no package",
        case.fixture
    );
    for package in &runtime_loaded {
        assert_eq!(
            ours.get(package),
            Some(&ReachStatus::Imported),
            "{}: the runtime loads {package}, lambda-audit says {:?}",
            case.fixture,
            ours.get(package)
        );
    }
}

#[test]
fn no_package_node_loads_is_not_imported() {
    if !have("node") {
        testkit::skip("node is not installed");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reachability/load_node.js");
    for case in &NODE_CASES {
        let dir = tempfile::tempdir().unwrap();
        unzip(case.fixture, dir.path());
        let root = dir.path().canonicalize().unwrap();
        let mut command = Command::new("node");
        command.arg(&script).arg(root.join("index.js"));
        if !root.join("index.js").exists() {
            command = Command::new("node");
            command.arg(&script).arg(root.join("index.mjs"));
        }
        let loaded = run_loader(command, &dir.path().join("loaded.json"));
        check(case, npm_packages(&root, &loaded));
    }
}

#[test]
fn no_package_python_loads_is_not_imported() {
    if !have("python3") {
        testkit::skip("python3 is not installed");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reachability/load_python.py");
    for case in &PYTHON_CASES {
        let dir = tempfile::tempdir().unwrap();
        unzip(case.fixture, dir.path());
        let root = dir.path().canonicalize().unwrap();
        let module = case.handler.rsplit_once('.').unwrap().0;
        let mut command = Command::new("python3");
        command.arg(&script).arg(&root).arg(module);
        let loaded = run_loader(command, &dir.path().join("loaded.json"));
        check(case, python_packages(&root, &loaded));
    }
}

/// Findings carry their package's reachability, a combined report keeps it,
/// and `--ignore-unimported` drops only `not-imported` findings from the gate.
#[test]
fn findings_carry_reachability_and_the_gate_can_ignore_unimported() {
    use analyzer::threshold::Gate;
    let case = &NODE_CASES[1]; // node-nested: mkdirp's copy of minimist is not required at init
    let limits = analyzer::Limits::default();
    let deployment = Deployment {
        function: Some(
            Artifact::open(
                &testkit::corpus(case.fixture),
                ArtifactRole::Function,
                &limits,
            )
            .unwrap(),
        ),
        layers: Vec::new(),
        runtime: Some(case.runtime.parse().unwrap()),
        handler: Some(case.handler.into()),
    };
    let inventory = deployment.inventory(&analyzer::extract::all());
    let report =
        analyzer::matching::match_inventory(inventory, &analyzer::advisories::Database::embedded());
    assert!(!report.findings.is_empty());
    for finding in &report.findings {
        let reach = finding
            .priority
            .reachability
            .as_ref()
            .unwrap_or_else(|| panic!("{} has none", finding.id));
        if reach.status == ReachStatus::Imported {
            assert_eq!(
                reach.chain.first().map(String::as_str),
                Some("index.js"),
                "{reach:?}"
            );
            assert_eq!(reach.chain.last(), Some(&finding.package.name), "{reach:?}");
        }
    }
    let json = serde_json::to_value(&report).unwrap();
    assert!(
        json["findings"][0]["reachability"]["status"].is_string(),
        "{}",
        json["findings"][0]
    );

    let all = Gate::default().verdict(&report, None).failing.len();
    let gate = Gate {
        ignore_unimported: true,
        ..Gate::default()
    };
    let counted = gate.verdict(&report, None).failing.len();
    let unimported = report
        .findings
        .iter()
        .filter(|f| {
            f.priority.reachability.as_ref().map(|r| r.status) == Some(ReachStatus::NotImported)
        })
        .count();
    assert_eq!(counted, all - unimported);
}
