//! The Go and Ruby extractors against the real corpus artifacts (copied into
//! `fixtures/corpus/`) and their build-tool-derived ground truth
//! (`../shared/corpus/COVERAGE.md`), then matching against the full Go and
//! RubyGems advisory data in `../shared/advisories`.

use lambda_audit_analyzer::advisories::Database;
use lambda_audit_analyzer::extract::{self, ArtifactScan};
use lambda_audit_analyzer::inventory::{merge, Inventory, Sighting};
use lambda_audit_analyzer::matching::match_inventory;
use lambda_audit_analyzer::{ArchiveTree, EvidenceKind, Limits, Role};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

type Key = (String, String, String);

fn scan(artifact: &str) -> (ArtifactScan, Value) {
    let dir = testkit::fixture("corpus");
    let tree = ArchiveTree::open_path(&dir.join(artifact), &Limits::default())
        .unwrap_or_else(|e| panic!("{artifact}: {e}"));
    let scan = extract::scan_tree(&tree, &extract::all());
    let truth = std::fs::read_to_string(dir.join("expected").join(format!("{artifact}.json")))
        .expect("ground truth");
    (
        scan,
        serde_json::from_str(&truth).expect("ground truth JSON"),
    )
}

fn truth_set(truth: &Value, field: &str) -> BTreeSet<Key> {
    truth[field]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap().to_string();
            (s("ecosystem"), s("name"), s("version"))
        })
        .collect()
}

fn found_set(scan: &ArtifactScan, role: Role) -> BTreeSet<Key> {
    scan.packages
        .iter()
        .filter(|f| f.role == role)
        .map(|f| (f.ecosystem.to_string(), f.name.clone(), f.version.clone()))
        .collect()
}

/// Inventory equals the ground truth: dependencies and roots, no warnings.
fn check_inventory(artifact: &str) -> (ArtifactScan, Value) {
    let (scan, truth) = scan(artifact);
    assert_eq!(scan.warnings, vec![], "{artifact}: warnings");
    assert_eq!(scan.incomplete, vec![], "{artifact}: gaps");
    assert_eq!(
        found_set(&scan, Role::Dependency),
        truth_set(&truth, "packages"),
        "{artifact}: packages"
    );
    assert_eq!(
        found_set(&scan, Role::Root),
        truth_set(&truth, "roots"),
        "{artifact}: roots"
    );
    (scan, truth)
}

#[test]
fn go_bootstrap_build_info_is_the_ground_truth() {
    let (scan, _) = check_inventory("go-bootstrap.zip");
    assert!(scan
        .packages
        .iter()
        .all(|f| f.path == "bootstrap" && f.evidence == EvidenceKind::Binary));
    // The cargo extractor read the binary too, and says nothing about a Go binary.
    assert_eq!(scan.skipped, vec![]);
    let stdlib = scan.packages.iter().find(|f| f.name == "stdlib").unwrap();
    assert_eq!(stdlib.version, "go1.19.8");
}

#[test]
fn ruby_function_gemspecs_and_lockfile_agree_with_the_ground_truth() {
    let (scan, truth) = check_inventory("ruby-function.zip");
    // Every gem is seen twice: its installed gemspec (the truth's path) and the lockfile.
    let installed: BTreeMap<(String, String), String> = scan
        .packages
        .iter()
        .filter(|f| f.evidence == EvidenceKind::Installed)
        .map(|f| ((f.name.clone(), f.version.clone()), f.path.clone()))
        .collect();
    for p in truth["packages"].as_array().unwrap() {
        let key = (
            p["name"].as_str().unwrap().to_string(),
            p["version"].as_str().unwrap().to_string(),
        );
        assert_eq!(
            installed.get(&key).map(String::as_str),
            p["path"].as_str(),
            "{key:?}"
        );
    }
    let locked = scan
        .packages
        .iter()
        .filter(|f| f.evidence == EvidenceKind::Lockfile && f.path == "Gemfile.lock")
        .count();
    assert_eq!(locked, 10);
    assert!(
        scan.packages.iter().all(|f| f.note.is_none()),
        "no lock-only gems"
    );
}

