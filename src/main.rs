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
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`lambda-audit db info | head`): stop quietly,
        // as other command-line tools do, but never with success: a gate
        // whose report was cut off has not passed.
        Err(e) if is_broken_pipe(&e) => ExitCode::from(EXIT_ERROR),
        Err(e) => {
            eprintln!("lambda-audit: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// True when writing to standard output failed because its reader closed it.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
