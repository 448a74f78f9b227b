//! Opening one zip and, in parallel, the archives nested in it. A stored nested
//! archive is read in place (zero copy); a compressed one is inflated from its
//! own pool of the artifact's [`Budget`], only while it (and the archives in
//! it) are listed: the tree reads it again when its files are read. Every
//! archive opened and every entry listed is counted tree-wide while opening,
//! so fan-out stops at the limits.

use super::budget::{Budget, Exceeded, Pool};
use super::bytes::SharedBytes;
use super::central::{self, ListError, Note};
use super::containers::{NestedAt, Source};
use super::entry::{FileEntry, JarFile, Origin};
use super::error::ReadError;
use super::inflate::inflate;
use super::names::{is_archive_name, is_jar_name, nested_path};
use crate::diagnostics::{Gap, Warning};
use rayon::prelude::*;

/// Opens the zips of one artifact, charging what it inflates to the artifact's budget.
pub(super) struct Opener {
    /// Display name of the artifact, for warnings.
    pub(super) artifact: String,
    pub(super) budget: Budget,
}

/// One zip opened, with the archives nested in it, before it joins the tree.
/// Its files' [`Origin::Zip`] container is set when the tree absorbs it.
pub(super) struct Opened {
    pub(super) source: Source,
    pub(super) files: Vec<FileEntry>,
    pub(super) jars: Vec<JarFile>,
    pub(super) warnings: Vec<Warning>,
    pub(super) gaps: Vec<Gap>,
    pub(super) children: Vec<Opened>,
}

/// Why a nested archive was not opened: a limit or read error (its contents
/// are missing from the scan) or an entry that is not a zip after all.
pub(super) enum NotOpened {
    Gap(Gap),
    Warning(Warning),
    /// The nested pool was full, perhaps only with the archives listed beside
    /// it: tried again alone once they are listed (a gap if it fails again).
    PoolFull(Gap),
}

impl Opener {
    /// A warning about `path` in this artifact.
    pub(super) fn warn(&self, path: &str, message: impl Into<String>) -> Warning {
        Warning {
            artifact: self.artifact.clone(),
            path: path.to_string(),
            message: message.into(),
        }
    }

    /// Opens a zip whose bytes are `data`; `prefix` is its own path in the artifact
    /// (empty for the artifact itself). `held` when `data` is held for the
    /// tree's lifetime (archives stored in it are then views of it).
    pub(super) fn open_zip(
        &self,
        data: SharedBytes,
        prefix: &str,
        depth: usize,
        held: bool,
    ) -> Result<Opened, ListError> {
        let listing = central::list(data.as_ref(), &self.budget)?;
        // A note's path in the artifact (the zip's own path for the zip itself).
        let in_artifact = |note: &Note| match note.path.as_str() {
            "" => prefix.to_string(),
            inner => nested_path(prefix, inner),
        };
        let mut warnings: Vec<Warning> = listing
            .warnings
            .iter()
            .map(|note| self.warn(&in_artifact(note), &note.message))
            .collect();
        let mut gaps: Vec<Gap> = listing
            .gaps
            .iter()
            .map(|note| Gap {
                path: in_artifact(note),
                reason: note.message.clone(),
            })
            .collect();
        let mut files = Vec::with_capacity(listing.records.len());
        let mut nested = Vec::new();
        for record in listing.records {
            let path = nested_path(prefix, &record.name);
            let file = FileEntry {
                inner_start: path.len() - record.name.len(),
                path,
                size: record.size,
                compressed_size: record.compressed_size,
                unix_mode: record.unix_mode,
                depth,
                origin: Origin::Zip {
                    container: usize::MAX,
                    data: record.data,
                },
            };
            if is_archive_name(&record.name) {
                nested.push((file.clone(), record.stored));
            }
            files.push(file);
        }
        let open =
            |(file, stored): &(FileEntry, bool)| self.open_entry(&data, file, *stored, depth, held);
        let children: Vec<Result<Opened, NotOpened>> = nested.par_iter().map(open).collect();
        let mut opened_children = Vec::new();
        let mut crowded = Vec::new();
        for (child, entry) in children.into_iter().zip(&nested) {
            match child {
                Ok(c) => opened_children.push(c),
                Err(NotOpened::Gap(g)) => gaps.push(g),
                Err(NotOpened::Warning(w)) => warnings.push(w),
                Err(NotOpened::PoolFull(_)) => crowded.push(entry),
            }
        }
        // One at a time now: each holds the pool alone (with its ancestors).
        for entry in crowded {
            match open(entry) {
                Ok(c) => opened_children.push(c),
                Err(NotOpened::Gap(g) | NotOpened::PoolFull(g)) => gaps.push(g),
                Err(NotOpened::Warning(w)) => warnings.push(w),
            }
        }
        Ok(Opened {
            source: Source::Held(data),
            files,
            jars: Vec::new(),
            warnings,
            gaps,
            children: opened_children,
        })
    }

