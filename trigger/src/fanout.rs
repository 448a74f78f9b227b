//! Fan-out through SQS, with AWS as the distributed engine: a rescan or an
//! account-wide scan enqueues its subjects as messages ([`enqueue`]), a
//! rescan [`RESCAN_SUBJECTS_PER_MESSAGE`] stored subjects to a message, an
//! account scan one function to a message ([`SCAN_FUNCTIONS_PER_MESSAGE`]);
//! the same function consumes the queue through an event source mapping
//! ([`consume`]), at most [`CONCURRENCY`] messages of a batch at once, and
//! answers with the messages that failed (`batchItemFailures`), which SQS
//! delivers again and, after the queue's `maxReceiveCount`, moves to the
//! dead-letter queue (deploy/template.yaml). A 10,000-function rescan or
//! account scan is thousands of independent messages: no single invocation
//! has to finish it.
//!
//! A message body is JSON: `{"lambdaAudit": "fanout", "work": "rescan" |
//! "scan", "subjects": ["arn:…", …]}`: stored subject keys to re-match, or
//! function ARNs to fetch, scan and record.

use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::future::Future;
use std::sync::Arc;

/// Stored subjects per rescan message: small enough that a message is done
/// well within the function's timeout (re-matching needs no download), large
/// enough that 10,000 subjects are 1,000 messages.
pub const RESCAN_SUBJECTS_PER_MESSAGE: usize = 10;
/// Functions per account-scan message: one, since each is a download of up
/// to the download cap; a function that fails is retried, then
/// dead-lettered, alone.
pub const SCAN_FUNCTIONS_PER_MESSAGE: usize = 1;
/// Messages of one batch processed at once, in one invocation (the event
/// source mapping's `MaximumConcurrency` bounds the invocations).
pub const CONCURRENCY: usize = 4;
/// Entries per `SendMessageBatch`: SQS's limit.
pub const SEND_BATCH: usize = 10;
/// Attempts at sending the entries SQS refused in a batch.
pub const SEND_ATTEMPTS: usize = 3;
/// What a message body says it is.
pub const MARKER: &str = "fanout";

/// What a message asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkKind {
    /// Re-match the subjects' stored inventories against the current database.
    Rescan,
    /// Fetch, scan and record the functions (a share of an account scan),
    /// those their tags exclude left out with the reason.
    Scan,
}

impl WorkKind {
    /// Subjects one message of this kind carries.
    pub fn per_message(self) -> usize {
        match self {
            WorkKind::Rescan => RESCAN_SUBJECTS_PER_MESSAGE,
            WorkKind::Scan => SCAN_FUNCTIONS_PER_MESSAGE,
        }
    }
}

/// One message's work.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Work {
    #[serde(rename = "lambdaAudit")]
    pub marker: String,
    pub work: WorkKind,
    pub subjects: Vec<String>,
}

/// Why enqueuing failed.
#[derive(Debug, thiserror::Error)]
pub enum FanoutError {
    #[error("SQS SendMessageBatch to {queue}: {message}")]
    Send { queue: String, message: String },
    #[error(
        "SQS refused {refused} of the messages to {queue} after {SEND_ATTEMPTS} attempts: {reason}"
    )]
    Refused {
        queue: String,
        refused: usize,
        reason: String,
    },
}

/// The messages of `kind` over `subjects`, [`WorkKind::per_message`] each.
pub fn messages(kind: WorkKind, subjects: &[String]) -> Vec<Work> {
    subjects
        .chunks(kind.per_message())
        .map(|chunk| Work {
            marker: MARKER.into(),
            work: kind,
            subjects: chunk.to_vec(),
        })
        .collect()
}

