//! One ASFF builder: what the trigger imports into Security Hub is, field for
//! field, what `lambda-audit function ARN --format asff` prints for the same
//! (subject, advisory, package), apart from timestamps and the lifecycle a
//! closed finding adds (ARCHIVED, RESOLVED). Checked on the wire:
//! BatchImportFindings requests go to a scripted loopback endpoint and their
//! bodies are compared with the CLI's JSON.

use analyzer::advisories::Database;
use analyzer::findings::ScanReport;
use analyzer::report::{self, Format, RenderOptions};
use analyzer::{extract, ArchiveTree, Limits};
use lambda_audit_trigger::asff::to_sdk;
use lambda_audit_trigger::messages::FindingEvent;
use lambda_audit_trigger::sinks::{Publication, SecurityHub, Sink};
use layers::aws::{config, AwsOptions};
use layers::{Artifact, ArtifactRole, Deployment};
use serde_json::{json, Value};
use std::time::Duration;
use store::{CloseReason, FindingStatus, StoredFinding, Transition};
use testkit::aws::{test_env, Canned, Scripted, ACCOUNT, REGION};
use testkit::{corpus_bytes, fixtures};

/// Security Hub's BatchImportFindings (REST JSON: `POST /findings/import`).
const IMPORT_PATH: &str = "/findings/import";

/// A Security Hub endpoint that accepts every import and keeps the requests.
fn security_hub() -> Scripted {
    test_env();
    let hub = Scripted::start();
    hub.route(
        IMPORT_PATH,
        vec![Canned::json(
            200,
            &json!({"FailedCount": 0, "SuccessCount": 1, "FailedFindings": []}),
        )],
    );
    hub
}

/// A Security Hub client for `hub`.
async fn client(hub: &Scripted) -> aws_sdk_securityhub::Client {
    let options = AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(hub.base.clone()),
    };
    aws_sdk_securityhub::Client::new(&config::load(&options, None).await)
}

/// The findings of every BatchImportFindings request `hub` received.
fn imported(hub: &Scripted, requests: usize) -> Vec<Value> {
    hub.wait_for_bodies(IMPORT_PATH, requests, Duration::from_secs(10))
        .iter()
        .flat_map(|body| {
            let body: Value = serde_json::from_slice(body).expect("a JSON request body");
            body["Findings"].as_array().cloned().unwrap_or_default()
        })
        .collect()
}

/// A finding without the times it was made at.
fn timeless(mut finding: Value) -> Value {
    let o = finding.as_object_mut().unwrap();
    o.remove("CreatedAt");
    o.remove("UpdatedAt");
    if let Some(note) = o.get_mut("Note").and_then(Value::as_object_mut) {
        note.remove("UpdatedAt");
    }
    finding
}

/// A Node function with a layer, as the trigger and `lambda-audit function`
/// scan it (artifacts named by their ARNs), matched against the embedded
/// advisory set.
fn deployed_report(subject: &str) -> ScanReport {
    let limits = Limits::default();
    let layer_arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:layer:deps:1");
    let open = |name: &str, file: &str| ArchiveTree::open_bytes(name, corpus_bytes(file), &limits);
    let deployment = Deployment {
        function: Some(Artifact {
            role: ArtifactRole::Function,
            tree: open(subject, "node-basic.zip").unwrap(),
        }),
        layers: vec![Artifact {
            role: ArtifactRole::Layer(1),
            tree: open(&layer_arn, "node-layer.zip").unwrap(),
        }],
        runtime: Some("nodejs20.x".parse().unwrap()),
        handler: None,
    };
    let inventory = deployment.inventory(&extract::all());
    analyzer::matching::match_inventory(inventory, &Database::embedded())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trigger_imports_the_findings_the_cli_prints() {
    let subject = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:app:$LATEST");
    let report = deployed_report(&subject);
    assert!(
        report.findings.len() >= 2,
        "the fixture should have findings: {:?}",
        report.findings
    );

    // The CLI: `lambda-audit function ARN --format asff`.
    let options = RenderOptions {
        asff: layers::aws::asff::context(&subject, "2026-11-23T10:00:00Z".into()).unwrap(),
        ..RenderOptions::default()
    };
    let mut out = Vec::new();
    report::render(Format::Asff, &report, &options, &mut out).unwrap();
    let cli: Vec<Value> = serde_json::from_slice(&out).unwrap();

    // The trigger: the same scan's findings as the findings store gives them,
    // one of them closed since it was first observed.
    let first = store::time::parse("2026-11-20T08:00:00Z").unwrap();
    let now = store::time::parse("2026-11-23T10:00:00Z").unwrap();
    let gone = report.findings.last().unwrap().clone();
    let events: Vec<FindingEvent> = report
        .findings
        .iter()
        .map(|f| {
            let closed = f == &gone;
            FindingEvent {
                event_id: format!("event-{}", f.id),
                transition: if closed {
                    Transition::Closed
                } else {
                    Transition::New
                },
                finding: StoredFinding {
                    id: store::identity::finding_id(&subject, f),
                    subject: subject.clone(),
                    layer: None,
                    status: if closed {
                        FindingStatus::Closed
                    } else {
                        FindingStatus::Active
                    },
                    first_observed_at: first,
                    last_observed_at: now,
                    updated_at: now,
                    closed_at: closed.then_some(now),
                    close_reason: closed.then_some(CloseReason::PackageRemoved),
                    unread: None,
                    revision: 1 + u32::from(closed),
                    finding: f.clone(),
                },
            }
        })
        .collect();
    let hub = security_hub();
    let publication = Publication {
        scans: &[],
        events: &events,
    };
    let count = SecurityHub::new(client(&hub).await)
        .publish(publication, "2027-01-01T00:00:00Z")
        .await
        .unwrap();
    let trigger = imported(&hub, 1);
    assert_eq!(count, 1, "the scripted endpoint answers SuccessCount 1");
    assert_eq!(trigger.len(), cli.len());
    let gone_id = format!("{subject}/{}/{}", gone.id, gone.package.purl);

    for sent in trigger {
        let id = sent["Id"].as_str().unwrap().to_string();
        let printed = cli
            .iter()
            .find(|f| f["Id"] == sent["Id"])
            .unwrap_or_else(|| panic!("the CLI prints no finding {id}"))
            .clone();
        assert_eq!(
            sent["CreatedAt"], "2026-11-20T08:00:00Z",
            "the first observation"
        );
        assert_eq!(sent["UpdatedAt"], "2026-11-23T10:00:00Z", "the transition");
        let (mut sent, printed) = (timeless(sent), timeless(printed));
        if id == gone_id {
            assert_eq!(sent["RecordState"], "ARCHIVED", "{id}");
            assert_eq!(sent["Workflow"], json!({"Status": "RESOLVED"}), "{id}");
            sent["RecordState"] = printed["RecordState"].clone();
            sent["Workflow"] = printed["Workflow"].clone();
        }
        assert_eq!(sent, printed, "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_field_the_cli_prints_reaches_security_hub() {
    let golden = fixtures().parent().unwrap().join("analyzer/tests/golden");
    let mut files = 0;
    for entry in std::fs::read_dir(&golden).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".asff.json") {
            continue;
        }
        files += 1;
        let printed: Vec<Value> = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let findings = printed
            .iter()
            .map(to_sdk)
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let hub = security_hub();
        client(&hub)
            .await
            .batch_import_findings()
            .set_findings(Some(findings))
            .send()
            .await
            .unwrap();
        assert_eq!(imported(&hub, 1), printed, "{}", path.display());
    }
    assert!(files >= 2, "ASFF golden files in {}", golden.display());
}
