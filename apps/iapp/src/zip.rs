//! Just enough of a zip reader for protected data: find an entry by name in the central
//! directory and read it (stored or deflated), with sizes bounded. No zip64 (the apps read
//! fields far below 4 GiB), no encryption.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
const CENTRAL_DIRECTORY_ENTRY: u32 = 0x0201_4b50;
const LOCAL_HEADER: u32 = 0x0403_4b50;
const END_RECORD_LEN: usize = 22;
const MAX_COMMENT_LEN: usize = 0xffff;
/// Largest central directory read (about 20,000 entries).
const MAX_CENTRAL_DIRECTORY: usize = 1 << 20;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;

/// An open archive: its file and its central directory.
pub struct Archive {
    file: File,
    central_directory: Vec<u8>,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn malformed(what: &str) -> String {
    format!("the protected data is not a valid zip ({what})")
}

fn io(error: std::io::Error) -> String {
    format!("cannot read the protected data: {error}")
}

impl Archive {
    /// Reads the end record and the central directory.
    pub fn open(mut file: File) -> Result<Self, String> {
        let len = file.seek(SeekFrom::End(0)).map_err(io)?;
        let tail_len = len.min((END_RECORD_LEN + MAX_COMMENT_LEN) as u64);
        file.seek(SeekFrom::Start(len - tail_len)).map_err(io)?;
        let mut tail = vec![0; tail_len as usize];
        file.read_exact(&mut tail).map_err(io)?;
        let end = (0..=tail.len().saturating_sub(END_RECORD_LEN))
            .rev()
            .find(|&at| u32_at(&tail, at) == Some(END_OF_CENTRAL_DIRECTORY))
            .ok_or_else(|| malformed("no end of central directory"))?;
        let size = u32_at(&tail, end + 12).ok_or_else(|| malformed("short end record"))? as usize;
        let offset = u32_at(&tail, end + 16).ok_or_else(|| malformed("short end record"))?;
        if size > MAX_CENTRAL_DIRECTORY || u64::from(offset) + size as u64 > len {
            return Err(malformed("central directory out of bounds"));
        }
        file.seek(SeekFrom::Start(offset.into())).map_err(io)?;
        let mut central_directory = vec![0; size];
        file.read_exact(&mut central_directory).map_err(io)?;
        Ok(Self {
            file,
            central_directory,
        })
    }

    /// The content of entry `name`, if present; more than `limit` bytes is an error.
    pub fn read(&mut self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, String> {
        let directory = &self.central_directory;
        let mut at = 0;
        while at < directory.len() {
            let short = || malformed("short central directory entry");
            if u32_at(directory, at) != Some(CENTRAL_DIRECTORY_ENTRY) {
                return Err(malformed("bad central directory entry"));
            }
            let method = u16_at(directory, at + 10).ok_or_else(short)?;
            let compressed = u32_at(directory, at + 20).ok_or_else(short)?;
            let size = u32_at(directory, at + 24).ok_or_else(short)?;
            let name_len = usize::from(u16_at(directory, at + 28).ok_or_else(short)?);
            let extra_len = usize::from(u16_at(directory, at + 30).ok_or_else(short)?);
            let comment_len = usize::from(u16_at(directory, at + 32).ok_or_else(short)?);
            let local_header = u32_at(directory, at + 42).ok_or_else(short)?;
            let entry_name = directory
                .get(at + 46..at + 46 + name_len)
                .ok_or_else(short)?;
            if entry_name == name.as_bytes() {
                if u64::from(size) > limit || u64::from(compressed) > limit {
                    return Err(format!(
                        "the `{name}` field of the protected data is larger than {limit} bytes"
                    ));
                }
                return self.entry(local_header, method, compressed, size).map(Some);
            }
            at += 46 + name_len + extra_len + comment_len;
        }
        Ok(None)
    }

    fn entry(
        &mut self,
        local_header: u32,
        method: u16,
        compressed: u32,
        size: u32,
    ) -> Result<Vec<u8>, String> {
        let mut header = [0u8; 30];
        self.file
            .seek(SeekFrom::Start(local_header.into()))
            .map_err(io)?;
        self.file.read_exact(&mut header).map_err(io)?;
        if u32_at(&header, 0) != Some(LOCAL_HEADER) {
            return Err(malformed("bad local header"));
        }
        let skip = u64::from(u16_at(&header, 26).unwrap_or(0))
            + u64::from(u16_at(&header, 28).unwrap_or(0));
        self.file.seek(SeekFrom::Current(skip as i64)).map_err(io)?;
        let mut data = vec![0; compressed as usize];
        self.file.read_exact(&mut data).map_err(io)?;
        let content = match method {
            STORED => data,
            DEFLATED => miniz_oxide::inflate::decompress_to_vec_with_limit(&data, size as usize)
                .map_err(|_| malformed("bad deflate data"))?,
            other => return Err(malformed(&format!("compression method {other}"))),
        };
        if content.len() != size as usize {
            return Err(malformed("entry size differs from the directory's"));
        }
        Ok(content)
    }
}
