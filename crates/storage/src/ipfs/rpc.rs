//! [`IpfsStore`]: a backend over an IPFS node's RPC API (Kubo's `/api/v0`, all POST; js-ipfs
//! serves the same subset). The node is not trusted:
//!
//! - `put` streams the data to `add` with Kubo's `ipfs add --cid-version=1` options
//!   (`raw-leaves`, `size-262144` chunks, pinned) while computing its CID here over the same
//!   bytes; an answer naming another CID is refused ([`StorageError::CidMismatch`]);
//! - `get` fetches blocks one by one (`block/get`), each verified by the shared walk before any
//!   of its bytes is yielded (`cat` is not used: its bytes could only be checked once the whole
//!   file was read);
//! - `has` asks `block/stat` without network lookup (`offline=true`, which Kubo honours) and
//!   within [`IpfsConfig::has_wait`] (for nodes that ignore `offline`, as js-ipfs does): a block
//!   not found, or not found in time, is not held;
//! - commands that may wait on the network carry the node-side `timeout` argument too, so the
//!   node stops looking when the client gives up.

use super::Prefetched;
use super::http::{Timeouts, base_url, check_status, client, read_body, send, timeout, transport};
use super::multipart::{self, Upload, lock};
use crate::backend::{
    BlockSource, ByteStream, Storage, VerifiedStream, read_verified, verified_block, verified_size,
};
use crate::cid::Cid;
use crate::error::{MAX_BLOCK_SIZE, StorageError};
use crate::walk::ByteRange;
use bytes::Bytes;
use futures_util::future::{BoxFuture, FutureExt};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// Where the node is and how long it may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpfsConfig {
    /// The RPC API's base URL (`http://127.0.0.1:5001`).
    pub api: String,
    /// The bounds of every request.
    pub timeouts: Timeouts,
    /// How long `has` waits for a node that looks for blocks on the network.
    pub has_wait: Duration,
}

impl IpfsConfig {
    /// The node at `api` with the default timeouts.
    pub fn new(api: impl Into<String>) -> Self {
        Self {
            api: api.into(),
            timeouts: Timeouts::default(),
            has_wait: Duration::from_secs(2),
        }
    }
}

/// Extra time given to the node past its own `timeout`, so its answer (naming what timed out)
/// normally arrives before the client gives up.
const NODE_GRACE: Duration = Duration::from_secs(1);
/// Longest answer read from a command that is not a block (an `add` or `version` answer).
const ANSWER_LIMIT: u64 = 1024 * 1024;

/// A backend over an IPFS node's RPC API. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct IpfsStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    api: String,
    client: reqwest::Client,
    config: IpfsConfig,
}

impl IpfsStore {
    /// A store on the node `config.api` (no request is made yet: see [`version`](Self::version)).
    pub fn new(config: IpfsConfig) -> Result<Self, StorageError> {
        let client = client(&config.api, &config.timeouts)?;
        Ok(Self {
            inner: Arc::new(Inner {
                api: base_url(&config.api),
                client,
                config,
            }),
        })
    }

    /// The node's version (`/api/v0/version`): a health check.
    pub async fn version(&self) -> Result<String, StorageError> {
        let answer = self.command("version", &[], None).await?;
        let json = self.json(answer, "version").await?;
        json.get("Version")
            .and_then(|v| v.as_str())
            .map(str::to_owned)
            .ok_or_else(|| self.bad_answer("version", "no Version"))
    }

    fn url(&self, command: &str) -> String {
        format!("{}/api/v0/{command}", self.inner.api)
    }

    fn timeouts(&self) -> &Timeouts {
        &self.inner.config.timeouts
    }

