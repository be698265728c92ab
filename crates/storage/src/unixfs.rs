//! The DAG `ipfs add --cid-version=1` makes of a file (Kubo's defaults): the bytes cut in
//! fixed 256 KiB chunks, each a raw block; chunks grouped left to right under dag-pb/UnixFS
//! `File` nodes of at most 174 links, those grouped the same way, until one root (a balanced
//! tree). A file of one chunk (or none) is that single raw block.
//!
//! [`DagBuilder`] builds it as bytes stream in: it keeps one list of pending links per tree
//! level (at most 174 each), emits every block as soon as it is complete, and never holds more
//! than one chunk of data.

use crate::cid::{Cid, Codec};
use crate::encoding::put_varint;
use std::io::{self, Read};

/// Bytes per chunk (Kubo's `size-262144` chunker).
pub const CHUNK_SIZE: usize = 262_144;
/// Links per node (Kubo's balanced layout).
pub const MAX_LINKS: usize = 174;

/// A block of the DAG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Its CID (CIDv1).
    pub cid: Cid,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// What a finished DAG is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileDag {
    /// The root block's CID: the file's CID.
    pub root: Cid,
    /// The file's size in bytes.
    pub file_size: u64,
    /// The size of all its blocks (the root link's `Tsize`).
    pub dag_size: u64,
    /// How many blocks.
    pub blocks: u64,
}

/// A link to a finished subtree.
#[derive(Debug, Clone, Copy)]
struct Link {
    cid: Cid,
    /// Bytes of all the blocks of the subtree.
    dag_size: u64,
    /// Bytes of file data under it.
    file_size: u64,
}

/// Builds a file's DAG from its chunks. See the [module documentation](self).
#[derive(Debug, Default)]
pub struct DagBuilder {
    /// Pending links per level: leaves at 0.
    levels: Vec<Vec<Link>>,
    blocks: u64,
}

impl DagBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next chunk: [`CHUNK_SIZE`] bytes, fewer only for the last. Complete blocks go
    /// to `sink`, in an order where every block comes after the blocks it links to.
    pub fn push_chunk<E>(
        &mut self,
        chunk: Vec<u8>,
        sink: &mut impl FnMut(Block) -> Result<(), E>,
    ) -> Result<(), E> {
        let size = chunk.len() as u64;
        let cid = Cid::v1(Codec::Raw, &chunk);
        self.emit(Block { cid, data: chunk }, sink)?;
        self.push_link(
            0,
            Link {
                cid,
                dag_size: size,
                file_size: size,
            },
            sink,
        )
    }

    fn emit<E>(
        &mut self,
        block: Block,
        sink: &mut impl FnMut(Block) -> Result<(), E>,
    ) -> Result<(), E> {
        self.blocks += 1;
        sink(block)
    }

    /// Adds a link at `level`; a full level becomes a node one level up.
    fn push_link<E>(
        &mut self,
        level: usize,
        link: Link,
        sink: &mut impl FnMut(Block) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.levels.len() <= level {
            self.levels.push(Vec::with_capacity(MAX_LINKS));
        }
        self.levels[level].push(link);
        if self.levels[level].len() == MAX_LINKS {
            let links = std::mem::take(&mut self.levels[level]);
            let parent = self.node(&links, sink)?;
            self.push_link(level + 1, parent, sink)?;
        }
        Ok(())
    }

    /// Emits the node linking `links`; returns the link to it.
    fn node<E>(
        &mut self,
        links: &[Link],
        sink: &mut impl FnMut(Block) -> Result<(), E>,
    ) -> Result<Link, E> {
        let data = encode_file_node(links);
        let cid = Cid::v1(Codec::DagPb, &data);
        let link = Link {
            cid,
            dag_size: data.len() as u64 + links.iter().map(|l| l.dag_size).sum::<u64>(),
            file_size: links.iter().map(|l| l.file_size).sum(),
        };
        self.emit(Block { cid, data }, sink)?;
        Ok(link)
    }

    /// Closes the tree: partial levels become nodes, bottom up, until one link is left — the
    /// root. An empty file is one empty raw block.
    pub fn finish<E>(
        mut self,
        sink: &mut impl FnMut(Block) -> Result<(), E>,
    ) -> Result<FileDag, E> {
        if self.levels.is_empty() {
            self.push_chunk(Vec::new(), sink)?;
        }
        let mut level = 0;
        let root = loop {
            let higher_empty = self.levels[level + 1..].iter().all(Vec::is_empty);
            let links = std::mem::take(&mut self.levels[level]);
            match links.as_slice() {
                [only] if higher_empty => break *only,
                [] => {}
                _ => {
                    let parent = self.node(&links, sink)?;
                    if self.levels.len() <= level + 1 {
                        self.levels.push(Vec::new());
                    }
                    self.levels[level + 1].push(parent);
                }
            }
            level += 1;
        };
        Ok(FileDag {
            root: root.cid,
            file_size: root.file_size,
            dag_size: root.dag_size,
            blocks: self.blocks,
        })
    }
}

