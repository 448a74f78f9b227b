//! The Cargo and Maven extractors against real corpus artifacts (copied into
//! `fixtures/corpus/`) and their package-manager-derived ground truth.

use lambda_audit_analyzer::extract::{self, ArtifactScan};
use lambda_audit_analyzer::{ArchiveTree, Ecosystem, EvidenceKind, Limits, Role};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

type Key = (String, String, String);

fn corpus_dir() -> PathBuf {
    testkit::fixture("corpus")
}

struct Case {
    tree: ArchiveTree,
    scan: ArtifactScan,
    truth: Value,
}

fn open(artifact: &str) -> Case {
    let dir = corpus_dir();
    let tree = ArchiveTree::open_path(&dir.join(artifact), &Limits::default())
        .unwrap_or_else(|e| panic!("{artifact}: {e}"));
    let scan = extract::scan_tree(&tree, &extract::all());
    let truth_text = std::fs::read_to_string(dir.join("expected").join(format!("{artifact}.json")))
        .expect("ground truth");
    let truth = serde_json::from_str(&truth_text).expect("ground truth JSON");
    Case { tree, scan, truth }
}

fn truth_set(truth: &Value, field: &str) -> BTreeSet<Key> {
    truth[field]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|p| {
                    (
                        p["ecosystem"].as_str().unwrap().to_string(),
                        p["name"].as_str().unwrap().to_string(),
                        p["version"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn is_ours(e: Ecosystem) -> bool {
    matches!(e, Ecosystem::Maven | Ecosystem::CratesIo)
}

fn found_set(scan: &ArtifactScan, role: Role) -> BTreeSet<Key> {
    scan.packages
        .iter()
        .filter(|f| is_ours(f.ecosystem) && f.role == role && f.evidence != EvidenceKind::Heuristic)
        .map(|f| (f.ecosystem.to_string(), f.name.clone(), f.version.clone()))
        .collect()
}

/// Checks packages, roots, heuristic provenance and jar hashes against the truth.
fn check(artifact: &str) -> Case {
    let case = open(artifact);
    let Case { tree, scan, truth } = &case;
    assert_eq!(scan.warnings, vec![], "{artifact}: warnings");
    assert_eq!(
        found_set(scan, Role::Dependency),
        truth_set(truth, "packages"),
        "{artifact}: dependencies"
    );
    assert_eq!(
        found_set(scan, Role::Root),
        truth_set(truth, "roots"),
        "{artifact}: roots"
    );

    let without_pom: BTreeSet<&str> = truth["jars_without_pom_properties"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for f in scan
        .packages
        .iter()
        .filter(|f| f.evidence == EvidenceKind::Heuristic)
    {
        let jar = f.install_path.as_deref().unwrap_or_default();
        assert!(
            without_pom.contains(jar),
            "{artifact}: heuristic {} {} from {jar}, which has pom.properties",
            f.name,
            f.version
        );
        assert!(f.note.as_deref().unwrap_or_default().contains("guessed"));
    }

    let sha1s: BTreeSet<(String, String)> = tree
        .jars
        .iter()
        .map(|j| (j.path.clone(), j.sha1.clone()))
        .collect();
    let truth_sha1s: BTreeSet<(String, String)> = truth["jars"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|j| {
                    (
                        j["path"].as_str().unwrap().to_string(),
                        j["sha1"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(sha1s, truth_sha1s, "{artifact}: jar SHA-1s");
    case
}

fn heuristic(scan: &ArtifactScan) -> Vec<(&str, &str, &str)> {
    scan.packages
        .iter()
        .filter(|f| f.evidence == EvidenceKind::Heuristic)
        .map(|f| {
            (
                f.name.as_str(),
                f.version.as_str(),
                f.install_path.as_deref().unwrap_or_default(),
            )
        })
        .collect()
}

fn skipped(scan: &ArtifactScan) -> Vec<(&str, &str)> {
    scan.skipped
        .iter()
        .map(|s| (s.path.as_str(), s.reason.as_str()))
        .collect()
}

#[test]
fn java_function_zip() {
    let case = check("java-function.zip");
    let scan = &case.scan;
    assert_eq!(
        scan.packages
            .iter()
            .filter(|f| f.role == Role::Root)
            .count(),
        0
    );
    assert!(scan
        .packages
        .iter()
        .filter(|f| f.evidence == EvidenceKind::Installed)
        .all(|f| f.install_path.as_deref() == Some(f.path.split("!/").next().unwrap())));
    assert_eq!(
        heuristic(scan),
        vec![(
            "org.apache:collections",
            "3.2.2",
            "lib/commons-collections3-3.2.2.jar"
        )]
    );
    assert_eq!(skipped(scan), vec![]);
}

#[test]
fn java_shaded_jar_root_is_the_manifest_title() {
    let case = check("java-shaded.jar");
    let root = case
        .scan
        .packages
        .iter()
        .find(|f| f.role == Role::Root)
        .expect("root");
    assert_eq!(
        root.path,
        "META-INF/maven/com.example/report-handler/pom.properties"
    );
    assert_eq!(root.install_path.as_deref(), Some("."));
    assert_eq!(
        root.note.as_deref(),
        Some("the function's own artifact: its artifactId matches the manifest's Implementation-Title")
    );
    assert_eq!(heuristic(&case.scan), vec![]);
}

#[test]
fn java_bootjar_nested_and_shaded_in_nested() {
    let case = check("java-bootjar.jar");
    let jctools = case
        .scan
        .packages
        .iter()
        .find(|f| f.name == "org.jctools:jctools-core")
        .expect("jctools");
    assert_eq!(
        jctools.path,
        "BOOT-INF/lib/netty-common.jar!/META-INF/maven/org.jctools/jctools-core/pom.properties"
    );
    assert_eq!(
        jctools.install_path.as_deref(),
        Some("BOOT-INF/lib/netty-common.jar")
    );
    assert_eq!(heuristic(&case.scan), vec![]);
}

#[test]
fn java_layer_manifest_fallback() {
    let case = check("java-layer.zip");
    assert_eq!(
        heuristic(&case.scan),
        vec![("log4j:log4j", "1.2.17", "java/lib/log4j-1.2-1.2.17.jar")]
    );
    assert_eq!(
        skipped(&case.scan),
        vec![
            (
                "java/lib/h2-2.1.214.jar",
                "jar without pom.properties; could not identify (MANIFEST.MF gives no groupId; \
                 it says Implementation-Title: H2 Database Engine, Implementation-Version: \
                 2.1.214, Bundle-SymbolicName: com.h2database, Bundle-Version: 2.1.214)"
            ),
            (
                "java/lib/spring3-core-3.x.jar",
                "jar without pom.properties; could not identify (MANIFEST.MF gives no groupId; \
                 it says Implementation-Title: spring-core, Implementation-Version: 4.3.30.RELEASE)"
            ),
        ]
    );
}

#[test]
fn rust_bootstrap_auditable_data() {
    let case = check("rust-bootstrap.zip");
    let scan = &case.scan;
    let build: Vec<_> = scan
        .packages
        .iter()
        .filter(|f| f.scope.as_deref() == Some("build"))
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(build, vec!["autocfg"]);
    assert!(scan
        .packages
        .iter()
        .all(|f| f.evidence == EvidenceKind::Binary && f.path == "bootstrap"));
    assert_eq!(skipped(scan), vec![]);
}

#[test]
fn rust_bootstrap_with_lock_marks_lock_only_crates() {
    let case = check("rust-bootstrap-lock.zip");
    let lock_only: BTreeSet<&str> = case
        .scan
        .packages
        .iter()
        .filter(|f| {
            f.note
                .as_deref()
                .is_some_and(|n| n.starts_with("Cargo.lock only"))
        })
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        lock_only,
        BTreeSet::from([
            "winapi",
            "winapi-i686-pc-windows-gnu",
            "winapi-x86_64-pc-windows-gnu"
        ])
    );
    let roots: Vec<_> = case
        .scan
        .packages
        .iter()
        .filter(|f| f.role == Role::Root)
        .map(|f| (f.name.as_str(), f.evidence))
        .collect();
    assert_eq!(
        roots,
        vec![
            ("order-events", EvidenceKind::Lockfile),
            ("order-events", EvidenceKind::Binary)
        ]
    );
}

/// Every artifact of the shared corpus (npm and PyPI ones included): the Cargo
/// and Maven extractors report exactly the ground truth's crates.io/Maven
/// packages, and nothing from the other ecosystems' files.
#[test]
fn whole_shared_corpus_has_no_false_positives() {
    let Some(shared) = testkit::shared_path("corpus") else {
        return;
    };
    let out = shared.join("out");
    let mut artifacts: Vec<_> = std::fs::read_dir(&out)
        .expect("corpus/out")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "zip" || x == "jar"))
        .collect();
    artifacts.sort();
    assert!(
        artifacts.len() >= 15,
        "corpus has {} artifacts",
        artifacts.len()
    );
    for path in artifacts {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let tree = ArchiveTree::open_path(&path, &Limits::default()).unwrap();
        let scan = extract::scan_tree(&tree, &extract::all());
        let truth: Value = serde_json::from_str(
            &std::fs::read_to_string(shared.join("expected").join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        let ours = |set: BTreeSet<Key>| -> BTreeSet<Key> {
            set.into_iter()
                .filter(|(e, _, _)| e == "Maven" || e == "crates.io")
                .collect()
        };
        assert_eq!(
            found_set(&scan, Role::Dependency),
            ours(truth_set(&truth, "packages")),
            "{name}: dependencies"
        );
        assert_eq!(
            found_set(&scan, Role::Root),
            ours(truth_set(&truth, "roots")),
            "{name}: roots"
        );
        assert_eq!(scan.warnings, vec![], "{name}: warnings");
    }
}
