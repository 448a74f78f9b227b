//! Nothing is lost when a sink fails. Against moto, with faults injected
//! between the steps (record → publish → mark sent): EventBridge failing once,
//! failing after its first batch of 10 events, moto itself stopped, and
//! Security Hub failing after EventBridge took the events. Every new and
//! closed finding is eventually published, exactly once per `detail.eventId`
//! once a consumer drops duplicates, and a retry announces what its failed
//! attempt could not (never `newFindings 0` while events were lost).

mod support;

use aws_sdk_eventbridge::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_eventbridge::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_eventbridge::error::BoxError;
use lambda_audit_trigger::database::{osv_loader, DatabaseSource};
use lambda_audit_trigger::sinks::{EventBridge, SecurityHub, Sink, SinkConfig};
use lambda_audit_trigger::{Handler, HandlerConfig};
use layers::aws::{config, AwsOptions, CodeUrlRewrite};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use support::{audit_bus_to_queue, detail_types, osv_zip};
use testkit::aws::{Moto, Scripted, World, ACCOUNT, REGION};

/// Packages of node-basic.zip (the function's own code), one advisory each.
const PACKAGES: [&str; 14] = [
    "axios",
    "buffer-equal-constant-time",
    "ecdsa-sig-formatter",
    "follow-redirects",
    "jsonwebtoken",
    "jwa",
    "jws",
    "lodash.includes",
    "lodash.isboolean",
    "lodash.isinteger",
    "lodash.isnumber",
    "lodash.isplainobject",
    "lodash.isstring",
    "lodash.once",
];

/// What the fault injector does with the next calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Pass,
    /// Every call fails.
    Fail,
    /// This many more calls pass, then every call fails.
    FailAfter(usize),
}

/// Fails a client's calls before they leave, as the mode says.
#[derive(Clone, Debug)]
struct Faults {
    mode: Arc<Mutex<Mode>>,
    calls: Arc<AtomicUsize>,
}

impl Faults {
    fn new() -> Faults {
        Faults {
            mode: Arc::new(Mutex::new(Mode::Pass)),
            calls: Arc::new(AtomicUsize::new(0)),
        }
    }

    fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
}

impl Intercept for Faults {
    fn name(&self) -> &'static str {
        "Faults"
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let mut mode = self.mode.lock().unwrap();
        match *mode {
            Mode::Pass => Ok(()),
            Mode::FailAfter(n) if n > 0 => {
                *mode = Mode::FailAfter(n - 1);
                Ok(())
            }
            Mode::Fail | Mode::FailAfter(_) => {
                Err("injected fault: the service is unavailable".into())
            }
        }
    }
}

fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")
}

async fn sdk(endpoint: &str) -> aws_config::SdkConfig {
    config::load(
        &AwsOptions {
            region: Some(REGION.into()),
            endpoint_url: Some(endpoint.to_string()),
        },
        None,
    )
    .await
}

/// An EventBridge sink on `endpoint`'s bus `audit`, failing as `faults` says.
async fn event_bridge(endpoint: &str, faults: &Faults) -> Box<dyn Sink> {
    let conf = aws_sdk_eventbridge::config::Builder::from(&sdk(endpoint).await)
        .interceptor(faults.clone())
        .build();
    Box::new(EventBridge::new(
        aws_sdk_eventbridge::Client::from_conf(conf),
        "audit".into(),
    ))
}

/// A Security Hub sink on `endpoint`, failing as `faults` says.
async fn security_hub(endpoint: &str, faults: &Faults) -> Box<dyn Sink> {
    let conf = aws_sdk_securityhub::config::Builder::from(&sdk(endpoint).await)
        .interceptor(faults.clone())
        .build();
    Box::new(SecurityHub::new(aws_sdk_securityhub::Client::from_conf(
        conf,
    )))
}

/// Creates the bus `audit` on `moto`, delivering to the queue `audit-events`.
async fn bus_to_queue(moto: &Moto) {
    let events = aws_sdk_eventbridge::Client::new(&sdk(&moto.endpoint).await);
    audit_bus_to_queue(&events, moto).await;
}

/// The test's handler: the world's Lambda API and code, the database `db`,
/// the findings store in `work`, and `sinks`.
async fn handler(
    world: (&Moto, &Scripted),
    db: &Path,
    work: &Path,
    sinks: Vec<Box<dyn Sink>>,
) -> Handler {
    let (moto, mirror) = world;
    let config = HandlerConfig {
        aws: AwsOptions {
            region: Some(REGION.into()),
            endpoint_url: Some(moto.endpoint.clone()),
        },
        sinks: SinkConfig::default(),
        store: None,
        findings_store: work.join("findings.sqlite").display().to_string(),
        suppressions: None,
        database: DatabaseSource::Path(db.to_path_buf()),
        code_rewrite: CodeUrlRewrite::Mirror {
            base: mirror.base.clone(),
        },
        max_download_bytes: 1 << 30,
        work_dir: work.to_path_buf(),
        fanout_queue: None,
        signals: Default::default(),
    };
    let sdk = sdk(&moto.endpoint).await;
    Handler::with_sinks(config, osv_loader(work.join("index")), sdk, sinks).unwrap()
}

