//! What every backend offers ([`Storage`]): put a stream of bytes and get its CID, get a CID's
//! bytes back as a verified stream, and `has`/`size`/`pin`/`unpin`. Object-safe, so a node picks
//! its backend at run time (`Arc<dyn Storage>`).
//!
//! Reads go through [`read_verified`]: the backend only supplies blocks ([`BlockSource`]), the
//! shared [`DagWalk`] checks each one against its CID before any byte of it is yielded.

use crate::cid::Cid;
use crate::error::StorageError;
use crate::walk::{ByteRange, DagWalk};
use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::{self, BoxStream, StreamExt};
use std::io::{self, Read};
use std::sync::Arc;

/// Bytes going in (a file being uploaded, a request body).
pub type ByteStream = BoxStream<'static, io::Result<Bytes>>;
/// Bytes coming out, each piece verified before it is yielded; an error ends the stream.
pub type VerifiedStream = BoxStream<'static, Result<Bytes, StorageError>>;

/// A content-addressed store. See the [module documentation](self).
pub trait Storage: Send + Sync + std::fmt::Debug {
    /// Stores the bytes `data` yields as a UnixFS file; returns its CID (the one
    /// `ipfs add --cid-version=1` gives the same bytes).
    fn put(&self, data: ByteStream) -> BoxFuture<'_, Result<Cid, StorageError>>;

    /// The bytes of `range` of file `cid`, verified block by block.
    fn get(
        &self,
        cid: Cid,
        range: ByteRange,
    ) -> BoxFuture<'_, Result<VerifiedStream, StorageError>>;

    /// The bytes of the single block `cid` (not the file it may root), verified against it:
    /// what the trustless gateway's `application/vnd.ipld.raw` answer carries.
    fn get_block(&self, cid: Cid) -> BoxFuture<'_, Result<Bytes, StorageError>>;

    /// Whether the root block of `cid` is held.
    fn has(&self, cid: Cid) -> BoxFuture<'_, Result<bool, StorageError>>;

    /// The file's size in bytes, from its (verified) root block.
    fn size(&self, cid: Cid) -> BoxFuture<'_, Result<u64, StorageError>>;

    /// Keeps `cid` (and its blocks) from garbage collection.
    fn pin(&self, cid: Cid) -> BoxFuture<'_, Result<(), StorageError>>;

    /// Lets `cid` be collected again; nothing if it was not pinned.
    fn unpin(&self, cid: Cid) -> BoxFuture<'_, Result<(), StorageError>>;
}

/// Where [`read_verified`] gets blocks: their bytes as stored, not yet trusted.
pub trait BlockSource: Send + Sync + 'static {
    /// The bytes of block `cid`.
    fn block(&self, cid: Cid) -> BoxFuture<'_, Result<Bytes, StorageError>>;

    /// Where block `cid` comes from (a path, a URL), named in errors.
    fn location(&self, cid: Cid) -> String;
}

/// Streams `range` of file `root`, fetching blocks from `source` one at a time and verifying
/// each (see [`DagWalk`]) before yielding its bytes.
pub fn read_verified(source: Arc<dyn BlockSource>, root: Cid, range: ByteRange) -> VerifiedStream {
    let walk = DagWalk::new(root, range);
    stream::try_unfold((source, walk), |(source, mut walk)| async move {
        while let Some(cid) = walk.next_cid() {
            let block = source.block(cid).await?;
            let data = walk
                .feed(block)
                .map_err(|e| e.located(|cid| source.location(cid)))?;
            if !data.is_empty() {
                return Ok(Some((data, (source, walk))));
            }
        }
        Ok(None)
    })
    .boxed()
}

/// The file size [`read_verified`] would read, from the root block alone.
pub async fn verified_size(source: &dyn BlockSource, root: Cid) -> Result<u64, StorageError> {
    let block = source.block(root).await?;
    crate::walk::file_size(root, &block).map_err(|e| e.located(|cid| source.location(cid)))
}

/// Block `cid` from `source`, verified against it.
pub async fn verified_block(source: &dyn BlockSource, cid: Cid) -> Result<Bytes, StorageError> {
    let block = source.block(cid).await?;
    crate::walk::check_block(cid, &block).map_err(|e| e.located(|cid| source.location(cid)))?;
    Ok(block)
}

/// Reads the first piece of `stream` and gives the stream back whole: how a server commits to
/// a success status only once some bytes verified (a stream failing at once is an error to
/// answer, not a body to cut).
pub async fn verified_start(mut stream: VerifiedStream) -> Result<VerifiedStream, StorageError> {
    match stream.next().await {
        None => Ok(stream::empty().boxed()),
        Some(first) => Ok(stream::once(std::future::ready(Ok(first?)))
            .chain(stream)
            .boxed()),
    }
}

/// Collects a verified stream, refusing more than `limit` bytes.
pub async fn collect(mut stream: VerifiedStream, limit: u64) -> Result<Vec<u8>, StorageError> {
    let mut out = Vec::new();
    while let Some(piece) = stream.next().await {
        let piece = piece?;
        if (out.len() + piece.len()) as u64 > limit {
            return Err(StorageError::TooLarge { limit });
        }
        out.extend_from_slice(&piece);
    }
    Ok(out)
}

/// A one-piece [`ByteStream`] of `bytes`.
pub fn bytes_stream(bytes: impl Into<Bytes>) -> ByteStream {
    stream::once(std::future::ready(Ok(bytes.into()))).boxed()
}

/// A [`ByteStream`] of what `reader` gives (a file, standard input), read on a thread of its
/// own in pieces of at most 256 KiB, a few pieces ahead.
pub fn reader_stream(mut reader: impl Read + Send + 'static) -> ByteStream {
    let (sender, receiver) = tokio::sync::mpsc::channel(4);
    std::thread::spawn(move || {
        loop {
            let mut piece = vec![0; crate::unixfs::CHUNK_SIZE];
            let next = match reader.read(&mut piece) {
                Ok(0) => return,
                Ok(n) => {
                    piece.truncate(n);
                    Ok(Bytes::from(piece))
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
            let failed = next.is_err();
            // A dropped receiver means the upload was abandoned: stop reading.
            if sender.blocking_send(next).is_err() || failed {
                return;
            }
        }
    });
    stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|piece| (piece, receiver))
    })
    .boxed()
}

/// A blocking [`Read`] over the pieces an async task sends: how an async upload feeds the
/// synchronous DAG builder on a blocking thread. A sender dropped early ends the data; an
/// error sent ends it with that error.
#[derive(Debug)]
pub struct ChannelReader {
    pieces: tokio::sync::mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl ChannelReader {
    /// A reader and the sender that feeds it (`depth` pieces buffered).
    pub fn new(depth: usize) -> (tokio::sync::mpsc::Sender<io::Result<Bytes>>, Self) {
        let (sender, pieces) = tokio::sync::mpsc::channel(depth);
        let reader = Self {
            pieces,
            current: Bytes::new(),
        };
        (sender, reader)
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.pieces.blocking_recv() {
                Some(piece) => self.current = piece?,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// Pumps `data` into `sender` (for a [`ChannelReader`]); stops early when the reader is gone.
pub async fn pump(mut data: ByteStream, sender: tokio::sync::mpsc::Sender<io::Result<Bytes>>) {
    while let Some(piece) = data.next().await {
        let failed = piece.is_err();
        if sender.send(piece).await.is_err() || failed {
            return;
        }
    }
}
