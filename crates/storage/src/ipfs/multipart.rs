//! The body of an `add`: the upload as one `multipart/form-data` file part, streamed. While it
//! streams, the CID of the same bytes is computed here (to check the node's answer) and the
//! upload's progress is recorded (to time out a stalled upload, however long a healthy one is).

use crate::backend::ByteStream;
use crate::cid::Cid;
use crate::unixfs::{Block, CHUNK_SIZE, DagBuilder};
use bytes::Bytes;
use futures_util::stream::{self, Stream, StreamExt};
use sha2::{Digest, Sha256};
use std::convert::Infallible;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// The DAG of the bytes uploaded so far, and how the upload ended.
#[derive(Debug, Default)]
pub(super) struct Upload {
    builder: DagBuilder,
    chunk: Vec<u8>,
    /// The input stream's error, if it failed (the upload is then aborted).
    failed: Option<io::Error>,
    /// The time of the last piece sent, and whether the body is all sent.
    last_progress: Option<Instant>,
    sent: bool,
}

fn nothing(_: Block) -> Result<(), Infallible> {
    Ok(())
}

impl Upload {
    fn feed(&mut self, mut bytes: &[u8]) {
        self.last_progress = Some(Instant::now());
        while !bytes.is_empty() {
            let take = (CHUNK_SIZE - self.chunk.len()).min(bytes.len());
            self.chunk.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.chunk.len() == CHUNK_SIZE {
                let chunk = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK_SIZE));
                let Ok(()) = self.builder.push_chunk(chunk, &mut nothing);
            }
        }
    }

    /// The CID of all the bytes uploaded (the same as [`crate::unixfs::build`]'s).
    pub(super) fn finish(&mut self) -> Cid {
        let mut builder = std::mem::take(&mut self.builder);
        let chunk = std::mem::take(&mut self.chunk);
        if !chunk.is_empty() {
            let Ok(()) = builder.push_chunk(chunk, &mut nothing);
        }
        let Ok(dag) = builder.finish(&mut nothing);
        dag.root
    }

    /// The input's error, if it failed.
    pub(super) fn take_failure(&mut self) -> Option<io::Error> {
        self.failed.take()
    }

    /// When the upload stalls: `idle` after the last piece sent, or `request` after the end of
    /// the body (the node then adds the file and answers); with the limit that applies.
    pub(super) fn deadline(
        &self,
        started: Instant,
        idle: Duration,
        request: Duration,
    ) -> (Instant, Duration) {
        let last = self.last_progress.unwrap_or(started);
        let limit = if self.sent { request } else { idle };
        (last + limit, limit)
    }
}

/// Locks the upload state (a panic elsewhere cannot leave it inconsistent: every update is
/// one assignment).
pub(super) fn lock(upload: &Mutex<Upload>) -> MutexGuard<'_, Upload> {
    upload.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A boundary that cannot be guessed from the data (it must not occur in it).
pub(super) fn boundary() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!(
        "{now}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let digest = Sha256::digest(seed.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("confide-{hex}")
}

/// The multipart body carrying `data` as the part `file`; every piece is fed to `upload`.
pub(super) fn body(
    data: ByteStream,
    boundary: &str,
    upload: Arc<Mutex<Upload>>,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static {
    let head = Bytes::from(format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    ));
    let tail = Bytes::from(format!("\r\n--{boundary}--\r\n"));
    let fed = upload.clone();
    let pieces = data.map(move |piece| {
        let mut state = lock(&fed);
        match piece {
            Ok(piece) => {
                state.feed(&piece);
                Ok(piece)
            }
            Err(error) => {
                // Kept for the caller: reqwest only reports that the body failed.
                let copy = io::Error::new(error.kind(), error.to_string());
                state.failed = Some(error);
                Err(copy)
            }
        }
    });
    let end = stream::once(async move {
        let mut state = lock(&upload);
        state.sent = true;
        state.last_progress = Some(Instant::now());
        Ok(tail)
    });
    stream::once(std::future::ready(Ok(head)))
        .chain(pieces)
        .chain(end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unixfs::cid_of;

    #[test]
    fn the_cid_computed_while_streaming_is_the_files() {
        for size in [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 5] {
            let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let mut upload = Upload::default();
            for piece in data.chunks(100_000) {
                upload.feed(piece);
            }
            assert_eq!(upload.finish(), cid_of(&data), "size {size}");
        }
    }

    #[test]
    fn boundaries_differ() {
        assert_ne!(boundary(), boundary());
    }
}