/// Reads `reader` to its end and builds its DAG, each block going to `sink`; constant memory.
pub fn build<R: Read, E: From<io::Error>>(
    mut reader: R,
    mut sink: impl FnMut(Block) -> Result<(), E>,
) -> Result<FileDag, E> {
    let mut builder = DagBuilder::new();
    loop {
        let chunk = read_chunk(&mut reader)?;
        let last = chunk.len() < CHUNK_SIZE;
        if !(last && chunk.is_empty()) {
            builder.push_chunk(chunk, &mut sink)?;
        }
        if last {
            return builder.finish(&mut sink);
        }
    }
}

/// The next [`CHUNK_SIZE`] bytes, fewer only at the end.
fn read_chunk(reader: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut chunk = Vec::with_capacity(CHUNK_SIZE);
    reader.take(CHUNK_SIZE as u64).read_to_end(&mut chunk)?;
    Ok(chunk)
}

/// The CID `ipfs add --cid-version=1` gives `bytes`.
pub fn cid_of(bytes: &[u8]) -> Cid {
    let result: Result<FileDag, io::Error> = build(bytes, |_| Ok(()));
    match result {
        Ok(dag) => dag.root,
        // Reading a slice cannot fail.
        Err(_) => unreachable!("reading from memory failed"),
    }
}

/// A dag-pb node (links first, then data, as dag-pb's canonical form orders them) whose data is
/// a UnixFS `File` with the total size and each child's size, and no bytes of its own (the
/// leaves are raw).
fn encode_file_node(links: &[Link]) -> Vec<u8> {
    let mut unixfs = Vec::with_capacity(16 + 4 * links.len());
    unixfs.extend_from_slice(&[0x08, 0x02]); // Type = File
    unixfs.push(0x18); // filesize
    put_varint(&mut unixfs, links.iter().map(|l| l.file_size).sum());
    for link in links {
        unixfs.push(0x20); // blocksizes
        put_varint(&mut unixfs, link.file_size);
    }

    let mut node = Vec::with_capacity(unixfs.len() + 48 * links.len() + 8);
    for link in links {
        let hash = link.cid.to_bytes();
        let mut pb_link = Vec::with_capacity(hash.len() + 16);
        pb_link.push(0x0a); // Hash
        put_varint(&mut pb_link, hash.len() as u64);
        pb_link.extend_from_slice(&hash);
        pb_link.extend_from_slice(&[0x12, 0x00]); // Name = ""
        pb_link.push(0x18); // Tsize
        put_varint(&mut pb_link, link.dag_size);
        node.push(0x12); // Links
        put_varint(&mut node, pb_link.len() as u64);
        node.extend_from_slice(&pb_link);
    }
    node.push(0x0a); // Data
    put_varint(&mut node, unixfs.len() as u64);
    node.extend_from_slice(&unixfs);
    node
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(size: usize) -> (FileDag, Vec<Block>) {
        let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let mut blocks = Vec::new();
        let dag = build(data.as_slice(), |b| {
            blocks.push(b);
            Ok::<_, io::Error>(())
        })
        .unwrap();
        (dag, blocks)
    }

    #[test]
    fn one_chunk_is_one_raw_block() {
        for size in [0, 1, CHUNK_SIZE] {
            let (dag, blocks) = shape(size);
            assert_eq!((dag.blocks, blocks.len()), (1, 1));
            assert_eq!(dag.root.codec(), Codec::Raw);
            assert_eq!(dag.file_size, size as u64);
            assert!(dag.root.verifies(&blocks[0].data));
        }
    }

    #[test]
    fn trees_are_balanced_with_at_most_174_links() {
        // Two chunks: a root over two leaves.
        let (dag, blocks) = shape(CHUNK_SIZE + 1);
        assert_eq!(dag.blocks, 3);
        assert_eq!(blocks.last().unwrap().cid, dag.root);
        assert_eq!(dag.root.codec(), Codec::DagPb);
        // 174 chunks fill one node; one more adds a level with two children.
        let full = MAX_LINKS * CHUNK_SIZE;
        let (dag, _) = shape(full);
        assert_eq!(dag.blocks, MAX_LINKS as u64 + 1);
        let (dag, blocks) = shape(full + 1);
        assert_eq!(dag.blocks, MAX_LINKS as u64 + 1 + 1 + 1 + 1);
        assert_eq!(dag.file_size, full as u64 + 1);
        let total: u64 = blocks.iter().map(|b| b.data.len() as u64).sum();
        assert_eq!(dag.dag_size, total);
        // Every block is emitted once, after the blocks it links to.
        let root = blocks.iter().position(|b| b.cid == dag.root).unwrap();
        assert_eq!(root, blocks.len() - 1);
    }

    #[test]
    fn cid_of_matches_a_streamed_build() {
        let data = vec![7u8; 3 * CHUNK_SIZE + 5];
        let streamed = build(std::io::Cursor::new(&data), |_| Ok::<_, io::Error>(())).unwrap();
        assert_eq!(cid_of(&data), streamed.root);
    }
}
