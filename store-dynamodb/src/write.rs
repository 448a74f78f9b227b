//! Writes: a commit as conditional transactions, marking events sent, and
//! pruning closed findings.
//!
//! # What a commit guarantees
//!
//! Every write of a commit is conditional on what the writer read: the
//! subject's revision (`revision = expected`, or no subject yet), and each
//! changed finding's own revision (the one before its transition, or no
//! finding yet for a new one). A finding and the event of its transition
//! are always in the same transaction, so a transition is never stored
//! without the event that announces it, nor twice.
//!
//! A commit that fits one `TransactWriteItems` (at most [`MAX_ITEMS`] items
//! and about [`MAX_BYTES`]) is atomic. A larger one (a first scan of a
//! function with hundreds of findings) is written as a sequence of
//! transactions: each holds whole finding+event pairs and a condition check
//! that the subject is still at the expected revision; the last one also
//! moves the subject to its next revision and adds the scan record. If a
//! writer stops or conflicts between two of them, the transactions already
//! written stand: each finding in them made a valid transition with its
//! event, the subject's revision, digest and scan record did not move, so
//! the next scan or rescan of the subject reads those findings as its
//! starting state and reconciles the rest (the lifecycle is idempotent: a
//! finding already in the state a scan observes is not changed again). A
//! second writer that read the same revision meanwhile fails its own
//! conditions and reads again.

use crate::item::{self, n, s, Item};
use crate::layout::{self, attr};
use crate::{blob, Table};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update};
use futures::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use store::lifecycle::Change;
use store::time;
use store::{Commit, CommitOutcome, StoreError, Transition};

/// Items per `TransactWriteItems`: DynamoDB's limit.
pub const MAX_ITEMS: usize = 100;
/// Bytes per transaction we aim under (DynamoDB's limit is 4 MB).
pub const MAX_BYTES: usize = 3 * 1024 * 1024;
/// Commits of one batch written at once (each to its own subject).
pub const PARALLEL_COMMITS: usize = 16;

/// Writes `batch`: one outcome per commit, in order.
pub async fn commit(table: &Table, batch: &[Commit]) -> Result<Vec<CommitOutcome>, StoreError> {
    // By index: a closure over borrowed items is not `Send` for every lifetime.
    futures::stream::iter(0..batch.len())
        .map(|i| commit_one(table, &batch[i]))
        .buffered(PARALLEL_COMMITS)
        .try_collect()
        .await
}

async fn commit_one(table: &Table, c: &Commit) -> Result<CommitOutcome, StoreError> {
    let blobs = match &c.inventory {
        Some((inventory, packages)) => Some((
            blob::put(table, inventory).await?,
            blob::put(table, packages.as_bytes()).await?,
        )),
        None => None,
    };
    let transactions = plan(table, c, blobs)?;
    let token = token_base(c);
    for (i, items) in transactions.into_iter().enumerate() {
        let sent = table
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .client_request_token(token_of(&token, i))
            .send()
            .await;
        if let Err(e) = sent {
            return match conflict(&e) {
                true => Ok(CommitOutcome::Conflict),
                false => Err(table.fail(format!(
                    "TransactWriteItems ({}): {}",
                    c.subject.key,
                    layers::aws::sdk_message(&e)
                ))),
            };
        }
    }
    Ok(CommitOutcome::Committed)
}

/// True when a transaction was cancelled because a condition did not hold
/// (another writer got there first) or another transaction held an item.
fn conflict<R>(e: &SdkError<TransactWriteItemsError, R>) -> bool {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(t)) => {
            t.cancellation_reasons().iter().any(|r| {
                matches!(
                    r.code(),
                    Some("ConditionalCheckFailed" | "TransactionConflict")
                )
            }) || t.cancellation_reasons().is_empty()
        }
        Some(TransactWriteItemsError::TransactionInProgressException(_)) => true,
        _ => false,
    }
}

/// A unique base for the idempotency tokens of one commit attempt (the
/// SDK's own retries of a transaction reuse its token, so a retried
/// transaction that had in fact succeeded is not applied twice).
fn token_base(c: &Commit) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let unique = format!(
        "{}|{:?}|{}|{nanos}|{}",
        c.subject.key,
        c.expected_revision,
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    hex::encode(Sha256::digest(unique.as_bytes()))
}

/// The token of transaction `i` (36 characters at most).
fn token_of(base: &str, i: usize) -> String {
    format!("{}-{i}", &base[..30])
}

