//! The DynamoDB backend against moto's DynamoDB on 127.0.0.1: the
//! conformance suite every backend passes (lifecycle, outbox, retention,
//! filters, commits larger than one transaction, stale commits that
//! conflict, two writers on one subject), a commit interrupted between its
//! transactions, and the table as `deploy/template.yaml` declares it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use store::{record, FindingFilter, FindingStore, ScanReason};
use store_dynamodb::{write, DynamoStore};
use testkit::aws::{Moto, REGION};
use testkit::store_conformance::{assert_consistent, day, report, subject, Fresh, FUNCTION};

/// One moto for the whole test binary (it exits with the process), one table
/// per test; serialized (see [`Moto::start_serialized`]).
fn moto() -> Option<&'static Moto> {
    static MOTO: OnceLock<Option<Moto>> = OnceLock::new();
    MOTO.get_or_init(Moto::start_serialized).as_ref()
}

/// A store on a new, empty table.
fn store_on_new_table() -> Option<DynamoStore> {
    static TABLES: AtomicUsize = AtomicUsize::new(0);
    let moto = moto()?;
    let table = format!("findings-{}", TABLES.fetch_add(1, Ordering::SeqCst));
    let options = layers::aws::AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(moto.endpoint.clone()),
    };
    let store = DynamoStore::open_with(&format!("dynamodb://{table}"), &options).unwrap();
    store.create_table().unwrap();
    Some(store)
}

fn fresh() -> Option<Fresh> {
    Some(Fresh {
        store: Box::new(store_on_new_table()?),
        guard: Box::new(()),
    })
}

testkit::conformance_tests!(fresh());

#[test]
fn the_backend_list_takes_dynamodb_locations_only() {
    assert!((store_dynamodb::BACKEND.takes)("dynamodb://findings"));
    assert!(!(store_dynamodb::BACKEND.takes)("/tmp/findings.db"));
    let err = DynamoStore::open("dynamodb://")
        .err()
        .expect("no table named");
    assert!(err.to_string().contains("dynamodb://"), "{err}");
}

/// A report of FUNCTION with `n` vulnerable packages.
fn many(n: usize) -> analyzer::findings::ScanReport {
    let names: Vec<String> = (0..n).map(|i| format!("pkg-{i:03}")).collect();
    let advisories: Vec<String> = (0..n).map(|i| format!("GHSA-{i:03}")).collect();
    let packages: Vec<(&str, &str, &str)> = names
        .iter()
        .map(|name| (FUNCTION, name.as_str(), "1.0.0"))
        .collect();
    let hits: Vec<(usize, &str)> = advisories
        .iter()
        .enumerate()
        .map(|(i, a)| (i, a.as_str()))
        .collect();
    report(&packages, &hits)
}

#[test]
fn a_commit_interrupted_between_its_transactions_is_completed_by_the_next_scan() {
    let Some(store) = store_on_new_table() else {
        return;
    };
    let n = 120;
    // The commit of a first scan with 120 findings: 242 items, 3 transactions.
    let seen = store::Observation::from_report(subject(FUNCTION, &[]), &many(n));
    let changes = store::lifecycle::reconcile(&[], &seen, day(0));
    let commit = store::Commit {
        subject: seen.subject.clone(),
        expected_revision: None,
        inventory: None,
        digest: None,
        scan: store::ScanRecord {
            subject: FUNCTION.into(),
            at: day(0),
            reason: ScanReason::Function,
            database: String::new(),
            active: n,
        },
        deleted: false,
        changes,
    };
    let table = store.table().clone();
    let transactions = write::plan(&table, &commit, None).unwrap();
    assert_eq!(transactions.len(), 3);
    assert!(transactions.iter().all(|t| t.len() <= write::MAX_ITEMS));
    // The writer stops after the first transaction.
    let first = transactions.into_iter().next().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(
            table
                .client
                .transact_write_items()
                .set_transact_items(Some(first))
                .send(),
        )
        .unwrap();
    // The subject did not move; the findings written are whole, each with its event.
    assert!(store.subject(FUNCTION).unwrap().is_none());
    let written = store.pending_events(usize::MAX).unwrap().len();
    assert!(written > 0 && written < n, "{written}");
    // The next scan reads them as its starting state and writes the rest.
    let next = record(
        &store,
        subject(FUNCTION, &[]),
        &many(n),
        None,
        ScanReason::Function,
        day(1),
    )
    .unwrap();
    assert_eq!(next.changes.len(), n - written);
    assert_eq!(next.active, n);
    assert_eq!(store.findings(&FindingFilter::default()).unwrap().len(), n);
    assert_eq!(store.pending_events(usize::MAX).unwrap().len(), n);
    assert_consistent(&store);
}

#[test]
fn the_template_declares_the_table_this_backend_writes() {
    use serde_norway::Value;
    use store_dynamodb::layout::{attr, INDEX_HISTORY, INDEX_LISTS};
    let text = std::fs::read_to_string(testkit::workspace_root().join("deploy/template.yaml"))
        .expect("deploy/template.yaml");
    let template: Value = serde_norway::from_str(&text).expect("YAML");
    let p = &template["Resources"]["FindingsTable"]["Properties"];
    let text_of = |v: &Value| v.as_str().expect("a string").to_string();
    let keys = |schema: &Value| -> Vec<(String, String)> {
        schema
            .as_sequence()
            .expect("a key schema")
            .iter()
            .map(|k| (text_of(&k["AttributeName"]), text_of(&k["KeyType"])))
            .collect()
    };
    let pair = |a: &str, b: &str| {
        vec![
            (a.to_string(), "HASH".to_string()),
            (b.to_string(), "RANGE".to_string()),
        ]
    };
    assert_eq!(keys(&p["KeySchema"]), pair(attr::PK, attr::SK));
    let indexes: Vec<(String, Vec<(String, String)>)> = p["GlobalSecondaryIndexes"]
        .as_sequence()
        .expect("GlobalSecondaryIndexes")
        .iter()
        .map(|i| (text_of(&i["IndexName"]), keys(&i["KeySchema"])))
        .collect();
    assert_eq!(
        indexes,
        [
            (INDEX_LISTS.to_string(), pair(attr::G1PK, attr::G1SK)),
            (INDEX_HISTORY.to_string(), pair(attr::G2PK, attr::G2SK)),
        ]
    );
    let types: std::collections::BTreeMap<String, String> = p["AttributeDefinitions"]
        .as_sequence()
        .expect("AttributeDefinitions")
        .iter()
        .map(|a| (text_of(&a["AttributeName"]), text_of(&a["AttributeType"])))
        .collect();
    assert_eq!(types.get(attr::G2SK).map(String::as_str), Some("N"));
    for name in [attr::PK, attr::SK, attr::G1PK, attr::G1SK, attr::G2PK] {
        assert_eq!(types.get(name).map(String::as_str), Some("S"), "{name}");
    }
    assert_eq!(text_of(&p["BillingMode"]), "PAY_PER_REQUEST");
}
