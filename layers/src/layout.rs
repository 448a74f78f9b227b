//! Where each artifact sits in a Lambda filesystem: the function code at
//! /var/task, layers merged into /opt in order. The deployment and the runtime
//! search paths both read this layout.

use analyzer::archive::{ArchiveError, ArchiveTree};
use analyzer::inventory::ArtifactKind;
use analyzer::Limits;
use std::path::Path;

/// What an artifact is in the deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArtifactRole {
    /// Function code, mounted at /var/task.
    Function,
    /// The n-th layer (1-based), merged into /opt in order.
    Layer(usize),
    /// A project or build folder on disk (the local developer check).
    Directory,
}

impl ArtifactRole {
    /// Where Lambda mounts an artifact of this role; `None` for a project folder.
    pub fn mount(self) -> Option<&'static str> {
        match self {
            ArtifactRole::Function => Some("/var/task"),
            ArtifactRole::Layer(_) => Some("/opt"),
            ArtifactRole::Directory => None,
        }
    }

    /// What the inventory calls an artifact in this role.
    pub fn kind(self) -> ArtifactKind {
        match self {
            ArtifactRole::Function => ArtifactKind::Function,
            ArtifactRole::Layer(_) => ArtifactKind::Layer,
            ArtifactRole::Directory => ArtifactKind::Directory,
        }
    }
}

/// An opened artifact and its place in the deployment.
#[derive(Debug)]
pub struct Artifact {
    pub role: ArtifactRole,
    pub tree: ArchiveTree,
}

impl Artifact {
    /// Opens a local zip/jar or directory. A directory given as the function is
    /// scanned as a project folder (no Lambda mount).
    pub fn open(
        path: &Path,
        role: ArtifactRole,
        limits: &Limits,
    ) -> Result<Artifact, ArchiveError> {
        let tree = ArchiveTree::open_path(path, limits)?;
        let role = if path.is_dir() && role == ArtifactRole::Function {
            ArtifactRole::Directory
        } else {
            role
        };
        Ok(Artifact { role, tree })
    }

    /// Opens a local zip/jar or directory in exactly `role`: a directory that
    /// is a function's built code (a SAM build folder) keeps its /var/task mount.
    pub fn open_mounted(
        path: &Path,
        role: ArtifactRole,
        limits: &Limits,
    ) -> Result<Artifact, ArchiveError> {
        let tree = ArchiveTree::open_path(path, limits)?;
        Ok(Artifact { role, tree })
    }

    /// The path a file of this artifact has inside the function's filesystem.
    pub fn lambda_path(&self, path: &str) -> Option<String> {
        self.role.mount().map(|m| format!("{m}/{path}"))
    }
}
