//! [`PackageQuota`]: the packages one scan of an artifact may read, counted
//! across every evidence file while they are parsed. Real Lambda packages hold
//! a few thousand packages; the limit ([`Limits::max_packages`]) bounds what a
//! hostile or absurd lockfile (a million entries) costs downstream, where each
//! package is kept, merged, matched and reported. Streaming parsers take their
//! packages one at a time ([`FileQuota::take_one`]) and stop at the limit, so
//! they never hold more.

use crate::limits::Limits;
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Packages taken so far against the limit; shared by the parallel parsers of
/// one artifact.
#[derive(Debug)]
pub struct PackageQuota {
    taken: AtomicUsize,
    limit: usize,
}

/// The limit refused a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "more than {limit} packages in this artifact (the package limit): its parse stopped \
     there and none of this file's packages are reported"
)]
pub struct QuotaReached {
    pub limit: usize,
}

impl PackageQuota {
    /// A quota of `limits.max_packages`, nothing taken.
    pub fn new(limits: &Limits) -> PackageQuota {
        PackageQuota::of(limits.max_packages)
    }

    /// A quota of `limit` packages.
    pub fn of(limit: usize) -> PackageQuota {
        PackageQuota {
            taken: AtomicUsize::new(0),
            limit,
        }
    }

    /// No limit: for a file parsed outside a scan, whose packages are
    /// charged all at once afterwards.
    pub fn unlimited() -> PackageQuota {
        PackageQuota::of(usize::MAX)
    }

    /// Takes `n` packages, or none when that would pass the limit.
    fn take(&self, n: usize) -> Result<(), QuotaReached> {
        let taken = self.taken.fetch_add(n, Ordering::Relaxed).saturating_add(n);
        if taken > self.limit {
            self.taken.fetch_sub(n, Ordering::Relaxed);
            return Err(QuotaReached { limit: self.limit });
        }
        Ok(())
    }

    fn give_back(&self, n: usize) {
        self.taken.fetch_sub(n, Ordering::Relaxed);
    }
}

/// One file's share of a [`PackageQuota`]: what its parser took, and whether
/// the limit stopped it (then what it took is given back, for other files).
#[derive(Debug)]
pub struct FileQuota<'q> {
    quota: &'q PackageQuota,
    taken: Cell<usize>,
    reached: Cell<Option<QuotaReached>>,
}

impl<'q> FileQuota<'q> {
    /// Nothing taken yet for this file.
    pub fn new(quota: &'q PackageQuota) -> FileQuota<'q> {
        FileQuota {
            quota,
            taken: Cell::new(0),
            reached: Cell::new(None),
        }
    }

    /// Takes `n` packages; once refused, every later call is refused too and
    /// the parser should stop (its packages are dropped: see [`FileQuota::close`]).
    pub fn take(&self, n: usize) -> Result<(), QuotaReached> {
        if let Some(reached) = self.reached.get() {
            return Err(reached);
        }
        match self.quota.take(n) {
            Ok(()) => {
                self.taken.set(self.taken.get() + n);
                Ok(())
            }
            Err(reached) => {
                self.reached.set(Some(reached));
                Err(reached)
            }
        }
    }

    /// Takes one package (see [`FileQuota::take`]).
    pub fn take_one(&self) -> Result<(), QuotaReached> {
        self.take(1)
    }

    /// Packages taken for this file so far.
    pub fn taken(&self) -> usize {
        self.taken.get()
    }

    /// True once the limit refused this file a package.
    pub fn stopped(&self) -> bool {
        self.reached.get().is_some()
    }

    /// The refusal, once the limit refused this file a package.
    pub fn reached(&self) -> Option<QuotaReached> {
        self.reached.get()
    }

    /// Ends the file's parse, its packages `kept` in the inventory or not.
    /// `Err` when the limit stopped it; what it took is then given back (its
    /// packages are not reported), as it is when they are not kept.
    pub fn close(self, kept: bool) -> Result<(), QuotaReached> {
        let reached = self.reached.get();
        if reached.is_some() || !kept {
            self.quota.give_back(self.taken.get());
        }
        reached.map_or(Ok(()), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_take_up_to_the_limit_and_a_stopped_file_gives_back() {
        let quota = PackageQuota::of(3);
        let first = FileQuota::new(&quota);
        first.take(2).unwrap();
        assert_eq!(first.close(true), Ok(()));
        let second = FileQuota::new(&quota);
        second.take_one().unwrap();
        assert_eq!(second.take(5), Err(QuotaReached { limit: 3 }));
        // Stopped for good, even for what would fit.
        assert!(second.take(0).is_err());
        assert_eq!(second.close(true), Err(QuotaReached { limit: 3 }));
        // The second file's package was given back.
        let third = FileQuota::new(&quota);
        third.take_one().unwrap();
        assert!(third.take_one().is_err());
        // A file whose packages are dropped (unparsable) gives them back.
        let quota = PackageQuota::of(2);
        let dropped = FileQuota::new(&quota);
        dropped.take(2).unwrap();
        assert_eq!(dropped.close(false), Ok(()));
        FileQuota::new(&quota).take(2).unwrap();
        let message = QuotaReached { limit: 3 }.to_string();
        assert!(message.contains("more than 3 packages"), "{message}");
    }

    #[test]
    fn the_default_limit_is_a_hundred_thousand() {
        assert_eq!(PackageQuota::new(&Limits::default()).limit, 100_000);
    }
}
