//! A record the index can place (it names a package) but that cannot be read
//! as OSV (a field of the wrong type) is never dropped: every package it names
//! gets an `unmatched` entry with the reason, and the other records of the
//! package still match (proptest over mangled records and versions).

mod common;

use common::{compile_records, match_compiled, scan_records as scan};
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

/// A record without an id (found by the `osv` fuzz target, where it made the
/// matcher panic) cannot be named in a finding: the index refuses it, names it
/// among the database's unreadable records, and the package's other records
/// still match.
#[test]
fn a_record_without_an_id_is_listed_unreadable_and_the_others_still_match() {
    for eco in Ecosystem::ALL {
        let installed = ["1.0.0".to_string()];
        let compiled = compile_records(&[record("", eco), record("GOOD-1", eco)]);
        assert_eq!(compiled.header.invalid.len(), 1, "{eco:?}");
        assert!(
            compiled.header.invalid[0].contains("the record's id is empty"),
            "{:?}",
            compiled.header.invalid
        );
        let report = match_compiled(compiled, eco, &installed);
        let ids: Vec<_> = report.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["GOOD-1"], "{eco:?}");
        assert!(report.unmatched.is_empty(), "{:?}", report.unmatched);
    }
}