/// Writes the database with an advisory for each of `packages`.
fn write_db(path: &Path, packages: &[&str], modified: &str) {
    let ids: Vec<String> = packages.iter().map(|p| format!("TEST-{p}")).collect();
    let advisories: Vec<(&str, &str, &str)> = ids
        .iter()
        .zip(packages)
        .map(|(id, p)| (id.as_str(), *p, "HIGH"))
        .collect();
    std::fs::write(path, osv_zip(&advisories, modified)).unwrap();
}

/// Finding events as a consumer keeps them: one per `detail.eventId`, by
/// detail type; panics when one id carries two different details.
#[derive(Default)]
struct Consumer {
    by_id: BTreeMap<String, Value>,
}

impl Consumer {
    fn take(&mut self, events: &[Value]) {
        for e in events {
            let Some(id) = e["detail"]["eventId"].as_str() else {
                continue;
            };
            let kept = self.by_id.entry(id.to_string()).or_insert(e.clone());
            assert_eq!(
                kept["detail"], e["detail"],
                "event {id} published twice differently"
            );
        }
    }

    /// The findings (`findingId`) announced by events of `detail_type`.
    fn findings(&self, detail_type: &str) -> BTreeSet<String> {
        self.by_id
            .values()
            .filter(|e| e["detail-type"] == detail_type)
            .map(|e| e["detail"]["findingId"].as_str().unwrap().to_string())
            .collect()
    }

    fn count(&self, detail_type: &str) -> usize {
        self.by_id
            .values()
            .filter(|e| e["detail-type"] == detail_type)
            .count()
    }
}

