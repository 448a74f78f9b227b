//! `lambda-audit scan`: inventory, match against advisories, apply the team's
//! suppressions, compare with a baseline, render, and exit by threshold.

use super::database::database;
use super::discover::{discover, Target, TargetKind};
use super::input::{
    load_config, open_named_file, read_named_file, DeploymentArgs, MAX_BASELINE_JSON_BYTES,
    MAX_SBOM_BYTES,
};
use super::terminal::Terminal;
use analyzer::advisories::Database;
use analyzer::baseline::{diff, Baseline};
use analyzer::date::{rfc3339_now, Date};
use analyzer::extract::npm::OTHER_PLATFORM;
use analyzer::inventory::Inventory;
use analyzer::matching::MatchOptions;
use analyzer::report::{
    describe_gap, render, stale_database_warning, AsffContext, Format, RenderOptions,
    DEFAULT_MAX_DB_AGE_DAYS,
};
use analyzer::suppress::apply_suppressions;
use analyzer::threshold::{FailOn, FailOnIncomplete, Gate, Verdict};
use analyzer::Limits;
use anyhow::Context;
use layers::{Artifact, ArtifactRole, Deployment};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub deployment: DeploymentArgs,
    /// Scan the components of a CycloneDX JSON SBOM (by purl) instead of archives.
    /// (`--runtime` and `--architecture` describe a deployment's layout and
    /// are refused with it.)
    #[arg(
        long,
        value_name = "BOM.json",
        conflicts_with_all = ["function", "layers", "runtime", "architecture"]
    )]
    pub sbom: Option<PathBuf>,
    /// Advisory database: a directory of <Ecosystem>/all.zip, one all.zip, or OSV
    /// JSON files. Default: $LAMBDA_AUDIT_DB, then the cache filled by
    /// `db update`, then the embedded starter set.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Report format: table (default on a terminal), json (default otherwise),
    /// sarif, cyclonedx, markdown, asff, spdx, csv, openvex.
    #[arg(long, short, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 only for open findings at or above this severity (none, low,
    /// medium, high, critical), known exploited (kev), or with a risk score
    /// of at least N (risk:N); default: any open finding.
    #[arg(long, value_name = "THRESHOLD")]
    pub fail_on: Option<FailOn>,
    /// Do not fail on findings whose package the handler does not import
    /// (`reachability: not-imported`); they are still reported.
    #[arg(long)]
    pub ignore_unimported: bool,
    #[command(flatten)]
    pub priority: super::priority::PriorityArgs,
    /// An earlier JSON report (or inventory), or the currently deployed archive:
    /// the report shows what this deploy adds, removes, upgrades, introduces, fixes.
    #[arg(long, value_name = "OLD")]
    pub baseline: Option<PathBuf>,
    /// Also match packages only development needs (lockfile entries scoped
    /// to development, with no installed copy); by default they are listed
    /// but not matched, since they are not deployed.
    #[arg(long)]
    pub include_dev: bool,
    /// Fail only on findings the baseline did not have.
    #[arg(long, requires = "baseline")]
    pub fail_on_new: bool,
    /// Exit 2 when a limit or a read error kept evidence from being read
    /// (always, the default), or accept an incomplete scan (never): the
    /// files not read are listed either way.
    #[arg(long, value_name = "WHEN", default_value_t = FailOnIncomplete::Always)]
    pub fail_on_incomplete: FailOnIncomplete,
    /// Accept a scan that read no dependency evidence at all (no package, no
    /// lockfile: an empty folder, a package.json alone); by default it exits 2,
    /// since it checked nothing.
    #[arg(long)]
    pub allow_empty: bool,
    /// Warn when the advisory database's newest record is more than DAYS old
    /// (default 7, or `max-db-age` in lambda-audit.toml; 0 never warns).
    #[arg(long, value_name = "DAYS")]
    pub max_db_age: Option<u32>,
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
    let extractors = deployment.extractors();
    if let Some(path) = sbom {
        let bytes = read_named_file(path, "SBOM", MAX_SBOM_BYTES)?;
        return Ok(analyzer::sbom::read_cyclonedx(
            &path.display().to_string(),
            &bytes,
        )?);
    }
    if deployment.function.is_some() || !deployment.layers.is_empty() {
        return deployment.inventory(&limits, &extractors);
    }
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let targets = discover(&cwd)?;
    let progress = super::progress::Progress::new(targets.len() as u64, "scanning build outputs");
    let parts = targets
        .iter()
        .map(
            |Target {
                 path,
                 kind,
                 function,
             }| {
                progress.step(&format!("{kind}: {}", path.display()));
                let relative = |p: &Path| p.strip_prefix(&cwd).unwrap_or(p).display().to_string();
                if let Some(function) = function {
                    return deployment.inventory_of(function, &limits, &extractors, relative);
                }
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
                    handler: deployment.handler.clone(),
                };
                Ok(deployment.inventory(&extractors))
            },
        )
        .collect::<anyhow::Result<Vec<_>>>()?;
    progress.finish();
    Ok(Inventory::combine(parts))
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let config = load_config(args.config.as_deref())?;
    let signals = args.priority.load()?;
    let inventory = inventory(&args.deployment, args.sbom.as_ref())?;
    let db = database(args.db.as_deref())?;
    let max_db_age = args
        .max_db_age
        .or(config.as_ref().and_then(|c| c.max_db_age))
        .unwrap_or(DEFAULT_MAX_DB_AGE_DAYS);
    if let Some(warning) = stale_database_warning(&db.info(), Date::today(), max_db_age) {
        eprintln!("lambda-audit: warning: {warning}");
    }
    let options = MatchOptions {
        include_dev: args.include_dev,
    };
    let mut report = analyzer::matching::match_inventory_with(inventory, &db, options);
    tell_unmatched_scopes(&report);
    if let Some(config) = &config {
        apply_suppressions(&mut report, config, Date::today());
    }
    signals.apply(&mut report, None);
    let changes = match &args.baseline {
        Some(path) => Some(diff(
            &baseline(path, &args.deployment, &db, options)?,
            &report,
        )),
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
        created: Some(rfc3339_now()),
        sort: signals.sort,
    };
    match analyzer::report::no_document(format, &report) {
        Some(why) => eprintln!("lambda-audit: {why}"),
        None => {
            let mut out = Vec::new();
            render(format, &report, &options, &mut out)?;
            write_output(&out, args.output.as_ref())?;
        }
    }
    let gate = Gate {
        fail_on: args.fail_on.unwrap_or_default(),
        fail_on_new: args.fail_on_new,
        incomplete: args.fail_on_incomplete,
        ignore_unimported: args.ignore_unimported,
    };
    let mut verdict = gate.verdict(&report, changes.as_ref());
    if !args.allow_empty {
        verdict = verdict.require_evidence(&report.inventory);
    }
    tell_gaps(&verdict);
    Ok(verdict.exit_code())
}