    /// Opens the archive `file`, found at `depth` in the zip whose bytes are
    /// `data` (`held` for the tree's lifetime): in place when `stored`, else
    /// inflated within the nested pool, which is refunded once it is listed.
    fn open_entry(
        &self,
        data: &SharedBytes,
        file: &FileEntry,
        stored: bool,
        depth: usize,
        held: bool,
    ) -> Result<Opened, NotOpened> {
        let gap = |reason: String| {
            NotOpened::Gap(Gap {
                path: file.path.clone(),
                reason,
            })
        };
        let max_depth = self.budget.limits().max_depth;
        if depth + 1 > max_depth {
            return Err(gap(format!(
                "nested archive at depth {} exceeds the nesting limit of {max_depth}; not opened",
                depth + 1,
            )));
        }
        self.take_nested_archive().map_err(&gap)?;
        let Origin::Zip { data: at, .. } = &file.origin else {
            unreachable!("zip entries have zip origins")
        };
        let compressed = usize::try_from(at.offset)
            .ok()
            .and_then(|start| data.slice(start, file.compressed_size as usize))
            .ok_or_else(|| gap("entry lies outside its archive; not opened".to_string()))?;
        let released = |mut opened: Opened| {
            opened.source = Source::Nested(NestedAt {
                data: *at,
                compressed_size: file.compressed_size,
                size: file.size,
            });
            opened
        };
        if stored {
            let opened = self.open_nested(compressed, &file.path, depth + 1, held);
            return if held { opened } else { opened.map(released) };
        }
        self.budget
            .check_entry(file.size, file.compressed_size)
            .map_err(|e| gap(format!("nested archive: {e}")))?;
        let bytes = inflate(
            compressed.as_ref(),
            at,
            file.size,
            &self.budget,
            Pool::NestedArchive,
        )
        .map_err(|e| match e {
            ReadError::NestedTooLarge { .. } => {
                self.budget.give_back_nested_archive();
                NotOpened::PoolFull(Gap {
                    path: file.path.clone(),
                    reason: format!("nested archive: {e}"),
                })
            }
            e => gap(format!("nested archive: {e}")),
        })?;
        let inflated = bytes.len() as u64;
        let opened = self
            .open_nested(SharedBytes::from(bytes), &file.path, depth + 1, false)
            .map(released);
        // Listed: nothing holds its bytes any more.
        self.budget.release_nested(inflated);
        opened
    }

    /// Counts one more nested archive, or says which limit stops it.
    pub(super) fn take_nested_archive(&self) -> Result<(), String> {
        self.budget
            .take_nested_archive()
            .map_err(|Exceeded { count, limit }| {
                format!("nested archive #{count} exceeds the limit of {limit} archives opened per artifact; not opened")
            })
    }

    /// Opens an archive found inside the artifact: an entry count past the
    /// limit is a gap, bytes that are not a zip only a warning.
    pub(super) fn open_nested(
        &self,
        bytes: SharedBytes,
        path: &str,
        depth: usize,
        held: bool,
    ) -> Result<Opened, NotOpened> {
        let jar = is_jar_name(path).then(|| JarFile::new(path, bytes.as_ref(), depth));
        match self.open_zip(bytes, path, depth, held) {
            Ok(mut opened) => {
                opened.jars.extend(jar);
                Ok(opened)
            }
            Err(e @ ListError::TooManyEntries { .. }) => Err(NotOpened::Gap(Gap {
                path: path.to_string(),
                reason: format!("nested archive not opened: {e} (tree-wide)"),
            })),
            Err(ListError::Unreadable(reason)) => Err(NotOpened::Warning(
                self.warn(path, format!("nested archive not readable: {reason}")),
            )),
        }
    }
}
