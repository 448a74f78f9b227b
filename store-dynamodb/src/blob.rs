//! Content-addressed blobs (stored inventories and package lists): cut in
//! chunks below DynamoDB's 400 KB item limit, keyed by their SHA-256.
//!
//! A blob is written before the transaction that points at it; being
//! addressed by its content, rewriting it is harmless and two writers of the
//! same inventory write the same items. A blob whose commit then conflicts
//! is left unreferenced (a few kilobytes; the next scan writes the same one).

use crate::item::{self, s, Item};
use crate::layout::{self, attr};
use crate::read::{self, PARALLEL_READS};
use crate::Table;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use futures::{StreamExt, TryStreamExt};
use sha2::{Digest, Sha256};
use store::StoreError;

/// Bytes per chunk: DynamoDB's item limit is 400 KB, names and keys included.
pub const CHUNK_BYTES: usize = 350 * 1024;

/// Chunks written at once.
const PARALLEL_CHUNKS: usize = 8;

/// The key of `bytes`: their SHA-256, in hex.
pub fn hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Stores `bytes`; returns their key.
pub async fn put(table: &Table, bytes: &[u8]) -> Result<String, StoreError> {
    let key = hash(bytes);
    let pk = layout::blob_pk(&key);
    let chunks: Vec<Item> = bytes
        .chunks(CHUNK_BYTES)
        .chain(bytes.is_empty().then_some(&[][..]))
        .enumerate()
        .map(|(i, chunk)| {
            [
                (attr::PK.to_string(), s(&pk)),
                (attr::SK.to_string(), s(layout::blob_sk(i))),
                ("d".to_string(), AttributeValue::B(Blob::new(chunk))),
            ]
            .into_iter()
            .collect()
        })
        .collect();
    futures::stream::iter(chunks)
        .map(|item| async move {
            table
                .client
                .put_item()
                .table_name(&table.name)
                .set_item(Some(item))
                .send()
                .await
                .map_err(|e| {
                    table.fail(format!(
                        "PutItem (inventory): {}",
                        layers::aws::sdk_message(&e)
                    ))
                })
        })
        .buffer_unordered(PARALLEL_CHUNKS)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(key)
}

/// The blob stored under `key`, checked against it.
pub async fn get(table: &Table, key: &str) -> Result<Vec<u8>, StoreError> {
    let items = read::query_partition(table, &layout::blob_pk(key), None).await?;
    if items.is_empty() {
        return Err(table.corrupt(format!("blob {key}"), "it is missing"));
    }
    let mut bytes = Vec::new();
    for item in &items {
        match item.get("d") {
            Some(AttributeValue::B(b)) => bytes.extend_from_slice(b.as_ref()),
            _ => return Err(table.corrupt(format!("blob {key}"), "a chunk holds no bytes")),
        }
    }
    if hash(&bytes) != key {
        return Err(table.corrupt(format!("blob {key}"), "its bytes do not match its hash"));
    }
    Ok(bytes)
}

/// The blobs that the subjects' attribute `which` names (inventory or
/// package list), by subject key; subjects without one are left out.
pub async fn of_subjects(
    table: &Table,
    keys: &[String],
    which: &'static str,
) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
    let mut keys = keys.to_vec();
    keys.sort();
    keys.dedup();
    let found: Vec<Option<(String, Vec<u8>)>> = futures::stream::iter(keys)
        .map(|key| async move {
            let Some(item) =
                read::get(table, &layout::subject_pk(&key), layout::SUBJECT_SK).await?
            else {
                return Ok(None);
            };
            let hash = match item::Fields(&item).opt_text(which) {
                Ok(Some(hash)) => hash.to_string(),
                Ok(None) => return Ok(None),
                Err(m) => return Err(table.corrupt(format!("subject {key}"), m)),
            };
            Ok(Some((key, get(table, &hash).await?)))
        })
        .buffered(PARALLEL_READS)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}
