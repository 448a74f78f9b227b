//! `lambda-audit db update`: fetch the OSV exports into the cache, all or
//! nothing, incrementally where the server lists its records' changes.

use super::progress::Bars;
use crate::commands::async_runtime::runtime;
use crate::commands::database::locations;
use analyzer::advisories::{DatabaseOrigin, Locations};
use analyzer::Ecosystem;
use anyhow::Context;
use sources::update::{self, How, Request, UpdateError, UpdateReport};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Base URL laid out like OSV's export bucket (`<Ecosystem>/all.zip`,
    /// `<Ecosystem>/modified_id.csv`, `<Ecosystem>/<ID>.json`).
    #[arg(long, value_name = "BASE", default_value = update::DEFAULT_BASE_URL)]
    url: String,
    /// Fetch only these ecosystems, comma-separated (npm, PyPI, crates.io, Maven,
    /// Go, RubyGems, NuGet); the others keep what the previous database holds.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_ecosystem)]
    ecosystem: Vec<Ecosystem>,
    /// Download whole exports, even where only changed records could be fetched.
    #[arg(long)]
    full: bool,
    /// Where to download CISA's Known Exploited Vulnerabilities catalog
    /// (JSON), kept with the advisories for `scan`'s KEV join. Default:
    /// CISA's feed; with a mirror (`--url`), the previous copy is kept
    /// unless this names one (a mirror often means no internet).
    #[arg(long, value_name = "URL")]
    kev_url: Option<String>,
    /// Show no progress on stderr (it is shown only on a terminal anyway).
    #[arg(long, short)]
    quiet: bool,
    /// Then re-match every inventory of the findings store against the new
    /// database (`lambda-audit rescan`), exiting as it does.
    #[arg(long)]
    rescan: bool,
    #[command(flatten)]
    store: crate::commands::store::StoreArgs,
}

/// An ecosystem by its OSV name, in any case (`pypi` is `PyPI`).
fn parse_ecosystem(name: &str) -> Result<Ecosystem, String> {
    let name = name.trim();
    Ecosystem::ALL
        .into_iter()
        .find(|e| e.as_str().eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            let valid: Vec<&str> = Ecosystem::ALL.iter().map(|e| e.as_str()).collect();
            format!("unknown ecosystem `{name}`: use {}", valid.join(", "))
        })
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let locations = locations();
    let Some(root) = locations.cache_db() else {
        anyhow::bail!(
            "no cache folder: set LAMBDA_AUDIT_CACHE_DIR, XDG_CACHE_HOME or HOME \
             (or pass --db PATH to scans instead of using the cache)"
        );
    };
    eprintln!(
        "lambda-audit: updating the advisory database from {} into {}",
        args.url,
        root.display()
    );
    let http = update::client()?;
    let request = Request {
        base_url: &args.url,
        ecosystems: &args.ecosystem,
        full: args.full,
        max_changed: update::MAX_CHANGED_RECORDS,
        kev_url: kev_url(&args),
    };
    let bars = Bars::new(args.quiet);
    let report = runtime()?
        .block_on(update::update(&http, &request, &root, &bars))
        .map_err(|e| failed(&e, &locations))?;
    print_report(&report);
    let index_cache = locations
        .index_cache_for(&report.dir)
        .context("the cache folder is set")?;
    let db = index_cache
        .open(&report.dir, DatabaseOrigin::Cache)
        .map_err(|e| {
            anyhow::anyhow!(
                "{e} (indexing the new database {})\n  next: run `lambda-audit db update --full`",
                report.dir.display()
            )
        })?;
    println!("{} records in {}", db.info().records, report.dir.display());
    if !args.rescan {
        return Ok(0);
    }
    let mut rescan = crate::commands::rescan::Args::defaults();
    rescan.store = args.store;
    crate::commands::rescan::run(rescan)
}

/// The KEV catalog to download: `--kev-url`, else CISA's feed when the
/// advisories come from OSV's own bucket; `None` (keep the previous copy)
/// with a mirror.
fn kev_url(args: &Args) -> Option<&str> {
    args.kev_url
        .as_deref()
        .or((args.url == update::DEFAULT_BASE_URL).then_some(update::DEFAULT_KEV_URL))
}

/// One line per ecosystem on stdout; why an incremental update was not
/// possible on stderr.
fn print_report(report: &UpdateReport) {
    for eco in &report.ecosystems {
        let how = match &eco.how {
            How::Full {
                bytes,
                instead_of_incremental,
            } => {
                if let Some(why) = instead_of_incremental {
                    eprintln!(
                        "lambda-audit: note: {}: whole export downloaded: {why}",
                        eco.ecosystem
                    );
                }
                format!("whole export, {}", megabytes(*bytes))
            }
            How::Incremental { fetched, removed } => {
                format!("{fetched} fetched, {removed} removed")
            }
            How::CarriedOver => "kept from the previous database".to_string(),
        };
        println!("{}: {} records ({how})", eco.ecosystem, eco.records);
    }
    match &report.kev {
        update::KevUpdate::Fetched { version, entries } => {
            println!("KEV catalog: {entries} entries (version {version})")
        }
        update::KevUpdate::CarriedOver => {
            println!("KEV catalog: kept from the previous database (--kev-url fetches it)")
        }
        update::KevUpdate::Absent => {
            println!("KEV catalog: none (--kev-url fetches it; scans use the starter set)")
        }
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// The update's error, then what is in force now and what to try next.
fn failed(e: &UpdateError, locations: &Locations) -> anyhow::Error {
    let in_force = match locations.cache_current() {
        Some(dir) => format!("the previous database is still in use ({})", dir.display()),
        None => "no database was installed: scans keep using the embedded starter set".into(),
    };
    anyhow::anyhow!("{e}\n  {in_force}\n  next: {}", e.next_step())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystems_are_named_as_osv_spells_them_in_any_case() {
        assert_eq!(parse_ecosystem("PyPI"), Ok(Ecosystem::PyPI));
        assert_eq!(parse_ecosystem("pypi"), Ok(Ecosystem::PyPI));
        assert_eq!(parse_ecosystem(" crates.io"), Ok(Ecosystem::CratesIo));
        assert_eq!(
            parse_ecosystem("swift").unwrap_err(),
            "unknown ecosystem `swift`: use npm, PyPI, crates.io, Maven, Go, RubyGems, NuGet"
        );
    }
}
