//! Where a compile's time goes, phase by phase: what the benchmark prints so
//! that a re-measure shows which part grew (see [`crate::advisories::profile_compile`]).

use std::fmt;
use std::time::Duration;

/// Wall time of each phase of one compile. The phases run one after the
/// other, except [`Phases::writing`], which is part of [`Phases::records`]
/// (the writer works while the other cores parse).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Phases {
    /// Listing the database's files.
    pub list: Duration,
    /// Reading the zips into memory.
    pub read: Duration,
    /// Walking the zips' central directories (while their checksums are taken).
    pub directory: Duration,
    /// Parsing the records in parallel and writing their frames, in order.
    pub records: Duration,
    /// Of `records`, the time the writing thread spent writing.
    pub writing: Duration,
    /// The postings, the record table, both fst maps, the header, the footer.
    pub tables: Duration,
    /// Mapping and checking the written file, and renaming it into place.
    pub open: Duration,
}

impl Phases {
    /// The sum of the serial phases.
    pub fn total(&self) -> Duration {
        self.list + self.read + self.directory + self.records + self.tables + self.open
    }
}

impl fmt::Display for Phases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        write!(
            f,
            "list {:.0} ms, read {:.0} ms, central directory {:.0} ms, records {:.0} ms \
             (of which writing {:.0} ms), tables {:.0} ms, open {:.0} ms",
            ms(self.list),
            ms(self.read),
            ms(self.directory),
            ms(self.records),
            ms(self.writing),
            ms(self.tables),
            ms(self.open),
        )
    }
}
