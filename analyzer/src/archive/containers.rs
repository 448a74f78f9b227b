//! [`Containers`]: the zips of an opened tree, by number. The artifact and the
//! archives stored in it (zero-copy views) are held for the tree's lifetime;
//! an archive that had to be inflated is held only while its files are read:
//! inflated again from where it lies in its parent, charged to the
//! nested-archive pool while held, and refunded when the last reader drops it.
//! Readers on several threads hold such archives at once while the pool has
//! room; one the pool refuses waits for a turn of its own (see [`Gate`]):
//! each archive fit the pool when the tree was opened, so one reader alone
//! always fits, however many archives the artifact holds.

use super::budget::{Budget, Pool};
use super::bytes::SharedBytes;
use super::entry::ZipData;
use super::error::ReadError;
use super::gate::{Gate, Turn};
use super::inflate::{inflate, is_stored};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// Inflated archives kept after their read, most recent first: the files of
/// one jar are read one after another (the listing is sorted by path), so the
/// next read usually finds its archive here. The pool bounds their bytes: when
/// it is full these are dropped first.
const RECENT_ARCHIVES: usize = 4;

/// Where a nested archive lies in the zip holding it.
#[derive(Clone, Copy, Debug)]
pub(super) struct NestedAt {
    pub(super) data: ZipData,
    pub(super) compressed_size: u64,
    /// Its inflated size, as the parent declares it (checked when inflated).
    pub(super) size: u64,
}

/// How an opened zip's bytes are found again.
#[derive(Debug)]
pub(super) enum Source {
    /// Held for the tree's lifetime (the artifact, a folder's archive, or a
    /// view of one).
    Held(SharedBytes),
    /// Read again from its parent when one of its files is read.
    Nested(NestedAt),
}

/// One zip of the tree.
#[derive(Debug)]
enum Container {
    Held(SharedBytes),
    /// The archive at `at` in container number `parent`.
    Nested {
        parent: usize,
        at: NestedAt,
    },
}

/// The zips of a tree, by the number [`Origin::Zip`](super::entry::Origin)
/// names, and the inflated ones read lately.
pub(super) struct Containers {
    list: Vec<Container>,
    recent: Mutex<VecDeque<(usize, SharedBytes)>>,
    gate: Arc<Gate>,
    budget: Budget,
}

/// Bytes of a container inflated again, with the reader's turn at the gate.
struct InTurn {
    bytes: SharedBytes,
    _turn: Turn,
}

impl AsRef<[u8]> for InTurn {
    fn as_ref(&self) -> &[u8] {
        self.bytes.as_ref()
    }
}

/// Bytes of an archive inflated again: the nested pool's charge is refunded
/// when they are dropped.
struct Reopened {
    bytes: Vec<u8>,
    budget: Budget,
}

impl AsRef<[u8]> for Reopened {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl Drop for Reopened {
    fn drop(&mut self) {
        self.budget.release_nested(self.bytes.len() as u64);
    }
}

impl Containers {
    /// No zips yet; inflations are charged to `budget`.
    pub(super) fn new(budget: Budget) -> Containers {
        Containers {
            list: Vec::new(),
            recent: Mutex::default(),
            gate: Arc::default(),
            budget,
        }
    }

    /// Adds a zip found in container `parent` (`None` for a top-level one,
    /// which is always held) and returns its number.
    pub(super) fn push(&mut self, source: Source, parent: Option<usize>) -> usize {
        self.list.push(match source {
            Source::Held(bytes) => Container::Held(bytes),
            Source::Nested(at) => Container::Nested {
                // A top-level zip is never nested: no container has this number.
                parent: parent.unwrap_or(usize::MAX),
                at,
            },
        });
        self.list.len() - 1
    }

    /// The bytes of container `index`, inflated again (within the nested
    /// pool, during a turn at the gate) when it is not held.
    pub(super) fn bytes(&self, index: usize) -> Result<SharedBytes, ReadError> {
        if let Some(Container::Held(bytes)) = self.list.get(index) {
            return Ok(bytes.clone());
        }
        let turn = self.gate.shared();
        let (bytes, turn) = match self.resolve(index) {
            Err(ReadError::NestedTooLarge { .. }) => {
                // The pool is full of other readers' archives: once this
                // thread holds the only ones, those kept after earlier reads
                // make room for this one, which fit when it was listed. A
                // thread already holding a turn cannot wait for that; it
                // only drops the kept ones.
                drop(turn);
                let turn = self.gate.exclusive().unwrap_or_else(|| self.gate.shared());
                self.forget_recent();
                (self.resolve(index)?, turn)
            }
            other => (other?, turn),
        };
        Ok(SharedBytes::new(InTurn { bytes, _turn: turn }))
    }

    /// The bytes of container `index`, its parents inflated again as needed.
    fn resolve(&self, index: usize) -> Result<SharedBytes, ReadError> {
        let (parent, at) =
            match self.list.get(index) {
                Some(Container::Held(bytes)) => return Ok(bytes.clone()),
                Some(Container::Nested { parent, at }) => (*parent, *at),
                None => return Err(ReadError::Zip(
                    "the archive holding this entry is not available (only the listing was kept)"
                        .into(),
                )),
            };
        if let Some(bytes) = self.recent(index) {
            return Ok(bytes);
        }
        let holder = self.resolve(parent)?;
        let compressed = usize::try_from(at.data.offset)
            .ok()
            .zip(usize::try_from(at.compressed_size).ok())
            .and_then(|(start, len)| holder.slice(start, len))
            .ok_or_else(|| ReadError::Zip("nested archive lies outside its parent".into()))?;
        let bytes = if is_stored(&at.data) {
            compressed
        } else {
            self.reinflate(&compressed, &at)?
        };
        self.remember(index, bytes.clone());
        Ok(bytes)
    }

    fn reinflate(&self, compressed: &SharedBytes, at: &NestedAt) -> Result<SharedBytes, ReadError> {
        let bytes = inflate(
            compressed.as_ref(),
            &at.data,
            at.size,
            &self.budget,
            Pool::Reopened,
        )?;
        Ok(SharedBytes::new(Reopened {
            bytes,
            budget: self.budget.clone(),
        }))
    }

    fn recent(&self, index: usize) -> Option<SharedBytes> {
        let recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, bytes)| bytes.clone())
    }

    fn remember(&self, index: usize, bytes: SharedBytes) {
        let evicted = {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            recent.push_front((index, bytes));
            let keep = RECENT_ARCHIVES.min(recent.len());
            recent.split_off(keep)
        };
        drop(evicted);
    }

    /// Drops the archives kept after their reads, to make room in the pool.
    fn forget_recent(&self) {
        let recent = std::mem::take(&mut *self.recent.lock().unwrap_or_else(|e| e.into_inner()));
        drop(recent);
    }
}

impl std::fmt::Debug for Containers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.list).finish()
    }
}
