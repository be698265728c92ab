//! What a [`crate::TaskExecutor`] is built from.

use alloy_provider::RootProvider;
use alloy_signer_local::PrivateKeySigner;
use confide_chain::client::Client;
use confide_sandbox::Sandbox;
use confide_storage::Storage;
use confide_tee::Attester;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The executor's parts. One per worker process.
pub struct ExecutorConfig {
    /// The worker's wallet: it contributes, reveals and signs SMS session requests.
    pub signer: PrivateKeySigner,
    /// A chain client that signs for [`Self::signer`].
    pub chain: Client<RootProvider>,
    /// Where apps, datasets and bulk slices are fetched from and results stored.
    pub storage: Arc<dyn Storage>,
    /// The worker's TEE (its evidence binds each task's session); `None`: TEE tasks are
    /// refused as unsupported.
    pub attester: Option<Arc<dyn Attester>>,
    /// Runs the apps.
    pub sandbox: Arc<Sandbox>,
    /// Task directories (`tasks/<taskId>`, removed after each run) and replicated results
    /// waiting for upload (`results/<taskId>.zip`) live here.
    pub work_dir: PathBuf,
    /// Limits and retries.
    pub policy: ResourcePolicy,
}

impl fmt::Debug for ExecutorConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExecutorConfig")
            .field("worker", &self.signer.address())
            .field("chain_id", &self.chain.chain_id())
            .field("storage", &self.storage)
            .field("tee", &self.attester.is_some())
            .field("sandbox", &self.sandbox)
            .field("work_dir", &self.work_dir)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// The worker's limits on what a task may make it fetch, run and keep, and how it retries.
/// The app's wall time is not here: it is the deal's category's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePolicy {
    /// Largest linear memory of an app, bytes.
    pub memory_bytes: u64,
    /// Bytes an app may write into `iexec_out`.
    pub output_bytes: u64,
    /// Files and directories an app may create in `iexec_out`.
    pub output_files: u64,
    /// Largest app module fetched, bytes.
    pub max_app_bytes: u64,
    /// Largest sealed dataset fetched, bytes.
    pub max_dataset_bytes: u64,
    /// Largest input file fetched, bytes.
    pub max_input_file_bytes: u64,
    /// Most input files a task may list.
    pub max_input_files: usize,
    /// Most datasets in a bulk slice.
    pub max_bulk_datasets: usize,
    /// Connecting to an HTTP server (input files, `https://` datasets) may take this long.
    pub http_connect_timeout: Duration,
    /// An HTTP download may stay silent this long.
    pub http_read_timeout: Duration,
    /// Retries of transient download and upload failures (storage, HTTP).
    pub transfers: Backoff,
    /// Retries of an SMS that cannot be reached or fails (5xx); refusals are not retried.
    pub sms: Backoff,
    /// How often the chain is read while waiting for consensus.
    pub chain_poll_interval: Duration,
}

impl Default for ResourcePolicy {
    /// 2 GiB of memory and 1 GiB / 10,000 files of output per app, 64 MiB apps, 4 GiB
    /// datasets, 64 input files of at most 1 GiB, 100 datasets per bulk slice; downloads
    /// retried 4 times, the SMS for about a minute.
    fn default() -> Self {
        Self {
            memory_bytes: 2 << 30,
            output_bytes: 1 << 30,
            output_files: 10_000,
            max_app_bytes: 64 << 20,
            max_dataset_bytes: 4 << 30,
            max_input_file_bytes: 1 << 30,
            max_input_files: 64,
            max_bulk_datasets: 100,
            http_connect_timeout: Duration::from_secs(10),
            http_read_timeout: Duration::from_secs(60),
            transfers: Backoff {
                attempts: 4,
                first_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(5),
            },
            sms: Backoff {
                attempts: 10,
                first_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(10),
            },
            chain_poll_interval: Duration::from_secs(1),
        }
    }
}

/// Bounded exponential backoff: `attempts` tries in all, waiting `first_delay`, then twice as
/// long each time, at most `max_delay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Tries in all (at least one is made).
    pub attempts: u32,
    /// Wait after the first failure.
    pub first_delay: Duration,
    /// Longest wait.
    pub max_delay: Duration,
}

impl Backoff {
    /// The wait after failed try number `attempt` (1-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(30);
        self.first_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay)
    }

    /// Runs `operation` until it succeeds, fails for good, or the tries are spent.
    pub(crate) async fn retry<T, E, F, Fut>(
        &self,
        what: &str,
        mut operation: F,
    ) -> Result<T, Retried<E>>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Retried<E>>>,
        E: fmt::Display + Sync,
    {
        let mut tries = 0;
        loop {
            match operation().await {
                Err(Retried::Transient(error)) => {
                    if !self.pause(&mut tries, &error, what).await {
                        return Err(Retried::Transient(error));
                    }
                }
                other => return other,
            }
        }
    }

    /// After a transient failure: `false` when the tries are spent, else waits and counts one
    /// more try. For retry loops [`Self::retry`] cannot express (a borrowed sink).
    pub(crate) async fn pause(
        &self,
        tries: &mut u32,
        error: &(dyn fmt::Display + Sync),
        what: &str,
    ) -> bool {
        *tries += 1;
        if *tries >= self.attempts.max(1) {
            return false;
        }
        let delay = self.delay(*tries);
        tracing::debug!(%error, tries = *tries, ?delay, "{what} failed; retrying");
        tokio::time::sleep(delay).await;
        true
    }
}

/// An error and whether trying again may help.
#[derive(Debug)]
pub(crate) enum Retried<E> {
    /// A service down, a timeout, a 5xx: another try may succeed.
    Transient(E),
    /// A refusal or bad data: it will fail again.
    Permanent(E),
}

impl<E> Retried<E> {
    pub(crate) fn into_inner(self) -> E {
        match self {
            Self::Transient(error) | Self::Permanent(error) => error,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_ceiling() {
        let backoff = Backoff {
            attempts: 5,
            first_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        let delays: Vec<_> = (1..=4).map(|n| backoff.delay(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 350, 350]);
        assert_eq!(backoff.delay(u32::MAX), Duration::from_millis(350));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn retries_stop_at_a_permanent_error_or_the_last_try() {
        let backoff = Backoff {
            attempts: 3,
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(10),
        };
        let mut tries = 0;
        let result: Result<(), _> = backoff
            .retry("test", || {
                tries += 1;
                async { Err(Retried::Transient("down")) }
            })
            .await;
        assert_eq!(result.unwrap_err().into_inner(), "down");
        assert_eq!(tries, 3);

        let mut tries = 0;
        let result: Result<(), _> = backoff
            .retry("test", || {
                tries += 1;
                async { Err(Retried::Permanent("refused")) }
            })
            .await;
        assert!(matches!(result, Err(Retried::Permanent("refused"))));
        assert_eq!(tries, 1);
    }
}
