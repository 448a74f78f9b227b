//! `lambda-audit scan`: inventory, match against advisories, apply the team's
//! suppressions, compare with a baseline, render, and exit by threshold.

use super::discover::{discover, Target};
use super::input::DeploymentArgs;
use analyzer::advisories::Database;
use analyzer::findings::ScanReport;
use analyzer::inventory::Inventory;
use analyzer::Limits;
use anyhow::Context;
use layers::{Artifact, ArtifactRole, Deployment};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub deployment: DeploymentArgs,
    /// Scan the components of a CycloneDX JSON SBOM (by purl) instead of archives.
    #[arg(long, value_name = "BOM.json", conflicts_with_all = ["function", "layers"])]
    pub sbom: Option<PathBuf>,
    /// Advisory database: a directory of <Ecosystem>/all.zip, one all.zip, or OSV
    /// JSON files. Default: $LAMBDA_AUDIT_DB, then the cache filled by
    /// `db update`, then the embedded starter set.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Builds the inventory the command line asks for: an SBOM, a function with its
/// layers, or (no path) the build outputs found in the current directory.
pub fn inventory(deployment: &DeploymentArgs, sbom: Option<&PathBuf>) -> anyhow::Result<Inventory> {
    let limits = Limits::default();
    let extractors = analyzer::extract::all();
    if let Some(path) = sbom {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        return Ok(analyzer::sbom::read_cyclonedx(
            &path.display().to_string(),
            &bytes,
        )?);
    }
    if deployment.function.is_some() || !deployment.layers.is_empty() {
        return Ok(deployment.open(&limits)?.inventory(&extractors));
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let targets = discover(&cwd);
    let progress = super::progress::Progress::new(targets.len() as u64, "scanning build outputs");
    let parts = targets
        .iter()
        .map(|Target { path, kind }| {
            progress.step(&format!("{kind}: {}", path.display()));
            let rel = path.strip_prefix(&cwd).unwrap_or(path);
            let role = if path.is_dir() && *kind == "project" {
                ArtifactRole::Directory
            } else {
                ArtifactRole::Function
            };
            let mut artifact = Artifact::open(path, role, &limits)?;
            artifact.tree.name = if rel.as_os_str().is_empty() {
                ".".into()
            } else {
                rel.display().to_string()
            };
            let deployment = Deployment {
                function: Some(artifact),
                layers: Vec::new(),
                runtime: deployment.runtime,
            };
            Ok(deployment.inventory(&extractors))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    progress.finish();
    Ok(Inventory::combine(parts))
}

/// Opens the advisory database, saying on stderr when it is the starter set.
pub fn database(flag: Option<&std::path::Path>) -> anyhow::Result<Database> {
    let db = Database::locate(flag)?;
    let info = db.info();
    if info.source == "embedded" {
        eprintln!(
            "lambda-audit: note: using the embedded starter advisory set ({} records, only \
             enough for the bundled fixtures). For real results run `lambda-audit db update`, \
             or pass --db PATH / set LAMBDA_AUDIT_DB to an OSV export.",
            info.records
        );
    }
    Ok(db)
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let inventory = inventory(&args.deployment, args.sbom.as_ref())?;
    let db = database(args.db.as_deref())?;
    let report = analyzer::matching::match_inventory(inventory, &db);
    for w in report.warnings() {
        eprintln!("lambda-audit: warning: {w}");
    }
    write_output(&report, args.output.as_ref())?;
    Ok(exit_code(&report))
}

fn exit_code(report: &ScanReport) -> u8 {
    u8::from(report.summary.findings > 0)
}

fn write_output(report: &ScanReport, output: Option<&PathBuf>) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(report)?;
    text.push('\n');
    match output {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(())
}
