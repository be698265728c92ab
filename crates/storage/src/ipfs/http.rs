//! The HTTP plumbing of the IPFS backend and the gateway reader: one client per store, every
//! request and every body bounded in time and size, failures mapped to [`StorageError`].

use crate::error::StorageError;
use bytes::Bytes;
use futures_util::stream::{self, BoxStream, StreamExt};
use std::time::Duration;

/// How long a remote may take. Every request is bounded by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// To open a connection.
    pub connect: Duration,
    /// From a request sent (its whole body) to the answer's headers.
    pub request: Duration,
    /// Between two pieces of a body, sent or received.
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(30),
            idle: Duration::from_secs(30),
        }
    }
}

/// Longest error message kept from a remote's answer.
const MESSAGE_LIMIT: usize = 500;

/// An HTTP client for `url`'s scheme (http, or https with rustls and the ring provider).
pub(super) fn client(url: &str, timeouts: &Timeouts) -> Result<reqwest::Client, StorageError> {
    let remote = |reason: String| StorageError::Remote {
        url: url.to_owned(),
        reason,
    };
    let parsed = reqwest::Url::parse(url).map_err(|e| remote(format!("invalid URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(remote(format!(
            "unsupported scheme {:?} (http or https)",
            parsed.scheme()
        )));
    }
    install_tls_provider();
    reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        .build()
        .map_err(|e| remote(format!("HTTP client: {e}")))
}

/// rustls needs a process-wide crypto provider (reqwest refuses to build any client without
/// one): ring's, once; a provider the application installed first is kept.
fn install_tls_provider() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The URL without a trailing slash, so paths can be appended.
pub(super) fn base_url(url: &str) -> String {
    url.trim_end_matches('/').to_owned()
}

pub(super) fn timeout(operation: &str, after: Duration) -> StorageError {
    StorageError::Timeout {
        operation: operation.to_owned(),
        after,
    }
}

/// A transport failure (refused, reset, a body cut short).
pub(super) fn transport(url: &str, error: &reqwest::Error) -> StorageError {
    // reqwest's own message is terse ("error sending request"); its sources say why.
    let mut reason = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        reason.push_str(": ");
        reason.push_str(&cause.to_string());
        source = cause.source();
    }
    StorageError::Remote {
        url: url.to_owned(),
        reason,
    }
}

/// Sends `request`, waiting at most `within` for the answer's headers; an error status becomes
/// [`StorageError::Http`] with the remote's message (Kubo's JSON `Message`, else the text).
pub(super) async fn send(
    request: reqwest::RequestBuilder,
    operation: &str,
    url: &str,
    timeouts: &Timeouts,
    within: Duration,
) -> Result<reqwest::Response, StorageError> {
    let response = tokio::time::timeout(within, request.send())
        .await
        .map_err(|_| timeout(operation, within))?
        .map_err(|e| transport(url, &e))?;
    check_status(response, operation, url, timeouts).await
}

/// `response` if its status is a success, else its error.
pub(super) async fn check_status(
    response: reqwest::Response,
    operation: &str,
    url: &str,
    timeouts: &Timeouts,
) -> Result<reqwest::Response, StorageError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    // The message is best effort: a body that fails or overflows still leaves the status.
    let body = read_body(response, 64 * 1024, operation, url, timeouts, |_| {
        StorageError::TooLarge { limit: 0 }
    })
    .await
    .unwrap_or_default();
    Err(StorageError::Http {
        url: url.to_owned(),
        status: status.as_u16(),
        message: error_message(&body),
    })
}

/// Kubo's error answer `{"Message": …, "Code": …, "Type": "error"}`, or the text itself.
fn error_message(body: &[u8]) -> String {
    let message = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|json| json.get("Message")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_owned());
    let mut end = message.len().min(MESSAGE_LIMIT);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message[..end].to_owned()
}

/// The whole body, at most `limit` bytes (`too_large` is given the bytes seen past it), each
/// piece within the idle timeout.
pub(super) async fn read_body(
    mut response: reqwest::Response,
    limit: u64,
    operation: &str,
    url: &str,
    timeouts: &Timeouts,
    too_large: impl FnOnce(u64) -> StorageError,
) -> Result<Bytes, StorageError> {
    let mut body = Vec::new();
    while let Some(piece) = next_piece(&mut response, operation, url, timeouts).await? {
        if (body.len() + piece.len()) as u64 > limit {
            return Err(too_large((body.len() + piece.len()) as u64));
        }
        body.extend_from_slice(&piece);
    }
    Ok(body.into())
}

/// The next piece of `response`'s body, within the idle timeout.
async fn next_piece(
    response: &mut reqwest::Response,
    operation: &str,
    url: &str,
    timeouts: &Timeouts,
) -> Result<Option<Bytes>, StorageError> {
    tokio::time::timeout(timeouts.idle, response.chunk())
        .await
        .map_err(|_| timeout(operation, timeouts.idle))?
        .map_err(|e| transport(url, &e))
}

/// The body as a stream of pieces, each within the idle timeout (not verified: for callers that
/// verify it themselves before yielding anything).
pub(super) fn body_stream(
    response: reqwest::Response,
    operation: String,
    url: String,
    timeouts: Timeouts,
) -> BoxStream<'static, Result<Bytes, StorageError>> {
    stream::try_unfold(response, move |mut response| {
        let (operation, url) = (operation.clone(), url.clone());
        async move {
            let piece = next_piece(&mut response, &operation, &url, &timeouts).await?;
            Ok(piece.map(|piece| (piece, response)))
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubo_messages_are_extracted_and_others_kept_short() {
        let kubo =
            br#"{"Message":"block was not found locally (offline)","Code":0,"Type":"error"}"#;
        assert_eq!(error_message(kubo), "block was not found locally (offline)");
        assert_eq!(error_message(b" not json \n"), "not json");
        let long = "é".repeat(MESSAGE_LIMIT);
        assert!(error_message(long.as_bytes()).len() <= MESSAGE_LIMIT);
    }

    #[test]
    fn only_http_urls_make_clients() {
        let timeouts = Timeouts::default();
        assert!(client("http://127.0.0.1:5001", &timeouts).is_ok());
        assert!(client("https://ipfs.io", &timeouts).is_ok());
        for bad in ["ftp://host", "127.0.0.1:5001", ""] {
            assert!(matches!(
                client(bad, &timeouts),
                Err(StorageError::Remote { .. })
            ));
        }
    }
}
