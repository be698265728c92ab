//! The on-chain dataset checksum: `0x` + hex SHA-256 of the sealed bytes.

use std::fmt;
use std::io::{self, Read, Write};
use std::str::FromStr;

use alloy_primitives::hex;
use sha2::{Digest, Sha256};

/// SHA-256 of sealed bytes, displayed as `0x` + 64 lowercase hex digits (the dataset
/// checksum registered on-chain and re-verified by the pre-compute enclave).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Checksum([u8; 32]);

/// A string that is not `0x` + 64 hex digits.
#[derive(Debug, thiserror::Error)]
#[error("invalid checksum: expected 0x followed by 64 hex digits")]
pub struct ChecksumParseError;

impl Checksum {
    /// Wraps a SHA-256 digest.
    pub fn from_digest(digest: [u8; 32]) -> Self {
        Self(digest)
    }

    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Checksum of a byte slice.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// Checksum of everything `reader` yields, read in 64 KiB blocks.
    pub fn of_reader<R: Read>(mut reader: R) -> io::Result<Self> {
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match reader.read(&mut buf) {
                Ok(0) => return Ok(Self(hasher.finalize().into())),
                Ok(n) => hasher.update(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.0))
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checksum({self})")
    }
}

impl FromStr for Checksum {
    type Err = ChecksumParseError;

    /// Parses `0x` + 64 hex digits (either case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .ok_or(ChecksumParseError)?;
        if digits.len() != 64 {
            return Err(ChecksumParseError);
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(digits, &mut out).map_err(|_| ChecksumParseError)?;
        Ok(Self(out))
    }
}

/// A writer adaptor that hashes (SHA-256) and counts every byte written through it.
#[derive(Debug)]
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.bytes
    }

    /// Checksum of the bytes written so far.
    pub fn checksum(&self) -> Checksum {
        Checksum(self.hasher.clone().finalize().into())
    }

    /// Returns the inner writer and the checksum of everything written.
    pub fn finish(self) -> (W, Checksum) {
        (self.inner, Checksum(self.hasher.finalize().into()))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        // Hash only what the inner writer accepted.
        let written = buf.get(..n).unwrap_or(buf);
        self.hasher.update(written);
        self.bytes += u64::try_from(written.len()).unwrap_or(u64::MAX);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A reader adaptor that hashes (SHA-256) and counts every byte read through it.
#[derive(Debug)]
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> HashingReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// Checksum of the bytes read so far.
    pub fn checksum(&self) -> Checksum {
        Checksum(self.hasher.clone().finalize().into())
    }

    /// Returns the inner reader and the checksum of everything read.
    pub fn finish(self) -> (R, Checksum) {
        (self.inner, Checksum(self.hasher.finalize().into()))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = buf.get(..n).unwrap_or(buf);
        self.hasher.update(read);
        self.bytes += u64::try_from(read.len()).unwrap_or(u64::MAX);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_parse_and_adaptors_agree() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        let expected = "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(Checksum::of_bytes(b"abc").to_string(), expected);
        assert_eq!(
            expected.parse::<Checksum>().unwrap(),
            Checksum::of_bytes(b"abc")
        );
        assert!("ba7816bf".parse::<Checksum>().is_err());
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"ab").unwrap();
        w.write_all(b"c").unwrap();
        assert_eq!(w.bytes_written(), 3);
        assert_eq!(w.finish().1.to_string(), expected);
        let mut r = HashingReader::new(&b"abc"[..]);
        io::copy(&mut r, &mut io::sink()).unwrap();
        assert_eq!(r.finish().1.to_string(), expected);
        assert_eq!(
            Checksum::of_reader(&b"abc"[..]).unwrap().to_string(),
            expected
        );
    }
}
