//! Replays the fuzzers' saved corpora (`fuzz/corpus/<target>/`, minimised with
//! `cargo fuzz cmin`) through the very functions the fuzz targets run, so that
//! every input that once found a crash, a hang or new coverage stays checked
//! on stable Rust, without the fuzzer.

#[path = "../../fuzz/src/harness.rs"]
mod harness;

use std::panic::{catch_unwind, AssertUnwindSafe};
use testkit::workspace_root;

#[test]
fn every_saved_fuzz_input_runs_clean() {
    let corpus = workspace_root().join("fuzz/corpus");
    let mut failures = Vec::new();
    for (target, run) in harness::TARGETS {
        let dir = corpus.join(target);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        inputs.sort();
        // An empty folder would replay nothing and pass.
        assert!(!inputs.is_empty(), "{} holds no inputs", dir.display());
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
                failures.push(input.display().to_string());
            }
        }
    }
    assert!(failures.is_empty(), "inputs that panic: {failures:#?}");
}

#[test]
fn the_harness_reaches_every_parser() {
    // Each file name a target feeds its input as must be one an extractor
    // reads, or the target fuzzes nothing (the bundle's other files are
    // evidence its extractor reads beside it, and the lockfile and manifest
    // npm's).
    use lambda_audit_analyzer::archive::ArchiveTree;
    let names = harness::NPM_FILES
        .iter()
        .chain(&harness::PYTHON_FILES)
        .chain(&harness::CARGO_FILES)
        .chain(&harness::MAVEN_FILES)
        .chain(&harness::GO_FILES)
        .chain(&harness::RUBY_FILES)
        .chain(&harness::DOTNET_FILES)
        .chain(&harness::BUNDLE_FILES[..1])
        .chain(&harness::BUNDLE_FILES[4..]);
    let extractors = lambda_audit_analyzer::extract::all();
    for name in names {
        let zip = harness::zip_files(&[(name, b"x")]).unwrap();
        let tree = ArchiveTree::open_bytes("t.zip", zip, &Default::default()).unwrap();
        let file = &tree.files[0];
        assert!(
            extractors.iter().any(|x| x.wants(file)),
            "no extractor reads {name}"
        );
    }
}

#[test]
fn each_new_parser_target_reaches_its_extractor() {
    // Per target, the extractor that must read its files (by coverage name):
    // a file name that only another extractor wants would fuzz the wrong
    // parser.
    use lambda_audit_analyzer::archive::ArchiveTree;
    let expected: [(&[&str], &str); 4] = [
        (&harness::GO_FILES, "go"),
        (&harness::RUBY_FILES, "ruby"),
        (&harness::DOTNET_FILES, "dotnet"),
        (&harness::BUNDLE_FILES[..1], "npm-bundle"),
    ];
    let extractors = lambda_audit_analyzer::extract::all();
    for (names, extractor) in expected {
        let wanted_by = extractors.iter().find(|x| x.name() == extractor).unwrap();
        for name in names {
            let zip = harness::zip_files(&[(name, b"x")]).unwrap();
            let tree = ArchiveTree::open_bytes("t.zip", zip, &Default::default()).unwrap();
            assert!(
                wanted_by.wants(&tree.files[0]),
                "{extractor} does not read {name}"
            );
        }
    }
}
