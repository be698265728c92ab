//! Downloads and uploads: content-addressed storage (every block verified by the storage
//! layer) and plain HTTP(S), bounded in size, transient failures retried.

use crate::config::{Backoff, ResourcePolicy, Retried};
use alloy_primitives::B256;
use confide_storage::backend::reader_stream;
use confide_storage::{ByteRange, Cid, Location, Storage, StorageError};
use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256};
use std::fs::File;
use std::io::{self, Write as _};
use std::path::Path;
use std::sync::Arc;

/// Why a transfer failed (after retries, when transient).
#[derive(Debug, thiserror::Error)]
pub(crate) enum TransferError {
    /// The content is larger than the worker accepts.
    #[error("larger than the {limit}-byte limit")]
    TooLarge { limit: u64 },
    /// The storage failed.
    #[error("{0}")]
    Storage(#[from] StorageError),
    /// The HTTP server failed or refused.
    #[error("{0}")]
    Http(String),
    /// A local file could not be written or read.
    #[error("local file: {0}")]
    Local(#[from] io::Error),
}

/// What a download wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Downloaded {
    pub(crate) bytes: u64,
    /// SHA-256 of the bytes (the on-chain checksum of apps and datasets).
    pub(crate) sha256: B256,
}

/// The worker's transfers.
#[derive(Debug, Clone)]
pub(crate) struct Transfers {
    storage: Arc<dyn Storage>,
    http: reqwest::Client,
    backoff: Backoff,
}

/// Where downloaded bytes go; emptied before each try.
trait Sink: Send {
    fn reset(&mut self) -> io::Result<()>;
    fn write(&mut self, piece: &[u8]) -> io::Result<()>;
}

impl Sink for Vec<u8> {
    fn reset(&mut self) -> io::Result<()> {
        self.clear();
        Ok(())
    }
    fn write(&mut self, piece: &[u8]) -> io::Result<()> {
        self.extend_from_slice(piece);
        Ok(())
    }
}

/// A file, created (or truncated) at each try. Pieces are small (a storage block, an HTTP
/// chunk) and go to local disk: written inline.
struct FileSink<'a> {
    path: &'a Path,
    file: Option<File>,
}

impl Sink for FileSink<'_> {
    fn reset(&mut self) -> io::Result<()> {
        self.file = Some(File::create(self.path)?);
        Ok(())
    }
    fn write(&mut self, piece: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.write_all(piece),
            None => Err(io::Error::other("the file was not created")),
        }
    }
}

impl Drop for FileSink<'_> {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            // Flushed data only matters on success; errors show when the file is read.
            let _ = file.sync_data();
        }
    }
}

fn storage_transient(error: &StorageError) -> bool {
    match error {
        StorageError::Timeout { .. } | StorageError::Remote { .. } | StorageError::Stream(_) => {
            true
        }
        StorageError::Http { status, .. } => *status >= 500 || *status == 429,
        _ => false,
    }
}

fn classify_storage(error: StorageError) -> Retried<TransferError> {
    if storage_transient(&error) {
        Retried::Transient(error.into())
    } else {
        Retried::Permanent(error.into())
    }
}

fn classify_http(error: reqwest::Error) -> Retried<TransferError> {
    let message = TransferError::Http(error.to_string());
    if error.is_connect() || error.is_timeout() || error.is_request() || error.is_body() {
        Retried::Transient(message)
    } else {
        Retried::Permanent(message)
    }
}

impl Transfers {
    pub(crate) fn new(
        storage: Arc<dyn Storage>,
        policy: &ResourcePolicy,
    ) -> Result<Self, reqwest::Error> {
        confide_chain::client::install_tls_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(policy.http_connect_timeout)
            .read_timeout(policy.http_read_timeout)
            .build()?;
        Ok(Self {
            storage,
            http,
            backoff: policy.transfers,
        })
    }

    /// The content at `location` in memory, at most `limit` bytes.
    pub(crate) async fn bytes(
        &self,
        location: &Location,
        limit: u64,
    ) -> Result<(Vec<u8>, Downloaded), TransferError> {
        let mut sink = Vec::new();
        let downloaded = self.download(location, limit, &mut sink).await?;
        Ok((sink, downloaded))
    }

    /// The content at `location` written to `path`, at most `limit` bytes.
    pub(crate) async fn to_file(
        &self,
        location: &Location,
        path: &Path,
        limit: u64,
    ) -> Result<Downloaded, TransferError> {
        let mut sink = FileSink { path, file: None };
        self.download(location, limit, &mut sink).await
    }

