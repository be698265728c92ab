//! Retries of requests that failed for a passing reason: the connection dropped or was refused
//! (a node restarting), a timeout, HTTP 429/502/503/504, a rate-limit answer.

use super::ClientError;
use super::error::RpcFailure;
use alloy_transport::TransportErrorKind;
use std::future::Future;
use std::time::Duration;

/// How transient failures are retried: `attempts` tries in all, waiting `initial_backoff`,
/// then twice as long each time, at most `max_backoff` (or what the server asks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all (1: no retry).
    pub attempts: u32,
    /// The first wait.
    pub initial_backoff: Duration,
    /// The longest wait.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// 8 tries over about 6 s.
    fn default() -> Self {
        Self {
            attempts: 8,
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_secs(2),
        }
    }
}

/// Whether a failed request may succeed if sent again.
pub fn is_transient(error: &RpcFailure) -> bool {
    match error {
        RpcFailure::Transport(kind) => match kind {
            TransportErrorKind::HttpError(http) => {
                matches!(http.status, 408 | 429 | 502 | 503 | 504)
            }
            TransportErrorKind::HttpErrorWithRetryAfter { error, .. } => error.status >= 400,
            TransportErrorKind::MissingBatchResponse(_) | TransportErrorKind::BackendGone => true,
            // reqwest's connect/timeout/reset errors arrive as `Custom`.
            TransportErrorKind::Custom(_) => true,
            _ => kind.is_retry_err(),
        },
        RpcFailure::ErrorResp(payload) => {
            payload.is_retry_err() || matches!(payload.code, -32005 | 429)
        }
        _ => false,
    }
}

impl RetryPolicy {
    /// Runs `request` until it succeeds, fails for good, or the tries are spent.
    pub async fn run<T, F, Fut>(&self, method: &str, mut request: F) -> Result<T, RpcFailure>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, RpcFailure>>,
    {
        let mut backoff = self.initial_backoff;
        let mut attempt = 1;
        loop {
            match request().await {
                Ok(value) => return Ok(value),
                Err(error) if attempt < self.attempts && is_transient(&error) => {
                    let wait = match &error {
                        RpcFailure::Transport(kind) => kind.retry_after().unwrap_or(backoff),
                        _ => backoff,
                    }
                    .min(self.max_backoff);
                    tracing::debug!(method, attempt, ?wait, %error, "transient failure, retrying");
                    tokio::time::sleep(wait).await;
                    backoff = (backoff * 2).min(self.max_backoff);
                    attempt += 1;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// [`run`](Self::run), a final failure as [`ClientError::Rpc`] naming `method`.
    pub async fn request<T, F, Fut>(
        &self,
        method: &'static str,
        request: F,
    ) -> Result<T, ClientError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, RpcFailure>>,
    {
        self.run(method, request)
            .await
            .map_err(ClientError::rpc(method))
    }
}
