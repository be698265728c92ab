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

use crate::backend::{BlockSource, ByteStream, ChannelReader, Storage, VerifiedStream, pump};
use crate::cid::Cid;
use crate::error::{MAX_BLOCK_SIZE, StorageError};
use crate::unixfs::{Block, FileDag, build};
use crate::walk::{ByteRange, DagWalk, check_block, file_size};
use bytes::Bytes;
use futures_util::future::{BoxFuture, FutureExt};
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A directory of blocks. See the [module documentation](self).
#[derive(Debug, Clone)]
pub struct LocalStore {
    blocks: PathBuf,
    pins: PathBuf,
    temp: PathBuf,
}

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);
/// Blocks hashed but not yet written during a put (each at most a chunk: 256 KiB).
const WRITE_QUEUE: usize = 8;

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
        check_block(block.cid, &block.data).map_err(|e| e.located(|_| "<input>".to_owned()))?;
        self.write_block(block)
    }

    /// Writes `block`, trusted to be what its CID names (the builder just hashed it).
    fn write_block(&self, block: &Block) -> Result<(), StorageError> {
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

    /// The bytes stored for block `cid`, not yet verified (at most [`MAX_BLOCK_SIZE`] + 1).
    fn read_block(&self, cid: &Cid) -> Result<Bytes, StorageError> {
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
        Ok(data.into())
    }

    /// Reads block `cid`, verified against its CID.
    pub fn get_block(&self, cid: &Cid) -> Result<Bytes, StorageError> {
        let data = self.read_block(cid)?;
        check_block(*cid, &data).map_err(|e| self.locate(e))?;
        Ok(data)
    }

    /// Whether block `cid` is in the store.
    pub fn has(&self, cid: &Cid) -> bool {
        self.block_path(cid).is_file()
    }

    /// Stores what `reader` gives as a UnixFS file; returns its DAG (the CID IPFS gives it).
    ///
    /// Chunking and hashing happen on this thread, writing blocks on another: the two overlap,
    /// with at most [`WRITE_QUEUE`] blocks in flight between them.
    pub fn put(&self, reader: impl Read) -> Result<FileDag, StorageError> {
        std::thread::scope(|scope| {
            let (blocks, queue) = std::sync::mpsc::sync_channel::<Block>(WRITE_QUEUE);
            let writer = scope.spawn(move || -> Result<(), StorageError> {
                for block in queue {
                    self.write_block(&block)?;
                }
                Ok(())
            });
            // A send fails only once the writer stopped on an error, reported below.
            let built = build(reader, |block| {
                let _ = blocks.send(block);
                Ok::<_, StorageError>(())
            });
            drop(blocks);
            let written = writer
                .join()
                .unwrap_or_else(|_| Err(StorageError::Stream(io::Error::other("writer panicked"))));
            written?;
            built
        })
    }

    /// Writes file `cid` to `out`, every block verified; returns the bytes written.
    pub fn get(&self, cid: &Cid, out: &mut impl Write) -> Result<u64, StorageError> {
        self.read_range(cid, ByteRange::ALL, out)
    }

    /// Writes `range` of file `cid` to `out`, every block read verified; returns the bytes
    /// written.
    pub fn read_range(
        &self,
        cid: &Cid,
        range: ByteRange,
        out: &mut impl Write,
    ) -> Result<u64, StorageError> {
        let mut walk = DagWalk::new(*cid, range);
        let mut written = 0;
        while let Some(next) = walk.next_cid() {
            let data = walk
                .feed(self.read_block(&next)?)
                .map_err(|e| self.locate(e))?;
            out.write_all(&data)?;
            written += data.len() as u64;
        }
        Ok(written)
    }

    /// The file's size, from its root block.
    pub fn size(&self, cid: &Cid) -> Result<u64, StorageError> {
        let block = self.read_block(cid)?;
        file_size(*cid, &block).map_err(|e| self.locate(e))
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

    /// Names the block's file in a corruption error.
    fn locate(&self, error: StorageError) -> StorageError {
        error.located(|cid| BlockSource::location(self, cid))
    }

    /// Runs `work` on a blocking thread (file I/O must not stall the async runtime).
    fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Self) -> Result<T, StorageError> + Send + 'static,
    ) -> BoxFuture<'static, Result<T, StorageError>> {
        let store = self.clone();
        async move {
            tokio::task::spawn_blocking(move || work(&store))
                .await
                .map_err(|e| StorageError::Stream(io::Error::other(e)))?
        }
        .boxed()
    }
}

