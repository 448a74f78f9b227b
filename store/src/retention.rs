//! How long closed findings are kept.

use jiff::Timestamp;

/// Closed findings are kept this many days, then pruned (with their history
/// and published events). Default [`Retention::DEFAULT_DAYS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    pub days: u32,
}

impl Retention {
    /// The default retention: 90 days.
    pub const DEFAULT_DAYS: u32 = 90;

    /// Findings closed before this are pruned at `now`.
    pub fn cutoff(self, now: Timestamp) -> Timestamp {
        crate::time::add_days(now, -i64::from(self.days))
    }
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            days: Retention::DEFAULT_DAYS,
        }
    }
}
