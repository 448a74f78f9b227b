//! The inflation budget of one artifact: per-entry size, compression ratio and
//! the total inflated across the artifact, nested archives included.

use super::error::ReadError;
use crate::limits::Limits;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The limits of one artifact and what has been charged against its total so
/// far; clones share the total.
#[derive(Clone, Debug)]
pub(super) struct Budget {
    limits: Limits,
    inflated: Arc<AtomicU64>,
}

impl Budget {
    /// A fresh budget: nothing inflated yet.
    pub(super) fn new(limits: &Limits) -> Budget {
        Budget {
            limits: limits.clone(),
            inflated: Arc::new(AtomicU64::new(0)),
        }
    }

    pub(super) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Checks an entry of `size` bytes (`compressed` in the archive) against the
    /// per-entry and ratio limits, then charges its declared size to the total.
    pub(super) fn charge(&self, size: u64, compressed: u64) -> Result<(), ReadError> {
        let limits = &self.limits;
        if size > limits.max_entry_bytes {
            return Err(ReadError::EntryTooLarge {
                size,
                limit: limits.max_entry_bytes,
            });
        }
        if size > limits.ratio_floor_bytes {
            let ratio = size / compressed.max(1);
            if ratio > limits.max_compression_ratio {
                return Err(ReadError::Ratio {
                    ratio,
                    limit: limits.max_compression_ratio,
                });
            }
        }
        let before = self.inflated.fetch_add(size, Ordering::Relaxed);
        if before + size > limits.max_total_inflated_bytes {
            return Err(ReadError::TotalTooLarge {
                limit: limits.max_total_inflated_bytes,
            });
        }
        Ok(())
    }
}