/// Says on standard error how many packages were listed but not matched
/// because they are not deployed: development-only ones, and those built for
/// another platform than the function's.
fn tell_unmatched_scopes(report: &analyzer::findings::ScanReport) {
    let other_platform = report
        .inventory
        .packages
        .iter()
        .filter(|p| {
            !p.locations.is_empty()
                && p.locations
                    .iter()
                    .all(|l| l.scope.as_deref() == Some(OTHER_PLATFORM))
        })
        .count();
    let dev_only = report.summary.dev_only.saturating_sub(other_platform);
    if dev_only > 0 {
        eprintln!(
            "lambda-audit: note: {dev_only} dev-only package(s) listed but not matched: they are \
             not deployed (--include-dev matches them)"
        );
    }
    if other_platform > 0 && report.summary.dev_only > 0 {
        eprintln!(
            "lambda-audit: note: {other_platform} package(s) for another platform than the \
             function's (Linux with glibc on its architecture) listed but not matched: Lambda \
             never installs them (--architecture names it, default x86_64; --include-dev \
             matches them)"
        );
    }
}

/// Lists on standard error every piece of evidence left unread (artifact,
/// path, reason) and, when that fails the scan, says so, with the findings
/// that fail it too: an incomplete scan with findings reports both.
pub fn tell_gaps(verdict: &Verdict<'_>) {
    for (artifact, gap) in &verdict.gaps {
        eprintln!("lambda-audit: not read: {}", describe_gap(artifact, gap));
    }
    if verdict.empty && !verdict.incomplete {
        eprintln!(
            "lambda-audit: error: no dependency evidence was read (no installed package, lockfile, \
             pinned requirement or SBOM component), so nothing was checked (exit 2; \
             `--allow-empty` accepts an empty scan)"
        );
    }
    if !verdict.incomplete {
        return;
    }
    let files = match verdict.gaps.len() {
        1 => "1 file was not read, so its packages were".to_string(),
        n => format!("{n} files were not read, so their packages were"),
    };
    let findings = match verdict.failing.len() {
        0 => String::new(),
        1 => "; 1 open finding fails the threshold as well".into(),
        n => format!("; {n} open findings fail the threshold as well"),
    };
    eprintln!(
        "lambda-audit: error: the scan is incomplete: {files} not checked{findings} (exit 2; \
         `--fail-on-incomplete never` accepts an incomplete scan)"
    );
}

/// Reads `--baseline`: an earlier JSON report or inventory, or else an archive
/// (the currently deployed package), scanned with the same layers and database.
fn baseline(
    path: &Path,
    current: &DeploymentArgs,
    db: &Database,
    options: MatchOptions,
) -> anyhow::Result<Baseline> {
    let (file, _) = open_named_file(path, "baseline")?;
    let mut head = Vec::new();
    file.take(4096)
        .read_to_end(&mut head)
        .with_context(|| format!("cannot read baseline {}", path.display()))?;
    if json_text(&head).is_some() {
        let bytes = read_named_file(path, "baseline", MAX_BASELINE_JSON_BYTES)?;
        let json = json_text(&bytes).unwrap_or(&bytes);
        return Ok(Baseline::from_json(&path.display().to_string(), json)?);
    }
    let old = DeploymentArgs {
        function: Some(path.to_path_buf()),
        layers: current.layers.clone(),
        runtime: current.runtime,
        handler: current.handler.clone(),
        architecture: current.architecture,
    };
    let inventory = old.inventory(&Limits::default(), &old.extractors())?;
    Ok(Baseline::from_report(
        &analyzer::matching::match_inventory_with(inventory, db, options),
    ))
}

/// The JSON text of `bytes` (without a UTF-8 byte order mark) when they
/// start like a JSON object: whitespace, then `{`. A zip starts with `PK`.
fn json_text(bytes: &[u8]) -> Option<&[u8]> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    text.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
        .then_some(text)
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
