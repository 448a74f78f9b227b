//! The local developer check: find what a build left in a project folder.
//! SAM (`.aws-sam/build`: each function of its template, with its layers),
//! Serverless Framework (`.serverless/*.zip`), CDK (`cdk.out/asset.*`);
//! otherwise the folder's own manifests and lockfiles.

use super::sam::{self, SamFunction};
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
    /// The SAM function, with its layers and runtime, when the build's
    /// template names this folder as one.
    pub sam: Option<SamFunction>,
}

/// Build outputs under `dir`, in a stable order; the folder itself when none.
/// A SAM build is read through its template (each function once, its layers
/// with it); without a usable template every build folder is a function.
pub fn discover(dir: &Path) -> anyhow::Result<Vec<Target>> {
    let mut found = Vec::new();
    let sam_build = dir.join(".aws-sam/build");
    match sam::functions(&sam_build)? {
        Some(functions) => found.extend(functions.into_iter().map(|f| Target {
            path: f.code.clone(),
            kind: TargetKind::Sam,
            sam: Some(f),
        })),
        None => found.extend(children(&sam_build, |p| p.is_dir()).map(|path| Target {
            path,
            kind: TargetKind::Sam,
            sam: None,
        })),
    }
    found.extend(
        children(&dir.join(".serverless"), |p| has_ext(p, "zip")).map(|path| Target {
            path,
            kind: TargetKind::Serverless,
            sam: None,
        }),
    );
    found.extend(
        children(&dir.join("cdk.out"), |p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("asset.") && (p.is_dir() || has_ext(p, "zip") || has_ext(p, "jar"))
        })
        .map(|path| Target {
            path,
            kind: TargetKind::Cdk,
            sam: None,
        }),
    );
    if found.is_empty() {
        found.push(Target {
            path: dir.to_path_buf(),
            kind: TargetKind::Project,
            sam: None,
        });
    }
    Ok(found)
}

fn has_ext(p: &Path, ext: &str) -> bool {
    p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn children(dir: &Path, keep: impl Fn(&Path) -> bool) -> impl Iterator<Item = PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| keep(p))
        .collect();
    paths.sort();
    paths.into_iter()
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
                sam: None,
            }]
        );
    }
}
