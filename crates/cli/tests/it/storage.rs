//! `confide storage add|get`: a file in, its IPFS CID out, the same bytes back verified; a
//! corrupted store is refused and leaves no output file. `confide storage serve`: the store's
//! HTTP gateway, fed and read by a client on the socket, stopped by SIGTERM.

use crate::{assert_code, confide, http, json, path};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

#[test]
fn add_then_get_round_trips_and_corruption_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let file = dir.path().join("photo.bin");
    // 3 chunks and a bit: a dag-pb root over raw leaves.
    let bytes: Vec<u8> = (0..3 * 262_144 + 5).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(&file, &bytes).unwrap();

    let output = confide(&[
        "--json",
        "storage",
        "add",
        path(&file),
        "--store",
        path(&store),
    ]);
    assert_code(&output, 0);
    let added = json(&output);
    let cid = added["cid"].as_str().unwrap().to_owned();
    assert!(cid.starts_with("bafybei"), "{cid}");
    assert_eq!(added["size"], bytes.len() as u64);
    assert_eq!(added["blocks"], 5);
    assert_eq!(cid, confide_storage::cid_of(&bytes).to_string());

    let out = dir.path().join("copy.bin");
    let output = confide(&["storage", "get", &cid, path(&out), "--store", path(&store)]);
    assert_code(&output, 0);
    assert!(std::fs::read(&out).unwrap() == bytes);

    // Flip a byte of one stored leaf: get fails, naming the block, and writes nothing.
    let leaf = std::fs::read_dir(store.join("blocks"))
        .unwrap()
        .flat_map(|shard| std::fs::read_dir(shard.unwrap().path()).unwrap())
        .map(|entry| entry.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("bafkrei")
        })
        .unwrap();
    let mut block = std::fs::read(&leaf).unwrap();
    block[0] ^= 0xff;
    std::fs::write(&leaf, block).unwrap();
    let out = dir.path().join("broken.bin");
    let output = confide(&["storage", "get", &cid, path(&out), "--store", path(&store)]);
    assert_code(&output, 1);
    let stderr = crate::stderr(&output);
    assert!(stderr.contains("does not hash to its CID"), "{stderr}");
    assert!(
        stderr.contains(leaf.file_name().unwrap().to_str().unwrap()),
        "{stderr}"
    );
    assert!(!out.exists());

    // A malformed CID is a clear error.
    let output = confide(&[
        "storage",
        "get",
        "bafy!!",
        path(&out),
        "--store",
        path(&store),
    ]);
    assert_code(&output, 1);
    assert!(crate::stderr(&output).contains("invalid CID"));
}

/// A running `confide storage serve`, killed when dropped.
struct Served {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request (`Connection: close`); returns the status and body.
#[test]
fn serve_takes_uploads_and_serves_them_until_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let mut child = Command::new(env!("CARGO_BIN_EXE_confide"))
        .args(["--json", "storage", "serve", "--listen", "127.0.0.1:0"])
        .args(["--store", path(&store), "--max-upload", "1000000"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let started: serde_json::Value = serde_json::from_str(&line).unwrap();
    let served = Served {
        addr: started["listen"].as_str().unwrap().parse().unwrap(),
        child,
    };
    assert_eq!(started["maxUpload"], 1_000_000);
    assert_eq!(started["url"], format!("http://{}", served.addr));

    // Upload through Kubo's RPC: the CID `confide storage add` would give.
    let bytes: Vec<u8> = (0..300_000).map(|i| (i * 31 % 251) as u8).collect();
    let boundary = "confide-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.bin\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let (status, answer) = http(
        served.addr,
        &format!(
            "POST /api/v0/add HTTP/1.1\r\nContent-Type: multipart/form-data; boundary={boundary}"
        ),
        &body,
    )
    .unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    let added: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    let cid = confide_storage::cid_of(&bytes).to_string();
    assert_eq!(added["Hash"], cid);

    // Read back through the gateway, and a range of it.
    let (status, got) = http(served.addr, &format!("GET /ipfs/{cid} HTTP/1.1"), &[]).unwrap();
    assert_eq!(status, 200);
    assert!(got == bytes);
    let (status, got) = http(
        served.addr,
        &format!("GET /ipfs/{cid} HTTP/1.1\r\nRange: bytes=262140-262149"),
        &[],
    )
    .unwrap();
    assert_eq!(status, 206);
    assert!(got == bytes[262_140..262_150]);

    // The CLI's own IPFS client against the node: add (our CID checked against the node's),
    // get through its RPC API and through its gateway, both verified.
    let url = started["url"].as_str().unwrap();
    let other: Vec<u8> = (0..600_000).map(|i| (i * 7 % 253) as u8).collect();
    let file = dir.path().join("other.bin");
    std::fs::write(&file, &other).unwrap();
    let output = confide(&["--json", "storage", "add", path(&file), "--ipfs", url]);
    assert_code(&output, 0);
    let added: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let other_cid = confide_storage::cid_of(&other).to_string();
    assert_eq!(added["cid"], other_cid);
    assert_eq!(added["size"], other.len());
    for (flag, value) in [("--ipfs", url), ("--gateway", url)] {
        let copy = dir.path().join("remote-copy.bin");
        let output = confide(&["storage", "get", &other_cid, path(&copy), flag, value]);
        assert_code(&output, 0);
        assert!(std::fs::read(&copy).unwrap() == other, "{flag}");
    }
    // A CID the node does not have: an error, and no file.
    let missing = dir.path().join("missing.bin");
    let absent = confide_storage::cid_of(b"absent").to_string();
    let output = confide(&["storage", "get", &absent, path(&missing), "--ipfs", url]);
    assert_code(&output, 1);
    assert!(!missing.exists());

    // SIGTERM: a clean exit; the file stays in the store for `confide storage get`.
    let mut served = served;
    let pid = served.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(served.child.wait().unwrap().success());
    let out = dir.path().join("copy.bin");
    let output = confide(&["storage", "get", &cid, path(&out), "--store", path(&store)]);
    assert_code(&output, 0);
    assert!(std::fs::read(&out).unwrap() == bytes);
}
