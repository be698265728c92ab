//! Quote generation inside a TDX guest through the kernel's configfs-tsm interface
//! (`Documentation/ABI/testing/configfs-tsm`): create an entry under the report directory,
//! write the 64 bytes of report data to `inblob`, read the quote from `outblob`, and check that
//! `generation` (bumped by the kernel on every write to the entry) moved by our write only,
//! so that the quote is over our report data and not a concurrent writer's. The entry is removed afterwards.

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::DcapError;
use crate::error::TeeError;
use crate::evidence::{Attester, Evidence, EvidenceKind, ReportData};

/// Where the kernel mounts configfs-tsm reports.
pub const DEFAULT_TSM_REPORT_DIR: &str = "/sys/kernel/config/tsm/report";

/// The configfs-tsm provider of TDX guests.
const TDX_PROVIDER: &str = "tdx_guest";

/// Attempts before giving up on an entry that keeps being written concurrently.
const MAX_ATTEMPTS: u32 = 3;

/// A quote larger than this is refused (TDX quotes are about 5 KiB).
const MAX_QUOTE_LEN: u64 = 1 << 20;

/// Runs after the attester creates an entry directory, before it uses it.
pub type EntryHook = Arc<dyn Fn(&Path) -> std::io::Result<()> + Send + Sync>;

/// Produces DCAP quotes through configfs-tsm.
#[derive(Clone)]
pub struct TsmAttester {
    root: PathBuf,
    entry_prefix: String,
    next_entry: Arc<AtomicU64>,
    on_entry_created: Option<EntryHook>,
}

impl fmt::Debug for TsmAttester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TsmAttester")
            .field("root", &self.root)
            .field("entry_prefix", &self.entry_prefix)
            .finish_non_exhaustive()
    }
}

impl Default for TsmAttester {
    fn default() -> Self {
        Self::new(DEFAULT_TSM_REPORT_DIR)
    }
}

impl TsmAttester {
    /// An attester over the configfs-tsm report directory `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            entry_prefix: format!("confide-{}", std::process::id()),
            next_entry: Arc::new(AtomicU64::new(0)),
            on_entry_created: None,
        }
    }

    /// Calls `hook` with each entry directory right after creating it. On configfs the kernel
    /// populates the entry itself; the hook lets a plain directory stand in for configfs (the
    /// hook plays the kernel: creates `provider`, `generation`, `outblob`).
    pub fn on_entry_created(mut self, hook: EntryHook) -> Self {
        self.on_entry_created = Some(hook);
        self
    }

    /// The report directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn create_entry(&self) -> Result<PathBuf, TeeError> {
        loop {
            let sequence = self.next_entry.fetch_add(1, Ordering::Relaxed);
            let entry = self.root.join(format!("{}-{sequence}", self.entry_prefix));
            match std::fs::create_dir(&entry) {
                Ok(()) => return Ok(entry),
                // A stale entry of an earlier process with our pid: take the next name.
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(source) => {
                    return Err(TeeError::Io {
                        what: format!("creating configfs-tsm entry {}", entry.display()),
                        source,
                    });
                }
            }
        }
    }

    fn attempt(&self, entry: &Path, report_data: &ReportData) -> Result<Attempt, TeeError> {
        if let Some(hook) = &self.on_entry_created {
            hook(entry).map_err(|source| io("preparing", entry, source))?;
        }
        let provider = read_text(&entry.join("provider"))?;
        if provider != TDX_PROVIDER {
            return Err(DcapError::UnsupportedTsmProvider { got: provider }.into());
        }
        // Our write bumps the generation once; any other bump is a concurrent writer's.
        let expected = read_generation(entry)?.saturating_add(1);
        let inblob = entry.join("inblob");
        std::fs::write(&inblob, report_data).map_err(|source| io("writing", &inblob, source))?;
        let outblob = entry.join("outblob");
        let mut quote = Vec::new();
        std::fs::File::open(&outblob)
            .and_then(|file| file.take(MAX_QUOTE_LEN + 1).read_to_end(&mut quote))
            .map_err(|source| io("reading", &outblob, source))?;
        if quote.len() as u64 > MAX_QUOTE_LEN {
            return Err(TeeError::Malformed {
                what: "configfs-tsm outblob",
                reason: format!("larger than {MAX_QUOTE_LEN} bytes"),
            });
        }
        let got = read_generation(entry)?;
        Ok(if got == expected {
            Attempt::Quote(quote)
        } else {
            Attempt::Conflict { expected, got }
        })
    }
}

enum Attempt {
    Quote(Vec<u8>),
    Conflict { expected: u64, got: u64 },
}

impl Attester for TsmAttester {
    fn attest(&self, report_data: &ReportData) -> Result<Evidence, TeeError> {
        let mut last_conflict = (0, 0);
        for _ in 0..MAX_ATTEMPTS {
            let entry = self.create_entry()?;
            let attempt = self.attempt(&entry, report_data);
            remove_entry(&entry);
            match attempt? {
                Attempt::Quote(data) => {
                    return Ok(Evidence {
                        kind: EvidenceKind::DcapQuote,
                        data,
                    });
                }
                Attempt::Conflict { expected, got } => last_conflict = (expected, got),
            }
        }
        Err(DcapError::TsmConflict {
            attempts: MAX_ATTEMPTS,
            expected: last_conflict.0,
            got: last_conflict.1,
        }
        .into())
    }
}

fn io(action: &str, path: &Path, source: std::io::Error) -> TeeError {
    TeeError::Io {
        what: format!("{action} {}", path.display()),
        source,
    }
}

fn read_text(path: &Path) -> Result<String, TeeError> {
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(4096).read_to_string(&mut text))
        .map_err(|source| io("reading", path, source))?;
    Ok(text.trim().to_owned())
}

fn read_generation(entry: &Path) -> Result<u64, TeeError> {
    let path = entry.join("generation");
    let text = read_text(&path)?;
    text.parse().map_err(|_| TeeError::Malformed {
        what: "configfs-tsm generation",
        reason: format!("{text:?} is not a number"),
    })
}

/// Removes an entry: `rmdir` on configfs (which drops its attributes with it); a plain
/// directory standing in for configfs needs its files removed first. Failure only leaks an
/// entry, so it is logged, not returned.
fn remove_entry(entry: &Path) {
    let removed = std::fs::remove_dir(entry).or_else(|_| std::fs::remove_dir_all(entry));
    if let Err(error) = removed {
        tracing::warn!(entry = %entry.display(), %error, "could not remove configfs-tsm entry");
    }
}
