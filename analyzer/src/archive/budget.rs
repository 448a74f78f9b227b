//! The budget of one artifact, shared tree-wide by every archive nested in it:
//! per-entry size and compression ratio (checked on what an entry declares),
//! bytes inflated (charged as they are actually produced, refunded when a read
//! fails), entries listed and archives opened (counted while opening).

use super::error::ReadError;
use crate::limits::Limits;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

/// What a byte charge pays for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pool {
    /// An entry read for an extractor: charged to the total only.
    Evidence,
    /// A compressed nested archive inflated to list it (and the archives in
    /// it): charged to its own pool and to the total; the pool is refunded
    /// once it is listed.
    NestedArchive,
    /// A nested archive inflated again to read its files, held only while
    /// they are read: its own pool only (the total counted those bytes when
    /// the tree was opened).
    Reopened,
}

impl Pool {
    /// True when the pool's bytes count against the nested-archive pool.
    fn nested(self) -> bool {
        matches!(self, Pool::NestedArchive | Pool::Reopened)
    }

    /// True when the pool's bytes count against the artifact's total.
    fn total(self) -> bool {
        matches!(self, Pool::Evidence | Pool::NestedArchive)
    }
}

/// A tree-wide count that went past its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Exceeded {
    /// The count the refused charge would have reached.
    pub(super) count: usize,
    pub(super) limit: usize,
}

/// The limits of one artifact and what has been charged against them so far;
/// clones share the counts.
#[derive(Clone, Debug)]
pub(super) struct Budget {
    limits: Limits,
    counts: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    inflated: AtomicU64,
    nested_bytes: AtomicU64,
    entries: AtomicUsize,
    nested_archives: AtomicUsize,
}

/// Adds `n` to `counter` unless that passes `limit`.
fn take(counter: &AtomicUsize, n: usize, limit: usize) -> Result<(), Exceeded> {
    let count = counter.fetch_add(n, Ordering::Relaxed).saturating_add(n);
    if count > limit {
        counter.fetch_sub(n, Ordering::Relaxed);
        return Err(Exceeded { count, limit });
    }
    Ok(())
}

impl Budget {
    /// A fresh budget: nothing charged yet.
    pub(super) fn new(limits: &Limits) -> Budget {
        Budget {
            limits: limits.clone(),
            counts: Arc::default(),
        }
    }

    pub(super) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Checks an entry that declares `size` bytes (`compressed` in the archive)
    /// against the per-entry and ratio limits. Nothing is charged: the bytes
    /// are, as they inflate, through a [`Meter`].
    pub(super) fn check_entry(&self, size: u64, compressed: u64) -> Result<(), ReadError> {
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
        Ok(())
    }

    /// Counts `n` more entries listed tree-wide.
    pub(super) fn take_entries(&self, n: usize) -> Result<(), Exceeded> {
        take(&self.counts.entries, n, self.limits.max_entries)
    }

    /// Counts one more archive opened inside the artifact.
    pub(super) fn take_nested_archive(&self) -> Result<(), Exceeded> {
        take(
            &self.counts.nested_archives,
            1,
            self.limits.max_nested_archives,
        )
    }

    /// Uncounts an archive [`Budget::take_nested_archive`] counted, which
    /// will be counted again when it is tried again.
    pub(super) fn give_back_nested_archive(&self) {
        self.counts.nested_archives.fetch_sub(1, Ordering::Relaxed);
    }

    /// A meter charging the bytes of one read to `pool`; what it charged is
    /// refunded when it is dropped without [`Meter::keep`].
    pub(super) fn meter(&self, pool: Pool) -> Meter<'_> {
        Meter {
            budget: self,
            pool,
            charged: 0,
        }
    }

    /// Charges `n` bytes to `pool`, or nothing when that would pass a limit.
    fn charge(&self, pool: Pool, n: u64) -> Result<(), ReadError> {
        let total = &self.counts.inflated;
        if pool.nested() {
            let nested = &self.counts.nested_bytes;
            let limit = self.limits.max_nested_archive_bytes;
            if nested.fetch_add(n, Ordering::Relaxed).saturating_add(n) > limit {
                nested.fetch_sub(n, Ordering::Relaxed);
                return Err(ReadError::NestedTooLarge { limit });
            }
        }
        if !pool.total() {
            return Ok(());
        }
        let limit = self.total_limit(pool);
        if total.fetch_add(n, Ordering::Relaxed).saturating_add(n) > limit {
            total.fetch_sub(n, Ordering::Relaxed);
            if pool.nested() {
                self.release_nested(n);
            }
            return Err(ReadError::TotalTooLarge { limit });
        }
        Ok(())
    }

    /// The part of the total `pool` may fill: nested archives inflated to be
    /// listed leave the last `max_nested_archive_bytes` of it to the evidence
    /// read after them (each is held only while listed, so together they may
    /// well pass the pool; this keeps them from starving the manifests).
    fn total_limit(&self, pool: Pool) -> u64 {
        let total = self.limits.max_total_inflated_bytes;
        match pool {
            Pool::NestedArchive => total.saturating_sub(self.limits.max_nested_archive_bytes),
            Pool::Evidence | Pool::Reopened => total,
        }
    }

    /// Gives back `n` bytes charged to `pool`.
    fn refund(&self, pool: Pool, n: u64) {
        if pool.nested() {
            self.release_nested(n);
        }
        if pool.total() {
            self.counts.inflated.fetch_sub(n, Ordering::Relaxed);
        }
    }

    /// Gives back to the nested-archive pool the `n` bytes of an inflated
    /// archive no longer held (listed, or read and dropped).
    pub(super) fn release_nested(&self, n: u64) {
        self.counts.nested_bytes.fetch_sub(n, Ordering::Relaxed);
    }

    /// Bytes of inflated nested archives held right now.
    #[cfg(test)]
    pub(super) fn nested_held(&self) -> u64 {
        self.counts.nested_bytes.load(Ordering::Relaxed)
    }

    /// Bytes charged to the total so far.
    #[cfg(test)]
    fn inflated(&self) -> u64 {
        self.counts.inflated.load(Ordering::Relaxed)
    }
}

