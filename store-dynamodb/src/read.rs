//! Reads: items by key, partitions and indexes queried page by page, and
//! the table scanned for the whole-store listings (`findings`, `prune`).
//!
//! Reads of a subject's partition are strongly consistent: the lifecycle
//! reconciles against them before a conditional write. Index reads (the
//! subject list, the outbox, a finding's history) are eventually consistent,
//! as DynamoDB's global secondary indexes are: a rescan that works from a
//! stale subject revision gets a conflict and reads the subject again.

use crate::item::{self, s, Item};
use crate::layout::{self, attr};
use crate::Table;
use aws_sdk_dynamodb::types::AttributeValue;
use futures::{StreamExt, TryStreamExt};
use std::collections::HashMap;
use store::{
    FindingStatus, HistoryEntry, OutboxEvent, ScanRecord, StoreError, StoredFinding, SubjectRecord,
};

/// Requests in flight at once for reads that fan out per subject or item.
pub const PARALLEL_READS: usize = 16;

fn sdk<E, R>(table: &Table, call: &str, e: &aws_sdk_dynamodb::error::SdkError<E, R>) -> StoreError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    table.fail(format!("{call}: {}", layers::aws::sdk_message(e)))
}

/// One item by key, strongly consistent.
pub async fn get(table: &Table, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
    let out = table
        .client
        .get_item()
        .table_name(&table.name)
        .key(attr::PK, s(pk))
        .key(attr::SK, s(sk))
        .consistent_read(true)
        .send()
        .await
        .map_err(|e| sdk(table, "GetItem", &e))?;
    Ok(out.item)
}

/// Every item of partition `pk` (those whose `sk` starts with `prefix`),
/// in `sk` order, strongly consistent.
pub async fn query_partition(
    table: &Table,
    pk: &str,
    prefix: Option<&str>,
) -> Result<Vec<Item>, StoreError> {
    let mut items = Vec::new();
    let mut start: Option<Item> = None;
    loop {
        let mut q = table
            .client
            .query()
            .table_name(&table.name)
            .consistent_read(true)
            .expression_attribute_values(":pk", s(pk))
            .set_exclusive_start_key(start.take());
        q = match prefix {
            Some(p) => q
                .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":prefix", s(p)),
            None => q.key_condition_expression("pk = :pk"),
        };
        let out = q.send().await.map_err(|e| sdk(table, "Query", &e))?;
        items.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(items),
        }
    }
}

/// Items of index `index` whose partition key is `value`, in sort key
/// order, at most `limit`.
pub async fn query_index(
    table: &Table,
    index: &str,
    key_attr: &str,
    value: &str,
    limit: usize,
) -> Result<Vec<Item>, StoreError> {
    let mut items = Vec::new();
    let mut start: Option<Item> = None;
    while items.len() < limit {
        let page = i32::try_from(limit - items.len())
            .unwrap_or(i32::MAX)
            .min(1000);
        let out = table
            .client
            .query()
            .table_name(&table.name)
            .index_name(index)
            .key_condition_expression("#k = :v")
            .expression_attribute_names("#k", key_attr)
            .expression_attribute_values(":v", s(value))
            .limit(page)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| sdk(table, "Query", &e))?;
        items.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => break,
        }
    }
    items.truncate(limit);
    Ok(items)
}

fn record(table: &Table, item: &Item) -> Result<SubjectRecord, StoreError> {
    item::subject_record(item).map_err(|m| {
        let key = item::Fields(item).text("key").unwrap_or("?").to_string();
        table.corrupt(format!("subject {key}"), m)
    })
}

/// One subject, when stored.
pub async fn subject(table: &Table, key: &str) -> Result<Option<SubjectRecord>, StoreError> {
    get(table, &layout::subject_pk(key), layout::SUBJECT_SK)
        .await?
        .map(|item| record(table, &item))
        .transpose()
}

/// Every subject, by key.
pub async fn subjects(table: &Table) -> Result<Vec<SubjectRecord>, StoreError> {
    query_index(
        table,
        layout::INDEX_LISTS,
        attr::G1PK,
        layout::SUBJECTS,
        usize::MAX,
    )
    .await?
    .iter()
    .map(|item| record(table, item))
    .collect()
}

/// Every finding of subject `key`, by id.
async fn findings_of(table: &Table, key: &str) -> Result<Vec<StoredFinding>, StoreError> {
    let last = subject(table, key).await?.map(|s| s.last_scanned_at);
    let items = query_partition(
        table,
        &layout::subject_pk(key),
        Some(layout::FINDING_PREFIX),
    )
    .await?;
    items
        .iter()
        .map(|item| finding(table, item, last))
        .collect()
}

fn finding(
    table: &Table,
    item: &Item,
    last_scanned_at: Option<jiff::Timestamp>,
) -> Result<StoredFinding, StoreError> {
    item::stored_finding(item, last_scanned_at).map_err(|m| {
        let id = item::Fields(item).text("id").unwrap_or("?").to_string();
        table.corrupt(format!("finding {id}"), m)
    })
}

