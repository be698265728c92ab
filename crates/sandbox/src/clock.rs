//! The guest's clocks and random bytes: the host's, or reproducible ones ([`Determinism`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Makes a run reproducible: the same module on the same inputs with the same `Determinism`
/// writes the same bytes on any host, which is what replicated (non-TEE) tasks need for honest
/// workers to agree.
///
/// - WASI random bytes come from ChaCha20 seeded with [`Self::random_seed`];
/// - the wall clock starts at [`Self::wall_clock`] and the monotonic clock at 0; both advance
///   by [`VIRTUAL_TICK`] on every read of either, never with host time, so a guest cannot
///   measure how fast the host runs it (and a guest polling a clock still sees it move);
/// - NaN results are canonical in every run (an engine setting of the sandbox, see
///   [`crate::Sandbox::new`]).
///
/// What it does not cover: the order of `fd_readdir` entries and the timestamps of files, which
/// come from the host's file system (write outputs in an order the app chooses, and do not
/// read file times).
#[derive(Clone, PartialEq, Eq)]
pub struct Determinism {
    /// Seed of the guest's random bytes (a task id, for instance).
    pub random_seed: [u8; 32],
    /// What the guest's wall clock reads first, since the UNIX epoch (a deal's start time).
    pub wall_clock: Duration,
}

impl std::fmt::Debug for Determinism {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The seed is not a secret (anyone replaying the task must know it), but it is noise.
        f.debug_struct("Determinism")
            .field("wall_clock", &self.wall_clock)
            .finish_non_exhaustive()
    }
}

/// How far the virtual clocks of a deterministic run move per read.
pub const VIRTUAL_TICK: Duration = Duration::from_millis(1);

/// The clocks a run's guest sees, shared by the WASI clock implementations and the
/// `poll_oneoff` guard (which must read absolute deadlines on the same clocks).
#[derive(Debug, Clone)]
pub(crate) enum GuestClocks {
    /// The host's: monotonic nanoseconds since the run's start, and the system time.
    Host { origin: Instant },
    /// Virtual: both clocks advance by [`VIRTUAL_TICK`] per read of either.
    Virtual {
        wall_start: Duration,
        reads: Arc<AtomicU64>,
    },
}

impl GuestClocks {
    pub(crate) fn host(origin: Instant) -> Self {
        Self::Host { origin }
    }

    pub(crate) fn virtual_from(wall_start: Duration) -> Self {
        Self::Virtual {
            wall_start,
            reads: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The monotonic clock now, nanoseconds, without counting a read.
    pub(crate) fn monotonic_peek(&self) -> Duration {
        match self {
            Self::Host { origin } => origin.elapsed(),
            Self::Virtual { reads, .. } => virtual_elapsed(reads.load(Ordering::Relaxed)),
        }
    }

    /// The wall clock now, since the UNIX epoch, without counting a read.
    pub(crate) fn wall_peek(&self) -> Duration {
        match self {
            Self::Host { .. } => SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default(),
            Self::Virtual {
                wall_start, reads, ..
            } => wall_start.saturating_add(virtual_elapsed(reads.load(Ordering::Relaxed))),
        }
    }

    /// A read by the guest: virtual clocks advance.
    fn read(&self) -> (Duration, Duration) {
        match self {
            Self::Host { .. } => (self.monotonic_peek(), self.wall_peek()),
            Self::Virtual { wall_start, reads } => {
                let elapsed = virtual_elapsed(reads.fetch_add(1, Ordering::Relaxed) + 1);
                (elapsed, wall_start.saturating_add(elapsed))
            }
        }
    }

    /// The WASI monotonic clock of this run.
    pub(crate) fn monotonic(&self) -> MonotonicClock {
        MonotonicClock(self.clone())
    }

    /// The WASI wall clock of a virtual run (host runs keep wasmtime-wasi's).
    pub(crate) fn wall(&self) -> Option<WallClock> {
        matches!(self, Self::Virtual { .. }).then(|| WallClock(self.clone()))
    }
}

fn virtual_elapsed(reads: u64) -> Duration {
    VIRTUAL_TICK.saturating_mul(u32::try_from(reads).unwrap_or(u32::MAX))
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// [`GuestClocks`] as WASI's monotonic clock.
#[derive(Debug)]
pub(crate) struct MonotonicClock(GuestClocks);

impl wasmtime_wasi::HostMonotonicClock for MonotonicClock {
    fn resolution(&self) -> u64 {
        match self.0 {
            GuestClocks::Host { .. } => 1,
            GuestClocks::Virtual { .. } => nanos(VIRTUAL_TICK),
        }
    }

    fn now(&self) -> u64 {
        nanos(self.0.read().0)
    }
}

/// [`GuestClocks`] as WASI's wall clock (virtual runs).
#[derive(Debug)]
pub(crate) struct WallClock(GuestClocks);

impl wasmtime_wasi::HostWallClock for WallClock {
    fn resolution(&self) -> Duration {
        VIRTUAL_TICK
    }

    fn now(&self) -> Duration {
        self.0.read().1
    }
}

/// The guest's random bytes in a deterministic run: ChaCha20 from the seed.
pub(crate) fn seeded_random(seed: [u8; 32]) -> chacha20::ChaCha20Rng {
    use chacha20::rand_core::SeedableRng as _;
    chacha20::ChaCha20Rng::from_seed(seed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use wasmtime_wasi::{HostMonotonicClock as _, HostWallClock as _};

    #[test]
    fn virtual_clocks_move_per_read_only() {
        let clocks = GuestClocks::virtual_from(Duration::from_secs(1_000));
        let (monotonic, wall) = (clocks.monotonic(), clocks.wall().unwrap());
        assert_eq!(clocks.monotonic_peek(), Duration::ZERO);
        assert_eq!(monotonic.now(), 1_000_000);
        assert_eq!(wall.now(), Duration::from_secs(1_000) + 2 * VIRTUAL_TICK);
        assert_eq!(monotonic.now(), 3_000_000);
        assert_eq!(clocks.monotonic_peek(), 3 * VIRTUAL_TICK);
        assert_eq!(
            clocks.wall_peek(),
            Duration::from_secs(1_000) + 3 * VIRTUAL_TICK
        );
        assert!(GuestClocks::host(Instant::now()).wall().is_none());
    }
}
