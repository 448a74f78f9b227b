//! The README and `examples/` tell the truth: the walk-through's commands run
//! verbatim with the documented exit codes and output, and every integration's
//! command works on the layout its build tool produces.
#![cfg(unix)]

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::Run;
use testkit::fixture;

/// A file of the repository.
fn repo(rel: &str) -> PathBuf {
    testkit::workspace_root().join(rel)
}

fn read(rel: &str) -> String {
    fs::read_to_string(repo(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

/// The text under a Markdown heading (given with its `#`s), up to the next
/// heading of the same or a higher level.
fn section<'a>(markdown: &'a str, heading: &str) -> &'a str {
    let level = heading.chars().take_while(|c| *c == '#').count();
    let start = markdown
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README has no `{heading}` heading"))
        + heading.len()
        + 2;
    let rest = &markdown[start..];
    let end = rest
        .match_indices("\n#")
        .find(|(i, _)| {
            let line = &rest[i + 1..];
            let hashes = line.chars().take_while(|c| *c == '#').count();
            hashes <= level && line[hashes..].starts_with(' ')
        })
        .map_or(rest.len(), |(i, _)| i);
    &rest[..end]
}

/// The fenced code blocks of `text`, as (language, body).
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        // As in CommonMark, a backtick fence's info string has no backticks.
        let fence = line.strip_prefix("```").filter(|info| !info.contains('`'));
        match (&mut current, fence) {
            (None, Some(lang)) => current = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some("")) => found.extend(current.take()),
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    found
}

/// One documented shell command with its expected exit code.
#[derive(Debug)]
struct Step {
    command: String,
    exit: i32,
    /// Lines it must print on standard output (from the ```text block after it).
    prints: Vec<String>,
}

/// Splits a `sh` block into commands: one per line, except that a heredoc
/// runs to its terminator. A trailing `# exit N` gives the exit code (else 0).
fn commands(body: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut lines = body.lines();
    while let Some(line) = lines.next() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let exit = line
            .rsplit_once("# exit ")
            .map(|(_, n)| n.trim().parse().expect("`# exit N` takes a number"))
            .unwrap_or(0);
        let mut command = line.to_string();
        if let Some((_, tail)) = line.split_once("<<") {
            let terminator = tail.trim().trim_matches(['\'', '"', '-']).to_string();
            for more in lines.by_ref() {
                command.push('\n');
                command.push_str(more);
                if more == terminator {
                    break;
                }
            }
        }
        steps.push(Step {
            command,
            exit,
            prints: Vec::new(),
        });
    }
    steps
}

/// The walk-through: its `sh` commands, each `text` block attached to the
/// command just before it.
fn walk_through(readme: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for (lang, body) in blocks(section(readme, "## Walk-through")) {
        match lang.as_str() {
            "sh" => steps.extend(commands(&body)),
            "text" => {
                let last = steps.last_mut().expect("a text block follows a command");
                last.prints.extend(
                    body.lines()
                        .filter(|l| l.trim() != "...")
                        .map(|l| l.trim_end().to_string()),
                );
            }
            other => panic!("unexpected ```{other} block in the walk-through"),
        }
    }
    steps
}

/// A folder whose only entry is `lambda-audit`, a link to the built binary.
fn bin_dir(root: &Path) -> PathBuf {
    let bin = root.join("bin");
    fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_lambda-audit"), bin.join("lambda-audit"))
        .unwrap();
    bin
}

/// `bash` running `script` in `dir`: the built binary first on PATH as
/// `lambda-audit`, no advisory database configured, an empty cache (so the
/// embedded starter set is used), no colour.
fn bash(dir: &Path, script: &str, extra_env: &[(&str, &str)]) -> Run {
    let scratch = tempfile::tempdir().unwrap();
    let bin = bin_dir(scratch.path());
    let cache = scratch.path().join("cache");
    fs::create_dir_all(&cache).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-c", script])
        .current_dir(dir)
        .env_remove("LAMBDA_AUDIT_DB")
        .env("LAMBDA_AUDIT_CACHE_DIR", &cache)
        .env("NO_COLOR", "1")
        .env("PATH", path);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.output().expect("bash runs").into()
}

