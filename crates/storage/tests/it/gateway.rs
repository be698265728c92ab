//! The HTTP gateway over a local store, through a real socket and a byte-exact HTTP/1.1 client:
//! files, ranges, caching, raw blocks, errors, Kubo RPC uploads within and over the limit, and a
//! corrupted block aborting the body instead of serving wrong bytes.

use confide_storage::gateway::{GatewayConfig, serve};
use confide_storage::unixfs::CHUNK_SIZE;
use confide_storage::{Cid, Codec, LocalStore, Storage, cid_of};
use serde_json::Value;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// A gateway on 127.0.0.1:0 over a local store in a temporary directory; stopped when dropped.
struct Gateway {
    runtime: Option<tokio::runtime::Runtime>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    addr: SocketAddr,
    store: LocalStore,
    dir: tempfile::TempDir,
}

impl Gateway {
    fn start(config: GatewayConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let storage: Arc<dyn Storage> = Arc::new(store.clone());
        runtime.spawn(serve(listener, storage, config, async move {
            let _ = stopped.await;
        }));
        Self {
            runtime: Some(runtime),
            stop: Some(stop),
            addr,
            store,
            dir,
        }
    }

    fn add(&self, data: &[u8]) -> Cid {
        self.store.put(data).unwrap().root
    }

    fn request(&self, method: &str, target: &str, headers: &[(&str, &str)]) -> Reply {
        request(self.addr, method, target, headers, &[])
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.stop.take().map(|stop| stop.send(()));
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

/// A response as it arrived.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The connection ended with an error (reset) rather than a clean close.
    reset: bool,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn content_length(&self) -> u64 {
        self.header("content-length").unwrap().parse().unwrap()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A complete body: as long as `Content-Length` says, the connection closed cleanly.
    fn assert_complete(&self) {
        assert!(!self.reset, "connection reset");
        assert_eq!(self.body.len() as u64, self.content_length());
    }
}

/// One HTTP/1.1 request (`Connection: close`), `body` sent chunked when not empty.
fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        head.push_str("Transfer-Encoding: chunked\r\n");
    } else if method == "POST" {
        head.push_str("Content-Length: 0\r\n");
    }
    head.push_str("\r\n");
    let mut sent = stream.write_all(head.as_bytes());
    // Pieces of 100 000 bytes: not aligned with anything the server cuts at.
    for piece in body.chunks(100_000) {
        if sent.is_ok() {
            sent = write!(stream, "{:x}\r\n", piece.len())
                .and_then(|()| stream.write_all(piece))
                .and_then(|()| stream.write_all(b"\r\n"));
        }
    }
    if !body.is_empty() && sent.is_ok() {
        let _ = stream.write_all(b"0\r\n\r\n");
    }
    let mut response = Vec::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let reset = loop {
        match stream.read(&mut buffer) {
            Ok(0) => break false,
            Ok(n) => response.extend_from_slice(&buffer[..n]),
            Err(_) => break true,
        }
    };
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head: {}", String::from_utf8_lossy(&response)));
    let head = String::from_utf8(response[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.trim().to_owned(), value.trim().to_owned())
        })
        .collect();
    Reply {
        status,
        headers,
        body: response[split + 4..].to_vec(),
        reset,
    }
}

/// `POST target` of `data` as the one file part of a multipart form named `name`.
fn upload(addr: SocketAddr, target: &str, name: &str, data: &[u8]) -> Reply {
    let boundary = "------------------------confide0123456789";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    request(
        addr,
        "POST",
        target,
        &[("Content-Type", &content_type)],
        &body,
    )
}

fn data(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 31 % 251) as u8).collect()
}

/// Four chunks and a bit: a dag-pb root over five raw leaves.
const FILE_SIZE: usize = 4 * CHUNK_SIZE + 1000;

