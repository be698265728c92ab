//! The data directory: one subdirectory per service, locked while a node uses it.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::NodeError;

/// The lock file of a node's data directory (it holds the owner's pid).
pub const LOCK_FILE: &str = "node.lock";
/// The lock file of a dev chain's directory, `confide chain dev`'s or a node's.
pub const CHAIN_LOCK_FILE: &str = "chain.lock";

/// What the node keeps in its data directory, each service in its own subdirectory; `--reset`
/// removes these and nothing else (the directory may be one a person chose).
pub(crate) mod layout {
    pub(crate) const CHAIN: &str = "chain";
    pub(crate) const STORAGE: &str = "storage";
    pub(crate) const SMS: &str = "sms";
    pub(crate) const MARKET: &str = "market";
    pub(crate) const INDEXER: &str = "indexer";
    pub(crate) const SCHEDULER: &str = "scheduler";
    pub(crate) const WORKERS: &str = "workers";
    pub(crate) const ALL: [&str; 7] = [CHAIN, STORAGE, SMS, MARKET, INDEXER, SCHEDULER, WORKERS];
}

/// A directory locked by this process, released when dropped. The lock file holds the pid of
/// its holder, for the message another process gets.
#[derive(Debug)]
pub struct DirLock {
    path: PathBuf,
    _file: File,
}

/// A directory that cannot be locked.
#[derive(Debug, thiserror::Error)]
pub enum DirLockError {
    /// Another process holds it.
    #[error("{} is in use{}", path.display(), holder.as_ref().map(|pid| format!(" by pid {pid}")).unwrap_or_default())]
    Locked {
        /// The directory.
        path: PathBuf,
        /// The pid written by its holder, when known.
        holder: Option<String>,
    },
    /// The directory or its lock file cannot be used.
    #[error("cannot {what} {}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl DirLock {
    /// Creates `dir` if needed and locks it with the file `lock_file` in it.
    pub fn acquire(dir: &Path, lock_file: &str) -> Result<Self, DirLockError> {
        let io = |what, path: &Path| {
            let path = path.to_owned();
            move |source| DirLockError::Io { what, path, source }
        };
        let path = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
        std::fs::create_dir_all(&path).map_err(io("create the data directory", &path))?;
        let lock_path = path.join(lock_file);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io("open the lock file", &lock_path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&lock_path)
                    .ok()
                    .map(|pid| pid.trim().to_owned())
                    .filter(|pid| !pid.is_empty());
                return Err(DirLockError::Locked { path, holder });
            }
            Err(TryLockError::Error(error)) => return Err(io("lock", &lock_path)(error)),
        }
        // The pid only helps the message above; failing to write it is harmless.
        if file.set_len(0).is_ok() {
            let _ = write!(file, "{}", std::process::id());
        }
        Ok(Self { path, _file: file })
    }

    /// The directory (absolute).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The node's data directory, locked while a node uses it.
#[derive(Debug)]
pub(crate) struct DataDir {
    lock: DirLock,
}

impl DataDir {
    /// Creates `root` if needed and locks it: two nodes on one directory would corrupt the
    /// chain's journal and the databases.
    pub(crate) fn lock(root: &Path) -> Result<Self, NodeError> {
        let lock = DirLock::acquire(root, LOCK_FILE).map_err(|error| match error {
            DirLockError::Locked { path, holder } => NodeError::Locked { path, holder },
            DirLockError::Io { what, path, source } => NodeError::Io { what, path, source },
        })?;
        Ok(Self { lock })
    }

    /// The directory.
    pub(crate) fn root(&self) -> &Path {
        self.lock.path()
    }

    /// Removes everything a node wrote (not the lock, not files it does not know).
    pub(crate) fn reset(&self) -> Result<(), NodeError> {
        for name in layout::ALL {
            let path = self.root().join(name);
            match std::fs::remove_dir_all(&path) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(NodeError::io("remove", path)(error)),
            }
        }
        let network = self.root().join(confide_sdk::network::NETWORK_FILE);
        match std::fs::remove_file(&network) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(NodeError::io("remove", network)(error)),
        }
    }

    /// The subdirectory `name`, created if missing.
    pub(crate) fn service(&self, name: &str) -> Result<PathBuf, NodeError> {
        let path = self.root().join(name);
        std::fs::create_dir_all(&path).map_err(NodeError::io("create", &path))?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_lock_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDir::lock(dir.path()).unwrap();
        let second = DataDir::lock(dir.path()).unwrap_err();
        assert!(matches!(second, NodeError::Locked { .. }), "{second}");
        assert!(second.to_string().contains("in use"), "{second}");
        drop(first);
        assert!(DataDir::lock(dir.path()).is_ok());
    }

    #[test]
    fn reset_removes_only_what_the_node_wrote() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::lock(dir.path()).unwrap();
        let chain = data.service(layout::CHAIN).unwrap();
        std::fs::write(chain.join("chain.journal"), b"x").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
        data.reset().unwrap();
        assert!(!chain.exists());
        assert!(dir.path().join("notes.txt").exists());
        assert!(dir.path().join(LOCK_FILE).exists());
    }
}