/// The bytes one read has inflated so far, charged as they are produced.
pub(super) struct Meter<'a> {
    budget: &'a Budget,
    pool: Pool,
    charged: u64,
}

impl Meter<'_> {
    /// Charges `n` more bytes of this read.
    pub(super) fn charge(&mut self, n: u64) -> Result<(), ReadError> {
        self.budget.charge(self.pool, n)?;
        self.charged += n;
        Ok(())
    }

    /// The read succeeded: its bytes stay charged.
    pub(super) fn keep(mut self) {
        self.charged = 0;
    }
}

impl Drop for Meter<'_> {
    fn drop(&mut self) {
        if self.charged > 0 {
            self.budget.refund(self.pool, self.charged);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(total: u64, nested: u64, entries: usize) -> Budget {
        Budget::new(&Limits {
            max_total_inflated_bytes: total,
            max_nested_archive_bytes: nested,
            max_entries: entries,
            max_nested_archives: 2,
            ..Limits::default()
        })
    }

    #[test]
    fn a_failed_read_is_refunded_and_a_kept_one_is_not() {
        let b = budget(100, 50, 10);
        let mut m = b.meter(Pool::Evidence);
        m.charge(60).unwrap();
        assert!(matches!(
            m.charge(41),
            Err(ReadError::TotalTooLarge { limit: 100 })
        ));
        assert_eq!(b.inflated(), 60);
        drop(m);
        assert_eq!(b.inflated(), 0, "a failed read gives its bytes back");
        let mut m = b.meter(Pool::Evidence);
        m.charge(100).unwrap();
        m.keep();
        assert_eq!(b.inflated(), 100, "exactly at the limit is accepted");
    }

    #[test]
    fn nested_archives_cannot_take_the_evidence_reserve() {
        let b = budget(100, 50, 10);
        let mut m = b.meter(Pool::NestedArchive);
        m.charge(50).unwrap();
        assert!(matches!(
            m.charge(1),
            Err(ReadError::NestedTooLarge { limit: 50 })
        ));
        m.keep();
        let mut e = b.meter(Pool::Evidence);
        e.charge(50).unwrap();
        assert!(e.charge(1).is_err());
    }

    #[test]
    fn nested_archives_released_in_turn_still_leave_the_evidence_its_reserve() {
        let b = budget(100, 30, 10);
        for _ in 0..2 {
            let mut m = b.meter(Pool::NestedArchive);
            m.charge(30).unwrap();
            m.keep();
            b.release_nested(30);
        }
        // 60 charged to the total; nested archives may fill it up to 70.
        let mut m = b.meter(Pool::NestedArchive);
        assert!(matches!(
            m.charge(11),
            Err(ReadError::TotalTooLarge { limit: 70 })
        ));
        assert_eq!(b.nested_held(), 0, "a refused charge leaves the pool empty");
        drop(m);
        // Reading a listed archive again charges its pool only.
        let mut r = b.meter(Pool::Reopened);
        r.charge(30).unwrap();
        assert!(matches!(
            r.charge(1),
            Err(ReadError::NestedTooLarge { limit: 30 })
        ));
        drop(r);
        assert_eq!(b.nested_held(), 0);
        assert_eq!(b.inflated(), 60);
        let mut e = b.meter(Pool::Evidence);
        e.charge(40).unwrap();
    }

    #[test]
    fn tree_wide_counts_stop_at_their_limits() {
        let b = budget(100, 50, 10);
        b.take_entries(10).unwrap();
        assert_eq!(
            b.take_entries(1),
            Err(Exceeded {
                count: 11,
                limit: 10
            })
        );
        b.take_nested_archive().unwrap();
        b.take_nested_archive().unwrap();
        assert_eq!(
            b.take_nested_archive(),
            Err(Exceeded { count: 3, limit: 2 })
        );
    }

    #[test]
    fn declared_sizes_are_checked_per_entry_and_by_ratio() {
        let b = Budget::new(&Limits::default());
        assert!(b.check_entry(512 << 20, 512 << 20).is_ok());
        assert!(matches!(
            b.check_entry((512 << 20) + 1, 512 << 20),
            Err(ReadError::EntryTooLarge { .. })
        ));
        assert!(b.check_entry(200 << 20, 1 << 20).is_ok());
        // At the ratio floor (1 MiB) any ratio passes; one byte above, it counts.
        assert!(b.check_entry(1 << 20, 1).is_ok());
        assert!(matches!(
            b.check_entry((1 << 20) + 1, 1),
            Err(ReadError::Ratio { .. })
        ));
        assert!(matches!(
            b.check_entry(201 << 20, 1 << 20),
            Err(ReadError::Ratio { ratio: 201, .. })
        ));
    }
}
