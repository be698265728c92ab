//! The local backend (the embedded default): a directory of blocks, one file per block, named
//! by CID. A file is stored as its UnixFS DAG, so its CID is the one IPFS gives it and its
//! blocks can be served to IPFS peers as they are.
//!
//! - Writes are atomic: a block is written to a unique temporary file, then renamed into place;
//!   concurrent writers of the same block race harmlessly (same bytes).
//! - Reads verify every block against its CID, and a file's bytes against the sizes its nodes
//!   declare: a corrupted block is reported with its CID and path.
//! - Both stream: a put holds one chunk, a get one block, whatever the file's size.
//! - Blocks are not fsynced one by one (a 2 GiB file is 8 192 blocks); a block damaged by a
//!   crash fails its verification on read instead of being served.

use crate::cid::{Cid, Codec};
use crate::dag_pb::{NodeError, decode_file_node};
use crate::unixfs::{Block, FileDag, build};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Largest block accepted (IPFS's own limit for exchanged blocks is 2 MiB).
pub const MAX_BLOCK_SIZE: u64 = 2 * 1024 * 1024;
/// Deepest DAG followed (174^8 chunks of 256 KiB is far beyond any file).
const MAX_DEPTH: usize = 8;

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
    /// A stored block does not hash to its CID.
    #[error("block {cid} is corrupt: {} does not hash to its CID", path.display())]
    Corrupt {
        /// The block.
        cid: Cid,
        /// Its file.
        path: PathBuf,
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
}

/// A directory of blocks. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct LocalStore {
    blocks: PathBuf,
    pins: PathBuf,
    temp: PathBuf,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> StorageError + '_ {
    move |source| StorageError::Io {
        path: path.to_owned(),
        source,
    }
}

