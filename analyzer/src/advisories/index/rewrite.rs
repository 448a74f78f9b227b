//! A copy of an index with another header: the records and the structure
//! are the same bytes (copied by the kernel where it can), the header and
//! footer are written anew. What a cache uses to give an index to the same
//! bytes in another folder, or to record fingerprints that settled.

use super::format::{Layout, Section, FOOTER_LEN};
use super::reader::Index;
use super::{Header, TEMP_PREFIX};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use xxhash_rust::xxh3::xxh3_64;

/// Writes `index` (the file at `from`) with `header` to `to`: through a
/// temporary file beside `to`, renamed over it.
pub(crate) fn with_header(
    index: &Index,
    from: &Path,
    header: &Header,
    to: &Path,
) -> std::io::Result<()> {
    let dir = to.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)?;
    let file = tmp.as_file_mut();
    std::io::copy(&mut std::fs::File::open(from)?, file)?;
    let mut layout: Layout = *index.layout();
    file.set_len(layout.header.offset)?;
    file.seek(SeekFrom::End(0))?;
    let json = serde_json::to_vec(header).map_err(std::io::Error::other)?;
    layout.header = Section {
        offset: layout.header.offset,
        len: json.len() as u64,
    };
    file.write_all(&json)?;
    let file_len = layout.header.end() + FOOTER_LEN as u64;
    file.write_all(&layout.footer(xxh3_64(&json), file_len))?;
    tmp.persist(to).map_err(|e| e.error)?;
    Ok(())
}
