//! A record the index can place (it names a package) but that cannot be read
//! as OSV (a field of the wrong type) is never dropped: every package it names
//! gets an `unmatched` entry with the reason, and the other records of the
//! package still match (proptest over mangled records and versions).

mod common;

use common::scan_records as scan;
use lambda_audit_analyzer::advisories::osv::Osv;
use lambda_audit_analyzer::Ecosystem;
use proptest::prelude::*;
use serde_json::{json, Value};

/// A record of `pkg` affecting every version (`introduced: 0`).
fn record(id: &str, eco: Ecosystem) -> Value {
    json!({
        "id": id,
        "modified": "2024-01-01T00:00:00Z",
        "summary": "every version",
        "affected": [{
            "package": {"ecosystem": eco.as_str(), "name": "pkg"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}],
        }],
    })
}

/// Ways to give a record a field of the wrong type, keeping its id and
/// package readable.
fn mangle(record: &mut Value, how: usize, junk: Value) {
    match how {
        0 => record["aliases"] = junk,
        1 => record["severity"] = json!([{"type": junk, "score": "x"}]),
        2 => record["affected"][0]["ranges"][0]["events"] = json!([{"introduced": junk}]),
        3 => record["affected"][0]["versions"] = json!([junk]),
        4 => record["references"] = json!([{"url": junk}]),
        5 => record["summary"] = json!([junk]),
        6 => record["affected"][0]["ranges"] = json!({"not": junk}),
        _ => record["affected"][0]["ranges"][0]["type"] = json!([junk]),
    }
}

/// Junk of a type no mangled field accepts.
fn junk() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|n| json!(n)),
        any::<bool>().prop_map(|b| json!(b)),
        Just(json!({"nested": [1, 2]})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn an_unreadable_record_is_unmatched_for_every_version_never_dropped(
        eco in prop::sample::select(Ecosystem::ALL.to_vec()),
        how in 0usize..8,
        junk in junk(),
        installed in prop::collection::btree_set("[1-9][0-9]?\\.[0-9]\\.[0-9]", 1..4),
    ) {
        let installed: Vec<String> = installed.into_iter().collect();
        let mut bad = record("BAD-1", eco);
        mangle(&mut bad, how, junk);
        prop_assert!(Osv::from_slice(bad.to_string().as_bytes()).is_err());
        let report = scan(&[bad, record("GOOD-1", eco)], eco, &installed);
        for version in &installed {
            prop_assert!(
                report.unmatched.iter().any(|u| u.advisory == "BAD-1"
                    && &u.package.version == version
                    && u.reason.contains("could not be read")),
                "BAD-1 at {}: {:?}", version, report.unmatched
            );
            prop_assert!(
                report.findings.iter().any(|f| f.id == "GOOD-1" && &f.package.version == version),
                "GOOD-1 at {}: {:?}", version, report.findings
            );
        }
    }
}
