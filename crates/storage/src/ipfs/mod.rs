//! IPFS over HTTP, trusting no one: every byte handed out is verified against its CID here.
//!
//! - [`IpfsStore`]: a backend over a node's RPC API (Kubo's `/api/v0`, which js-ipfs also
//!   serves): `add` with Kubo's `--cid-version=1` options, our own CID computed over the same
//!   bytes and compared; reads block by block (`block/get`) through the shared verified walk.
//! - [`GatewayReader`]: reads from any HTTP gateway, as raw blocks when it speaks the trustless
//!   gateway protocol, else by rebuilding the DAG from the file it serves.
//!
//! Every request is bounded ([`Timeouts`]): an IPFS node asked for a block it does not have
//! looks for it on the network, forever when it is offline.

mod gateway_reader;
mod http;
mod multipart;
mod rpc;

pub use gateway_reader::GatewayReader;
pub use http::Timeouts;
pub use rpc::{IpfsConfig, IpfsStore};

use crate::backend::BlockSource;
use crate::cid::Cid;
use crate::error::StorageError;
use crate::walk::check_block;
use bytes::Bytes;
use futures_util::future::{BoxFuture, FutureExt};
use std::sync::{Arc, Mutex};

/// A block source whose first block, the root, was fetched (and verified) already, so a read
/// fails early — or because the request that probed the source returned it; the rest come from
/// `rest`.
struct Prefetched {
    root: Cid,
    block: Mutex<Option<Bytes>>,
    rest: Arc<dyn BlockSource>,
}

impl Prefetched {
    fn new(root: Cid, block: Bytes, rest: Arc<dyn BlockSource>) -> Result<Self, StorageError> {
        check_block(root, &block).map_err(|e| e.located(|cid| rest.location(cid)))?;
        Ok(Self {
            root,
            block: Mutex::new(Some(block)),
            rest,
        })
    }
}

impl BlockSource for Prefetched {
    fn block(&self, cid: Cid) -> BoxFuture<'_, Result<Bytes, StorageError>> {
        let prefetched = if cid == self.root {
            self.block.lock().map_or(None, |mut block| block.take())
        } else {
            None
        };
        match prefetched {
            Some(block) => std::future::ready(Ok(block)).boxed(),
            None => self.rest.block(cid),
        }
    }

    fn location(&self, cid: Cid) -> String {
        self.rest.location(cid)
    }
}
