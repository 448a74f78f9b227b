//! `lambda-audit db update` and `lambda-audit db info`: the advisory database,
//! and where the CLI finds it (read from the environment here, in the
//! application: the engine takes the places as an explicit [`Locations`]).

use analyzer::advisories::{Database, DatabaseOrigin, Locations};
use anyhow::Context;
use sources::update;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Environment variable naming a database path (as `--db`).
const DB_ENV: &str = "LAMBDA_AUDIT_DB";
/// Environment variable overriding the cache folder (`~/.cache/lambda-audit`).
const CACHE_ENV: &str = "LAMBDA_AUDIT_CACHE_DIR";

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Download the OSV exports for npm, PyPI, crates.io and Maven into the cache
    /// (atomically: a failed update keeps the previous database).
    Update {
        /// Base URL serving `<Ecosystem>/all.zip`.
        #[arg(long, value_name = "BASE", default_value = update::DEFAULT_BASE_URL)]
        url: String,
    },
    /// Show which database a scan would use: source, records per ecosystem, age.
    Info {
        /// A database folder, all.zip or .json record (as `scan --db`).
        #[arg(long, value_name = "PATH")]
        db: Option<PathBuf>,
    },
}

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

pub fn run(args: Args) -> anyhow::Result<u8> {
    match args.action {
        Action::Update { url } => run_update(&url),
        Action::Info { db } => run_info(db),
    }
}

fn run_update(url: &str) -> anyhow::Result<u8> {
    let locations = locations();
    let (Some(dir), Some(index_cache)) = (locations.cache_db(), locations.index_cache()) else {
        anyhow::bail!("no cache folder: set LAMBDA_AUDIT_CACHE_DIR, XDG_CACHE_HOME or HOME");
    };
    eprintln!(
        "lambda-audit: downloading OSV exports from {url} into {}",
        dir.display()
    );
    let http = update::client()?;
    let report = super::function::runtime()?
        .block_on(update::update(&http, url, &dir))
        .context("the previous database, if any, is unchanged")?;
    for (eco, count) in &report.records {
        println!("{eco}: {count} records");
    }
    let db = index_cache
        .open(&dir, DatabaseOrigin::Cache)
        .context("the downloaded database could not be indexed")?;
    println!("{} records in {}", db.info().records, dir.display());
    Ok(0)
}

fn run_info(db: Option<PathBuf>) -> anyhow::Result<u8> {
    let db = locate(db.as_deref())?;
    let info = db.info();
    println!("source: {}", info.source);
    if let Some(location) = &info.location {
        println!("location: {location}");
    }
    println!("records: {}", info.records);
    for (eco, count) in &info.ecosystems {
        println!("  {eco}: {count}");
    }
    if let Some(newest) = &info.newest_record {
        println!("newest record: {newest}");
    }
    let newest_file = db.sources().iter().map(|s| s.mtime_ns).max();
    if let Some(ns) = newest_file.filter(|ns| *ns > 0) {
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let hours = now.saturating_sub(ns) / 3_600_000_000_000;
        println!(
            "age: {} days {} hours (files last written)",
            hours / 24,
            hours % 24
        );
    }
    if !info.invalid_records.is_empty() {
        println!("unreadable records: {}", info.invalid_records.len());
        for r in info.invalid_records.iter().take(10) {
            println!("  {r}");
        }
    }
    if info.source == DatabaseOrigin::Embedded {
        println!(
            "note: this is the small starter set built into lambda-audit; {}",
            analyzer::advisories::FULL_DATA_HINT
        );
    }
    Ok(0)
}
