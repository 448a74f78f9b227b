//! `lambda-audit sbom`: the inventory of a function and its layers.
//!
//! Of `scan`'s options, those that describe the deployment apply here too:
//! `--runtime`, `--architecture` (which copies Lambda loads, which packages
//! are for another platform) and `--handler` (each npm and Python package's
//! import reachability: `reachability` in the JSON inventory, a
//! `lambda-audit:reachability` property in CycloneDX). Those that describe
//! findings do not: an SBOM lists packages, not vulnerabilities, so there is
//! nothing for `--kev`, `--epss` or `--vex` to annotate, for `--sort` to
//! order or for `--ignore-unimported` to leave out of a gate. They are
//! refused with that reason (exit 2) rather than silently ignored.

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
    #[command(flatten)]
    pub finding_options: FindingOptions,
}

/// `scan`'s options about findings, accepted here only to refuse them with
/// the reason (see the [module](self) documentation).
#[derive(clap::Args, Debug, Default)]
pub struct FindingOptions {
    #[arg(long, hide = true, value_name = "FILE")]
    kev: Option<PathBuf>,
    #[arg(long, hide = true, value_name = "FILE")]
    epss: Option<PathBuf>,
    #[arg(long, hide = true, value_name = "FILE")]
    vex: Vec<PathBuf>,
    #[arg(long, hide = true, value_name = "ORDER")]
    sort: Option<String>,
    #[arg(long, hide = true)]
    ignore_unimported: bool,
}

impl FindingOptions {
    /// An error naming the first option given, and why it does not apply.
    fn refuse(&self) -> anyhow::Result<()> {
        let given = [
            ("--kev", self.kev.is_some()),
            ("--epss", self.epss.is_some()),
            ("--vex", !self.vex.is_empty()),
            ("--sort", self.sort.is_some()),
            ("--ignore-unimported", self.ignore_unimported),
        ];
        match given.iter().find(|(_, set)| *set) {
            Some((flag, _)) => anyhow::bail!(
                "{flag} does not apply to `sbom`: an SBOM lists packages, not findings; \
                 use `lambda-audit scan` (e.g. `--format cyclonedx` for an SBOM with its vulnerabilities)"
            ),
            None => Ok(()),
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum Format {
    Json,
    Cyclonedx,
    /// SPDX 2.3 JSON.
    Spdx,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    args.finding_options.refuse()?;
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