impl BlockSource for LocalStore {
    fn block(&self, cid: Cid) -> BoxFuture<'_, Result<Bytes, StorageError>> {
        self.blocking(move |store| store.read_block(&cid))
    }

    fn location(&self, cid: Cid) -> String {
        self.block_path(&cid).display().to_string()
    }
}

impl Storage for LocalStore {
    fn put(&self, data: ByteStream) -> BoxFuture<'_, Result<Cid, StorageError>> {
        let (sender, reader) = ChannelReader::new(4);
        let build = self.blocking(move |store| store.put(reader).map(|dag| dag.root));
        async move {
            let (_, root) = tokio::join!(pump(data, sender), build);
            root
        }
        .boxed()
    }

    fn get(
        &self,
        cid: Cid,
        range: ByteRange,
    ) -> BoxFuture<'_, Result<VerifiedStream, StorageError>> {
        async move {
            if !self.has(&cid) {
                return Err(StorageError::NotFound(cid));
            }
            Ok(crate::backend::read_verified(
                Arc::new(self.clone()),
                cid,
                range,
            ))
        }
        .boxed()
    }

    fn get_block(&self, cid: Cid) -> BoxFuture<'_, Result<Bytes, StorageError>> {
        self.blocking(move |store| LocalStore::get_block(store, &cid))
    }

    fn has(&self, cid: Cid) -> BoxFuture<'_, Result<bool, StorageError>> {
        self.blocking(move |store| Ok(store.has(&cid)))
    }

    fn size(&self, cid: Cid) -> BoxFuture<'_, Result<u64, StorageError>> {
        self.blocking(move |store| store.size(&cid))
    }

    fn pin(&self, cid: Cid) -> BoxFuture<'_, Result<(), StorageError>> {
        self.blocking(move |store| store.pin(&cid))
    }

    fn unpin(&self, cid: Cid) -> BoxFuture<'_, Result<(), StorageError>> {
        self.blocking(move |store| store.unpin(&cid))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cid::Codec;
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
            StorageError::Corrupt { cid, from } => {
                assert_eq!((cid, from), (second, path.display().to_string()))
            }
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

    #[tokio::test]
    async fn the_storage_trait_streams_in_and_reads_ranges_verified() {
        use crate::backend::{collect, read_verified};
        use futures_util::StreamExt;

        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Storage> = Arc::new(LocalStore::open(dir.path()).unwrap());
        let bytes = data(2 * CHUNK_SIZE + 5);
        // Uneven pieces: the chunker must not care how the upload is cut.
        let pieces: Vec<io::Result<Bytes>> = bytes
            .chunks(100_003)
            .map(|piece| Ok(Bytes::copy_from_slice(piece)))
            .collect();
        let cid = store
            .put(futures_util::stream::iter(pieces).boxed())
            .await
            .unwrap();
        assert_eq!(cid, cid_of(&bytes));
        assert!(store.has(cid).await.unwrap());
        assert_eq!(store.size(cid).await.unwrap(), bytes.len() as u64);
        let range = ByteRange {
            start: CHUNK_SIZE as u64 - 3,
            len: Some(10),
        };
        let piece = collect(store.get(cid, range).await.unwrap(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(piece, &bytes[CHUNK_SIZE - 3..CHUNK_SIZE + 7]);
        assert!(matches!(
            collect(store.get(cid, ByteRange::ALL).await.unwrap(), 1000).await,
            Err(StorageError::TooLarge { limit: 1000 })
        ));

        // A failing upload stores no file and says why.
        let failing = futures_util::stream::iter([
            Ok(Bytes::from_static(b"partial")),
            Err(io::Error::other("client went away")),
        ]);
        assert!(matches!(
            store.put(failing.boxed()).await,
            Err(StorageError::Stream(e)) if e.to_string() == "client went away"
        ));

        // Corruption found mid-stream ends the stream with the block named.
        let local = LocalStore::open(dir.path()).unwrap();
        let last = Cid::v1(Codec::Raw, &bytes[2 * CHUNK_SIZE..]);
        fs::write(local.block_path(&last), b"tampered").unwrap();
        let mut stream = read_verified(Arc::new(local.clone()), cid, ByteRange::ALL);
        let mut good = 0;
        let error = loop {
            match stream.next().await.unwrap() {
                Ok(piece) => good += piece.len(),
                Err(error) => break error,
            }
        };
        assert_eq!(good, 2 * CHUNK_SIZE);
        assert!(matches!(error, StorageError::Corrupt { cid, .. } if cid == last));
        assert!(matches!(
            store.get(cid_of(b"absent"), ByteRange::ALL).await,
            Err(StorageError::NotFound(_))
        ));
    }
}
