//! Confide's content-addressed storage.
//!
//! - [`cid`]: content identifiers (CIDv1 and CIDv0, sha2-256), their binary form and the
//!   multibase text forms users paste (`bafy…`, `Qm…`, `z…`, `f…`);
//! - [`unixfs`]: the DAG `ipfs add --cid-version=1` builds for a file — 256 KiB chunks as raw
//!   leaves, a balanced tree of dag-pb/UnixFS nodes of at most 174 links, one raw block for a
//!   single chunk — streamed, so any size hashes in constant memory, and identical to Kubo's;
//! - [`dag_pb`]: decoding those nodes, hostile bytes refused with typed errors;
//! - [`walk`]: reading a file (or a byte range of it) out of its DAG, every block verified;
//! - [`backend`]: the [`Storage`] trait every backend implements;
//! - [`local`]: the embedded backend, a directory of verified blocks, atomic and streaming;
//! - [`location`]: a dataset's on-chain location as DataProtector writes it (`/p2p/<cid>` as a
//!   binary multiaddr, or an `https://` URL);
//! - `ipfs` (feature `ipfs`): a backend over an IPFS node's RPC API and a reader of HTTP
//!   gateways, every byte verified here;
//! - [`gateway`] (feature `server`): the HTTP gateway a node serves for any backend
//!   (`/ipfs/{cid}` with ranges and raw blocks, a Kubo-RPC-compatible `/api/v0` subset).
#![forbid(unsafe_code)]

pub mod backend;
pub mod cid;
pub mod dag_pb;
mod encoding;
pub mod error;
#[cfg(feature = "server")]
pub mod gateway;
#[cfg(feature = "ipfs")]
pub mod ipfs;
pub mod local;
pub mod location;
pub mod unixfs;
pub mod walk;

pub use backend::{BlockSource, ByteStream, Storage, VerifiedStream};
pub use cid::{Cid, CidError, Codec};
pub use error::StorageError;
#[cfg(feature = "ipfs")]
pub use ipfs::{GatewayReader, IpfsConfig, IpfsStore, Timeouts};
pub use local::LocalStore;
pub use location::{Location, LocationError};
pub use unixfs::{Block, DagBuilder, FileDag, build, cid_of};
pub use walk::{ByteRange, DagWalk};
