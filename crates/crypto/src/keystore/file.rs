//! Keystore files: bounded reads, atomic no-clobber writes with owner-only permissions, geth names.

use std::{
    fs::{self, File, OpenOptions},
    io::{self, Read, Write},
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

use alloy_primitives::{Address, hex};
use rand::{RngCore, rngs::OsRng};

use super::{Keystore, KeystoreError, MAX_KEYSTORE_SIZE};

/// geth's key file name: `UTC--<YYYY-MM-DDTHH-MM-SS.nnnnnnnnnZ>--<address, lowercase, no 0x>`
/// (ISO 8601 in UTC with `-` instead of `:`). Times before 1970 are clamped to the epoch.
pub fn geth_file_name(address: Address, time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (year, month, day) = civil_from_days(secs / 86_400);
    let rem = secs % 86_400;
    format!(
        "UTC--{year:04}-{month:02}-{day:02}T{:02}-{:02}-{:02}.{:09}Z--{}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_nanos(),
        hex::encode(address)
    )
}

/// Gregorian (year, month, day) of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z / 146_097;
    let doe = z % 146_097; // day of the 400-year era
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of the March-based year
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// Reads and validates a keystore file (refused above [`MAX_KEYSTORE_SIZE`] bytes).
pub fn read_keystore_file(path: &Path) -> Result<Keystore, KeystoreError> {
    let file = File::open(path).map_err(|e| KeystoreError::io("open", path, e))?;
    let max = MAX_KEYSTORE_SIZE as u64;
    let declared = file
        .metadata()
        .map_err(|e| KeystoreError::io("stat", path, e))?
        .len();
    if declared > max {
        return Err(KeystoreError::TooLarge { got: declared, max });
    }
    // The size may change under us (or be unknown, e.g. a pipe): read at most one byte too many.
    let mut bytes = Vec::new();
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| KeystoreError::io("read", path, e))?;
    Keystore::from_json(&bytes)
}

/// Writes `keystore` to `path`, readable by the owner only (0600 on unix), atomically (temporary
/// file in the same directory, fsync, then link/rename). Never replaces an existing file:
/// returns [`KeystoreError::AlreadyExists`].
pub fn write_keystore_file(path: &Path, keystore: &Keystore) -> Result<(), KeystoreError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Some(name) = path.file_name() else {
        return Err(KeystoreError::io(
            "name",
            path,
            io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"),
        ));
    };
    let mut nonce = [0u8; 8];
    OsRng
        .try_fill_bytes(&mut nonce)
        .map_err(KeystoreError::Rng)?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        hex::encode(nonce)
    ));
    let result = write_new(&tmp, keystore.to_json().as_bytes()).and_then(|()| publish(&tmp, path));
    // After success the temporary name is already gone (renamed or unlinked).
    let _ = fs::remove_file(&tmp);
    if result.is_ok() {
        sync_dir(dir);
    }
    result
}

/// Writes `keystore` into `dir` under its geth file name for the current time; returns the path.
pub fn write_keystore_in_dir(dir: &Path, keystore: &Keystore) -> Result<PathBuf, KeystoreError> {
    let address = keystore.address().ok_or(KeystoreError::MissingAddress)?;
    let path = dir.join(geth_file_name(address, SystemTime::now()));
    write_keystore_file(&path, keystore)?;
    Ok(path)
}

fn write_new(tmp: &Path, bytes: &[u8]) -> Result<(), KeystoreError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(tmp)
        .map_err(|e| KeystoreError::io("create", tmp, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| KeystoreError::io("write", tmp, e))
}

fn publish(tmp: &Path, path: &Path) -> Result<(), KeystoreError> {
    // A hard link fails atomically if `path` exists, where rename would replace it.
    match fs::hard_link(tmp, path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(KeystoreError::AlreadyExists {
            path: path.to_owned(),
        }),
        // File systems without hard links: check, then rename (not race-free).
        Err(_) => {
            if fs::symlink_metadata(path).is_ok() {
                return Err(KeystoreError::AlreadyExists {
                    path: path.to_owned(),
                });
            }
            fs::rename(tmp, path).map_err(|e| KeystoreError::io("rename", path, e))
        }
    }
}

/// Makes the new directory entry durable (best effort; not possible on every platform).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    // Expected dates from `date -u -d @<secs>`.
    #[test]
    fn geth_names() {
        let addr = Address::repeat_byte(0xab);
        let at = |secs, nanos| UNIX_EPOCH + Duration::new(secs, nanos);
        assert_eq!(
            geth_file_name(addr, at(0, 0)),
            format!("UTC--1970-01-01T00-00-00.000000000Z--{}", "ab".repeat(20))
        );
        assert!(
            geth_file_name(addr, at(1_700_000_000, 5))
                .starts_with("UTC--2023-11-14T22-13-20.000000005Z--")
        );
        assert!(geth_file_name(addr, at(951_782_400, 0)).starts_with("UTC--2000-02-29T00-00-00."));
        assert!(
            geth_file_name(addr, at(4_107_542_399, 999_999_999))
                .starts_with("UTC--2100-02-28T23-59-59.999999999Z--")
        );
        assert!(
            geth_file_name(addr, at(1_709_251_199, 0)).starts_with("UTC--2024-02-29T23-59-59.")
        );
    }
}
