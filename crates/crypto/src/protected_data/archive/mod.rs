//! A bounded zip reader for untrusted archives: the central directory is parsed with declared
//! counts and sizes checked against [`ReadLimits`] before anything is allocated or
//! decompressed, and entry readers enforce the declared sizes, the CRC-32 and a total budget
//! while decompressing (a lying header cannot inflate past its declared size).
//!
//! Supported: stored (0) and deflate (8) entries, zip64 records, data descriptors (sizes come
//! from the central directory). Refused: encryption, other methods, multi-disk archives,
//! unsafe names (absolute, `..`, `\`, empty components, non-UTF-8), duplicate names and
//! overlapping entry data.

mod entry;
mod records;

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};

use flate2::Crc;
use flate2::read::DeflateDecoder;

use super::Result;
use super::error::ProtectedDataError;
pub use entry::EntryReader;
use entry::Source;
use records::{
    CENTRAL_LEN, Entry, Fields, LOCAL_LEN, LOCAL_SIG, Method, corrupt, find_directory,
    parse_central_entry, read_at, to_usize,
};

/// Limits applied when reading an archive. All checks run on the declared values when the
/// archive is opened and again while decompressing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    /// Maximum number of entries (files and folders).
    pub max_entries: u64,
    /// Maximum size of the central directory in bytes.
    pub max_central_directory_size: u64,
    /// Maximum uncompressed size of one entry.
    pub max_entry_size: u64,
    /// Maximum sum of the uncompressed sizes of all entries, and maximum number of bytes one
    /// reader decompresses over its lifetime (re-reading an entry counts again).
    pub max_total_size: u64,
    /// Maximum uncompressed/compressed ratio of an entry…
    pub max_compression_ratio: u64,
    /// …for entries larger than this (small entries may compress well legitimately).
    pub ratio_exempt_size: u64,
    /// Largest value `get_value`/`read_object` load in memory (use `open_entry` to stream).
    pub max_value_size: u64,
}

impl Default for ReadLimits {
    /// 10,000 entries, 16 MiB central directory, 8 GiB per entry and in total, ratio 100:1
    /// above 1 MiB, 256 MiB per in-memory value.
    fn default() -> Self {
        Self {
            max_entries: 10_000,
            max_central_directory_size: 16 << 20,
            max_entry_size: 8 << 30,
            max_total_size: 8 << 30,
            max_compression_ratio: 100,
            ratio_exempt_size: 1 << 20,
            max_value_size: 256 << 20,
        }
    }
}

/// Public description of an entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryInfo {
    /// Entry name (`a/b`, folders end with `/`).
    pub name: String,
    /// Declared uncompressed size.
    pub size: u64,
    /// Declared compressed size.
    pub compressed_size: u64,
    /// Folder entry.
    pub is_dir: bool,
}

/// A parsed archive.
#[derive(Debug)]
pub(crate) struct Archive<R> {
    reader: R,
    entries: Vec<Entry>,
    by_name: HashMap<String, usize>,
    limits: ReadLimits,
    /// Bytes decompressed so far by all entry readers.
    produced: u64,
}

impl<R: Read + Seek> Archive<R> {
    pub(crate) fn open(mut reader: R, limits: ReadLimits) -> Result<Self> {
        let dir = find_directory(&mut reader)?;
        if dir.entries > limits.max_entries {
            return Err(ProtectedDataError::TooManyEntries {
                limit: limits.max_entries,
                declared: dir.entries,
            });
        }
        if dir.size > limits.max_central_directory_size {
            return Err(ProtectedDataError::CentralDirectoryTooLarge {
                limit: limits.max_central_directory_size,
                declared: dir.size,
            });
        }
        if dir.size < dir.entries.saturating_mul(CENTRAL_LEN as u64) {
            return Err(corrupt("central directory smaller than its entry count"));
        }
        let mut cd = vec![0; to_usize(dir.size)?];
        read_at(&mut reader, dir.offset, &mut cd)?;
        let mut f = Fields::new(&cd);
        let mut entries = Vec::with_capacity(to_usize(dir.entries)?);
        let mut by_name = HashMap::with_capacity(entries.capacity());
        let mut total: u64 = 0;
        for index in 0..to_usize(dir.entries)? {
            let entry = parse_central_entry(&mut f, index, &limits)?;
            total = total.saturating_add(entry.info.size);
            if total > limits.max_total_size {
                return Err(ProtectedDataError::TotalSizeTooLarge {
                    limit: limits.max_total_size,
                    declared: total,
                });
            }
            if by_name.insert(entry.info.name.clone(), index).is_some() {
                return Err(ProtectedDataError::DuplicateEntryName { index });
            }
            entries.push(entry);
        }
        let mut archive = Self {
            reader,
            entries,
            by_name,
            limits,
            produced: 0,
        };
        archive.locate_data(dir.offset)?;
        Ok(archive)
    }

