//! `lambda-audit scan`: inventory, match against advisories, apply the team's
//! suppressions, compare with a baseline, render, and exit by threshold.

use super::database::database;
use super::discover::{discover, Target, TargetKind};
use super::input::DeploymentArgs;
use super::terminal::Terminal;
use analyzer::advisories::Database;
use analyzer::baseline::{diff, Baseline};
use analyzer::date::{rfc3339_now, Date};
use analyzer::inventory::Inventory;
use analyzer::report::{render, AsffContext, Format, RenderOptions};
use analyzer::suppress::{apply_suppressions, Config};
use analyzer::threshold::{exit_code, FailOn};
use analyzer::Limits;
use anyhow::Context;
use layers::{Artifact, ArtifactRole, Deployment};
use std::io::Write;
use std::path::{Path, PathBuf};

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
    /// Report format: table (default on a terminal), json (default otherwise),
    /// sarif, cyclonedx, markdown, asff.
    #[arg(long, short, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 only for open findings at or above this severity:
    /// none, low, medium, high, critical (default: any open finding).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// An earlier JSON report (or inventory), or the currently deployed archive:
    /// the report shows what this deploy adds, removes, upgrades, introduces, fixes.
    #[arg(long, value_name = "OLD")]
    pub baseline: Option<PathBuf>,
    /// Fail only on findings the baseline did not have.
    #[arg(long, requires = "baseline")]
    pub fail_on_new: bool,
    /// Suppression rules (default: ./lambda-audit.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Record this scan into the findings store at PATH (the artifact is the
    /// subject, by its path): findings no longer seen close, seen again reopen.
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// AWS account id written into ASFF findings.
    #[arg(long, value_name = "ID", default_value = "000000000000")]
    pub aws_account_id: String,
    /// AWS region written into ASFF findings.
    #[arg(
        long,
        value_name = "REGION",
        env = "AWS_REGION",
        default_value = "us-east-1"
    )]
    pub aws_region: String,
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
            let role = if path.is_dir() && *kind == TargetKind::Project {
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

pub fn run(args: Args) -> anyhow::Result<u8> {
    let config = match &args.config {
        Some(path) => Some(Config::load(path)?),
        None => Config::discover(&std::env::current_dir()?)?,
    };
    let inventory = inventory(&args.deployment, args.sbom.as_ref())?;
    let db = database(args.db.as_deref())?;
    let mut report = analyzer::matching::match_inventory(inventory, &db);
    if let Some(config) = &config {
        apply_suppressions(&mut report, config, Date::today());
    }
    let changes = match &args.baseline {
        Some(path) => Some(diff(&baseline(path, &args.deployment, &db)?, &report)),
        None => None,
    };
    for w in report.warnings() {
        eprintln!("lambda-audit: warning: {w}");
    }
    if let Some(path) = &args.store {
        let store = super::store::open(path)?;
        let subject = super::store::local_subject(&args.deployment, args.sbom.as_deref())?;
        super::store::record(
            store.as_ref(),
            subject,
            &report,
            config.as_ref(),
            store::ScanReason::Scan,
        )?;
    }
    let terminal = Terminal::for_output(args.output.as_deref());
    let format = args.format.unwrap_or(Format::default_for(terminal.is_tty));
    let options = RenderOptions {
        color: terminal.color,
        width: terminal.width,
        changes: changes.as_ref(),
        asff: AsffContext {
            aws_account_id: args.aws_account_id.clone(),
            region: args.aws_region.clone(),
            timestamp: rfc3339_now(),
            ..AsffContext::default()
        },
    };
    let mut out = Vec::new();
    render(format, &report, &options, &mut out)?;
    write_output(&out, args.output.as_ref())?;
    Ok(exit_code(
        &report,
        args.fail_on.unwrap_or_default(),
        args.fail_on_new,
        changes.as_ref(),
    ))
}

/// Reads `--baseline`: an earlier JSON report or inventory, or else an archive
/// (the currently deployed package), scanned with the same layers and database.
fn baseline(path: &Path, current: &DeploymentArgs, db: &Database) -> anyhow::Result<Baseline> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read baseline {}", path.display()))?;
    let name = path.display().to_string();
    if bytes.first().is_some_and(|b| *b == b'{') {
        return Ok(Baseline::from_json(&name, &bytes)?);
    }
    let old = DeploymentArgs {
        function: Some(path.to_path_buf()),
        layers: current.layers.clone(),
        runtime: current.runtime,
    };
    let inventory = old
        .open(&Limits::default())?
        .inventory(&analyzer::extract::all());
    Ok(Baseline::from_report(&analyzer::matching::match_inventory(
        inventory, db,
    )))
}

/// Writes the rendered report to FILE or standard output.
pub fn write_output(bytes: &[u8], output: Option<&PathBuf>) -> anyhow::Result<()> {
    match output {
        Some(path) => std::fs::write(path, bytes)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None => std::io::stdout().write_all(bytes)?,
    }
    Ok(())
}
