//! confide-storage against a real IPFS implementation: the CIDs, blocks and node bytes helia's
//! UnixFS importer (Kubo's `--cid-version=1` options) gives for the same contents
//! (`tests/vectors/unixfs-cids.json`, re-derived by `scripts/vectors/check`), and the CID text
//! forms it prints.
#![allow(clippy::unwrap_used)]

mod gateway;
mod ipfs;
mod location;

use confide_storage::unixfs::{Block, build};
use confide_storage::{Cid, Codec, LocalStore};
use serde_json::Value;
use std::collections::HashSet;
use std::path::PathBuf;

fn vectors() -> Value {
    let path = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
        .join("tests/vectors/unixfs-cids.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The vectors' content: byte i is (i × 31 + 7) mod 251.
fn content(size: usize) -> impl std::io::Read {
    struct Pattern {
        next: usize,
        end: usize,
    }
    impl std::io::Read for Pattern {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.end - self.next);
            for (offset, byte) in buf[..n].iter_mut().enumerate() {
                *byte = (((self.next + offset) * 31 + 7) % 251) as u8;
            }
            self.next += n;
            Ok(n)
        }
    }
    Pattern { next: 0, end: size }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_content_definition_is_the_vectors_one() {
    let definition = vectors()["content"].as_str().unwrap().to_owned();
    assert!(definition.contains("(i * 31 + 7) mod 251"), "{definition}");
    let mut first = [0u8; 300];
    std::io::Read::read_exact(&mut content(300), &mut first).unwrap();
    for (i, byte) in first.iter().enumerate() {
        assert_eq!(usize::from(*byte), (i * 31 + 7) % 251);
    }
}

#[test]
fn cids_blocks_and_nodes_equal_helias() {
    let vectors = vectors();
    let cases = vectors["cases"].as_array().unwrap();
    assert!(cases.len() >= 7);
    for case in cases {
        let size = case["size"].as_u64().unwrap() as usize;
        let mut blocks: Vec<Block> = Vec::new();
        let dag = build(content(size), |block| {
            // Keep node blocks and only the CIDs of leaves (50 MiB stays out of memory).
            blocks.push(match block.cid.codec() {
                Codec::Raw => Block {
                    cid: block.cid,
                    data: Vec::new(),
                },
                Codec::DagPb => block,
            });
            Ok::<_, std::io::Error>(())
        })
        .unwrap();
        assert_eq!(
            dag.root.to_string(),
            case["cid"].as_str().unwrap(),
            "size {size}"
        );
        assert_eq!(dag.file_size, size as u64);
        let distinct: HashSet<Cid> = blocks.iter().map(|b| b.cid).collect();
        assert_eq!(
            distinct.len() as u64,
            case["blocks"].as_u64().unwrap(),
            "size {size}"
        );
        let codec = match dag.root.codec() {
            Codec::Raw => "raw",
            Codec::DagPb => "dag-pb",
        };
        assert_eq!(codec, case["root_codec"].as_str().unwrap());
        if let Some(root_hex) = case["root_block_hex"].as_str() {
            let root = blocks.iter().find(|b| b.cid == dag.root).unwrap();
            assert_eq!(hex(&root.data), root_hex, "root node of size {size}");
        }
        if let Some(expected) = case["block_cids"].as_array() {
            let expected: HashSet<String> = expected
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect();
            let ours: HashSet<String> = blocks.iter().map(|b| b.cid.to_string()).collect();
            assert_eq!(ours, expected, "blocks of size {size}");
        }
    }
}

#[test]
fn cid_text_forms_read_as_helia_prints_them() {
    let vectors = vectors();
    for case in vectors["cid_v0"]["cases"].as_array().unwrap() {
        let v0: Cid = case["cid"].as_str().unwrap().parse().unwrap();
        assert_eq!(v0.version(), 0);
        assert_eq!(v0.to_string(), case["cid"].as_str().unwrap());
        assert_eq!(v0.to_v1().to_string(), case["cid_v1"].as_str().unwrap());
        assert_eq!(hex(&v0.to_bytes()), case["multihash_hex"].as_str().unwrap());
    }
    for forms in vectors["multibase"].as_array().unwrap() {
        let cid: Cid = forms["base32"].as_str().unwrap().parse().unwrap();
        for base in ["base32upper", "base58btc", "base16"] {
            let text = forms[base].as_str().unwrap();
            assert_eq!(text.parse::<Cid>().unwrap(), cid, "{base} {text}");
        }
        assert_eq!(cid.to_base58(), forms["base58btc"].as_str().unwrap());
        assert_eq!(cid.to_base16(), forms["base16"].as_str().unwrap());
        assert_eq!(hex(&cid.to_bytes()), forms["bytes_hex"].as_str().unwrap());
        // Bases this code does not read are refused by name, not misread.
        for base in ["base36", "base64", "base64url"] {
            let text = forms[base].as_str().unwrap();
            assert!(text.parse::<Cid>().is_err(), "{base} {text}");
        }
    }
}

#[test]
fn the_local_store_gives_the_vectors_cids() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(dir.path()).unwrap();
    for case in vectors()["cases"].as_array().unwrap().iter().take(6) {
        let size = case["size"].as_u64().unwrap() as usize;
        let dag = store.put(content(size)).unwrap();
        assert_eq!(dag.root.to_string(), case["cid"].as_str().unwrap());
        let mut out = Vec::new();
        store.get(&dag.root, &mut out).unwrap();
        let mut expected = Vec::new();
        std::io::Read::read_to_end(&mut content(size), &mut expected).unwrap();
        assert!(out == expected, "size {size}");
    }
}
