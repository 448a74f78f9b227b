//! Lambda runtimes and the search paths they load dependencies from.
//!
//! A package copy that the runtime would never load is still listed, but marked
//! `loaded: false` with the reason: shadowed by a copy earlier on the runtime's
//! search path, or installed in a folder meant for another runtime version.

mod dotnet;
mod ruby;

use crate::layout::{Artifact, ArtifactRole};
use analyzer::inventory::Sighting;
use analyzer::Ecosystem;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A Lambda runtime family and version, as in `nodejs20.x`, `python3.12`,
/// `java21`, `ruby3.3`, `dotnet8`, `provided.al2023` (custom runtimes: Go and
/// Rust binaries). A version of 0 stands for "unknown" in an inferred runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    Node { major: u32 },
    Python { minor: u32 },
    Java { major: u32 },
    Ruby { minor: u32 },
    Dotnet { major: u32 },
    Provided,
}

impl FromStr for Runtime {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            format!(
                "unknown runtime `{s}` (expected e.g. nodejs20.x, python3.12, java21, ruby3.3, \
                 dotnet8, provided.al2023)"
            )
        };
        if let Some(rest) = s.strip_prefix("nodejs") {
            let major = rest.trim_end_matches(".x").parse().map_err(|_| bad())?;
            Ok(Runtime::Node { major })
        } else if let Some(rest) = s.strip_prefix("python3.") {
            Ok(Runtime::Python {
                minor: rest.parse().map_err(|_| bad())?,
            })
        } else if let Some(rest) = s.strip_prefix("java") {
            let major = rest.trim_end_matches(".al2").parse().map_err(|_| bad())?;
            Ok(Runtime::Java { major })
        } else if let Some(rest) = s.strip_prefix("ruby3.") {
            Ok(Runtime::Ruby {
                minor: rest.parse().map_err(|_| bad())?,
            })
        } else if let Some(rest) = s.strip_prefix("dotnet") {
            let major = rest.trim_end_matches(".0").parse().map_err(|_| bad())?;
            Ok(Runtime::Dotnet { major })
        } else if s.starts_with("provided") {
            Ok(Runtime::Provided)
        } else {
            Err(bad())
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Runtime::Node { major } => write!(f, "nodejs{major}.x"),
            Runtime::Python { minor } => write!(f, "python3.{minor}"),
            Runtime::Java { major } => write!(f, "java{major}"),
            Runtime::Ruby { minor } => write!(f, "ruby3.{minor}"),
            Runtime::Dotnet { major } => write!(f, "dotnet{major}"),
            Runtime::Provided => write!(f, "provided.al2023"),
        }
    }
}

/// A runtime as the scan uses it: given explicitly, or guessed from the layout.
/// Version-specific rules (a `python3.11` folder under a `python3.12` runtime)
/// are applied only to a given runtime; a guess only orders search paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuntimeView {
    pub runtime: Runtime,
    pub explicit: bool,
}

/// Guesses the runtime family from the layout: what the function code holds
/// first, then what the layers (in merge order) hold. Versions come from
/// versioned layer folders (`nodejs/node20`, `python/lib/python3.12`) when
/// exactly one is present.
pub fn infer(function: Option<&Artifact>, layers: &[Artifact]) -> Option<Runtime> {
    let mut python_minors = Vec::new();
    let mut node_majors = Vec::new();
    let mut ruby_minors = Vec::new();
    for f in function.iter().flat_map(|a| &a.tree.files) {
        ruby_minors.extend(ruby::abi_minor(&f.path));
    }
    for layer in layers {
        for f in &layer.tree.files {
            ruby_minors.extend(ruby::abi_minor(&f.path));
            if let Some(minor) = python_site_minor(&f.path) {
                python_minors.push(minor);
            }
            if let Some(major) = node_versioned_major(&f.path) {
                node_majors.push(major);
            }
        }
    }
    python_minors.dedup();
    node_majors.dedup();
    ruby_minors.sort_unstable();
    ruby_minors.dedup();
    let single = |v: &[u32], default: u32| if v.len() == 1 { v[0] } else { default };
    let node = Runtime::Node {
        major: single(&node_majors, 0),
    };
    let python = Runtime::Python {
        minor: single(&python_minors, 0),
    };
    let ruby = Runtime::Ruby {
        minor: single(&ruby_minors, 0),
    };
    let from_files = |files: &[analyzer::archive::FileEntry], name: &str| {
        let has = |pred: &dyn Fn(&str) -> bool| files.iter().any(|f| pred(&f.path));
        if name.ends_with(".jar")
            || has(&|p| p.ends_with(".class") || (p.starts_with("lib/") && p.ends_with(".jar")))
        {
            Some(Runtime::Java { major: 0 })
        } else if has(&|p| {
            // Gems may ship .js assets, so Ruby is recognised before Node.
            matches!(p, "Gemfile" | "Gemfile.lock" | "gems.rb")
                || p.starts_with("vendor/bundle/ruby/")
                || (p.ends_with(".rb") && !p.contains('/'))
        }) {
            Some(ruby)
        } else if has(&|p| {
            !p.contains('/') && (p.ends_with(".deps.json") || p.ends_with(".runtimeconfig.json"))
        }) {
            Some(Runtime::Dotnet {
                major: function.map_or(0, |a| dotnet::major(&a.tree)),
            })
        } else if has(&|p| {
            p == "package.json"
                || p.starts_with("node_modules/")
                || p.ends_with(".js")
                || p.ends_with(".mjs")
        }) {
            Some(node)
        } else if has(&|p| p.ends_with(".py")) {
            Some(python)
        } else if has(&|p| p == "bootstrap") {
            Some(Runtime::Provided)
        } else {
            None
        }
    };
    if let Some(function) = function {
        if function.role == ArtifactRole::Function {
            if let Some(rt) = from_files(&function.tree.files, &function.tree.name) {
                return Some(rt);
            }
        }
    }
    layers.iter().find_map(|layer| {
        let has = |prefix: &str| layer.tree.files.iter().any(|f| f.path.starts_with(prefix));
        if has("nodejs/") {
            Some(node)
        } else if has("python/") {
            Some(python)
        } else if has("java/lib/") {
            Some(Runtime::Java { major: 0 })
        } else if has("ruby/gems/") || has("ruby/lib/") {
            Some(ruby)
        } else {
            None
        }
    })
}

