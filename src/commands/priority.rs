//! The prioritisation options every scanning command shares: `--kev`,
//! `--epss`, `--vex` and `--sort` (`rescan` takes `--kev` and `--epss`).
//! The order of the KEV sources is decided here, in the application
//! (`--kev`, `LAMBDA_AUDIT_KEV`, the `db update` cache, the starter set);
//! the files are read and joined by [`analyzer::prioritize::Signals`].

use super::input::read_named_file;
use analyzer::advisories::source::current_version;
use analyzer::date::Date;
use analyzer::findings::ScanReport;
use analyzer::kev::{CatalogOrigin, CACHE_FILE};
use analyzer::prioritize::{self, KevFile};
use analyzer::report::{sort_findings, SortOrder};
use analyzer::risk::Exposure;
use analyzer::suppress::apply_suppressions;
use analyzer::vex::{VexRules, MAX_VEX_BYTES};
use std::path::{Path, PathBuf};

/// Environment variable naming a KEV catalog file (as `--kev`).
pub const KEV_ENV: &str = "LAMBDA_AUDIT_KEV";

/// The KEV and EPSS sources every command that scores findings takes
/// (`scan`, `function`, `account`, `rescan`).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SignalArgs {
    /// CISA Known Exploited Vulnerabilities catalog (its JSON). Default:
    /// $LAMBDA_AUDIT_KEV, then the copy `db update` keeps, then the embedded
    /// starter set.
    #[arg(long, value_name = "FILE")]
    pub kev: Option<PathBuf>,
    /// FIRST EPSS scores (their CSV: `cve,epss,percentile`): each finding
    /// gets its CVEs' probability of exploitation and percentile.
    #[arg(long, value_name = "FILE")]
    pub epss: Option<PathBuf>,
}

impl SignalArgs {
    /// Reads the catalog (from the first source that names one, see
    /// [`kev_file`]) and the scores; an unreadable or malformed file named
    /// by flag or environment is an error.
    pub fn load(&self) -> anyhow::Result<prioritize::Signals> {
        let kev = kev_file(self.kev.as_deref());
        let kev = kev.as_ref().map(|(path, origin)| KevFile {
            path,
            origin: *origin,
        });
        Ok(prioritize::Signals::read(kev, self.epss.as_deref())?)
    }
}

#[derive(clap::Args, Debug, Clone, Default)]
pub struct PriorityArgs {
    #[command(flatten)]
    pub signals: SignalArgs,
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
    pub priority: prioritize::Signals,
    pub vex: Vec<VexRules>,
    pub sort: SortOrder,
}

impl PriorityArgs {
    /// Reads the catalog, the scores and the VEX documents; an unreadable
    /// or malformed file named by flag or environment is an error.
    pub fn load(&self) -> anyhow::Result<Signals> {
        let priority = self.signals.load()?;
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
            priority,
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
        self.priority.apply(report, exposure);
        sort_findings(&mut report.findings, self.sort);
    }
}

/// The KEV catalog file of the first source that names one: `flag`,
/// `LAMBDA_AUDIT_KEV`, the copy in the `db update` cache; `None` for the
/// starter set.
fn kev_file(flag: Option<&Path>) -> Option<(PathBuf, CatalogOrigin)> {
    let env = std::env::var_os(KEV_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    if let Some(path) = flag.map(Path::to_path_buf).or(env) {
        return Some((path, CatalogOrigin::Path));
    }
    super::database::locations()
        .cache_db()
        .and_then(|db| current_version(&db))
        .map(|version| version.join(CACHE_FILE))
        .filter(|file| file.is_file())
        .map(|path| (path, CatalogOrigin::Cache))
}
