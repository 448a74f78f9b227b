//! `lambda-audit function`: scan a deployed function and its layers.

use super::async_runtime::runtime;
use super::priority::{PriorityArgs, Signals};
use super::store::StoreArgs;
use super::terminal::Terminal;
use analyzer::advisories::Database;
use analyzer::date::{rfc3339_now, Date};
use analyzer::findings::{Rating, ScanReport};
use analyzer::report::{render, AsffContext, Format as ReportFormat, RenderOptions};
use analyzer::risk::Exposure;
use analyzer::suppress::{apply_suppressions, Config};
use analyzer::threshold::{read_no_evidence, FailOn, FailOnIncomplete, Gate};
use analyzer::Limits;
use layers::aws::{AwsOptions, CodeUrlRewrite, Downloader, LayerCache, ScanOutcome, Scanner};
use std::path::PathBuf;
use std::sync::Arc;

/// AWS access shared by the commands that read deployed functions. Credentials,
/// profile and default region come from the standard AWS configuration chain.
#[derive(clap::Args, Debug, Clone)]
pub struct AwsArgs {
    /// Send every AWS call to this endpoint (an emulator such as moto).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Largest code or layer download accepted, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_artifact_bytes)]
    pub max_download_bytes: u64,
    /// Fetch code from a content-addressed mirror (`URL/<sha256 hex>`) instead of
    /// Lambda's presigned location; the bytes are verified against CodeSha256 the same way.
    #[arg(long, value_name = "URL")]
    pub code_mirror: Option<String>,
}

impl AwsArgs {
    /// The AWS options, with `region` when one is given.
    pub fn options(&self, region: Option<String>) -> AwsOptions {
        AwsOptions {
            region,
            endpoint_url: self.endpoint_url.clone(),
        }
    }

    /// The code downloader these arguments describe; `--max-download-bytes`
    /// above the largest artifact lambda-audit opens is refused (a download
    /// could never be read).
    pub fn downloader(&self) -> anyhow::Result<Downloader> {
        let most = Limits::default().max_artifact_bytes;
        if self.max_download_bytes > most {
            anyhow::bail!(
                "--max-download-bytes {} is above {most} bytes (1 GiB), the largest artifact \
                 lambda-audit opens: a larger download could not be read (Lambda's own limit is \
                 250 MB unzipped)",
                self.max_download_bytes
            );
        }
        let rewrite = match &self.code_mirror {
            Some(base) => CodeUrlRewrite::Mirror { base: base.clone() },
            None => CodeUrlRewrite::None,
        };
        Ok(Downloader::new(self.max_download_bytes, rewrite)?)
    }
}

/// Output formats of the deployed-function commands: a one-line summary, or
/// any report format of `scan` (`json` wraps the report with the function's
/// ARN, kind, runtime and layers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Summary,
    Report(ReportFormat),
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        if s.trim().eq_ignore_ascii_case("summary") {
            return Ok(Format::Summary);
        }
        s.parse::<ReportFormat>().map(Format::Report).map_err(|_| {
            format!(
                "unknown format `{s}` (expected one of: summary, table, json, sarif, cyclonedx, markdown, asff, spdx, csv, openvex)"
            )
        })
    }
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The function's name or ARN (a qualified ARN names the version).
    pub function: String,
    /// Version or alias to scan.
    #[arg(long)]
    pub qualifier: Option<String>,
    /// Region of the function (taken from the ARN when it is one).
    #[arg(long)]
    pub region: Option<String>,
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Advisory database (as for `scan --db`); default $LAMBDA_AUDIT_DB, then
    /// the `db update` cache, then the embedded starter set.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Output format: summary, table (default on a terminal), json (default
    /// otherwise), sarif, cyclonedx, markdown, asff, spdx, csv, openvex.
    #[arg(long)]
    pub format: Option<Format>,
    /// Write the result to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Suppression rules (default: ./lambda-audit.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Exit 1 only for open findings at or above this severity (none, low,
    /// medium, high, critical), known exploited (kev), or with a risk score
    /// of at least N (risk:N); default: any open finding.
    #[arg(long, value_name = "THRESHOLD")]
    pub fail_on: Option<FailOn>,
    /// Do not fail on findings whose package the handler does not import
    /// (`reachability: not-imported`); they are still reported.
    #[arg(long)]
    pub ignore_unimported: bool,
    /// Accept a function whose scan read no dependency evidence at all (no
    /// installed package, lockfile or pinned requirement in its code or
    /// layers); by default that exits 2, as for `scan`.
    #[arg(long)]
    pub allow_empty: bool,
    #[command(flatten)]
    pub priority: PriorityArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// The one-line summary of an outcome (with its findings when it was matched).