/// `python/lib/python3.12/site-packages/...` → 12.
fn python_site_minor(path: &str) -> Option<u32> {
    let rest = path.strip_prefix("python/lib/python3.")?;
    let (minor, tail) = rest.split_once('/')?;
    tail.starts_with("site-packages/")
        .then(|| minor.parse().ok())?
}

/// `nodejs/node20/node_modules/...` → 20.
fn node_versioned_major(path: &str) -> Option<u32> {
    let rest = path.strip_prefix("nodejs/node")?;
    let (major, tail) = rest.split_once('/')?;
    tail.starts_with("node_modules/")
        .then(|| major.parse().ok())?
}

/// Where a copy sits on the runtime's search path.
enum Placement {
    /// On the search path at this rank (lower is searched first), under this key
    /// (the package's identity on that path).
    Ranked { rank: u8, key: String },
    /// Never loaded, for this reason.
    Never(String),
    /// Not on a search path lambda-audit models (vendored folders, nested copies).
    Unknown,
}

/// Marks the sightings the runtime would never load (shadowed earlier on its
/// search path, or in a folder for another runtime version), with the reason.
/// `artifacts` are the deployment's, each sighting naming one of them.
pub fn mark_unloaded<'a>(
    view: RuntimeView,
    artifacts: impl IntoIterator<Item = &'a Artifact>,
    sightings: &mut [Sighting],
) {
    let mounts: HashMap<&str, ArtifactRole> = artifacts
        .into_iter()
        .map(|a| (a.tree.name.as_str(), a.role))
        .collect();
    let placements: Vec<Placement> = sightings
        .iter()
        .map(|s| match mounts.get(s.artifact.as_str()) {
            Some(role) if s.loaded => place(view, *role, s),
            _ => Placement::Unknown,
        })
        .collect();
    // The winning (lowest-rank) copy per (ecosystem, key).
    let mut winners: HashMap<(Ecosystem, &str), (u8, usize)> = HashMap::new();
    for (i, p) in placements.iter().enumerate() {
        if let Placement::Ranked { rank, key } = p {
            let eco = sightings[i].found.ecosystem;
            let entry = winners.entry((eco, key.as_str())).or_insert((*rank, i));
            if *rank < entry.0 {
                *entry = (*rank, i);
            }
        }
    }
    let mut marks = Vec::new();
    for (i, p) in placements.iter().enumerate() {
        match p {
            Placement::Never(reason) => marks.push((i, reason.clone())),
            Placement::Ranked { rank, key } => {
                let eco = sightings[i].found.ecosystem;
                let (best, w) = winners[&(eco, key.as_str())];
                if best < *rank {
                    let winner = &sightings[w];
                    let at = winner
                        .found
                        .install_path
                        .as_deref()
                        .map(|p| lambda_dir(mounts.get(winner.artifact.as_str()), p))
                        .unwrap_or_else(|| winner.found.path.clone());
                    marks.push((
                        i,
                        format!("shadowed: the runtime loads the copy at {at} first"),
                    ));
                }
            }
            Placement::Unknown => {}
        }
    }
    for (i, reason) in marks {
        sightings[i].loaded = false;
        sightings[i].reason = Some(reason);
    }
}

fn lambda_dir(role: Option<&ArtifactRole>, path: &str) -> String {
    match role.and_then(|r| r.mount()) {
        Some(m) => format!("{m}/{path}"),
        None => path.to_string(),
    }
}

