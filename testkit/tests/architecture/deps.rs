//! The workspace as cargo sees it: its crate targets, and a package's normal
//! (non-dev, non-build) dependency tree.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

/// A library or binary target of a workspace package.
pub struct Target {
    pub package: String,
    pub kind: String,
    pub name: String,
    /// Its root source file (`src/lib.rs`, `src/main.rs`, ...).
    pub root: PathBuf,
}

/// Cargo, run from the workspace root, offline (nothing here needs the network).
fn cargo(args: &[&str]) -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(&cargo)
        .args(args)
        .arg("--offline")
        .current_dir(testkit::workspace_root())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", cargo.to_string_lossy()));
    assert!(
        out.status.success(),
        "cargo {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("cargo prints UTF-8")
}

/// Every library and binary target of the workspace's packages.
pub fn targets() -> Vec<Target> {
    let text = cargo(&["metadata", "--no-deps", "--format-version", "1"]);
    let metadata: serde_json::Value = serde_json::from_str(&text).expect("cargo metadata is JSON");
    let mut targets = Vec::new();
    for package in metadata["packages"].as_array().expect("packages") {
        for target in package["targets"].as_array().expect("targets") {
            let kind = target["kind"][0].as_str().unwrap_or_default();
            if kind == "lib" || kind == "bin" {
                targets.push(Target {
                    package: package["name"].as_str().expect("name").to_string(),
                    kind: kind.to_string(),
                    name: target["name"].as_str().expect("name").to_string(),
                    root: PathBuf::from(target["src_path"].as_str().expect("src_path")),
                });
            }
        }
    }
    targets
}

/// The names of every package in `package`'s normal dependency tree, itself included.
pub fn normal_dependencies(package: &str) -> BTreeSet<String> {
    cargo(&[
        "tree", "--locked", "-p", package, "-e", "normal", "--prefix", "none", "--format", "{p}",
    ])
    .lines()
    .filter_map(|line| line.split_whitespace().next())
    .map(str::to_string)
    .collect()
}