/// Every finding (closed ones too) of the given subjects, by subject then id.
pub async fn subject_findings(
    table: &Table,
    keys: &[String],
) -> Result<Vec<StoredFinding>, StoreError> {
    let mut keys = keys.to_vec();
    keys.sort();
    keys.dedup();
    let found: Vec<Vec<StoredFinding>> = futures::stream::iter(0..keys.len())
        .map(|i| findings_of(table, &keys[i]))
        .buffered(PARALLEL_READS)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

/// Every item whose `sk` starts with `prefix` (and matching `filter`, a
/// filter expression on `values`), by a scan of the whole table.
pub async fn scan_table(
    table: &Table,
    prefix: &str,
    filter: Option<&str>,
    names: &[(&str, &str)],
    values: &[(&str, AttributeValue)],
) -> Result<Vec<Item>, StoreError> {
    let expression = match filter {
        Some(f) => format!("begins_with(sk, :prefix) AND ({f})"),
        None => "begins_with(sk, :prefix)".to_string(),
    };
    let mut items = Vec::new();
    let mut start: Option<Item> = None;
    loop {
        let mut scan = table
            .client
            .scan()
            .table_name(&table.name)
            .consistent_read(true)
            .filter_expression(&expression)
            .expression_attribute_values(":prefix", s(prefix))
            .set_exclusive_start_key(start.take());
        for (placeholder, name) in names {
            scan = scan.expression_attribute_names(*placeholder, *name);
        }
        for (name, value) in values {
            scan = scan.expression_attribute_values(*name, value.clone());
        }
        let out = scan.send().await.map_err(|e| sdk(table, "Scan", &e))?;
        items.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(items),
        }
    }
}

/// Every finding (with `status`, when given), by subject then id.
pub async fn findings(
    table: &Table,
    status: Option<FindingStatus>,
) -> Result<Vec<StoredFinding>, StoreError> {
    let last_scans: HashMap<String, jiff::Timestamp> = subjects(table)
        .await?
        .into_iter()
        .map(|r| (r.subject.key, r.last_scanned_at))
        .collect();
    let items = match status {
        Some(st) => {
            scan_table(
                table,
                layout::FINDING_PREFIX,
                Some("#st = :st"),
                &[("#st", "status")],
                &[(":st", s(st.as_str()))],
            )
            .await?
        }
        None => scan_table(table, layout::FINDING_PREFIX, None, &[], &[]).await?,
    };
    let mut found = items
        .iter()
        .map(|item| {
            let fields = item::Fields(item);
            let subject = fields.text("subject").unwrap_or_default();
            // A subject the (eventually consistent) index does not list yet:
            // the finding's own time.
            finding(table, item, last_scans.get(subject).copied())
        })
        .collect::<Result<Vec<_>, _>>()?;
    found.sort_by(|a, b| (&a.subject, &a.id).cmp(&(&b.subject, &b.id)));
    Ok(found)
}

/// A finding's transitions, oldest first.
pub async fn history(table: &Table, finding: &str) -> Result<Vec<HistoryEntry>, StoreError> {
    query_index(
        table,
        layout::INDEX_HISTORY,
        attr::G2PK,
        finding,
        usize::MAX,
    )
    .await?
    .iter()
    .map(|item| {
        item::history_entry(item)
            .map_err(|m| table.corrupt(format!("history of finding {finding}"), m))
    })
    .collect()
}

/// A subject's scans, oldest first.
pub async fn scans(table: &Table, subject: &str) -> Result<Vec<ScanRecord>, StoreError> {
    query_partition(
        table,
        &layout::subject_pk(subject),
        Some(layout::SCAN_PREFIX),
    )
    .await?
    .iter()
    .map(|item| item::scan_record(item).map_err(|m| table.corrupt(format!("scan of {subject}"), m)))
    .collect()
}

/// Events not marked sent, oldest first, at most `limit`, each with its
/// finding as it is now.
pub async fn pending_events(table: &Table, limit: usize) -> Result<Vec<OutboxEvent>, StoreError> {
    let items = query_index(
        table,
        layout::INDEX_LISTS,
        attr::G1PK,
        layout::OUTBOX,
        limit,
    )
    .await?;
    futures::stream::iter(items)
        .map(|item| async move {
            let f = item::Fields(&item);
            let read = || -> Result<_, String> {
                Ok((
                    f.text("event_id")?.to_string(),
                    f.text("subject")?.to_string(),
                    f.text("finding")?.to_string(),
                    f.number::<u32>("revision")?,
                    f.parsed("transition")?,
                    f.parsed::<FindingStatus>("status")?,
                    f.time("at")?,
                ))
            };
            let (event_id, subject_key, finding_id, revision, transition, status, at) =
                read().map_err(|m| table.corrupt("outbox event", m))?;
            let what = format!("outbox event {event_id}");
            let last = subject(table, &subject_key)
                .await?
                .map(|s| s.last_scanned_at);
            let stored = get(
                table,
                &layout::subject_pk(&subject_key),
                &layout::finding_sk(&finding_id),
            )
            .await?
            .ok_or_else(|| table.corrupt(what.clone(), "its finding is missing"))?;
            let current = finding(table, &stored, last)?;
            OutboxEvent::of(&current, revision, transition, status, at)
                .map_err(|m| table.corrupt(what, m))
        })
        .buffered(PARALLEL_READS)
        .try_collect()
        .await
}
