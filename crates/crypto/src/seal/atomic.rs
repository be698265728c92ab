//! All-or-nothing output files.

use std::fs::File;
use std::io::{self, Seek, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// A file that appears at its destination only when [`commit`](Self::commit) is called.
///
/// Data goes to a temporary file in the destination's directory (same file system, so the
/// final rename is atomic); committing flushes, syncs and renames it over the destination.
/// Dropping it uncommitted removes the temporary file and leaves any pre-existing destination
/// untouched. Used so that decryption leaves no output unless everything authenticated.
/// The temporary file is created with mode 0600 on Unix.
#[derive(Debug)]
pub struct AtomicFile {
    temp: NamedTempFile,
    destination: PathBuf,
}

impl AtomicFile {
    /// Creates the temporary file next to `destination` (which is not touched yet).
    pub fn create(destination: impl AsRef<Path>) -> io::Result<Self> {
        let destination = destination.as_ref().to_path_buf();
        let dir = match destination.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = destination
            .file_name()
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{} is not a file path", destination.display()),
                )
            })?
            .to_string_lossy()
            .into_owned();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".partial")
            .tempfile_in(dir)?;
        Ok(Self { temp, destination })
    }

    /// The final path.
    pub fn destination(&self) -> &Path {
        &self.destination
    }

    /// The temporary file's path (removed on drop unless committed).
    pub fn temp_path(&self) -> &Path {
        self.temp.path()
    }

    /// The underlying temporary file.
    pub fn as_file(&self) -> &File {
        self.temp.as_file()
    }

    /// Flushes, syncs and renames the temporary file to the destination, replacing it.
    pub fn commit(mut self) -> io::Result<()> {
        self.temp.flush()?;
        self.temp.as_file().sync_all()?;
        self.temp
            .persist(&self.destination)
            .map_err(|persist_error| persist_error.error)?;
        Ok(())
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, position: io::SeekFrom) -> io::Result<u64> {
        self.temp.seek(position)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.temp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.temp.flush()
    }
}
