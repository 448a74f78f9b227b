//! The inventory's data model: packages and the evidence for them.

use crate::ecosystem::Ecosystem;
use serde::{Deserialize, Serialize};

/// What kind of file a package was seen in, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// Installed metadata: node_modules/**/package.json, *.dist-info/METADATA,
    /// pom.properties in a jar.
    Installed,
    /// Dependency data compiled into a binary (cargo-auditable `.dep-v0`).
    Binary,
    /// A lockfile (package-lock.json, poetry.lock, Cargo.lock, ...).
    Lockfile,
    /// A declared exact pin (requirements.txt `==`, pom.xml literal version).
    Declared,
    /// Recovered from a bundled JavaScript file (an esbuild metafile, webpack
    /// stats, a source map, or comments the bundler kept); [`BundleEvidence`]
    /// says which and how sure.
    Bundled,
    /// A heuristic identification (jar MANIFEST.MF fields without pom.properties).
    Heuristic,
}

/// What names a package inside a JavaScript bundle, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BundleSource {
    /// esbuild's metafile (`inputs` of the bundle's output under `node_modules/<pkg>/`).
    Metafile,
    /// webpack's stats (`modules`, nested modules included).
    WebpackStats,
    /// A source map's `sources` (external, via `sourceMappingURL`, or an inline `data:` map).
    SourceMap,
    /// A module path webpack kept as a module id (`"./node_modules/<pkg>/x.js":`).
    ModuleId,
    /// esbuild's `// node_modules/<pkg>/...` region comment in non-minified output.
    RegionComment,
    /// A package's own `package.json` inlined into the bundle's code.
    InlinedManifest,
    /// A license or banner comment the bundler kept (`/*! name vX.Y.Z */`,
    /// esbuild's "Bundled license information").
    LicenseComment,
}

/// Where a bundled package's version comes from, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BundleVersionSource {
    /// A lockfile of the project the bundle was built from.
    Lockfile,
    /// The package's installed `node_modules/<pkg>/package.json`.
    InstalledManifest,
    /// A versioned store path (`node_modules/.pnpm/<name>@<version>/`).
    StorePath,
    /// The package's `package.json`, bundled (source map `sourcesContent`, or
    /// inlined into the code).
    BundledManifest,
    /// A version constant the package's own code assigns (`VERSION = '4.17.20'`).
    VersionLiteral,
    /// A license or banner comment (`/*! name v1.2.3 */`, `version : 1.2.3`).
    LicenseComment,
}

/// How sure a bundled package's identification is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Comments only: a banner can be stale or name a display name.
    Low,
    /// Code that carries a version (a constant, an inlined manifest).
    Medium,
    /// Build records: metafile, stats, source map paths with a lockfile,
    /// installed manifest, store path or bundled `package.json`.
    High,
}

/// How a package compiled into a JavaScript bundle was recovered.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BundleEvidence {
    /// What names the package.
    pub named_by: BundleSource,
    /// The file that names it (the metafile, the map, or the bundle itself).
    pub named_in: String,
    /// Where the bundled copy sat in the build (`node_modules/a/node_modules/b`),
    /// when the evidence says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_path: Option<String>,
    /// Where the version comes from.
    pub version_from: BundleVersionSource,
    /// The file that holds the version evidence.
    pub version_in: String,
    /// The weaker of the name's and the version's evidence.
    pub confidence: Confidence,
}

/// The JSON spelling of a unit enum variant (`source-map`, `high`).
fn spelled<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl BundleEvidence {
    /// One line for people: `source-map in index.js.map, version from
    /// version-literal in index.js.map, confidence medium`.
    pub fn describe(&self) -> String {
        format!(
            "{} in {}, version from {} in {}, confidence {}",
            spelled(&self.named_by),
            self.named_in,
            spelled(&self.version_from),
            self.version_in,
            spelled(&self.confidence)
        )
    }
}

/// Whether a package is a dependency or the function's own package.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    Dependency,
    /// The function itself (root package.json, the root crate, the jar's own pom).
    Root,
}

