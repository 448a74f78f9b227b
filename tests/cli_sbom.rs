//! `lambda-audit sbom` end to end: the inventory of every corpus artifact equals
//! its ground truth, bad input gives clear errors or warnings, output is stable.

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use support::{lambda_audit, zip_of};
use testkit::fixture;

type Key = (String, String, String);

fn key(eco: &str, name: &str, version: &str) -> Key {
    let name = if eco == "PyPI" {
        pep503(name)
    } else {
        name.to_string()
    };
    (eco.to_string(), name, version.to_string())
}

fn pep503(name: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn keys(list: &Value) -> BTreeSet<Key> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            key(
                p["ecosystem"].as_str().unwrap(),
                p["name"].as_str().unwrap(),
                p["version"].as_str().unwrap(),
            )
        })
        .collect()
}

/// Packages identified only heuristically (jar manifests) are compared separately.
fn is_heuristic(p: &Value) -> bool {
    p["locations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["evidence"] == "heuristic")
}

#[test]
fn every_corpus_artifact_matches_its_ground_truth() {
    let dir = fixture("corpus");
    let mut checked = 0;
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    names.sort();
    for path in names {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let truth_path = dir.join("expected").join(format!("{name}.json"));
        let truth: Value = serde_json::from_slice(&std::fs::read(&truth_path).unwrap()).unwrap();
        let out = lambda_audit(&["sbom", path.to_str().unwrap()]);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        let report: Value = serde_json::from_str(&out.stdout).unwrap();
        let packages = report["packages"].as_array().unwrap();
        let exact: Value = packages
            .iter()
            .filter(|p| !is_heuristic(p))
            .cloned()
            .collect();
        if truth["layout"] == "nodejs-bundle" {
            // A shipped bundle names its packages but carries few of their
            // versions (no lockfile ships): what it does version must be
            // right. Recall per evidence level is analyzer/tests/bundle_corpus.rs's.
            let truth = keys(&truth["packages"]);
            let found = keys(&exact);
            assert!(!found.is_empty(), "{name}: no versioned package");
            assert!(
                found.is_subset(&truth),
                "{name}: {found:?} not all in {truth:?}"
            );
            checked += 1;
            continue;
        }
        assert_eq!(
            keys(&exact),
            keys(&truth["packages"]),
            "{name}: packages differ from the ground truth"
        );
        if let Some(roots) = truth.get("roots") {
            assert_eq!(keys(&report["roots"]), keys(roots), "{name}: roots differ");
        }
        // Heuristic identifications only come from jars without pom.properties.
        let no_pom: BTreeSet<String> = truth
            .get("jars_without_pom_properties")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|p| p.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        for p in packages.iter().filter(|p| is_heuristic(p)) {
            for l in p["locations"].as_array().unwrap() {
                let jar = l["install_path"].as_str().unwrap_or_default();
                assert!(
                    no_pom.contains(jar),
                    "{name}: heuristic package {p} from {jar}, which has pom.properties"
                );
            }
        }
        // Every jar's SHA-1 is reported as the ground truth has it.
        if let Some(jars) = truth.get("jars").and_then(Value::as_array) {
            let want: BTreeSet<(String, String)> = jars
                .iter()
                .map(|j| {
                    (
                        j["path"].as_str().unwrap().to_string(),
                        j["sha1"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            let got: BTreeSet<(String, String)> = report["artifacts"][0]["jars"]
                .as_array()
                .unwrap()
                .iter()
                .map(|j| {
                    (
                        j["path"].as_str().unwrap().to_string(),
                        j["sha1"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            assert_eq!(got, want, "{name}: jar SHA-1s");
        }
        checked += 1;
    }
    assert_eq!(
        checked, 22,
        "all 22 corpus artifacts (15 of set A, the 7 of the coverage set) are in fixtures/corpus"
    );
}

#[test]
fn output_is_byte_identical_across_runs() {
    let f = fixture("corpus/node-nested.zip");
    let l = fixture("corpus/python-layer.zip");
    let args = ["sbom", f.to_str().unwrap(), "--layer", l.to_str().unwrap()];
    let a = lambda_audit(&args);
    let b = lambda_audit(&args);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn layers_are_mounted_in_opt_in_order() {
    let f = fixture("corpus/node-basic.zip");
    let l = fixture("corpus/node-layer.zip");
    let out = lambda_audit(&["sbom", f.to_str().unwrap(), "--layer", l.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let arts = report["artifacts"].as_array().unwrap();
    assert_eq!(arts[0]["role"], "function");
    assert_eq!(arts[0]["mount"], "/var/task");
    assert_eq!(arts[1]["role"], "layer");
    assert_eq!(arts[1]["layer_index"], 1);
    assert_eq!(arts[1]["mount"], "/opt");
    let handlebars = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "handlebars")
        .expect("handlebars from the layer");
    let lambda_paths: Vec<&str> = handlebars["locations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["lambda_path"].as_str())
        .collect();
    assert!(
        lambda_paths.contains(&"/opt/nodejs/node_modules/handlebars/package.json"),
        "{lambda_paths:?}"
    );
}

#[test]
fn unreadable_artifacts_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.zip");
    std::fs::write(&empty, b"").unwrap();
    let text = dir.path().join("notes.zip");
    std::fs::write(&text, b"these are not the bytes of a zip").unwrap();
    let truncated = dir.path().join("truncated.zip");
    let whole = std::fs::read(fixture("corpus/node-scoped.zip")).unwrap();
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    for (path, says) in [
        (&empty, "empty file"),
        (&text, "not a readable zip archive"),
        (&truncated, "not a readable zip archive"),
    ] {
        let out = lambda_audit(&["sbom", path.to_str().unwrap()]);
        assert_eq!(out.code, 2, "{}", path.display());
        assert!(out.stderr.contains(says), "{}", out.stderr);
        assert!(out
            .stderr
            .contains(path.file_name().unwrap().to_str().unwrap()));
        assert!(out.stdout.is_empty());
    }
    let missing = lambda_audit(&["sbom", "/nonexistent/fn.zip"]);
    assert_eq!(missing.code, 2);
    let usage = lambda_audit(&["sbom", "--no-such-flag"]);
    assert_eq!(usage.code, 2);
}

#[test]
fn one_bad_manifest_is_a_warning_and_the_rest_is_intact() {
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "node_modules/broken/package.json",
            b"{\"name\": \"broken\", ",
            "JSON",
        ),
        ("Cargo.lock", b"[[package]\nname = ", "TOML"),
        (
            "pnpm-lock.yaml",
            b"lockfileVersion: '6.0'\npackages:\n  - [unclosed",
            "YAML",
        ),
        (
            "pom.xml",
            b"<project><dependencies><dependency></project>",
            "XML",
        ),
        ("requirements.txt", b"\xff\xfe\x00garbage==1.0\n", "UTF-8"),
    ];
    for (bad_path, bad_bytes, kind) in cases {
        let zip = zip_of(&[
            ("index.js", b"exports.handler = async () => {};".as_slice()),
            (
                "node_modules/ok/package.json",
                br#"{"name":"ok","version":"1.2.3"}"#.as_slice(),
            ),
            (bad_path, bad_bytes),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fn.zip");
        std::fs::File::create(&path)
            .unwrap()
            .write_all(&zip)
            .unwrap();
        let out = lambda_audit(&["sbom", path.to_str().unwrap()]);
        assert_eq!(out.code, 0, "{kind}: {}", out.stderr);
        let report: Value = serde_json::from_str(&out.stdout).unwrap();
        let warnings = report["warnings"].as_array().unwrap();
        assert!(
            warnings.iter().any(|w| w["path"] == bad_path),
            "{kind}: no warning for {bad_path}: {warnings:?}"
        );
        assert!(
            out.stderr.contains(bad_path),
            "{kind}: stderr: {}",
            out.stderr
        );
        assert!(
            keys(&report["packages"]).contains(&key("npm", "ok", "1.2.3")),
            "{kind}: the rest of the inventory is intact"
        );
    }
}

#[test]
fn a_manifest_with_an_unparseable_version_is_reported_not_dropped() {
    let zip = zip_of(&[(
        "node_modules/odd/package.json",
        br#"{"name":"odd","version":"1.2.3.4"}"#.as_slice(),
    )]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fn.zip");
    std::fs::write(&path, zip).unwrap();
    let out = lambda_audit(&["sbom", path.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(keys(&report["packages"]).contains(&key("npm", "odd", "1.2.3.4")));
    let warnings = report["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w["path"] == "node_modules/odd/package.json"
                && w["message"]
                    .as_str()
                    .unwrap()
                    .contains("not a valid npm version")),
        "{warnings:?}"
    );
}

#[test]
fn cyclonedx_sbom_reads_back_with_the_same_packages_and_roots() {
    let f = fixture("corpus/node-basic.zip");
    let l = fixture("corpus/node-layer.zip");
    let dir = tempfile::tempdir().unwrap();
    let bom = dir.path().join("bom.cdx.json");
    let json = lambda_audit(&["sbom", f.to_str().unwrap(), "--layer", l.to_str().unwrap()]);
    let out = lambda_audit(&[
        "sbom",
        f.to_str().unwrap(),
        "--layer",
        l.to_str().unwrap(),
        "--format",
        "cyclonedx",
        "--output",
        bom.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let scan = support::lambda_audit_env(
        &[
            "scan",
            "--sbom",
            bom.to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
        &[
            ("LAMBDA_AUDIT_DB", ""),
            ("LAMBDA_AUDIT_CACHE_DIR", dir.path().to_str().unwrap()),
        ],
    );
    assert_eq!(scan.code, 0, "{}", scan.stderr);
    let direct: Value = serde_json::from_str(&json.stdout).unwrap();
    let round: Value = serde_json::from_str(&scan.stdout).unwrap();
    assert_eq!(keys(&round["packages"]), keys(&direct["packages"]));
    assert_eq!(keys(&round["roots"]), keys(&direct["roots"]));
}

#[test]
fn spdx_sbom_of_a_function_and_its_layer() {
    let f = fixture("corpus/node-basic.zip");
    let l = fixture("corpus/node-layer.zip");
    let json = lambda_audit(&["sbom", f.to_str().unwrap(), "--layer", l.to_str().unwrap()]);
    let out = lambda_audit(&[
        "sbom",
        f.to_str().unwrap(),
        "--layer",
        l.to_str().unwrap(),
        "--format",
        "spdx",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    // Created now, in UTC, to the second.
    let created = doc["creationInfo"]["created"].as_str().unwrap();
    assert!(
        created.len() == 20 && created.ends_with('Z') && created > "2026-01-01",
        "{created}"
    );
    let purls: BTreeSet<&str> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["primaryPackagePurpose"] == "LIBRARY")
        .flat_map(|p| p["externalRefs"].as_array().unwrap())
        .filter(|r| r["referenceType"] == "purl")
        .map(|r| r["referenceLocator"].as_str().unwrap())
        .collect();
    let direct: Value = serde_json::from_str(&json.stdout).unwrap();
    let expected: BTreeSet<&str> = direct["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["purl"].as_str().unwrap())
        .collect();
    assert_eq!(purls, expected);
    // The layer is an artifact of its own that contains its packages.
    let layer = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["primaryPackagePurpose"] == "ARCHIVE")
        .expect("the layer");
    assert!(doc["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["spdxElementId"] == layer["SPDXID"] && r["relationshipType"] == "CONTAINS"));
}

#[test]
fn sbom_takes_the_deployment_options_and_refuses_the_finding_ones() {
    let path = fixture("corpus/node-basic.zip").display().to_string();
    let layer = fixture("corpus/node-layer.zip").display().to_string();
    let deployment = [
        "sbom",
        path.as_str(),
        "--layer",
        layer.as_str(),
        "--handler",
        "index.handler",
        "--runtime",
        "nodejs20.x",
        "--architecture",
        "arm64",
    ];
    let json = lambda_audit(&[&deployment[..], &["--format", "json"]].concat());
    assert_eq!(json.code, 0, "{}", json.stderr);
    let inventory: Value = serde_json::from_str(&json.stdout).unwrap();
    let walked = &inventory["reachability"][0];
    assert_eq!(walked["handler"], "index.handler");
    let status = |name: &str| {
        let purl = inventory["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["purl"]
            .as_str()
            .unwrap()
            .to_string();
        walked["packages"][&purl]["status"].clone()
    };
    assert_eq!(status("axios"), "imported");
    assert_eq!(status("handlebars"), "not-imported");

    let cdx = lambda_audit(&[&deployment[..], &["--format", "cyclonedx"]].concat());
    assert_eq!(cdx.code, 0, "{}", cdx.stderr);
    let bom: Value = serde_json::from_str(&cdx.stdout).unwrap();
    let property = |name: &str| {
        let c = bom["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap();
        c["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "lambda-audit:reachability")
            .map(|p| p["value"].clone())
    };
    assert_eq!(property("axios"), Some(Value::from("imported")));
    assert_eq!(property("handlebars"), Some(Value::from("not-imported")));
    let without = lambda_audit(&["sbom", &path, "--format", "cyclonedx"]);
    assert!(!without.stdout.contains("lambda-audit:reachability"));

    for flag in [
        &["--kev", "kev.json"][..],
        &["--epss", "epss.csv"],
        &["--vex", "team.vex.json"],
        &["--sort", "risk"],
        &["--ignore-unimported"],
    ] {
        let run = lambda_audit(&[&["sbom", path.as_str()][..], flag].concat());
        assert_eq!(run.code, 2, "{flag:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("{} does not apply to `sbom`", flag[0])),
            "{flag:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{flag:?}: nothing is written");
    }
}
