//! `lambda-audit account`: scan every function of an account.

use super::async_runtime::runtime;
use super::function::{matched, outcome_json, summary_line, AwsArgs, Format};
use super::store::StoreArgs;
use analyzer::report::Format as ReportFormat;
use analyzer::threshold::{FailOn, FailOnIncomplete, Gate, EXIT_FINDINGS};
use analyzer::Limits;
use layers::aws::account::{self, Finished};
use layers::aws::ScanOutcome;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A region to list; repeat for several (the configured region when absent).
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Functions scanned at the same time.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Advisory database (as for `scan --db`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Output format: summary (one line per function) or json.
    #[arg(long, default_value = "summary")]
    pub format: Format,
    /// Write the results to FILE instead of standard output.
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
    /// Accept functions whose scan read no dependency evidence at all (no
    /// installed package, lockfile or pinned requirement in their code or
    /// layers); by default each is named and the command exits 2, as `scan`
    /// and `function` do for one.
    #[arg(long)]
    pub allow_empty: bool,
    #[command(flatten)]
    pub priority: super::priority::PriorityArgs,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    if !matches!(
        args.format,
        Format::Summary | Format::Report(ReportFormat::Json)
    ) {
        anyhow::bail!(
            "account prints `summary` or `json`; use `function` for the other report formats"
        );
    }
    let options = args.aws.options(None);
    let downloader = args.aws.downloader()?;
    let config = super::input::load_config(args.config.as_deref())?;
    let signals = args.priority.load()?;
    let store = args.store.open()?;
    let db = super::database::database(args.db.as_deref())?;
    let gate = Gate {
        fail_on: args.fail_on.unwrap_or_default(),
        fail_on_new: false,
        incomplete: FailOnIncomplete::Always,
        ignore_unimported: args.ignore_unimported,
    };
    let json = !matches!(args.format, Format::Summary);
    // Each function is matched, recorded and turned into its output as its
    // scan ends; its inventory goes then (see `account::stream_account`).
    let mut listed_functions: Vec<String> = Vec::new();
    let mut items: Vec<Option<String>> = Vec::new();
    let (mut failed, mut incomplete, mut failing) = (0usize, false, false);
    // Functions scanned without any dependency evidence, named at the end.
    let mut empty: Vec<String> = Vec::new();
    let mut record_error: Option<anyhow::Error> = None;
    let mut listed = |region: &str, functions: usize| {
        eprintln!("lambda-audit: {region}: {functions} functions");
    };
    let mut each = |f: Finished| {
        let Finished {
            index,
            done,
            total,
            result,
        } = f;
        let report = result
            .outcome
            .as_ref()
            .ok()
            .and_then(|o| matched(o, &db, config.as_ref(), &signals, result.exposure.as_ref()));
        let line = match &result.outcome {
            Ok(o) => summary_line(o, report.as_ref()),
            Err(e) => format!("failed       {}  {e}", result.function),
        };
        eprintln!("lambda-audit: [{done}/{total}] {line}");
        if let (Ok(ScanOutcome::Scanned(s)), Some(r)) = (&result.outcome, &report) {
            if record_error.is_none() {
                record_error = super::store::record(
                    store.as_ref(),
                    super::store::deployed_subject(s),
                    r,
                    config.as_ref(),
                    store::ScanReason::Account,
                )
                .err();
            }
        }
        if let (Ok(o), Some(r)) = (&result.outcome, &report) {
            let mut verdict = gate.verdict(r, None);
            if !args.allow_empty {
                verdict = verdict.require_evidence(&r.inventory);
            }
            incomplete |= verdict.incomplete;
            if verdict.empty {
                empty.push(o.subject().to_string());
            }
            failing |= verdict.exit_code() == EXIT_FINDINGS;
        }
        let item = match (&result.outcome, json) {
            (_, false) => line,
            (Ok(o), true) => outcome_json(o, report.as_ref()).to_string(),
            (Err(e), true) => serde_json::json!({
                "status": "failed", "subject": result.function, "reason": e.to_string(),
            })
            .to_string(),
        };
        failed += usize::from(result.outcome.is_err());
        if items.len() < total {
            items.resize(total, None);
        }
        items[index] = Some(item);
        listed_functions.push(result.function);
    };
    let layers = runtime()?.block_on(account::stream_account(
        &options,
        &args.regions,
        usize::from(args.concurrency),
        downloader,
        Limits::default(),
        &mut listed,
        &mut each,
    ))?;
    if let Some(e) = record_error {
        return Err(e);
    }
    let items: Vec<String> = items.into_iter().flatten().collect();
    eprintln!(
        "lambda-audit: {} functions, {} layer versions downloaded",
        items.len(),
        layers.downloads()
    );
    super::store::close_deleted_functions(store.as_ref(), &listed_functions)?;
    let mut text = if json {
        let items: Vec<serde_json::Value> = items
            .iter()
            .map(|i| serde_json::from_str(i))
            .collect::<Result<_, _>>()?;
        serde_json::to_string_pretty(&serde_json::json!({ "functions": items }))?
    } else {
        items.join("\n")
    };
    if !text.is_empty() {
        text.push('\n');
    }
    match &args.output {
        Some(path) => std::fs::write(path, text)?,
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    if !empty.is_empty() {
        empty.sort();
        eprintln!(
            "lambda-audit: error: {} function(s) read no dependency evidence (no installed \
             package, lockfile or pinned requirement in their code or layers), so nothing was \
             checked for them (exit 2; `--allow-empty` accepts them, the tag {} excludes a \
             function): {}",
            empty.len(),
            account::EXCLUDE_TAG,
            empty.join(", ")
        );
    }
    Ok(if failed > 0 || incomplete || !empty.is_empty() {
        crate::EXIT_ERROR
    } else if failing {
        EXIT_FINDINGS
    } else {
        0
    })
}
