//! Packages inside the corpus's bundled Node.js functions (esbuild with a
//! source map, with a metafile, with neither; webpack with a source map),
//! against the ground truth the build tools gave (`fixtures/corpus/expected`).
//!
//! Two levels are measured per artifact: *names* (which packages are in the
//! bundle: versioned packages plus the names listed in coverage as "bundled,
//! no version evidence") and *versions* (package@version pairs reported).
//! The metafile and source-map variants must name exactly the bundled
//! packages; versions are reported only where the artifact carries them, and
//! every version reported must be right.

use lambda_audit_analyzer::advisories::Database;
use lambda_audit_analyzer::extract::{self, ArtifactScan};
use lambda_audit_analyzer::findings::ScanReport;
use lambda_audit_analyzer::inventory::{merge, Inventory, Sighting};
use lambda_audit_analyzer::matching::match_inventory;
use lambda_audit_analyzer::{
    ArchiveTree, BundleSource, Confidence, Ecosystem, EvidenceKind, Found, Limits,
};
use serde_json::Value;
use std::collections::BTreeSet;

fn scan(artifact: &str) -> ArtifactScan {
    let path = testkit::fixture("corpus").join(artifact);
    let tree = ArchiveTree::open_path(&path, &Limits::default())
        .unwrap_or_else(|e| panic!("{artifact}: {e}"));
    extract::scan_tree(&tree, &extract::all())
}

