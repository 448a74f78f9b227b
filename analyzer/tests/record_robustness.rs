//! No record can crash a scan: crafted and generated (proptest) OSV records,
//! whatever their versions and events, give a report, never a panic.

mod common;

use common::scan_records as scan;
use lambda_audit_analyzer::Ecosystem;
use proptest::prelude::*;
use serde_json::{json, Value};

/// Versions that Maven's non-transitive order cycles over (`-alpha < 0 < abc <
/// -alpha`), and their neighbours.
const ODD_MAVEN: &[&str] = &[
    "-alpha", "0.0", "abc", "-beta", "00", "xyz", "1", "1-alpha", "-1", "a1", "0-", "-", ".", "sp",
    "-sp", "1.0.0",
];

/// A record naming `pkg` of `eco`, with one range per `(type, events)` and the
/// listed `versions`.
fn record(id: &str, eco: Ecosystem, ranges: &[(&str, Vec<Value>)], versions: &[String]) -> Value {
    let ranges: Vec<Value> = ranges
        .iter()
        .map(|(kind, events)| json!({"type": kind, "events": events}))
        .collect();
    json!({
        "id": id,
        "modified": "2024-01-01T00:00:00Z",
        "affected": [{
            "package": {"ecosystem": eco.as_str(), "name": "pkg"},
            "ranges": ranges,
            "versions": versions,
        }],
    })
}

#[test]
fn unpaired_maven_events_over_cyclic_versions_give_a_result() {
    // Unpaired events (a `fixed` first, so they cannot read as intervals) over
    // versions Maven's order cycles over, in several counts: a plain `sort_by`
    // panics on some of them ("does not correctly implement a total order").
    let kinds = [
        "fixed",
        "introduced",
        "last_affected",
        "introduced",
        "fixed",
    ];
    let crafted = [21, 32, 40, 64, 600].map(|count| {
        let events: Vec<Value> = (0..count)
            .map(|i| json!({ kinds[i % kinds.len()]: ODD_MAVEN[i % ODD_MAVEN.len()] }))
            .collect();
        record(
            &format!("CRAFTED-{count}"),
            Ecosystem::Maven,
            &[("ECOSYSTEM", events)],
            &[],
        )
    });
    let sound = record(
        "SOUND-1",
        Ecosystem::Maven,
        &[(
            "ECOSYSTEM",
            vec![json!({"introduced": "0"}), json!({"fixed": "2.0"})],
        )],
        &[],
    );
    let installed: Vec<String> = ["-alpha", "0", "abc", "1.0"].map(String::from).to_vec();
    let records: Vec<Value> = crafted.into_iter().chain([sound]).collect();
    let report = scan(&records, Ecosystem::Maven, &installed);
    // The rest of the scan is intact: the sound record still finds every version.
    for version in &installed {
        assert!(
            report
                .findings
                .iter()
                .any(|f| f.id == "SOUND-1" && &f.package.version == version),
            "SOUND-1 should match {version}: {:?}",
            report.findings
        );
    }
    // And the result does not depend on the run.
    assert_eq!(
        report.findings,
        scan(&records, Ecosystem::Maven, &installed).findings
    );
}

/// A version string for events and installed versions: odd Maven strings,
/// version-shaped ones, the `0` start, and anything.
fn version_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(ODD_MAVEN).prop_map(String::from),
        "[0-9]{1,2}(\\.[0-9]{1,2}){0,2}(-?(alpha|rc|post|dev|SNAPSHOT)[0-9]?)?(\\+[a-z0-9]{1,3})?",
        Just("0".to_string()),
        any::<String>(),
    ]
}

/// One event: exactly one field, as a valid record has, or now and then two or none.
fn event() -> impl Strategy<Value = Value> {
    let field = prop::sample::select(vec!["introduced", "fixed", "last_affected", "limit"]);
    prop_oneof![
        8 => (field.clone(), version_text()).prop_map(|(f, v)| json!({ f: v })),
        1 => (field, version_text(), version_text())
            .prop_map(|(f, v, w)| json!({ f: v, "fixed": w })),
        1 => Just(json!({})),
    ]
}

fn range() -> impl Strategy<Value = (&'static str, Vec<Value>)> {
    (
        prop::sample::select(vec!["ECOSYSTEM", "SEMVER", "GIT", "UNKNOWN"]),
        prop::collection::vec(event(), 0..24),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_records_never_crash_a_scan(
        eco in prop::sample::select(Ecosystem::ALL.to_vec()),
        ranges in prop::collection::vec(range(), 0..3),
        versions in prop::collection::vec(version_text(), 0..4),
        installed in prop::collection::vec(version_text(), 1..4),
    ) {
        let report = scan(&[record("GEN-1", eco, &ranges, &versions)], eco, &installed);
        // Every finding and could-not-compare entry names a package of the inventory.
        for package in report
            .findings
            .iter()
            .map(|f| &f.package)
            .chain(report.unmatched.iter().map(|u| &u.package))
        {
            prop_assert!(report.inventory.packages.iter().any(|p| p.version == package.version));
        }
    }
}
