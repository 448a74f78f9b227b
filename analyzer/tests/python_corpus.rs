//! The Python extractors against the real Lambda packages of the corpus
//! (fixtures/corpus, copied from shared/corpus): the PyPI packages found,
//! merged with `inventory::merge`, must equal the ground truth exactly, and
//! every location must be one of the ground truth's evidence files.

use lambda_audit_analyzer::ecosystem::pep503_normalize;
use lambda_audit_analyzer::extract::{self, python::Format};
use lambda_audit_analyzer::inventory::{merge, Sighting};
use lambda_audit_analyzer::{ArchiveTree, Ecosystem, Limits};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn corpus_dir() -> PathBuf {
    testkit::fixture("corpus")
}

/// (normalised name, version) → the evidence paths the ground truth lists.
type Expected = BTreeSet<(String, String, BTreeSet<String>)>;

fn expected_pypi(artifact: &str) -> Expected {
    let path = corpus_dir()
        .join("expected")
        .join(format!("{artifact}.json"));
    let text = std::fs::read_to_string(&path).expect("ground truth");
    let truth: Value = serde_json::from_str(&text).expect("ground truth JSON");
    truth["packages"]
        .as_array()
        .expect("packages array")
        .iter()
        .filter(|p| p["ecosystem"] == "PyPI")
        .map(|p| {
            let name = p["name"].as_str().expect("name");
            assert_eq!(
                p["normalized_name"].as_str(),
                Some(pep503_normalize(name).as_str())
            );
            let evidence = p["evidence"]
                .as_array()
                .expect("evidence")
                .iter()
                .map(|e| e.as_str().expect("evidence path").to_string())
                .collect();
            (
                pep503_normalize(name),
                p["version"].as_str().expect("version").to_string(),
                evidence,
            )
        })
        .collect()
}

fn check(artifact: &str) {
    let tree = ArchiveTree::open_path(&corpus_dir().join(artifact), &Limits::default())
        .expect("corpus artifact opens");
    let scan = extract::scan_tree(&tree, &extract::all());

    let python_file = |path: &str| {
        let inner = path.rsplit_once("!/").map_or(path, |(_, i)| i);
        Format::of_path(inner).is_some()
    };
    let python_warnings: Vec<_> = scan
        .warnings
        .iter()
        .filter(|w| python_file(&w.path))
        .collect();
    assert!(
        python_warnings.is_empty(),
        "{artifact}: {python_warnings:?}"
    );
    let python_skips: Vec<_> = scan
        .skipped
        .iter()
        .filter(|s| python_file(&s.path))
        .collect();
    assert!(python_skips.is_empty(), "{artifact}: {python_skips:?}");

    let sightings = scan
        .packages
        .into_iter()
        .filter(|f| f.ecosystem == Ecosystem::PyPI)
        .map(|f| Sighting::plain(artifact, f))
        .collect();
    let (deps, roots) = merge(sightings);
    assert!(
        roots.is_empty(),
        "{artifact}: no Python roots expected: {roots:?}"
    );

    let got: Expected = deps
        .iter()
        .map(|p| {
            let paths = p.locations.iter().map(|l| l.path.clone()).collect();
            (p.normalized_name(), p.version.clone(), paths)
        })
        .collect();
    assert_eq!(got, expected_pypi(artifact), "{artifact}");
    assert_eq!(
        got.len(),
        deps.len(),
        "{artifact}: one package per name and version"
    );
    for p in &deps {
        for l in &p.locations {
            assert_eq!(l.note, None, "{artifact}: {} at {}", p.name, l.path);
        }
    }
}

#[test]
fn python_function() {
    check("python-function.zip");
}

#[test]
fn python_layer() {
    check("python-layer.zip");
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
fn installed_metadata_gives_spelling_and_install_path() {
    let tree = ArchiveTree::open_path(
        &corpus_dir().join("python-function.zip"),
        &Limits::default(),
    )
    .expect("corpus artifact opens");
    let scan = extract::scan_tree(&tree, &extract::all());
    let (deps, _) = merge(
        scan.packages
            .into_iter()
            .filter(|f| f.ecosystem == Ecosystem::PyPI)
            .map(|f| Sighting::plain("python-function.zip", f))
            .collect(),
    );
    let yaml = deps
        .iter()
        .find(|p| p.normalized_name() == "pyyaml")
        .expect("PyYAML");
    assert_eq!(yaml.name, "PyYAML");
    assert_eq!(yaml.purl, "pkg:pypi/pyyaml@6.0.1");
    let installed: Vec<_> = yaml
        .locations
        .iter()
        .filter_map(|l| l.install_path.as_deref())
        .collect();
    assert_eq!(installed, vec!["PyYAML-6.0.1.dist-info"]);
}
