//! npm ecosystem: installed `node_modules/**/package.json` manifests, the
//! project's own `package.json` (the root), and the lockfiles of npm, yarn,
//! pnpm and bun. Lockfile entries are reconciled against what is installed.

mod bun;
pub mod bundle;
mod coverage;
mod json_stream;
mod jsonc;
mod package_json;
mod package_lock;
mod paths;
mod platform;
mod pnpm;
mod reconcile;
mod yarn;

pub use reconcile::OTHER_PLATFORM;

use crate::archive::{ArchiveTree, FileEntry};
use crate::ecosystem::Ecosystem;
use crate::extract::quota::{FileQuota, PackageQuota};
use crate::extract::{read_all, utf8, ExtractError, Extracted, Extractor};
use crate::package::{EvidenceKind, Found};
use paths::ManifestKind;
use std::io::BufRead;

/// Reads npm evidence: installed manifests, root manifests and lockfiles.
/// Lockfile entries for another platform than Linux on `architecture` (npm's
/// `os` / `cpu` / `libc`) are treated like uninstalled development entries.
#[derive(Clone, Copy, Debug, Default)]
pub struct NpmExtractor {
    pub architecture: crate::platform::Architecture,
}

/// The lockfile names a project directory may hold (the hidden lockfile lives in
/// `node_modules/` and is handled apart).
const LOCKFILE_NAMES: [&str; 6] = [
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
    "bun.lockb",
];

/// npm's hidden lockfile, written into `node_modules/` by npm 7+.
const HIDDEN_LOCKFILE: &str = ".package-lock.json";

/// Which parser a wanted file goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Manifest(ManifestKind),
    PackageLock,
    HiddenLock,
    Yarn,
    Pnpm,
    Bun,
    BunBinary,
}

fn classify(file: &FileEntry) -> Option<Format> {
    let inner = file.inner_path();
    let name = file.file_name();
    if name == "package.json" {
        return paths::manifest_kind(inner).map(Format::Manifest);
    }
    if name == HIDDEN_LOCKFILE {
        let parent = paths::parent_dir(inner);
        let parent_name = parent.rsplit('/').next().unwrap_or(parent);
        return (parent_name == "node_modules"
            && !paths::in_node_modules(paths::parent_dir(parent)))
        .then_some(Format::HiddenLock);
    }
    if !LOCKFILE_NAMES.contains(&name) || paths::in_node_modules(inner) {
        // A lockfile shipped inside an installed package describes that
        // package's own development setup, not this artifact.
        return None;
    }
    Some(match name {
        "package-lock.json" | "npm-shrinkwrap.json" => Format::PackageLock,
        "yarn.lock" => Format::Yarn,
        "pnpm-lock.yaml" => Format::Pnpm,
        "bun.lock" => Format::Bun,
        _ => Format::BunBinary,
    })
}

impl Extractor for NpmExtractor {
    fn name(&self) -> &'static str {
        "npm"
    }

    fn wants(&self, file: &FileEntry) -> bool {
        classify(file).is_some()
    }

    fn extract(
        &self,
        file: &FileEntry,
        bytes: &[u8],
        tree: &ArchiveTree,
    ) -> Result<Extracted, ExtractError> {
        let Some(kind) = classify(file) else {
            return Ok(Extracted::default());
        };
        let path = file.path.as_str();
        let text = || utf8(bytes);
        match kind {
            Format::Manifest(ManifestKind::Installed) => package_json::installed(path, text()?),
            Format::Manifest(ManifestKind::Root) => package_json::root(path, text()?),
            Format::PackageLock
            | Format::HiddenLock
            | Format::Yarn
            | Format::Pnpm
            | Format::Bun => {
                let unlimited = PackageQuota::unlimited();
                self.extract_stream(file, &mut { bytes }, tree, &FileQuota::new(&unlimited))
            }
            Format::BunBinary => {
                let mut out = Extracted::default();
                out.skip(
                    path,
                    "binary bun.lockb is not read; save a text bun.lock to have it scanned",
                );
                Ok(out)
            }
        }
    }

    /// Lockfiles can be hundreds of MB: they are parsed as they are read.
    fn streams(&self, file: &FileEntry) -> bool {
        matches!(
            classify(file),
            Some(
                Format::PackageLock
                    | Format::HiddenLock
                    | Format::Pnpm
                    | Format::Yarn
                    | Format::Bun
            )
        )
    }

    fn extract_stream(
        &self,
        file: &FileEntry,
        input: &mut dyn BufRead,
        tree: &ArchiveTree,
        quota: &FileQuota,
    ) -> Result<Extracted, ExtractError> {
        let path = file.path.as_str();
        let dir = paths::parent_dir(path);
        match classify(file) {
            Some(Format::PackageLock) => package_lock::parse_within(path, dir, input, quota),
            Some(Format::HiddenLock) => {
                package_lock::parse_within(path, paths::parent_dir(dir), input, quota)
            }
            Some(Format::Pnpm) => pnpm::parse_within(path, input, quota),
            Some(Format::Bun) => bun::parse(path, input, quota),
            Some(Format::Yarn) => {
                yarn::parse_within(path, input, project_manifest(tree, dir).as_ref(), quota)
            }
            _ => self.extract(file, &read_all(input)?, tree),
        }
    }

    fn reconcile(&self, extracted: Extracted, tree: &ArchiveTree) -> Extracted {
        let mut out = reconcile::lockfiles_against_installed(extracted, tree, self.architecture);
        out.skipped.extend(coverage::undetermined_projects(tree));
        out
    }
}

