//! The GitHub Action's scan step (`scripts/github-action-scan.sh`, run by
//! `action.yml`) driven the way Actions runs it: the outputs it hands the Gate
//! step, the job summary, the SARIF, and everything lambda-audit prints
//! fenced off from workflow commands.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_scan_step_reports_gates_and_fences_workflow_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let output = tmp.path().join("github_output");
    let summary = tmp.path().join("step_summary.md");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_lambda-audit"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = Command::new("bash")
        .arg(root().join("scripts/github-action-scan.sh"))
        .current_dir(root())
        .env("PATH", path)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("RUNNER_TEMP", tmp.path())
        .env("LAMBDA_AUDIT_DB", "")
        .env("LAMBDA_AUDIT_CACHE_DIR", tmp.path().join("cache"))
        .env("LA_PATH", "fixtures/corpus/node-basic.zip")
        .env("LA_DATABASE", "none")
        .env("LA_FAIL_ON", "any")
        .env("LA_FORMAT", "json")
        .env("LA_OUTPUT", tmp.path().join("report.json"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );

    // Fenced: the first line stops workflow commands with a fresh token and
    // only the last line, that token, resumes them.
    let lines: Vec<&str> = stdout.lines().collect();
    let token = lines[0]
        .strip_prefix("::stop-commands::")
        .unwrap_or_else(|| panic!("first line: {}", lines[0]));
    assert!(token.len() >= 32 && token.chars().all(|c| c.is_ascii_hexdigit()));
    let resume = format!("::{token}::");
    assert_eq!(lines.last(), Some(&resume.as_str()));
    assert_eq!(lines.iter().filter(|l| **l == resume).count(), 1);
    assert!(lines.len() > 3, "the report is printed inside the fence");

    // Outputs for the Gate step: findings with the starter set → 1.
    let outputs = std::fs::read_to_string(&output).unwrap();
    assert!(outputs.lines().any(|l| l == "exit-code=1"), "{outputs}");
    let sarif_path = outputs
        .lines()
        .find_map(|l| l.strip_prefix("sarif-file="))
        .expect("sarif-file output");
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(sarif_path).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());

    // The extra report was written; the job summary is the Markdown report
    // of the same findings.
    let extra: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("report.json")).unwrap()).unwrap();
    let findings = extra["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    let markdown = std::fs::read_to_string(&summary).unwrap();
    for f in findings {
        let id = f["id"].as_str().unwrap();
        assert!(markdown.contains(id), "the summary lacks {id}:\n{markdown}");
    }
}

#[test]
fn the_action_declares_its_inputs_and_runs_the_scan_script() {
    let action: serde_norway::Value =
        serde_norway::from_str(&std::fs::read_to_string(root().join("action.yml")).unwrap())
            .unwrap();
    for input in ["path", "layers", "fail-on", "format", "config", "database"] {
        assert!(
            action["inputs"].get(input).is_some(),
            "action.yml lacks input {input}"
        );
    }
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    let scan = steps
        .iter()
        .find(|s| s["id"] == "scan")
        .expect("a step with id scan");
    let script = scan["run"].as_str().unwrap();
    assert!(script.contains("scripts/github-action-scan.sh"));
    assert!(root().join("scripts/github-action-scan.sh").is_file());
    // Inputs reach the script through env, never interpolated into it.
    assert!(!script.contains("${{"), "{script}");
}
