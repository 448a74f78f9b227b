//! The findings store from the command line: where it is (`--store`,
//! `LAMBDA_AUDIT_STORE`, the user's data folder), opening it, and recording
//! a scan into it.

use analyzer::findings::ScanReport;
use analyzer::suppress::Config;
use anyhow::Context;
use std::path::{Path, PathBuf};
use store::{FindingStore, ScanReason, Subject};

/// Environment variable naming the store (as `--store`).
pub const STORE_ENV: &str = "LAMBDA_AUDIT_STORE";

/// `--store` for the commands that always use the store.
#[derive(clap::Args, Debug, Clone)]
pub struct StoreArgs {
    /// The findings store (a SQLite file, created when missing). Default:
    /// $LAMBDA_AUDIT_STORE, else $XDG_DATA_HOME/lambda-audit/store.db, else
    /// ~/.local/share/lambda-audit/store.db.
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
}

impl StoreArgs {
    /// Opens the store these arguments name.
    pub fn open(&self) -> anyhow::Result<Box<dyn FindingStore>> {
        open(&self.path()?)
    }

    /// `--store`, else `LAMBDA_AUDIT_STORE`, else the default path.
    pub fn path(&self) -> anyhow::Result<PathBuf> {
        if let Some(path) = &self.store {
            return Ok(path.clone());
        }
        default_path().context(
            "no place for the findings store: set LAMBDA_AUDIT_STORE or HOME, or pass --store PATH",
        )
    }
}

/// `$LAMBDA_AUDIT_STORE`, else `$XDG_DATA_HOME/lambda-audit/store.db`, else
/// `~/.local/share/lambda-audit/store.db` (empty variables count as unset),
/// as `database::locations` finds the cache.
pub fn default_path() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var(STORE_ENV).or_else(|| {
        var("XDG_DATA_HOME")
            .or_else(|| var("HOME").map(|h| h.join(".local/share")))
            .map(|d| d.join("lambda-audit").join("store.db"))
    })
}

/// Opens the store at `path` with the backend that takes it.
pub fn open(path: &Path) -> anyhow::Result<Box<dyn FindingStore>> {
    Ok(store::open(&path.display().to_string())?)
}

/// Records `report` (matched, `config`'s suppressions applied) as a scan of
/// `subject` now, and says what changed on stderr.
pub fn record(
    store: &dyn FindingStore,
    subject: Subject,
    report: &ScanReport,
    config: Option<&Config>,
    reason: ScanReason,
) -> anyhow::Result<()> {
    let key = subject.key.clone();
    let recorded = store::record(store, subject, report, config, reason, store::time::now())?;
    let count = |t: store::Transition| {
        recorded
            .changes
            .iter()
            .filter(|c| c.transition == Some(t))
            .count()
    };
    let (new, reopened, closed) = (
        count(store::Transition::New),
        count(store::Transition::Reopened),
        count(store::Transition::Closed),
    );
    if new + reopened + closed > 0 {
        eprintln!(
            "lambda-audit: store: {key}: {new} new, {reopened} reopened, {closed} closed; {} active",
            recorded.active
        );
    }
    Ok(())
}

/// The subject of a local scan: the function archive (else the SBOM, else
/// the first layer, else the current folder) by its absolute path, with the
/// SHA-256 of its content when it is a file, and the layers as the report
/// names them.
pub fn local_subject(
    deployment: &super::input::DeploymentArgs,
    sbom: Option<&Path>,
) -> anyhow::Result<Subject> {
    let path = match sbom
        .map(Path::to_path_buf)
        .or_else(|| deployment.function.clone())
        .or_else(|| deployment.layers.first().cloned())
    {
        Some(path) => path,
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    let key = std::path::absolute(&path)
        .with_context(|| format!("cannot resolve {}", path.display()))?
        .display()
        .to_string();
    let code_sha256 = if path.is_file() {
        Some(file_sha256(&path)?)
    } else {
        None
    };
    Ok(Subject {
        key,
        kind: store::SubjectKind::Artifact,
        code_sha256,
        layers: deployment
            .layers
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        exposure: None,
    })
}

/// The SHA-256 (hex) of a file's content, read in a stream.
fn file_sha256(path: &Path) -> anyhow::Result<String> {
    use sha2::Digest;
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hasher)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(hex::encode(hasher.finalize()))
}

/// The subject of a deployed function version (or layer version) scan.
pub fn deployed_subject(s: &layers::aws::Scanned) -> Subject {
    Subject {
        key: s.subject.clone(),
        kind: match s.kind {
            layers::aws::SubjectKind::Function => store::SubjectKind::Function,
            layers::aws::SubjectKind::Layer => store::SubjectKind::Layer,
        },
        code_sha256: s.code_sha256.clone(),
        layers: s.layers.clone(),
        // Recorded from the report (see `store::Observation::from_report`).
        exposure: None,
    }
}

/// Closes, as `function_deleted`, the stored functions of every account and
/// region the listing covered that the listing no longer has. A region whose
/// listing was empty names no account, so nothing of it is closed.
pub fn close_deleted_functions(store: &dyn FindingStore, listed: &[String]) -> anyhow::Result<()> {
    use layers::aws::arn::FunctionArn;
    let arns: Vec<FunctionArn> = listed
        .iter()
        .filter_map(|function| FunctionArn::parse(function).ok())
        .collect();
    let scopes: std::collections::BTreeSet<(String, String, String)> = arns
        .iter()
        .map(|a| (a.partition.clone(), a.region.clone(), a.account.clone()))
        .collect();
    let present: std::collections::HashSet<String> = arns.iter().map(|a| a.unqualified()).collect();
    let now = store::time::now();
    for record in store.subjects()? {
        if record.deleted_at.is_some() || record.subject.kind != store::SubjectKind::Function {
            continue;
        }
        let Ok(arn) = FunctionArn::parse(&record.subject.key) else {
            continue;
        };
        let scope = (
            arn.partition.clone(),
            arn.region.clone(),
            arn.account.clone(),
        );
        if scopes.contains(&scope) && !present.contains(&arn.unqualified()) {
            let closed = store::close_subject(
                store,
                &record.subject.key,
                store::CloseReason::FunctionDeleted,
                ScanReason::Account,
                now,
            )?;
            eprintln!(
                "lambda-audit: store: {}: deleted; {} findings closed",
                record.subject.key,
                closed.changes.len()
            );
        }
    }
    Ok(())
}
