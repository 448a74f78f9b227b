//! The verdicts on small filesystems built by hand.

use super::tree::tests::FakeTree;
use super::*;
use crate::package::{EvidenceKind, Location};
use crate::Ecosystem;

fn package(ecosystem: Ecosystem, name: &str, install: &str) -> Package {
    Package {
        ecosystem,
        name: name.into(),
        version: "1.0.0".into(),
        purl: format!("pkg:x/{name}@1.0.0"),
        locations: vec![Location {
            artifact: "f.zip".into(),
            path: format!("{install}/package.json"),
            evidence: EvidenceKind::Installed,
            lambda_path: None,
            install_path: Some(install.into()),
            loaded: true,
            reason: None,
            scope: None,
            note: None,
            bundle: None,
        }],
    }
}

fn node_entry() -> Entry {
    Entry {
        handler: "index.handler".into(),
        language: Some(Language::Node),
        node_global_dirs: vec!["/opt/nodejs/node_modules".into()],
        python_path: vec![TASK_ROOT.into()],
    }
}

fn status(report: &ReachabilityReport, name: &str) -> ReachStatus {
    report.packages[&format!("pkg:x/{name}@1.0.0")].status
}

#[test]
fn imported_not_imported_and_chains() {
    let tree = FakeTree::new(&[
        ("/var/task/index.js", "const db = require('./lib/db');"),
        (
            "/var/task/lib/db.js",
            "module.exports = require('mongoose');",
        ),
        (
            "/var/task/node_modules/mongoose/index.js",
            "require('mongodb')",
        ),
        ("/var/task/node_modules/mongodb/index.js", "require('bson')"),
        ("/var/task/node_modules/bson/index.js", ""),
        ("/var/task/node_modules/unused/index.js", ""),
    ]);
    let packages: Vec<Package> = ["mongoose", "mongodb", "bson", "unused"]
        .iter()
        .map(|n| package(Ecosystem::Npm, n, &format!("node_modules/{n}")))
        .collect();
    let report = analyze(&tree, &node_entry(), &packages, &Mounts::new());
    assert_eq!(status(&report, "bson"), ReachStatus::Imported);
    assert_eq!(
        report.packages["pkg:x/bson@1.0.0"].chain,
        ["index.js", "lib/db.js", "mongoose", "mongodb", "bson"]
    );
    assert_eq!(status(&report, "unused"), ReachStatus::NotImported);
}

#[test]
fn a_computed_require_makes_what_it_could_reach_unknown() {
    let tree = FakeTree::new(&[
        ("/var/task/index.js", "require('a')"),
        (
            "/var/task/node_modules/a/index.js",
            "require('./plugins/' + name)",
        ),
        ("/var/task/node_modules/b/index.js", ""),
        ("/var/task/node_modules/a/node_modules/c/index.js", ""),
        ("/var/task/other/node_modules/d/index.js", ""),
    ]);
    let packages = vec![
        package(Ecosystem::Npm, "a", "node_modules/a"),
        package(Ecosystem::Npm, "b", "node_modules/b"),
        package(Ecosystem::Npm, "c", "node_modules/a/node_modules/c"),
        package(Ecosystem::Npm, "d", "other/node_modules/d"),
    ];
    let report = analyze(&tree, &node_entry(), &packages, &Mounts::new());
    assert_eq!(status(&report, "a"), ReachStatus::Imported);
    assert_eq!(status(&report, "b"), ReachStatus::Unknown);
    assert_eq!(status(&report, "c"), ReachStatus::Unknown);
    // Not on any node_modules path the computed require can search.
    assert_eq!(status(&report, "d"), ReachStatus::NotImported);
    assert!(report.packages["pkg:x/b@1.0.0"]
        .reason
        .as_deref()
        .unwrap()
        .contains("node_modules/a/index.js"));
}

#[test]
fn a_missing_handler_makes_everything_unknown() {
    let tree = FakeTree::new(&[("/var/task/node_modules/a/index.js", "")]);
    let packages = vec![package(Ecosystem::Npm, "a", "node_modules/a")];
    let report = analyze(&tree, &node_entry(), &packages, &Mounts::new());
    assert_eq!(status(&report, "a"), ReachStatus::Unknown);
    assert!(report
        .unknown_reason
        .as_deref()
        .unwrap()
        .contains("index.handler"));
}

#[test]
fn python_packages_by_record_and_dynamic_imports() {
    let tree = FakeTree::new(&[
        (
            "/var/task/app.py",
            "import yaml\nfrom requests import get\n",
        ),
        ("/var/task/yaml/__init__.py", ""),
        (
            "/var/task/PyYAML-1.0.0.dist-info/RECORD",
            "yaml/__init__.py,,\n",
        ),
        (
            "/var/task/requests/__init__.py",
            "import importlib\nimportlib.import_module(n)\n",
        ),
        (
            "/var/task/requests-1.0.0.dist-info/RECORD",
            "requests/__init__.py,,\n",
        ),
        ("/var/task/idle/__init__.py", ""),
        (
            "/var/task/idle-1.0.0.dist-info/RECORD",
            "idle/__init__.py,,\n",
        ),
    ]);
    let mut packages = vec![
        package(Ecosystem::PyPI, "PyYAML", "PyYAML-1.0.0.dist-info"),
        package(Ecosystem::PyPI, "requests", "requests-1.0.0.dist-info"),
        package(Ecosystem::PyPI, "idle", "idle-1.0.0.dist-info"),
    ];
    for p in &mut packages {
        p.purl = format!("pkg:x/{}@1.0.0", p.name);
    }
    let entry = Entry {
        handler: "app.lambda_handler".into(),
        language: Some(Language::Python),
        ..node_entry()
    };
    let report = analyze(&tree, &entry, &packages, &Mounts::new());
    assert_eq!(status(&report, "PyYAML"), ReachStatus::Imported);
    assert_eq!(status(&report, "requests"), ReachStatus::Imported);
    // requests imports a computed name: anything on the path may be loaded.
    assert_eq!(status(&report, "idle"), ReachStatus::Unknown);
}
