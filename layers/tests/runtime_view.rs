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
    for name in [
        "nodejs20.x",
        "python3.12",
        "java21",
        "ruby3.3",
        "dotnet8",
        "provided.al2023",
    ] {
        assert_eq!(name.parse::<Runtime>().unwrap().to_string(), name);
    }
    assert_eq!(
        "java8.al2".parse::<Runtime>(),
        Ok(Runtime::Java { major: 8 })
    );
    assert_eq!("ruby3.2".parse::<Runtime>(), Ok(Runtime::Ruby { minor: 2 }));
    assert_eq!(
        "dotnet8".parse::<Runtime>(),
        Ok(Runtime::Dotnet { major: 8 })
    );
    assert_eq!("provided.al2".parse::<Runtime>(), Ok(Runtime::Provided));
    assert!("ruby2.7x".parse::<Runtime>().is_err());
    assert!("go1.x".parse::<Runtime>().is_err());
}

fn ruby_deployment(runtime: Option<Runtime>) -> Deployment {
    Deployment {
        function: Some(artifact(
            "fn.zip",
            ArtifactRole::Function,
            &[
                "lambda_function.rb",
                "Gemfile.lock",
                "vendor/bundle/ruby/3.3.0/specifications/rack-2.2.22.gemspec",
                // Gems may ship JavaScript assets: still a Ruby function.
                "vendor/bundle/ruby/3.3.0/gems/rack-2.2.22/lib/x.js",
            ],
        )),
        layers: vec![artifact(
            "layer.zip",
            ArtifactRole::Layer(1),
            &["ruby/gems/3.3.0/specifications/rack-2.2.22.gemspec"],
        )],
        runtime,
        handler: None,
    }
}

fn gems() -> Vec<Sighting> {
    let gem = |artifact, version, install| {
        installed(artifact, Ecosystem::RubyGems, "rack", version, install)
    };
    vec![
        gem(
            "fn.zip",
            "2.2.22",
            "vendor/bundle/ruby/3.3.0/gems/rack-2.2.22",
        ),
        gem("layer.zip", "2.2.22", "ruby/gems/3.3.0/gems/rack-2.2.22"),
        gem("layer.zip", "3.0.0", "ruby/gems/3.3.0/gems/rack-3.0.0"),
        gem("layer.zip", "2.2.22", "ruby/gems/3.2.0/gems/rack-2.2.22"),
    ]
}

#[test]
fn gem_path_order_shadows_the_same_gem_version() {
    let dep = ruby_deployment(None);
    let view = dep.effective_runtime().expect("ruby inferred");
    assert_eq!(
        view,
        RuntimeView {
            runtime: Runtime::Ruby { minor: 3 },
            explicit: false
        }
    );
    let mut s = gems();
    runtime::mark_unloaded(view, dep.artifacts(), &mut s);
    assert_eq!(
        verdicts(&s),
        vec![
            (true, None),
            (
                false,
                Some(
                    "shadowed: the runtime loads the copy at \
                     /var/task/vendor/bundle/ruby/3.3.0/gems/rack-2.2.22 first"
                        .into()
                )
            ),
            // Another version: which one `require` activates is not the layout's call.
            (true, None),
            // The ABI folder is only checked for an explicit runtime.
            (true, None),
        ]
    );
}

#[test]
fn an_explicit_ruby_runtime_skips_other_abi_folders_and_families() {
    let dep = ruby_deployment(Some(Runtime::Ruby { minor: 3 }));
    let mut s = gems();
    runtime::mark_unloaded(dep.effective_runtime().unwrap(), dep.artifacts(), &mut s);
    assert_eq!(
        verdicts(&s)[3],
        (
            false,
            Some(
                "in /opt/ruby/gems/3.2.0, which ruby3.3 does not search (its GEM_PATH has \
                 /opt/ruby/gems/3.3.0)"
                    .into()
            )
        )
    );
    let dep = ruby_deployment(Some(Runtime::Node { major: 20 }));
    let mut s = gems();
    runtime::mark_unloaded(dep.effective_runtime().unwrap(), dep.artifacts(), &mut s);
    assert_eq!(
        verdicts(&s)[1],
        (
            false,
            Some("nodejs20.x does not load gems from /opt/ruby/gems".into())
        )
    );
}

#[test]
fn dotnet_and_go_functions_are_recognised() {
    let dotnet = Deployment {
        function: Some(artifact(
            "fn.zip",
            ArtifactRole::Function,
            &["Orders.deps.json", "Orders.dll", "wwwroot/app.js"],
        )),
        layers: vec![],
        runtime: None,
        handler: None,
    };
    assert_eq!(
        dotnet.effective_runtime().map(|v| v.runtime),
        Some(Runtime::Dotnet { major: 0 }),
        "no runtimeconfig.json: the major is unknown"
    );
    // The runtime configuration `dotnet publish` writes names the major.
    let config = br#"{"runtimeOptions": {"tfm": "net8.0",
        "framework": {"name": "Microsoft.NETCore.App", "version": "8.0.0"}}}"#;
    let files: Vec<(&str, &[u8])> = vec![
        ("Orders.deps.json", b"{}"),
        ("Orders.runtimeconfig.json", config),
        ("Orders.dll", b""),
    ];
    let dotnet8 = Deployment {
        function: Some(Artifact {
            role: ArtifactRole::Function,
            tree: ArchiveTree::open_bytes("fn.zip", zip_of(&files), &Limits::default()).unwrap(),
        }),
        layers: vec![],
        runtime: None,
        handler: None,
    };
    assert_eq!(
        dotnet8
            .effective_runtime()
            .map(|v| (v.runtime, v.runtime.to_string())),
        Some((Runtime::Dotnet { major: 8 }, "dotnet8".to_string()))
    );
    let go = Deployment {
        function: Some(artifact("fn.zip", ArtifactRole::Function, &["bootstrap"])),
        layers: vec![],
        runtime: None,
        handler: None,
    };
    assert_eq!(
        go.effective_runtime().map(|v| v.runtime),
        Some(Runtime::Provided)
    );
}
