//! The `lambda-audit` command line.

mod commands;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Find known vulnerabilities in AWS Lambda functions and layers, before and after deploy.
#[derive(Parser)]
#[command(name = "lambda-audit", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Find known vulnerabilities in a function and its layers, a project folder,
    /// or a CycloneDX SBOM.
    Scan(commands::scan::Args),
    /// List every dependency of a function and its layers (an SBOM).
    Sbom(commands::sbom::Args),
    /// Scan a deployed function and its layers (downloaded from AWS).
    Function(commands::function::Args),
    /// Scan every function of an account, in one or more regions.
    Account(commands::account::Args),
    /// Manage the advisory database: `db update`, `db info`.
    Db(commands::db::Args),
    /// Re-match every stored inventory against the current advisory database
    /// (no code fetched); print new, reopened and closed findings.
    Rescan(commands::rescan::Args),
    /// List the findings in the store, or per layer version with its blast radius.
    Findings(commands::findings::Args),
}

/// Exit code for an unreadable artifact or wrong usage.
pub const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Scan(args) => commands::scan::run(args),
        Command::Sbom(args) => commands::sbom::run(args),
        Command::Function(args) => commands::function::run(args),
        Command::Account(args) => commands::account::run(args),
        Command::Db(args) => commands::db::run(args),
        Command::Rescan(args) => commands::rescan::run(args),
        Command::Findings(args) => commands::findings::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("lambda-audit: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
