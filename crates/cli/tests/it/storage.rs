//! `confide storage add|get`: a file in, its IPFS CID out, the same bytes back verified; a
//! corrupted store is refused and leaves no output file.

use crate::{assert_code, confide, json, path};

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
    assert!(stderr.contains("corrupt"), "{stderr}");
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
