//! The trigger binary as a custom runtime `bootstrap`: it polls a (loopback,
//! scripted) Lambda Runtime API for events and posts the handler's answers and
//! errors back.

use std::process::{Command, Stdio};
use std::time::Duration;
use testkit::aws::{Canned, Scripted};
use testkit::fixtures;

const NEXT: &str = "/2018-06-01/runtime/invocation/next";

fn invocation(id: &str, event: &serde_json::Value) -> Canned {
    let mut c = Canned::json(200, event);
    c.headers.extend([
        ("Lambda-Runtime-Aws-Request-Id".to_string(), id.to_string()),
        (
            "Lambda-Runtime-Deadline-Ms".to_string(),
            "4102444800000".to_string(),
        ),
        (
            "Lambda-Runtime-Invoked-Function-Arn".to_string(),
            "arn:aws:lambda:us-east-1:123456789012:function:lambda-audit-trigger".to_string(),
        ),
    ]);
    c
}

#[test]
fn the_bootstrap_answers_invocations_from_the_runtime_api() {
    let api = Scripted::start();
    let ignored: serde_json::Value = serde_json::from_slice(
        &std::fs::read(fixtures().join("cloudtrail/update-function-configuration-no-layers.json"))
            .unwrap(),
    )
    .unwrap();
    api.route(
        NEXT,
        vec![
            invocation("req-1", &ignored),
            invocation("req-2", &serde_json::json!({"action": "explode"})),
        ],
    );
    api.route(
        "/2018-06-01/runtime/invocation/req-1/response",
        vec![Canned::status(202)],
    );
    api.route(
        "/2018-06-01/runtime/invocation/req-2/error",
        vec![Canned::status(202)],
    );
    api.route(
        "/2018-06-01/runtime/invocation/req-2/response",
        vec![Canned::status(202)],
    );
    let work = std::env::temp_dir().join(format!("lambda-audit-bootstrap-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_lambda-audit-trigger"))
        .env(
            "AWS_LAMBDA_RUNTIME_API",
            api.base.trim_start_matches("http://"),
        )
        .env("AWS_LAMBDA_FUNCTION_NAME", "lambda-audit-trigger")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "2048")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "/aws/lambda/lambda-audit-trigger",
        )
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("LAMBDA_AUDIT_WORK_DIR", &work)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the bootstrap");
    let answered = api.wait_for_bodies(
        "/2018-06-01/runtime/invocation/req-1/response",
        1,
        Duration::from_secs(60),
    );
    let failed = api.wait_for_bodies(
        "/2018-06-01/runtime/invocation/req-2/error",
        1,
        Duration::from_secs(60),
    );
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(work);
    assert_eq!(answered.len(), 1, "no answer to req-1");
    let answer: serde_json::Value = serde_json::from_slice(&answered[0]).unwrap();
    assert_eq!(
        answer,
        serde_json::json!({
            "action": "ignored",
            "reason": "`UpdateFunctionConfiguration20150331v2` did not set layers; the code is unchanged",
        })
    );
    assert!(!failed.is_empty(), "no error posted for req-2");
    let error: serde_json::Value = serde_json::from_slice(&failed[0]).unwrap();
    assert_eq!(
        error["errorMessage"],
        "invalid event: unknown action `explode` (expected `rescan` or `scan-account`)"
    );
}
