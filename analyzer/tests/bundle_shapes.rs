//! Bundles of shapes the corpus does not have, written by hand in the real
//! formats: webpack development output (path module ids), inline `data:`
//! source maps, maps in another folder, index maps, nested and scoped
//! packages, pnpm store paths, webpack stats, conflicting evidence, and
//! hostile input (limits, garbage) that must end in gaps or notes, never a panic.

use base64::Engine;
use lambda_audit_analyzer::extract::{self, ArtifactScan};
use lambda_audit_analyzer::{
    ArchiveTree, BundleSource, BundleVersionSource, Confidence, EvidenceKind, Limits,
};
use serde_json::json;

fn scan_with(files: &[(&str, &[u8])], limits: &Limits) -> ArtifactScan {
    let tree = ArchiveTree::open_bytes("fn.zip", testkit::zip_of(files), limits).unwrap();
    extract::scan_tree(&tree, &extract::all())
}

fn scan(files: &[(&str, &str)]) -> ArtifactScan {
    let files: Vec<(&str, &[u8])> = files.iter().map(|(p, c)| (*p, c.as_bytes())).collect();
    scan_with(&files, &Limits::default())
}

/// `name@version (named_by, version_from, confidence)` of each bundled package.
fn bundled(scan: &ArtifactScan) -> Vec<String> {
    scan.packages
        .iter()
        .filter(|f| f.evidence == EvidenceKind::Bundled)
        .map(|f| {
            let b = f.bundle.as_ref().unwrap();
            format!(
                "{}@{} {:?} {:?} {:?}",
                f.name, f.version, b.named_by, b.version_from, b.confidence
            )
        })
        .collect()
}

/// The coverage notes about bundled packages without a version.
fn unversioned(scan: &ArtifactScan) -> Vec<&str> {
    scan.skipped
        .iter()
        .filter(|s| s.reason.contains(": bundled ("))
        .map(|s| s.reason.as_str())
        .collect()
}

fn map_json(sources: &[&str], contents: &[&str]) -> String {
    json!({"version": 3, "sources": sources, "sourcesContent": contents, "mappings": "AAAA"})
        .to_string()
}

#[test]
fn webpack_development_bundle_with_path_module_ids() {
    let bundle = r#"/******/ (() => { // webpackBootstrap
/******/ 	var __webpack_modules__ = ({

/***/ "./node_modules/@aws-sdk/util-utf8/dist-cjs/index.js":
/*!***********************************************************!*\
  !*** ./node_modules/@aws-sdk/util-utf8/dist-cjs/index.js ***!
  \***********************************************************/
/***/ ((module) => { module.exports = {}; }),

/***/ "./node_modules/debug/node_modules/ms/index.js":
/***/ ((module) => { var s = 1000; }),

/***/ "./node_modules/ms/index.js":
/***/ ((module) => { var s = 1000; }),

/***/ "./src/index.js":
/***/ ((module) => { const x = "see ./node_modules/evil/x.js"; })
/******/ 	});
"#;
    let lock = r#"{"lockfileVersion": 3, "packages": {
        "": {"name": "fn"},
        "node_modules/@aws-sdk/util-utf8": {"version": "3.370.0"},
        "node_modules/debug/node_modules/ms": {"version": "2.1.2"},
        "node_modules/ms": {"version": "2.1.3"}}}"#;
    let alone = scan(&[("main.js", bundle)]);
    assert!(bundled(&alone).is_empty());
    let notes = unversioned(&alone);
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(notes[0].starts_with("@aws-sdk/util-utf8: bundled (webpack module id in main.js)"));
    assert!(notes
        .iter()
        .any(|n| n.starts_with("ms (node_modules/debug/node_modules/ms): bundled")));

    let with_lock = scan(&[("dist/main.js", bundle), ("package-lock.json", lock)]);
    let mut got = bundled(&with_lock);
    got.sort();
    assert_eq!(
        got,
        [
            "@aws-sdk/util-utf8@3.370.0 ModuleId Lockfile High",
            "ms@2.1.2 ModuleId Lockfile High",
            "ms@2.1.3 ModuleId Lockfile High",
        ]
    );
    let nested = with_lock
        .packages
        .iter()
        .find(|f| f.version == "2.1.2")
        .unwrap();
    assert_eq!(
        nested.bundle.as_ref().unwrap().module_path.as_deref(),
        Some("node_modules/debug/node_modules/ms")
    );
}

