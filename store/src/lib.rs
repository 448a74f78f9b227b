//! The findings store: what lambda-audit has seen, per subject, over time.
//!
//! A *subject* is a deployed function version, a layer version, or a local
//! artifact ([`Subject`]). For each one the store keeps the inventory of its
//! last scan (so a [`rescan`] needs no code), its scan history, and its
//! findings, each with a status (`ACTIVE`, `SUPPRESSED`, `CLOSED`), its
//! timestamps and a history of transitions ([`StoredFinding`]).
//!
//! - [`lifecycle`] decides the transitions, as pure functions of the stored
//!   findings, what a scan observed and "now".
//! - [`FindingStore`] is the one trait every backend implements; writes are
//!   batches of [`Commit`]s, each conditional on the subject's revision
//!   (optimistic concurrency), and every transition lands in an outbox in the
//!   same write, for publishers to send and mark.
//! - [`record()`] runs one scan through the lifecycle into a store (retrying on
//!   a conflicting writer); [`rescan()`] re-matches every stored inventory
//!   against a database.
//! - [`backends`] lists the backends (SQLite today).

pub mod backends;
pub mod blast;
pub mod codec;
pub mod digest;
pub mod finding_store;
pub mod identity;
pub mod lifecycle;
pub mod model;
pub mod observation;
pub mod package_list;
pub mod record;
pub mod rescan;
pub mod retention;
pub mod time;

pub use backends::open;
pub use finding_store::{
    Commit, CommitOutcome, FindingFilter, FindingStore, LayerUse, StoreError, SubjectRecord,
};
pub use model::{
    CloseReason, FindingStatus, HistoryEntry, OutboxEvent, ScanReason, ScanRecord, StoredFinding,
    Subject, SubjectKind, Transition,
};
pub use observation::Observation;
pub use record::{close_subject, record, Recorded};
pub use rescan::{rescan, rescan_subjects, RescanOptions, RescanOutcome};
pub use retention::Retention;