fn truth(artifact: &str) -> Value {
    let path = testkit::fixture("corpus")
        .join("expected")
        .join(format!("{artifact}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Precision and recall of `found` against `expected`.
fn score(found: &BTreeSet<String>, expected: &BTreeSet<String>) -> (f64, f64) {
    let hits = found.intersection(expected).count() as f64;
    let precision = if found.is_empty() {
        1.0
    } else {
        hits / found.len() as f64
    };
    let recall = if expected.is_empty() {
        1.0
    } else {
        hits / expected.len() as f64
    };
    (precision, recall)
}

/// What one artifact's scan says, and what the truth says.
struct Measured {
    versioned: BTreeSet<String>,
    names: BTreeSet<String>,
    truth_pairs: BTreeSet<String>,
    truth_names: BTreeSet<String>,
    scan: ArtifactScan,
}

/// The name a coverage note "`<name>[ (<path>)]: bundled (...), ...`" lists.
fn unversioned_name(reason: &str) -> Option<&str> {
    let (head, _) = reason.split_once(": bundled (")?;
    Some(head.split(" (").next().unwrap_or(head))
}

fn measure(artifact: &str) -> Measured {
    let scan = scan(artifact);
    let truth = truth(artifact);
    let bundled = scan
        .packages
        .iter()
        .filter(|f| f.evidence == EvidenceKind::Bundled);
    let versioned: BTreeSet<String> = bundled
        .clone()
        .map(|f| format!("{}@{}", f.name, f.version))
        .collect();
    let mut names: BTreeSet<String> = bundled.map(|f| f.name.clone()).collect();
    names.extend(
        scan.skipped
            .iter()
            .filter_map(|s| unversioned_name(&s.reason))
            .map(str::to_string),
    );
    let packages = truth["packages"].as_array().unwrap();
    let field = |p: &Value, k: &str| p[k].as_str().unwrap().to_string();
    Measured {
        versioned,
        names,
        truth_pairs: packages
            .iter()
            .map(|p| format!("{}@{}", field(p, "name"), field(p, "version")))
            .collect(),
        truth_names: packages.iter().map(|p| field(p, "name")).collect(),
        scan,
    }
}

impl Measured {
    fn names_score(&self) -> (f64, f64) {
        score(&self.names, &self.truth_names)
    }
    fn versions_score(&self) -> (f64, f64) {
        score(&self.versioned, &self.truth_pairs)
    }
    fn print(&self, artifact: &str) {
        let (np, nr) = self.names_score();
        let (vp, vr) = self.versions_score();
        println!(
            "{artifact}: names precision {np:.3} recall {nr:.3} ({} of {}); \
             versions precision {vp:.3} recall {vr:.3} ({} of {}): {:?}",
            self.names.len(),
            self.truth_names.len(),
            self.versioned.len(),
            self.truth_pairs.len(),
            self.versioned
        );
    }
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn esbuild_with_source_map() {
    let m = measure("node-esbuild.zip");
    m.print("node-esbuild.zip");
    assert_eq!(m.names_score(), (1.0, 1.0), "names: {:?}", m.names);
    // The versions the artifact carries: lodash's VERSION and moment's
    // hooks.version in sourcesContent, axios's bundled package.json.
    assert_eq!(
        m.versioned,
        set(&["axios@0.21.1", "lodash@4.17.20", "moment@2.29.1"])
    );
    assert_eq!(m.versions_score().0, 1.0);
    for f in &m.scan.packages {
        let b = f.bundle.as_ref().expect("bundle evidence");
        assert_eq!(
            (b.named_by, b.named_in.as_str()),
            (BundleSource::SourceMap, "index.js.map")
        );
    }
    assert!(m.scan.incomplete.is_empty() && m.scan.warnings.is_empty());
}

#[test]
fn esbuild_with_metafile() {
    let m = measure("node-esbuild-meta.zip");
    m.print("node-esbuild-meta.zip");
    assert_eq!(m.names_score(), (1.0, 1.0), "names: {:?}", m.names);
    // Without sourcesContent, lodash's version constant is an anonymous
    // minified string; axios's inlined manifest and moment's legal comment
    // still carry theirs.
    assert_eq!(m.versioned, set(&["axios@0.21.1", "moment@2.29.1"]));
    let moment = m.scan.packages.iter().find(|f| f.name == "moment").unwrap();
    let b = moment.bundle.as_ref().unwrap();
    assert_eq!(
        (b.named_by, b.confidence),
        (BundleSource::Metafile, Confidence::Low)
    );
}

#[test]
fn webpack_with_source_map() {
    let m = measure("node-webpack.zip");
    m.print("node-webpack.zip");
    assert_eq!(m.names_score(), (1.0, 1.0), "names: {:?}", m.names);
    assert_eq!(m.versioned, set(&["tough-cookie@4.0.0"]));
    assert!(!m.names.contains("punycode"), "resolved to Node's built-in");
}

#[test]
fn esbuild_bundle_alone() {
    let m = measure("node-esbuild-nomap.zip");
    m.print("node-esbuild-nomap.zip");
    let (name_precision, name_recall) = m.names_score();
    let (version_precision, version_recall) = m.versions_score();
    // Minified code keeps only the legal comments (safe-buffer, lodash,
    // moment, sax) and axios's inlined manifest: every name and version
    // said must be right, and these five must be found.
    assert_eq!((name_precision, version_precision), (1.0, 1.0));
    assert!(name_recall >= 5.0 / 24.0, "{:?}", m.names);
    assert!(version_recall >= 2.0 / 24.0, "{:?}", m.versioned);
    assert!(
        !m.names.contains("coveralls"),
        "axios's scripts name a path, not a module"
    );
}

/// The artifact's files under `dist/`, with the build's `package.json` and
/// one lockfile (the fixture `lockfile`, saved as `saved_as`) at the top: the
/// project folder as a pre-deploy scan sees it.
fn project_folder(artifact: &str, lockfile: &str, saved_as: &str) -> ArtifactScan {
    let shipped = ArchiveTree::open_path(
        &testkit::fixture("corpus").join(artifact),
        &Limits::default(),
    )
    .unwrap();
    let contents: Vec<(String, Vec<u8>)> = shipped
        .files
        .iter()
        .map(|f| (format!("dist/{}", f.path), shipped.read(f).unwrap()))
        .collect();
    let project = artifact.trim_end_matches(".zip").replace("-meta", "");
    let fixture = |name: &str| std::fs::read(testkit::fixture("bundle").join(name)).unwrap();
    let lock = fixture(lockfile);
    let manifest = fixture(&format!("{project}.package.json"));
    let mut files: Vec<(&str, &[u8])> = contents
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    files.push((saved_as, &lock));
    files.push(("package.json", &manifest));
    let tree =
        ArchiveTree::open_bytes("project", testkit::zip_of(&files), &Limits::default()).unwrap();
    extract::scan_tree(&tree, &extract::all())
}

/// Each lockfile kind the build's project may hold, as `fixtures/bundle`
/// keeps it (`<project>.<fixture suffix>`) and as the project names it. The
/// yarn and pnpm lockfiles were made from the npm one by the tools
/// themselves (`fixtures/bundle/README.md`).
const LOCKFILE_KINDS: [(&str, &str); 4] = [
    ("package-lock.json", "package-lock.json"),
    ("yarn-classic.lock", "yarn.lock"),
    ("yarn-berry.lock", "yarn.lock"),
    ("pnpm-lock.yaml", "pnpm-lock.yaml"),
];

#[test]
fn a_project_lockfile_of_any_kind_versions_every_bundled_package() {
    for artifact in [
        "node-esbuild.zip",
        "node-esbuild-meta.zip",
        "node-webpack.zip",
    ] {
        let project = artifact.trim_end_matches(".zip").replace("-meta", "");
        for (suffix, saved_as) in LOCKFILE_KINDS {
            let scan = project_folder(artifact, &format!("{project}.{suffix}"), saved_as);
            let bundled: Vec<_> = scan
                .packages
                .iter()
                .filter(|f| f.evidence == EvidenceKind::Bundled)
                .collect();
            let versioned: BTreeSet<String> = bundled
                .iter()
                .map(|f| format!("{}@{}", f.name, f.version))
                .collect();
            let m = measure(artifact);
            println!(
                "{artifact} + {suffix}: {} of {} versioned",
                versioned.len(),
                m.truth_pairs.len()
            );
            assert_eq!(
                score(&versioned, &m.truth_pairs),
                (1.0, 1.0),
                "{artifact} + {suffix}: {:?}",
                versioned
                    .symmetric_difference(&m.truth_pairs)
                    .collect::<Vec<_>>()
            );
            assert!(bundled.iter().all(|f| {
                let b = f.bundle.as_ref().unwrap();
                b.version_in == saved_as && b.confidence == Confidence::High
            }));
            assert!(
                scan.skipped
                    .iter()
                    .all(|s| unversioned_name(&s.reason).is_none()),
                "{artifact} + {suffix}"
            );
        }
    }
}

/// The ground truth of a bundle artifact as an inventory (what a perfect
/// reader of the bundle and its build's lockfile finds).
fn truth_inventory(artifact: &str) -> Inventory {
    let sightings = truth(artifact)["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let field = |k: &str| p[k].as_str().unwrap().to_string();
            let found = Found::new(
                Ecosystem::Npm,
                field("name"),
                field("version"),
                field("path"),
                EvidenceKind::Bundled,
            );
            Sighting::plain(artifact, found)
        })
        .collect();
    let (packages, roots) = merge(sightings);
    Inventory {
        packages,
        roots,
        ..Inventory::default()
    }
}

/// (package@version, id) of each finding.
fn pairs(report: &ScanReport) -> BTreeSet<String> {
    report
        .findings
        .iter()
        .map(|f| format!("{}@{} {}", f.package.name, f.package.version, f.id))
        .collect()
}

#[test]
fn starter_set_covers_the_bundles_like_the_full_data() {
    let starter = Database::embedded();
    let full = testkit::shared_path("advisories")
        .map(|p| Database::open(&p).expect("full database opens"));
    // (package, advisory) pairs of the corpus notes: 11 for the esbuild bundles, 6 for webpack.
    for (artifact, expected) in [("node-esbuild.zip", 11), ("node-webpack.zip", 6)] {
        let from_starter = match_inventory(truth_inventory(artifact), &starter);
        assert_eq!(
            pairs(&from_starter).len(),
            expected,
            "{artifact}: {:?}",
            pairs(&from_starter)
        );
        if let Some(full) = &full {
            let from_full = match_inventory(truth_inventory(artifact), full);
            assert_eq!(pairs(&from_starter), pairs(&from_full), "{artifact}");
        }
    }
}
