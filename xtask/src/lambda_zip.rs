//! The deployment zip: one executable `bootstrap`, within Lambda's limits.

use anyhow::{bail, Context};
use std::io::Write;
use std::path::Path;
use zip::write::SimpleFileOptions;

/// Lambda's limit on a function's unzipped code (layers included): 250 MB.
pub const MAX_UNZIPPED_BYTES: u64 = 250 * 1024 * 1024;
/// Lambda's limit on a zip uploaded directly (`--zip-file`): 50 MB. Through
/// S3 the zip may be larger, but the unzipped limit still applies; keeping
/// under both lets either way of deploying work.
pub const MAX_ZIPPED_BYTES: u64 = 50 * 1024 * 1024;

/// The sizes of a written zip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    pub zipped: u64,
    pub unzipped: u64,
}

/// Writes `binary` as `bootstrap` (mode 755, fixed timestamp: the same input
/// gives the same zip) into a new zip at `path`.
pub fn write(path: &Path, binary: &[u8]) -> anyhow::Result<Sizes> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755)
        .last_modified_time(zip::DateTime::default());
    zip.start_file("bootstrap", options)?;
    zip.write_all(binary)?;
    zip.finish()?;
    let zipped = std::fs::metadata(path)?.len();
    Ok(Sizes {
        zipped,
        unzipped: binary.len() as u64,
    })
}

/// Fails when either size passes Lambda's limit.
pub fn check(sizes: Sizes) -> anyhow::Result<()> {
    if sizes.unzipped > MAX_UNZIPPED_BYTES {
        bail!(
            "unzipped code is {} bytes, over Lambda's {MAX_UNZIPPED_BYTES}",
            sizes.unzipped
        );
    }
    if sizes.zipped > MAX_ZIPPED_BYTES {
        bail!(
            "the zip is {} bytes, over Lambda's direct-upload {MAX_ZIPPED_BYTES}",
            sizes.zipped
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn bootstrap_is_executable_and_sizes_are_true() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.zip");
        let binary = vec![7u8; 100_000];
        let sizes = write(&path, &binary).unwrap();
        assert_eq!(sizes.unzipped, 100_000);
        assert_eq!(sizes.zipped, std::fs::metadata(&path).unwrap().len());
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        assert_eq!(archive.len(), 1);
        let mut entry = archive.by_name("bootstrap").unwrap();
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        let mut back = Vec::new();
        entry.read_to_end(&mut back).unwrap();
        assert_eq!(back, binary);
        let again = dir.path().join("u.zip");
        write(&again, &binary).unwrap();
        assert_eq!(
            std::fs::read(&path).unwrap(),
            std::fs::read(&again).unwrap()
        );
    }

    #[test]
    fn limits_are_enforced_at_the_edge() {
        let at = Sizes {
            zipped: MAX_ZIPPED_BYTES,
            unzipped: MAX_UNZIPPED_BYTES,
        };
        assert!(check(at).is_ok());
        assert!(check(Sizes {
            unzipped: MAX_UNZIPPED_BYTES + 1,
            ..at
        })
        .is_err());
        assert!(check(Sizes {
            zipped: MAX_ZIPPED_BYTES + 1,
            ..at
        })
        .is_err());
    }
}