/// Single-quotes `s` for the shell.
fn quoted(s: &Path) -> String {
    format!("'{}'", s.display().to_string().replace('\'', r"'\''"))
}

/// Runs `script` in a fresh directory laid out by `layout` around `function_zip`.
fn run_in(layout: fn(&Path, &str), function_zip: &str, script: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    layout(dir.path(), function_zip);
    bash(dir.path(), script, &[])
}

fn extract(zip_path: &Path, into: &Path) {
    let file = fs::File::open(zip_path).unwrap();
    zip::ZipArchive::new(file).unwrap().extract(into).unwrap();
}

/// What `sam build` leaves: `.aws-sam/build/<Function>/` with the code unpacked.
fn sam_layout(dir: &Path, function_zip: &str) {
    let build = dir.join(".aws-sam/build");
    extract(&fixture(function_zip), &build.join("OrdersFunction"));
    fs::write(build.join("template.yaml"), "Resources: {}\n").unwrap();
}

/// What `serverless package` leaves: `.serverless/<service>.zip`.
fn serverless_layout(dir: &Path, function_zip: &str) {
    let out = dir.join(".serverless");
    fs::create_dir_all(&out).unwrap();
    fs::copy(fixture(function_zip), out.join("orders.zip")).unwrap();
    fs::write(out.join("cloudformation-template-update-stack.json"), "{}").unwrap();
}

/// What `cdk synth` leaves: `cdk.out/asset.<hash>/` with the code unpacked.
fn cdk_layout(dir: &Path, function_zip: &str) {
    let out = dir.join("cdk.out");
    let hash = "5f3c1e6a9d2b4c8e7f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a";
    extract(&fixture(function_zip), &out.join(format!("asset.{hash}")));
    fs::write(out.join("manifest.json"), "{}").unwrap();
}

/// The `lambda-audit ...` lines of the `sh` block under a README heading.
fn readme_scan_commands(heading: &str) -> Vec<String> {
    let readme = read("README.md");
    let found: Vec<String> = blocks(section(&readme, heading))
        .into_iter()
        .filter(|(lang, _)| lang == "sh")
        .flat_map(|(_, body)| commands(&body))
        .map(|s| s.command)
        .filter(|c| c.starts_with("lambda-audit "))
        .collect();
    assert!(!found.is_empty(), "no lambda-audit command under {heading}");
    found
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:.300}"))
}

/// The advisory ids of a JSON report's suppressed findings.
fn suppressed_ids(report: &Value) -> Vec<&str> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "suppressed")
        .map(|f| f["id"].as_str().unwrap())
        .collect()
}

const NODE_BASIC_SUMMARY: &str =
    "13 findings (1 critical, 4 high, 7 medium, 1 low) in 20 packages; 0 suppressed";

