//! [`EntryReader`]: one file of an artifact read as a stream, for parsers of
//! formats whose files can be large (lockfiles of hundreds of MB): the file is
//! never held whole, only a small buffer of it.

use super::budget::{Budget, Pool};
use super::bytes::SharedBytes;
use super::checked::{Checked, Expect};
use super::disk;
use super::entry::ZipData;
use super::error::ReadError;
use super::inflate::{check_method, is_stored, Inflater};
use flate2::Decompress;
use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;

/// Bytes buffered between the source and the parser.
const BUFFER_BYTES: usize = 64 << 10;

/// An entry's bytes as they come from where they live.
enum Raw {
    Stored(Cursor<SharedBytes>),
    /// Inflating with a state of its own (the thread's shared one cannot be
    /// borrowed across a stream that outlives one call).
    Deflated(Inflater<SharedBytes, Box<Decompress>>),
    File(File),
}

impl Read for Raw {
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
    inner: BufReader<Checked<'t, Raw>>,
}

impl<'t> EntryReader<'t> {
    /// The zip entry whose compressed bytes are `compressed`, declaring `declared` bytes.
    pub(super) fn zip(
        compressed: SharedBytes,
        data: &ZipData,
        declared: u64,
        budget: &'t Budget,
    ) -> Result<Self, ReadError> {
        check_method(data)?;
        let raw = if is_stored(data) {
            Raw::Stored(Cursor::new(compressed))
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

    fn over(raw: Raw, budget: &'t Budget, expect: Expect) -> Self {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::testutil::{open, zip};
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
            crc: crc(plain),
            encrypted: false,
        }
    }

    fn crc(bytes: &[u8]) -> u32 {
        let mut c = flate2::Crc::new();
        c.update(bytes);
        c.sum()
    }

    #[test]
    fn stored_and_deflated_entries_stream_in_full() {
        let plain: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let budget = Budget::new(&Limits::default());
        let n = plain.len() as u64;
        for (method, bytes) in [(0, plain.clone()), (8, deflate(&plain))] {
            let mut reader =
                EntryReader::zip(bytes.into(), &data(method, &plain), n, &budget).unwrap();
            let mut out = Vec::new();
            reader.read_to_end(&mut out).unwrap();
            assert_eq!(out, plain);
            reader.finish().unwrap();
        }
    }

    #[test]
    fn a_parser_that_stops_early_still_gets_the_entry_checked() {
        let plain = vec![b'x'; 200_000];
        let packed = deflate(&plain);
        let budget = Budget::new(&Limits::default());
        let mut corrupt = data(8, &plain);
        corrupt.crc ^= 1;
        let mut reader =
            EntryReader::zip(packed.clone().into(), &corrupt, 200_000, &budget).unwrap();
        let mut head = [0u8; 10];
        reader.read_exact(&mut head).unwrap();
        assert!(matches!(reader.finish(), Err(ReadError::Checksum)));
        // A lie about the size shows once the rest is read.
        let reader = EntryReader::zip(packed.into(), &data(8, &plain), 1_000, &budget).unwrap();
        assert!(matches!(
            reader.finish(),
            Err(ReadError::LyingSize { declared: 1_000 })
        ));
    }

    #[test]
    fn a_stream_stopped_by_the_budget_is_a_gap_not_a_parse_warning() {
        let mut lock = String::from("{\"packages\": {");
        for i in 0..2_000 {
            lock.push_str(&format!(
                "\"node_modules/p{i}\": {{\"version\": \"1.0.0\"}},"
            ));
        }
        lock.push_str("\"node_modules/last\": {\"version\": \"1.0.0\"}}}");
        let bytes = zip(&[("package-lock.json", lock.as_bytes())]);
        let limits = Limits {
            max_total_inflated_bytes: 10_000,
            ..Limits::default()
        };
        let tree =
            crate::archive::ArchiveTree::open_bytes("fn.zip", bytes.clone(), &limits).unwrap();
        let scan = crate::extract::scan_tree(&tree, &crate::extract::all());
        assert!(scan.packages.is_empty());
        assert!(scan.warnings.is_empty(), "{:?}", scan.warnings);
        assert_eq!(scan.incomplete.len(), 1, "{:?}", scan.incomplete);
        assert!(
            scan.incomplete[0].reason.contains("total limit"),
            "{:?}",
            scan.incomplete
        );
        let tree = open("fn.zip", bytes);
        let scan = crate::extract::scan_tree(&tree, &crate::extract::all());
        assert_eq!(scan.packages.len(), 2_001);
        assert!(scan.incomplete.is_empty());
    }

    #[test]
    fn a_folder_file_streams_within_the_per_entry_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Cargo.lock");
        std::fs::write(&path, vec![b'#'; 5_000]).unwrap();
        let small = Budget::new(&Limits {
            max_entry_bytes: 4_000,
            ..Limits::default()
        });
        assert!(matches!(
            EntryReader::file(&path, &small),
            Err(ReadError::EntryTooLarge { size: 5_000, .. })
        ));
        let budget = Budget::new(&Limits::default());
        let mut reader = EntryReader::file(&path, &budget).unwrap();
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert_eq!(line.len(), 5_000);
        reader.finish().unwrap();
    }
}
