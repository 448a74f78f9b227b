//! [`ArchiveTree`]: an artifact opened for reading, zip or directory, with the
//! archives nested in it merged into one sorted listing.

use super::budget::Budget;
use super::bytes::SharedBytes;
use super::dir;
use super::entry::{FileEntry, JarFile, Origin};
use super::error::{ArchiveError, ReadError};
use super::names::is_jar_name;
use super::zip_reader::{read_zip_entry, Opened, Opener, Zip};
use crate::diagnostics::Warning;
use crate::limits::Limits;
use rayon::prelude::*;
use std::path::Path;

/// An artifact opened for reading: its files, the jars opened inside it, and
/// what went wrong along the way.
#[derive(Debug)]
pub struct ArchiveTree {
    /// Display name of the artifact (file name, directory, or ARN).
    pub name: String,
    /// Every regular file, nested archives' contents included, sorted by path.
    pub files: Vec<FileEntry>,
    /// Jars (.jar/.war/.ear) opened, the artifact itself as `"."` when it is one.
    pub jars: Vec<JarFile>,
    /// Limits hit, unreadable nested archives, odd entry names.
    pub warnings: Vec<Warning>,
    /// Compressed size of the artifact, or total file size for a directory.
    pub size_bytes: u64,
    containers: Vec<Zip>,
    budget: Budget,
}

