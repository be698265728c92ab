//! Reading a file out of its DAG, verified, without doing any I/O itself: [`DagWalk`] says which
//! block it needs next and turns each block it is given into the file bytes it holds. Every
//! backend drives the same walk — the local store from disk, the IPFS backend over HTTP — so
//! every read is checked the same way whoever supplies the blocks:
//!
//! - each block must hash to the CID its parent (or the caller) names, and fit
//!   [`MAX_BLOCK_SIZE`];
//! - each node must decode as a UnixFS file whose sizes add up, and hold exactly the bytes its
//!   parent declares;
//! - the tree is at most [`MAX_DEPTH`] levels deep.
//!
//! A byte range skips the subtrees outside it, using the sizes the (verified) parents declare,
//! so reading the end of a 2 GiB file fetches a handful of blocks.

use crate::cid::{Cid, Codec};
use crate::dag_pb::decode_file_node;
use crate::error::{MAX_BLOCK_SIZE, StorageError};
use bytes::Bytes;

/// Deepest DAG followed (174^8 chunks of 256 KiB is far beyond any file).
pub const MAX_DEPTH: usize = 8;

/// Which bytes of a file to read: from `start`, `len` bytes or to the end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByteRange {
    /// The first byte.
    pub start: u64,
    /// How many bytes; `None` to the end.
    pub len: Option<u64>,
}

impl ByteRange {
    /// The whole file.
    pub const ALL: Self = Self {
        start: 0,
        len: None,
    };

    /// One past the last byte wanted.
    fn end(&self) -> u64 {
        self.len
            .map_or(u64::MAX, |len| self.start.saturating_add(len))
    }
}

/// A block still to read: where its bytes start in the file and how many its parent declares.
#[derive(Debug, Clone, Copy)]
struct Pending {
    cid: Cid,
    offset: u64,
    declared: Option<u64>,
    depth: usize,
}

/// The walk of one file. See the [module documentation](self).
#[derive(Debug)]
pub struct DagWalk {
    /// Blocks to read, the next one last.
    stack: Vec<Pending>,
    /// The block asked for by [`next_cid`](Self::next_cid) and not yet fed.
    current: Option<Pending>,
    range: ByteRange,
}

impl DagWalk {
    /// A walk of `range` of the file `root`.
    pub fn new(root: Cid, range: ByteRange) -> Self {
        Self {
            stack: vec![Pending {
                cid: root,
                offset: 0,
                declared: None,
                depth: 0,
            }],
            current: None,
            range,
        }
    }

    /// The next block to fetch; `None` once the range is read.
    pub fn next_cid(&mut self) -> Option<Cid> {
        let end = self.range.end();
        while let Some(pending) = self.stack.pop() {
            let past_start = pending
                .declared
                .is_some_and(|size| pending.offset + size <= self.range.start);
            if pending.offset >= end {
                self.stack.clear();
                return None;
            }
            // A subtree wholly before the range is skipped, except an empty one: it must still
            // verify, or a range read would accept what a full read refuses.
            if past_start && pending.declared != Some(0) {
                continue;
            }
            self.current = Some(pending);
            return Some(pending.cid);
        }
        None
    }

    /// Takes the bytes of the block [`next_cid`](Self::next_cid) named; returns the file bytes
    /// it holds within the range (often none, for an inner node).
    pub fn feed(&mut self, block: Bytes) -> Result<Bytes, StorageError> {
        let Some(pending) = self.current.take() else {
            return Err(StorageError::BadDag {
                cid: self
                    .stack
                    .last()
                    .map_or_else(|| Cid::v1(Codec::Raw, b""), |p| p.cid),
                reason: "a block was fed that the walk did not ask for".into(),
            });
        };
        let cid = pending.cid;
        let bad = |reason: String| StorageError::BadDag { cid, reason };
        check_block(cid, &block)?;
        let (data, size) = match cid.codec() {
            Codec::Raw => {
                let size = block.len() as u64;
                (block, size)
            }
            Codec::DagPb => {
                if pending.depth >= MAX_DEPTH {
                    return Err(bad(format!("deeper than {MAX_DEPTH} levels")));
                }
                let node = decode_file_node(&block)
                    .map_err(|source| StorageError::Node { cid, source })?;
                let mut child_offset = pending.offset + node.data.len() as u64;
                let first_child = self.stack.len();
                for (link, size) in node.links.iter().zip(&node.block_sizes) {
                    self.stack.push(Pending {
                        cid: link.cid,
                        offset: child_offset,
                        declared: Some(*size),
                        depth: pending.depth + 1,
                    });
                    child_offset += size;
                }
                self.stack[first_child..].reverse();
                (Bytes::from(node.data), node.file_size)
            }
        };
        if let Some(declared) = pending.declared
            && declared != size
        {
            return Err(bad(format!(
                "its parent declares {declared} bytes, it holds {size}"
            )));
        }
        Ok(self.clip(pending.offset, data))
    }

