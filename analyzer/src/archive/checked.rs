//! [`Checked`]: the one reader every entry's bytes go through, whole or
//! streamed. Each read is charged to the artifact's [`Budget`] as it is
//! produced, never past the size the entry declares (or the per-entry limit
//! for a file on disk), and the CRC-32 is checked at the end.

use super::budget::Meter;
use super::error::ReadError;
use std::io::Read;

/// What the bytes of one entry must add up to.
#[derive(Clone, Copy, Debug)]
pub(super) enum Expect {
    /// A zip entry: exactly `declared` bytes whose CRC-32 is `crc`.
    Zip { declared: u64, crc: u32 },
    /// A file on disk: at most `limit` bytes (it may grow while it is read).
    File { limit: u64 },
}

impl Expect {
    /// One byte past this tells a lying header (or a growing file) apart.
    fn most(self) -> u64 {
        match self {
            Expect::Zip { declared, .. } => declared,
            Expect::File { limit } => limit,
        }
    }
}

/// A reader over an entry's raw source whose every read is metered, sized and
/// checksummed. A refused read is remembered ([`Checked::finish`] returns it),
/// so a parser reading through it sees an I/O error and the caller learns the
/// real reason.
pub(super) struct Checked<'b, R> {
    inner: R,
    meter: Meter<'b>,
    expect: Expect,
    read: u64,
    crc: flate2::Crc,
    failed: Option<ReadError>,
}

impl<'b, R: Read> Checked<'b, R> {
    pub(super) fn new(inner: R, meter: Meter<'b>, expect: Expect) -> Self {
        Checked {
            inner,
            meter,
            expect,
            read: 0,
            crc: flate2::Crc::new(),
            failed: None,
        }
    }

    /// Reads what the consumer left unread, then checks the size and CRC-32;
    /// the bytes stay charged only when everything holds.
    pub(super) fn finish(mut self) -> Result<(), ReadError> {
        if self.failed.is_none() {
            let _ = std::io::copy(&mut self, &mut std::io::sink());
        }
        if let Some(failed) = self.failed.take() {
            return Err(failed);
        }
        if let Expect::Zip { declared, crc } = self.expect {
            if self.read < declared {
                return Err(ReadError::ShortEntry {
                    declared,
                    actual: self.read,
                });
            }
            if self.crc.sum() != crc {
                return Err(ReadError::Checksum);
            }
        }
        self.meter.keep();
        Ok(())
    }

    /// Remembers why reading stopped and hands the consumer an I/O error.
    fn fail(&mut self, error: ReadError) -> std::io::Error {
        let io = std::io::Error::other(error.to_string());
        self.failed = Some(error);
        io
    }
}

impl<R: Read> Read for Checked<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(failed) = &self.failed {
            return Err(std::io::Error::other(failed.to_string()));
        }
        // Never more than one byte past what may come.
        let room = self.expect.most().saturating_add(1) - self.read;
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = match self.inner.read(&mut buf[..want]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                let error = match self.expect {
                    Expect::Zip { .. } => ReadError::Zip(e.to_string()),
                    Expect::File { .. } => ReadError::Io(e),
                };
                return Err(self.fail(error));
            }
        };
        self.read += n as u64;
        if self.read > self.expect.most() {
            return Err(self.fail(match self.expect {
                Expect::Zip { declared, .. } => ReadError::LyingSize { declared },
                Expect::File { limit } => ReadError::EntryTooLarge {
                    size: self.read,
                    limit,
                },
            }));
        }
        if let Err(e) = self.meter.charge(n as u64) {
            return Err(self.fail(e));
        }
        if matches!(self.expect, Expect::Zip { .. }) {
            self.crc.update(&buf[..n]);
        }
        Ok(n)
    }
}
