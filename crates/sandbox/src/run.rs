//! One run: the store's state, the output directory's accounting and `computed.json`.

use crate::clock::GuestClocks;
use crate::error::SandboxError;
use crate::guard::Originals;
use crate::limits::MemoryLimiter;
use crate::module::Measurement;
use confide_protocol::result::ComputedFile;
use std::collections::VecDeque;
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};
use wasmtime_wasi::p1::WasiP1Ctx;

/// Largest `computed.json` read.
const MAX_COMPUTED_JSON_BYTES: u64 = 64 << 10;

/// The store's data for one run.
pub(crate) struct RunState {
    pub(crate) wasi: WasiP1Ctx,
    pub(crate) memory: MemoryLimiter,
    pub(crate) output: OutputAccount,
    pub(crate) stdout: Tail,
    pub(crate) stderr: Tail,
    pub(crate) originals: Option<Originals>,
    /// When the wall time runs out.
    pub(crate) deadline: Instant,
    /// The guest's clocks.
    pub(crate) clocks: GuestClocks,
    /// Why a guard stopped the guest, if one did.
    pub(crate) stop: Option<Stop>,
}

/// A guard's reason for stopping the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    OutputTooLarge { got: u64 },
    TooManyFiles { got: u64 },
    Timeout,
}

/// What the guest has put into `iexec_out` so far.
#[derive(Debug)]
pub(crate) struct OutputAccount {
    pub(crate) dir: PathBuf,
    pub(crate) written: u64,
    pub(crate) byte_limit: u64,
    /// Entries in the directory: exact after a count, an upper bound in between.
    pub(crate) entries: u64,
    pub(crate) entry_limit: u64,
}

/// The last `capacity` bytes written to a stream.
#[derive(Debug)]
pub(crate) struct Tail {
    bytes: VecDeque<u8>,
    capacity: usize,
}

impl Tail {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            bytes: VecDeque::new(),
            capacity,
        }
    }

    pub(crate) fn push(&mut self, chunk: &[u8]) {
        let chunk = &chunk[chunk.len().saturating_sub(self.capacity)..];
        let overflow = (self.bytes.len() + chunk.len()).saturating_sub(self.capacity);
        self.bytes.drain(..overflow);
        self.bytes.extend(chunk);
    }

    pub(crate) fn text(&self) -> String {
        let (front, back) = self.bytes.as_slices();
        String::from_utf8_lossy(&[front, back].concat()).into_owned()
    }
}

/// Entries (files, directories, links) under `dir`, counting stops once past `stop_after`.
/// Links are not followed. Unreadable parts count as nothing.
pub(crate) fn count_entries(dir: &Path, stop_after: u64) -> u64 {
    let mut count = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            count += 1;
            if count > stop_after {
                return count;
            }
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                pending.push(entry.path());
            }
        }
    }
    count
}

/// Size of the regular files under `dir` (apparent size: a sparse file counts fully) and the
/// number of entries.
pub(crate) fn measure_output(dir: &Path) -> Result<(u64, u64), SandboxError> {
    let mut bytes = 0u64;
    let mut entries = 0u64;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let listing = std::fs::read_dir(&current).map_err(|source| SandboxError::Io {
            what: "reading the output directory",
            path: current.clone(),
            source,
        })?;
        for entry in listing {
            let entry = entry.map_err(|source| SandboxError::Io {
                what: "reading the output directory",
                path: current.clone(),
                source,
            })?;
            entries += 1;
            let metadata =
                std::fs::symlink_metadata(entry.path()).map_err(|source| SandboxError::Io {
                    what: "inspecting an output entry",
                    path: entry.path(),
                    source,
                })?;
            if metadata.is_dir() {
                pending.push(entry.path());
            } else if metadata.is_file() {
                bytes = bytes.saturating_add(metadata.len());
            }
        }
    }
    Ok((bytes, entries))
}

