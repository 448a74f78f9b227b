//! `lambda-audit db layer`: a Lambda layer zip holding an advisory database
//! as one compiled index file at `lambda-audit/db` (mounted at
//! `/opt/lambda-audit/db`, the post-deploy trigger's default database path):
//! a cold start then maps the index instead of compiling the records.

use crate::commands::database::locations;
use analyzer::advisories::source::LAYER_DB_PATH;
use analyzer::advisories::{DatabaseOrigin, IndexCache};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Lambda's limit on a function's unzipped code and layers together.
pub const LAMBDA_UNZIPPED_LIMIT: u64 = 250 * 1024 * 1024;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The layer zip to write.
    #[arg(long, short, value_name = "FILE")]
    output: PathBuf,
    /// The database to ship (a folder, all.zip or .json record); default: the
    /// one a scan would use (`LAMBDA_AUDIT_DB`, else the cache `db update` fills).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<u8> {
    let locations = locations();
    let source = args
        .db
        .or_else(|| locations.db_env.clone())
        .or_else(|| locations.cache_current())
        .context(
            "no advisory database to ship: run `lambda-audit db update` first, or pass --db PATH",
        )?;
    let compiled = tempfile::tempdir().context("cannot create a temporary folder")?;
    let db = IndexCache::new(compiled.path())
        .open(&source, DatabaseOrigin::Path)
        .with_context(|| format!("cannot compile {}", source.display()))?;
    // The cache folder holds the one index just compiled; a source that is
    // already a compiled index is shipped as it is.
    let index = only_file(compiled.path()).unwrap_or_else(|| source.clone());
    let size = write_layer(&index, &args.output)?;
    println!(
        "{}: {} records compiled into {LAYER_DB_PATH} ({:.1} MB unzipped)",
        args.output.display(),
        db.info().records,
        size as f64 / 1_000_000.0
    );
    if size > LAMBDA_UNZIPPED_LIMIT {
        eprintln!(
            "lambda-audit: warning: the layer is larger than Lambda's {} MiB limit for a \
             function and its layers: ship fewer ecosystems (`db update --ecosystem`) or \
             serve the database from S3 (LAMBDA_AUDIT_DB_S3)",
            LAMBDA_UNZIPPED_LIMIT >> 20
        );
    }
    Ok(0)
}

/// The one file in `dir`, if it holds exactly one.
fn only_file(dir: &Path) -> Option<PathBuf> {
    let mut files = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path());
    let file = files.next()?;
    files.next().is_none().then_some(file)
}

/// Writes a zip holding `index` as [`LAYER_DB_PATH`] to `output` (a
/// temporary file beside it, renamed); returns the unzipped size.
fn write_layer(index: &Path, output: &Path) -> anyhow::Result<u64> {
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temp = tempfile::NamedTempFile::new_in(parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(temp));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file(LAYER_DB_PATH, options)?;
    let mut input =
        std::fs::File::open(index).with_context(|| format!("cannot read {}", index.display()))?;
    let size = std::io::copy(&mut input, &mut zip).context("cannot write the layer")?;
    let temp = zip
        .finish()?
        .into_inner()
        .map_err(|e| e.into_error())
        .context("cannot write the layer")?;
    temp.as_file().sync_all()?;
    temp.persist(output)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", output.display()))?;
    Ok(size)
}
