//! Zip records: end of central directory (and zip64), central directory entries, names.

use std::io::{self, Read, Seek, SeekFrom};

use super::super::Result;
use super::super::error::ProtectedDataError;
use super::{EntryInfo, ReadLimits};

/// Compression method of an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Method {
    Stored,
    Deflate,
}

/// A central directory entry.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) info: EntryInfo,
    pub(super) method: Method,
    pub(super) crc: u32,
    pub(super) header_offset: u64,
    /// Set from the local header by `Archive::locate_data`.
    pub(super) data_start: u64,
}

const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD_LEN: usize = 22;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_LOCATOR_LEN: u64 = 20;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const ZIP64_EOCD_LEN: usize = 56;
const CENTRAL_SIG: u32 = 0x0201_4b50;
pub(super) const CENTRAL_LEN: usize = 46;
pub(super) const LOCAL_SIG: u32 = 0x0403_4b50;
pub(super) const LOCAL_LEN: usize = 30;
const MAX_COMMENT: u64 = 0xffff;

pub(super) fn corrupt(reason: &'static str) -> ProtectedDataError {
    ProtectedDataError::CorruptArchive { reason }
}

/// Little-endian field reader over a byte slice; every read is bounds-checked.
pub(super) struct Fields<'a> {
    buf: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Fields<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub(super) fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
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

    pub(super) fn u16(&mut self) -> Result<u16> {
        self.array().map(u16::from_le_bytes)
    }

    pub(super) fn u32(&mut self) -> Result<u32> {
        self.array().map(u32::from_le_bytes)
    }

    pub(super) fn u64(&mut self) -> Result<u64> {
        self.array().map(u64::from_le_bytes)
    }
}

pub(super) fn read_at<R: Read + Seek>(reader: &mut R, offset: u64, buf: &mut [u8]) -> Result<()> {
    reader.seek(SeekFrom::Start(offset))?;
    reader.read_exact(buf).map_err(|err| match err.kind() {
        io::ErrorKind::UnexpectedEof => corrupt("unexpected end of file"),
        _ => ProtectedDataError::Io(err),
    })
}

pub(super) fn to_usize(v: u64) -> Result<usize> {
    usize::try_from(v).map_err(|_| corrupt("size does not fit in memory"))
}

/// Where the central directory is, from the (zip64) end of central directory record.
pub(super) struct Directory {
    pub(super) entries: u64,
    pub(super) size: u64,
    pub(super) offset: u64,
    /// Start of the end records: the central directory must end before.
    end_limit: u64,
}

pub(super) fn find_directory<R: Read + Seek>(reader: &mut R) -> Result<Directory> {
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

pub(super) fn parse_central_entry(
    f: &mut Fields<'_>,
    index: usize,
    limits: &ReadLimits,
) -> Result<Entry> {
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