pub fn summary_line(outcome: &ScanOutcome, report: Option<&ScanReport>) -> String {
    match outcome {
        ScanOutcome::Scanned(s) => {
            let findings = match report {
                Some(r) => {
                    let by: Vec<String> = Rating::DESCENDING
                        .iter()
                        .map(|rating| rating.name())
                        .filter_map(|rating| {
                            r.summary
                                .by_severity
                                .get(rating)
                                .filter(|n| **n > 0)
                                .map(|n| format!("{rating} {n}"))
                        })
                        .collect();
                    if by.is_empty() {
                        format!(", {} findings", r.summary.findings)
                    } else {
                        format!(", {} findings ({})", r.summary.findings, by.join(", "))
                    }
                }
                None => String::new(),
            };
            let exposure = report
                .and_then(|r| r.exposure.as_ref())
                .map(|e| format!(", exposure: {e}"))
                .unwrap_or_default();
            let architecture = s
                .architecture
                .map(|a| format!(" on {a}"))
                .unwrap_or_default();
            // What fails the gate with 2 (see `Verdict::exit_code`): gaps first.
            let evidence = match s.inventory.gaps().count() {
                0 if read_no_evidence(&s.inventory) => ", no dependency evidence read".to_string(),
                0 => String::new(),
                n => format!(", incomplete: {n} not read"),
            };
            format!(
                "scanned      {}  {} packages{findings}, {} layers, runtime {}{architecture}{exposure}{evidence}",
                s.subject,
                s.inventory.packages.len(),
                s.layers.len(),
                s.runtime.as_deref().unwrap_or("unknown")
            )
        }
        ScanOutcome::NotScanned { subject, reason } => {
            format!("not scanned  {subject}  {reason}")
        }
        ScanOutcome::Gone { subject, detail } => format!("gone         {subject}  {detail}"),
    }
}

/// An outcome as JSON: for a scanned subject, its ARN, kind, runtime,
/// architecture, layers and whether any dependency evidence was read
/// (`dependency_evidence`, see [`read_no_evidence`]) around the scan report
/// (inventory contract + findings).
pub fn outcome_json(outcome: &ScanOutcome, report: Option<&ScanReport>) -> serde_json::Value {
    match outcome {
        ScanOutcome::Scanned(s) => {
            let mut v = serde_json::json!({
                "status": "scanned",
                "subject": s.subject,
                "kind": s.kind,
                "runtime": s.runtime,
                "architecture": s.architecture,
                "layers": s.layers,
                "dependency_evidence": !read_no_evidence(&s.inventory),
            });
            let body = match report {
                Some(r) => serde_json::to_value(r),
                None => serde_json::to_value(&s.inventory),
            };
            if let (Some(o), Ok(serde_json::Value::Object(m))) = (v.as_object_mut(), body) {
                o.extend(m);
            }
            v
        }
        ScanOutcome::NotScanned { subject, reason } => serde_json::json!({
            "status": "not_scanned", "subject": subject, "reason": format!("not scanned: {reason}"),
        }),
        ScanOutcome::Gone { subject, detail } => serde_json::json!({
            "status": "gone", "subject": subject, "reason": format!("gone: {detail}"),
        }),
    }
}

/// Matches a scanned outcome against the database, applies the suppression
/// rules of `config`, and prioritises the findings with `signals` and the
/// function's `exposure`.
pub fn matched(
    outcome: &ScanOutcome,
    db: &Database,
    config: Option<&Config>,
    signals: &Signals,
    exposure: Option<&Exposure>,
) -> Option<ScanReport> {
    match outcome {
        ScanOutcome::Scanned(s) => {
            let mut report = analyzer::matching::match_inventory(s.inventory.clone(), db);
            if let Some(config) = config {
                apply_suppressions(&mut report, config, Date::today());
            }
            signals.apply(&mut report, exposure);
            Some(report)
        }
        _ => None,
    }
}

