//! Bounded, checksummed reading of one entry.

use std::io::{self, Read, Take};

use flate2::Crc;
use flate2::read::DeflateDecoder;

use super::super::Result;
use super::super::error::ProtectedDataError;

/// Raw or inflating source of an entry.
pub(super) enum Source<'a, R> {
    Stored(Take<&'a mut R>),
    Deflate(Box<DeflateDecoder<Take<&'a mut R>>>),
}

/// Streaming reader over one entry's uncompressed data. Yields exactly the declared number of
/// bytes; the CRC-32 and the absence of extra data are checked together with the last bytes
/// (the final chunk is withheld and an error returned if they fail). Errors inside `read` are
/// [`ProtectedDataError`]s wrapped in `io::Error` (see [`ProtectedDataError::from_io`]).
pub struct EntryReader<'a, R> {
    pub(super) source: Source<'a, R>,
    pub(super) name: String,
    pub(super) declared: u64,
    pub(super) remaining: u64,
    pub(super) expected_crc: u32,
    pub(super) crc: Crc,
    pub(super) produced: &'a mut u64,
    pub(super) budget: u64,
    pub(super) finished: bool,
}

impl<R> std::fmt::Debug for EntryReader<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntryReader")
            .field("name", &self.name)
            .field("declared", &self.declared)
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

impl<R: Read> EntryReader<'_, R> {
    /// Declared uncompressed size of the entry.
    pub fn size(&self) -> u64 {
        self.declared
    }

    fn raw_read(&mut self, buf: &mut [u8]) -> Result<usize> {
        let result = match &mut self.source {
            Source::Stored(r) => r.read(buf),
            Source::Deflate(r) => r.read(buf),
        };
        result.map_err(|err| match err.kind() {
            io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
                ProtectedDataError::CorruptEntryData {
                    entry: self.name.clone(),
                }
            }
            _ => ProtectedDataError::Io(err),
        })
    }

    fn mismatch(&self, longer: bool) -> ProtectedDataError {
        ProtectedDataError::EntrySizeMismatch {
            entry: self.name.clone(),
            declared: self.declared,
            longer,
        }
    }

    /// After the declared size: the source must be exhausted and the CRC must match.
    fn finish(&mut self) -> Result<()> {
        let mut probe = [0u8; 1];
        loop {
            match self.raw_read(&mut probe) {
                Ok(0) => break,
                Ok(_) => return Err(self.mismatch(true)),
                Err(ProtectedDataError::Io(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.crc.sum() != self.expected_crc {
            return Err(ProtectedDataError::ChecksumMismatch {
                entry: self.name.clone(),
            });
        }
        self.finished = true;
        Ok(())
    }

    fn read_checked(&mut self, buf: &mut [u8]) -> Result<usize> {
        if self.finished || buf.is_empty() {
            return Ok(0);
        }
        if self.remaining == 0 {
            self.finish()?;
            return Ok(0);
        }
        let want = usize::try_from(self.remaining).map_or(buf.len(), |r| r.min(buf.len()));
        let out = buf.get_mut(..want).unwrap_or_default();
        let n = self.raw_read(out)?;
        if n == 0 {
            return Err(self.mismatch(false));
        }
        let total = self.produced.saturating_add(n as u64);
        if total > self.budget {
            return Err(ProtectedDataError::TotalReadBudgetExceeded { limit: self.budget });
        }
        *self.produced = total;
        self.crc.update(out.get(..n).unwrap_or_default());
        self.remaining -= n as u64;
        if self.remaining == 0 {
            self.finish()?;
        }
        Ok(n)
    }
}

impl<R: Read> Read for EntryReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_checked(buf).map_err(ProtectedDataError::into_io)
    }
}
