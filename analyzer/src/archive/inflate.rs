//! Reading one entry into memory: its compressed bytes inflated straight into
//! the result through [`Checked`] (charged to the artifact's [`Budget`] as
//! they are produced, never past the size the entry declares, checked against
//! its CRC-32).

use super::budget::{Budget, Meter, Pool};
use super::checked::{Checked, Expect};
use super::entry::ZipData;
use super::error::ReadError;
use flate2::{Decompress, FlushDecompress, Status};
use std::borrow::BorrowMut;
use std::cell::RefCell;
use std::io::Read;

/// Zip compression methods lambda-audit inflates.
const STORED: u16 = 0;
const DEFLATED: u16 = 8;

/// The first allocation for an entry's bytes: its declared size, up to this
/// (a lying header cannot make lambda-audit reserve more up front).
const MAX_INITIAL_CAPACITY: u64 = 16 << 20;

/// Inflates the entry whose compressed bytes are `compressed`, which declares
/// `declared` inflated bytes, charging `pool` for what it produces.
pub(super) fn inflate(
    compressed: &[u8],
    data: &ZipData,
    declared: u64,
    budget: &Budget,
    pool: Pool,
) -> Result<Vec<u8>, ReadError> {
    check_method(data)?;
    let expect = Expect::Zip {
        declared,
        crc: data.crc,
    };
    let meter = budget.meter(pool);
    if data.method == STORED {
        return read_whole(compressed, meter, expect, declared);
    }
    INFLATER.with_borrow_mut(|z| {
        z.reset(false);
        read_whole(Inflater::new(compressed, z), meter, expect, declared)
    })
}

/// Refuses encrypted entries and compression methods other than stored and deflate.
pub(super) fn check_method(data: &ZipData) -> Result<(), ReadError> {
    if data.encrypted {
        return Err(ReadError::Encrypted);
    }
    match data.method {
        STORED | DEFLATED => Ok(()),
        other => Err(ReadError::Unsupported(method_name(other))),
    }
}

/// True when the entry is stored (its bytes are the compressed bytes).
pub(super) fn is_stored(data: &ZipData) -> bool {
    data.method == STORED
}

thread_local! {
    /// One raw-deflate state per thread, reset for each entry: thousands of
    /// small nested archives would otherwise each allocate (and fragment the
    /// heap with) a fresh state and window.
    static INFLATER: RefCell<Decompress> = RefCell::new(Decompress::new(false));
}

/// Inflates a raw deflate stream held in memory (`I`: borrowed for whole
/// reads, shared for streams), straight into the caller's buffer, with a
/// state borrowed (whole reads) or owned (streams).
pub(super) struct Inflater<I, Z> {
    input: I,
    consumed: usize,
    z: Z,
    ended: bool,
}

impl<I: AsRef<[u8]>, Z: BorrowMut<Decompress>> Inflater<I, Z> {
    /// Inflates `input` with `z`, which must be freshly reset.
    pub(super) fn new(input: I, z: Z) -> Self {
        Inflater {
            input,
            consumed: 0,
            z,
            ended: false,
        }
    }
}

impl<I: AsRef<[u8]>, Z: BorrowMut<Decompress>> Read for Inflater<I, Z> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let z = self.z.borrow_mut();
        while !self.ended && !buf.is_empty() {
            let input = &self.input.as_ref()[self.consumed..];
            let (before_in, before_out) = (z.total_in(), z.total_out());
            let status = z
                .decompress(input, buf, FlushDecompress::None)
                .map_err(std::io::Error::other)?;
            let consumed = (z.total_in() - before_in) as usize;
            let produced = (z.total_out() - before_out) as usize;
            self.consumed += consumed;
            self.ended = status == Status::StreamEnd;
            if produced > 0 {
                return Ok(produced);
            }
            if consumed == 0 && !self.ended {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the deflate stream ends early",
                ));
            }
        }
        Ok(0)
    }
}

/// Reads `reader` to its end through [`Checked`]; the bytes land directly in
/// the result (no intermediate buffer), the first allocation sized by `hint`.
pub(super) fn read_whole(
    reader: impl Read,
    meter: Meter<'_>,
    expect: Expect,
    hint: u64,
) -> Result<Vec<u8>, ReadError> {
    let mut out = Vec::with_capacity(hint.min(MAX_INITIAL_CAPACITY) as usize);
    let mut checked = Checked::new(reader, meter, expect);
    // Every error but an interruption (which `read_to_end` retries) is
    // remembered by `checked`, and `finish` returns it.
    let _ = checked.read_to_end(&mut out);
    checked.finish()?;
    Ok(out)
}

