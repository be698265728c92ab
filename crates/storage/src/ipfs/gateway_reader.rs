//! [`GatewayReader`]: reads files from any IPFS HTTP gateway (`https://ipfs.io`, a node's own
//! `127.0.0.1` gateway), trusting none of its bytes.
//!
//! - A gateway that speaks the trustless gateway protocol (`GET /ipfs/<cid>?format=raw` with
//!   `Accept: application/vnd.ipld.raw` answers the block, with that content type) is a
//!   [`BlockSource`]: blocks are fetched one by one and verified by the shared walk.
//! - Older gateways (js-ipfs 0.66's among them) ignore the format and answer the file itself.
//!   A raw block's file is the block, verified as such. For a larger file, its DAG is rebuilt
//!   here from the bytes served (Kubo's `--cid-version=1` layout): when the rebuilt root is the
//!   CID asked for, the rebuilt blocks are the file's, and the walk reads them (leaves past a
//!   memory budget are fetched again by CID: a raw leaf's file is the leaf). Nothing is yielded
//!   before the root matched. A file added with other options cannot be checked this way and
//!   is refused as [`StorageError::Corrupt`].

use super::Prefetched;
use super::http::{Timeouts, base_url, body_stream, client, read_body, send};
use crate::backend::{BlockSource, VerifiedStream, read_verified, verified_size};
use crate::cid::{Cid, Codec};
use crate::error::{MAX_BLOCK_SIZE, StorageError};
use crate::unixfs::{Block, CHUNK_SIZE, DagBuilder};
use crate::walk::ByteRange;
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::future::{BoxFuture, FutureExt};
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

/// The content type of a raw block in the trustless gateway protocol.
const RAW_BLOCK: &str = "application/vnd.ipld.raw";
/// Bytes of leaves kept from a rebuilt file; later leaves are fetched again when read.
const REBUILD_CACHE: u64 = 32 * 1024 * 1024;

/// A verified reader of an HTTP gateway. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct GatewayReader {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    base: String,
    client: reqwest::Client,
    timeouts: Timeouts,
}

impl GatewayReader {
    /// A reader of the gateway at `base` (`https://ipfs.io`).
    pub fn new(base: &str, timeouts: Timeouts) -> Result<Self, StorageError> {
        Ok(Self {
            inner: Arc::new(Inner {
                base: base_url(base),
                client: client(base, &timeouts)?,
                timeouts,
            }),
        })
    }

    /// The bytes of `range` of file `cid`, verified; fails early when the gateway does not
    /// serve it.
    pub async fn get(&self, cid: Cid, range: ByteRange) -> Result<VerifiedStream, StorageError> {
        let source = self.source(cid).await?;
        Ok(read_verified(source, cid, range))
    }

    /// The file's size, from its verified root block.
    pub async fn size(&self, cid: Cid) -> Result<u64, StorageError> {
        let source = self.source(cid).await?;
        verified_size(&*source, cid).await
    }

    /// Asks for `cid` as a raw block; the answer, and whether it is one.
    async fn request(&self, cid: Cid) -> Result<(reqwest::Response, bool), StorageError> {
        let url = self.location(cid);
        let request = self
            .inner
            .client
            .get(format!("{url}?format=raw"))
            .header(reqwest::header::ACCEPT, RAW_BLOCK);
        let operation = format!("GET {url}");
        let timeouts = &self.inner.timeouts;
        let answer = send(request, &operation, &url, timeouts, timeouts.request).await?;
        let is_block = answer
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with(RAW_BLOCK));
        Ok((answer, is_block))
    }

    /// Where the blocks of file `cid` come from, its root fetched already.
    async fn source(&self, cid: Cid) -> Result<Arc<dyn BlockSource>, StorageError> {
        let (answer, is_block) = self.request(cid).await?;
        if is_block || cid.codec() == Codec::Raw {
            let block = self.read_block(cid, answer).await?;
            let source = Prefetched::new(cid, block, Arc::new(self.clone()))?;
            return Ok(Arc::new(source));
        }
        self.rebuild(cid, answer).await
    }

    async fn read_block(&self, cid: Cid, answer: reqwest::Response) -> Result<Bytes, StorageError> {
        let url = self.location(cid);
        read_body(
            answer,
            MAX_BLOCK_SIZE,
            &format!("GET {url}"),
            &url,
            &self.inner.timeouts,
            |size| StorageError::BlockTooLarge { cid, size },
        )
        .await
    }

    /// Rebuilds the DAG of the file the gateway served for `cid`; refused unless its root is
    /// `cid`.
    async fn rebuild(
        &self,
        cid: Cid,
        answer: reqwest::Response,
    ) -> Result<Arc<dyn BlockSource>, StorageError> {
        let url = self.location(cid);
        let mut body = body_stream(
            answer,
            format!("GET {url}"),
            url.clone(),
            self.inner.timeouts,
        );
        let mut builder = DagBuilder::new();
        let mut blocks = HashMap::new();
        let mut cached = 0u64;
        let mut keep = |block: Block| {
            let size = block.data.len() as u64;
            if block.cid.codec() == Codec::DagPb || cached + size <= REBUILD_CACHE {
                cached += size;
                blocks.insert(block.cid, Bytes::from(block.data));
            }
            Ok::<(), Infallible>(())
        };
        let mut chunk = Vec::with_capacity(CHUNK_SIZE);
        while let Some(piece) = body.next().await {
            let mut piece = piece?;
            while !piece.is_empty() {
                let take = (CHUNK_SIZE - chunk.len()).min(piece.len());
                chunk.extend_from_slice(&piece.split_to(take));
                if chunk.len() == CHUNK_SIZE {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_SIZE));
                    let Ok(()) = builder.push_chunk(full, &mut keep);
                }
            }
        }
        if !chunk.is_empty() {
            let Ok(()) = builder.push_chunk(chunk, &mut keep);
        }
        let Ok(dag) = builder.finish(&mut keep);
        if dag.root != cid {
            tracing::warn!(%cid, rebuilt = %dag.root, %url, "the gateway's file does not rebuild its CID");
            return Err(StorageError::Corrupt { cid, from: url });
        }
        Ok(Arc::new(Rebuilt {
            blocks,
            gateway: self.clone(),
        }))
    }
}

impl BlockSource for GatewayReader {
    fn block(&self, cid: Cid) -> BoxFuture<'_, Result<Bytes, StorageError>> {
        async move {
            let (answer, is_block) = self.request(cid).await?;
            // A gateway ignoring `format=raw` answers a raw block's file: the block itself.
            if !is_block && cid.codec() != Codec::Raw {
                return Err(StorageError::Remote {
                    url: self.location(cid),
                    reason: "the gateway does not serve raw blocks (trustless gateway protocol)"
                        .into(),
                });
            }
            self.read_block(cid, answer).await
        }
        .boxed()
    }

    fn location(&self, cid: Cid) -> String {
        format!("{}/ipfs/{cid}", self.inner.base)
    }
}

/// The blocks of a rebuilt file; leaves not kept come from the gateway again.
struct Rebuilt {
    blocks: HashMap<Cid, Bytes>,
    gateway: GatewayReader,
}

impl BlockSource for Rebuilt {
    fn block(&self, cid: Cid) -> BoxFuture<'_, Result<Bytes, StorageError>> {
        match self.blocks.get(&cid) {
            Some(block) => std::future::ready(Ok(block.clone())).boxed(),
            None => self.gateway.block(cid),
        }
    }

    fn location(&self, cid: Cid) -> String {
        self.gateway.location(cid)
    }
}
