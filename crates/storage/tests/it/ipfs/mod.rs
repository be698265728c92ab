//! The IPFS backend against a real js-ipfs daemon (`scripts/ipfs`; skipped with a message when
//! absent, a failure under `CI=true`), and against fake nodes and gateways that lie, fail or
//! hang: nothing they send is yielded unverified, and nothing waits forever.
#![allow(clippy::print_stdout)]

mod daemon;
mod fake;

use confide_storage::backend::{ByteStream, collect};
use confide_storage::unixfs::{CHUNK_SIZE, cid_of};
use confide_storage::{
    ByteRange, Cid, Codec, GatewayReader, IpfsConfig, IpfsStore, LocalStore, Storage, StorageError,
    Timeouts,
};
use daemon::daemon;
use fake::{Reply, serve};
use futures_util::stream::{self, StreamExt};
use std::time::Duration;

/// Bytes of a test file: a pattern differing per `seed`, so tests do not share blocks.
fn data(size: usize, seed: u8) -> Vec<u8> {
    (0..size)
        .map(|i| ((i * 31 + usize::from(seed) * 7) % 251) as u8)
        .collect()
}

/// `bytes` as an upload stream of uneven pieces.
fn upload(bytes: &[u8]) -> ByteStream {
    let pieces: Vec<_> = bytes
        .chunks(100_003)
        .map(|piece| Ok(bytes::Bytes::copy_from_slice(piece)))
        .collect();
    stream::iter(pieces).boxed()
}

/// Short bounds: an unknown CID fails in seconds.
fn short() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        request: Duration::from_secs(2),
        idle: Duration::from_secs(2),
    }
}

fn store(api: &str) -> IpfsStore {
    let mut config = IpfsConfig::new(api);
    config.timeouts = short();
    config.has_wait = Duration::from_millis(500);
    IpfsStore::new(config).unwrap()
}

async fn read_all(store: &dyn Storage, cid: Cid, range: ByteRange) -> Vec<u8> {
    collect(store.get(cid, range).await.unwrap(), u64::MAX)
        .await
        .unwrap()
}

#[tokio::test]
async fn files_round_trip_through_the_daemon_with_our_cids() {
    let Some(node) = daemon() else { return };
    let ipfs = store(&node.api);
    assert_eq!(ipfs.version().await.unwrap(), "0.18.1");
    for size in [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * 1024 * 1024 + 7] {
        let bytes = data(size, 1);
        let cid = ipfs.put(upload(&bytes)).await.unwrap();
        assert_eq!(cid, cid_of(&bytes), "size {size}");
        assert!(ipfs.has(cid).await.unwrap());
        assert_eq!(ipfs.size(cid).await.unwrap(), size as u64);
        assert_eq!(
            read_all(&ipfs, cid, ByteRange::ALL).await,
            bytes,
            "size {size}"
        );
    }
}

#[tokio::test]
async fn ranges_read_only_their_bytes() {
    let Some(node) = daemon() else { return };
    let ipfs = store(&node.api);
    let bytes = data(5 * CHUNK_SIZE + 100, 2);
    let cid = ipfs.put(upload(&bytes)).await.unwrap();
    for (start, len) in [
        (0, Some(1)),
        (CHUNK_SIZE as u64 - 3, Some(600_000)),
        (5 * CHUNK_SIZE as u64, None),
    ] {
        let got = read_all(&ipfs, cid, ByteRange { start, len }).await;
        let end = len.map_or(bytes.len(), |len| (start + len) as usize);
        assert_eq!(got, bytes[start as usize..end], "range {start}+{len:?}");
    }
}

#[tokio::test]
async fn pins_are_added_and_removed() {
    let Some(node) = daemon() else { return };
    let ipfs = store(&node.api);
    let cid = ipfs.put(upload(&data(CHUNK_SIZE + 5, 3))).await.unwrap();
    let pinned = async || {
        let (status, body) = fake::post(&node.api, &format!("/api/v0/pin/ls?arg={cid}")).await;
        status == 200 && body.contains("recursive")
    };
    assert!(pinned().await, "add pins");
    ipfs.unpin(cid).await.unwrap();
    assert!(!pinned().await);
    ipfs.unpin(cid).await.unwrap();
    ipfs.pin(cid).await.unwrap();
    assert!(pinned().await);
}

