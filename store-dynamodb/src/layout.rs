//! The table: one partition per subject, event and inventory blob, and two
//! global secondary indexes.
//!
//! | item | `pk` | `sk` | indexes |
//! | --- | --- | --- | --- |
//! | subject | `S#<key>` | `#S` | `g1`: `SUBJECT` / key (lists subjects) |
//! | scan | `S#<key>` | `C#<revision, 20 digits>` | |
//! | finding | `S#<key>` | `F#<id>` | |
//! | event (a transition, and its outbox entry) | `E#<event id>` | `#E` | `g2`: finding / revision (history); `g1`: `OUTBOX` / `at|finding|revision` until sent |
//! | blob chunk (inventory, package list) | `B#<sha256>` | `<chunk, 6 digits>` | |
//!
//! A subject's findings and scans share its partition, so one strongly
//! consistent query reads what the lifecycle needs. An event is its own item
//! so that `mark_sent`, which knows only event ids, reaches it directly; it
//! leaves the outbox index when sent (a sparse index: only unsent events
//! carry `g1pk`). Inventories are content-addressed blobs cut in chunks
//! below DynamoDB's 400 KB item limit, written before the transaction that
//! points at them.

use crate::Table;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use store::StoreError;

/// Attribute names.
pub mod attr {
    pub const PK: &str = "pk";
    pub const SK: &str = "sk";
    pub const G1PK: &str = "g1pk";
    pub const G1SK: &str = "g1sk";
    pub const G2PK: &str = "g2pk";
    pub const G2SK: &str = "g2sk";
    /// A subject's inventory blob (its hash).
    pub const INVENTORY: &str = "inventory";
    /// A subject's package list blob (its hash).
    pub const PACKAGES: &str = "packages";
}

/// The index that lists subjects and the outbox.
pub const INDEX_LISTS: &str = "g1";
/// The index of a finding's events (its history).
pub const INDEX_HISTORY: &str = "g2";

/// `g1pk` of subject items.
pub const SUBJECTS: &str = "SUBJECT";
/// `g1pk` of events not yet sent.
pub const OUTBOX: &str = "OUTBOX";
/// `sk` of a subject item.
pub const SUBJECT_SK: &str = "#S";
/// `sk` of an event item.
pub const EVENT_SK: &str = "#E";
/// `sk` prefix of findings.
pub const FINDING_PREFIX: &str = "F#";
/// `sk` prefix of scans.
pub const SCAN_PREFIX: &str = "C#";

pub fn subject_pk(key: &str) -> String {
    format!("S#{key}")
}

pub fn finding_sk(id: &str) -> String {
    format!("{FINDING_PREFIX}{id}")
}

pub fn scan_sk(revision: u64) -> String {
    format!("{SCAN_PREFIX}{revision:020}")
}

pub fn event_pk(event_id: &str) -> String {
    format!("E#{event_id}")
}

pub fn blob_pk(hash: &str) -> String {
    format!("B#{hash}")
}

pub fn blob_sk(chunk: usize) -> String {
    format!("{chunk:06}")
}

/// `g1sk` of an unsent event: outbox order is time, then finding, then revision.
pub fn outbox_sk(at: &str, finding: &str, revision: u32) -> String {
    format!("{at}|{finding}|{revision:010}")
}

/// Creates the table with its key schema and indexes, billed per request
/// (what `deploy/template.yaml` declares: a test holds the two in step).
pub async fn create_table(table: &Table) -> Result<(), StoreError> {
    let fail = |e: aws_sdk_dynamodb::error::BuildError| table.fail(e.to_string());
    let string_attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
    };
    let index = |name: &str, pk: &str, sk: &str| -> Result<GlobalSecondaryIndex, _> {
        GlobalSecondaryIndex::builder()
            .index_name(name)
            .key_schema(key(pk, KeyType::Hash)?)
            .key_schema(key(sk, KeyType::Range)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
    };
    let number_attr = AttributeDefinition::builder()
        .attribute_name(attr::G2SK)
        .attribute_type(ScalarAttributeType::N)
        .build()
        .map_err(fail)?;
    table
        .client
        .create_table()
        .table_name(&table.name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string_attr(attr::PK).map_err(fail)?)
        .attribute_definitions(string_attr(attr::SK).map_err(fail)?)
        .attribute_definitions(string_attr(attr::G1PK).map_err(fail)?)
        .attribute_definitions(string_attr(attr::G1SK).map_err(fail)?)
        .attribute_definitions(string_attr(attr::G2PK).map_err(fail)?)
        .attribute_definitions(number_attr)
        .key_schema(key(attr::PK, KeyType::Hash).map_err(fail)?)
        .key_schema(key(attr::SK, KeyType::Range).map_err(fail)?)
        .global_secondary_indexes(index(INDEX_LISTS, attr::G1PK, attr::G1SK).map_err(fail)?)
        .global_secondary_indexes(index(INDEX_HISTORY, attr::G2PK, attr::G2SK).map_err(fail)?)
        .send()
        .await
        .map_err(|e| table.fail(format!("CreateTable: {}", layers::aws::sdk_message(&e))))?;
    Ok(())
}