fn scan_event() -> Value {
    json!({"functionArn": function_arn("node-app")})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eventbridge_failing_once_loses_nothing() {
    let Some(World { moto, mirror, .. }) = World::start() else {
        return;
    };
    bus_to_queue(&moto).await;
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db.zip");
    write_db(&db, &PACKAGES, "2026-11-01T00:00:00Z");
    let faults = Faults::new();
    let sinks = vec![event_bridge(&moto.endpoint, &faults).await];
    let handler = handler((&moto, &mirror), &db, work.path(), sinks).await;

    faults.set(Mode::Fail);
    let err = handler.handle(&scan_event()).await.unwrap_err();
    assert_eq!(err.kind(), "SinkFailed");
    assert!(err.to_string().contains("injected fault"), "{err}");
    assert!(moto.drain_queue("audit-events").is_empty());

    // Lambda retries the event: the scan is recorded already, and its events
    // are still pending.
    faults.set(Mode::Pass);
    let answer = handler.handle(&scan_event()).await.unwrap();
    assert_eq!(answer["results"][0]["findings"], 14);
    assert_eq!(answer["results"][0]["newFindings"], 14);
    assert_eq!(answer["published"], 14);
    let published = moto.drain_queue("audit-events");
    let mut consumer = Consumer::default();
    consumer.take(&published);
    assert_eq!(consumer.findings("Lambda Audit New Finding").len(), 14);
    assert_eq!(consumer.count("Lambda Audit New Finding"), 14);
    let scan = published
        .iter()
        .find(|e| e["detail-type"] == "Lambda Audit Scan Result")
        .unwrap();
    assert_eq!(scan["detail"]["newFindings"], 14);

    // Nothing is pending any more: the next invocation publishes no finding.
    let answer = handler.handle(&scan_event()).await.unwrap();
    assert_eq!(answer["published"], 0);
    assert_eq!(
        detail_types(&moto.drain_queue("audit-events")),
        vec!["Lambda Audit Scan Result"]
    );

    // Five advisories withdrawn: a rescan closes five findings, EventBridge
    // fails, the retried rescan publishes the five closes.
    write_db(&db, &PACKAGES[5..], "2026-11-02T00:00:00Z");
    let handler = handler_again((&moto, &mirror), &db, work.path(), &faults).await;
    faults.set(Mode::Fail);
    assert!(handler.handle(&json!({"action": "rescan"})).await.is_err());
    faults.set(Mode::Pass);
    let answer = handler.handle(&json!({"action": "rescan"})).await.unwrap();
    assert_eq!(
        answer["resolvedFindings"], 0,
        "recorded by the failed attempt"
    );
    assert_eq!(answer["published"], 5, "and published by this one");
    consumer.take(&moto.drain_queue("audit-events"));
    let closed = consumer.findings("Lambda Audit Finding Closed");
    assert_eq!(closed.len(), 5);
    assert!(closed.is_subset(&consumer.findings("Lambda Audit New Finding")));
    let reasons: BTreeSet<&str> = consumer
        .by_id
        .values()
        .filter(|e| e["detail-type"] == "Lambda Audit Finding Closed")
        .map(|e| e["detail"]["closeReason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, BTreeSet::from(["advisory_withdrawn"]));
}

/// A new container's handler on the same store, EventBridge failing as `faults` says.
async fn handler_again(
    world: (&Moto, &Scripted),
    db: &Path,
    work: &Path,
    faults: &Faults,
) -> Handler {
    let sinks = vec![event_bridge(&world.0.endpoint, faults).await];
    handler(world, db, work, sinks).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eventbridge_failing_after_its_first_batch_loses_nothing() {
    let Some(World { moto, mirror, .. }) = World::start() else {
        return;
    };
    bus_to_queue(&moto).await;
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db.zip");
    write_db(&db, &PACKAGES, "2026-11-01T00:00:00Z");
    let faults = Faults::new();
    let sinks = vec![event_bridge(&moto.endpoint, &faults).await];
    let handler = handler((&moto, &mirror), &db, work.path(), sinks).await;

    faults.set(Mode::FailAfter(1));
    assert!(handler.handle(&scan_event()).await.is_err());
    let first = moto.drain_queue("audit-events");
    assert_eq!(
        first.len(),
        10,
        "the first PutEvents call of 10 went through"
    );
    let mut consumer = Consumer::default();
    consumer.take(&first);

    faults.set(Mode::Pass);
    let answer = handler.handle(&scan_event()).await.unwrap();
    assert_eq!(answer["results"][0]["newFindings"], 14);
    let retry = moto.drain_queue("audit-events");
    assert_eq!(
        retry.len(),
        15,
        "the 14 pending events again, and the scan result"
    );
    consumer.take(&retry);
    assert_eq!(consumer.by_id.len(), 14, "14 distinct event ids");
    assert_eq!(consumer.findings("Lambda Audit New Finding").len(), 14);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moto_stopped_between_record_and_publish_loses_nothing() {
    let Some(World { moto, mirror, .. }) = World::start() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db.zip");
    write_db(&db, &PACKAGES, "2026-11-01T00:00:00Z");
    let no_faults = Faults::new();

    // The events' moto runs, then stops before the handler publishes.
    let sink_moto = Moto::start().unwrap();
    bus_to_queue(&sink_moto).await;
    let endpoint = sink_moto.endpoint.clone();
    drop(sink_moto);
    let sinks = vec![event_bridge(&endpoint, &no_faults).await];
    let stopped = handler((&moto, &mirror), &db, work.path(), sinks).await;
    let err = stopped.handle(&scan_event()).await.unwrap_err();
    assert_eq!(err.kind(), "SinkFailed", "{err}");
    drop(stopped);

    // Another moto, another container, another event: the pending events go first.
    let sink_moto = Moto::start().unwrap();
    bus_to_queue(&sink_moto).await;
    let sinks = vec![event_bridge(&sink_moto.endpoint, &no_faults).await];
    let handler = handler((&moto, &mirror), &db, work.path(), sinks).await;
    let answer = handler.handle(&json!({"action": "rescan"})).await.unwrap();
    assert_eq!(answer["newFindings"], 0);
    assert_eq!(answer["published"], 14);
    let mut consumer = Consumer::default();
    consumer.take(&sink_moto.drain_queue("audit-events"));
    assert_eq!(consumer.findings("Lambda Audit New Finding").len(), 14);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_failing_after_another_published_loses_nothing() {
    let Some(World { moto, mirror, .. }) = World::start() else {
        return;
    };
    bus_to_queue(&moto).await;
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db.zip");
    write_db(&db, &PACKAGES, "2026-11-01T00:00:00Z");
    let (events_ok, hub_faults) = (Faults::new(), Faults::new());
    let sinks = vec![
        event_bridge(&moto.endpoint, &events_ok).await,
        security_hub(&moto.endpoint, &hub_faults).await,
    ];
    let handler = handler((&moto, &mirror), &db, work.path(), sinks).await;

    hub_faults.set(Mode::Fail);
    let err = handler.handle(&scan_event()).await.unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Security Hub BatchImportFindings"),
        "{err}"
    );
    let mut consumer = Consumer::default();
    consumer.take(&moto.drain_queue("audit-events"));
    assert_eq!(consumer.by_id.len(), 14, "EventBridge took the events");

    hub_faults.set(Mode::Pass);
    let answer = handler.handle(&scan_event()).await.unwrap();
    assert_eq!(answer["results"][0]["newFindings"], 14);
    consumer.take(&moto.drain_queue("audit-events"));
    assert_eq!(
        consumer.by_id.len(),
        14,
        "the re-published events are duplicates by id"
    );
    let hub = aws_sdk_securityhub::Client::new(&sdk(&moto.endpoint).await);
    let found = hub.get_findings().send().await.unwrap();
    assert_eq!(found.findings().len(), 14);
}
