//! Result zips read defensively, in memory: nothing is written to disk, and a hostile archive
//! is refused before it costs much. The entry count is read from the end record before the
//! central directory is parsed; every name must be a plain relative path (no `..`, `.`,
//! absolute paths, backslashes, empty parts); symbolic links and duplicates are refused;
//! entries are inflated under a total budget and a ratio limit (a lying declared size is caught
//! while reading).

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// The end-of-central-directory record's signature and fixed size.
const EOCD_SIGNATURE: [u8; 4] = [0x50, 0x4b, 0x05, 0x06];
const EOCD_LEN: usize = 22;

/// What a zip may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZipLimits {
    /// Most entries.
    pub max_entries: usize,
    /// Most bytes once inflated, all entries together.
    pub max_inflated_bytes: u64,
    /// Largest inflated-to-compressed ratio of an entry.
    pub max_ratio: u64,
}

impl Default for ZipLimits {
    fn default() -> Self {
        Self {
            max_entries: 1_000,
            max_inflated_bytes: 256 << 20,
            max_ratio: 200,
        }
    }
}

/// Why a zip is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipError {
    /// Not a readable zip.
    #[error("not a valid zip: {0}")]
    NotAZip(String),
    /// More entries than allowed.
    #[error("the zip has {found} entries, at most {max} are accepted")]
    TooManyEntries {
        /// Entries listed.
        found: u64,
        /// The limit.
        max: usize,
    },
    /// Inflates past the budget or the ratio limit.
    #[error("the zip inflates beyond its limits ({0})")]
    TooLarge(String),
    /// An entry's name is not a plain relative path.
    #[error("entry name {0:?} is not a plain relative path")]
    UnsafeName(String),
    /// A symbolic link.
    #[error("entry {0:?} is a symbolic link")]
    Symlink(String),
    /// Two entries with one name.
    #[error("entry {0:?} appears twice")]
    Duplicate(String),
}

/// A relative path of plain components separated by `/`.
pub fn is_plain_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.contains(['\\', '\0'])
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// Every regular file of `zip` by name (directories are implied by the names), within `limits`.
pub fn read_files(zip: &[u8], limits: &ZipLimits) -> Result<BTreeMap<String, Vec<u8>>, ZipError> {
    let listed = listed_entries(zip)?;
    if listed > limits.max_entries as u64 {
        return Err(ZipError::TooManyEntries {
            found: listed,
            max: limits.max_entries,
        });
    }
    let mut archive =
        zip::ZipArchive::new(Cursor::new(zip)).map_err(|e| ZipError::NotAZip(e.to_string()))?;
    if archive.len() > limits.max_entries {
        return Err(ZipError::TooManyEntries {
            found: archive.len() as u64,
            max: limits.max_entries,
        });
    }
    let mut budget = limits.max_inflated_bytes;
    let mut files = BTreeMap::new();
    for index in 0..archive.len() {
        let entry = archive
            .by_index(index)
            .map_err(|e| ZipError::NotAZip(e.to_string()))?;
        let name = entry.name().to_owned();
        let path = name.strip_suffix('/').unwrap_or(&name);
        if !is_plain_relative(path) {
            return Err(ZipError::UnsafeName(name));
        }
        if entry.is_symlink() {
            return Err(ZipError::Symlink(name));
        }
        if entry.is_dir() {
            continue;
        }
        let declared = entry.size();
        if declared > budget {
            return Err(ZipError::TooLarge(format!(
                "{name:?} declares {declared} bytes, {budget} left"
            )));
        }
        let ratio = declared / entry.compressed_size().max(1);
        if ratio > limits.max_ratio {
            return Err(ZipError::TooLarge(format!(
                "{name:?} inflates {ratio}×, at most {}× accepted",
                limits.max_ratio
            )));
        }
        let mut content = Vec::with_capacity(usize::try_from(declared).unwrap_or(0).min(1 << 20));
        entry
            .take(budget.saturating_add(1))
            .read_to_end(&mut content)
            .map_err(|e| ZipError::NotAZip(format!("{name:?}: {e}")))?;
        let read = content.len() as u64;
        if read > budget {
            return Err(ZipError::TooLarge(format!(
                "{name:?} inflates past the {} byte budget",
                limits.max_inflated_bytes
            )));
        }
        budget -= read;
        if files.insert(path.to_owned(), content).is_some() {
            return Err(ZipError::Duplicate(name));
        }
    }
    Ok(files)
}

/// The entry count of the end-of-central-directory record, read before anything else (so a
/// directory of millions of entries is refused before it is parsed). Zip64 archives are not
/// accepted: a result never needs one.
fn listed_entries(zip: &[u8]) -> Result<u64, ZipError> {
    let search_from = zip.len().saturating_sub(EOCD_LEN + usize::from(u16::MAX));
    let position = zip
        .get(search_from..)
        .and_then(|tail| {
            tail.windows(4)
                .rposition(|window| window == EOCD_SIGNATURE)
                .map(|offset| search_from + offset)
        })
        .filter(|position| position + EOCD_LEN <= zip.len())
        .ok_or_else(|| ZipError::NotAZip("no end of central directory".into()))?;
    let total = u16::from_le_bytes([zip[position + 10], zip[position + 11]]);
    if total == u16::MAX {
        return Err(ZipError::NotAZip("zip64 archives are not accepted".into()));
    }
    Ok(u64::from(total))
}