/// A compression method's name for messages: `bzip2 (12)`, or its number.
fn method_name(method: u16) -> String {
    match rawzip::CompressionMethod::from(method).name() {
        Some(name) => format!("{} ({method})", name.to_ascii_lowercase()),
        None => method.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use std::io::Write;

    fn deflate(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn data(method: u16, plain: &[u8]) -> ZipData {
        ZipData {
            offset: 0,
            method,
            crc: rawzip::crc32(plain),
            encrypted: false,
        }
    }

    #[test]
    fn reads_stored_and_deflated_entries_and_charges_what_they_inflate() {
        let plain = b"{\"name\":\"minimist\",\"version\":\"1.2.0\"}".repeat(100);
        let budget = Budget::new(&Limits::default());
        let n = plain.len() as u64;
        let out = inflate(&plain, &data(STORED, &plain), n, &budget, Pool::Evidence).unwrap();
        assert_eq!(out, plain);
        let packed = deflate(&plain);
        let d = data(DEFLATED, &plain);
        let out = inflate(&packed, &d, n, &budget, Pool::Evidence).unwrap();
        assert_eq!(out, plain);
    }

    #[test]
    fn a_lie_about_the_size_is_refused_and_refunded() {
        let plain = vec![7u8; 100_000];
        let packed = deflate(&plain);
        let d = data(DEFLATED, &plain);
        let limits = Limits {
            max_total_inflated_bytes: 200_000,
            ..Limits::default()
        };
        let budget = Budget::new(&limits);
        let err = inflate(&packed, &d, 1000, &budget, Pool::Evidence).unwrap_err();
        assert!(
            matches!(err, ReadError::LyingSize { declared: 1000 }),
            "{err}"
        );
        let err = inflate(&packed, &d, 150_000, &budget, Pool::Evidence).unwrap_err();
        assert!(
            matches!(
                err,
                ReadError::ShortEntry {
                    actual: 100_000,
                    ..
                }
            ),
            "{err}"
        );
        // Both failures were refunded: the whole budget is still there.
        inflate(&packed, &d, 100_000, &budget, Pool::Evidence).unwrap();
        inflate(&packed, &d, 100_000, &budget, Pool::Evidence).unwrap();
        let err = inflate(&packed, &d, 100_000, &budget, Pool::Evidence).unwrap_err();
        assert!(matches!(err, ReadError::TotalTooLarge { .. }), "{err}");
    }

    #[test]
    fn a_cut_deflate_stream_is_an_error_and_the_state_is_reused_cleanly() {
        let plain: Vec<u8> = (0..50_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let packed = deflate(&plain);
        let d = data(DEFLATED, &plain);
        let n = plain.len() as u64;
        let budget = Budget::new(&Limits::default());
        let cut = &packed[..packed.len() / 2];
        let err = inflate(cut, &d, n, &budget, Pool::Evidence).unwrap_err();
        assert!(
            matches!(err, ReadError::Zip(ref m) if m.contains("ends early")),
            "{err}"
        );
        // The thread's inflater starts afresh for the next entry.
        assert_eq!(
            inflate(&packed, &d, n, &budget, Pool::Evidence).unwrap(),
            plain
        );
    }

    #[test]
    fn corrupt_encrypted_and_unknown_entries_say_why() {
        let plain = b"hello".to_vec();
        let budget = Budget::new(&Limits::default());
        let mut d = data(STORED, &plain);
        d.crc ^= 1;
        let err = inflate(&plain, &d, 5, &budget, Pool::Evidence).unwrap_err();
        assert!(matches!(err, ReadError::Checksum));
        let mut d = data(STORED, &plain);
        d.encrypted = true;
        assert!(matches!(
            inflate(&plain, &d, 5, &budget, Pool::Evidence),
            Err(ReadError::Encrypted)
        ));
        let err = inflate(&plain, &data(12, &plain), 5, &budget, Pool::Evidence).unwrap_err();
        assert!(err.to_string().contains("bzip2"), "{err}");
    }
}