#[test]
fn files_are_served_whole_with_immutable_headers() {
    let gateway = Gateway::start(GatewayConfig::default());
    let bytes = data(FILE_SIZE);
    let cid = gateway.add(&bytes);
    let reply = gateway.request("GET", &format!("/ipfs/{cid}"), &[]);
    assert_eq!(reply.status, 200);
    reply.assert_complete();
    assert!(reply.body == bytes);
    assert_eq!(reply.content_length(), FILE_SIZE as u64);
    assert_eq!(reply.header("accept-ranges"), Some("bytes"));
    assert_eq!(reply.header("etag"), Some(format!("\"{cid}\"").as_str()));
    assert_eq!(
        reply.header("cache-control"),
        Some("public, max-age=29030400, immutable")
    );
    assert_eq!(
        reply.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        reply.header("x-ipfs-path"),
        Some(format!("/ipfs/{cid}").as_str())
    );

    // Other text forms of the same CID.
    for form in [cid.to_base58(), cid.to_base16()] {
        let reply = gateway.request("GET", &format!("/ipfs/{form}"), &[]);
        assert_eq!(reply.status, 200, "{form}");
        assert!(reply.body == bytes);
    }

    // HEAD: the same headers, no body.
    let reply = gateway.request("HEAD", &format!("/ipfs/{cid}"), &[]);
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_length(), FILE_SIZE as u64);
    assert_eq!(reply.header("etag"), Some(format!("\"{cid}\"").as_str()));
    assert!(reply.body.is_empty());

    // The ETag revalidates without a body.
    let etag = format!("\"{cid}\"");
    let reply = gateway.request("GET", &format!("/ipfs/{cid}"), &[("If-None-Match", &etag)]);
    assert_eq!(reply.status, 304);
    assert!(reply.body.is_empty());
    assert_eq!(reply.header("etag"), Some(etag.as_str()));

    // An empty file.
    let empty = gateway.add(b"");
    let reply = gateway.request("GET", &format!("/ipfs/{empty}"), &[]);
    assert_eq!((reply.status, reply.content_length()), (200, 0));
}

#[test]
fn single_ranges_are_honoured() {
    let gateway = Gateway::start(GatewayConfig::default());
    let bytes = data(FILE_SIZE);
    let size = FILE_SIZE as u64;
    let cid = gateway.add(&bytes);
    let boundary = CHUNK_SIZE as u64;
    let cases = [
        ("bytes=0-0".to_owned(), 0, 0),
        // Across the first chunk boundary.
        (
            format!("bytes={}-{}", boundary - 100, boundary + 99),
            boundary - 100,
            boundary + 99,
        ),
        ("bytes=-100".to_owned(), size - 100, size - 1),
        (
            format!("bytes={}-", 3 * boundary + 5),
            3 * boundary + 5,
            size - 1,
        ),
        (format!("bytes=10-{}", size + 50), 10, size - 1),
    ];
    for (range, first, last) in cases {
        let reply = gateway.request("GET", &format!("/ipfs/{cid}"), &[("Range", &range)]);
        assert_eq!(reply.status, 206, "{range}");
        reply.assert_complete();
        assert_eq!(
            reply.header("content-range"),
            Some(format!("bytes {first}-{last}/{size}").as_str()),
            "{range}"
        );
        assert!(
            reply.body == bytes[first as usize..=last as usize],
            "{range}"
        );
    }

    // Past the end: 416 naming the size.
    let reply = gateway.request(
        "GET",
        &format!("/ipfs/{cid}"),
        &[("Range", &format!("bytes={size}-"))],
    );
    assert_eq!(reply.status, 416);
    assert_eq!(
        reply.header("content-range"),
        Some(format!("bytes */{size}").as_str())
    );

    // Several ranges, or a malformed one: the whole file.
    for range in ["bytes=0-1,5-6", "bytes=9-3", "lines=1-2"] {
        let reply = gateway.request("GET", &format!("/ipfs/{cid}"), &[("Range", range)]);
        assert_eq!(reply.status, 200, "{range}");
        assert!(reply.body == bytes);
    }

    // A range under an If-Range naming another validator: the whole file.
    let reply = gateway.request(
        "GET",
        &format!("/ipfs/{cid}"),
        &[("Range", "bytes=0-0"), ("If-Range", "\"other\"")],
    );
    assert_eq!(reply.status, 200);
}

#[test]
fn raw_blocks_errors_and_unknown_cids() {
    let gateway = Gateway::start(GatewayConfig::default());
    let bytes = data(FILE_SIZE);
    let cid = gateway.add(&bytes);

    // The root block, by query or by Accept: a dag-pb node that hashes to the CID.
    let by_query = gateway.request("GET", &format!("/ipfs/{cid}?format=raw"), &[]);
    let by_accept = gateway.request(
        "GET",
        &format!("/ipfs/{cid}"),
        &[("Accept", "application/vnd.ipld.raw")],
    );
    for reply in [&by_query, &by_accept] {
        assert_eq!(reply.status, 200);
        reply.assert_complete();
        assert_eq!(
            reply.header("content-type"),
            Some("application/vnd.ipld.raw")
        );
        assert_eq!(
            reply.header("etag"),
            Some(format!("\"{cid}.raw\"").as_str())
        );
        assert!(cid.verifies(&reply.body));
        assert!(reply.body.len() < 1000);
    }
    // A leaf's block is its chunk.
    let leaf = Cid::v1(Codec::Raw, &bytes[..CHUNK_SIZE]);
    let reply = gateway.request("GET", &format!("/ipfs/{leaf}?format=raw"), &[]);
    assert!(reply.body == bytes[..CHUNK_SIZE]);
    let reply = gateway.request("GET", &format!("/ipfs/{cid}?format=car"), &[]);
    assert_eq!(reply.status, 400);

    let absent = cid_of(b"absent");
    for target in [
        format!("/ipfs/{absent}"),
        format!("/ipfs/{absent}?format=raw"),
    ] {
        let reply = gateway.request("GET", &target, &[]);
        assert_eq!(reply.status, 404, "{target}");
    }
    let reply = gateway.request("GET", "/ipfs/notacid", &[]);
    assert_eq!(reply.status, 400);
    assert!(reply.text().contains("invalid CID"), "{}", reply.text());
    assert_eq!(gateway.request("GET", "/elsewhere", &[]).status, 404);
}

