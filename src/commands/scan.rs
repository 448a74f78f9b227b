//! `lambda-audit scan`: inventory, match against advisories, apply the team's
//! suppressions, compare with a baseline, render, and exit by threshold.

use super::discover::{discover, Target};
use super::input::DeploymentArgs;
use analyzer::advisories::Database;
use analyzer::inventory::Inventory;
use analyzer::Limits;
use anyhow::Context;
use layers::{Artifact, ArtifactRole, Deployment};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub deployment: DeploymentArgs,
    /// Scan the components of a CycloneDX JSON SBOM (by purl) instead of archives.
    #[arg(long, value_name = "BOM.json", conflicts_with_all = ["function", "layers"])]
    pub sbom: Option<PathBuf>,
    /// Advisory database: a directory of <Ecosystem>/all.zip, one all.zip, or OSV
    /// JSON files. Default: $LAMBDA_AUDIT_DB, then the cache filled by `db update`,
    /// then the embedded starter set.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(flatten)]
    pub output: super::output::OutputArgs,
    /// Fail (exit 1) only on findings at or above this severity.
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<analyzer::threshold::FailOn>,
    /// An earlier JSON report, or the currently deployed archive: report what this
    /// deploy adds, removes, upgrades, introduces and fixes.
    #[arg(long, value_name = "OLD")]
    pub baseline: Option<PathBuf>,
    /// Fail only on findings the baseline did not have.
    #[arg(long, requires = "baseline")]
    pub fail_on_new: bool,
    /// Suppression rules (default: ./lambda-audit.toml when present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}
