//! The local developer check: find what a build left in a project folder.
//! SAM (`.aws-sam/build`: each function of its template, with its layers),
//! Serverless Framework (`.serverless/*.zip`, read through `serverless.yml`),
//! CDK (`cdk.out/asset.*`, read through the stacks' `*.template.json`);
//! otherwise the folder's own manifests and lockfiles.

use super::build_function::{BuildFunction, BuildLayer};
use super::listing::children;
use super::serverless::{self, Packaged};
use super::{cdk, sam};
use std::fmt;
use std::path::{Path, PathBuf};

/// What produced a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// A function built by SAM (`.aws-sam/build/<Function>`).
    Sam,
    /// A package built by the Serverless Framework (`.serverless/*.zip`).
    Serverless,
    /// An asset staged by the CDK (`cdk.out/asset.*`).
    Cdk,
    /// No build output: the project folder itself.
    Project,
}

impl TargetKind {
    /// The lowercase name shown in progress messages.
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Sam => "sam",
            TargetKind::Serverless => "serverless",
            TargetKind::Cdk => "cdk",
            TargetKind::Project => "project",
        }
    }
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One thing to scan, and which tool produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub path: PathBuf,
    pub kind: TargetKind,
    /// The function, with its handler, layers and runtime, when the build's
    /// template or configuration names this code as one.
    pub function: Option<BuildFunction>,
}

impl Target {
    fn plain(kind: TargetKind) -> impl Fn(PathBuf) -> Target {
        move |path| Target {
            path,
            kind,
            function: None,
        }
    }

    fn of(kind: TargetKind) -> impl Fn(BuildFunction) -> Target {
        move |f| Target {
            path: f.code.clone(),
            kind,
            function: Some(f),
        }
    }
}

/// Build outputs under `dir`, in a stable order; the folder itself when none.
/// Each build is read through its template or configuration (SAM's
/// `template.yaml`, the CDK's `*.template.json`, `serverless.yml`): each
/// function once, with its handler and its built layers; build outputs no
/// function claims are scanned as functions of their own.
pub fn discover(dir: &Path) -> anyhow::Result<Vec<Target>> {
    let mut found = Vec::new();
    let sam_build = dir.join(".aws-sam/build");
    match sam::functions(&sam_build)? {
        Some(functions) => found.extend(functions.into_iter().map(Target::of(TargetKind::Sam))),
        None => {
            found.extend(children(&sam_build, |p| p.is_dir()).map(Target::plain(TargetKind::Sam)))
        }
    }

    let packaged = dir.join(".serverless");
    let config = match packaged.is_dir() {
        true => serverless::functions(dir)?.unwrap_or_default(),
        false => Packaged::default(),
    };
    let mut claimed = claimed_by(&config.functions);
    claimed.extend(config.layers.iter().cloned());
    found.extend(
        config
            .functions
            .into_iter()
            .map(Target::of(TargetKind::Serverless)),
    );
    found.extend(
        children(&packaged, |p| {
            has_ext(p, "zip") && !claimed.iter().any(|c| c == p)
        })
        .map(Target::plain(TargetKind::Serverless)),
    );

    let cdk_out = dir.join("cdk.out");
    let functions = match cdk_out.is_dir() {
        true => cdk::functions(&cdk_out)?,
        false => Vec::new(),
    };
    let claimed = claimed_by(&functions);
    found.extend(functions.into_iter().map(Target::of(TargetKind::Cdk)));
    found.extend(
        children(&cdk_out, |p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("asset.")
                && (p.is_dir() || has_ext(p, "zip") || has_ext(p, "jar"))
                && !claimed.iter().any(|c| c == p)
        })
        .map(Target::plain(TargetKind::Cdk)),
    );
    if found.is_empty() {
        found.push(Target::plain(TargetKind::Project)(dir.to_path_buf()));
    }
    Ok(found)
}

/// The function of a build whose code is `path` (a folder of
/// `.aws-sam/build`, an asset of `cdk.out`, a package of `.serverless`), as
/// its template or configuration declares it.
pub fn function_at(path: &Path) -> anyhow::Result<Option<BuildFunction>> {
    if path.is_dir() {
        if let Some(function) = sam::function_at(path)? {
            return Ok(Some(function));
        }
    }
    let Some(parent) = path.parent() else {
        return Ok(None);
    };
    let parent_name = parent.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let candidates = if parent_name == "cdk.out" || parent_name.starts_with("assembly-") {
        cdk::functions(parent)?
    } else if parent_name == ".serverless" {
        let project = parent.parent().unwrap_or(Path::new("."));
        serverless::functions(project)?
            .unwrap_or_default()
            .functions
    } else {
        return Ok(None);
    };
    let Ok(wanted) = std::fs::canonicalize(path) else {
        return Ok(None);
    };
    Ok(candidates
        .into_iter()
        .find(|f| std::fs::canonicalize(&f.code).is_ok_and(|c| c == wanted)))
}

/// The code and built layers `functions` use.
fn claimed_by(functions: &[BuildFunction]) -> Vec<PathBuf> {
    let mut claimed = Vec::new();
    for f in functions {
        claimed.push(f.code.clone());
        claimed.extend(f.layers.iter().filter_map(|l| match l {
            BuildLayer::Built(path) => Some(path.clone()),
            BuildLayer::External(_) => None,
        }));
    }
    claimed
}

fn has_ext(p: &Path, ext: &str) -> bool {
    p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"x").unwrap();
    }

    #[test]
    fn finds_sam_serverless_and_cdk_outputs() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        touch(&root.join(".aws-sam/build/OrdersFunction/app.py"));
        touch(&root.join(".aws-sam/build/template.yaml"));
        touch(&root.join(".serverless/orders.zip"));
        touch(&root.join(".serverless/cloudformation-template-update-stack.json"));
        touch(&root.join("cdk.out/asset.abc123/index.js"));
        touch(&root.join("cdk.out/manifest.json"));
        let got: Vec<_> = discover(root)
            .unwrap()
            .into_iter()
            .map(|t| (t.kind, t.path.strip_prefix(root).unwrap().to_path_buf()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    TargetKind::Sam,
                    PathBuf::from(".aws-sam/build/OrdersFunction")
                ),
                (
                    TargetKind::Serverless,
                    PathBuf::from(".serverless/orders.zip")
                ),
                (TargetKind::Cdk, PathBuf::from("cdk.out/asset.abc123")),
            ]
        );
    }

    #[test]
    fn falls_back_to_the_folder_itself() {
        let d = tempfile::tempdir().unwrap();
        touch(&d.path().join("requirements.txt"));
        assert_eq!(
            discover(d.path()).unwrap(),
            [Target {
                path: d.path().to_path_buf(),
                kind: TargetKind::Project,
                function: None,
            }]
        );
    }
}
