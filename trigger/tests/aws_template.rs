//! deploy/template.yaml: cfn-lint clean, and least privilege (no wildcard actions).

use std::path::PathBuf;
use std::process::Command;

fn template() -> PathBuf {
    testkit::workspace_root().join("deploy/template.yaml")
}

#[test]
fn cfn_lint_passes() {
    let path = template();
    let runs = [
        Command::new("cfn-lint").arg(&path).output(),
        Command::new("python3")
            .args(["-m", "cfnlint"])
            .arg(&path)
            .output(),
    ];
    let Some(out) = runs
        .into_iter()
        .flatten()
        .find(|o| !String::from_utf8_lossy(&o.stderr).contains("No module named"))
    else {
        testkit::skip("cfn-lint not installed (pip install cfn-lint; scripts/test.sh does)");
        return;
    };
    assert!(
        out.status.success(),
        "cfn-lint found problems:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn actions(v: &serde_norway::Value, out: &mut Vec<String>) {
    match v {
        serde_norway::Value::Mapping(m) => {
            for (k, v) in m {
                if k.as_str() == Some("Action") {
                    match v {
                        serde_norway::Value::String(s) => out.push(s.clone()),
                        serde_norway::Value::Sequence(s) => {
                            out.extend(s.iter().filter_map(|a| a.as_str().map(str::to_string)))
                        }
                        _ => {}
                    }
                } else {
                    actions(v, out);
                }
            }
        }
        serde_norway::Value::Sequence(s) => s.iter().for_each(|v| actions(v, out)),
        serde_norway::Value::Tagged(t) => actions(&t.value, out),
        _ => {}
    }
}

#[test]
fn the_role_grants_only_the_calls_the_handler_makes() {
    let text = std::fs::read_to_string(template()).expect("template");
    let yaml: serde_norway::Value = serde_norway::from_str(&text).expect("YAML");
    let mut granted = Vec::new();
    actions(
        &yaml["Resources"]["Role"]["Properties"]["Policies"],
        &mut granted,
    );
    granted.sort();
    assert_eq!(
        granted,
        vec![
            "events:PutEvents",
            "lambda:GetFunction",
            "lambda:GetFunctionUrlConfig",
            "lambda:GetLayerVersion",
            "lambda:GetPolicy",
            "lambda:ListFunctions",
            "lambda:ListTags",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "s3:GetObject",
            "s3:GetObject",
            "s3:ListBucket",
            "s3:PutObject",
            "securityhub:BatchImportFindings",
        ]
    );
}

#[test]
fn the_exposure_calls_have_the_scope_of_get_function() {
    let text = std::fs::read_to_string(template()).expect("template");
    let yaml: serde_norway::Value = serde_norway::from_str(&text).expect("YAML");
    let statements = yaml["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]
        ["Statement"]
        .as_sequence()
        .expect("statements");
    let resource_of = |action: &str| {
        let granting: Vec<_> = statements
            .iter()
            .filter(|s| {
                let mut granted = Vec::new();
                actions(s, &mut granted);
                granted.iter().any(|a| a == action)
            })
            .collect();
        assert_eq!(granting.len(), 1, "{action} granted by one statement");
        serde_norway::to_string(&granting[0]["Resource"]).unwrap()
    };
    let functions = resource_of("lambda:GetFunction");
    assert!(functions.contains(":function:*"), "{functions}");
    assert_eq!(resource_of("lambda:GetFunctionUrlConfig"), functions);
    assert_eq!(resource_of("lambda:GetPolicy"), functions);
}