/// Sends the messages of `kind` over `subjects` to `queue_url`; returns how
/// many messages went. Entries SQS refuses are sent again, up to
/// [`SEND_ATTEMPTS`] times.
pub async fn enqueue(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    kind: WorkKind,
    subjects: &[String],
) -> Result<usize, FanoutError> {
    use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
    let all = messages(kind, subjects);
    for (b, batch) in all.chunks(SEND_BATCH).enumerate() {
        let mut entries: Vec<SendMessageBatchRequestEntry> = Vec::with_capacity(batch.len());
        for (i, work) in batch.iter().enumerate() {
            let body = serde_json::to_string(work).unwrap_or_default();
            let entry = SendMessageBatchRequestEntry::builder()
                .id(format!("m{b}-{i}"))
                .message_body(body)
                .build()
                .map_err(|e| FanoutError::Send {
                    queue: queue_url.into(),
                    message: e.to_string(),
                })?;
            entries.push(entry);
        }
        let mut reason = String::new();
        for _ in 0..SEND_ATTEMPTS {
            if entries.is_empty() {
                break;
            }
            let out = sqs
                .send_message_batch()
                .queue_url(queue_url)
                .set_entries(Some(entries.clone()))
                .send()
                .await
                .map_err(|e| FanoutError::Send {
                    queue: queue_url.into(),
                    message: layers::aws::sdk_message(&e),
                })?;
            let failed: Vec<&str> = out.failed().iter().map(|f| f.id()).collect();
            if let Some(f) = out.failed().first() {
                reason = format!("{}: {}", f.code(), f.message().unwrap_or("no message"));
            }
            entries.retain(|e| failed.contains(&e.id()));
        }
        if !entries.is_empty() {
            return Err(FanoutError::Refused {
                queue: queue_url.into(),
                refused: entries.len(),
                reason,
            });
        }
    }
    Ok(all.len())
}

/// True when `event` is a batch of SQS messages (an event source mapping's).
pub fn is_queue_event(event: &Value) -> bool {
    event["Records"]
        .as_array()
        .and_then(|r| r.first())
        .is_some_and(|r| r["eventSource"] == "aws:sqs")
}

/// One message of a batch: its id, and its work or why it cannot be read.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub message_id: String,
    pub work: Result<Work, String>,
}

/// The messages of an SQS event.
pub fn messages_of(event: &Value) -> Vec<Message> {
    event["Records"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|r| Message {
            message_id: r["messageId"].as_str().unwrap_or_default().to_string(),
            work: r["body"]
                .as_str()
                .ok_or_else(|| "the message has no body".to_string())
                .and_then(|body| {
                    serde_json::from_str::<Work>(body)
                        .map_err(|e| format!("not a lambda-audit fan-out message: {e}"))
                })
                .and_then(|w| match w.marker == MARKER {
                    true => Ok(w),
                    false => Err(format!(
                        "not a lambda-audit fan-out message (`{}`)",
                        w.marker
                    )),
                }),
        })
        .collect()
}

/// How a batch went: the messages that failed, with the reason.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BatchOutcome {
    pub done: usize,
    pub failed: Vec<(String, String)>,
}

impl BatchOutcome {
    /// The partial batch response the event source mapping reads
    /// (`FunctionResponseTypes: [ReportBatchItemFailures]`).
    pub fn response(&self) -> Value {
        let failures: Vec<Value> = self
            .failed
            .iter()
            .map(|(id, _)| json!({ "itemIdentifier": id }))
            .collect();
        json!({ "batchItemFailures": failures })
    }
}