#[tokio::test]
async fn unknown_cids_time_out_instead_of_hanging() {
    let Some(node) = daemon() else { return };
    let ipfs = store(&node.api);
    let unknown = cid_of(b"never added anywhere");
    assert!(!ipfs.has(unknown).await.unwrap());
    for result in [
        ipfs.get(unknown, ByteRange::ALL).await.map(drop),
        ipfs.size(unknown).await.map(drop),
        // pin/add of a CID the node lacks: it looks for it, and gives up with the request.
        ipfs.pin(unknown).await,
    ] {
        match result {
            Err(StorageError::Timeout { operation, after }) => {
                assert!(operation.contains(&unknown.to_string()), "{operation}");
                assert_eq!(after, short().request);
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn local_cids_read_back_verified_through_the_daemons_gateway() {
    let Some(node) = daemon() else { return };
    let ipfs = store(&node.api);
    let gateway = GatewayReader::new(&node.gateway, short()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let local = LocalStore::open(dir.path()).unwrap();
    for size in [5, 3 * CHUNK_SIZE + 11] {
        let bytes = data(size, 4);
        let cid = local.put(bytes.as_slice()).unwrap().root;
        assert_eq!(ipfs.put(upload(&bytes)).await.unwrap(), cid);
        assert_eq!(gateway.size(cid).await.unwrap(), size as u64);
        let all = collect(gateway.get(cid, ByteRange::ALL).await.unwrap(), u64::MAX);
        assert_eq!(all.await.unwrap(), bytes, "size {size}");
        let range = ByteRange {
            start: 3,
            len: Some(CHUNK_SIZE as u64),
        };
        let part = collect(gateway.get(cid, range).await.unwrap(), u64::MAX);
        let end = (3 + CHUNK_SIZE).min(size);
        assert_eq!(part.await.unwrap(), bytes[3..end]);
    }
    let unknown = cid_of(b"not on the gateway");
    assert!(matches!(
        gateway.get(unknown, ByteRange::ALL).await.map(drop),
        Err(StorageError::Timeout { .. })
    ));
}

/// A two-level file's CID, and the bytes of a different block.
fn file_and_forgery() -> (Cid, Vec<u8>, Vec<u8>) {
    let bytes = data(3 * CHUNK_SIZE, 5);
    (
        cid_of(&bytes),
        bytes,
        b"not the block you asked for".to_vec(),
    )
}

#[tokio::test]
async fn a_node_serving_forged_blocks_is_refused() {
    let (cid, _, forged) = file_and_forgery();
    let api = serve(Reply::ok("application/octet-stream", forged.clone())).await;
    let ipfs = store(&api);
    for result in [
        ipfs.get(cid, ByteRange::ALL).await.map(drop),
        ipfs.size(cid).await.map(drop),
    ] {
        match result {
            Err(StorageError::Corrupt { cid: bad, from }) => {
                assert_eq!(bad, cid);
                assert!(from.starts_with(&api), "{from}");
            }
            other => panic!("expected corruption, got {other:?}"),
        }
    }
    // A raw block too (a single-chunk file).
    let leaf = Cid::v1(Codec::Raw, b"small file");
    assert!(matches!(
        ipfs.get(leaf, ByteRange::ALL).await.map(drop),
        Err(StorageError::Corrupt { .. })
    ));
}

#[tokio::test]
async fn a_gateway_serving_forged_bytes_is_refused() {
    let (cid, bytes, forged) = file_and_forgery();
    // A trustless gateway answering a wrong block.
    let trustless = serve(Reply::ok("application/vnd.ipld.raw", forged.clone())).await;
    let reader = GatewayReader::new(&trustless, short()).unwrap();
    assert!(matches!(
        reader.get(cid, ByteRange::ALL).await.map(drop),
        Err(StorageError::Corrupt { .. })
    ));
    // A gateway serving files: a file one byte off does not rebuild the CID.
    let mut tampered = bytes.clone();
    tampered[CHUNK_SIZE + 9] ^= 1;
    let files = serve(Reply::ok("application/octet-stream", tampered)).await;
    let reader = GatewayReader::new(&files, short()).unwrap();
    match reader.get(cid, ByteRange::ALL).await.map(drop) {
        Err(StorageError::Corrupt { cid: bad, from }) => {
            assert_eq!((bad, from), (cid, format!("{files}/ipfs/{cid}")));
        }
        other => panic!("expected corruption, got {other:?}"),
    }
    // The untampered file is read (the rebuilt DAG is the CID's).
    let honest = serve(Reply::ok("application/octet-stream", bytes.clone())).await;
    let reader = GatewayReader::new(&honest, short()).unwrap();
    let got = collect(reader.get(cid, ByteRange::ALL).await.unwrap(), u64::MAX);
    assert_eq!(got.await.unwrap(), bytes);
}

#[tokio::test]
async fn a_node_answering_another_cid_is_refused_on_put() {
    let bytes = data(CHUNK_SIZE * 2, 6);
    let other = cid_of(b"something else");
    let answer = format!("{{\"Name\":\"file\",\"Hash\":\"{other}\",\"Size\":\"12\"}}\n");
    let api = serve(Reply::ok("application/json", answer)).await;
    match store(&api).put(upload(&bytes)).await {
        Err(StorageError::CidMismatch { expected, got }) => {
            assert_eq!((expected, got), (cid_of(&bytes), other));
        }
        other => panic!("expected a CID mismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn node_errors_and_silences_are_named() {
    let cid = cid_of(b"anything");
    let kubo_error = Reply::Answer {
        status: 500,
        content_type: "application/json",
        body: br#"{"Message":"pin: merkledag: not found","Code":0,"Type":"error"}"#.to_vec(),
    };
    let api = serve(kubo_error).await;
    match store(&api).pin(cid).await {
        Err(StorageError::Http {
            url,
            status,
            message,
        }) => {
            assert_eq!(
                (status, message.as_str()),
                (500, "pin: merkledag: not found")
            );
            assert_eq!(url, format!("{api}/api/v0/pin/add"));
        }
        other => panic!("expected an HTTP error, got {other:?}"),
    }
    // A node that never answers: every request ends with its timeout.
    let api = serve(Reply::Never).await;
    let silent = store(&api);
    assert!(matches!(
        silent.version().await,
        Err(StorageError::Timeout { .. })
    ));
    assert!(matches!(
        silent.put(upload(b"x")).await,
        Err(StorageError::Timeout { .. })
    ));
    let gateway = GatewayReader::new(&api, short()).unwrap();
    assert!(matches!(
        gateway.size(cid).await,
        Err(StorageError::Timeout { .. })
    ));
    // Nothing listening.
    let closed = store("http://127.0.0.1:9");
    assert!(matches!(
        closed.version().await,
        Err(StorageError::Remote { .. })
    ));
}

/// Throughput through js-ipfs (not a test of behaviour: run with `--ignored --nocapture`).
#[tokio::test]
#[ignore = "a measurement"]
async fn throughput() {
    let Some(node) = daemon() else { return };
    let ipfs = store(&node.api);
    let size = 64 * 1024 * 1024;
    let bytes = data(size, 7);
    let started = std::time::Instant::now();
    let cid = ipfs.put(upload(&bytes)).await.unwrap();
    let put = started.elapsed();
    let started = std::time::Instant::now();
    assert_eq!(read_all(&ipfs, cid, ByteRange::ALL).await.len(), size);
    let get = started.elapsed();
    let gateway = GatewayReader::new(&node.gateway, Timeouts::default()).unwrap();
    let started = std::time::Instant::now();
    let got = collect(gateway.get(cid, ByteRange::ALL).await.unwrap(), u64::MAX).await;
    assert_eq!(got.unwrap().len(), size);
    let via_gateway = started.elapsed();
    let rate = |d: Duration| size as f64 / 1e6 / d.as_secs_f64();
    println!(
        "64 MiB through js-ipfs: put {:.1} MB/s, get (block/get) {:.1} MB/s, gateway (rebuilt) {:.1} MB/s",
        rate(put),
        rate(get),
        rate(via_gateway)
    );
}
