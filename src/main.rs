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
    /// The fix plan of a scan (`--plan`): the lowest fixed version per package
    /// and where to change it; `--apply` edits a project folder's requirement
    /// pins and package.json overrides.
    Fix(commands::fix::Args),
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
        Command::Fix(args) => commands::fix::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`lambda-audit db info | head`): stop quietly,
        // as other command-line tools do, but never with success: a gate
        // whose report was cut off has not passed.
        Err(e) if is_broken_pipe(&e) => ExitCode::from(EXIT_ERROR),
        Err(e) => {
            eprintln!("lambda-audit: error: {}", describe_error(&e));
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

/// The error and its causes joined by `: `, each said once. Many errors print
/// their source in their own message and also return it from `source()`
/// (thiserror's `{source}` with `#[source]`); walking the chain blindly would
/// then print `... (os error 2): No such file or directory (os error 2)`.
/// The one place that fixes it: a cause already in the text is skipped.
fn describe_error(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if part.is_empty() || text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::describe_error;

    #[derive(Debug, thiserror::Error)]
    #[error("f.zip: cannot read: {source}")]
    struct Wrapped {
        source: std::io::Error,
    }

    #[test]
    fn each_cause_is_said_once() {
        let os = || std::io::Error::from_raw_os_error(2);
        let wrapped = anyhow::Error::new(Wrapped { source: os() }).context("cannot read layer");
        let text = describe_error(&wrapped);
        assert_eq!(text.matches("(os error 2)").count(), 1, "{text}");
        assert!(
            text.starts_with("cannot read layer: f.zip: cannot read: "),
            "{text}"
        );
        let plain = anyhow::Error::new(os()).context("cannot read the current directory");
        let text = describe_error(&plain);
        assert!(
            text.starts_with("cannot read the current directory: "),
            "{text}"
        );
        assert!(text.ends_with("(os error 2)"), "{text}");
    }
}
