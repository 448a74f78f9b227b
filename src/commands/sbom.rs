//! `lambda-audit sbom`: the inventory of a function and its layers.

use super::input::DeploymentArgs;
use analyzer::Limits;
use std::io::Write;
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
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    if args.deployment.function.is_none() && args.deployment.layers.is_empty() {
        anyhow::bail!("nothing to read: give a function archive or folder, or --layer");
    }
    let deployment = args.deployment.open(&Limits::default())?;
    let inventory = deployment.inventory(&analyzer::extract::all());
    for w in &inventory.warnings {
        eprintln!("lambda-audit: warning: {w}");
    }
    let mut text = match args.format {
        Format::Json => serde_json::to_string_pretty(&inventory)?,
        Format::Cyclonedx => anyhow::bail!("cyclonedx output is not available yet"),
    };
    text.push('\n');
    match args.output {
        Some(path) => std::fs::write(&path, text)?,
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(0)
}
