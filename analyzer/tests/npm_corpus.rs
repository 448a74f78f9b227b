//! The npm extractors against real Lambda packages from the corpus (copied into
//! `fixtures/corpus/` with their ground truth): every installed npm package,
//! with every file that supports it, and the function's root package.

use lambda_audit_analyzer::extract::{self, npm::NpmExtractor, Extractor};
use lambda_audit_analyzer::{ArchiveTree, Ecosystem, EvidenceKind, Found, Limits, Role};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn corpus_dir() -> PathBuf {
    testkit::fixture("corpus")
}

fn open(artifact: &str) -> ArchiveTree {
    ArchiveTree::open_path(&corpus_dir().join(artifact), &Limits::default())
        .unwrap_or_else(|e| panic!("{artifact}: {e}"))
}

fn expected(artifact: &str) -> Value {
    let path = corpus_dir()
        .join("expected")
        .join(format!("{artifact}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap()
}

type Triple = (String, String, String);

/// (ecosystem, name, version) of the ground truth's npm entries under `key`.
fn expected_npm(truth: &Value, key: &str) -> BTreeSet<Triple> {
    truth[key]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["ecosystem"] == "npm")
        .map(|p| {
            (
                "npm".to_string(),
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn triples<'a>(found: impl Iterator<Item = &'a Found>) -> BTreeSet<Triple> {
    found
        .map(|f| (f.ecosystem.to_string(), f.name.clone(), f.version.clone()))
        .collect()
}

/// Scans one artifact with every extractor and checks the npm packages and
/// roots against the ground truth; then checks, with the npm extractor alone,
/// that each installed instance is supported by exactly the expected files
/// and that nothing was skipped or warned about.
fn check(artifact: &str) {
    let tree = open(artifact);
    let truth = expected(artifact);

    let scan = extract::scan_tree(&tree, &extract::all());
    let npm = |role: Role| {
        scan.packages
            .iter()
            .filter(move |f| f.ecosystem == Ecosystem::Npm && f.role == role)
    };
    assert_eq!(
        triples(npm(Role::Dependency)),
        expected_npm(&truth, "packages"),
        "{artifact}: npm dependencies"
    );
    assert_eq!(
        triples(npm(Role::Root)),
        expected_npm(&truth, "roots"),
        "{artifact}: npm roots"
    );

    let only_npm: Vec<Box<dyn Extractor>> = vec![Box::new(NpmExtractor::default())];
    let scan = extract::scan_tree(&tree, &only_npm);
    assert_eq!(scan.warnings, vec![], "{artifact}: warnings");
    assert_eq!(scan.skipped, vec![], "{artifact}: skipped");
    for entry in truth["packages"].as_array().unwrap() {
        if entry["ecosystem"] != "npm" {
            continue;
        }
        let (name, version) = (
            entry["name"].as_str().unwrap(),
            entry["version"].as_str().unwrap(),
        );
        let manifest = entry["path"].as_str().unwrap();
        let install = manifest.strip_suffix("/package.json").unwrap();
        let supporting: BTreeSet<&str> = scan
            .packages
            .iter()
            .filter(|f| {
                f.name == name && f.version == version && f.install_path.as_deref() == Some(install)
            })
            .map(|f| f.path.as_str())
            .collect();
        let evidence: BTreeSet<&str> = entry["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap())
            .collect();
        assert_eq!(
            supporting, evidence,
            "{artifact}: {name}@{version} at {install}"
        );
        let installed: Vec<&Found> = scan
            .packages
            .iter()
            .filter(|f| f.path == manifest)
            .collect();
        assert_eq!(installed.len(), 1, "{artifact}: {manifest}");
        assert_eq!(installed[0].evidence, EvidenceKind::Installed);
    }
    assert!(
        scan.packages.iter().all(|f| f.note.is_none()),
        "{artifact}: every locked package is installed"
    );
}

#[test]
fn node_basic() {
    check("node-basic.zip");
}

#[test]
fn node_nolock() {
    check("node-nolock.zip");
}

#[test]
fn node_nested() {
    check("node-nested.zip");
}

#[test]
fn node_scoped() {
    check("node-scoped.zip");
}

#[test]
fn node_layer() {
    check("node-layer.zip");
}

#[test]
fn mixed_node_python() {
    check("mixed-node-python.zip");
}

#[test]
fn nested_zip() {
    check("nested-zip.zip");
}

#[test]
fn nested_versions_keep_their_own_install_paths() {
    let tree = open("node-nested.zip");
    let only_npm: Vec<Box<dyn Extractor>> = vec![Box::new(NpmExtractor::default())];
    let scan = extract::scan_tree(&tree, &only_npm);
    let ms: BTreeSet<(&str, &str, &str)> = scan
        .packages
        .iter()
        .filter(|f| f.name == "ms")
        .map(|f| {
            (
                f.version.as_str(),
                f.install_path.as_deref().unwrap(),
                f.path.as_str(),
            )
        })
        .collect();
    let want: BTreeSet<(&str, &str, &str)> = [
        (
            "2.0.0",
            "node_modules/debug/node_modules/ms",
            "node_modules/debug/node_modules/ms/package.json",
        ),
        (
            "2.0.0",
            "node_modules/debug/node_modules/ms",
            "package-lock.json",
        ),
        (
            "2.0.0",
            "node_modules/debug/node_modules/ms",
            "node_modules/.package-lock.json",
        ),
        ("2.1.2", "node_modules/ms", "node_modules/ms/package.json"),
        ("2.1.2", "node_modules/ms", "package-lock.json"),
        (
            "2.1.2",
            "node_modules/ms",
            "node_modules/.package-lock.json",
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(ms, want);
}

/// Python, Java and Rust packages hold no npm evidence: the npm extractor must
/// report nothing for them (no packages, notes or warnings).
#[test]
fn other_ecosystems_give_no_npm_noise() {
    let Some(built) = testkit::shared_path("corpus/out") else {
        return;
    };
    let only_npm: Vec<Box<dyn Extractor>> = vec![Box::new(NpmExtractor::default())];
    for artifact in [
        "python-function.zip",
        "python-layer.zip",
        "java-function.zip",
        "java-shaded.jar",
        "java-bootjar.jar",
        "java-layer.zip",
        "rust-bootstrap.zip",
        "rust-bootstrap-lock.zip",
    ] {
        let path = built.join(artifact);
        let tree = ArchiveTree::open_path(&path, &Limits::default())
            .unwrap_or_else(|e| panic!("{artifact}: {e}"));
        let scan = extract::scan_tree(&tree, &only_npm);
        assert_eq!(scan.packages, vec![], "{artifact}");
        assert_eq!(scan.skipped, vec![], "{artifact}");
        assert_eq!(scan.warnings, tree.warnings, "{artifact}");
        assert!(scan.read.is_empty(), "{artifact}");
    }
}
