//! A bounded zip reader for untrusted archives: the central directory is parsed with declared
//! counts and sizes checked against [`ReadLimits`] before anything is allocated or
//! decompressed, and entry readers enforce the declared sizes, the CRC-32 and a total budget
//! while decompressing (a lying header cannot inflate past its declared size).
//!
//! Supported: stored (0) and deflate (8) entries, zip64 records, data descriptors (sizes come
//! from the central directory). Refused: encryption, other methods, multi-disk archives,
//! unsafe names (absolute, `..`, `\`, empty components, non-UTF-8), duplicate names and
//! overlapping entry data.

use std::collections::HashMap;
use std::io::{self, Read, Seek, SeekFrom, Take};

use flate2::Crc;
use flate2::read::DeflateDecoder;

use super::Result;
use super::error::ProtectedDataError;

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Stored,
    Deflate,
}

#[derive(Debug)]
struct Entry {
    info: EntryInfo,
    method: Method,
    crc: u32,
    header_offset: u64,
    data_start: u64,
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

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD_LEN: usize = 22;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_LOCATOR_LEN: u64 = 20;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_EOCD_LEN: usize = 56;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const CENTRAL_LEN: usize = 46;
const LOCAL_SIG: u32 = 0x0403_4b50;
const LOCAL_LEN: usize = 30;
const MAX_COMMENT: u64 = 0xffff;

fn corrupt(reason: &'static str) -> ProtectedDataError {
    ProtectedDataError::CorruptArchive { reason }
}

/// Little-endian field reader over a byte slice; every read is bounds-checked.
struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .ok_or_else(|| corrupt("field overflow"))?;
        let out = self
            .buf
            .get(self.pos..end)
            .ok_or_else(|| corrupt("record truncated"))?;
        self.pos = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        self.bytes(N)?
            .try_into()
            .map_err(|_| corrupt("record truncated"))
    }

    fn u16(&mut self) -> Result<u16> {
        self.array().map(u16::from_le_bytes)
    }

    fn u32(&mut self) -> Result<u32> {
        self.array().map(u32::from_le_bytes)
    }

    fn u64(&mut self) -> Result<u64> {
        self.array().map(u64::from_le_bytes)
    }
}

fn read_at<R: Read + Seek>(reader: &mut R, offset: u64, buf: &mut [u8]) -> Result<()> {
    reader.seek(SeekFrom::Start(offset))?;
    reader.read_exact(buf).map_err(|err| match err.kind() {
        io::ErrorKind::UnexpectedEof => corrupt("unexpected end of file"),
        _ => ProtectedDataError::Io(err),
    })
}

fn to_usize(v: u64) -> Result<usize> {
    usize::try_from(v).map_err(|_| corrupt("size does not fit in memory"))
}

/// Where the central directory is, from the (zip64) end of central directory record.
struct Directory {
    entries: u64,
    size: u64,
    offset: u64,
    /// Start of the end records: the central directory must end before.
    end_limit: u64,
}

fn find_directory<R: Read + Seek>(reader: &mut R) -> Result<Directory> {
    let file_len = reader.seek(SeekFrom::End(0))?;
    if file_len < EOCD_LEN as u64 {
        return Err(ProtectedDataError::NotAZip);
    }
    let tail_len = file_len.min(EOCD_LEN as u64 + MAX_COMMENT);
    let tail_start = file_len - tail_len;
    let mut tail = vec![0; to_usize(tail_len)?];
    read_at(reader, tail_start, &mut tail)?;
    // The last record whose comment length reaches exactly the end of the file.
    let eocd_at = (0..=tail.len() - EOCD_LEN)
        .rev()
        .find(|&i| {
            let sig = tail.get(i..i + 4) == Some(&EOCD_SIG.to_le_bytes()[..]);
            let comment = tail
                .get(i + 20..i + 22)
                .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])));
            sig && comment == Some(tail.len() - i - EOCD_LEN)
        })
        .ok_or(ProtectedDataError::NotAZip)?;
    let eocd_pos = tail_start + eocd_at as u64;
    let mut f = Fields::new(tail.get(eocd_at + 4..).unwrap_or_default());
    let disk = f.u16()?;
    let cd_disk = f.u16()?;
    let disk_entries = u64::from(f.u16()?);
    let entries = u64::from(f.u16()?);
    let size = u64::from(f.u32()?);
    let offset = u64::from(f.u32()?);
    if disk != 0 || cd_disk != 0 || disk_entries != entries {
        return Err(corrupt("multi-disk archives are not supported"));
    }
    let mut dir = Directory {
        entries,
        size,
        offset,
        end_limit: eocd_pos,
    };
    // A zip64 locator right before the record points to the zip64 record, which then holds
    // the authoritative values.
    if eocd_pos >= ZIP64_LOCATOR_LEN {
        let locator_pos = eocd_pos - ZIP64_LOCATOR_LEN;
        let mut locator = [0u8; ZIP64_LOCATOR_LEN as usize];
        read_at(reader, locator_pos, &mut locator)?;
        let mut f = Fields::new(&locator);
        if f.u32()? == ZIP64_LOCATOR_SIG {
            let z64_disk = f.u32()?;
            let z64_pos = f.u64()?;
            let disks = f.u32()?;
            if z64_disk != 0 || disks > 1 {
                return Err(corrupt("multi-disk archives are not supported"));
            }
            if z64_pos
                .checked_add(ZIP64_EOCD_LEN as u64)
                .is_none_or(|end| end > locator_pos)
            {
                return Err(corrupt("zip64 end record out of place"));
            }
            let mut record = [0u8; ZIP64_EOCD_LEN];
            read_at(reader, z64_pos, &mut record)?;
            let mut f = Fields::new(&record);
            if f.u32()? != ZIP64_EOCD_SIG {
                return Err(corrupt("bad zip64 end record signature"));
            }
            let _record_size = f.u64()?;
            let _versions = f.u32()?;
            let disk = f.u32()?;
            let cd_disk = f.u32()?;
            let disk_entries = f.u64()?;
            let entries = f.u64()?;
            if disk != 0 || cd_disk != 0 || disk_entries != entries {
                return Err(corrupt("multi-disk archives are not supported"));
            }
            dir = Directory {
                entries,
                size: f.u64()?,
                offset: f.u64()?,
                end_limit: z64_pos,
            };
        }
    }
    if dir
        .offset
        .checked_add(dir.size)
        .is_none_or(|end| end > dir.end_limit)
    {
        return Err(corrupt("central directory out of bounds"));
    }
    Ok(dir)
}

