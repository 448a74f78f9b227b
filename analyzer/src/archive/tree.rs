//! [`ArchiveTree`]: an artifact opened for reading, zip or directory, with the
//! archives nested in it merged into one sorted listing.

use super::budget::{Budget, Pool};
use super::bytes::SharedBytes;
use super::central::ListError;
use super::containers::Containers;
use super::dir;
use super::disk::{self, OpenError};
use super::entry::{FileEntry, JarFile, Origin, ZipData};
use super::error::{ArchiveError, ReadError};
use super::inflate::inflate;
use super::names::is_jar_name;
use super::stream::EntryReader;
use super::zip_reader::{NotOpened, Opened, Opener};
use crate::diagnostics::{Gap, Skipped, Warning};
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
    /// Odd but harmless: entry names normalised, not UTF-8 or repeated,
    /// nested files that are not archives after all.
    pub warnings: Vec<Warning>,
    /// Evidence a limit or read error kept out of the listing (entries refused,
    /// nested archives not opened, folders not readable): the scan is incomplete.
    pub gaps: Vec<Gap>,
    /// Files of a folder that are not regular files (FIFOs, sockets, devices).
    pub skipped: Vec<Skipped>,
    /// Compressed size of the artifact, or total file size for a directory.
    pub size_bytes: u64,
    /// Every zip opened, indexed by [`Origin::Zip`]'s container.
    containers: Containers,
    budget: Budget,
}

impl ArchiveTree {
    /// Opens an artifact from a path: a zip/jar file or a directory. Anything
    /// else (a FIFO, a device) is refused as not a regular file, never opened.
    pub fn open_path(path: &Path, limits: &Limits) -> Result<ArchiveTree, ArchiveError> {
        let name = path.display().to_string();
        let io = |error| ArchiveError::Io {
            artifact: name.clone(),
            error,
        };
        if std::fs::metadata(path).map_err(io)?.is_dir() {
            return Self::open_dir(path, name, limits);
        }
        let (mut file, size) = disk::open_regular(path).map_err(|e| match e {
            OpenError::NotRegular(kind) => ArchiveError::NotRegularFile {
                artifact: name.clone(),
                kind,
            },
            OpenError::Io(error) => io(error),
        })?;
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
        let bytes = disk::map(&mut file).map_err(io)?;
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
            gaps: Vec::new(),
            skipped: Vec::new(),
            size_bytes,
            containers: Containers::new(budget.clone()),
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
        let opened = opener.open_zip(bytes, "", 0, true).map_err(|e| match e {
            ListError::Unreadable(reason) => ArchiveError::NotZip {
                artifact: name.clone(),
                reason,
            },
            ListError::TooManyEntries { count, limit } => ArchiveError::TooManyEntries {
                artifact: name.clone(),
                count,
                limit,
            },
        })?;
        let mut tree = Self::empty(name, size, opener.budget);
        tree.jars.extend(itself);
        tree.absorb(opened, None);
        tree.finish();
        Ok(tree)
    }

    fn open_dir(root: &Path, name: String, limits: &Limits) -> Result<ArchiveTree, ArchiveError> {
        let budget = Budget::new(limits);
        let listing = dir::list(root, &name, &budget)?;
        let mut tree = Self::empty(name.clone(), listing.size_bytes, budget);
        tree.files = listing.files;
        tree.skipped = listing.skipped;
        tree.gaps = listing.gaps;
        let opener = Opener {
            artifact: name,
            budget: tree.budget.clone(),
        };
        let opened: Vec<_> = listing
            .archives
            .into_par_iter()
            .map(|(rel, path, size)| Self::open_dir_archive(&opener, rel, &path, size))
            .collect();
        for o in opened {
            match o {
                Ok(o) => tree.absorb(o, None),
                Err(NotOpened::Gap(g) | NotOpened::PoolFull(g)) => tree.gaps.push(g),
                Err(NotOpened::Warning(w)) => tree.warnings.push(w),
            }
        }
        tree.finish();
        Ok(tree)
    }

