//! Confide's content-addressed storage.
//!
//! - [`cid`]: content identifiers (CIDv1 and CIDv0, sha2-256), their binary form and the
//!   multibase text forms users paste (`bafy…`, `Qm…`, `z…`, `f…`);
//! - [`unixfs`]: the DAG `ipfs add --cid-version=1` builds for a file — 256 KiB chunks as raw
//!   leaves, a balanced tree of dag-pb/UnixFS nodes of at most 174 links, one raw block for a
//!   single chunk — streamed, so any size hashes in constant memory, and identical to Kubo's;
//! - [`dag_pb`]: decoding those nodes, hostile bytes refused with typed errors;
//! - [`local`]: the embedded backend, a directory of verified blocks, atomic and streaming.
#![forbid(unsafe_code)]

pub mod cid;
pub mod dag_pb;
mod encoding;
pub mod local;
pub mod unixfs;

pub use cid::{Cid, CidError, Codec};
pub use local::{LocalStore, StorageError};
pub use unixfs::{Block, DagBuilder, FileDag, build, cid_of};
