//! The master key: 32 random bytes in a file of its own, created at first start.

use rand::RngCore;
use std::fmt;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// Length of the master key (AES-256).
pub const MASTER_KEY_LEN: usize = 32;

/// The key that encrypts every secret value and challenge private key at rest. Zeroized on drop;
/// its `Debug` prints no byte of it.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; MASTER_KEY_LEN]>);

/// Why a master key file could not be read or created.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    #[error("master key file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "master key file {path} holds {found} bytes, not {MASTER_KEY_LEN}: it is damaged or not a master key \
         (restore it from a backup; a new key cannot read the existing secrets)"
    )]
    WrongLength { path: PathBuf, found: usize },
    #[error(
        "master key file {path} is readable by other users (mode {mode:o}); run `chmod 600 {path}`"
    )]
    InsecurePermissions { path: PathBuf, mode: u32 },
}

impl MasterKey {
    /// A key from known bytes (tests, or a key kept elsewhere than a file).
    pub fn from_bytes(bytes: [u8; MASTER_KEY_LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; MASTER_KEY_LEN]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        Self(key)
    }

    pub(crate) fn bytes(&self) -> &[u8; MASTER_KEY_LEN] {
        &self.0
    }

    /// Reads the key at `path`, or creates it there (mode 0600) when no file exists. Refuses a file
    /// of the wrong length or readable by others. Creation is atomic and create-once: the key is
    /// written to a temporary file then hard-linked into place, so a crash never leaves a partial
    /// key and two processes starting together end up with the same key.
    pub fn load_or_create(path: &Path) -> Result<Self, MasterKeyError> {
        let io = |source| MasterKeyError::Io {
            path: path.to_owned(),
            source,
        };
        match Self::load(path) {
            Err(MasterKeyError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound => {}
            loaded => return loaded,
        }
        let key = Self::generate();
        let name = path.file_name().map_or_else(
            || "master-key".into(),
            |name| name.to_string_lossy().into_owned(),
        );
        let temporary = path.with_file_name(format!(
            ".{name}.{}-{:016x}.tmp",
            std::process::id(),
            rand::rngs::OsRng.next_u64()
        ));
        let written = (|| {
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&temporary)?;
            file.write_all(key.bytes())?;
            file.sync_all()?;
            std::fs::hard_link(&temporary, path)
        })();
        // The temporary name goes in every case; the key stays under `path` if linked.
        let _ = std::fs::remove_file(&temporary);
        match written {
            Ok(()) => {
                if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
                    std::fs::File::open(dir)
                        .and_then(|dir| dir.sync_all())
                        .map_err(io)?;
                }
                tracing::info!(path = %path.display(), "created a new master key");
                Ok(key)
            }
            // Another process created it first: use theirs.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Self::load(path),
            Err(error) => Err(io(error)),
        }
    }

    /// Reads the key at `path` (which must exist).
    pub fn load(path: &Path) -> Result<Self, MasterKeyError> {
        let io = |source| MasterKeyError::Io {
            path: path.to_owned(),
            source,
        };
        let metadata = std::fs::metadata(path).map_err(io)?;
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(MasterKeyError::InsecurePermissions {
                path: path.to_owned(),
                mode,
            });
        }
        let contents = Zeroizing::new(std::fs::read(path).map_err(io)?);
        if contents.len() != MASTER_KEY_LEN {
            return Err(MasterKeyError::WrongLength {
                path: path.to_owned(),
                found: contents.len(),
            });
        }
        let mut key = Zeroizing::new([0u8; MASTER_KEY_LEN]);
        key.copy_from_slice(&contents);
        Ok(Self(key))
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}
