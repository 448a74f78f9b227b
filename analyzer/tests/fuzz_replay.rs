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
    // reads, or the target fuzzes nothing.
    use lambda_audit_analyzer::archive::ArchiveTree;
    let names = harness::NPM_FILES
        .iter()
        .chain(&harness::PYTHON_FILES)
        .chain(&harness::CARGO_FILES)
        .chain(&harness::MAVEN_FILES);
    let extractors = lambda_audit_analyzer::extract::all();
    for name in names {
        let zip = testkit::zip_of(&[(name, b"x")]);
        let tree = ArchiveTree::open_bytes("t.zip", zip, &Default::default()).unwrap();
        let file = &tree.files[0];
        assert!(
            extractors.iter().any(|x| x.wants(file)),
            "no extractor reads {name}"
        );
    }
}