    /// Opens the archive `rel` of a folder (at `path`, `size` bytes on disk),
    /// sized by its metadata before a byte of it is read.
    fn open_dir_archive(
        opener: &Opener,
        rel: String,
        path: &Path,
        size: u64,
    ) -> Result<Opened, NotOpened> {
        let gap = |reason: String| {
            NotOpened::Gap(Gap {
                path: rel.clone(),
                reason,
            })
        };
        let limit = opener.budget.limits().max_entry_bytes;
        if size > limit {
            return Err(gap(format!(
                "archive of {size} bytes exceeds the per-entry limit of {limit} bytes; not opened"
            )));
        }
        opener.take_nested_archive().map_err(&gap)?;
        let (mut file, _) = disk::open_regular(path).map_err(|e| match e {
            OpenError::NotRegular(kind) => gap(format!("not a regular file ({kind}); not opened")),
            OpenError::Io(e) => gap(format!("cannot read: {e}")),
        })?;
        let bytes = disk::map(&mut file).map_err(|e| gap(format!("cannot read: {e}")))?;
        opener.open_nested(bytes, &rel, 1, true)
    }

    /// Merges an opened zip (found in container `parent`) and its nested
    /// archives into the tree.
    fn absorb(&mut self, opened: Opened, parent: Option<usize>) {
        let container = self.containers.push(opened.source, parent);
        self.files.extend(opened.files.into_iter().map(|mut f| {
            if let Origin::Zip { container: c, .. } = &mut f.origin {
                *c = container;
            }
            f
        }));
        self.jars.extend(opened.jars);
        self.warnings.extend(opened.warnings);
        self.gaps.extend(opened.gaps);
        for child in opened.children {
            self.absorb(child, Some(container));
        }
    }

    /// Sorts the listing (files by path, for [`ArchiveTree::get`]) and the diagnostics.
    fn finish(&mut self) {
        self.files.par_sort_by(|a, b| a.path.cmp(&b.path));
        self.jars.sort_by(|a, b| a.path.cmp(&b.path));
        self.warnings.sort();
        self.gaps.sort();
        self.skipped.sort();
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
            gaps: self.gaps.clone(),
            skipped: self.skipped.clone(),
            size_bytes: self.size_bytes,
            containers: Containers::new(Budget::new(self.limits())),
            budget: Budget::new(self.limits()),
        }
    }

    /// The limits this tree was opened with.
    pub fn limits(&self) -> &Limits {
        self.budget.limits()
    }

    /// Finds a file by its exact path (one of them when several entries share
    /// it: [`ArchiveTree::files`] holds them all).
    pub fn get(&self, path: &str) -> Option<&FileEntry> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| &self.files[i])
    }

    /// Reads one file into memory, enforcing the per-entry, ratio and total
    /// limits; a failed read costs nothing from the total.
    pub fn read(&self, file: &FileEntry) -> Result<Vec<u8>, ReadError> {
        self.budget.check_entry(file.size, file.compressed_size)?;
        match &file.origin {
            Origin::Disk(path) => disk::read_file(path, &self.budget),
            Origin::Zip { container, data } => inflate(
                self.compressed(file, *container, data)?.as_ref(),
                data,
                file.size,
                &self.budget,
                Pool::Evidence,
            ),
        }
    }

    /// Opens one file as a buffered stream, within the same limits as
    /// [`ArchiveTree::read`], for parsers that never need it whole. Call
    /// [`EntryReader::finish`] when done: it checks the entry was read intact.
    pub fn open(&self, file: &FileEntry) -> Result<EntryReader<'_>, ReadError> {
        self.budget.check_entry(file.size, file.compressed_size)?;
        match &file.origin {
            Origin::Disk(path) => EntryReader::file(path, &self.budget),
            Origin::Zip { container, data } => EntryReader::zip(
                self.compressed(file, *container, data)?,
                data,
                file.size,
                &self.budget,
            ),
        }
    }

    /// The compressed bytes of `file`, an entry of zip number `container`
    /// (inflated again when that zip is a nested archive not held).
    fn compressed(
        &self,
        file: &FileEntry,
        container: usize,
        data: &ZipData,
    ) -> Result<SharedBytes, ReadError> {
        let bytes = self.containers.bytes(container)?;
        let start = usize::try_from(data.offset).ok();
        let len = usize::try_from(file.compressed_size).ok();
        start
            .zip(len)
            .and_then(|(start, len)| bytes.slice(start, len))
            .ok_or_else(|| ReadError::Zip("entry lies outside its archive".into()))
    }
}
