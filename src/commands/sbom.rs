//! `lambda-audit sbom`: the inventory of a function and its layers.

use super::input::DeploymentArgs;
use analyzer::threshold::{FailOnIncomplete, Gate};
use analyzer::Limits;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub deployment: DeploymentArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 2 when a limit or a read error kept evidence from being read
    /// (always, the default), or accept an incomplete inventory (never): the
    /// files not read are listed either way, on standard error and in the SBOM.
    #[arg(long, value_name = "WHEN", default_value_t = FailOnIncomplete::Always)]
    pub fail_on_incomplete: FailOnIncomplete,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Format {
    Json,
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    if args.deployment.function.is_none() && args.deployment.layers.is_empty() {
        anyhow::bail!("nothing to read: give a function archive or folder, or --layer");
    }
    let inventory = args
        .deployment
        .inventory(&Limits::default(), &args.deployment.extractors())?;
    for w in &inventory.warnings {
        eprintln!("lambda-audit: warning: {w}");
    }
    let format = match args.format {
        Format::Json => analyzer::report::Format::Json,
        Format::Cyclonedx => analyzer::report::Format::Cyclonedx,
        Format::Spdx => analyzer::report::Format::Spdx,
    };
    let mut out = Vec::new();
    let created = analyzer::date::rfc3339_now();
    analyzer::report::render_sbom(format, &inventory, &created, &mut out)?;
    super::scan::write_output(&out, args.output.as_ref())?;
    let gate = Gate {
        incomplete: args.fail_on_incomplete,
        ..Gate::default()
    };
    let verdict = gate.coverage_verdict(&inventory);
    super::scan::tell_gaps(&verdict);
    Ok(verdict.exit_code())
}
