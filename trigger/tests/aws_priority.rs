//! The trigger joins KEV and EPSS into every scan, from the sources the
//! command line uses: against moto, a database folder with the KEV copy
//! `db update` keeps beside it, `LAMBDA_AUDIT_KEV` over that copy, and
//! `LAMBDA_AUDIT_EPSS`; the stored report's findings carry `kev`, `epss` and
//! the risk factors. The function's exposure (GetFunctionUrlConfig and
//! GetPolicy, both served by moto) is joined too, and kept with the stored
//! subject: a rescan after a database change scores its findings as the
//! first scan did.

mod support;

use analyzer::kev::CACHE_FILE;
use lambda_audit_trigger::database::{osv_loader, DatabaseSource};
use lambda_audit_trigger::handler::SignalSources;
use lambda_audit_trigger::sinks::SinkConfig;
use lambda_audit_trigger::store::StoreConfig;
use lambda_audit_trigger::{Handler, HandlerConfig};
use layers::aws::{config, AwsOptions, CodeUrlRewrite};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use support::osv_zip;
use testkit::aws::{World, ACCOUNT, REGION};

/// An advisory whose id is a CVE, for axios (in node-app's own code).
const AXIOS: (&str, &str, &str) = ("CVE-2099-0001", "axios", "MEDIUM");
/// Another, for dot-prop (in node-app too): only in the second database.
const DOT_PROP: (&str, &str, &str) = ("CVE-2099-0002", "dot-prop", "LOW");

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

/// A KEV catalog in CISA's layout listing `cve`, added on `date`.
fn kev(cve: &str, date: &str) -> Vec<u8> {
    json!({
        "title": "test", "catalogVersion": "1", "dateReleased": "2025-03-04T00:00:00.000Z",
        "count": 1, "vulnerabilities": [{
            "cveID": cve, "vendorProject": "v", "product": "p", "vulnerabilityName": "n",
            "dateAdded": date, "dueDate": "2025-03-25", "knownRansomwareCampaignUse": "Known",
        }],
    })
    .to_string()
    .into_bytes()
}

/// A handler whose signals are `signals`, whose database is `db` and whose
/// findings store is `work/findings.sqlite`, keeping reports in S3.
async fn handler(w: &World, db: &Path, signals: SignalSources, work: &Path) -> Handler {
    let options = AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(w.moto.endpoint.clone()),
    };
    let sdk = config::load(&options, None).await;
    let s3 = lambda_audit_trigger::clients::s3(&sdk);
    let _ = s3.create_bucket().bucket("reports").send().await;
    let config = HandlerConfig {
        aws: options,
        sinks: SinkConfig::default(),
        store: Some(StoreConfig {
            bucket: "reports".into(),
            prefix: "lambda-audit/".into(),
        }),
        findings_store: work.join("findings.sqlite").display().to_string(),
        suppressions: None,
        database: DatabaseSource::Path(db.to_path_buf()),
        signals,
        code_rewrite: CodeUrlRewrite::Mirror {
            base: w.mirror.base.clone(),
        },
        max_download_bytes: 1 << 30,
        work_dir: work.to_path_buf(),
        fanout_queue: None,
    };
    Handler::new(config, osv_loader(work.join("index")))
        .await
        .unwrap()
}

/// Scans node-app with a handler whose signals are `signals` and whose
/// database is `db`; returns the stored report.
async fn stored_report(w: &World, db: &Path, signals: SignalSources, work: &Path) -> Value {
    let handler = handler(w, db, signals, work).await;
    let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:node-app");
    let answer = handler
        .handle(&json!({ "functionArn": arn }))
        .await
        .unwrap();
    assert_eq!(answer["results"][0]["status"], "scanned", "{answer}");
    let options = AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(w.moto.endpoint.clone()),
    };
    let s3 = lambda_audit_trigger::clients::s3(&config::load(&options, None).await);
    let object = s3
        .get_object()
        .bucket("reports")
        .key(format!(
            "lambda-audit/reports/{REGION}/{ACCOUNT}/function/node-app/$LATEST.json"
        ))
        .send()
        .await
        .unwrap();
    let bytes = object.body.collect().await.unwrap().into_bytes();
    let stored: Value = serde_json::from_slice(&bytes).unwrap();
    stored["report"].clone()
}

