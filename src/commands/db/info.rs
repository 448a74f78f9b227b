//! `lambda-audit db info`: which database a scan would use.

use crate::commands::database::locate;
use analyzer::advisories::DatabaseOrigin;
use std::path::PathBuf;
use std::time::SystemTime;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A database folder, all.zip or .json record (as `scan --db`).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let db = locate(args.db.as_deref())?;
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
