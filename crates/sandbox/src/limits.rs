//! What one run may use.

use confide_protocol::consensus::Category;
use std::time::Duration;

/// Limits of one run. The wall time comes from the deal's category; the others are the
/// worker's policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest linear memory, bytes (a wasm32 memory cannot exceed 4 GiB anyway).
    pub memory_bytes: u64,
    /// Wall time from start to exit.
    pub wall_time: Duration,
    /// Bytes the app may write into `iexec_out` (every write counts, overwrites included), and
    /// the largest total size of its files after the run.
    pub output_bytes: u64,
    /// Files, directories and links the app may have in `iexec_out`.
    pub output_files: u64,
    /// How much of the end of stdout and of stderr is kept for the caller, bytes each.
    pub stdio_tail_bytes: usize,
}

impl Limits {
    /// Defaults, with the wall time of `category` (its maximum compute time).
    pub fn for_category(category: &Category) -> Self {
        Self {
            wall_time: Duration::from_secs(category.work_clock_time_ref),
            ..Self::default()
        }
    }
}

impl Default for Limits {
    /// 2 GiB of memory, 5 minutes (category XS), 1 GiB and 10,000 files of output, 16 KiB
    /// tails.
    fn default() -> Self {
        Self {
            memory_bytes: 2 << 30,
            wall_time: Duration::from_secs(300),
            output_bytes: 1 << 30,
            output_files: 10_000,
            stdio_tail_bytes: 16 << 10,
        }
    }
}

/// The store's resource limiter: memory above the limit is refused (the guest's `memory.grow`
/// returns -1, instantiation fails for declared memories) and remembered, so a guest that dies
/// of it is reported as [`crate::SandboxError::OutOfMemory`] and not as a plain trap.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    pub(crate) limit: u64,
    /// The largest refused request, bytes.
    pub(crate) refused: Option<u64>,
}

/// Table elements a module may have: far above what compilers emit, far below host trouble.
const MAX_TABLE_ELEMENTS: usize = 1 << 20;

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let desired = desired as u64;
        if desired > self.limit {
            self.refused = Some(self.refused.map_or(desired, |seen| seen.max(desired)));
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    /// The app and the guards' shim.
    fn instances(&self) -> usize {
        2
    }

    fn memories(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        4
    }
}
