use super::*;
use crate::model::{Subject, SubjectKind};
use analyzer::diagnostics::Gap;
use analyzer::findings::{DatabaseInfo, Finding, Rating, ScanReport, Severity, Summary};
use analyzer::inventory::{ArtifactInfo, ArtifactKind, Coverage, Inventory};
use analyzer::suppress::{apply_suppressions, Config};
use analyzer::{Ecosystem, EvidenceKind, Location, Package};

const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:f:1";
const LAYER: &str = "arn:aws:lambda:us-east-1:123456789012:layer:deps:3";

fn at(day: i64) -> Timestamp {
    crate::time::add_days(crate::time::parse("2026-01-01").unwrap(), day)
}

fn location(artifact: &str, name: &str) -> Location {
    Location {
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
    }
}

fn package(artifact: &str, name: &str, version: &str) -> Package {
    Package {
        ecosystem: Ecosystem::Npm,
        name: name.into(),
        version: version.into(),
        purl: analyzer::purl::build(Ecosystem::Npm, name, version),
        locations: vec![location(artifact, name)],
    }
}

fn finding(p: &Package, advisory: &str, rating: Rating) -> Finding {
    Finding {
        id: advisory.into(),
        aliases: vec![format!("CVE-{advisory}")],
        summary: "bad".into(),
        severity: Severity {
            rating,
            score: None,
            vector: None,
            source: "database_label".into(),
        },
        package: p.into(),
        locations: p.locations.clone(),
        fixed_version: None,
        references: Vec::new(),
        status: Status::Open,
        suppressed_reason: None,
        loaded: true,
        priority: Default::default(),
    }
}

/// A scan of FUNCTION (with LAYER when `with_layer`): `packages` as
/// (artifact, name, version), findings as (package index, advisory).
fn scan(with_layer: bool, packages: &[(&str, &str, &str)], hits: &[(usize, &str)]) -> Observation {
    Observation::from_report(subject(with_layer), &report(with_layer, packages, hits))
}