impl LocalStore {
    /// The store in `dir` (created if needed).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StorageError> {
        let dir = dir.as_ref();
        let store = Self {
            blocks: dir.join("blocks"),
            pins: dir.join("pins"),
            temp: dir.join("tmp"),
        };
        for path in [&store.blocks, &store.pins, &store.temp] {
            fs::create_dir_all(path).map_err(io_at(path))?;
        }
        Ok(store)
    }

    /// Where block `cid` lives: sharded by the last two characters of its CIDv1 (random).
    fn block_path(&self, cid: &Cid) -> PathBuf {
        let name = cid.to_v1().to_string();
        let shard = &name[name.len() - 2..];
        self.blocks.join(shard).join(name)
    }

    /// Stores `block` (verified first) unless it is there already.
    pub fn put_block(&self, block: &Block) -> Result<(), StorageError> {
        if !block.cid.verifies(&block.data) {
            return Err(StorageError::Corrupt {
                cid: block.cid,
                path: PathBuf::from("<input>"),
            });
        }
        let path = self.block_path(&block.cid);
        if path.exists() {
            return Ok(());
        }
        let shard = path.parent().unwrap_or(&self.blocks);
        fs::create_dir_all(shard).map_err(io_at(shard))?;
        let temp = self.temp.join(format!(
            "{}-{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::write(&temp, &block.data).map_err(io_at(&temp))?;
        fs::rename(&temp, &path).map_err(|source| {
            let _ = fs::remove_file(&temp);
            StorageError::Io {
                path: path.clone(),
                source,
            }
        })
    }

    /// Reads block `cid`, verified against its CID.
    pub fn get_block(&self, cid: &Cid) -> Result<Vec<u8>, StorageError> {
        let path = self.block_path(cid);
        let file = match fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(StorageError::NotFound(*cid));
            }
            Err(source) => return Err(StorageError::Io { path, source }),
        };
        let mut data = Vec::new();
        file.take(MAX_BLOCK_SIZE + 1)
            .read_to_end(&mut data)
            .map_err(io_at(&path))?;
        if data.len() as u64 > MAX_BLOCK_SIZE {
            return Err(StorageError::BlockTooLarge {
                cid: *cid,
                size: data.len() as u64,
            });
        }
        if !cid.verifies(&data) {
            return Err(StorageError::Corrupt { cid: *cid, path });
        }
        Ok(data)
    }

    /// Whether block `cid` is in the store.
    pub fn has(&self, cid: &Cid) -> bool {
        self.block_path(cid).is_file()
    }

    /// Stores what `reader` gives as a UnixFS file; returns its DAG (the CID IPFS gives it).
    pub fn put(&self, reader: impl Read) -> Result<FileDag, StorageError> {
        build(reader, |block| self.put_block(&block))
    }

    /// Writes file `cid` to `out`, every block verified; returns the bytes written.
    pub fn get(&self, cid: &Cid, out: &mut impl Write) -> Result<u64, StorageError> {
        self.write_subtree(cid, None, out, 0)
    }

    /// The file's size, from its root block.
    pub fn size(&self, cid: &Cid) -> Result<u64, StorageError> {
        let block = self.get_block(cid)?;
        match cid.codec() {
            Codec::Raw => Ok(block.len() as u64),
            Codec::DagPb => Ok(decode_file_node(&block)
                .map_err(|source| StorageError::Node { cid: *cid, source })?
                .file_size),
        }
    }

    /// Marks `cid` as pinned (kept by a future garbage collection).
    pub fn pin(&self, cid: &Cid) -> Result<(), StorageError> {
        if !self.has(cid) {
            return Err(StorageError::NotFound(*cid));
        }
        let path = self.pins.join(cid.to_v1().to_string());
        fs::write(&path, b"").map_err(io_at(&path))
    }

    /// Removes the pin of `cid` (nothing if it had none).
    pub fn unpin(&self, cid: &Cid) -> Result<(), StorageError> {
        let path = self.pins.join(cid.to_v1().to_string());
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                Err(StorageError::Io { path, source: e })
            }
            _ => Ok(()),
        }
    }

    /// Whether `cid` is pinned.
    pub fn is_pinned(&self, cid: &Cid) -> bool {
        self.pins.join(cid.to_v1().to_string()).is_file()
    }

    /// Writes the file bytes under `cid`; `expected` is the size its parent declares.
    fn write_subtree(
        &self,
        cid: &Cid,
        expected: Option<u64>,
        out: &mut impl Write,
        depth: usize,
    ) -> Result<u64, StorageError> {
        let bad = |reason: String| StorageError::BadDag { cid: *cid, reason };
        if depth > MAX_DEPTH {
            return Err(bad(format!("deeper than {MAX_DEPTH} levels")));
        }
        let block = self.get_block(cid)?;
        let written = match cid.codec() {
            Codec::Raw => {
                out.write_all(&block)?;
                block.len() as u64
            }
            Codec::DagPb => {
                let node = decode_file_node(&block)
                    .map_err(|source| StorageError::Node { cid: *cid, source })?;
                drop(block);
                out.write_all(&node.data)?;
                let mut written = node.data.len() as u64;
                for (link, size) in node.links.iter().zip(&node.block_sizes) {
                    written += self.write_subtree(&link.cid, Some(*size), out, depth + 1)?;
                }
                written
            }
        };
        match expected {
            Some(expected) if expected != written => Err(bad(format!(
                "its parent declares {expected} bytes, it holds {written}"
            ))),
            _ => Ok(written),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unixfs::{CHUNK_SIZE, cid_of};

    fn data(size: usize) -> Vec<u8> {
        (0..size).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn files_round_trip_with_ipfs_cids() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        for size in [
            0,
            1,
            CHUNK_SIZE - 1,
            CHUNK_SIZE,
            CHUNK_SIZE + 1,
            5 * CHUNK_SIZE + 3,
        ] {
            let bytes = data(size);
            let dag = store.put(bytes.as_slice()).unwrap();
            assert_eq!(dag.root, cid_of(&bytes));
            assert!(store.has(&dag.root));
            assert_eq!(store.size(&dag.root).unwrap(), size as u64);
            let mut out = Vec::new();
            assert_eq!(store.get(&dag.root, &mut out).unwrap(), size as u64);
            assert_eq!(out, bytes, "size {size}");
        }
    }

    #[test]
    fn a_corrupted_block_is_named_on_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let bytes = data(3 * CHUNK_SIZE);
        let dag = store.put(bytes.as_slice()).unwrap();
        let second = Cid::v1(Codec::Raw, &bytes[CHUNK_SIZE..2 * CHUNK_SIZE]);
        let path = store.block_path(&second);
        let mut block = fs::read(&path).unwrap();
        block[100] ^= 1;
        fs::write(&path, block).unwrap();
        let error = store.get(&dag.root, &mut io::sink()).unwrap_err();
        match error {
            StorageError::Corrupt { cid, path: at } => assert_eq!((cid, at), (second, path)),
            other => panic!("expected corruption of {second}, got {other}"),
        }
        // A missing block is named too.
        fs::remove_file(store.block_path(&second)).unwrap();
        assert!(matches!(
            store.get(&dag.root, &mut io::sink()),
            Err(StorageError::NotFound(cid)) if cid == second
        ));
    }

    #[test]
    fn concurrent_writers_of_the_same_file_agree() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let bytes = data(4 * CHUNK_SIZE + 17);
        let roots: Vec<Cid> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| scope.spawn(|| store.put(bytes.as_slice()).unwrap().root))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(roots.windows(2).all(|w| w[0] == w[1]));
        let mut out = Vec::new();
        store.get(&roots[0], &mut out).unwrap();
        assert_eq!(out, bytes);
        assert_eq!(fs::read_dir(dir.path().join("tmp")).unwrap().count(), 0);
    }

    #[test]
    fn pins_and_hostile_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let dag = store.put(&b"pin me"[..]).unwrap();
        store.pin(&dag.root).unwrap();
        assert!(store.is_pinned(&dag.root));
        store.unpin(&dag.root).unwrap();
        store.unpin(&dag.root).unwrap();
        assert!(!store.is_pinned(&dag.root));
        let absent = cid_of(b"absent");
        assert!(matches!(store.pin(&absent), Err(StorageError::NotFound(_))));

        // A block whose bytes do not match its CID is refused on the way in.
        let forged = Block {
            cid: absent,
            data: b"other".to_vec(),
        };
        assert!(matches!(
            store.put_block(&forged),
            Err(StorageError::Corrupt { .. })
        ));
        assert!(!store.has(&absent));
    }
}
