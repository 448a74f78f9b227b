//! `cargo xtask`: build tasks that need more than one cargo command.
//!
//! `cargo xtask package-trigger [--arch x86_64|arm64|all] [--profile P]`
//! builds `lambda-audit-trigger` for Lambda's `provided.al2023` runtime, checks
//! the binary (architecture, glibc symbol versions the runtime has), and writes
//! `lambda-audit-trigger-<arch>.zip` with `bootstrap` inside, failing when the
//! zip or the unzipped code passes Lambda's size limits.

mod arch;
mod elf_check;
mod lambda_zip;
mod package;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "lambda-audit build tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build lambda-audit-trigger.zip (bootstrap) for Lambda, per architecture.
    PackageTrigger {
        /// x86_64, arm64, or all.
        #[arg(long, default_value = "all")]
        arch: arch::Selection,
        /// Cargo profile: release (default) or dist (LTO, slower to build).
        #[arg(long, default_value = "release")]
        profile: String,
        /// Folder for the zips (default: target/lambda).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::PackageTrigger { arch, profile, out } => {
            package::run(&arch.archs(), &profile, out.as_deref())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}
