//! `package-trigger`: build, check and zip the trigger for each architecture.

use crate::arch::Arch;
use crate::{elf_check, lambda_zip};
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate and binary packaged as `bootstrap`.
const PACKAGE: &str = "lambda-audit-trigger";

/// Builds and packages every architecture in `archs`, then reports each
/// zip's sizes; fails if any build, check or size limit failed.
pub fn run(archs: &[Arch], profile: &str, out: Option<&Path>) -> anyhow::Result<()> {
    let root = workspace_root();
    let out = out.map_or_else(|| target_dir(&root).join("lambda"), Path::to_path_buf);
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut failures = Vec::new();
    for &arch in archs {
        match package(&root, arch, profile, &out) {
            Ok((zip, sizes)) => println!(
                "{arch}: {} ({} bytes zipped, {} bytes unzipped)",
                zip.display(),
                sizes.zipped,
                sizes.unzipped
            ),
            Err(e) => {
                eprintln!("{arch}: {e:#}");
                failures.push(arch.lambda_name());
            }
        }
    }
    if !failures.is_empty() {
        bail!("packaging failed for {}", failures.join(", "));
    }
    Ok(())
}

fn package(
    root: &Path,
    arch: Arch,
    profile: &str,
    out: &Path,
) -> anyhow::Result<(PathBuf, lambda_zip::Sizes)> {
    build(root, arch, profile)?;
    let profile_dir = if profile == "dev" { "debug" } else { profile };
    let binary_path = target_dir(root)
        .join(arch.triple())
        .join(profile_dir)
        .join(PACKAGE);
    let binary = std::fs::read(&binary_path)
        .with_context(|| format!("cannot read the built {}", binary_path.display()))?;
    elf_check::check(&elf_check::inspect(&binary)?, arch)?;
    let zip = out.join(format!("{PACKAGE}-{arch}.zip"));
    let sizes = lambda_zip::write(&zip, &binary)?;
    lambda_zip::check(sizes)?;
    Ok((zip, sizes))
}

/// `cargo build` of the trigger for `arch`; a cross build links and compiles
/// C with the GNU cross toolchain (`<prefix>-gcc`, `<prefix>-ar`).
fn build(root: &Path, arch: Arch, profile: &str) -> anyhow::Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(root).args([
        "build",
        "--locked",
        "--profile",
        profile,
        "--package",
        PACKAGE,
        "--target",
        arch.triple(),
    ]);
    if !target_installed(arch.triple()) {
        bail!(
            "the Rust target {} is not installed: `rustup target add {}`",
            arch.triple(),
            arch.triple()
        );
    }
    if Arch::host() != Some(arch) {
        let gcc = format!("{}-gcc", arch.gnu_prefix());
        if !on_path(&gcc) {
            bail!(
                "cross-building for {arch} needs the Rust target and a GNU cross toolchain: \
                 `rustup target add {}` and `{gcc}` on PATH (Debian/Ubuntu: \
                 `apt-get install gcc-{}`)",
                arch.triple(),
                arch.gnu_prefix()
            );
        }
        let triple_env = arch.triple().replace('-', "_");
        command
            .env(
                format!("CARGO_TARGET_{}_LINKER", triple_env.to_uppercase()),
                &gcc,
            )
            .env(format!("CC_{triple_env}"), &gcc)
            .env(
                format!("AR_{triple_env}"),
                format!("{}-ar", arch.gnu_prefix()),
            );
    }
    let status = command.status().context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo build for {} failed ({status})", arch.triple());
    }
    Ok(())
}

/// True when the standard library for `triple` is installed (its target
/// library folder exists), whatever installed the toolchain.
fn target_installed(triple: &str) -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    Command::new(rustc)
        .args(["--print", "target-libdir", "--target", triple])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        .is_some_and(|dir| dir.is_dir())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}

/// The workspace root: xtask's parent folder.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}
