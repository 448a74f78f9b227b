//! npm ecosystem: installed `node_modules/**/package.json` manifests, the
//! project's own `package.json` (the root), and the lockfiles of npm, yarn,
//! pnpm and bun. Lockfile entries are reconciled against what is installed.

mod bun;
mod coverage;
mod package_json;
mod package_lock;
mod paths;
mod pnpm;
mod reconcile;
mod yarn;

use crate::archive::{ArchiveTree, FileEntry};
use crate::ecosystem::Ecosystem;
use crate::extract::{utf8, ExtractError, Extracted, Extractor};
use crate::package::{EvidenceKind, Found};
use paths::ManifestKind;

/// Reads npm evidence: installed manifests, root manifests and lockfiles.
#[derive(Clone, Copy, Debug, Default)]
pub struct NpmExtractor;

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
enum Evidence {
    Manifest(ManifestKind),
    PackageLock,
    HiddenLock,
    Yarn,
    Pnpm,
    Bun,
    BunBinary,
}

fn classify(file: &FileEntry) -> Option<Evidence> {
    let inner = file.inner_path();
    let name = file.file_name();
    if name == "package.json" {
        return paths::manifest_kind(inner).map(Evidence::Manifest);
    }
    if name == HIDDEN_LOCKFILE {
        let parent = paths::parent_dir(inner);
        let parent_name = parent.rsplit('/').next().unwrap_or(parent);
        return (parent_name == "node_modules"
            && !paths::in_node_modules(paths::parent_dir(parent)))
        .then_some(Evidence::HiddenLock);
    }
    if !LOCKFILE_NAMES.contains(&name) || paths::in_node_modules(inner) {
        // A lockfile shipped inside an installed package describes that
        // package's own development setup, not this artifact.
        return None;
    }
    Some(match name {
        "package-lock.json" | "npm-shrinkwrap.json" => Evidence::PackageLock,
        "yarn.lock" => Evidence::Yarn,
        "pnpm-lock.yaml" => Evidence::Pnpm,
        "bun.lock" => Evidence::Bun,
        _ => Evidence::BunBinary,
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
        _tree: &ArchiveTree,
    ) -> Result<Extracted, ExtractError> {
        let Some(kind) = classify(file) else {
            return Ok(Extracted::default());
        };
        let path = file.path.as_str();
        let dir = paths::parent_dir(path);
        let text = || utf8(bytes);
        match kind {
            Evidence::Manifest(ManifestKind::Installed) => package_json::installed(path, text()?),
            Evidence::Manifest(ManifestKind::Root) => package_json::root(path, text()?),
            Evidence::PackageLock => package_lock::parse(path, dir, text()?),
            Evidence::HiddenLock => package_lock::parse(path, paths::parent_dir(dir), text()?),
            Evidence::Yarn => yarn::parse(path, text()?),
            Evidence::Pnpm => pnpm::parse(path, text()?),
            Evidence::Bun => bun::parse(path, text()?),
            Evidence::BunBinary => {
                let mut out = Extracted::default();
                out.skip(
                    path,
                    "binary bun.lockb is not read; save a text bun.lock to have it scanned",
                );
                Ok(out)
            }
        }
    }

    fn reconcile(&self, extracted: Extracted, tree: &ArchiveTree) -> Extracted {
        let mut out = reconcile::lockfiles_against_installed(extracted, tree);
        out.skipped.extend(coverage::undetermined_projects(tree));
        out
    }
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

/// A dependency found in a lockfile.
fn lock_entry(name: &str, version: String, path: &str) -> Found {
    Found::new(Ecosystem::Npm, name, version, path, EvidenceKind::Lockfile)
}

#[cfg(test)]
mod tests {
    use super::*;

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
