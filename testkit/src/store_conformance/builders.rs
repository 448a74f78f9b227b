//! Scan reports about one function and its layer, and the consistency
//! check every backend must pass, shared by the store tests of every backend.

use analyzer::findings::{DatabaseInfo, Finding, Rating, ScanReport, Severity, Status, Summary};
use analyzer::inventory::{ArtifactInfo, ArtifactKind, Inventory};
use analyzer::{Ecosystem, EvidenceKind, Location, Package};
use jiff::Timestamp;
use std::collections::HashMap;
use store::{FindingStatus, FindingStore, Subject, SubjectKind, Transition};

pub const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:orders:1";
pub const LAYER: &str = "arn:aws:lambda:us-east-1:123456789012:layer:deps:3";

pub fn day(n: i64) -> Timestamp {
    store::time::add_days(store::time::parse("2026-01-01").unwrap(), n)
}

pub fn subject(key: &str, layers: &[&str]) -> Subject {
    Subject {
        key: key.into(),
        kind: SubjectKind::of_key(key),
        code_sha256: Some("c29tZQ==".into()),
        layers: layers.iter().map(|l| l.to_string()).collect(),
        exposure: None,
    }
}

pub fn package(artifact: &str, name: &str, version: &str) -> Package {
    Package {
        ecosystem: Ecosystem::Npm,
        name: name.into(),
        version: version.into(),
        purl: analyzer::purl::build(Ecosystem::Npm, name, version),
        locations: vec![Location {
            artifact: artifact.into(),
            path: format!("node_modules/{name}/package.json"),
            evidence: EvidenceKind::Installed,
            lambda_path: None,
            install_path: None,
            loaded: true,
            reason: None,
            scope: None,
            note: None,
            bundle: None,
        }],
    }
}

pub fn finding(p: &Package, advisory: &str, rating: Rating) -> Finding {
    Finding {
        id: advisory.into(),
        aliases: vec![format!("CVE-{advisory}")],
        summary: format!("{advisory} in {}", p.name),
        severity: Severity {
            rating,
            score: None,
            vector: None,
            source: "database_label".into(),
        },
        package: p.into(),
        locations: p.locations.clone(),
        fixed_version: Some("9.9.9".into()),
        references: Vec::new(),
        status: Status::Open,
        suppressed_reason: None,
        loaded: true,
        priority: Default::default(),
    }
}

/// A report about `FUNCTION` (and `LAYER` when a package lives there):
/// packages as (artifact, name, version), findings as (package index, advisory).
pub fn report(packages: &[(&str, &str, &str)], hits: &[(usize, &str)]) -> ScanReport {
    let packages: Vec<Package> = packages.iter().map(|(a, n, v)| package(a, n, v)).collect();
    let findings = hits
        .iter()
        .map(|(i, adv)| finding(&packages[*i], adv, Rating::High))
        .collect();
    let artifact = |name: &str, role| ArtifactInfo {
        name: name.into(),
        role,
        layer_index: (role == ArtifactKind::Layer).then_some(1),
        mount: None,
        size_bytes: 1,
        files: 1,
        jars: Vec::new(),
    };
    ScanReport {
        inventory: Inventory {
            artifacts: vec![
                artifact(FUNCTION, ArtifactKind::Function),
                artifact(LAYER, ArtifactKind::Layer),
            ],
            packages,
            ..Inventory::default()
        },
        database: DatabaseInfo::default(),
        findings,
        unmatched: Vec::new(),
        summary: Summary::default(),
        exposure: None,
    }
}

/// Every finding's history is whole and agrees with the finding: revisions
/// 1..=n, a valid chain of transitions ending in the finding's status, and
/// one outbox event per transition.
pub fn assert_consistent(store: &dyn FindingStore) {
    let events = store.pending_events(usize::MAX).unwrap();
    let mut per_finding: HashMap<&str, usize> = HashMap::new();
    for e in &events {
        *per_finding.entry(e.finding_id.as_str()).or_default() += 1;
    }
    for f in store.findings(&Default::default()).unwrap() {
        let history = store.history(&f.id).unwrap();
        let revisions: Vec<u32> = history.iter().map(|h| h.revision).collect();
        assert_eq!(revisions, (1..=f.revision).collect::<Vec<_>>(), "{}", f.id);
        assert_eq!(history.last().unwrap().status, f.status, "{}", f.id);
        assert_eq!(history[0].transition, Transition::New, "{}", f.id);
        for pair in history.windows(2) {
            let ok = match pair[1].transition {
                Transition::Reopened => pair[0].status == FindingStatus::Closed,
                Transition::Closed => pair[0].status != FindingStatus::Closed,
                Transition::Suppressed => pair[0].status == FindingStatus::Active,
                Transition::Unsuppressed => pair[0].status == FindingStatus::Suppressed,
                Transition::New => false,
            };
            assert!(ok, "{}: {:?} after {:?}", f.id, pair[1], pair[0]);
        }
        assert_eq!(
            per_finding.get(f.id.as_str()).copied().unwrap_or(0),
            history.len(),
            "{}",
            f.id
        );
    }
}
