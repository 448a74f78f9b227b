//! `lambda-audit fix`: the fix plan of a scan (`--plan`, the default), and
//! `--apply` to carry out what can be carried out in a project folder:
//! requirement pins and `package.json` overrides. Archives are never edited.

mod render;

use super::database::database;
use super::input::{load_config, read_named_file, DeploymentArgs};
use analyzer::date::Date;
use analyzer::extract::python::Format as PythonFormat;
use analyzer::matching::MatchOptions;
use analyzer::remediation::{self, Plan, ProjectFiles};
use analyzer::suppress::apply_suppressions;
use analyzer::threshold::FailOn;
use analyzer::Limits;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Largest project file (`package.json`, a lockfile, a requirements file)
/// read for a fix: far above any real one.
const MAX_PROJECT_FILE_BYTES: u64 = 64 << 20;

/// The formats of a fix plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub deployment: DeploymentArgs,
    /// Print the plan (the default).
    #[arg(long, conflicts_with = "apply")]
    pub plan: bool,
    /// Edit the project folder: pin fixed versions in requirements*.txt and
    /// add package.json overrides for transitive npm packages.
    #[arg(long)]
    pub apply: bool,
    /// Plan format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Fix only open findings at or above this severity (none, low, medium,
    /// high, critical; default: any open finding).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Advisory database (as `scan --db`).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Suppression rules (default: ./lambda-audit.toml when it exists).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub fn run(mut args: Args) -> anyhow::Result<u8> {
    let folder = args
        .deployment
        .function
        .get_or_insert_with(|| PathBuf::from("."))
        .clone();
    if args.apply && !folder.is_dir() {
        anyhow::bail!(
            "--apply edits a project folder, and {} is not one (an archive is never edited; \
             --plan shows what to change)",
            folder.display()
        );
    }
    let config = load_config(args.config.as_deref())?;
    let extractors = args.deployment.extractors();
    let inventory = args.deployment.inventory(&Limits::default(), &extractors)?;
    let db = database(args.db.as_deref())?;
    let mut report =
        analyzer::matching::match_inventory_with(inventory, &db, MatchOptions::default());
    if let Some(config) = &config {
        apply_suppressions(&mut report, config, Date::today());
    }
    let files = if folder.is_dir() {
        project_files(&folder)?
    } else {
        ProjectFiles::new()
    };
    let plan = remediation::plan(&report, args.fail_on.unwrap_or_default(), &files);
    if args.apply {
        return apply(&plan, &files, &folder);
    }
    let mut out = Vec::new();
    render::render(args.format, &plan, &mut out)?;
    super::scan::write_output(&out, None)?;
    Ok(0)
}

/// Writes the plan's edits into `folder` and says what changed.
fn apply(plan: &Plan, files: &ProjectFiles, folder: &Path) -> anyhow::Result<u8> {
    let edits = remediation::apply(plan, files);
    if edits.is_empty() {
        println!("nothing to apply: no requirement pin or npm override fixes a finding here");
    }
    for edit in &edits {
        let path = folder.join(&edit.path);
        std::fs::write(&path, &edit.text)
            .with_context(|| format!("cannot write {}", path.display()))?;
        for change in &edit.changes {
            println!("{}: {change}", edit.path);
        }
    }
    if edits.iter().any(|e| e.path == "package.json") {
        println!("run `npm install` to update package-lock.json and node_modules, then scan again");
    }
    Ok(0)
}

/// The project files a plan reads and `--apply` edits: `package.json`,
/// `package-lock.json` and the requirements files at the top of `folder` and
/// in its `requirements/` folder.
fn project_files(folder: &Path) -> anyhow::Result<ProjectFiles> {
    let mut files = ProjectFiles::new();
    let mut candidates = vec!["package.json".to_string(), "package-lock.json".to_string()];
    for dir in ["", "requirements"] {
        let Ok(entries) = std::fs::read_dir(folder.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let relative = if dir.is_empty() {
                name
            } else {
                format!("{dir}/{name}")
            };
            if PythonFormat::of_path(&relative) == Some(PythonFormat::Requirements) {
                candidates.push(relative);
            }
        }
    }
    for relative in candidates {
        let path = folder.join(&relative);
        if !path.is_file() {
            continue;
        }
        let bytes = read_named_file(&path, "project file", MAX_PROJECT_FILE_BYTES)?;
        if let Ok(text) = String::from_utf8(bytes) {
            files.insert(relative, text);
        }
    }
    Ok(files)
}
