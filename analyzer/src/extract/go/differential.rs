//! The extractor against the go command itself (`go version -m`, Debian's Go
//! toolchain, installed by `tools/differential/setup.sh`): on the corpus's
//! real `bootstrap` (1.18+ inline format, vendored modules), on a binary the
//! test builds with a local-directory replacement, on a real pre-1.18
//! pointer-format binary (Debian bullseye's `cli-spinner`, built by Go 1.15 in
//! GOPATH mode, which `scripts/test.sh` fetches: its build info holds the Go
//! version only), and on a pre-1.18 file with modules and `=>` replacements
//! written by the test (Debian builds Go packages in GOPATH mode: no
//! bullseye binary with pre-1.18 module info is used). Both sides must name
//! the same packages:
//! `stdlib` at the toolchain version, the main module, each dependency at its
//! version or at its replacement's, and no package for a local replacement.

use super::buildinfo::tests::framed;
use super::tests::{pointer_format_elf, MODINFO};
use super::{GoExtractor, STDLIB};
use crate::extract::testutil::{open, zip_with_modes};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `name@version` of each package.
type Listing = BTreeSet<String>;

/// The go command, when the differential checks are on and it is there.
fn go() -> Option<PathBuf> {
    if std::env::var("LAMBDA_AUDIT_DIFFERENTIAL").as_deref() != Ok("1") {
        testkit::skip(
            "set LAMBDA_AUDIT_DIFFERENTIAL=1 (after tools/differential/setup.sh) to compare \
             with `go version -m`",
        );
        return None;
    }
    let found = Command::new("go").arg("version").output();
    match found {
        Ok(out) if out.status.success() => Some(PathBuf::from("go")),
        _ => {
            testkit::skip("the go command is not installed (tools/differential/setup.sh)");
            None
        }
    }
}

/// What `go version -m` says of `file`, as packages the way the extractor
/// reports them.
fn reference(go: &Path, file: &Path) -> Listing {
    let out = Command::new(go)
        .args(["version", "-m"])
        .arg(file)
        .output()
        .expect("go runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(out.status.success(), "{text}");
    let mut lines = text.lines();
    let head = lines.next().expect("a first line");
    let toolchain = head.rsplit(": ").next().unwrap();
    let mut listing: Listing = [format!("{STDLIB}@{toolchain}")].into();
    let rows: Vec<Vec<&str>> = lines
        .map(|l| l.trim_start_matches('\t').split('\t').collect())
        .collect();
    for (i, row) in rows.iter().enumerate() {
        if !matches!(row[0], "mod" | "dep") {
            continue;
        }
        match rows.get(i + 1).filter(|next| next[0] == "=>") {
            Some(with) if with[2] == "(devel)" => {}
            Some(with) => {
                listing.insert(format!("{}@{}", with[1], with[2]));
            }
            None => {
                listing.insert(format!("{}@{}", row[1], row[2]));
            }
        }
    }
    listing
}

/// What the extractor says of the executable `bytes`.
fn ours(bytes: &[u8]) -> Listing {
    let tree = open("f.zip", zip_with_modes(&[("bootstrap", bytes, 0o755)]));
    let scan = crate::extract::scan_tree(&tree, &[Box::new(GoExtractor)]);
    assert!(scan.warnings.is_empty(), "{:?}", scan.warnings);
    scan.packages
        .iter()
        .map(|f| format!("{}@{}", f.name, f.version))
        .collect()
}

/// Writes `bytes` as an executable file in `dir`.
fn executable(dir: &Path, bytes: &[u8]) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("bootstrap");
    std::fs::write(&path, bytes).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn agree(go: &Path, bytes: &[u8]) -> Listing {
    let dir = tempfile::tempdir().unwrap();
    let expected = reference(go, &executable(dir.path(), bytes));
    assert_eq!(ours(bytes), expected);
    expected
}

#[test]
fn corpus_bootstrap_matches_go_version_m() {
    let Some(go) = go() else { return };
    let zip = std::fs::read(testkit::fixture("corpus").join("go-bootstrap.zip")).unwrap();
    let tree = open("go-bootstrap.zip", zip);
    let file = tree.get("bootstrap").expect("bootstrap in the artifact");
    let listing = agree(&go, &tree.read(file).unwrap());
    assert!(listing.len() > 10, "{listing:?}");
}

#[test]
fn pre_go_1_18_pointer_format_matches_go_version_m() {
    let Some(go) = go() else { return };
    let listing = agree(&go, &pointer_format_elf("go1.16.15", &framed(MODINFO)));
    // The versioned replacement is reported, the local one is not.
    assert!(listing.contains("golang.org/x/net@v0.17.0"), "{listing:?}");
    assert!(
        !listing.iter().any(|p| p.contains("internal")),
        "{listing:?}"
    );
}

#[test]
fn a_real_go_1_15_binary_matches_go_version_m() {
    let Some(go) = go() else { return };
    let Some(binary) = testkit::configured_path("LAMBDA_AUDIT_GO_PRE118_BINARY") else {
        testkit::skip(
            "set LAMBDA_AUDIT_GO_PRE118_BINARY to a Go binary built before Go 1.18 \
             (scripts/test.sh fetches Debian bullseye's cli-spinner)",
        );
        return;
    };
    let bytes = std::fs::read(&binary).expect("the pre-1.18 binary reads");
    let raw = super::buildinfo::read(&bytes)
        .expect("build info reads")
        .expect("a Go binary");
    let minor: Option<u32> = raw
        .go_version
        .strip_prefix("go1.")
        .and_then(|rest| rest.split('.').next()?.parse().ok());
    assert!(
        minor.is_some_and(|m| m < 18),
        "{} is not a pre-1.18 binary",
        raw.go_version
    );
    let listing = agree(&go, &bytes);
    assert_eq!(listing, [format!("{STDLIB}@{}", raw.go_version)].into());
}

#[test]
fn a_local_replacement_built_by_the_go_command_matches() {
    let Some(go) = go() else { return };
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib/go.mod", "module example.com/lib\n\ngo 1.18\n");
    write("lib/lib.go", "package lib\n\nfunc X() int { return 1 }\n");
    write(
        "app/go.mod",
        "module example.com/app\n\ngo 1.18\n\nrequire example.com/lib v0.1.0\n\n\
         replace example.com/lib => ../lib\n",
    );
    write(
        "app/main.go",
        "package main\n\nimport \"example.com/lib\"\n\nfunc main() { println(lib.X()) }\n",
    );
    let built = Command::new(&go)
        .args(["build", "-o", "app.bin", "."])
        .current_dir(dir.path().join("app"))
        .env("GOFLAGS", "-mod=mod")
        .env("GOPROXY", "off")
        .env("GOCACHE", dir.path().join("cache"))
        .env("GOPATH", dir.path().join("gopath"))
        .output()
        .expect("go build runs");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let bytes = std::fs::read(dir.path().join("app/app.bin")).unwrap();
    let listing = agree(&go, &bytes);
    assert!(
        listing
            .iter()
            .all(|p| !p.starts_with("example.com/lib") && !p.starts_with("../")),
        "{listing:?}"
    );
}
