//! Scans one folder with every extractor and prints what it found and the
//! process's peak memory: the tool behind the manifest parsers' memory
//! figures in the README (`cargo run --release -p lambda-audit-analyzer
//! --example scan_folder -- DIR`, under `/usr/bin/time -v` for the whole
//! picture).

use lambda_audit_analyzer::extract::{all, scan_tree};
use lambda_audit_analyzer::{ArchiveTree, Limits};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args_os().nth(1).ok_or("usage: scan_folder DIR")?;
    let tree = ArchiveTree::open_path(dir.as_ref(), &Limits::default())?;
    let bytes: u64 = tree.files.iter().map(|f| f.size).sum();
    let scan = scan_tree(&tree, &all());
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .unwrap_or("VmHWM: unknown");
    println!(
        "{} files, {bytes} bytes; {} packages, {} skipped, {} warnings; {peak}",
        tree.files.len(),
        scan.packages.len(),
        scan.skipped.len(),
        scan.warnings.len()
    );
    for w in scan.warnings.iter().take(5) {
        println!("warning: {w}");
    }
    Ok(())
}