#[test]
fn ruby_layer_gemspecs_without_a_lockfile() {
    let (scan, truth) = check_inventory("ruby-layer.zip");
    let paths: BTreeSet<&str> = scan.packages.iter().map(|f| f.path.as_str()).collect();
    let truth_paths: BTreeSet<&str> = truth["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, truth_paths);
    let rack = scan.packages.iter().find(|f| f.name == "rack").unwrap();
    assert_eq!(
        rack.install_path.as_deref(),
        Some("ruby/gems/3.2.0/gems/rack-2.2.22")
    );
}

/// (package, finding id) pairs a database gives for an artifact's inventory.
fn matched_pairs(db: &Database, artifact: &str) -> BTreeSet<(String, String)> {
    findings(db, artifact)
        .into_iter()
        .map(|(name, id, _)| (name, id))
        .collect()
}

/// Whether a finding on `name` has `id` as its id or an alias.
fn has(db: &Database, artifact: &str, name: &str, id: &str) -> bool {
    findings(db, artifact)
        .iter()
        .any(|(n, i, aliases)| n == name && (i == id || aliases.iter().any(|a| a == id)))
}

/// (package, finding id, aliases) of each finding.
fn findings(db: &Database, artifact: &str) -> Vec<(String, String, Vec<String>)> {
    let (scan, _) = scan(artifact);
    let sightings = scan
        .packages
        .into_iter()
        .map(|f| Sighting::plain(artifact, f))
        .collect();
    let (packages, roots) = merge(sightings);
    let report = match_inventory(
        Inventory {
            packages,
            roots,
            ..Inventory::default()
        },
        db,
    );
    assert!(
        report.unmatched.is_empty(),
        "{artifact}: {:?}",
        report.unmatched
    );
    report
        .findings
        .iter()
        .map(|f| (f.package.name.clone(), f.id.clone(), f.aliases.clone()))
        .collect()
}

fn per_package(pairs: &BTreeSet<(String, String)>) -> BTreeMap<&str, usize> {
    let mut out = BTreeMap::new();
    for (name, _) in pairs {
        *out.entry(name.as_str()).or_default() += 1;
    }
    out
}

/// The counts `COVERAGE.md` reports from its own version matching of the
/// ground truth against the same data ("Advisory matches at the time of
/// writing"): the index loads the Go and RubyGems exports, and the Go and
/// RubyGems version rules reproduce them.
#[test]
fn go_and_ruby_findings_against_the_shared_advisories() {
    let Some(dir) = testkit::shared_path("advisories") else {
        return;
    };
    let db = Database::open(&dir.join("Go/all.zip")).expect("Go advisories open");
    let go = matched_pairs(&db, "go-bootstrap.zip");
    let counts = per_package(&go);
    assert_eq!((go.len(), counts.len()), (125, 10), "{counts:?}");
    assert_eq!(counts["stdlib"], 80);
    assert_eq!(counts["golang.org/x/crypto"], 20);
    assert_eq!(counts["golang.org/x/net"], 16);
    let bootstrap = "go-bootstrap.zip";
    for (name, id) in [
        ("github.com/aws/aws-sdk-go", "GO-2022-0635"),
        ("github.com/aws/aws-sdk-go", "GO-2022-0646"),
        ("github.com/dgrijalva/jwt-go", "GO-2020-0017"),
        ("github.com/gin-gonic/gin", "GO-2023-1737"),
    ] {
        assert!(has(&db, bootstrap, name, id), "{name} {id}");
    }

    let db = Database::open(&dir.join("RubyGems/all.zip")).expect("RubyGems advisories open");
    let function = matched_pairs(&db, "ruby-function.zip");
    assert_eq!(
        per_package(&function),
        BTreeMap::from([("httparty", 1), ("jwt", 1), ("rexml", 6)])
    );
    assert!(has(
        &db,
        "ruby-function.zip",
        "jwt",
        "x_RUBYSEC-jwt-CVE-2026-45363"
    ));
    let layer = matched_pairs(&db, "ruby-layer.zip");
    assert_eq!(
        per_package(&layer),
        BTreeMap::from([("faraday", 2), ("rack", 9), ("sinatra", 2), ("webrick", 1)])
    );
}

/// The whole folder adds what other ecosystems' exports say about Go modules:
/// GitHub's HTTP/2 rapid-reset record (in the Maven and npm exports) also names
/// golang.org/x/net, which the Go export files under its own GO id.
#[test]
fn records_of_other_exports_that_name_go_modules_match_too() {
    let Some(dir) = testkit::shared_path("advisories") else {
        return;
    };
    let all = Database::open(&dir).expect("advisories open");
    let go_only = Database::open(&dir.join("Go/all.zip")).expect("Go advisories open");
    let extra: BTreeSet<_> = matched_pairs(&all, "go-bootstrap.zip")
        .difference(&matched_pairs(&go_only, "go-bootstrap.zip"))
        .cloned()
        .collect();
    assert_eq!(
        extra,
        BTreeSet::from([(
            "golang.org/x/net".to_string(),
            "GHSA-qppj-fm5r-hxr3".to_string()
        )])
    );
}

/// The embedded starter set covers every vulnerable package of the Go and
/// Ruby fixtures (one record each; `db update` brings the rest), and each of
/// its findings is one the full data gives too.
#[test]
fn starter_set_covers_every_vulnerable_package_of_the_new_fixtures() {
    let starter = Database::embedded();
    let vulnerable: [(&str, &[&str]); 3] = [
        (
            "go-bootstrap.zip",
            &[
                "github.com/aws/aws-sdk-go",
                "github.com/dgrijalva/jwt-go",
                "github.com/gin-gonic/gin",
                "github.com/golang-jwt/jwt/v4",
                "golang.org/x/crypto",
                "golang.org/x/net",
                "golang.org/x/sys",
                "golang.org/x/text",
                "google.golang.org/protobuf",
                "stdlib",
            ],
        ),
        ("ruby-function.zip", &["httparty", "jwt", "rexml"]),
        ("ruby-layer.zip", &["faraday", "rack", "sinatra", "webrick"]),
    ];
    let full = testkit::shared_path("advisories").map(|dir| Database::open(&dir).unwrap());
    for (artifact, packages) in vulnerable {
        let from_starter = matched_pairs(&starter, artifact);
        let names: BTreeSet<&str> = from_starter.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, packages.iter().copied().collect(), "{artifact}");
        if let Some(full) = &full {
            let from_full = matched_pairs(full, artifact);
            assert!(from_starter.is_subset(&from_full), "{artifact}");
        }
    }
}

