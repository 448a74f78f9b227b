//! Upkeep: marking events sent (they leave the outbox index) and pruning
//! closed findings with their events.

use crate::item::{self, s, Item};
use crate::layout::{self, attr};
use crate::read::{self, PARALLEL_READS};
use crate::Table;
use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use store::time;
use store::StoreError;

/// Marks events sent: each leaves the outbox index. Unknown or already sent
/// events are left as they are.
pub async fn mark_sent(
    table: &Table,
    event_ids: &[String],
    at: Timestamp,
) -> Result<(), StoreError> {
    let at = time::format(at);
    futures::stream::iter(event_ids.to_vec())
        .map(|id| {
            let at = at.clone();
            async move {
                let id = id.as_str();
                let sent = table
                    .client
                    .update_item()
                    .table_name(&table.name)
                    .key(attr::PK, s(layout::event_pk(id)))
                    .key(attr::SK, s(layout::EVENT_SK))
                    .update_expression("SET #sent = :at REMOVE #g1pk, #g1sk")
                    .condition_expression("attribute_exists(pk) AND attribute_not_exists(#sent)")
                    .expression_attribute_names("#sent", "sent_at")
                    .expression_attribute_names("#g1pk", attr::G1PK)
                    .expression_attribute_names("#g1sk", attr::G1SK)
                    .expression_attribute_values(":at", s(at))
                    .send()
                    .await;
                match sent {
                    Ok(_) => Ok(()),
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                    {
                        Ok(())
                    }
                    Err(e) => Err(table.fail(format!(
                        "UpdateItem (mark sent): {}",
                        layers::aws::sdk_message(&e)
                    ))),
                }
            }
        })
        .buffer_unordered(PARALLEL_READS)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// Deletes findings closed before `closed_before` with their events (a scan
/// of the table: pruning is periodic). Returns how many findings went.
pub async fn prune(table: &Table, closed_before: Timestamp) -> Result<usize, StoreError> {
    let cutoff = time::format(closed_before);
    let closed = read::scan_table(
        table,
        layout::FINDING_PREFIX,
        Some("#st = :closed AND #closed < :cutoff"),
        &[("#st", "status"), ("#closed", "closed_at")],
        &[(":closed", s("CLOSED")), (":cutoff", s(cutoff))],
    )
    .await?;
    let pruned = closed.len();
    futures::stream::iter(closed)
        .map(|finding| async move {
            let f = item::Fields(&finding);
            let id = f.text("id").map_err(|m| table.corrupt("finding", m))?;
            for event in
                read::query_index(table, layout::INDEX_HISTORY, attr::G2PK, id, usize::MAX).await?
            {
                delete(table, &event).await?;
            }
            delete(table, &finding).await
        })
        .buffer_unordered(PARALLEL_READS)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(pruned)
}

async fn delete(table: &Table, item: &Item) -> Result<(), StoreError> {
    let (Some(pk), Some(sk)) = (item.get(attr::PK), item.get(attr::SK)) else {
        return Err(table.corrupt("item", "its key is missing"));
    };
    table
        .client
        .delete_item()
        .table_name(&table.name)
        .key(attr::PK, pk.clone())
        .key(attr::SK, sk.clone())
        .send()
        .await
        .map_err(|e| table.fail(format!("DeleteItem: {}", layers::aws::sdk_message(&e))))?;
    Ok(())
}