/// The transactions of commit `c`, in order (see the module's guarantee).
pub fn plan(
    table: &Table,
    c: &Commit,
    blobs: Option<(String, String)>,
) -> Result<Vec<Vec<TransactWriteItem>>, StoreError> {
    let pk = layout::subject_pk(&c.subject.key);
    let next = c.expected_revision.map_or(1, |r| r + 1);
    let mut units: Vec<(Vec<TransactWriteItem>, usize)> = Vec::with_capacity(c.changes.len());
    for change in &c.changes {
        units.push(change_unit(table, &pk, change)?);
    }
    let (subject_update, subject_bytes) = subject_update(table, c, &pk, next, blobs)?;
    let scan = item::scan_item(&pk, next, &c.scan);
    let scan_bytes = item::size(&scan);
    let last = vec![subject_update, put(table, scan, None, &[], &[])?];
    let last_bytes = subject_bytes + scan_bytes;
    let total_items: usize = units.iter().map(|(u, _)| u.len()).sum::<usize>() + last.len();
    let total_bytes: usize = units.iter().map(|(_, b)| b).sum::<usize>() + last_bytes;
    if total_items <= MAX_ITEMS && total_bytes <= MAX_BYTES {
        let mut one: Vec<TransactWriteItem> = units.into_iter().flat_map(|(u, _)| u).collect();
        one.extend(last);
        return Ok(vec![one]);
    }
    // Several transactions: each but the last checks the subject's revision.
    let check = subject_check(table, &pk, c.expected_revision)?;
    let mut transactions: Vec<Vec<TransactWriteItem>> = Vec::new();
    let mut current: Vec<TransactWriteItem> = vec![check.clone()];
    let mut bytes = 0;
    for (unit, unit_bytes) in units {
        if current.len() + unit.len() > MAX_ITEMS || bytes + unit_bytes > MAX_BYTES {
            transactions.push(std::mem::replace(&mut current, vec![check.clone()]));
            bytes = 0;
        }
        bytes += unit_bytes;
        current.extend(unit);
    }
    if current.len() - 1 + last.len() > MAX_ITEMS || bytes + last_bytes > MAX_BYTES {
        transactions.push(current);
        current = Vec::new();
    } else {
        // The subject's update carries the revision condition itself (an
        // item appears once per transaction).
        current.remove(0);
    }
    current.extend(last);
    transactions.push(current);
    Ok(transactions)
}

/// A changed finding and, with a transition, its event: written together.
fn change_unit(
    table: &Table,
    pk: &str,
    change: &Change,
) -> Result<(Vec<TransactWriteItem>, usize), StoreError> {
    let f = &change.finding;
    let finding =
        item::finding_item(pk, f).map_err(|m| table.corrupt(format!("finding {}", f.id), m))?;
    let mut bytes = item::size(&finding);
    // The finding's revision before this change.
    let condition = match change.transition {
        Some(Transition::New) => None,
        Some(_) => Some(f.revision.saturating_sub(1)),
        None => Some(f.revision),
    };
    let mut unit = vec![match condition {
        None => put(table, finding, Some("attribute_not_exists(pk)"), &[], &[])?,
        Some(before) => put(
            table,
            finding,
            Some("#rev = :before"),
            &[("#rev", "revision")],
            &[(":before", n(before))],
        )?,
    }];
    if let Some(h) = change.history_entry() {
        let event = item::event_item(&f.subject, &h);
        bytes += item::size(&event);
        unit.push(put(
            table,
            event,
            Some("attribute_not_exists(pk)"),
            &[],
            &[],
        )?);
    }
    Ok((unit, bytes))
}

fn put(
    table: &Table,
    item: Item,
    condition: Option<&str>,
    names: &[(&str, &str)],
    values: &[(&str, AttributeValue)],
) -> Result<TransactWriteItem, StoreError> {
    let mut p = Put::builder()
        .table_name(&table.name)
        .set_item(Some(item))
        .set_condition_expression(condition.map(str::to_string));
    for (k, v) in names {
        p = p.expression_attribute_names(*k, *v);
    }
    for (k, v) in values {
        p = p.expression_attribute_values(*k, v.clone());
    }
    let p = p.build().map_err(|e| table.fail(e.to_string()))?;
    Ok(TransactWriteItem::builder().put(p).build())
}

/// The condition on the subject's revision, and its values.
fn revision_condition(
    expected: Option<u64>,
) -> (&'static str, Vec<(&'static str, AttributeValue)>) {
    match expected {
        None => ("attribute_not_exists(pk)", Vec::new()),
        Some(r) => ("#rev = :expected", vec![(":expected", n(r))]),
    }
}

