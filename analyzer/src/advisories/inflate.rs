//! Inflating records (raw deflate streams: zip members, index frames) with
//! one reused decompressor per thread.
//!
//! A decompressor per record is what made the old compile's peak memory
//! swing from 0.3 to 3.5 GB between identical runs: zlib-rs allocates each
//! inflate state and window (~40 kB) 64-byte aligned, and glibc before 2.38
//! serves aligned allocations outside its caches and often fails to reuse
//! their freed chunks (glibc bugs 14581 and 30723), so 243,000 records grew
//! the heap by up to 7 GB of address space. One decompressor, reset between
//! records, allocates once.

use flate2::{Decompress, FlushDecompress, Status};
use std::cell::RefCell;

thread_local! {
    static INFLATER: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

/// Inflates the raw deflate stream `stored` that holds `declared` bytes;
/// the reason on failure. `declared` is allocated at once: callers bound it
/// (a zip entry by the record limit, an index frame by its checksum).
pub(crate) fn inflate(stored: &[u8], declared: u64) -> Result<Vec<u8>, String> {
    INFLATER.with(|cell| {
        let mut inflater = cell.borrow_mut();
        inflater.reset(false);
        // One byte more than declared, so that a stream longer than its
        // declared size is seen as such.
        let mut out = Vec::with_capacity(declared as usize + 1);
        let status = inflater
            .decompress_vec(stored, &mut out, FlushDecompress::Finish)
            .map_err(|e| format!("invalid deflate data: {e}"))?;
        match status {
            Status::StreamEnd if out.len() as u64 == declared => Ok(out),
            Status::StreamEnd => Err(format!(
                "inflates to {} bytes, its entry says {declared}",
                out.len()
            )),
            Status::Ok | Status::BufError => {
                Err("the deflate stream is cut short or longer than its entry says".into())
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn deflate(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn inflates_what_was_declared_and_nothing_else() {
        let json = br#"{"id":"X-1"}"#.repeat(50);
        let stored = deflate(&json);
        assert_eq!(inflate(&stored, json.len() as u64).unwrap(), json);
        // The same thread's decompressor is reset between records.
        assert_eq!(inflate(&stored, json.len() as u64).unwrap(), json);
        assert!(inflate(&stored, json.len() as u64 - 1).is_err());
        assert!(inflate(&stored, json.len() as u64 + 1).is_err());
        assert!(inflate(&stored[..stored.len() / 2], json.len() as u64).is_err());
        assert!(inflate(b"not deflate at all", 10).is_err());
    }
}
