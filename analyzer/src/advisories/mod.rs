//! The advisory database: OSV records read from an export on disk (or the
//! embedded starter set), behind a compiled index keyed by (ecosystem,
//! normalised package name).
//!
//! The engine reads only what the caller names and writes nothing on its own:
//! [`Database::open`] compiles in memory (or maps a compiled index file), an
//! [`IndexCache`] is the explicit way to keep compiled indexes, and
//! downloading exports is the `sources` crate's job (it checks them with
//! [`verify_export`] before using them).
//!
//! - [`load`]: the database's files and their records;
//! - [`index`]: the compiled index (format, compile, reader);
//! - [`fingerprint`]: whether the files are still those an index was built from;
//! - `cache`: [`IndexCache`]; `database`: [`Database`].

mod cache;
mod database;
mod error;
pub mod fingerprint;
pub mod index;
mod inflate;
pub mod load;
pub mod osv;
pub mod source;
pub mod starter;
mod verify;

pub use crate::findings::DatabaseOrigin;
pub use cache::{IndexCache, Pruned, PRUNE_GRACE};
pub use database::{profile_compile, Database};
pub use error::{DbError, FULL_DATA_HINT};
pub use osv::Osv;
pub use source::Locations;
pub use verify::{verify_export, ExportError, VerifiedExport};
