//! Reading a file the caller names (a command-line option, an environment
//! variable, a deployment setting): only a regular file, so that a FIFO never
//! blocks and a device is never read, and never more than a cap. The one
//! capped reader of named files for the command line and the trigger alike.

use std::io::Read;
use std::path::Path;

/// A named file that cannot be used, naming `what` it
/// is for; the OS error appears once, at the end.
#[derive(Debug, thiserror::Error)]
pub enum NamedFileError {
    #[error("cannot read {what} {path}: {source}")]
    Io {
        what: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("{what} {path} is not a regular file ({kind})")]
    NotRegular {
        what: &'static str,
        path: String,
        kind: &'static str,
    },
    #[error("{what} {path} is {size} bytes, over the limit of {limit} bytes")]
    TooLarge {
        what: &'static str,
        path: String,
        size: u64,
        limit: u64,
    },
}

/// Opens a named file (`what` says which: "SBOM",
/// "baseline"...) after checking that it is a regular file, so that a FIFO
/// never blocks and a device is never read; returns it with its size.
pub fn open_named_file(
    path: &Path,
    what: &'static str,
) -> Result<(std::fs::File, u64), NamedFileError> {
    let name = || path.display().to_string();
    let io = |source| NamedFileError::Io {
        what,
        path: name(),
        source,
    };
    let kind = std::fs::metadata(path).map_err(io)?.file_type();
    if !kind.is_file() {
        return Err(NamedFileError::NotRegular {
            what,
            path: name(),
            kind: file_kind(kind),
        });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // Checked again on the open file: what was opened is what is read.
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(NamedFileError::NotRegular {
            what,
            path: name(),
            kind: file_kind(meta.file_type()),
        });
    }
    Ok((file, meta.len()))
}

/// Reads a named file whole: a regular file (see
/// [`open_named_file`]) of at most `limit` bytes, never more (a file that
/// grows while it is read is cut at the limit and refused).
pub fn read_named_file(
    path: &Path,
    what: &'static str,
    limit: u64,
) -> Result<Vec<u8>, NamedFileError> {
    let (file, size) = open_named_file(path, what)?;
    let too_large = |size| NamedFileError::TooLarge {
        what,
        path: path.display().to_string(),
        size,
        limit,
    };
    if size > limit {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| NamedFileError::Io {
            what,
            path: path.display().to_string(),
            source,
        })?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// What a file that is not a regular file is, for messages.
fn file_kind(kind: std::fs::FileType) -> &'static str {
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        } else if kind.is_char_device() {
            return "a character device";
        } else if kind.is_block_device() {
            return "a block device";
        } else if kind.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_over_the_cap_or_not_regular_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kev.json");
        std::fs::write(&file, b"12345").unwrap();
        assert_eq!(read_named_file(&file, "KEV catalog", 5).unwrap(), b"12345");
        let e = read_named_file(&file, "KEV catalog", 4).unwrap_err();
        assert!(
            matches!(
                e,
                NamedFileError::TooLarge {
                    size: 5,
                    limit: 4,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().starts_with("KEV catalog "), "{e}");
        let e = read_named_file(dir.path(), "EPSS file", 4).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("is not a regular file (a directory)"),
            "{e}"
        );
        let e = read_named_file(&dir.path().join("nope"), "EPSS file", 4).unwrap_err();
        assert!(e.to_string().starts_with("cannot read EPSS file "), "{e}");
    }
}