fn subject_check(
    table: &Table,
    pk: &str,
    expected: Option<u64>,
) -> Result<TransactWriteItem, StoreError> {
    let (condition, values) = revision_condition(expected);
    let mut check = ConditionCheck::builder()
        .table_name(&table.name)
        .key(attr::PK, s(pk))
        .key(attr::SK, s(layout::SUBJECT_SK))
        .condition_expression(condition);
    if expected.is_some() {
        check = check.expression_attribute_names("#rev", "revision");
    }
    for (k, v) in values {
        check = check.expression_attribute_values(k, v);
    }
    let check = check.build().map_err(|e| table.fail(e.to_string()))?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// The subject's update: next revision, last scan, counts; the inventory,
/// layers and exposure when the commit has them (what the scan that wrote
/// the inventory saw: a rescan keeps them); conditional on the revision read.
fn subject_update(
    table: &Table,
    c: &Commit,
    pk: &str,
    next: u64,
    blobs: Option<(String, String)>,
) -> Result<(TransactWriteItem, usize), StoreError> {
    let at = time::format(c.scan.at);
    let mut names: HashMap<String, String> = HashMap::new();
    let mut values: HashMap<String, AttributeValue> = HashMap::new();
    let mut sets: Vec<String> = Vec::new();
    // Attributes the update removes.
    let mut removed: Vec<&str> = Vec::new();
    let mut set = |name: &str, value: AttributeValue, sets: &mut Vec<String>| {
        let i = sets.len();
        names.insert(format!("#a{i}"), name.to_string());
        values.insert(format!(":v{i}"), value);
        sets.push(format!("#a{i} = :v{i}"));
    };
    set("key", s(&c.subject.key), &mut sets);
    set("kind", s(c.subject.kind.as_str()), &mut sets);
    set("revision", n(next), &mut sets);
    set("last_scanned_at", s(&at), &mut sets);
    set("active", n(c.scan.active), &mut sets);
    set(attr::G1PK, s(layout::SUBJECTS), &mut sets);
    set(attr::G1SK, s(&c.subject.key), &mut sets);
    if let Some(sha) = &c.subject.code_sha256 {
        set("code_sha256", s(sha), &mut sets);
    }
    if let Some(digest) = &c.digest {
        set("digest", s(digest), &mut sets);
    }
    if c.deleted {
        set("deleted_at", s(&at), &mut sets);
    }
    if let Some((inventory, packages)) = blobs {
        set(attr::INVENTORY, s(inventory), &mut sets);
        set(attr::PACKAGES, s(packages), &mut sets);
        let layers = c.subject.layers.iter().map(s).collect();
        set("layers", AttributeValue::L(layers), &mut sets);
        match &c.subject.exposure {
            Some(exposure) => {
                let json = serde_json::to_string(exposure).map_err(|e| {
                    table.corrupt(format!("subject {}", c.subject.key), e.to_string())
                })?;
                set("exposure", s(json), &mut sets);
            }
            None => removed.push("exposure"),
        }
    }
    names.insert("#first".into(), "first_scanned_at".into());
    values.insert(":first".into(), s(&at));
    sets.push("#first = if_not_exists(#first, :first)".into());
    let mut expression = format!("SET {}", sets.join(", "));
    if !c.deleted {
        removed.push("deleted_at");
    }
    if !removed.is_empty() {
        let mut listed = Vec::new();
        for (i, name) in removed.iter().enumerate() {
            names.insert(format!("#r{i}"), name.to_string());
            listed.push(format!("#r{i}"));
        }
        expression.push_str(&format!(" REMOVE {}", listed.join(", ")));
    }
    let (condition, condition_values) = revision_condition(c.expected_revision);
    if c.expected_revision.is_some() {
        names.insert("#rev".into(), "revision".into());
    }
    values.extend(
        condition_values
            .into_iter()
            .map(|(k, v)| (k.to_string(), v)),
    );
    let bytes = expression.len() + values.values().map(item::value_size).sum::<usize>();
    let update = Update::builder()
        .table_name(&table.name)
        .key(attr::PK, s(pk))
        .key(attr::SK, s(layout::SUBJECT_SK))
        .update_expression(expression)
        .condition_expression(condition)
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .build()
        .map_err(|e| table.fail(e.to_string()))?;
    Ok((TransactWriteItem::builder().update(update).build(), bytes))
}
