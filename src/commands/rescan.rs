//! `lambda-audit rescan`: re-match every stored inventory against the
//! current advisory database, without fetching code; print what changed.
//! [`rescan`] is the entry point `db update --rescan` uses too.

use super::findings::as_report;
use super::priority::SignalArgs;
use super::scan::write_output;
use super::store::StoreArgs;
use super::terminal::Terminal;
use analyzer::advisories::Database;
use analyzer::inventory::ToolInfo;
use analyzer::prioritize::Signals;
use analyzer::report::{render, Format, RenderOptions};
use analyzer::suppress::Config;
use analyzer::threshold::{FailOn, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use std::path::PathBuf;
use store::{FindingStore, RescanOptions, RescanOutcome, Retention, StoredFinding, Transition};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Advisory database (as for `scan --db`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Suppression rules (default: ./lambda-audit.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// KEV and EPSS, from the same sources as `scan`: the rescanned
    /// findings keep (or gain) `kev`, `epss` and their risk score.
    #[command(flatten)]
    pub signals: SignalArgs,
    /// Exit 1 when the rescan made a finding ACTIVE (new, reopened,
    /// unsuppressed) at or above this threshold: none, low, medium, high,
    /// critical, any (the default), kev or risk:N.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Days closed findings are kept before the rescan prunes them.
    #[arg(long, value_name = "DAYS", default_value_t = Retention::DEFAULT_DAYS)]
    pub retention_days: u32,
    /// table (default on a terminal), json (default otherwise), markdown, sarif.
    #[arg(long, short, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Write the result to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl Args {
    /// The arguments of a plain `lambda-audit rescan` (what `db update
    /// --rescan` runs).
    pub fn defaults() -> Args {
        Args {
            store: StoreArgs { store: None },
            db: None,
            config: None,
            signals: SignalArgs::default(),
            fail_on: None,
            retention_days: Retention::DEFAULT_DAYS,
            format: None,
            output: None,
        }
    }
}

/// Rescans `store` against `db` now with `config`'s suppressions and
/// `signals` (KEV, EPSS), pruning closed findings older than `retention`.
pub fn rescan(
    store: &dyn FindingStore,
    db: &Database,
    config: Option<&Config>,
    signals: &Signals,
    retention: Retention,
) -> anyhow::Result<RescanOutcome> {
    let options = RescanOptions {
        config,
        signals,
        now: store::time::now(),
        retention,
    };
    Ok(store::rescan(store, db, &options)?)
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let config = super::input::load_config(args.config.as_deref())?;
    let signals = args.signals.load()?;
    let store = args.store.open()?;
    let db = super::database::database(args.db.as_deref())?;
    let outcome = rescan(
        store.as_ref(),
        &db,
        config.as_ref(),
        &signals,
        Retention {
            days: args.retention_days,
        },
    )?;
    for w in &outcome.warnings {
        eprintln!("lambda-audit: warning: {w}");
    }
    for (subject, reason) in &outcome.failed {
        eprintln!("lambda-audit: error: {subject}: {reason}");
    }
    let terminal = Terminal::for_output(args.output.as_deref());
    let format = args.format.unwrap_or(Format::default_for(terminal.is_tty));
    let out = match format {
        Format::Json => {
            let mut text = serde_json::to_vec_pretty(&json(&outcome))?;
            text.push(b'\n');
            text
        }
        Format::Table => table(&outcome).into_bytes(),
        Format::Markdown | Format::Sarif => {
            let report = as_report(outcome.activated());
            let options = RenderOptions {
                color: terminal.color,
                width: terminal.width,
                changes: None,
                asff: Default::default(),
                created: None,
                sort: Default::default(),
            };
            let mut out = Vec::new();
            render(format, &report, &options, &mut out)?;
            out
        }
        other => anyhow::bail!("rescan prints table, json, markdown or sarif, not {other}"),
    };
    write_output(&out, args.output.as_ref())?;
    Ok(exit_code(&outcome, args.fail_on.unwrap_or_default()))
}

/// 2 when a subject could not be rescanned; 1 when a finding the rescan made
/// ACTIVE meets `threshold` (its rating, or for `kev` and `risk:N` its KEV
/// entry and risk score, which a rescan joins as a scan does); else 0.
pub fn exit_code(outcome: &RescanOutcome, threshold: FailOn) -> u8 {
    let failing = match threshold {
        FailOn::KnownExploited => outcome.activated_known_exploited > 0,
        FailOn::RiskAtLeast(min) => outcome.activated_top_risk.is_some_and(|top| top >= min),
        other => outcome
            .activated_ratings
            .iter()
            .any(|rating| other.counts(*rating)),
    };
    if !outcome.failed.is_empty() {
        EXIT_ERROR
    } else if failing {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// The JSON of a rescan: `tool`, `database`, `summary`, then the findings
/// each transition moved, in their new state (the `findings` contract).
pub fn json(outcome: &RescanOutcome) -> serde_json::Value {
    serde_json::json!({
        "tool": ToolInfo::default(),
        "database": outcome.database,
        "summary": {
            "subjects": outcome.subjects,
            "rematched": outcome.rematched,
            "new": outcome.count(Transition::New),
            "reopened": outcome.count(Transition::Reopened),
            "closed": outcome.count(Transition::Closed),
            "suppressed": outcome.count(Transition::Suppressed),
            "unsuppressed": outcome.count(Transition::Unsuppressed),
            "truncated": outcome.truncated(),
            "active": outcome.active,
            "pruned": outcome.pruned,
            "failed": outcome.failed.len(),
        },
        "new": outcome.new,
        "reopened": outcome.reopened,
        "closed": outcome.closed,
        "suppressed": outcome.suppressed,
        "unsuppressed": outcome.unsuppressed,
        "failed": outcome.failed.iter().map(|(subject, reason)| {
            serde_json::json!({ "subject": subject, "reason": reason })
        }).collect::<Vec<_>>(),
        "warnings": outcome.warnings,
    })
}

/// One line per change, then the counts.
fn table(outcome: &RescanOutcome) -> String {
    let mut out = String::new();
    let lists: [(&str, &Vec<StoredFinding>); 5] = [
        ("new", &outcome.new),
        ("reopened", &outcome.reopened),
        ("unsuppressed", &outcome.unsuppressed),
        ("suppressed", &outcome.suppressed),
        ("closed", &outcome.closed),
    ];
    for (what, list) in lists {
        for f in list {
            let p = &f.finding.package;
            let mut line = format!(
                "{what:<12} {:<8} {} in {} {} ({})  {}",
                f.finding.severity.rating.name().to_ascii_uppercase(),
                f.finding.id,
                p.name,
                p.version,
                p.ecosystem,
                f.subject
            );
            if let Some(reason) = f.close_reason {
                line.push_str(&format!("  ({})", reason.describe()));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "rescanned {} subjects: {} new, {} reopened, {} closed; {} active; {} pruned\n",
        outcome.subjects,
        outcome.count(Transition::New),
        outcome.count(Transition::Reopened),
        outcome.count(Transition::Closed),
        outcome.active,
        outcome.pruned
    ));
    out
}