#[test]
fn the_walk_through_runs_verbatim() {
    let readme = read("README.md");
    let steps = walk_through(&readme);
    let all = steps
        .iter()
        .map(|s| s.command.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    for feature in [
        "cargo build --release",
        "--format table",
        "--format json --output",
        "--format sarif --output",
        "cat > lambda-audit.toml",
        "--fail-on critical",
        "--layer node-layer.zip",
        "--baseline deployed.json --fail-on-new",
        "lambda-audit sbom",
        "scan --sbom",
    ] {
        assert!(all.contains(feature), "the walk-through lost `{feature}`");
    }

    // A copy of what the walk-through uses from a fresh clone: the fixtures it
    // names, and the release binary `cargo build --release` would produce.
    let clone = tempfile::tempdir().unwrap();
    let root = clone.path();
    let corpus = root.join("fixtures/corpus");
    fs::create_dir_all(&corpus).unwrap();
    for entry in fs::read_dir(fixture("corpus")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap();
        if path.is_file() && all.contains(&format!("fixtures/corpus/{name}")) {
            fs::copy(&path, corpus.join(name)).unwrap();
        }
    }
    fs::create_dir_all(root.join("target/release")).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_lambda-audit"),
        root.join("target/release/lambda-audit"),
    )
    .unwrap();

    // One shell session (so `cd` and `export` carry over); each command's
    // output and exit code go to files. The build itself is the one command
    // not run: the test binary is that build.
    let logs = tempfile::tempdir().unwrap();
    let mut script = String::new();
    for (i, step) in steps.iter().enumerate() {
        let log = logs.path().join(i.to_string());
        let body = if step.command.starts_with("cargo build") {
            "true"
        } else {
            step.command.as_str()
        };
        script.push_str(&format!(
            "{{ {body}\n}} >{out} 2>{err}\necho $? >{rc}\n",
            out = quoted(&log.with_extension("out")),
            err = quoted(&log.with_extension("err")),
            rc = quoted(&log.with_extension("rc")),
        ));
    }
    let run = bash(root, &script, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    for (i, step) in steps.iter().enumerate() {
        let log = logs.path().join(i.to_string());
        let code: i32 = fs::read_to_string(log.with_extension("rc"))
            .unwrap_or_else(|_| panic!("`{}` did not run", step.command))
            .trim()
            .parse()
            .unwrap();
        let stdout = fs::read_to_string(log.with_extension("out")).unwrap();
        let stderr = fs::read_to_string(log.with_extension("err")).unwrap();
        assert_eq!(
            code, step.exit,
            "`{}` exited {code}, the README says {}\nstdout: {stdout:.2000}\nstderr: {stderr}",
            step.command, step.exit
        );
        assert!(
            !stderr.contains("error"),
            "`{}` reported an error: {stderr}",
            step.command
        );
        let lines: BTreeSet<&str> = stdout.lines().map(str::trim_end).collect();
        for want in &step.prints {
            assert!(
                lines.contains(want.as_str()),
                "`{}` did not print `{want}`:\n{stdout}",
                step.command
            );
        }
        if step.command.starts_with("lambda-audit scan") {
            assert!(
                stderr.contains("embedded starter advisory set"),
                "`{}` did not say it used the starter set: {stderr}",
                step.command
            );
        }
    }

    // The reports the walk-through wrote.
    let demo = root.join("demo");
    let sarif = json(&fs::read_to_string(demo.join("report.sarif")).unwrap());
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 13);
    let deployed = json(&fs::read_to_string(demo.join("deployed.json")).unwrap());
    assert_eq!(deployed["summary"]["findings"], 12);
    assert_eq!(deployed["summary"]["suppressed"], 1);
    let suppressed = suppressed_ids(&deployed);
    assert_eq!(suppressed, ["GHSA-xvch-5gv4-984h"]);
    let bom = json(&fs::read_to_string(demo.join("bom.cdx.json")).unwrap());
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.5");
}

#[test]
fn walk_through_parsing_keeps_heredocs_and_exit_codes() {
    let steps = commands("a --x  # exit 1\n\ncat > f <<'T'\n[x]\nT\nb\n");
    let got: Vec<(&str, i32)> = steps.iter().map(|s| (s.command.as_str(), s.exit)).collect();
    assert_eq!(
        got,
        [
            ("a --x  # exit 1", 1),
            ("cat > f <<'T'\n[x]\nT", 0),
            ("b", 0)
        ]
    );
    let md = "# T\n## A\n```sh\nx\n```\n### B\n```` ```sh ```` text\n## C\n```sh\ny\n```\n";
    assert_eq!(
        section(md, "## A"),
        "```sh\nx\n```\n### B\n```` ```sh ```` text"
    );
    assert_eq!(blocks(section(md, "## A")), [("sh".into(), "x\n".into())]);
    assert_eq!(blocks(section(md, "## C")), [("sh".into(), "y\n".into())]);
}

#[test]
fn sam_command_scans_the_sam_build_folder() {
    for command in readme_scan_commands("### AWS SAM") {
        let run = run_in(sam_layout, "corpus/node-basic.zip", &command);
        assert_eq!(run.code, 1, "`{command}`: {}", run.stderr);
        let report = json(&run.stdout);
        assert_eq!(
            report["artifacts"][0]["name"],
            ".aws-sam/build/OrdersFunction"
        );
        assert_eq!(report["artifacts"].as_array().unwrap().len(), 1);
        assert_eq!(report["summary"]["findings"], 13);

        let run = run_in(sam_layout, "corpus/node-scoped.zip", &command);
        assert_eq!(run.code, 0, "`{command}` on a clean build: {}", run.stderr);
    }
}