/// One package as one extractor saw it in one file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Found {
    pub ecosystem: Ecosystem,
    /// The name the package gives itself (`group:artifact` for Maven).
    pub name: String,
    pub version: String,
    /// Path of the evidence file inside the artifact.
    pub path: String,
    pub evidence: EvidenceKind,
    #[serde(default)]
    pub role: Role,
    /// Where the package is installed inside the artifact, when the evidence says
    /// (`node_modules/debug/node_modules/ms`, a dist-info folder, a jar path).
    /// Lockfile entries name the install path they describe, so that they merge
    /// with the installed copy. Used to decide what the runtime loads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_path: Option<String>,
    /// `dev`, `optional`, `build`, ... as the evidence marks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Anything a reader should know (e.g. "lockfile only; not installed").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For a package compiled into a JavaScript bundle: how it was recovered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<BundleEvidence>,
    /// The platforms the package installs on, when its evidence restricts
    /// them (npm's `os` / `cpu` / `libc`); judged by the extractor against the
    /// function's platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<crate::platform::PlatformConstraint>,
}

impl Found {
    /// A dependency seen with the given evidence; refine with the builder methods.
    pub fn new(
        ecosystem: Ecosystem,
        name: impl Into<String>,
        version: impl Into<String>,
        path: impl Into<String>,
        evidence: EvidenceKind,
    ) -> Found {
        Found {
            ecosystem,
            name: name.into(),
            version: version.into(),
            path: path.into(),
            evidence,
            role: Role::Dependency,
            install_path: None,
            scope: None,
            note: None,
            bundle: None,
            platform: None,
        }
    }

    pub fn root(mut self) -> Found {
        self.role = Role::Root;
        self
    }

    pub fn installed_at(mut self, install_path: impl Into<String>) -> Found {
        self.install_path = Some(install_path.into());
        self
    }

    pub fn scope(mut self, scope: impl Into<String>) -> Found {
        self.scope = Some(scope.into());
        self
    }

    /// Restricts the platforms the package installs on (an empty constraint
    /// restricts nothing and is not recorded).
    pub fn platform(mut self, constraint: crate::platform::PlatformConstraint) -> Found {
        self.platform = (!constraint.is_empty()).then_some(constraint);
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Found {
        self.note = Some(note.into());
        self
    }

    pub fn bundled(mut self, evidence: BundleEvidence) -> Found {
        self.bundle = Some(evidence);
        self
    }
}

/// Where a package was found: which artifact, which file, and whether Lambda loads it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// The artifact's name (function archive, layer archive, directory, ARN).
    pub artifact: String,
    /// Path of the evidence file inside the artifact.
    pub path: String,
    pub evidence: EvidenceKind,
    /// The file's path as the function sees it (`/var/task/...`, `/opt/...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_path: Option<String>,
    /// False when the runtime would never load this copy; `reason` says why.
    pub loaded: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// For a copy compiled into a JavaScript bundle: how it was recovered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<BundleEvidence>,
}

/// One package (ecosystem, name, version) with every place it was seen.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Package {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    pub purl: String,
    pub locations: Vec<Location>,
}

impl Package {
    /// True when at least one copy is loaded by the runtime.
    pub fn is_loaded(&self) -> bool {
        self.locations.iter().any(|l| l.loaded)
    }

    /// True when only development needs the package, so it is not deployed:
    /// every copy is a lockfile or manifest entry scoped to development (npm
    /// `dev`, a Poetry or PDM group other than the main one, Pipenv's
    /// `develop`, uv's dev dependencies) and none is installed. `optional` is
    /// not development: optional dependencies are installed.
    pub fn is_dev_only(&self) -> bool {
        !self.locations.is_empty()
            && self
                .locations
                .iter()
                .all(|l| l.scope.as_deref().is_some_and(|s| s != "optional"))
    }

    /// The name advisories are keyed by (PEP 503 for PyPI).
    pub fn normalized_name(&self) -> String {
        self.ecosystem.normalize_name(&self.name)
    }
}
