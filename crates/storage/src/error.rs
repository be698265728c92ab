//! The one error type of every backend: what failed, on which block or endpoint, and why.

use crate::cid::Cid;
use crate::dag_pb::NodeError;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// Largest block accepted (IPFS's own limit for exchanged blocks is 2 MiB).
pub const MAX_BLOCK_SIZE: u64 = 2 * 1024 * 1024;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A file of the store cannot be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The input or output stream failed.
    #[error("stream: {0}")]
    Stream(#[from] io::Error),
    /// A block is not in the store.
    #[error("block {0} is not in the store")]
    NotFound(Cid),
    /// A block does not hash to its CID.
    #[error("block {cid} from {from} does not hash to its CID")]
    Corrupt {
        /// The block.
        cid: Cid,
        /// Where it came from (a file of the store, a URL).
        from: String,
    },
    /// A block is larger than [`MAX_BLOCK_SIZE`].
    #[error("block {cid} is {size} bytes, more than the {MAX_BLOCK_SIZE} allowed")]
    BlockTooLarge {
        /// The block.
        cid: Cid,
        /// Its size.
        size: u64,
    },
    /// A node of the DAG does not decode.
    #[error("node {cid}: {source}")]
    Node {
        /// The node.
        cid: Cid,
        /// Why.
        source: NodeError,
    },
    /// The DAG is not a well-formed file (sizes disagree, too deep).
    #[error("DAG of {cid}: {reason}")]
    BadDag {
        /// The node where it shows.
        cid: Cid,
        /// What is wrong.
        reason: String,
    },
    /// A backend built a different DAG than ours for the same bytes (other chunker or layout).
    #[error("the backend stored the data as {got}, expected {expected}")]
    CidMismatch {
        /// The CID computed here.
        expected: Cid,
        /// The CID the backend answered.
        got: Cid,
    },
    /// The data is larger than allowed.
    #[error("the data exceeds the {limit}-byte limit")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// A requested byte range starts past the end of the file.
    #[error("range starting at byte {start} is past the end of the {size}-byte file")]
    RangeNotSatisfiable {
        /// The first byte asked for.
        start: u64,
        /// The file's size.
        size: u64,
    },
    /// A remote operation did not complete in time (an IPFS `cat` of an unknown CID waits for
    /// the network forever).
    #[error("{operation} timed out after {after:?}")]
    Timeout {
        /// What was being done (`"GET http://…/ipfs/bafy…"`).
        operation: String,
        /// The limit that ran out.
        after: Duration,
    },
    /// A remote endpoint answered with an error status.
    #[error("{url} answered {status}: {message}")]
    Http {
        /// The endpoint.
        url: String,
        /// The HTTP status.
        status: u16,
        /// Its message (truncated).
        message: String,
    },
    /// A remote endpoint cannot be reached, or its answer does not parse.
    #[error("{url}: {reason}")]
    Remote {
        /// The endpoint.
        url: String,
        /// Why.
        reason: String,
    },
}

impl StorageError {
    /// Names where a corrupt block came from (the checks do not know: a file of the store, a
    /// URL); any other error is returned unchanged.
    pub fn located(self, location: impl FnOnce(Cid) -> String) -> Self {
        match self {
            Self::Corrupt { cid, .. } => Self::Corrupt {
                cid,
                from: location(cid),
            },
            other => other,
        }
    }
}