#[test]
fn a_corrupted_block_aborts_the_body() {
    let gateway = Gateway::start(GatewayConfig::default());
    let bytes = data(FILE_SIZE);
    let cid = gateway.add(&bytes);
    // Flip a byte of the third leaf on disk.
    let third = Cid::v1(Codec::Raw, &bytes[2 * CHUNK_SIZE..3 * CHUNK_SIZE]).to_string();
    let path = gateway
        .dir
        .path()
        .join("blocks")
        .join(&third[third.len() - 2..])
        .join(&third);
    let mut block = std::fs::read(&path).unwrap();
    block[7] ^= 1;
    std::fs::write(&path, block).unwrap();

    let reply = gateway.request("GET", &format!("/ipfs/{cid}"), &[]);
    // The headers promised the whole file; the body stops before the bad block.
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_length(), FILE_SIZE as u64);
    assert!(reply.body.len() <= 2 * CHUNK_SIZE, "{}", reply.body.len());
    assert!(reply.body == bytes[..reply.body.len()]);

    // A range starting in the bad block: refused before any status is promised.
    let range = format!("bytes={}-", 2 * CHUNK_SIZE + 10);
    let reply = gateway.request("GET", &format!("/ipfs/{cid}"), &[("Range", &range)]);
    assert_eq!(reply.status, 500);
    assert!(reply.text().contains("does not hash"), "{}", reply.text());
    let reply = gateway.request(
        "POST",
        &format!("/api/v0/cat?arg={cid}&offset={}", 2 * CHUNK_SIZE),
        &[],
    );
    assert_eq!(reply.status, 500);
    assert!(reply.text().contains("does not hash"), "{}", reply.text());

    // Its raw block is refused before any byte, without the node's paths.
    let reply = gateway.request("GET", &format!("/ipfs/{third}?format=raw"), &[]);
    assert_eq!(reply.status, 500);
    assert!(reply.text().contains("does not hash"), "{}", reply.text());
    assert!(!reply.text().contains(gateway.dir.path().to_str().unwrap()));
}

