//! `lambda-audit sbom`: the inventory of a function and its layers.

use super::input::DeploymentArgs;
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
        .inventory(&Limits::default(), &analyzer::extract::all())?;
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
    Ok(0)
}