/// Runs `work` on every message of `event`, [`CONCURRENCY`] at once; a
/// message that does not read or whose work fails is a failure (retried by
/// SQS, then dead-lettered), the others are done.
pub async fn consume<F, Fut>(event: &Value, work: F) -> BatchOutcome
where
    F: Fn(Work) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let results: Vec<(String, Result<(), String>)> = futures::stream::iter(messages_of(event))
        .map(|m| {
            let run = m.work.map(&work);
            async move {
                let result = match run {
                    Ok(fut) => fut.await,
                    Err(e) => Err(e),
                };
                (m.message_id, result)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut outcome = BatchOutcome::default();
    for (id, result) in results {
        match result {
            Ok(()) => outcome.done += 1,
            Err(reason) => outcome.failed.push((id, reason)),
        }
    }
    outcome.failed.sort();
    outcome
}

/// The work of a rescan message: its subjects re-matched by `matcher` with
/// `config`'s suppressions and the handler's `signals` (KEV, EPSS; each
/// subject's stored exposure), recorded into `store` (transitions in its
/// outbox). A subject that cannot be rescanned fails the message.
pub async fn rescan(
    store: Arc<dyn store::FindingStore>,
    matcher: Arc<dyn crate::database::Matcher>,
    config: Option<Arc<analyzer::suppress::Config>>,
    signals: Arc<analyzer::prioritize::Signals>,
    work: Work,
) -> Result<(), String> {
    let task = tokio::task::spawn_blocking(move || {
        let options = store::RescanOptions {
            config: config.as_deref(),
            signals: &signals,
            now: store::time::now(),
            retention: store::Retention::default(),
        };
        matcher.rescan_subjects(&*store, &work.subjects, &options)
    });
    let outcome = task
        .await
        .map_err(|e| format!("the rescan stopped: {e}"))?
        .map_err(|e| e.to_string())?;
    match outcome.failed.first() {
        None => Ok(()),
        Some((subject, reason)) => Err(format!(
            "{} of {} subjects not rescanned; {subject}: {reason}",
            outcome.failed.len(),
            outcome.subjects
        )),
    }
}

/// Enqueues a rescan of every stored subject not deleted; returns the
/// messages sent.
pub async fn enqueue_rescan(
    store: Arc<dyn store::FindingStore>,
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
) -> Result<usize, String> {
    let listed = tokio::task::spawn_blocking(move || store.subjects())
        .await
        .map_err(|e| format!("listing stored subjects stopped: {e}"))?
        .map_err(|e| e.to_string())?;
    let keys: Vec<String> = listed
        .into_iter()
        .filter(|s| s.deleted_at.is_none())
        .map(|s| s.subject.key)
        .collect();
    enqueue(sqs, queue_url, WorkKind::Rescan, &keys)
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_go_ten_to_a_message_and_read_back() {
        let subjects: Vec<String> = (0..25).map(|i| format!("s{i}")).collect();
        let all = messages(WorkKind::Rescan, &subjects);
        assert_eq!(
            all.iter().map(|m| m.subjects.len()).collect::<Vec<_>>(),
            [10, 10, 5]
        );
        let body = serde_json::to_string(&all[0]).unwrap();
        assert!(body.contains(r#""lambdaAudit":"fanout""#), "{body}");
        let event = json!({"Records": [
            {"messageId": "a", "eventSource": "aws:sqs", "body": body},
            {"messageId": "b", "eventSource": "aws:sqs", "body": "{}"},
            {"messageId": "c", "eventSource": "aws:sqs", "body": r#"{"lambdaAudit":"x","work":"rescan","subjects":[]}"#},
        ]});
        assert!(is_queue_event(&event));
        assert!(!is_queue_event(&json!({"detail-type": "Scheduled Event"})));
        let read = messages_of(&event);
        assert_eq!(read[0].work.as_ref().unwrap(), &all[0]);
        assert!(read[1].work.is_err() && read[2].work.is_err());
    }

    #[test]
    fn an_account_scan_is_one_function_a_message() {
        let functions: Vec<String> = (0..3).map(|i| format!("arn:f{i}")).collect();
        let all = messages(WorkKind::Scan, &functions);
        assert_eq!(all.len(), 3);
        assert!(all.iter().all(|m| m.subjects.len() == 1));
        let body = serde_json::to_string(&all[2]).unwrap();
        assert_eq!(
            body,
            r#"{"lambdaAudit":"fanout","work":"scan","subjects":["arn:f2"]}"#
        );
        let event =
            json!({"Records": [{"messageId": "a", "eventSource": "aws:sqs", "body": body}]});
        assert_eq!(messages_of(&event)[0].work.as_ref().unwrap(), &all[2]);
    }

    #[test]
    fn failed_messages_are_the_batch_item_failures() {
        let ok = serde_json::to_string(&messages(WorkKind::Rescan, &["good".into()])[0]).unwrap();
        let bad = serde_json::to_string(&messages(WorkKind::Rescan, &["bad".into()])[0]).unwrap();
        let event = json!({"Records": [
            {"messageId": "1", "eventSource": "aws:sqs", "body": ok},
            {"messageId": "2", "eventSource": "aws:sqs", "body": bad},
            {"messageId": "3", "eventSource": "aws:sqs", "body": "not json"},
        ]});
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let outcome = runtime.block_on(consume(&event, |w: Work| async move {
            match w.subjects[0].as_str() {
                "good" => Ok(()),
                _ => Err("no".to_string()),
            }
        }));
        assert_eq!(outcome.done, 1);
        assert_eq!(
            outcome.response(),
            json!({"batchItemFailures": [{"itemIdentifier": "2"}, {"itemIdentifier": "3"}]})
        );
    }
}