/// .NET: a `deps.json` written from the published format (no .NET SDK in
/// Debian to build one), matched against the real NuGet entries of GitHub's
/// records in the shared exports and against the starter set; the id is
/// spelled in lowercase there, as NuGet ids are case-insensitive.
#[test]
fn dotnet_deps_json_inventory_and_matching() {
    let dir = testkit::fixture("dotnet/orders-function");
    let tree = ArchiveTree::open_path(&dir, &Limits::default()).expect("fixture folder");
    let scan = extract::scan_tree(&tree, &extract::all());
    assert_eq!(scan.warnings, vec![]);
    let rows: BTreeSet<(String, String, Role)> = scan
        .packages
        .iter()
        .map(|f| (f.name.clone(), f.version.clone(), f.role))
        .collect();
    let expected: BTreeSet<(String, String, Role)> = [
        ("Amazon.Lambda.Core", "2.2.0", Role::Dependency),
        (
            "Amazon.Lambda.Serialization.SystemTextJson",
            "2.4.0",
            Role::Dependency,
        ),
        ("BouncyCastle.Cryptography", "2.3.0", Role::Dependency),
        ("google.protobuf", "3.14.0", Role::Dependency),
        ("OrdersFunction", "1.0.0", Role::Root),
    ]
    .into_iter()
    .map(|(n, v, r)| (n.to_string(), v.to_string(), r))
    .collect();
    assert_eq!(rows, expected);

    let ids = |db: &Database| -> BTreeSet<(String, String)> {
        let sightings = scan
            .packages
            .iter()
            .cloned()
            .map(|f| Sighting::plain("orders-function", f))
            .collect();
        let (packages, roots) = merge(sightings);
        let report = match_inventory(
            Inventory {
                packages,
                roots,
                ..Inventory::default()
            },
            db,
        );
        report
            .findings
            .iter()
            .flat_map(|f| {
                std::iter::once(f.id.clone())
                    .chain(f.aliases.iter().cloned())
                    .map(|id| (f.package.name.clone(), id))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let starter = ids(&Database::embedded());
    for (name, id) in [
        ("google.protobuf", "GHSA-77rm-9x9h-xj3g"),
        ("BouncyCastle.Cryptography", "GHSA-8xfc-gm6g-vgpv"),
    ] {
        assert!(
            starter.contains(&(name.into(), id.into())),
            "{name} {id}: {starter:?}"
        );
    }
    let Some(dir) = testkit::shared_path("advisories") else {
        return;
    };
    let full = ids(&Database::open(&dir).unwrap());
    for id in [
        "GHSA-8xfc-gm6g-vgpv",
        "GHSA-m44j-cfrm-g8qc",
        "GHSA-v435-xc8x-wvr9",
    ] {
        assert!(
            full.contains(&("BouncyCastle.Cryptography".into(), id.into())),
            "{id}"
        );
    }
    assert!(full.contains(&("google.protobuf".into(), "GHSA-77rm-9x9h-xj3g".into())));
    assert!(starter.is_subset(&full));
}

/// The .NET runtime in `runtimeconfig.json`: a framework-dependent app runs
/// on Lambda's managed runtime (AWS patches it), so its frameworks are listed
/// in coverage, not matched; a self-contained app ships its runtime, reported
/// as the runtime pack Microsoft's advisories name for the function's
/// architecture and matched against a record the team wrote from a public
/// advisory (none is in ../shared).
#[test]
fn dotnet_runtime_from_runtimeconfig_matches_runtime_advisories() {
    let dir = testkit::fixture("dotnet/api-function");
    let tree = ArchiveTree::open_path(&dir, &Limits::default()).expect("fixture folder");
    let scan = extract::scan_tree(&tree, &extract::all());
    assert!(scan.packages.is_empty(), "{:?}", scan.packages);
    assert!(
        scan.skipped.iter().any(|s| s
            .reason
            .starts_with("Microsoft.AspNetCore.App 8.0.0: framework-dependent")),
        "{:?}",
        scan.skipped
    );

    let self_contained = r#"{"runtimeOptions": {"tfm": "net8.0", "includedFrameworks": [
        {"name": "Microsoft.NETCore.App", "version": "8.0.10"},
        {"name": "Microsoft.AspNetCore.App", "version": "8.0.10"}]}}"#;
    let zip = testkit::zip_of(&[("ApiFunction.runtimeconfig.json", self_contained.as_bytes())]);
    let tree = ArchiveTree::open_bytes("api.zip", zip, &Limits::default()).unwrap();
    let db = Database::open(&testkit::fixture("dotnet/osv")).expect("team-written records");
    for (architecture, rid) in [
        (
            lambda_audit_analyzer::platform::Architecture::X86_64,
            "linux-x64",
        ),
        (
            lambda_audit_analyzer::platform::Architecture::Arm64,
            "linux-arm64",
        ),
    ] {
        let options = extract::Options {
            architecture,
            ..extract::Options::default()
        };
        let scan = extract::scan_tree(&tree, &extract::all_with(options));
        assert_eq!(scan.warnings, vec![]);
        let rows: BTreeSet<(String, String, EvidenceKind)> = scan
            .packages
            .iter()
            .map(|f| (f.name.clone(), f.version.clone(), f.evidence))
            .collect();
        let expected: BTreeSet<(String, String, EvidenceKind)> = [
            format!("Microsoft.AspNetCore.App.Runtime.{rid}"),
            format!("Microsoft.NETCore.App.Runtime.{rid}"),
        ]
        .into_iter()
        .map(|n| (n, "8.0.10".to_string(), EvidenceKind::Installed))
        .collect();
        assert_eq!(rows, expected);
        let (packages, roots) = merge(
            scan.packages
                .into_iter()
                .map(|f| Sighting::plain("api-function", f))
                .collect(),
        );
        let report = match_inventory(
            Inventory {
                packages,
                roots,
                ..Inventory::default()
            },
            &db,
        );
        let found: Vec<(String, String)> = report
            .findings
            .iter()
            .map(|f| (f.package.name.clone(), f.id.clone()))
            .collect();
        assert_eq!(
            found,
            [(
                format!("Microsoft.AspNetCore.App.Runtime.{rid}"),
                "GHSA-2865-hh9g-w894".to_string()
            )]
        );
    }
}