fn place(view: RuntimeView, role: ArtifactRole, s: &Sighting) -> Placement {
    let Some(install) = s.found.install_path.as_deref() else {
        return Placement::Unknown;
    };
    let in_function = role == ArtifactRole::Function;
    let in_layer = matches!(role, ArtifactRole::Layer(_));
    if !in_function && !in_layer {
        return Placement::Unknown;
    }
    match s.found.ecosystem {
        Ecosystem::Npm => place_node(view, in_function, install),
        Ecosystem::PyPI => place_python(view, in_function, install, &s.found.name),
        Ecosystem::Maven => place_java(in_function, install, &s.found.name),
        Ecosystem::RubyGems => ruby::place(view, in_function, install, &s.found),
        // Compiled into a binary (Go, Rust) or resolved by the .NET host from
        // the app's own deps.json: no search path shared between artifacts.
        Ecosystem::CratesIo | Ecosystem::Go | Ecosystem::NuGet => Placement::Unknown,
    }
}

/// Top-level package of a node_modules folder: `node_modules/@s/x/...` → `@s/x`,
/// or `None` when the copy is nested under another package.
fn top_level_node_package(rest: &str) -> Option<String> {
    let mut parts = rest.split('/');
    let first = parts.next()?;
    let name = if first.starts_with('@') {
        format!("{first}/{}", parts.next()?)
    } else {
        first.to_string()
    };
    parts.next().is_none().then_some(name)
}

fn place_node(view: RuntimeView, in_function: bool, install: &str) -> Placement {
    let wrong_family = |what: &str| {
        if view.explicit && !matches!(view.runtime, Runtime::Node { .. }) {
            Some(Placement::Never(format!(
                "{} does not load npm packages from {what}",
                view.runtime
            )))
        } else {
            None
        }
    };
    let (rank, rest) = if in_function {
        match install.strip_prefix("node_modules/") {
            Some(rest) => (0, rest),
            None => return Placement::Unknown,
        }
    } else if let Some(rest) = install.strip_prefix("nodejs/node_modules/") {
        if let Some(p) = wrong_family("/opt/nodejs") {
            return p;
        }
        (2, rest)
    } else if let Some(major) = node_versioned_major(install) {
        let (_, rest) = install
            .split_once("/node_modules/")
            .expect("checked by node_versioned_major");
        if let Some(p) = wrong_family("/opt/nodejs") {
            return p;
        }
        if let (true, Runtime::Node { major: m }) = (view.explicit, view.runtime) {
            if m != major {
                return Placement::Never(format!(
                    "in /opt/nodejs/node{major}/node_modules, which {} does not search",
                    view.runtime
                ));
            }
        }
        (1, rest)
    } else {
        return Placement::Unknown;
    };
    match top_level_node_package(rest) {
        Some(key) => Placement::Ranked { rank, key },
        None => Placement::Unknown,
    }
}

fn place_python(view: RuntimeView, in_function: bool, install: &str, name: &str) -> Placement {
    let key = analyzer::ecosystem::pep503_normalize(name);
    let dir = install.rsplit_once('/').map_or("", |(d, _)| d);
    if in_function {
        return if dir.is_empty() {
            Placement::Ranked { rank: 0, key }
        } else {
            Placement::Unknown
        };
    }
    if view.explicit
        && !matches!(view.runtime, Runtime::Python { .. })
        && install.starts_with("python/")
    {
        return Placement::Never(format!(
            "{} does not load Python packages from /opt/python",
            view.runtime
        ));
    }
    if dir == "python" {
        return Placement::Ranked { rank: 2, key };
    }
    match python_site_minor(&format!("{dir}/")) {
        Some(minor) => {
            if let (true, Runtime::Python { minor: m }) = (view.explicit, view.runtime) {
                if m != minor {
                    return Placement::Never(format!(
                        "in /opt/python/lib/python3.{minor}/site-packages, which {} does not search",
                        view.runtime
                    ));
                }
            }
            Placement::Ranked { rank: 1, key }
        }
        None => Placement::Unknown,
    }
}

fn place_java(in_function: bool, install: &str, name: &str) -> Placement {
    // Only jars directly on the classpath: /var/task/lib/*.jar before /opt/java/lib/*.jar.
    let jar = install
        .split(analyzer::archive::NESTED_SEPARATOR)
        .next()
        .unwrap_or(install);
    if install.contains(analyzer::archive::NESTED_SEPARATOR) {
        return Placement::Unknown;
    }
    let rank = match (in_function, jar.rsplit_once('/')) {
        (true, Some(("lib", _))) => 0,
        (false, Some(("java/lib", _))) => 1,
        _ => return Placement::Unknown,
    };
    Placement::Ranked {
        rank,
        key: name.to_string(),
    }
}