/// The declarations of the `package.json` in `dir`, when it is there and readable.
fn project_manifest(tree: &ArchiveTree, dir: &str) -> Option<package_json::Declared> {
    let file = tree.get(&paths::under(dir, "package.json"))?;
    let bytes = tree.read(file).ok()?;
    package_json::declared(utf8(&bytes).ok()?)
}

/// A version as npm would accept it, with a leading `v` or `=` removed; `None`
/// when the text is not a version (a git URL, a `file:` path, a tag).
fn normalize_version(raw: &str) -> Option<String> {
    let v = raw.trim().trim_start_matches(['=', 'v']).trim_start();
    v.starts_with(|c: char| c.is_ascii_digit())
        .then(|| v.to_string())
}

/// Splits `name@rest` where the name may be scoped (`@scope/name@rest`).
fn split_at_version(spec: &str) -> Option<(&str, &str)> {
    let from = usize::from(spec.starts_with('@'));
    let at = spec[from..].find('@')? + from;
    let (name, rest) = (&spec[..at], &spec[at + 1..]);
    (name.len() > from).then_some((name, rest))
}

/// The package `name` that the lockfile at `path` locks at `raw`; `None` when
/// `raw` is not a registry version (see [`unidentified`]).
fn lock_entry(name: &str, raw: &str, path: &str) -> Option<Found> {
    let version = normalize_version(raw)?;
    Some(Found::new(
        Ecosystem::Npm,
        name,
        version,
        path,
        EvidenceKind::Lockfile,
    ))
}

/// What most lockfiles lack when an entry is not identified.
const NO_REGISTRY_VERSION: &str = "no registry version in lockfile";

