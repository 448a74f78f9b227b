//! What `db update` reports while it downloads, for a progress display. The
//! updater calls these; the CLI draws them on stderr (or not at all).

/// What a count is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Records,
}

/// Observes the downloads of an update, one task at a time.
pub trait Progress: Sync {
    /// A task begins: `label` (`npm export`), `total` when known.
    fn begin(&self, label: &str, unit: Unit, total: Option<u64>);
    /// `done` is done, of `total` when known (a download learns its size
    /// from the response).
    fn advance(&self, done: u64, total: Option<u64>);
    /// The task ended (finished or failed).
    fn end(&self);
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {
    fn begin(&self, _: &str, _: Unit, _: Option<u64>) {}
    fn advance(&self, _: u64, _: Option<u64>) {}
    fn end(&self) {}
}