#[test]
fn inline_data_map_with_nested_copies_and_their_manifests() {
    let map = map_json(
        &[
            "webpack://app/./node_modules/b/index.js",
            "webpack://app/./node_modules/b/package.json",
            "webpack://app/./node_modules/a/node_modules/b/index.js",
            "webpack://app/./node_modules/a/node_modules/b/package.json",
            "webpack://app/./node_modules/@scope/c/lib/version.js",
            "webpack://app/./src/index.js",
        ],
        &[
            "module.exports = 1",
            r#"{"name": "b", "version": "1.0.0"}"#,
            "module.exports = 2",
            r#"{"name": "b", "version": "2.0.0"}"#,
            "export default '3.1.4';",
            "require('b')",
        ],
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(map);
    let bundle = format!(
        "(()=>{{}})();\n//# sourceMappingURL=data:application/json;charset=utf-8;base64,{b64}\n"
    );
    let s = scan(&[("index.mjs", &bundle)]);
    let mut got = bundled(&s);
    got.sort();
    assert_eq!(
        got,
        [
            "@scope/c@3.1.4 SourceMap VersionLiteral Medium",
            "b@1.0.0 SourceMap BundledManifest High",
            "b@2.0.0 SourceMap BundledManifest High",
        ]
    );
    assert_eq!(
        s.packages[0].bundle.as_ref().unwrap().named_in,
        "index.mjs (inline source map)"
    );
    assert!(s.incomplete.is_empty() && s.warnings.is_empty());
}

#[test]
fn map_named_by_url_in_another_folder_and_index_maps() {
    let inner =
        json!({"version": 3, "sources": ["../../node_modules/qs/lib/index.js"], "mappings": ""});
    let index_map =
        json!({"version": 3, "sections": [{"offset": {"line": 0, "column": 0}, "map": inner}]});
    let s = scan(&[
        (
            "app/out/handler.cjs",
            "x();\n//# sourceMappingURL=../maps/handler.cjs.map",
        ),
        ("app/maps/handler.cjs.map", &index_map.to_string()),
    ]);
    let notes = unversioned(&s);
    assert_eq!(
        notes,
        ["qs: bundled (source map in app/maps/handler.cjs.map), no version evidence"]
    );
}

#[test]
fn esbuild_region_comments_with_pnpm_store_paths() {
    let bundle = "\"use strict\";\n\n// node_modules/.pnpm/ms@2.1.3/node_modules/ms/index.js\nvar require_ms = __commonJS({});\n\n// node_modules/.pnpm/@smithy+types@2.12.0/node_modules/@smithy/types/dist-cjs/index.js\nvar x;\n\n// src/handler.ts\nvar handler = async () => {};\n";
    let mut got = bundled(&scan(&[("index.js", bundle)]));
    got.sort();
    assert_eq!(
        got,
        [
            "@smithy/types@2.12.0 RegionComment StorePath High",
            "ms@2.1.3 RegionComment StorePath High",
        ]
    );
}

#[test]
fn webpack_stats_name_the_packages_of_the_bundle_chunk() {
    let stats = json!({
        "chunks": [{"id": 179, "files": ["main.js"]}, {"id": 5, "files": ["admin.js"]}],
        "modules": [
            {"name": "./node_modules/lodash/lodash.js", "chunks": [179]},
            {"name": "./node_modules/yaml/dist/index.js + 40 modules", "chunks": [179],
             "modules": [{"name": "./node_modules/yaml/dist/compose/composer.js"}]},
            {"name": "./node_modules/express/index.js", "chunks": [5]}
        ]
    });
    let bundle = "/*! For license information please see main.js.LICENSE.txt */\n(()=>{var VERSION=\"4.17.21\"})();";
    let licenses =
        "/**\n * @license\n * Lodash <https://lodash.com/>\n */\n/*! lodash v4.17.21 | MIT */";
    let s = scan(&[
        ("dist/main.js", bundle),
        ("dist/main.js.LICENSE.txt", licenses),
        ("dist/stats.json", &stats.to_string()),
    ]);
    assert_eq!(
        bundled(&s),
        ["lodash@4.17.21 WebpackStats LicenseComment Low"]
    );
    assert_eq!(
        unversioned(&s),
        ["yaml: bundled (webpack stats in dist/stats.json), no version evidence"]
    );
    let lodash = &s.packages[0];
    assert_eq!(
        lodash.bundle.as_ref().unwrap().version_in,
        "dist/main.js.LICENSE.txt"
    );
}

#[test]
fn conflicting_versions_are_not_guessed() {
    let map = map_json(
        &["../node_modules/x/a.js", "../node_modules/x/b.js"],
        &["var VERSION = '1.0.0';", "exports.version = '2.0.0';"],
    );
    let s = scan(&[
        ("dist/i.js", "//# sourceMappingURL=i.js.map"),
        ("dist/i.js.map", &map),
    ]);
    assert!(bundled(&s).is_empty());
    assert_eq!(
        unversioned(&s),
        ["x: bundled (source map in dist/i.js.map), conflicting version evidence (1.0.0, 2.0.0), not guessed"]
    );
}

#[test]
fn a_stronger_version_source_wins() {
    // The banner is stale; the bundled manifest is the package's own.
    let map = map_json(
        &[
            "../node_modules/x/index.js",
            "../node_modules/x/package.json",
        ],
        &["/*! x v0.9.0 | MIT */", r#"{"name":"x","version":"1.0.0"}"#],
    );
    let s = scan(&[("i.js", "/*! x v0.9.0 | MIT */\n"), ("i.js.map", &map)]);
    assert_eq!(bundled(&s), ["x@1.0.0 SourceMap BundledManifest High"]);
}

#[test]
fn plain_handlers_and_installed_packages_are_not_bundles() {
    let s = scan(&[
        (
            "index.js",
            "// node_modules are installed\nexports.handler = async () => 1;\n",
        ),
        ("package.json", r#"{"name": "fn", "version": "1.0.0"}"#),
        (
            "node_modules/ms/package.json",
            r#"{"name": "ms", "version": "2.1.3"}"#,
        ),
        ("node_modules/ms/index.js", "/*! ms v9.9.9 | MIT */"),
        (
            "python/lib/python3.12/site-packages/x/static/jquery.js",
            "/*! jQuery v3.6.0 | (c) */",
        ),
    ]);
    assert!(bundled(&s).is_empty());
    assert!(unversioned(&s).is_empty());
    let read: Vec<&str> = s
        .read
        .iter()
        .filter(|r| r.extractor == "npm-bundle")
        .flat_map(|r| r.files.iter().map(String::as_str))
        .collect();
    assert_eq!(read, ["index.js"]);
}

#[test]
fn a_map_over_the_entry_limit_is_a_gap() {
    let map = map_json(&["../node_modules/x/a.js"], &[&"y".repeat(4096)]);
    let limits = Limits {
        max_entry_bytes: 2048,
        ..Limits::default()
    };
    let s = scan_with(
        &[
            ("i.js", b"//# sourceMappingURL=i.js.map"),
            ("i.js.map", map.as_bytes()),
        ],
        &limits,
    );
    assert_eq!(s.incomplete.len(), 1, "{:?}", s.incomplete);
    assert_eq!(s.incomplete[0].path, "i.js.map");
    assert!(
        s.incomplete[0].reason.starts_with("npm-bundle: "),
        "{}",
        s.incomplete[0].reason
    );
}

#[test]
fn garbage_maps_and_records_become_notes() {
    let s = scan(&[
        ("i.js", "//# sourceMappingURL=i.js.map"),
        ("i.js.map", "{ not json"),
        ("i.meta.json", "[1, 2"),
        (
            "j.js",
            "//# sourceMappingURL=data:application/json;base64,!!!",
        ),
    ]);
    let reasons: Vec<&str> = s.skipped.iter().map(|x| x.reason.as_str()).collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("not a readable source map")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("source map not read: inline source map is not base64")),
        "{reasons:?}"
    );
    assert!(bundled(&s).is_empty());
}

#[test]
fn truncated_and_mangled_bundles_never_panic() {
    let bundle = testkit::fixture("corpus").join("node-esbuild.zip");
    let tree = ArchiveTree::open_path(&bundle, &Limits::default()).unwrap();
    let code = tree.read(tree.get("index.js").unwrap()).unwrap();
    let map = tree.read(tree.get("index.js.map").unwrap()).unwrap();
    for cut in (0..code.len()).step_by(code.len() / 8) {
        let s = scan_with(
            &[
                ("index.js", &code[cut..]),
                ("index.js.map", &map[..map.len() * cut / code.len()]),
            ],
            &Limits::default(),
        );
        assert!(s.packages.iter().all(|f| !f.version.is_empty()));
    }
}

#[test]
fn confidence_is_the_weaker_of_name_and_version() {
    // Named by a license comment (low), versioned by an inlined manifest.
    let s = scan(&[(
        "i.js",
        "/*! safe-buffer. MIT License. Feross */
var p={name:\"safe-buffer\",version:\"5.2.1\",main:\"index.js\",license:\"MIT\"};",
    )]);
    let b = s.packages[0].bundle.as_ref().unwrap();
    assert_eq!(
        (b.named_by, b.version_from, b.confidence),
        (
            BundleSource::InlinedManifest,
            BundleVersionSource::BundledManifest,
            Confidence::Medium
        )
    );
}

/// Pieces of real bundle syntax, for the generated inputs to hit the scanners'
/// interesting paths rather than plain noise.
const PIECES: &[&str] = &[
    "// node_modules/",
    "\"./node_modules/",
    "\":",
    "!*** ",
    " ***!",
    "/*! ",
    "/** @license ",
    "*/",
    "//! ",
    "Bundled license information:\n",
    "name:\"",
    ",version:\"",
    "\"1.2.3\"",
    "VERSION = '",
    "module.exports = '",
    "@s/",
    ".pnpm/a@1.0.0/node_modules/a/",
    "\n",
    "//# sourceMappingURL=",
    "data:application/json;base64,",
    "index.js.map",
    "{\"sources\":[\"../node_modules/x/package.json\"],\"sourcesContent\":[\"{\\\"name\\\":\\\"x\\\"}\"]}",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    #[test]
    fn arbitrary_bundles_never_panic(
        code in proptest::collection::vec((0..PIECES.len(), "[ -~]{0,6}"), 0..40),
        map in proptest::collection::vec((0..PIECES.len(), "[ -~]{0,6}"), 0..20),
    ) {
        let text = |parts: &[(usize, String)]| -> String {
            parts.iter().map(|(i, s)| format!("{}{s}", PIECES[*i])).collect()
        };
        let (code, map) = (text(&code), text(&map));
        let s = scan(&[("index.js", code.as_str()), ("index.js.map", map.as_str())]);
        for f in s.packages.iter().filter(|f| f.evidence == EvidenceKind::Bundled) {
            proptest::prop_assert!(!f.version.is_empty() && f.bundle.is_some());
        }
    }
}
