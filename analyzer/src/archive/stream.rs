//! [`EntryReader`]: one file of an artifact read as a stream, for parsers of
//! formats whose files can be large (lockfiles of hundreds of MB): the file is
//! never held whole, only a small buffer of it.

use super::budget::{Budget, Pool};
use super::checked::{Checked, Expect};
use super::disk;
use super::entry::ZipData;
use super::error::ReadError;
use super::inflate::{check_method, is_stored, Inflater};
use flate2::Decompress;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Bytes buffered between the source and the parser.
const BUFFER_BYTES: usize = 64 << 10;

/// An entry's bytes as they come from where they live.
enum Raw<'a> {
    Stored(&'a [u8]),
    /// Inflating with a state of its own (the thread's shared one cannot be
    /// borrowed across a stream that outlives one call).
    Deflated(Inflater<'a, Box<Decompress>>),
    File(File),
}

impl Read for Raw<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Raw::Stored(bytes) => bytes.read(buf),
            Raw::Deflated(inflater) => inflater.read(buf),
            Raw::File(file) => file.read(buf),
        }
    }
}

/// One file of an artifact as a buffered stream, charged to the artifact's
/// budget as it is read, sized and checksummed like a whole read. A read that
/// a limit or a corrupt entry stops shows as an I/O error to the parser;
/// [`EntryReader::finish`] then says why.
pub struct EntryReader<'t> {
    inner: BufReader<Checked<'t, Raw<'t>>>,
}

impl<'t> EntryReader<'t> {
    /// The zip entry whose compressed bytes are `compressed`, declaring `declared` bytes.
    pub(super) fn zip(
        compressed: &'t [u8],
        data: &ZipData,
        declared: u64,
        budget: &'t Budget,
    ) -> Result<Self, ReadError> {
        check_method(data)?;
        let raw = if is_stored(data) {
            Raw::Stored(compressed)
        } else {
            Raw::Deflated(Inflater::new(compressed, Box::new(Decompress::new(false))))
        };
        let expect = Expect::Zip {
            declared,
            crc: data.crc,
        };
        Ok(Self::over(raw, budget, expect))
    }

    /// The regular file `path` of a folder artifact.
    pub(super) fn file(path: &Path, budget: &'t Budget) -> Result<Self, ReadError> {
        let (file, _) = disk::open_evidence(path, budget)?;
        let limit = budget.limits().max_entry_bytes;
        Ok(Self::over(Raw::File(file), budget, Expect::File { limit }))
    }

    fn over(raw: Raw<'t>, budget: &'t Budget, expect: Expect) -> Self {
        let checked = Checked::new(raw, budget.meter(Pool::Evidence), expect);
        EntryReader {
            inner: BufReader::with_capacity(BUFFER_BYTES, checked),
        }
    }

    /// Reads what the parser left unread and checks the whole entry (size,
    /// CRC-32, limits): `Err` when the bytes handed out were not the entry's
    /// true contents, whatever the parser made of them.
    pub fn finish(self) -> Result<(), ReadError> {
        self.inner.into_inner().finish()
    }
}

impl Read for EntryReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.inner.read(buf)
    }
}

impl BufRead for EntryReader<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount)
    }
}

impl std::fmt::Debug for EntryReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EntryReader")
    }
}