    /// The part of `data` (file bytes from `offset`) inside the range.
    fn clip(&self, offset: u64, data: Bytes) -> Bytes {
        let len = data.len() as u64;
        let from = self.range.start.saturating_sub(offset).min(len);
        let to = self.range.end().saturating_sub(offset).min(len);
        if from >= to {
            return Bytes::new();
        }
        data.slice(from as usize..to as usize)
    }
}

/// Checks that `block` is block `cid`: not too large, and hashing to it. The error's `from` is
/// left for the block's supplier to fill in.
pub fn check_block(cid: Cid, block: &[u8]) -> Result<(), StorageError> {
    if block.len() as u64 > MAX_BLOCK_SIZE {
        return Err(StorageError::BlockTooLarge {
            cid,
            size: block.len() as u64,
        });
    }
    if !cid.verifies(block) {
        return Err(StorageError::Corrupt {
            cid,
            from: String::new(),
        });
    }
    Ok(())
}

/// The size of file `root` given its root block, which is verified first.
pub fn file_size(root: Cid, block: &[u8]) -> Result<u64, StorageError> {
    check_block(root, block)?;
    match root.codec() {
        Codec::Raw => Ok(block.len() as u64),
        Codec::DagPb => decode_file_node(block)
            .map(|node| node.file_size)
            .map_err(|source| StorageError::Node { cid: root, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unixfs::{Block, CHUNK_SIZE, build};
    use std::collections::HashMap;

    fn dag(size: usize) -> (Vec<u8>, Cid, HashMap<Cid, Vec<u8>>) {
        let data: Vec<u8> = (0..size).map(|i| (i * 7 % 253) as u8).collect();
        let mut blocks = HashMap::new();
        let root = build(data.as_slice(), |b: Block| {
            blocks.insert(b.cid, b.data);
            Ok::<_, std::io::Error>(())
        })
        .unwrap()
        .root;
        (data, root, blocks)
    }

    fn read(
        root: Cid,
        range: ByteRange,
        blocks: &HashMap<Cid, Vec<u8>>,
    ) -> Result<(Vec<u8>, usize), StorageError> {
        let mut walk = DagWalk::new(root, range);
        let (mut out, mut fetched) = (Vec::new(), 0);
        while let Some(cid) = walk.next_cid() {
            fetched += 1;
            out.extend_from_slice(&walk.feed(Bytes::from(blocks[&cid].clone()))?);
        }
        Ok((out, fetched))
    }

    #[test]
    fn ranges_read_the_right_bytes_and_skip_other_blocks() {
        let (data, root, blocks) = dag(5 * CHUNK_SIZE + 100);
        let (all, fetched) = read(root, ByteRange::ALL, &blocks).unwrap();
        assert_eq!((all == data, fetched), (true, 7));
        let cases = [
            (0, Some(1)),
            (CHUNK_SIZE as u64 - 1, Some(2)),
            (3 * CHUNK_SIZE as u64, None),
            (5 * CHUNK_SIZE as u64 + 99, Some(50)),
            (data.len() as u64, None),
            (10, Some(0)),
        ];
        for (start, len) in cases {
            let (got, _) = read(root, ByteRange { start, len }, &blocks).unwrap();
            let end = len
                .map_or(data.len(), |len| (start + len) as usize)
                .min(data.len());
            let want = &data[(start as usize).min(end)..end];
            assert_eq!(got, want, "range {start}+{len:?}");
        }
        // The last byte: the root and one leaf.
        let last = ByteRange {
            start: data.len() as u64 - 1,
            len: None,
        };
        assert_eq!(read(root, last, &blocks).unwrap().1, 2);
    }

    #[test]
    fn a_lying_block_is_refused() {
        let (_, root, mut blocks) = dag(3 * CHUNK_SIZE);
        let leaf = *blocks.keys().find(|c| **c != root).unwrap();
        blocks.get_mut(&leaf).unwrap()[0] ^= 0xff;
        assert!(matches!(
            read(root, ByteRange::ALL, &blocks),
            Err(StorageError::Corrupt { cid, .. }) if cid == leaf
        ));
    }

    #[test]
    fn feeding_unasked_is_an_error() {
        let (_, root, _) = dag(10);
        let mut walk = DagWalk::new(root, ByteRange::ALL);
        assert!(walk.feed(Bytes::new()).is_err());
    }
}