/// Reads and checks `computed.json` in the host output directory: a regular file (never
/// followed through a link), small, JSON of the protocol's shape, naming a deterministic output
/// inside `/iexec_out` that exists, or callback data.
pub(crate) fn read_computed_json(output_dir: &Path) -> Result<ComputedFile, SandboxError> {
    let path = output_dir.join("computed.json");
    let metadata = match std::fs::symlink_metadata(&path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(SandboxError::MissingComputedJson);
        }
        Err(source) => {
            return Err(SandboxError::Io {
                what: "reading",
                path,
                source,
            });
        }
    };
    let bad = |reason: String| SandboxError::BadComputedJson { reason };
    if !metadata.is_file() {
        return Err(bad("it is not a regular file".into()));
    }
    if metadata.len() > MAX_COMPUTED_JSON_BYTES {
        return Err(bad(format!(
            "it is {} bytes, above {MAX_COMPUTED_JSON_BYTES}",
            metadata.len()
        )));
    }
    let text = std::fs::read(&path).map_err(|source| SandboxError::Io {
        what: "reading",
        path: path.clone(),
        source,
    })?;
    let computed: ComputedFile =
        serde_json::from_slice(&text).map_err(|error| bad(error.to_string()))?;
    match (&computed.deterministic_output_path, &computed.callback_data) {
        (None, None) => {
            return Err(bad(
                "it has neither deterministic-output-path nor callback-data".into(),
            ));
        }
        (Some(output), _) => {
            let host_path = host_output_path(output_dir, output).ok_or_else(|| {
                bad(format!(
                    "deterministic-output-path {output:?} is not inside {}",
                    crate::env::IEXEC_OUT
                ))
            })?;
            // Every component is checked without following links: a link the app made could
            // point anywhere on the host.
            let mut metadata = std::fs::symlink_metadata(output_dir);
            for prefix in host_path.ancestors().collect::<Vec<_>>().iter().rev() {
                if prefix.starts_with(output_dir) && *prefix != output_dir {
                    metadata = std::fs::symlink_metadata(prefix);
                    if metadata
                        .as_ref()
                        .is_ok_and(|metadata| metadata.is_symlink())
                    {
                        return Err(bad(format!(
                            "deterministic-output-path {output:?} goes through a symbolic link"
                        )));
                    }
                }
            }
            let metadata = metadata.map_err(|_| {
                bad(format!(
                    "deterministic-output-path {output:?} does not exist"
                ))
            })?;
            if !metadata.is_file() && !metadata.is_dir() {
                return Err(bad(format!(
                    "deterministic-output-path {output:?} is neither a file nor a directory"
                )));
            }
        }
        (None, Some(_)) => {}
    }
    Ok(computed)
}

/// The host path of a guest path under `/iexec_out` (no `..`, no other root).
fn host_output_path(output_dir: &Path, guest_path: &str) -> Option<PathBuf> {
    let relative = Path::new(guest_path)
        .strip_prefix(crate::env::IEXEC_OUT)
        .ok()?;
    let mut host = output_dir.to_path_buf();
    for component in relative.components() {
        match component {
            Component::Normal(part) => host.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(host)
}

/// A successful run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    /// The module that ran.
    pub measurement: Measurement,
    /// Always 0: other codes are [`SandboxError::NonZeroExit`].
    pub exit_code: i32,
    /// The app's `computed.json`.
    pub computed: ComputedFile,
    /// Size of the files in `iexec_out`, bytes.
    pub output_bytes: u64,
    /// Files, directories and links in `iexec_out`.
    pub output_files: u64,
    /// From instantiation to exit.
    pub wall_time: Duration,
    /// The end of the app's stdout.
    pub stdout_tail: String,
    /// The end of the app's stderr.
    pub stderr_tail: String,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn computed_json_error(output: &str, prepare: impl FnOnce(&Path)) -> String {
        let dir = tempfile::tempdir().unwrap();
        prepare(dir.path());
        std::fs::write(
            dir.path().join("computed.json"),
            format!(r#"{{"deterministic-output-path":"{output}"}}"#),
        )
        .unwrap();
        read_computed_json(dir.path()).unwrap_err().to_string()
    }

    #[test]
    fn deterministic_outputs_are_never_reached_through_links() {
        let through_link = computed_json_error("/iexec_out/etc/passwd", |dir| {
            std::os::unix::fs::symlink("/etc", dir.join("etc")).unwrap();
        });
        assert!(
            through_link.contains("goes through a symbolic link"),
            "{through_link}"
        );
        let a_link = computed_json_error("/iexec_out/passwd", |dir| {
            std::os::unix::fs::symlink("/etc/passwd", dir.join("passwd")).unwrap();
        });
        assert!(a_link.contains("goes through a symbolic link"), "{a_link}");
    }

    #[test]
    fn deterministic_outputs_stay_in_iexec_out() {
        for path in [
            "/iexec_in/x",
            "/iexec_out/../x",
            "/iexec_outside",
            "relative",
        ] {
            let error = computed_json_error(path, |_| {});
            assert!(
                error.contains("is not inside /iexec_out"),
                "{path}: {error}"
            );
        }
        let missing = computed_json_error("/iexec_out/nothing", |_| {});
        assert!(missing.contains("does not exist"), "{missing}");
    }

    #[test]
    fn computed_json_itself_must_be_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("computed.json")).unwrap();
        let error = read_computed_json(dir.path()).unwrap_err().to_string();
        assert!(error.contains("not a regular file"), "{error}");
    }

    #[test]
    fn callback_data_alone_is_enough_and_nothing_is_not() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("computed.json"),
            r#"{"callback-data":"0x01"}"#,
        )
        .unwrap();
        let computed = read_computed_json(dir.path()).unwrap();
        assert_eq!(computed.callback_data.as_deref(), Some("0x01"));
        std::fs::write(dir.path().join("computed.json"), "{}").unwrap();
        let error = read_computed_json(dir.path()).unwrap_err().to_string();
        assert!(error.contains("neither"), "{error}");
    }

    #[test]
    fn tails_keep_the_last_bytes() {
        let mut tail = Tail::new(4);
        tail.push(b"ab");
        tail.push(b"cdef");
        assert_eq!(tail.text(), "cdef");
        tail.push(b"0123456789");
        assert_eq!(tail.text(), "6789");
        tail.push(b"x");
        assert_eq!(tail.text(), "789x");
    }
}