    /// Runs `command` with `args`. With `node_wait`, the node is told to give up after it too
    /// (its "timed out" answer becomes [`StorageError::Timeout`]).
    async fn command(
        &self,
        command: &str,
        args: &[(&str, String)],
        node_wait: Option<Duration>,
    ) -> Result<reqwest::Response, StorageError> {
        let url = self.url(command);
        let mut query: Vec<(&str, String)> = args.to_vec();
        let within = match node_wait {
            Some(wait) => {
                query.push(("timeout", format!("{}ms", wait.as_millis())));
                wait + NODE_GRACE
            }
            None => self.timeouts().request,
        };
        let operation = operation(&url, args);
        let request = self.inner.client.post(with_query(&url, &query)?);
        let result = send(request, &operation, &url, self.timeouts(), within).await;
        match result {
            Err(StorageError::Http { message, .. }) if node_timed_out(&message) => {
                Err(timeout(&operation, node_wait.unwrap_or(within)))
            }
            other => other,
        }
    }

    /// The answer's JSON (the last line of a streamed answer).
    async fn json(
        &self,
        answer: reqwest::Response,
        command: &str,
    ) -> Result<serde_json::Value, StorageError> {
        let url = self.url(command);
        let body = read_body(answer, ANSWER_LIMIT, &url, &url, self.timeouts(), |_| {
            StorageError::TooLarge {
                limit: ANSWER_LIMIT,
            }
        })
        .await?;
        let text = String::from_utf8_lossy(&body);
        let last = text.lines().rev().find(|line| !line.trim().is_empty());
        last.and_then(|line| serde_json::from_str(line).ok())
            .ok_or_else(|| self.bad_answer(command, &format!("not JSON: {:.200}", text.trim())))
    }

    fn bad_answer(&self, command: &str, reason: &str) -> StorageError {
        StorageError::Remote {
            url: self.url(command),
            reason: format!("unexpected answer: {reason}"),
        }
    }

    /// Adds the stream as a file, checking the node's CID against ours.
    async fn add(&self, data: ByteStream) -> Result<Cid, StorageError> {
        let url = self.url("add");
        let args = [
            ("cid-version", "1"),
            ("raw-leaves", "true"),
            ("chunker", "size-262144"),
            ("pin", "true"),
            ("cid-base", "base32"),
        ];
        let operation = format!("POST {url}");
        let boundary = multipart::boundary();
        let upload = Arc::new(Mutex::new(Upload::default()));
        let body = multipart::body(data, &boundary, upload.clone());
        let request = self
            .inner
            .client
            .post(with_query(
                &url,
                &args.map(|(name, value)| (name, value.to_owned())),
            )?)
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(reqwest::Body::wrap_stream(body));
        let timeouts = *self.timeouts();
        let started = Instant::now();
        // An upload may take any time while it progresses; it fails when it stalls.
        let stalled = async {
            loop {
                let (deadline, limit) =
                    lock(&upload).deadline(started, timeouts.idle, timeouts.request);
                if Instant::now() >= deadline {
                    return timeout(&operation, limit);
                }
                tokio::time::sleep_until(deadline).await;
            }
        };
        let sent = tokio::select! {
            sent = request.send() => sent,
            error = stalled => return Err(error),
        };
        let answer = match sent {
            Ok(answer) => answer,
            Err(error) => {
                return Err(match lock(&upload).take_failure() {
                    Some(failure) => StorageError::Stream(failure),
                    None => transport(&url, &error),
                });
            }
        };
        let answer = check_status(answer, &operation, &url, &timeouts).await?;
        let json = self.json(answer, "add").await?;
        let got: Cid = json
            .get("Hash")
            .and_then(|hash| hash.as_str())
            .ok_or_else(|| self.bad_answer("add", "no Hash"))?
            .parse()
            .map_err(|e| self.bad_answer("add", &format!("Hash: {e}")))?;
        let expected = lock(&upload).finish();
        if got != expected {
            return Err(StorageError::CidMismatch { expected, got });
        }
        Ok(got)
    }

    /// The bytes the node gives for block `cid`, not yet verified.
    async fn fetch_block(&self, cid: Cid) -> Result<Bytes, StorageError> {
        let wait = self.timeouts().request;
        let answer = self
            .command("block/get", &[("arg", cid.to_string())], Some(wait))
            .await?;
        let url = self.location(cid);
        read_body(
            answer,
            MAX_BLOCK_SIZE,
            &url,
            &url,
            self.timeouts(),
            |size| StorageError::BlockTooLarge { cid, size },
        )
        .await
    }

