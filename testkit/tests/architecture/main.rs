//! The architecture guard: no two modules of a crate import each other (at any
//! directory level), the engine links no HTTP client, and the CLI links none of
//! the AWS clients only the post-deploy trigger uses.

mod cycles;
mod deps;
mod resolve;
mod tree;

use cycles::{cycles, levels, Shown};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use tree::Tree;

#[test]
fn no_two_modules_import_each_other() {
    let mut report = String::new();
    for target in deps::targets() {
        let tree = Tree::load(&target.root);
        for cycle in cycles(&levels(&tree)) {
            let _ = write!(
                report,
                "{} ({} {}): {}",
                target.package,
                target.kind,
                target.name,
                Shown {
                    cycle: &cycle,
                    root: testkit::workspace_root(),
                }
            );
        }
    }
    assert!(
        report.is_empty(),
        "import cycles between modules; one of each pair must own the concept the other reads:\n{report}"
    );
}

#[test]
fn the_engine_links_no_http_client() {
    assert_links_none("lambda-audit-analyzer", &["ureq", "reqwest", "hyper"]);
}

#[test]
fn the_cli_links_no_trigger_only_aws_client() {
    assert_links_none(
        "lambda-audit",
        &[
            "aws-sdk-securityhub",
            "aws-sdk-eventbridge",
            "aws-sdk-s3",
            "lambda_runtime",
            "aws-sdk-dynamodb",
            "aws-sdk-sqs",
            "lambda-audit-store-dynamodb",
        ],
    );
}

#[test]
fn one_tls_stack_and_no_c_crypto_build() {
    for package in ["lambda-audit", "lambda-audit-trigger"] {
        assert_links_none(
            package,
            &["aws-lc-rs", "aws-lc-sys", "openssl-sys", "native-tls"],
        );
    }
}

fn assert_links_none(package: &str, forbidden: &[&str]) {
    let linked = deps::normal_dependencies(package);
    assert!(linked.contains(package), "cargo tree lists {package}");
    let found: BTreeSet<&str> = forbidden
        .iter()
        .copied()
        .filter(|f| linked.contains(*f))
        .collect();
    assert!(
        found.is_empty(),
        "{package} links {found:?} (see `cargo tree -p {package} -e normal -i <name>`)"
    );
}

/// The guard itself, on small crates written for the purpose.
mod guard {
    use super::*;
    use std::path::Path;

    /// Writes `files` (path, text) under a temporary directory; loads `src/lib.rs`.
    fn crate_of(files: &[(&str, &str)]) -> (tempfile::TempDir, Tree) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let tree = Tree::load(&dir.path().join("src/lib.rs"));
        (dir, tree)
    }

    /// The cycles, as `parent: member, member`.
    fn found(tree: &Tree) -> Vec<String> {
        cycles(&levels(tree))
            .iter()
            .map(|c| {
                let members: Vec<&str> = c.members.iter().map(String::as_str).collect();
                format!("[{}]: {}", c.parent.join("::"), members.join(", "))
            })
            .collect()
    }

    #[test]
    fn a_cycle_through_a_re_export_is_found() {
        let (_dir, tree) = crate_of(&[
            ("src/lib.rs", "mod a;\nmod b;\nmod c;\npub use b::Thing;\n"),
            ("src/a.rs", "pub fn f() -> crate::Thing { crate::Thing }\n"),
            ("src/b.rs", "pub struct Thing;\nfn g() { crate::a::f(); }\n"),
            ("src/c.rs", "use crate::a::f;\n"),
        ]);
        assert_eq!(found(&tree), vec!["[]: a, b"]);
    }

    #[test]
    fn cycles_are_found_at_every_level_through_super_and_macros() {
        let (_dir, tree) = crate_of(&[
            ("src/lib.rs", "pub mod p;\n"),
            ("src/p/mod.rs", "mod x;\nmod y;\nmod z;\n"),
            ("src/p/x.rs", "use super::y::Y;\npub struct X;\n"),
            (
                "src/p/y.rs",
                "pub struct Y;\nfn g() { println!(\"{:?}\", super::x::X); }\n",
            ),
            ("src/p/z.rs", "use super::*;\n"),
        ]);
        assert_eq!(found(&tree), vec!["[p]: x, y"]);
    }

    #[test]
    fn test_code_and_references_to_parents_or_children_are_no_edge() {
        let (dir, tree) = crate_of(&[
            ("src/lib.rs", "mod a;\nmod b;\npub struct Root;\n"),
            (
                "src/a/mod.rs",
                "mod inner;\nuse crate::b::B;\nuse inner::I;\n",
            ),
            (
                "src/a/inner.rs",
                "pub struct I;\nuse crate::Root;\nuse super::super::a;\n",
            ),
            (
                "src/b.rs",
                "pub struct B;\n#[cfg(test)]\nmod tests {\n    use crate::a::inner;\n}\n",
            ),
        ]);
        assert_eq!(found(&tree), Vec::<String>::new());
        let edges = &levels(&tree)[&Vec::new()];
        let shown: Vec<_> = edges.keys().collect();
        assert_eq!(shown, vec![&("a".to_string(), "b".to_string())]);
        let evidence = &edges[&("a".to_string(), "b".to_string())];
        assert_eq!(evidence.file, dir.path().join("src/a/mod.rs"));
        assert_eq!(evidence.line, 2);
        assert!(Path::new(&evidence.file).is_file());
    }
}
