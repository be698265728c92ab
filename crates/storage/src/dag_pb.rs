//! Reading the dag-pb/UnixFS nodes of a file's DAG (what [`unixfs`](crate::unixfs) writes, and
//! what another IPFS node may send): links, and the UnixFS `File` sizes. Hostile bytes get a
//! typed error, never a panic or an allocation they choose.

use crate::cid::{Cid, CidError};
use crate::encoding::take_varint;

/// A link of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeLink {
    /// The child.
    pub cid: Cid,
    /// Bytes of the child's blocks (`Tsize`).
    pub dag_size: u64,
}

/// A UnixFS file node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileNode {
    /// Its children, in file order.
    pub links: Vec<NodeLink>,
    /// File bytes under each child.
    pub block_sizes: Vec<u64>,
    /// The file bytes held in the node itself (none with raw leaves).
    pub data: Vec<u8>,
    /// The file's size.
    pub file_size: u64,
}

/// Why a node does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    /// The protobuf is cut or malformed.
    #[error("malformed dag-pb node: {0}")]
    Malformed(&'static str),
    /// A link's CID is refused.
    #[error("a link's CID: {0}")]
    Cid(#[from] CidError),
    /// The node is not a UnixFS file (a directory, a symlink...).
    #[error("UnixFS node of type {0} is not a file")]
    NotAFile(u64),
    /// Sizes do not add up.
    #[error("inconsistent UnixFS sizes: {0}")]
    Inconsistent(&'static str),
}

/// One protobuf field: its number and value.
enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

/// Iterates the fields of a protobuf message.
fn fields(mut bytes: &[u8]) -> impl Iterator<Item = Result<(u64, Field<'_>), NodeError>> {
    std::iter::from_fn(move || {
        if bytes.is_empty() {
            return None;
        }
        let next = (|| {
            let (key, rest) = take_varint(bytes).ok_or(NodeError::Malformed("field key"))?;
            let (number, wire_type) = (key >> 3, key & 7);
            match wire_type {
                0 => {
                    let (value, rest) = take_varint(rest).ok_or(NodeError::Malformed("varint"))?;
                    bytes = rest;
                    Ok((number, Field::Varint(value)))
                }
                2 => {
                    let (length, rest) = take_varint(rest).ok_or(NodeError::Malformed("length"))?;
                    let length =
                        usize::try_from(length).map_err(|_| NodeError::Malformed("length"))?;
                    let value = rest
                        .get(..length)
                        .ok_or(NodeError::Malformed("truncated field"))?;
                    bytes = &rest[length..];
                    Ok((number, Field::Bytes(value)))
                }
                _ => Err(NodeError::Malformed("unsupported wire type")),
            }
        })();
        if next.is_err() {
            bytes = &[];
        }
        Some(next)
    })
}

/// Decodes a dag-pb node holding a UnixFS file.
pub fn decode_file_node(block: &[u8]) -> Result<FileNode, NodeError> {
    let mut links = Vec::new();
    let mut unixfs: Option<&[u8]> = None;
    for field in fields(block) {
        match field? {
            (2, Field::Bytes(link)) => links.push(decode_link(link)?),
            (1, Field::Bytes(data)) => unixfs = Some(data),
            _ => return Err(NodeError::Malformed("unexpected PBNode field")),
        }
    }
    let mut node = FileNode {
        links,
        block_sizes: Vec::new(),
        data: Vec::new(),
        file_size: 0,
    };
    let mut kind = None;
    let mut file_size = None;
    for field in fields(unixfs.ok_or(NodeError::Malformed("no UnixFS data"))?) {
        match field? {
            (1, Field::Varint(value)) => kind = Some(value),
            (2, Field::Bytes(data)) => node.data = data.to_vec(),
            (3, Field::Varint(value)) => file_size = Some(value),
            (4, Field::Varint(value)) => node.block_sizes.push(value),
            // Packed blocksizes, as some writers emit them.
            (4, Field::Bytes(packed)) => {
                let mut rest = packed;
                while !rest.is_empty() {
                    let (value, tail) =
                        take_varint(rest).ok_or(NodeError::Malformed("blocksizes"))?;
                    node.block_sizes.push(value);
                    rest = tail;
                }
            }
            // hashType, fanout, mode, mtime: irrelevant to a file's bytes.
            (5..=8, _) => {}
            _ => return Err(NodeError::Malformed("unexpected UnixFS field")),
        }
    }
    // Raw (0) and File (2) hold file bytes.
    match kind {
        Some(0 | 2) => {}
        Some(other) => return Err(NodeError::NotAFile(other)),
        None => return Err(NodeError::Malformed("no UnixFS type")),
    }
    if node.block_sizes.len() != node.links.len() {
        return Err(NodeError::Inconsistent("one block size per link"));
    }
    let total = node
        .block_sizes
        .iter()
        .try_fold(node.data.len() as u64, |sum, size| sum.checked_add(*size))
        .ok_or(NodeError::Inconsistent("sizes overflow"))?;
    node.file_size = file_size.unwrap_or(total);
    if node.file_size != total {
        return Err(NodeError::Inconsistent(
            "filesize is not the sum of the parts",
        ));
    }
    Ok(node)
}

fn decode_link(bytes: &[u8]) -> Result<NodeLink, NodeError> {
    let mut cid = None;
    let mut dag_size = 0;
    for field in fields(bytes) {
        match field? {
            (1, Field::Bytes(hash)) => cid = Some(Cid::from_bytes(hash)?),
            (2, Field::Bytes(_name)) => {}
            (3, Field::Varint(size)) => dag_size = size,
            _ => return Err(NodeError::Malformed("unexpected PBLink field")),
        }
    }
    Ok(NodeLink {
        cid: cid.ok_or(NodeError::Malformed("link without hash"))?,
        dag_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unixfs::{Block, CHUNK_SIZE, build};

    fn blocks_of(size: usize) -> Vec<Block> {
        let data = vec![3u8; size];
        let mut blocks = Vec::new();
        build(data.as_slice(), |b| {
            blocks.push(b);
            Ok::<_, std::io::Error>(())
        })
        .unwrap();
        blocks
    }

    #[test]
    fn decodes_what_the_builder_writes() {
        let blocks = blocks_of(2 * CHUNK_SIZE + 10);
        let root = decode_file_node(&blocks.last().unwrap().data).unwrap();
        assert_eq!(root.file_size, 2 * CHUNK_SIZE as u64 + 10);
        assert_eq!(
            root.block_sizes,
            vec![CHUNK_SIZE as u64, CHUNK_SIZE as u64, 10]
        );
        assert_eq!(
            root.links.iter().map(|l| l.cid).collect::<Vec<_>>(),
            blocks[..3].iter().map(|b| b.cid).collect::<Vec<_>>()
        );
        assert!(root.data.is_empty());
    }

    #[test]
    fn hostile_nodes_get_typed_errors() {
        let good = blocks_of(CHUNK_SIZE + 1).pop().unwrap().data;
        for cut in [1, 5, good.len() / 2, good.len() - 1] {
            assert!(decode_file_node(&good[..cut]).is_err(), "cut at {cut}");
        }
        assert_eq!(
            decode_file_node(&[]),
            Err(NodeError::Malformed("no UnixFS data"))
        );
        // A huge declared length.
        assert_eq!(
            decode_file_node(&[0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
            Err(NodeError::Malformed("truncated field"))
        );
        // A directory (UnixFS type 1).
        assert_eq!(
            decode_file_node(&[0x0a, 0x02, 0x08, 0x01]),
            Err(NodeError::NotAFile(1))
        );
        // filesize that lies.
        assert_eq!(
            decode_file_node(&[0x0a, 0x04, 0x08, 0x02, 0x18, 0x05]),
            Err(NodeError::Inconsistent(
                "filesize is not the sum of the parts"
            ))
        );
    }
}