fn axios_finding(report: &Value) -> &Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == AXIOS.0)
        .unwrap_or_else(|| panic!("no {} finding: {report}", AXIOS.0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_carry_kev_and_epss_from_the_clis_sources() {
    let Some(w) = World::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    write(
        &db.join("npm/all.zip"),
        &osv_zip(&[AXIOS], "2026-11-01T00:00:00Z"),
    );
    write(&db.join(CACHE_FILE), &kev(AXIOS.0, "2025-01-02"));
    let epss = write(
        &dir.path().join("epss.csv"),
        format!("cve,epss,percentile\n{},0.5,0.99\n", AXIOS.0).as_bytes(),
    );

    // The database's own copy, and EPSS when set.
    let work = dir.path().join("work1");
    let signals = SignalSources {
        kev: None,
        epss: Some(epss),
    };
    let report = stored_report(&w, &db, signals, &work).await;
    let f = axios_finding(&report);
    assert_eq!(f["kev"]["dateAdded"], "2025-01-02");
    assert_eq!(f["kev"]["knownRansomwareCampaignUse"], "Known");
    assert_eq!(f["epss"]["score"], 0.5);
    assert_eq!(f["epss"]["percentile"], 0.99);
    assert_eq!(f["risk"]["factors"]["kev"], 30.0, "KEV is a risk factor");
    let with_kev = f["risk"]["score"].as_u64().unwrap();

    // LAMBDA_AUDIT_KEV wins over the database's copy; without EPSS, none.
    let other = write(
        &dir.path().join("kev.json"),
        &kev("CVE-1999-0001", "2025-01-02"),
    );
    let work = dir.path().join("work2");
    let signals = SignalSources {
        kev: Some(other),
        epss: None,
    };
    let report = stored_report(&w, &db, signals, &work).await;
    let f = axios_finding(&report);
    assert!(f.get("kev").is_none(), "{f}");
    assert!(f.get("epss").is_none(), "absent, never zero: {f}");
    assert!(f["risk"]["score"].as_u64().unwrap() < with_kev);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_function_url_without_auth_raises_the_findings_risk() {
    let Some(w) = World::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    write(
        &db.join("npm/all.zip"),
        &osv_zip(&[AXIOS], "2026-11-01T00:00:00Z"),
    );
    let none = || SignalSources {
        kev: None,
        epss: None,
    };

    // No URL and no resource policy: only event sources invoke it.
    let report = stored_report(&w, &db, none(), &dir.path().join("work1")).await;
    assert_eq!(report["exposure"]["description"], "event sources only");
    let hidden = axios_finding(&report)["risk"].clone();
    assert_eq!(hidden["factors"]["exposure"], 0.7, "{hidden}");

    let options = AwsOptions {
        region: Some(REGION.into()),
        endpoint_url: Some(w.moto.endpoint.clone()),
    };
    config::lambda(&config::load(&options, None).await)
        .create_function_url_config()
        .function_name("node-app")
        .auth_type(aws_sdk_lambda::types::FunctionUrlAuthType::None)
        .send()
        .await
        .unwrap();
    let report = stored_report(&w, &db, none(), &dir.path().join("work2")).await;
    assert_eq!(
        report["exposure"]["description"],
        "internet (function URL, no auth)"
    );
    assert_eq!(report["exposure"]["level"], "internet");
    let exposed = axios_finding(&report)["risk"].clone();
    assert_eq!(exposed["factors"]["exposure"], 1.0, "{exposed}");
    assert!(
        exposed["score"].as_u64().unwrap() > hidden["score"].as_u64().unwrap(),
        "{exposed} vs {hidden}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rescan_after_a_database_change_keeps_kev_epss_and_the_exposure() {
    let Some(w) = World::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (v1, v2) = (dir.path().join("db-v1"), dir.path().join("db-v2"));
    write(
        &v1.join("npm/all.zip"),
        &osv_zip(&[AXIOS], "2026-11-01T00:00:00Z"),
    );
    let both = osv_zip(&[AXIOS, DOT_PROP], "2026-11-02T00:00:00Z");
    write(&v2.join("npm/all.zip"), &both);
    let signals = || SignalSources {
        kev: Some(write(
            &dir.path().join("kev.json"),
            &kev(AXIOS.0, "2025-01-02"),
        )),
        epss: Some(write(
            &dir.path().join("epss.csv"),
            format!("cve,epss,percentile\n{},0.5,0.99\n", AXIOS.0).as_bytes(),
        )),
    };
    let work = dir.path().join("work");

    // The first scan: KEV, EPSS, and only event sources invoke node-app.
    let report = stored_report(&w, &v1, signals(), &work).await;
    let first = axios_finding(&report).clone();
    assert_eq!(first["kev"]["dateAdded"], "2025-01-02");
    assert_eq!(first["risk"]["factors"]["exposure"], 0.7, "{first}");

    // A new container with a new database: its first event rescans the
    // stored inventory (dot-prop's new advisory: re-matched in full).
    let handler = handler(&w, &v2, signals(), &work).await;
    let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:image-app");
    let answer = handler
        .handle(&json!({ "functionArn": arn }))
        .await
        .unwrap();
    let rescan = &answer["databaseChanged"];
    assert_eq!(rescan["cause"], "database-changed", "{answer}");
    assert_eq!(rescan["rematched"], 1, "{answer}");
    assert_eq!(rescan["newFindings"], 1, "dot-prop: {answer}");

    let findings = store::open(&work.join("findings.sqlite").display().to_string()).unwrap();
    let stored = findings.findings(&Default::default()).unwrap();
    let priority = |id: &str| {
        let f = stored.iter().find(|f| f.finding.id == id).unwrap();
        serde_json::to_value(&f.finding).unwrap()
    };
    let axios = priority(AXIOS.0);
    assert_eq!(axios["kev"], first["kev"], "{axios}");
    assert_eq!(axios["epss"], first["epss"], "{axios}");
    assert_eq!(
        axios["risk"], first["risk"],
        "same score and factors: {axios}"
    );
    let dot_prop = priority(DOT_PROP.0);
    assert!(dot_prop.get("kev").is_none(), "{dot_prop}");
    assert_eq!(dot_prop["risk"]["factors"]["exposure"], 0.7, "{dot_prop}");
    let subject = findings
        .subjects()
        .unwrap()
        .into_iter()
        .find(|s| s.subject.key.contains(":function:node-app"))
        .expect("node-app stored");
    let exposure = subject.subject.exposure.expect("kept with the subject");
    assert_eq!(exposure.description, "event sources only");
}