/// The report [`scan`] observes.
fn report(with_layer: bool, packages: &[(&str, &str, &str)], hits: &[(usize, &str)]) -> ScanReport {
    let packages: Vec<Package> = packages.iter().map(|(a, n, v)| package(a, n, v)).collect();
    let findings = hits
        .iter()
        .map(|(i, adv)| finding(&packages[*i], adv, Rating::High))
        .collect();
    let mut artifacts = vec![artifact(FUNCTION, ArtifactKind::Function)];
    if with_layer {
        artifacts.push(artifact(LAYER, ArtifactKind::Layer));
    }
    ScanReport {
        inventory: Inventory {
            artifacts,
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

/// A scan of FUNCTION with LAYER attached whose `gaps` (artifact, path)
/// were not read: only `minimist` 1.2.0 in the function is seen.
fn scan_with_gaps(gaps: &[(&str, &str)]) -> Observation {
    let mut r = report(true, &[(FUNCTION, "minimist", "1.2.0")], &[(0, "GHSA-min")]);
    r.inventory.coverage = gaps
        .iter()
        .map(|(artifact, path)| Coverage {
            artifact: artifact.to_string(),
            incomplete: vec![Gap {
                path: path.to_string(),
                reason: format!("not read: {artifact}"),
            }],
            ..Coverage::default()
        })
        .collect();
    Observation::from_report(subject(true), &r)
}

fn artifact(name: &str, role: ArtifactKind) -> ArtifactInfo {
    ArtifactInfo {
        name: name.into(),
        role,
        layer_index: (role == ArtifactKind::Layer).then_some(1),
        mount: None,
        size_bytes: 1,
        files: 1,
        jars: Vec::new(),
    }
}

fn subject(with_layer: bool) -> Subject {
    Subject {
        key: FUNCTION.into(),
        kind: SubjectKind::Function,
        code_sha256: None,
        layers: if with_layer {
            vec![LAYER.into()]
        } else {
            vec![]
        },
        exposure: None,
    }
}

/// Applies `changes` to `stored` the way a backend does.
fn apply(stored: &mut Vec<StoredFinding>, changes: &[Change]) {
    for c in changes {
        match stored.iter_mut().find(|s| s.id == c.finding.id) {
            Some(s) => *s = c.finding.clone(),
            None => stored.push(c.finding.clone()),
        }
    }
}

fn transitions(
    changes: &[Change],
) -> Vec<(Option<Transition>, FindingStatus, Option<CloseReason>)> {
    changes
        .iter()
        .map(|c| (c.transition, c.finding.status, c.finding.close_reason))
        .collect()
}

#[test]
fn a_new_finding_then_the_same_scan_changes_nothing() {
    let seen = scan(false, &[(FUNCTION, "minimist", "1.2.0")], &[(0, "GHSA-1")]);
    let changes = reconcile(&[], &seen, at(0));
    assert_eq!(
        transitions(&changes),
        [(Some(Transition::New), FindingStatus::Active, None)]
    );
    let f = &changes[0].finding;
    assert_eq!(
        (f.revision, f.first_observed_at, f.layer.as_deref()),
        (1, at(0), None)
    );
    assert_eq!(
        changes[0].history_entry().unwrap().transition,
        Transition::New
    );
    let mut stored = Vec::new();
    apply(&mut stored, &changes);
    assert!(reconcile(&stored, &seen, at(1)).is_empty());
}

#[test]
fn every_close_reason() {
    let before = scan(
        true,
        &[
            (FUNCTION, "a", "1.0.0"),
            (FUNCTION, "b", "1.0.0"),
            (FUNCTION, "c", "1.0.0"),
            (LAYER, "d", "1.0.0"),
        ],
        &[(0, "GHSA-a"), (1, "GHSA-b"), (2, "GHSA-c"), (3, "GHSA-d")],
    );
    let mut stored = Vec::new();
    apply(&mut stored, &reconcile(&[], &before, at(0)));
    assert_eq!(stored[3].layer.as_deref(), Some(LAYER));
    // a upgraded, b removed, c still 1.0.0 but no longer matched, layer gone.
    let after = scan(
        false,
        &[(FUNCTION, "a", "1.0.1"), (FUNCTION, "c", "1.0.0")],
        &[],
    );
    let changes = reconcile(&stored, &after, at(1));
    let reasons: Vec<_> = changes.iter().map(|c| c.finding.close_reason).collect();
    assert_eq!(
        reasons,
        [
            Some(CloseReason::PackageUpgraded),
            Some(CloseReason::PackageRemoved),
            Some(CloseReason::AdvisoryWithdrawn),
            Some(CloseReason::LayerDetached),
        ]
    );
    for c in &changes {
        assert_eq!(c.transition, Some(Transition::Closed));
        assert_eq!((c.finding.closed_at, c.finding.revision), (Some(at(1)), 2));
        assert_eq!(
            c.history_entry().unwrap().reason.as_deref(),
            c.finding.close_reason.map(|r| r.as_str())
        );
    }
    apply(&mut stored, &changes);
    assert!(
        reconcile(&stored, &after, at(2)).is_empty(),
        "closed stays closed"
    );
}

#[test]
fn a_finding_seen_again_reopens_with_the_same_id() {
    let with = scan(false, &[(FUNCTION, "a", "1.0.0")], &[(0, "GHSA-a")]);
    let without = scan(false, &[(FUNCTION, "a", "1.0.0")], &[]);
    let mut stored = Vec::new();
    let mut history = Vec::new();
    for (day, seen) in [(0, &with), (1, &without), (2, &with)] {
        let changes = reconcile(&stored, seen, at(day));
        history.extend(changes.iter().filter_map(Change::history_entry));
        apply(&mut stored, &changes);
    }
    assert_eq!(stored.len(), 1);
    let f = &stored[0];
    assert_eq!(f.id, with.findings[0].id);
    assert_eq!(
        (f.status, f.closed_at, f.close_reason),
        (FindingStatus::Active, None, None)
    );
    assert_eq!(
        (f.first_observed_at, f.updated_at, f.revision),
        (at(0), at(2), 3)
    );
    let kinds: Vec<_> = history.iter().map(|h| (h.revision, h.transition)).collect();
    assert_eq!(
        kinds,
        [
            (1, Transition::New),
            (2, Transition::Closed),
            (3, Transition::Reopened)
        ]
    );
}

#[test]
fn a_suppression_applies_and_lifts_when_its_rule_expires() {
    let config = Config::parse(
        "lambda-audit.toml",
        "[[ignore]]\nid = \"GHSA-a\"\nreason = \"not reachable\"\nuntil = 2026-01-10\n",
    )
    .unwrap();
    let observe = |day: i64| {
        let seen = scan(false, &[(FUNCTION, "a", "1.0.0")], &[(0, "GHSA-a")]);
        // Rebuild the report, apply the rules as of `day`, observe again.
        let mut report = ScanReport {
            inventory: Inventory::default(),
            database: DatabaseInfo::default(),
            findings: seen.findings.iter().map(|o| o.finding.clone()).collect(),
            unmatched: Vec::new(),
            summary: Summary::default(),
            exposure: None,
        };
        apply_suppressions(&mut report, &config, crate::time::date(at(day)));
        Observation::from_report(subject(false), &report)
    };
    let mut stored = Vec::new();
    let first = reconcile(&stored, &observe(0), at(0));
    assert_eq!(
        transitions(&first),
        [(Some(Transition::New), FindingStatus::Suppressed, None)]
    );
    assert_eq!(
        first[0].history_entry().unwrap().reason.as_deref(),
        Some("not reachable")
    );
    apply(&mut stored, &first);
    assert!(
        reconcile(&stored, &observe(9), at(9)).is_empty(),
        "the rule still holds on its last day"
    );
    let expired = reconcile(&stored, &observe(10), at(10));
    assert_eq!(
        transitions(&expired),
        [(Some(Transition::Unsuppressed), FindingStatus::Active, None)]
    );
    apply(&mut stored, &expired);
    // Suppressing an active finding (a rule added later) is a transition too.
    let again = reconcile(&stored, &observe(0), at(11));
    assert_eq!(transitions(&again)[0].0, Some(Transition::Suppressed));
}

#[test]
fn a_new_severity_updates_without_a_transition() {
    let seen = scan(false, &[(FUNCTION, "a", "1.0.0")], &[(0, "GHSA-a")]);
    let mut stored = Vec::new();
    apply(&mut stored, &reconcile(&[], &seen, at(0)));
    let mut rated = seen.clone();
    rated.findings[0].finding.severity.rating = Rating::Critical;
    let changes = reconcile(&stored, &rated, at(1));
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].transition, None);
    assert_eq!(changes[0].finding.revision, 1);
    assert!(changes[0].history_entry().is_none());
}

#[test]
fn deleting_the_subject_closes_what_is_open() {
    let seen = scan(
        false,
        &[(FUNCTION, "a", "1.0.0"), (FUNCTION, "b", "1.0.0")],
        &[(0, "GHSA-a"), (1, "GHSA-b")],
    );
    let mut stored = Vec::new();
    apply(&mut stored, &reconcile(&[], &seen, at(0)));
    let gone = scan(false, &[(FUNCTION, "a", "1.0.0")], &[(0, "GHSA-a")]);
    let changes = reconcile(&stored, &gone, at(1));
    apply(&mut stored, &changes);
    let changes = close_all(&stored, CloseReason::FunctionDeleted, at(2));
    assert_eq!(
        changes.len(),
        1,
        "the finding already closed stays as it was"
    );
    assert_eq!(
        changes[0].finding.close_reason,
        Some(CloseReason::FunctionDeleted)
    );
}

#[test]
fn findings_a_gap_hides_are_kept_as_they_were_not_closed() {
    let full = scan(
        true,
        &[
            (FUNCTION, "minimist", "1.2.0"),
            (LAYER, "handlebars", "4.7.6"),
            (FUNCTION, "lodash", "4.17.0"),
        ],
        &[(0, "GHSA-min"), (1, "GHSA-hb"), (2, "GHSA-lo")],
    );
    let mut stored = Vec::new();
    apply(&mut stored, &reconcile(&[], &full, at(0)));
    // As a backend reads it: an open finding's lastObservedAt is the last scan.
    let hb = |s: &[StoredFinding]| s.iter().find(|f| f.finding.id == "GHSA-hb").cloned();

    // The layer could not be read (deleted): its finding is not closed, nor
    // refreshed; lodash, in the function code that was read, is removed.
    let gap = scan_with_gaps(&[(LAYER, "")]);
    let changes = reconcile(&stored, &gap, at(1));
    assert_eq!(
        transitions(&changes),
        [
            (None, FindingStatus::Active, None),
            (
                Some(Transition::Closed),
                FindingStatus::Closed,
                Some(CloseReason::PackageRemoved)
            ),
        ]
    );
    let kept = &changes[0].finding;
    assert_eq!(kept.finding.id, "GHSA-hb");
    assert_eq!(
        kept.unread.as_deref(),
        Some(format!("not read: {LAYER}").as_str())
    );
    assert_eq!(
        (kept.last_observed_at, kept.updated_at, kept.revision),
        (at(0), at(0), 1)
    );
    assert!(changes[0].history_entry().is_none());
    apply(&mut stored, &changes);
    // Still unread at the next scan: nothing to write.
    assert!(reconcile(&stored, &gap, at(2)).is_empty());

    // Read again: seen, no longer unread, observed now; no transition.
    let back = reconcile(&stored, &full, at(3));
    let seen_again: Vec<_> = back
        .iter()
        .filter(|c| c.finding.finding.id == "GHSA-hb")
        .collect();
    assert_eq!(seen_again.len(), 1);
    assert_eq!(seen_again[0].transition, None);
    assert_eq!(seen_again[0].finding.unread, None);
    assert_eq!(seen_again[0].finding.last_observed_at, at(3));
    apply(&mut stored, &back);
    assert_eq!(hb(&stored).unwrap().status, FindingStatus::Active);
}

#[test]
fn a_gap_inside_an_artifact_hides_only_what_lies_under_its_path() {
    let full = scan(
        true,
        &[
            (FUNCTION, "minimist", "1.2.0"),
            (LAYER, "handlebars", "4.7.6"),
        ],
        &[(0, "GHSA-min"), (1, "GHSA-hb")],
    );
    let stored = reconcile(&[], &full, at(0))
        .into_iter()
        .map(|c| c.finding)
        .collect::<Vec<_>>();
    // A gap elsewhere in the layer does not hide handlebars: it is removed.
    let elsewhere = reconcile(
        &stored,
        &scan_with_gaps(&[(LAYER, "python/big.whl")]),
        at(1),
    );
    assert_eq!(
        transitions(&elsewhere),
        [(
            Some(Transition::Closed),
            FindingStatus::Closed,
            Some(CloseReason::PackageRemoved)
        )]
    );
    // A gap over its directory does.
    let over = reconcile(
        &stored,
        &scan_with_gaps(&[(LAYER, "node_modules/handlebars")]),
        at(1),
    );
    assert_eq!(transitions(&over), [(None, FindingStatus::Active, None)]);
    // A gap in a layer no longer attached hides nothing: detached closes it.
    let mut detached = scan_with_gaps(&[(LAYER, "")]);
    detached.subject.layers.clear();
    assert_eq!(
        transitions(&reconcile(&stored, &detached, at(1))),
        [(
            Some(Transition::Closed),
            FindingStatus::Closed,
            Some(CloseReason::LayerDetached)
        )]
    );
}