    /// The content of an `http(s)://` URL written to `path` (input files may be plain HTTP).
    pub(crate) async fn url_to_file(
        &self,
        url: &str,
        path: &Path,
        limit: u64,
    ) -> Result<Downloaded, TransferError> {
        let mut sink = FileSink { path, file: None };
        let mut tries = 0;
        loop {
            match self.http_once(url, limit, &mut sink).await {
                Err(Retried::Transient(error)) => {
                    if !self
                        .backoff
                        .pause(&mut tries, &error, "an HTTP download")
                        .await
                    {
                        return Err(error);
                    }
                }
                other => return other.map_err(Retried::into_inner),
            }
        }
    }

    async fn download(
        &self,
        location: &Location,
        limit: u64,
        sink: &mut dyn Sink,
    ) -> Result<Downloaded, TransferError> {
        let mut tries = 0;
        loop {
            let result = match location {
                Location::Ipfs(cid) => self.storage_once(*cid, limit, sink).await,
                Location::Url(url) => self.http_once(url, limit, sink).await,
            };
            match result {
                Err(Retried::Transient(error)) => {
                    if !self.backoff.pause(&mut tries, &error, "a download").await {
                        return Err(error);
                    }
                }
                other => return other.map_err(Retried::into_inner),
            }
        }
    }

    async fn storage_once(
        &self,
        cid: Cid,
        limit: u64,
        sink: &mut dyn Sink,
    ) -> Result<Downloaded, Retried<TransferError>> {
        let size = self.storage.size(cid).await.map_err(classify_storage)?;
        if size > limit {
            return Err(Retried::Permanent(TransferError::TooLarge { limit }));
        }
        let mut stream = self
            .storage
            .get(cid, ByteRange::ALL)
            .await
            .map_err(classify_storage)?;
        let mut written = Written::start(sink, limit)?;
        while let Some(piece) = stream.next().await {
            written.push(&piece.map_err(classify_storage)?)?;
        }
        Ok(written.finish())
    }

    async fn http_once(
        &self,
        url: &str,
        limit: u64,
        sink: &mut dyn Sink,
    ) -> Result<Downloaded, Retried<TransferError>> {
        let mut response = self.http.get(url).send().await.map_err(classify_http)?;
        let status = response.status();
        if !status.is_success() {
            let error = TransferError::Http(format!("GET {url} answered {status}"));
            return Err(if status.is_server_error() || status.as_u16() == 429 {
                Retried::Transient(error)
            } else {
                Retried::Permanent(error)
            });
        }
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(Retried::Permanent(TransferError::TooLarge { limit }));
        }
        let mut written = Written::start(sink, limit)?;
        while let Some(piece) = response.chunk().await.map_err(classify_http)? {
            written.push(&piece)?;
        }
        Ok(written.finish())
    }

    /// Stores the file at `path`; returns its CID.
    pub(crate) async fn upload(&self, path: &Path) -> Result<Cid, TransferError> {
        self.backoff
            .retry("an upload", || async {
                let file = File::open(path).map_err(|e| Retried::Permanent(e.into()))?;
                self.storage
                    .put(reader_stream(file))
                    .await
                    .map_err(classify_storage)
            })
            .await
            .map_err(Retried::into_inner)
    }
}

/// Bytes going into a sink: counted against the limit and hashed.
struct Written<'a> {
    sink: &'a mut dyn Sink,
    limit: u64,
    bytes: u64,
    hasher: Sha256,
}

impl<'a> Written<'a> {
    fn start(sink: &'a mut dyn Sink, limit: u64) -> Result<Self, Retried<TransferError>> {
        sink.reset().map_err(|e| Retried::Permanent(e.into()))?;
        Ok(Self {
            sink,
            limit,
            bytes: 0,
            hasher: Sha256::new(),
        })
    }

    fn push(&mut self, piece: &[u8]) -> Result<(), Retried<TransferError>> {
        self.bytes = self.bytes.saturating_add(piece.len() as u64);
        if self.bytes > self.limit {
            return Err(Retried::Permanent(TransferError::TooLarge {
                limit: self.limit,
            }));
        }
        self.hasher.update(piece);
        self.sink
            .write(piece)
            .map_err(|e| Retried::Permanent(e.into()))
    }

    fn finish(self) -> Downloaded {
        Downloaded {
            bytes: self.bytes,
            sha256: B256::from(<[u8; 32]>::from(self.hasher.finalize())),
        }
    }
}