#[test]
fn cdk_command_scans_the_synthesized_assets() {
    for command in readme_scan_commands("### AWS CDK") {
        let run = run_in(cdk_layout, "corpus/python-function.zip", &command);
        assert_eq!(run.code, 1, "`{command}`: {}", run.stderr);
        let report = json(&run.stdout);
        let name = report["artifacts"][0]["name"].as_str().unwrap();
        assert!(name.starts_with("cdk.out/asset."), "{name}");
        assert_eq!(report["summary"]["findings"], 17);

        let run = run_in(cdk_layout, "corpus/node-scoped.zip", &command);
        assert_eq!(run.code, 0, "`{command}` on clean assets: {}", run.stderr);
    }
}

/// The `before:deploy:deploy` hook of `examples/serverless.yml`.
fn serverless_hook() -> String {
    let yaml: serde_norway::Value =
        serde_norway::from_str(&read("examples/serverless.yml")).unwrap();
    assert_eq!(yaml["plugins"][0], "serverless-plugin-scripts");
    yaml["custom"]["scripts"]["hooks"]["before:deploy:deploy"]
        .as_str()
        .expect("examples/serverless.yml has a before:deploy:deploy hook")
        .to_string()
}

#[test]
fn serverless_hook_blocks_a_vulnerable_package() {
    let hook = serverless_hook();
    let readme = read("README.md");
    assert!(
        section(&readme, "### Serverless Framework")
            .contains(&format!("'before:deploy:deploy': {hook}")),
        "the README shows another hook than examples/serverless.yml"
    );

    let run = run_in(serverless_layout, "corpus/node-basic.zip", &hook);
    assert_eq!(run.code, 1, "`{hook}`: {}", run.stderr);
    assert!(run.stdout.contains(NODE_BASIC_SUMMARY), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "found in function .serverless/orders.zip: node_modules/minimist/package.json"
        ),
        "{}",
        run.stdout
    );

    let run = run_in(serverless_layout, "corpus/node-scoped.zip", &hook);
    assert_eq!(run.code, 0, "`{hook}` on a clean package: {}", run.stderr);
}

/// The steps of the example workflow's only job.
fn workflow_steps(workflow: &serde_norway::Value) -> Vec<serde_norway::Value> {
    let jobs = workflow["jobs"].as_mapping().expect("jobs");
    assert_eq!(jobs.len(), 1);
    let (_, job) = jobs.iter().next().unwrap();
    job["steps"].as_sequence().expect("steps").clone()
}

#[test]
fn github_workflow_uploads_sarif_and_keeps_the_exit_code() {
    let workflow: serde_norway::Value =
        serde_norway::from_str(&read("examples/github-actions.yml")).expect("valid YAML");
    assert_eq!(workflow["permissions"]["security-events"], "write");
    let steps = workflow_steps(&workflow);
    let scan = steps
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("lambda-audit scan"))
        })
        .expect("a scan step");
    let command = scan["run"].as_str().unwrap().trim().to_string();
    assert!(scan.get("continue-on-error").is_none());
    for hiding in ["||", "; true", "exit 0", "set +e"] {
        assert!(
            !command.contains(hiding),
            "the scan step hides its exit code: {command}"
        );
    }
    let output = command
        .split_whitespace()
        .skip_while(|w| *w != "--output")
        .nth(1)
        .expect("the scan writes --output FILE");
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("an upload-sarif step");
    assert_eq!(upload["with"]["sarif_file"], output);
    let condition = upload["if"]
        .as_str()
        .expect("the upload runs after a failed scan");
    assert!(condition.contains("!cancelled()") || condition.contains("always()"));
    let readme = read("README.md");
    assert!(
        section(&readme, "### GitHub Actions").contains(&format!("run: {command}")),
        "the README shows another scan step than examples/github-actions.yml"
    );

    // GitHub runs `run:` with `bash -eo pipefail`.
    let dir = tempfile::tempdir().unwrap();
    sam_layout(dir.path(), "corpus/node-basic.zip");
    let run = bash(dir.path(), &format!("set -eo pipefail\n{command}"), &[]);
    assert_eq!(run.code, 1, "`{command}`: {}", run.stderr);
    assert_eq!(run.stdout, "");
    let sarif = json(&fs::read_to_string(dir.path().join(output)).unwrap());
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 13);
    let rules: BTreeSet<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for result in results {
        assert!(rules.contains(result["ruleId"].as_str().unwrap()));
    }
    assert!(results.iter().any(|r| r["ruleId"] == "GHSA-xvch-5gv4-984h"));
}