    /// Reads every local header to find where the data starts, and checks that entry data
    /// lies before the central directory without overlapping.
    fn locate_data(&mut self, cd_offset: u64) -> Result<()> {
        let mut spans = Vec::with_capacity(self.entries.len());
        for (index, entry) in self.entries.iter_mut().enumerate() {
            let mut header = [0u8; LOCAL_LEN];
            if entry.header_offset.saturating_add(LOCAL_LEN as u64) > cd_offset {
                return Err(corrupt("local header out of bounds"));
            }
            read_at(&mut self.reader, entry.header_offset, &mut header)?;
            let mut f = Fields::new(&header);
            if f.u32()? != LOCAL_SIG {
                return Err(corrupt("bad local header signature"));
            }
            f.bytes(22)?;
            let name_len = u64::from(f.u16()?);
            let extra_len = u64::from(f.u16()?);
            let mut name = vec![0; to_usize(name_len)?];
            read_at(
                &mut self.reader,
                entry.header_offset + LOCAL_LEN as u64,
                &mut name,
            )?;
            if name != entry.info.name.as_bytes() {
                return Err(corrupt("local and central names differ"));
            }
            entry.data_start = entry.header_offset + LOCAL_LEN as u64 + name_len + extra_len;
            let data_end = entry
                .data_start
                .checked_add(entry.info.compressed_size)
                .filter(|end| *end <= cd_offset)
                .ok_or_else(|| corrupt("entry data out of bounds"))?;
            spans.push((entry.header_offset, data_end, index));
        }
        spans.sort_unstable();
        for pair in spans.windows(2) {
            if let [(_, end, first), (start, _, second)] = pair
                && end > start
            {
                return Err(ProtectedDataError::OverlappingEntries {
                    first: *first,
                    second: *second,
                });
            }
        }
        Ok(())
    }

    pub(crate) fn entries(&self) -> impl ExactSizeIterator<Item = &EntryInfo> {
        self.entries.iter().map(|e| &e.info)
    }

    pub(crate) fn find_file(&self, name: &str) -> Option<&EntryInfo> {
        let entry = self.entries.get(*self.by_name.get(name)?)?;
        (!entry.info.is_dir).then_some(&entry.info)
    }

    pub(crate) fn limits(&self) -> &ReadLimits {
        &self.limits
    }

    pub(crate) fn into_inner(self) -> R {
        self.reader
    }

    /// A bounded reader over the data of the file entry `name`.
    pub(crate) fn open_file(&mut self, name: &str) -> Result<EntryReader<'_, R>> {
        let not_found = || ProtectedDataError::EntryNotFound {
            path: name.to_owned(),
        };
        let index = *self.by_name.get(name).ok_or_else(not_found)?;
        let entry = self.entries.get(index).ok_or_else(not_found)?;
        if entry.info.is_dir {
            return Err(not_found());
        }
        self.reader.seek(SeekFrom::Start(entry.data_start))?;
        let raw = (&mut self.reader).take(entry.info.compressed_size);
        let source = match entry.method {
            Method::Stored => Source::Stored(raw),
            Method::Deflate => Source::Deflate(Box::new(DeflateDecoder::new(raw))),
        };
        Ok(EntryReader {
            source,
            name: entry.info.name.clone(),
            declared: entry.info.size,
            remaining: entry.info.size,
            expected_crc: entry.crc,
            crc: Crc::new(),
            produced: &mut self.produced,
            budget: self.limits.max_total_size,
            finished: false,
        })
    }
}