impl ArchiveTree {
    /// Opens an artifact from a path: a zip/jar file or a directory.
    pub fn open_path(path: &Path, limits: &Limits) -> Result<ArchiveTree, ArchiveError> {
        let name = path.display().to_string();
        if path.is_dir() {
            return Self::open_dir(path, name, limits);
        }
        let io = |source| ArchiveError::Io {
            artifact: name.clone(),
            source,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > limits.max_artifact_bytes {
            return Err(ArchiveError::TooLarge {
                artifact: name,
                size,
                limit: limits.max_artifact_bytes,
            });
        }
        if size == 0 {
            return Err(ArchiveError::Empty { artifact: name });
        }
        let file = std::fs::File::open(path).map_err(io)?;
        // SAFETY: the map is read-only and private to this process; lambda-audit
        // never writes the artifact. A file truncated by another process while
        // it is scanned is outside what a scanner can defend against.
        let bytes: SharedBytes = match unsafe { memmap2::Mmap::map(&file) } {
            Ok(map) => map.into(),
            Err(_) => std::fs::read(path).map_err(io)?.into(),
        };
        Self::open_shared(name, bytes, limits)
    }

    /// Opens a zip/jar held in memory. `name` is how the artifact is named in output.
    pub fn open_bytes(
        name: impl Into<String>,
        bytes: Vec<u8>,
        limits: &Limits,
    ) -> Result<ArchiveTree, ArchiveError> {
        Self::open_shared(name.into(), bytes.into(), limits)
    }

    /// An empty tree named `name`, before anything is listed.
    fn empty(name: String, size_bytes: u64, budget: Budget) -> ArchiveTree {
        ArchiveTree {
            name,
            files: Vec::new(),
            jars: Vec::new(),
            warnings: Vec::new(),
            size_bytes,
            containers: Vec::new(),
            budget,
        }
    }

    fn open_shared(
        name: String,
        bytes: SharedBytes,
        limits: &Limits,
    ) -> Result<ArchiveTree, ArchiveError> {
        let size = bytes.as_ref().len() as u64;
        if size == 0 {
            return Err(ArchiveError::Empty { artifact: name });
        }
        if size > limits.max_artifact_bytes {
            return Err(ArchiveError::TooLarge {
                artifact: name,
                size,
                limit: limits.max_artifact_bytes,
            });
        }
        let opener = Opener {
            artifact: name.clone(),
            budget: Budget::new(limits),
        };
        let itself = is_jar_name(&name).then(|| JarFile::new(".", bytes.as_ref(), 0));
        let opened = opener
            .open_zip(bytes, "", 0)
            .map_err(|reason| ArchiveError::NotZip {
                artifact: name.clone(),
                reason,
            })?;
        let mut tree = Self::empty(name, size, opener.budget);
        tree.jars.extend(itself);
        tree.absorb(opened);
        let total = tree.files.len();
        if total > limits.max_entries {
            return Err(ArchiveError::TooManyEntries {
                artifact: tree.name,
                count: total,
                limit: limits.max_entries,
            });
        }
        tree.finish();
        Ok(tree)
    }

    fn open_dir(root: &Path, name: String, limits: &Limits) -> Result<ArchiveTree, ArchiveError> {
        let listing = dir::list(root, &name, limits)?;
        let mut tree = Self::empty(name.clone(), listing.size_bytes, Budget::new(limits));
        tree.files = listing.files;
        let opener = Opener {
            artifact: name,
            budget: tree.budget.clone(),
        };
        let opened: Vec<_> = listing
            .archives
            .into_par_iter()
            .map(|(rel, path)| {
                let bytes = match std::fs::read(&path) {
                    Ok(b) if b.len() as u64 <= limits.max_entry_bytes => b,
                    Ok(b) => {
                        return Err(opener.warn(
                            &rel,
                            format!(
                                "archive of {} bytes exceeds the per-entry limit; not opened",
                                b.len()
                            ),
                        ))
                    }
                    Err(e) => return Err(opener.warn(&rel, format!("cannot read: {e}"))),
                };
                opener.open_nested(SharedBytes::from(bytes), &rel, 1)
            })
            .collect();
        for o in opened {
            match o {
                Ok(o) => tree.absorb(o),
                Err(w) => tree.warnings.push(w),
            }
        }
        tree.finish();
        Ok(tree)
    }

    /// Merges an opened zip and its nested archives into the tree.
    fn absorb(&mut self, opened: Opened) {
        let container = self.containers.len();
        self.containers.push(opened.zip);
        self.files.extend(opened.files.into_iter().map(|mut f| {
            if let Origin::Zip { container: c, .. } = &mut f.origin {
                *c = container;
            }
            f
        }));
        self.jars.extend(opened.jars);
        self.warnings.extend(opened.warnings);
        for child in opened.children {
            self.absorb(child);
        }
    }

    /// Sorts the listing (files by path, for [`ArchiveTree::get`]) and the diagnostics.
    fn finish(&mut self) {
        self.files.par_sort_by(|a, b| a.path.cmp(&b.path));
        self.jars.sort_by(|a, b| a.path.cmp(&b.path));
        self.warnings.sort();
    }

    /// The listing alone (names, sizes, jars, warnings), without the bytes:
    /// enough to place an artifact already scanned in a deployment (a layer
    /// version shared by many functions) once its bytes are freed. Reading a
    /// file of it is an error.
    pub fn listing(&self) -> ArchiveTree {
        ArchiveTree {
            name: self.name.clone(),
            files: self.files.clone(),
            jars: self.jars.clone(),
            warnings: self.warnings.clone(),
            size_bytes: self.size_bytes,
            containers: Vec::new(),
            budget: Budget::new(self.limits()),
        }
    }

    /// The limits this tree was opened with.
    pub fn limits(&self) -> &Limits {
        self.budget.limits()
    }

    /// Finds a file by its exact path.
    pub fn get(&self, path: &str) -> Option<&FileEntry> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.files[i])
    }

    /// Inflates one file into memory, enforcing the per-entry, ratio and total limits.
    pub fn read(&self, file: &FileEntry) -> Result<Vec<u8>, ReadError> {
        self.budget.charge(file.size, file.compressed_size)?;
        match &file.origin {
            Origin::Disk(path) => Ok(std::fs::read(path)?),
            Origin::Zip { container, index } => {
                let mut zip = self
                    .containers
                    .get(*container)
                    .ok_or_else(|| {
                        ReadError::Zip("only the listing was kept, not the bytes".into())
                    })?
                    .clone();
                read_zip_entry(&mut zip, *index, file.size)
            }
        }
    }
}
