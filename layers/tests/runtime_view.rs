//! Runtime awareness: which copies of a package Lambda would actually load.

use analyzer::archive::ArchiveTree;
use analyzer::inventory::Sighting;
use analyzer::{Ecosystem, EvidenceKind, Found, Limits};
use lambda_audit_layers::runtime::{self, RuntimeView};
use lambda_audit_layers::{Artifact, ArtifactRole, Deployment, Runtime};
use testkit::zip_of;

/// An artifact holding `files`, each an empty JSON object.
fn artifact(name: &str, role: ArtifactRole, files: &[&str]) -> Artifact {
    let members: Vec<(&str, &[u8])> = files.iter().map(|f| (*f, b"{}".as_slice())).collect();
    Artifact {
        role,
        tree: ArchiveTree::open_bytes(name, zip_of(&members), &Limits::default()).unwrap(),
    }
}

fn installed(artifact: &str, eco: Ecosystem, name: &str, version: &str, install: &str) -> Sighting {
    Sighting::plain(
        artifact,
        Found::new(
            eco,
            name,
            version,
            format!("{install}/x"),
            EvidenceKind::Installed,
        )
        .installed_at(install),
    )
}

fn verdicts(sightings: &[Sighting]) -> Vec<(bool, Option<String>)> {
    sightings
        .iter()
        .map(|s| (s.loaded, s.reason.clone()))
        .collect()
}

#[test]
fn function_node_modules_shadow_layer_copies_in_search_order() {
    let dep = Deployment {
        function: Some(artifact(
            "fn.zip",
            ArtifactRole::Function,
            &["index.js", "node_modules/lodash/package.json"],
        )),
        layers: vec![
            artifact(
                "l1.zip",
                ArtifactRole::Layer(1),
                &[
                    "nodejs/node_modules/lodash/package.json",
                    "nodejs/node_modules/ms/package.json",
                ],
            ),
            artifact(
                "l2.zip",
                ArtifactRole::Layer(2),
                &["nodejs/node20/node_modules/ms/package.json"],
            ),
        ],
        runtime: None,
        handler: None,
    };
    let mut s = vec![
        installed(
            "fn.zip",
            Ecosystem::Npm,
            "lodash",
            "4.17.21",
            "node_modules/lodash",
        ),
        installed(
            "l1.zip",
            Ecosystem::Npm,
            "lodash",
            "4.17.15",
            "nodejs/node_modules/lodash",
        ),
        installed(
            "l1.zip",
            Ecosystem::Npm,
            "ms",
            "2.0.0",
            "nodejs/node_modules/ms",
        ),
        installed(
            "l2.zip",
            Ecosystem::Npm,
            "ms",
            "2.1.3",
            "nodejs/node20/node_modules/ms",
        ),
        installed(
            "l1.zip",
            Ecosystem::Npm,
            "ms",
            "0.7.0",
            "nodejs/node_modules/lodash/node_modules/ms",
        ),
    ];
    let view = dep
        .effective_runtime()
        .expect("node inferred from index.js");
    assert_eq!(
        view,
        RuntimeView {
            runtime: Runtime::Node { major: 20 },
            explicit: false
        }
    );
    runtime::mark_unloaded(view, dep.artifacts(), &mut s);
    let v = verdicts(&s);
    assert!(v[0].0, "function copy is loaded");
    assert_eq!(
        v[1],
        (
            false,
            Some(
                "shadowed: the runtime loads the copy at /var/task/node_modules/lodash first"
                    .into()
            )
        )
    );
    assert_eq!(
        v[2],
        (
            false,
            Some(
                "shadowed: the runtime loads the copy at /opt/nodejs/node20/node_modules/ms first"
                    .into()
            )
        )
    );
    assert!(v[3].0, "node20 copy wins over /opt/nodejs/node_modules");
    assert!(
        v[4].0,
        "nested copies are not judged by top-level precedence"
    );
}

#[test]
fn explicit_runtime_rules_out_other_versions_and_families() {
    let dep = Deployment {
        function: Some(artifact("fn.zip", ArtifactRole::Function, &["app.py"])),
        layers: vec![artifact(
            "py.zip",
            ArtifactRole::Layer(1),
            &[
                "python/lib/python3.11/site-packages/six-1.15.0.dist-info/METADATA",
                "nodejs/node18/node_modules/a/package.json",
            ],
        )],
        runtime: Some("python3.12".parse().unwrap()),
        handler: None,
    };
    let mut s = vec![
        installed(
            "py.zip",
            Ecosystem::PyPI,
            "six",
            "1.15.0",
            "python/lib/python3.11/site-packages/six-1.15.0.dist-info",
        ),
        installed(
            "py.zip",
            Ecosystem::Npm,
            "a",
            "1.0.0",
            "nodejs/node18/node_modules/a",
        ),
        installed(
            "fn.zip",
            Ecosystem::PyPI,
            "six",
            "1.16.0",
            "six-1.16.0.dist-info",
        ),
    ];
    runtime::mark_unloaded(dep.effective_runtime().unwrap(), dep.artifacts(), &mut s);
    let v = verdicts(&s);
    assert_eq!(
        v[0],
        (
            false,
            Some(
                "in /opt/python/lib/python3.11/site-packages, which python3.12 does not search"
                    .into()
            )
        )
    );
    assert_eq!(
        v[1],
        (
            false,
            Some("python3.12 does not load npm packages from /opt/nodejs".into())
        )
    );
    assert!(v[2].0);
}

#[test]
fn python_and_java_precedence() {
    let dep = Deployment {
        function: Some(artifact(
            "fn.zip",
            ArtifactRole::Function,
            &["lib/a.jar", "requests-2.31.0.dist-info/METADATA"],
        )),
        layers: vec![artifact(
            "l.zip",
            ArtifactRole::Layer(1),
            &[
                "java/lib/a-old.jar",
                "python/requests-2.19.0.dist-info/METADATA",
            ],
        )],
        runtime: None,
        handler: None,
    };
    let mut s = vec![
        installed("fn.zip", Ecosystem::Maven, "g:a", "2.0", "lib/a.jar"),
        installed(
            "l.zip",
            Ecosystem::Maven,
            "g:a",
            "1.0",
            "java/lib/a-old.jar",
        ),
        installed(
            "fn.zip",
            Ecosystem::PyPI,
            "requests",
            "2.31.0",
            "requests-2.31.0.dist-info",
        ),
        installed(
            "l.zip",
            Ecosystem::PyPI,
            "Requests",
            "2.19.0",
            "python/requests-2.19.0.dist-info",
        ),
    ];
    runtime::mark_unloaded(dep.effective_runtime().unwrap(), dep.artifacts(), &mut s);
    let v = verdicts(&s);
    assert!(v[0].0 && v[2].0);
    assert_eq!(
        v[1],
        (
            false,
            Some("shadowed: the runtime loads the copy at /var/task/lib/a.jar first".into())
        )
    );
    assert_eq!(
        v[3],
        (
            false,
            Some(
                "shadowed: the runtime loads the copy at /var/task/requests-2.31.0.dist-info first"
                    .into()
            )
        )
    );
}

#[test]
fn runtime_names_parse_and_print() {
    for name in ["nodejs20.x", "python3.12", "java21", "provided.al2023"] {
        assert_eq!(name.parse::<Runtime>().unwrap().to_string(), name);
    }
    assert_eq!(
        "java8.al2".parse::<Runtime>(),
        Ok(Runtime::Java { major: 8 })
    );
    assert!("ruby3.3".parse::<Runtime>().is_err());
}