/// The skip reason for the lockfile entry `key` whose version text `raw` is
/// not a registry version: `missing` says what is missing.
fn unidentified(key: &str, missing: &str, raw: &str) -> String {
    format!("{key}: {missing} ({raw:?}); not identified")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::scan_tree;
    use crate::extract::testutil::{open, zip};
    use crate::Skipped;

    /// An artifact made of the given (path, content) files.
    fn artifact(files: &[(&str, &str)]) -> ArchiveTree {
        open("fn.zip", zip_bytes(files))
    }

    fn zip_bytes(files: &[(&str, &str)]) -> Vec<u8> {
        let files: Vec<(&str, &[u8])> = files.iter().map(|(p, c)| (*p, c.as_bytes())).collect();
        zip(&files)
    }

    fn scan(tree: &ArchiveTree) -> crate::extract::ArtifactScan {
        scan_tree(
            tree,
            &[Box::new(NpmExtractor::default()) as Box<dyn Extractor>],
        )
    }

    /// (name@version, evidence file, note) of every package found.
    fn listing(scan: &crate::extract::ArtifactScan) -> Vec<(String, String, Option<String>)> {
        scan.packages
            .iter()
            .map(|f| {
                (
                    format!("{}@{}", f.name, f.version),
                    f.path.clone(),
                    f.note.clone(),
                )
            })
            .collect()
    }

    fn item(id: &str, path: &str, note: Option<&str>) -> (String, String, Option<String>) {
        (id.into(), path.into(), note.map(str::to_string))
    }

    fn skipped(path: &str, reason: &str) -> Skipped {
        Skipped {
            path: path.into(),
            reason: reason.into(),
        }
    }

    const LOCK: &str = r#"{"lockfileVersion": 3, "packages": {
        "": {"name": "fn", "version": "1.0.0"},
        "node_modules/ms": {"version": "2.1.2"},
        "node_modules/jest": {"version": "29.0.0", "dev": true},
        "node_modules/fsevents": {"version": "2.3.2", "optional": true}
    }}"#;

    #[test]
    fn wanted_files() {
        let tree = artifact(&[
            ("package.json", "{}"),
            ("node_modules/.package-lock.json", "{}"),
            ("node_modules/a/package.json", "{}"),
            ("node_modules/a/lib/package.json", "{}"),
            ("node_modules/a/package-lock.json", "{}"),
            ("node_modules/a/yarn.lock", ""),
            ("node_modules/a/node_modules/.package-lock.json", "{}"),
            ("web/pnpm-lock.yaml", ""),
            ("yarn.lock", ""),
            ("bun.lock", ""),
            ("index.js", ""),
        ]);
        let wanted: Vec<&str> = tree
            .files
            .iter()
            .filter(|f| NpmExtractor::default().wants(f))
            .map(|f| f.path.as_str())
            .collect();
        assert_eq!(
            wanted,
            [
                "bun.lock",
                "node_modules/.package-lock.json",
                "node_modules/a/package.json",
                "package.json",
                "web/pnpm-lock.yaml",
                "yarn.lock"
            ]
        );
    }

    #[test]
    fn locked_but_not_installed_is_noted_or_dropped_when_dev() {
        let tree = artifact(&[
            ("package.json", r#"{"name": "fn", "version": "1.0.0"}"#),
            ("package-lock.json", LOCK),
            (
                "node_modules/ms/package.json",
                r#"{"name": "ms", "version": "2.1.2"}"#,
            ),
            ("index.js", "require('ms')"),
        ]);
        let scan = scan(&tree);
        assert_eq!(
            listing(&scan),
            vec![
                item("fn@1.0.0", "package.json", None),
                item(
                    "fsevents@2.3.2",
                    "package-lock.json",
                    Some(reconcile::NOT_INSTALLED)
                ),
                item("ms@2.1.2", "node_modules/ms/package.json", None),
                item("ms@2.1.2", "package-lock.json", None),
            ]
        );
        assert_eq!(
            scan.skipped,
            vec![skipped(
                "package-lock.json",
                "jest@29.0.0: dev dependency in lockfile, not installed"
            )]
        );
        assert!(scan.warnings.is_empty());
    }

    #[test]
    fn lockfile_without_node_modules_is_kept_as_is() {
        let tree = artifact(&[
            (
                "package.json",
                r#"{"name": "fn", "version": "1.0.0", "dependencies": {"ms": "2"}}"#,
            ),
            ("package-lock.json", LOCK),
            ("index.js", "bundled"),
        ]);
        let scan = scan(&tree);
        assert_eq!(scan.packages.len(), 4);
        assert!(scan.packages.iter().all(|f| f.note.is_none()));
        assert!(scan.skipped.is_empty());
    }

    #[test]
    fn yarn_entries_match_installed_copies_by_name_and_version() {
        let yarn = "ms@^2.1.0:\n  version \"2.1.2\"\n\ndebug@^4.0.0:\n  version \"4.3.4\"\n";
        let tree = artifact(&[
            ("app/yarn.lock", yarn),
            (
                "app/node_modules/ms/package.json",
                r#"{"name": "ms", "version": "2.1.2"}"#,
            ),
        ]);
        let scan = scan(&tree);
        assert_eq!(
            listing(&scan),
            vec![
                item(
                    "debug@4.3.4",
                    "app/yarn.lock",
                    Some(reconcile::NOT_INSTALLED)
                ),
                item("ms@2.1.2", "app/node_modules/ms/package.json", None),
                item("ms@2.1.2", "app/yarn.lock", None),
            ]
        );
    }

    #[test]
    fn other_platform_entries_are_judged_by_the_architecture() {
        let lock = r#"{"lockfileVersion": 3, "packages": {
            "": {"name": "fn"},
            "node_modules/@img/sharp-darwin-arm64": {"version": "0.33.5", "optional": true,
                "os": ["darwin"], "cpu": ["arm64"]},
            "node_modules/@img/sharp-linux-x64": {"version": "0.33.5", "optional": true,
                "os": ["linux"], "cpu": ["x64"], "libc": ["glibc"]},
            "node_modules/@img/sharp-linux-arm64": {"version": "0.33.5", "optional": true,
                "os": ["linux"], "cpu": ["arm64"], "libc": ["glibc"]}
        }}"#;
        let scopes = |architecture| {
            let tree = artifact(&[("package-lock.json", lock)]);
            let npm = NpmExtractor { architecture };
            let scan = scan_tree(&tree, &[Box::new(npm) as Box<dyn Extractor>]);
            let mut rows: Vec<(String, Option<String>)> = scan
                .packages
                .iter()
                .map(|f| (f.name.clone(), f.scope.clone()))
                .collect();
            rows.sort();
            rows
        };
        let other = Some(reconcile::OTHER_PLATFORM.to_string());
        let optional = Some("optional".to_string());
        use crate::platform::Architecture::{Arm64, X86_64};
        assert_eq!(
            scopes(X86_64),
            vec![
                ("@img/sharp-darwin-arm64".into(), other.clone()),
                ("@img/sharp-linux-arm64".into(), other.clone()),
                ("@img/sharp-linux-x64".into(), optional.clone()),
            ]
        );
        assert_eq!(
            scopes(Arm64),
            vec![
                ("@img/sharp-darwin-arm64".into(), other.clone()),
                ("@img/sharp-linux-arm64".into(), optional),
                ("@img/sharp-linux-x64".into(), other),
            ]
        );
        // With node_modules, what was not installed for another platform is
        // dropped with a note; an installed copy is always kept.
        let tree = artifact(&[
            ("package-lock.json", lock),
            (
                "node_modules/@img/sharp-darwin-arm64/package.json",
                r#"{"name": "@img/sharp-darwin-arm64", "version": "0.33.5"}"#,
            ),
            (
                "node_modules/@img/sharp-linux-x64/package.json",
                r#"{"name": "@img/sharp-linux-x64", "version": "0.33.5"}"#,
            ),
        ]);
        let scan = scan(&tree);
        assert!(scan
            .packages
            .iter()
            .all(|f| f.name != "@img/sharp-linux-arm64"));
        assert!(scan
            .packages
            .iter()
            .any(|f| f.name == "@img/sharp-darwin-arm64" && f.evidence == EvidenceKind::Installed));
        let dropped: Vec<&str> = scan.skipped.iter().map(|s| s.reason.as_str()).collect();
        assert_eq!(
            dropped,
            [
                "@img/sharp-linux-arm64@0.33.5: for os linux, cpu arm64, libc glibc; Lambda runs \
              linux (glibc) on x86_64 (--architecture), not installed"
            ]
        );
    }

    #[test]
    fn bundled_projects_get_a_coverage_note() {
        let with_deps =
            r#"{"name": "fn", "version": "1.0.0", "dependencies": {"a": "1", "b": "2"}}"#;
        let tree = artifact(&[("package.json", with_deps), ("dist/index.js", "bundle")]);
        let scan = scan(&tree);
        assert_eq!(scan.packages.len(), 1);
        let reasons: Vec<(&str, &str)> = scan
            .skipped
            .iter()
            .map(|s| (s.path.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(reasons.len(), 2, "one note per declared dependency");
        for ((path, reason), dep) in reasons.into_iter().zip(["a@1", "b@2"]) {
            assert_eq!(path, "package.json");
            assert!(
                reason.starts_with(&format!(
                    "unpinned dependency `{dep}`: declared in package.json"
                )),
                "{reason}"
            );
        }
        // Without any JavaScript (a folder holding only package.json) the
        // declarations are unpinned all the same.
        let manifest_only = artifact(&[("package.json", with_deps)]);
        assert_eq!(scan_tree_skipped(&manifest_only).len(), 2);

        let no_deps = artifact(&[("package.json", r#"{"name": "fn"}"#), ("index.js", "x")]);
        assert!(scan_tree_skipped(&no_deps).is_empty());

        let bare = artifact(&[("index.mjs", "bundle"), ("lib/util.js", "x")]);
        let notes = scan_tree_skipped(&bare);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].path, "index.mjs");
        assert!(notes[0]
            .reason
            .starts_with("JavaScript without package.json"));

        let nested = open("outer.zip", zip_bytes_nested());
        let notes = scan_tree_skipped(&nested);
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].path, "worker.zip!/handler.cjs");
    }

    fn zip_bytes_nested() -> Vec<u8> {
        zip(&[("worker.zip", &zip_bytes(&[("handler.cjs", "bundle")]))])
    }

    fn scan_tree_skipped(tree: &ArchiveTree) -> Vec<Skipped> {
        scan(tree).skipped
    }

    #[test]
    fn sub_projects_resolve_from_an_ancestor_node_modules() {
        let tree = artifact(&[
            (
                "package.json",
                r#"{"name": "fn", "version": "1.0.0", "dependencies": {"ms": "2"}}"#,
            ),
            ("tools/package.json", r#"{"dependencies": {"ms": "2"}}"#),
            ("tools/run.js", "require('ms')"),
            (
                "node_modules/ms/package.json",
                r#"{"name": "ms", "version": "2.1.2"}"#,
            ),
        ]);
        assert!(scan_tree_skipped(&tree).is_empty());
    }

    #[test]
    fn bad_input_becomes_warnings_and_notes() {
        let tree = artifact(&[
            ("package-lock.json", "{ this is not json"),
            (
                "node_modules/a/package.json",
                r#"{"name": "a", "version": {"x": 1}}"#,
            ),
            (
                "node_modules/b/package.json",
                "\u{feff}{\"name\": \"b\", \"version\": \"1.0.0\"}",
            ),
            ("node_modules/c/package.json", "[]"),
            ("yarn.lock", "garbage without colon"),
            ("pnpm-lock.yaml", ": : :"),
            ("bun.lock", "{"),
            ("bun.lockb", "\u{0}\u{1}binary"),
        ]);
        let scan = scan(&tree);
        assert_eq!(
            listing(&scan),
            vec![item("b@1.0.0", "node_modules/b/package.json", None)]
        );
        let warned: Vec<&str> = scan.warnings.iter().map(|w| w.path.as_str()).collect();
        assert_eq!(
            warned,
            [
                "bun.lock",
                "node_modules/c/package.json",
                "package-lock.json",
                "pnpm-lock.yaml",
                "yarn.lock"
            ]
        );
        assert!(scan.warnings.iter().all(|w| w.message.starts_with("npm: ")));
        let notes: Vec<&str> = scan.skipped.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(notes, ["bun.lockb", "node_modules/a/package.json"]);
    }

    #[test]
    fn versions_are_normalised_and_non_versions_refused() {
        assert_eq!(normalize_version("v1.2.3").as_deref(), Some("1.2.3"));
        assert_eq!(normalize_version(" =1.0.0 ").as_deref(), Some("1.0.0"));
        assert_eq!(
            normalize_version("1.0.0-beta.1").as_deref(),
            Some("1.0.0-beta.1")
        );
        assert_eq!(normalize_version("git+https://x/y.git#abc"), None);
        assert_eq!(normalize_version("file:../lib"), None);
        assert_eq!(normalize_version(""), None);
    }

    #[test]
    fn specs_split_after_the_scope() {
        assert_eq!(split_at_version("ms@2.0.0"), Some(("ms", "2.0.0")));
        assert_eq!(
            split_at_version("@hapi/hoek@npm:8.5.0"),
            Some(("@hapi/hoek", "npm:8.5.0"))
        );
        assert_eq!(split_at_version("@hapi/hoek"), None);
        assert_eq!(split_at_version("@x"), None);
        assert_eq!(split_at_version("@@1"), None);
    }
}
