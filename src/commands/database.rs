//! Where the CLI finds the advisory database. The places are read from the
//! environment here, in the application: the engine takes them as an explicit
//! [`Locations`] value.

use analyzer::advisories::{Database, DatabaseOrigin, Locations};
use std::path::{Path, PathBuf};

/// Environment variable naming a database path (as `--db`).
const DB_ENV: &str = "LAMBDA_AUDIT_DB";
/// Environment variable overriding the cache folder (`~/.cache/lambda-audit`).
const CACHE_ENV: &str = "LAMBDA_AUDIT_CACHE_DIR";

/// The places the CLI looks for a database: `LAMBDA_AUDIT_DB`, and the cache
/// folder `LAMBDA_AUDIT_CACHE_DIR`, else `$XDG_CACHE_HOME/lambda-audit`, else
/// `~/.cache/lambda-audit` (empty variables count as unset).
pub fn locations() -> Locations {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let cache_root = var(CACHE_ENV).or_else(|| {
        var("XDG_CACHE_HOME")
            .or_else(|| var("HOME").map(|h| h.join(".cache")))
            .map(|c| c.join("lambda-audit"))
    });
    Locations {
        db_env: var(DB_ENV),
        cache_root,
    }
}

/// Opens the database a scan uses, in order: `db_flag` (`--db`),
/// `LAMBDA_AUDIT_DB`, the cache filled by `db update`, then the embedded
/// starter set; compiled indexes are kept in the cache folder.
pub fn locate(db_flag: Option<&Path>) -> anyhow::Result<Database> {
    Ok(locations().locate(db_flag)?)
}

/// Opens the advisory database, saying on stderr when it is the starter set.
pub fn database(flag: Option<&std::path::Path>) -> anyhow::Result<Database> {
    let db = locate(flag)?;
    for warning in db.warnings() {
        eprintln!("lambda-audit: warning: {warning}");
    }
    let info = db.info();
    if info.source == DatabaseOrigin::Embedded {
        eprintln!(
            "lambda-audit: note: using the embedded starter advisory set ({} records, only \
             enough for the bundled fixtures). For real results run `lambda-audit db update`, \
             or pass --db PATH / set LAMBDA_AUDIT_DB to an OSV export.",
            info.records
        );
    }
    Ok(db)
}