/// Where ASFF findings about a deployed function go: its own account and region.
fn asff_context(subject: &str) -> AsffContext {
    layers::aws::asff::context(subject, rfc3339_now()).unwrap_or_else(|| AsffContext {
        resource_id: Some(subject.to_string()),
        timestamp: rfc3339_now(),
        ..AsffContext::default()
    })
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let region = args.region.clone().or_else(|| {
        layers::aws::arn::FunctionArn::parse(&args.function)
            .ok()
            .map(|a| a.region)
    });
    let options = args.aws.options(region);
    let downloader = args.aws.downloader()?;
    let config = super::input::load_config(args.config.as_deref())?;
    let signals = args.priority.load()?;
    let store = args.store.open()?;
    let db = super::database::database(args.db.as_deref())?;
    let (outcome, exposure) = runtime()?.block_on(async {
        let sdk = layers::aws::config::load(&options, None).await;
        if sdk.region().is_none() {
            anyhow::bail!(
                "no AWS region: give --region, a function ARN, or set AWS_REGION (or a region \
                 in the AWS_PROFILE's ~/.aws/config section)"
            );
        }
        let lambda = layers::aws::config::lambda(&sdk);
        let scanner = Scanner::new(
            lambda.clone(),
            downloader,
            Limits::default(),
            Arc::new(LayerCache::default()),
        );
        let outcome = scanner
            .scan_function(&args.function, args.qualifier.as_deref())
            .await?;
        let exposure = match &outcome {
            ScanOutcome::Scanned(s) => Some(layers::aws::exposure::read(&lambda, &s.subject).await),
            _ => None,
        };
        anyhow::Ok((outcome, exposure))
    })?;
    if let ScanOutcome::Scanned(s) = &outcome {
        for w in &s.inventory.warnings {
            eprintln!("lambda-audit: warning: {w}");
        }
    }
    let report = matched(&outcome, &db, config.as_ref(), &signals, exposure.as_ref());
    if let (ScanOutcome::Scanned(s), Some(r)) = (&outcome, &report) {
        super::store::record(
            store.as_ref(),
            super::store::deployed_subject(s),
            r,
            config.as_ref(),
            store::ScanReason::Function,
        )?;
    }
    let terminal = Terminal::for_output(args.output.as_deref());
    let format = args
        .format
        .unwrap_or(Format::Report(ReportFormat::default_for(terminal.is_tty)));
    let unwritten = match (format, &report) {
        (Format::Report(f), Some(r)) => analyzer::report::no_document(f, r),
        _ => None,
    };
    let text = match (format, &outcome, &report) {
        _ if unwritten.is_some() => Vec::new(),
        (Format::Report(ReportFormat::Json), _, _) => {
            let mut t = serde_json::to_string_pretty(&outcome_json(&outcome, report.as_ref()))?;
            t.push('\n');
            t.into_bytes()
        }
        (Format::Report(f), ScanOutcome::Scanned(s), Some(r)) => {
            let options = RenderOptions {
                color: terminal.color,
                width: terminal.width,
                changes: None,
                asff: asff_context(&s.subject),
                created: Some(rfc3339_now()),
                sort: signals.sort,
            };
            let mut out = Vec::new();
            render(f, r, &options, &mut out)?;
            out
        }
        _ => format!("{}\n", summary_line(&outcome, report.as_ref())).into_bytes(),
    };
    match unwritten {
        Some(why) => eprintln!("lambda-audit: {why}"),
        None => super::scan::write_output(&text, args.output.as_ref())?,
    }
    Ok(match (&outcome, &report) {
        (ScanOutcome::Gone { .. }, _) => crate::EXIT_ERROR,
        (_, Some(r)) => {
            let gate = Gate {
                fail_on: args.fail_on.unwrap_or_default(),
                fail_on_new: false,
                incomplete: FailOnIncomplete::Always,
                ignore_unimported: args.ignore_unimported,
            };
            let mut verdict = gate.verdict(r, None);
            if !args.allow_empty {
                verdict = verdict.require_evidence(&r.inventory);
            }
            super::scan::tell_gaps(&verdict);
            verdict.exit_code()
        }
        _ => 0,
    })
}