#[test]
fn kubo_rpc_add_cat_block_pin_version() {
    let gateway = Gateway::start(GatewayConfig::default());
    let bytes = data(FILE_SIZE);
    let reply = upload(
        gateway.addr,
        "/api/v0/add?cid-version=1&pin=true",
        "photo.sealed",
        &bytes,
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    let added = reply.json();
    let cid = cid_of(&bytes);
    assert_eq!(added["Hash"], cid.to_string());
    assert_eq!(added["Name"], "photo.sealed");
    assert_eq!(added["Size"], FILE_SIZE.to_string());
    assert!(gateway.store.is_pinned(&cid));
    let mut stored = Vec::new();
    gateway.store.get(&cid, &mut stored).unwrap();
    assert!(stored == bytes);

    // cat, whole and a window across a chunk boundary, the CID as a path.
    let reply = gateway.request("POST", &format!("/api/v0/cat?arg={cid}"), &[]);
    assert_eq!(reply.status, 200);
    reply.assert_complete();
    assert!(reply.body == bytes);
    let (offset, length) = (CHUNK_SIZE - 7, 1000);
    let reply = gateway.request(
        "POST",
        &format!("/api/v0/cat?arg=/ipfs/{cid}&offset={offset}&length={length}"),
        &[],
    );
    assert_eq!(reply.status, 200);
    assert!(reply.body == bytes[offset..offset + length]);

    // block/get: the root node.
    let reply = gateway.request("POST", &format!("/api/v0/block/get?arg={cid}"), &[]);
    assert_eq!(reply.status, 200);
    assert!(cid.verifies(&reply.body));

    // pin/rm, pin/add.
    let reply = gateway.request("POST", &format!("/api/v0/pin/rm?arg={cid}"), &[]);
    assert_eq!(reply.json()["Pins"][0], cid.to_string());
    assert!(!gateway.store.is_pinned(&cid));
    let reply = gateway.request("POST", &format!("/api/v0/pin/add?arg={cid}"), &[]);
    assert_eq!(reply.json()["Pins"][0], cid.to_string());
    assert!(gateway.store.is_pinned(&cid));

    // Errors in Kubo's shape.
    let absent = cid_of(b"absent");
    let reply = gateway.request("POST", &format!("/api/v0/pin/add?arg={absent}"), &[]);
    assert_eq!(reply.status, 500);
    assert_eq!(reply.json()["Type"], "error");
    assert_eq!(reply.json()["Code"], 0);
    let reply = gateway.request("POST", "/api/v0/cat?arg=nope", &[]);
    assert_eq!(reply.status, 400);
    assert_eq!(reply.json()["Code"], 1);
    assert!(
        reply.json()["Message"]
            .as_str()
            .unwrap()
            .contains("invalid CID")
    );
    let reply = gateway.request("POST", "/api/v0/cat", &[]);
    assert_eq!(reply.status, 400);
    let reply = upload(gateway.addr, "/api/v0/add?cid-version=0", "v0", b"x");
    assert_eq!(reply.status, 400);

    // version; GET is not allowed, as on Kubo.
    let reply = gateway.request("POST", "/api/v0/version", &[]);
    assert_eq!(reply.json()["Version"], env!("CARGO_PKG_VERSION"));
    assert!(reply.json()["System"].is_string());
    assert_eq!(gateway.request("GET", "/api/v0/version", &[]).status, 405);
    assert_eq!(
        gateway
            .request("GET", &format!("/api/v0/cat?arg={cid}"), &[])
            .status,
        405
    );
}

#[test]
fn uploads_over_the_limit_are_refused_and_leave_no_pin() {
    let limit = 3 * CHUNK_SIZE as u64;
    let gateway = Gateway::start(GatewayConfig {
        max_upload: limit,
        ..GatewayConfig::default()
    });
    // Exactly the limit: accepted.
    let bytes = data(limit as usize);
    let reply = upload(gateway.addr, "/api/v0/add", "fits", &bytes);
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.json()["Hash"], cid_of(&bytes).to_string());

    // One byte more: 413, no root stored, nothing pinned.
    let bytes = data(limit as usize + 1);
    let reply = upload(gateway.addr, "/api/v0/add", "too-big", &bytes);
    assert_eq!(reply.status, 413, "{}", reply.text());
    assert_eq!(reply.json()["Type"], "error");
    assert!(!gateway.store.has(&cid_of(&bytes)));
    let pins = std::fs::read_dir(gateway.dir.path().join("pins"))
        .unwrap()
        .count();
    assert_eq!(pins, 1);

    // Far more (past the body limit too): still a 413.
    let bytes = data(limit as usize + 2 * 1024 * 1024);
    let reply = upload(gateway.addr, "/api/v0/add", "far-too-big", &bytes);
    assert_eq!(reply.status, 413, "{}", reply.text());
}

/// The IPFS backend and the gateway reader, pointed at a Confide node instead of an IPFS
/// daemon: the node's Kubo RPC subset and trustless gateway are enough for both.
#[test]
fn confide_ipfs_clients_use_a_confide_node() {
    use confide_storage::backend::{bytes_stream, collect};
    use confide_storage::{ByteRange, GatewayReader, IpfsConfig, IpfsStore, Timeouts};

    let gateway = Gateway::start(GatewayConfig::default());
    let url = format!("http://{}", gateway.addr);
    let data: Vec<u8> = (0..3 * CHUNK_SIZE + 11).map(|i| (i % 241) as u8).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let ipfs = IpfsStore::new(IpfsConfig::new(url.clone())).unwrap();
        assert!(!ipfs.version().await.unwrap().is_empty());
        let cid = ipfs.put(bytes_stream(data.clone())).await.unwrap();
        assert_eq!(cid, cid_of(&data));
        assert!(gateway.store.is_pinned(&cid));
        assert!(ipfs.has(cid).await.unwrap());
        assert_eq!(ipfs.size(cid).await.unwrap(), data.len() as u64);
        let range = ByteRange {
            start: CHUNK_SIZE as u64 - 1,
            len: Some(CHUNK_SIZE as u64 + 2),
        };
        let piece = collect(ipfs.get(cid, range).await.unwrap(), u64::MAX)
            .await
            .unwrap();
        assert_eq!(piece, &data[CHUNK_SIZE - 1..2 * CHUNK_SIZE + 1]);
        ipfs.unpin(cid).await.unwrap();
        assert!(!gateway.store.is_pinned(&cid));
        ipfs.pin(cid).await.unwrap();
        assert!(gateway.store.is_pinned(&cid));

        // The node speaks the trustless gateway protocol: the reader fetches verified blocks.
        let reader = GatewayReader::new(&url, Timeouts::default()).unwrap();
        let all = collect(reader.get(cid, ByteRange::ALL).await.unwrap(), u64::MAX)
            .await
            .unwrap();
        assert_eq!(all, data);
        assert_eq!(reader.size(cid).await.unwrap(), data.len() as u64);
    });
}