/// Entry names must be relative paths of plain components (folders end with one `/`).
fn is_safe_name(name: &str) -> bool {
    let body = name.strip_suffix('/').unwrap_or(name);
    !body.is_empty()
        && !name.contains(['\\', '\0'])
        && body
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains(':'))
}

/// Values of the zip64 extended-information extra field for the fields set to their maximum.
fn apply_zip64_extra(
    extra: &[u8],
    size: &mut u64,
    compressed: &mut u64,
    offset: &mut u64,
) -> Result<()> {
    let mut f = Fields::new(extra);
    while f.pos < extra.len() {
        let id = f.u16()?;
        let len = usize::from(f.u16()?);
        let data = f.bytes(len)?;
        if id == 0x0001 {
            let mut z = Fields::new(data);
            for field in [size, compressed, offset] {
                if *field == u64::from(u32::MAX) {
                    *field = z.u64()?;
                }
            }
            return Ok(());
        }
    }
    Ok(())
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

fn parse_central_entry(f: &mut Fields<'_>, index: usize, limits: &ReadLimits) -> Result<Entry> {
    if f.u32()? != CENTRAL_SIG {
        return Err(corrupt("bad central directory signature"));
    }
    let _version_made_by = f.u16()?;
    let _version_needed = f.u16()?;
    let flags = f.u16()?;
    let method = f.u16()?;
    let _time_date = f.u32()?;
    let crc = f.u32()?;
    let mut compressed = u64::from(f.u32()?);
    let mut size = u64::from(f.u32()?);
    let name_len = usize::from(f.u16()?);
    let extra_len = usize::from(f.u16()?);
    let comment_len = usize::from(f.u16()?);
    let _disk_start = f.u16()?;
    let _internal_attrs = f.u16()?;
    let _external_attrs = f.u32()?;
    let mut header_offset = u64::from(f.u32()?);
    let name = f.bytes(name_len)?;
    let extra = f.bytes(extra_len)?;
    f.bytes(comment_len)?;
    apply_zip64_extra(extra, &mut size, &mut compressed, &mut header_offset)?;

    // Bit 0: traditional encryption; bit 6: strong encryption.
    if flags & 0x0041 != 0 {
        return Err(ProtectedDataError::EncryptedEntry { index });
    }
    let method = match method {
        0 => Method::Stored,
        8 => Method::Deflate,
        other => {
            return Err(ProtectedDataError::UnsupportedCompression {
                index,
                method: other,
            });
        }
    };
    let name = std::str::from_utf8(name)
        .ok()
        .filter(|n| is_safe_name(n))
        .ok_or(ProtectedDataError::UnsafeEntryName { index })?
        .to_owned();
    if method == Method::Stored && compressed != size {
        return Err(corrupt(
            "stored entry with different compressed and uncompressed sizes",
        ));
    }
    if size > limits.max_entry_size {
        return Err(ProtectedDataError::EntryTooLarge {
            index,
            limit: limits.max_entry_size,
            declared: size,
        });
    }
    if size > limits.ratio_exempt_size
        && size > compressed.saturating_mul(limits.max_compression_ratio)
    {
        return Err(ProtectedDataError::CompressionRatioTooHigh {
            index,
            limit: limits.max_compression_ratio,
            size,
            compressed,
        });
    }
    let is_dir = name.ends_with('/');
    Ok(Entry {
        info: EntryInfo {
            name,
            size,
            compressed_size: compressed,
            is_dir,
        },
        method,
        crc,
        header_offset,
        data_start: 0,
    })
}

enum Source<'a, R> {
    Stored(Take<&'a mut R>),
    Deflate(Box<DeflateDecoder<Take<&'a mut R>>>),
}

/// Streaming reader over one entry's uncompressed data. Yields exactly the declared number of
/// bytes; the CRC-32 and the absence of extra data are checked together with the last bytes
/// (the final chunk is withheld and an error returned if they fail). Errors inside `read` are
/// [`ProtectedDataError`]s wrapped in `io::Error` (see [`ProtectedDataError::from_io`]).
pub struct EntryReader<'a, R> {
    source: Source<'a, R>,
    name: String,
    declared: u64,
    remaining: u64,
    expected_crc: u32,
    crc: Crc,
    produced: &'a mut u64,
    budget: u64,
    finished: bool,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names() {
        for ok in ["a", "a/b", "a/", "a/b/", "0", "-_x"] {
            assert!(is_safe_name(ok), "{ok}");
        }
        for bad in [
            "", "/", "/a", "a//b", "../a", "a/../b", "a/..", "./a", "a\\b", "C:/a", "c:", "a\0",
            "a//",
        ] {
            assert!(!is_safe_name(bad), "{bad:?}");
        }
    }
}