#[test]
fn pre_deploy_hook_gates_the_deploy() {
    use std::os::unix::fs::PermissionsExt;
    let hook = repo("examples/pre-deploy.sh");
    let mode = fs::metadata(&hook).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o111,
        0o111,
        "examples/pre-deploy.sh is not executable"
    );
    assert!(
        section(&read("README.md"), "### A plain pre-deploy hook").contains(
            "examples/pre-deploy.sh dist/function.zip --layer dist/layer.zip && ./deploy.sh"
        )
    );

    let dir = tempfile::tempdir().unwrap();
    for name in [
        "node-basic.zip",
        "node-layer.zip",
        "node-scoped.zip",
        "java-function.zip",
    ] {
        fs::copy(fixture(&format!("corpus/{name}")), dir.path().join(name)).unwrap();
    }
    fs::write(dir.path().join("broken.zip"), b"not a zip").unwrap();
    let hook = quoted(&hook);
    // (environment assignments, arguments, exit code, what stderr says)
    let cases = [
        (
            "",
            "node-basic.zip --layer node-layer.zip",
            1,
            "deploy stopped",
        ),
        (
            "",
            "node-basic.zip --fail-on none",
            0,
            "the deploy may go on",
        ),
        ("", "node-scoped.zip", 0, "the deploy may go on"),
        // java-function.zip's worst finding is high: the default threshold
        // stops it, a critical one lets it through.
        ("", "java-function.zip", 1, "deploy stopped"),
        (
            "LAMBDA_AUDIT_FAIL_ON=critical",
            "java-function.zip",
            0,
            "may go on",
        ),
        ("", "java-function.zip --fail-on=critical", 0, "may go on"),
        ("", "broken.zip", 2, "lambda-audit failed (exit 2)"),
    ];
    for (env, args, code, says) in cases {
        let run = bash(dir.path(), &format!("{env} {hook} {args}"), &[]);
        assert_eq!(run.code, code, "pre-deploy.sh {args}: {}", run.stderr);
        assert!(
            run.stderr.contains(says),
            "pre-deploy.sh {args}: {}",
            run.stderr
        );
    }
    let run = bash(dir.path(), &format!("{hook} node-basic.zip"), &[]);
    assert!(run.stdout.contains(NODE_BASIC_SUMMARY), "{}", run.stdout);

    // No path: the build outputs of the current folder.
    let project = tempfile::tempdir().unwrap();
    serverless_layout(project.path(), "corpus/node-basic.zip");
    let run = bash(project.path(), &hook, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.contains(NODE_BASIC_SUMMARY), "{}", run.stdout);
}

#[test]
fn example_config_suppresses_by_id_package_and_purl() {
    let config = repo("examples/lambda-audit.toml");
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "lambda-audit scan {} --config {} --format json",
        quoted(&fixture("corpus/node-basic.zip")),
        quoted(&config)
    );
    let run = bash(dir.path(), &command, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = json(&run.stdout);
    let mut suppressed = suppressed_ids(&report);
    suppressed.sort_unstable();
    // The `id` rule has an `until` date: once past, it stops applying and says so.
    let expired = run.stderr.contains("suppression expired on 2026-12-31");
    let mut want = vec![
        "GHSA-27h2-hvpr-p74q",
        "GHSA-8cf7-32gw-wr33",
        "GHSA-hjrf-2m68-5959",
        "GHSA-qwph-4952-7xr6",
        "GHSA-r683-j2x4-v87g",
        "GHSA-w7rc-rwvf-8q5r",
    ];
    if !expired {
        want.push("GHSA-p6mc-m468-83gw");
        want.sort_unstable();
    }
    assert_eq!(suppressed, want, "{}", run.stderr);
    assert_eq!(report["summary"]["suppressed"], want.len());
    assert_eq!(report["summary"]["findings"], 13 - want.len());
}