    async fn holds(&self, cid: Cid) -> Result<bool, StorageError> {
        let args = [("arg", cid.to_string()), ("offline", "true".to_owned())];
        match self
            .command("block/stat", &args, Some(self.inner.config.has_wait))
            .await
        {
            Ok(_) => Ok(true),
            Err(StorageError::Timeout { .. }) => Ok(false),
            Err(StorageError::Http { message, .. }) if message.contains("not found") => Ok(false),
            Err(other) => Err(other),
        }
    }

    async fn pin_command(&self, command: &str, cid: Cid) -> Result<(), StorageError> {
        let wait = self.timeouts().request;
        self.command(command, &[("arg", cid.to_string())], Some(wait))
            .await
            .map(drop)
    }
}

/// `url` with the query `args` (reqwest's `query` needs a serde feature; this is all it takes).
fn with_query(url: &str, args: &[(&str, String)]) -> Result<reqwest::Url, StorageError> {
    let mut url = reqwest::Url::parse(url).map_err(|e| StorageError::Remote {
        url: url.to_owned(),
        reason: format!("invalid URL: {e}"),
    })?;
    url.query_pairs_mut().extend_pairs(args);
    Ok(url)
}

/// What a request is, for a timeout's message.
fn operation(url: &str, args: &[(&str, String)]) -> String {
    match args.iter().find(|(name, _)| *name == "arg") {
        Some((_, arg)) => format!("POST {url}?arg={arg}"),
        None => format!("POST {url}"),
    }
}

/// Whether the node's error says its own `timeout` ran out (js-ipfs: "request timed out";
/// Kubo: "context deadline exceeded").
fn node_timed_out(message: &str) -> bool {
    message.contains("timed out") || message.contains("deadline exceeded")
}

impl BlockSource for IpfsStore {
    fn block(&self, cid: Cid) -> BoxFuture<'_, Result<Bytes, StorageError>> {
        self.fetch_block(cid).boxed()
    }

    fn location(&self, cid: Cid) -> String {
        format!("{}?arg={cid}", self.url("block/get"))
    }
}

impl Storage for IpfsStore {
    fn put(&self, data: ByteStream) -> BoxFuture<'_, Result<Cid, StorageError>> {
        self.add(data).boxed()
    }

    /// The root block is fetched before the stream is returned, so an unknown CID fails here.
    fn get(
        &self,
        cid: Cid,
        range: ByteRange,
    ) -> BoxFuture<'_, Result<VerifiedStream, StorageError>> {
        async move {
            let root = self.fetch_block(cid).await?;
            let source = Prefetched::new(cid, root, Arc::new(self.clone()))?;
            Ok(read_verified(Arc::new(source), cid, range))
        }
        .boxed()
    }

    fn get_block(&self, cid: Cid) -> BoxFuture<'_, Result<Bytes, StorageError>> {
        async move { verified_block(self, cid).await }.boxed()
    }

    fn has(&self, cid: Cid) -> BoxFuture<'_, Result<bool, StorageError>> {
        self.holds(cid).boxed()
    }

    fn size(&self, cid: Cid) -> BoxFuture<'_, Result<u64, StorageError>> {
        async move { verified_size(self, cid).await }.boxed()
    }

    /// Pins `cid` recursively: a node lacking blocks looks for them, within the request timeout.
    fn pin(&self, cid: Cid) -> BoxFuture<'_, Result<(), StorageError>> {
        self.pin_command("pin/add", cid).boxed()
    }

    fn unpin(&self, cid: Cid) -> BoxFuture<'_, Result<(), StorageError>> {
        async move {
            match self.pin_command("pin/rm", cid).await {
                Err(StorageError::Http { message, .. }) if message.contains("not pinned") => Ok(()),
                other => other,
            }
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_timeouts_are_recognized() {
        assert!(node_timed_out("Failed to get block: request timed out"));
        assert!(node_timed_out("context deadline exceeded"));
        assert!(!node_timed_out("block was not found locally (offline)"));
    }
}
