//! The prioritisation options every scanning command shares: `--kev`,
//! `--epss`, `--vex` and `--sort`. The files are read here, in the
//! application (with `LAMBDA_AUDIT_KEV` and the `db update` cache as further
//! KEV sources); the engine gets them as values.

use super::input::read_named_file;
use analyzer::advisories::source::current_version;
use analyzer::date::Date;
use analyzer::epss::{EpssScores, MAX_EPSS_BYTES};
use analyzer::findings::ScanReport;
use analyzer::kev::{Catalog, CatalogOrigin, CACHE_FILE, MAX_CATALOG_BYTES};
use analyzer::prioritize::{prioritize, Context};
use analyzer::report::{sort_findings, SortOrder};
use analyzer::risk::Exposure;
use analyzer::suppress::apply_suppressions;
use analyzer::vex::{VexRules, MAX_VEX_BYTES};
use std::path::{Path, PathBuf};

/// Environment variable naming a KEV catalog file (as `--kev`).
pub const KEV_ENV: &str = "LAMBDA_AUDIT_KEV";

#[derive(clap::Args, Debug, Clone, Default)]
pub struct PriorityArgs {
    /// CISA Known Exploited Vulnerabilities catalog (its JSON). Default:
    /// $LAMBDA_AUDIT_KEV, then the copy `db update` keeps, then the embedded
    /// starter set.
    #[arg(long, value_name = "FILE")]
    pub kev: Option<PathBuf>,
    /// FIRST EPSS scores (their CSV: `cve,epss,percentile`): each finding
    /// gets its CVEs' probability of exploitation and percentile.
    #[arg(long, value_name = "FILE")]
    pub epss: Option<PathBuf>,
    /// A VEX document (OpenVEX, or CycloneDX with `analysis`): its
    /// not_affected / false_positive statements suppress the findings they
    /// name, with their justification as reason. Repeat for several.
    #[arg(long, value_name = "FILE")]
    pub vex: Vec<PathBuf>,
    /// Order of findings in reports: risk (default), severity or package.
    #[arg(long, value_name = "ORDER", default_value_t = SortOrder::Risk)]
    pub sort: SortOrder,
}

/// The signals read from the files the options name.
pub struct Signals {
    pub kev: Catalog,
    pub epss: Option<EpssScores>,
    pub vex: Vec<VexRules>,
    pub sort: SortOrder,
}

impl PriorityArgs {
    /// Reads the catalog, the scores and the VEX documents; an unreadable
    /// or malformed file named by flag or environment is an error.
    pub fn load(&self) -> anyhow::Result<Signals> {
        let kev = kev_catalog(self.kev.as_deref())?;
        let epss = self
            .epss
            .as_deref()
            .map(|path| -> anyhow::Result<EpssScores> {
                let bytes = read_named_file(path, "EPSS file", MAX_EPSS_BYTES)?;
                Ok(EpssScores::parse(&path.display().to_string(), &bytes)?)
            })
            .transpose()?;
        let vex = self
            .vex
            .iter()
            .map(|path| -> anyhow::Result<VexRules> {
                let bytes = read_named_file(path, "VEX document", MAX_VEX_BYTES)?;
                let rules = analyzer::vex::read(&path.display().to_string(), &bytes)?;
                for skipped in &rules.skipped {
                    eprintln!("lambda-audit: note: {}: {skipped}", path.display());
                }
                Ok(rules)
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Signals {
            kev,
            epss,
            vex,
            sort: self.sort,
        })
    }
}

impl Signals {
    /// Suppresses what the VEX documents say is not affected, joins KEV and
    /// EPSS, takes the function's `exposure`, scores every finding, and puts
    /// the findings in `--sort` order.
    pub fn apply(&self, report: &mut ScanReport, exposure: Option<&Exposure>) {
        for rules in &self.vex {
            apply_suppressions(report, &rules.config, Date::today());
        }
        prioritize(
            report,
            &Context {
                kev: Some(&self.kev),
                epss: self.epss.as_ref(),
                exposure,
            },
        );
        sort_findings(&mut report.findings, self.sort);
    }
}

/// The KEV catalog, from the first source that has one: `flag`,
/// `LAMBDA_AUDIT_KEV`, the copy in the `db update` cache, the starter set.
fn kev_catalog(flag: Option<&Path>) -> anyhow::Result<Catalog> {
    let env = std::env::var_os(KEV_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    if let Some(path) = flag.map(Path::to_path_buf).or(env) {
        return read_catalog(&path, CatalogOrigin::Path);
    }
    let cached = super::database::locations()
        .cache_db()
        .and_then(|db| current_version(&db))
        .map(|version| version.join(CACHE_FILE))
        .filter(|file| file.is_file());
    match cached {
        Some(path) => read_catalog(&path, CatalogOrigin::Cache),
        None => Ok(Catalog::starter()),
    }
}

fn read_catalog(path: &Path, origin: CatalogOrigin) -> anyhow::Result<Catalog> {
    let bytes = read_named_file(path, "KEV catalog", MAX_CATALOG_BYTES)?;
    Ok(Catalog::parse(&path.display().to_string(), origin, &bytes)?)
}
