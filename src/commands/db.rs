//! `lambda-audit db update` and `lambda-audit db info`: the advisory database.

use super::database::{locate, locations};
use analyzer::advisories::DatabaseOrigin;
use anyhow::Context;
use sources::update;
use std::path::PathBuf;
use std::time::SystemTime;

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
    let report = super::async_runtime::runtime()?
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
