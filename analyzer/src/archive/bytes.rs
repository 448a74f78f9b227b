//! [`SharedBytes`]: one artifact's bytes, shared zero-copy with the stored
//! archives nested in it.

use std::sync::Arc;

/// Bytes shared between an archive and the stored archives nested in it (zero
/// copy): an owned buffer, or a read-only memory map of the artifact file.
#[derive(Clone)]
pub struct SharedBytes {
    buf: Arc<dyn AsRef<[u8]> + Send + Sync>,
    start: usize,
    end: usize,
}

impl SharedBytes {
    /// Shares `buf`, dropped with the last view of it.
    pub(super) fn new(buf: impl AsRef<[u8]> + Send + Sync + 'static) -> SharedBytes {
        let end = buf.as_ref().len();
        SharedBytes {
            buf: Arc::new(buf),
            start: 0,
            end,
        }
    }

    /// The `len` bytes at `start` (relative to this view), `None` when they lie outside it.
    pub(super) fn slice(&self, start: usize, len: usize) -> Option<SharedBytes> {
        let s = self.start.checked_add(start)?;
        let e = s.checked_add(len)?;
        (e <= self.end).then(|| SharedBytes {
            buf: self.buf.clone(),
            start: s,
            end: e,
        })
    }
}

impl From<Vec<u8>> for SharedBytes {
    fn from(v: Vec<u8>) -> Self {
        SharedBytes::new(v)
    }
}

impl From<memmap2::Mmap> for SharedBytes {
    fn from(map: memmap2::Mmap) -> Self {
        SharedBytes::new(map)
    }
}

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &(*self.buf).as_ref()[self.start..self.end]
    }
}

impl std::fmt::Debug for SharedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedBytes({} bytes)", self.end - self.start)
    }
}
