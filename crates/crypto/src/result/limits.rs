//! Size limits for untrusted result archives, and readers that enforce them while streaming.

use std::error::Error as StdError;
use std::fmt;
use std::io::{self, Read};

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

/// Limits applied to iExec-layout result archives before and while reading them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultLimits {
    /// Largest `aes-key.rsa` entry (iExec: 1000 bytes).
    pub max_key_entry_bytes: u64,
    /// Largest `iexec_out.zip.aes` entry (default 1 GiB; iExec: 10^9 bytes).
    pub max_payload_entry_bytes: u64,
    /// Largest archive accepted from a non-seekable reader (it is spooled to a temporary
    /// file first).
    pub max_archive_bytes: u64,
    /// Most entries an archive may list.
    pub max_entries: usize,
}

impl Default for ResultLimits {
    fn default() -> Self {
        Self {
            max_key_entry_bytes: 1000,
            max_payload_entry_bytes: 1 << 30,
            max_archive_bytes: (1 << 30) + (1 << 20),
            max_entries: 64,
        }
    }
}

/// Marker carried inside an `io::Error` when a [`LimitReader`] passes its limit.
#[derive(Debug)]
pub(crate) struct LimitExceeded;

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("size limit exceeded")
    }
}

impl StdError for LimitExceeded {}

/// Marker carried inside an `io::Error` when a [`Base64Reader`] meets invalid base64.
#[derive(Debug)]
pub(crate) struct InvalidBase64;

impl fmt::Display for InvalidBase64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid base64")
    }
}

impl StdError for InvalidBase64 {}

/// Whether `error` carries the marker `T`.
pub(crate) fn is_marker<T: StdError + 'static>(error: &io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|inner| inner.downcast_ref::<T>().is_some())
}

/// A reader that fails with [`LimitExceeded`] once more than `limit` bytes were read.
pub(crate) struct LimitReader<R> {
    inner: R,
    limit: u64,
    read: u64,
}

impl<R: Read> LimitReader<R> {
    pub(crate) fn new(inner: R, limit: u64) -> Self {
        Self {
            inner,
            limit,
            read: 0,
        }
    }
}

impl<R: Read> Read for LimitReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Ask for at most one byte past the limit, so that passing it is noticed without
        // reading (or decompressing) much more.
        let allowed = self.limit.saturating_sub(self.read).saturating_add(1);
        let cap = usize::try_from(allowed)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(&mut buf[..cap])?;
        self.read += u64::try_from(n).unwrap_or(u64::MAX);
        if self.read > self.limit {
            return Err(io::Error::other(LimitExceeded));
        }
        Ok(n)
    }
}

const BASE64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Streams the decoding of standard base64 text, ignoring ASCII whitespace (line breaks).
pub(crate) struct Base64Reader<R> {
    inner: R,
    /// Base64 characters not yet decoded (fewer than 4 between refills).
    pending: Vec<u8>,
    raw: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    done: bool,
}

impl<R: Read> Base64Reader<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            pending: Vec::with_capacity(64 * 1024 + 4),
            raw: vec![0u8; 64 * 1024],
            out: Vec::with_capacity(48 * 1024 + 3),
            out_pos: 0,
            done: false,
        }
    }

    /// Decodes the next batch into `out`; returns false at the end of the input.
    fn refill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() && !self.done {
            let n = loop {
                match self.inner.read(&mut self.raw) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            let raw = self.raw.get(..n).unwrap_or(&[]);
            self.pending
                .extend(raw.iter().copied().filter(|b| !b.is_ascii_whitespace()));
            let take = if n == 0 {
                self.done = true;
                self.pending.len()
            } else {
                self.pending.len() - self.pending.len() % 4
            };
            if take > 0 {
                BASE64_LENIENT
                    .decode_vec(&self.pending[..take], &mut self.out)
                    .map_err(|_| io::Error::other(InvalidBase64))?;
                self.pending.drain(..take);
            }
        }
        Ok(!self.out.is_empty())
    }
}

impl<R: Read> Read for Base64Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos >= self.out.len() && !self.refill()? {
            return Ok(0);
        }
        let available = &self.out[self.out_pos..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_reader_streams_and_ignores_line_breaks() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let mut text = base64::engine::general_purpose::STANDARD.encode(&data);
        // Break lines every 76 characters (MIME style).
        let mut wrapped = String::new();
        while !text.is_empty() {
            let rest = text.split_off(text.len().min(76));
            wrapped.push_str(&text);
            wrapped.push_str("\r\n");
            text = rest;
        }
        let mut out = Vec::new();
        Base64Reader::new(wrapped.as_bytes())
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, data);
        let err = Base64Reader::new(&b"AAAA!AAA"[..])
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(is_marker::<InvalidBase64>(&err));
    }

    #[test]
    fn limit_reader_stops_one_byte_past_the_limit() {
        let mut out = Vec::new();
        assert!(
            LimitReader::new(&[0u8; 10][..], 10)
                .read_to_end(&mut out)
                .is_ok()
        );
        let err = LimitReader::new(&[0u8; 11][..], 10)
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(is_marker::<LimitExceeded>(&err));
    }
}
