// Tests for the `seal` module.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use confide_crypto::seal::{
    self, AtomicFile, CONFIDE_HEADER_LEN, CONFIDE_MAGIC, Checksum, ChunkSize, HashingReader,
    HashingWriter, SealError, SealFormat, SealKey, TAG_LEN,
};
use proptest::prelude::*;

/// The vector scripts' plaintext generator: byte i = (i * 31 + 7) mod 251.
fn pattern_byte(i: u64) -> u8 {
    ((i * 31 + 7) % 251) as u8
}

fn pattern(size: usize) -> Vec<u8> {
    (0..size as u64).map(pattern_byte).collect()
}

fn key() -> SealKey {
    SealKey::from([0x42; 32])
}

fn seal_confide(key: &SealKey, log2: u8, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let summary =
        seal::seal_confide(key, ChunkSize::from_log2(log2).unwrap(), data, &mut out).unwrap();
    assert_eq!(summary.plaintext_bytes, data.len() as u64);
    assert_eq!(summary.sealed_bytes, out.len() as u64);
    out
}

fn seal_cbc(key: &SealKey, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let summary = seal::seal(key, SealFormat::IexecCbc, data, &mut out).unwrap();
    assert_eq!(summary.sealed_bytes, out.len() as u64);
    out
}

fn unseal(key: &SealKey, sealed: &[u8]) -> Result<Vec<u8>, SealError> {
    let mut out = Vec::new();
    let summary = seal::unseal(key, sealed, &mut out)?;
    assert_eq!(summary.plaintext_bytes, out.len() as u64);
    assert_eq!(summary.sealed_bytes, sealed.len() as u64);
    Ok(out)
}

fn chunk_count(size: usize, cs: usize) -> usize {
    size.div_ceil(cs).max(1)
}

#[test]
fn confide_round_trips_at_chunk_edges() {
    let key = key();
    for log2 in [12u8, 14, 16] {
        let cs = 1usize << log2;
        for size in [0, 1, cs - 1, cs, cs + 1, 3 * cs + 7, 5 * cs] {
            let data = pattern(size);
            let sealed = seal_confide(&key, log2, &data);
            assert_eq!(
                sealed.len(),
                CONFIDE_HEADER_LEN + size + TAG_LEN * chunk_count(size, cs),
                "log2={log2} size={size}"
            );
            assert_eq!(&sealed[..8], &CONFIDE_MAGIC);
            assert_eq!(&sealed[8..12], &[1, 1, log2, 0]);
            assert_eq!(
                unseal(&key, &sealed).unwrap(),
                data,
                "log2={log2} size={size}"
            );
        }
    }
}

#[test]
fn confide_default_and_per_file_salt() {
    let key = key();
    let data = pattern(1000);
    let mut a = Vec::new();
    let mut b = Vec::new();
    seal::seal(&key, SealFormat::Confide, &data[..], &mut a).unwrap();
    seal::seal(&key, SealFormat::Confide, &data[..], &mut b).unwrap();
    assert_eq!(a[10], 16, "default chunk size is 2^16");
    // Fresh salt, hence fresh subkey, nonce prefix and commitment for every file.
    assert_ne!(a[12..32], b[12..32]);
    assert_ne!(a[32..64], b[32..64]);
    assert_ne!(a[64..], b[64..]);
    assert_eq!(unseal(&key, &a).unwrap(), data);
    assert_eq!(unseal(&key, &b).unwrap(), data);
}

#[test]
fn cbc_round_trips() {
    let key = key();
    for size in [0, 1, 15, 16, 17, 4096, 65535, 65536, 65537, 200_000] {
        let data = pattern(size);
        let sealed = seal_cbc(&key, &data);
        assert_eq!(sealed.len(), 16 + (size / 16 + 1) * 16, "size={size}");
        assert_eq!(
            SealFormat::detect(&sealed, Some(sealed.len() as u64)),
            Some(SealFormat::IexecCbc)
        );
        assert_eq!(unseal(&key, &sealed).unwrap(), data, "size={size}");
        let mut out = Vec::new();
        seal::unseal_as(&key, SealFormat::IexecCbc, &sealed[..], &mut out).unwrap();
        assert_eq!(out, data);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn prop_confide_round_trip(data in proptest::collection::vec(any::<u8>(), 0..20_000), log2 in 12u8..=13) {
        let key = key();
        let sealed = seal_confide(&key, log2, &data);
        prop_assert_eq!(unseal(&key, &sealed).unwrap(), data);
    }

    #[test]
    fn prop_cbc_round_trip(data in proptest::collection::vec(any::<u8>(), 0..20_000)) {
        let key = key();
        let sealed = seal_cbc(&key, &data);
        prop_assert_eq!(unseal(&key, &sealed).unwrap(), data);
    }

    #[test]
    fn prop_any_single_byte_flip_is_detected(pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let key = key();
        let mut sealed = seal_confide(&key, 12, &pattern(2 * 4096 + 300));
        let at = pos.index(sealed.len());
        sealed[at] ^= 1 << bit;
        prop_assert!(unseal(&key, &sealed).is_err());
    }
}

/// Offsets of chunk `i`'s ciphertext start and tag start in a sealed stream.
fn chunk_layout(size: usize, cs: usize) -> Vec<(usize, usize, usize)> {
    let n = chunk_count(size, cs);
    (0..n)
        .map(|i| {
            let start = CONFIDE_HEADER_LEN + i * (cs + TAG_LEN);
            let len = if i + 1 == n { size - i * cs } else { cs };
            (start, start + len, start + len + TAG_LEN)
        })
        .collect()
}

#[test]
fn every_header_byte_flip_fails_precisely() {
    let key = key();
    let sealed = seal_confide(&key, 12, &pattern(3 * 4096 + 100));
    for at in 0..CONFIDE_HEADER_LEN {
        for mask in [0x01u8, 0x80] {
            let mut bad = sealed.clone();
            bad[at] ^= mask;
            let mut out = Vec::new();
            let err = seal::unseal(&key, &bad[..], &mut out).unwrap_err();
            assert!(out.is_empty(), "no plaintext before the header is checked");
            match at {
                0..=7 => assert!(
                    matches!(err, SealError::BadMagic { found } if found[..] == bad[..8]),
                    "{at}: {err}"
                ),
                8 => assert!(
                    matches!(err, SealError::UnsupportedVersion { found, supported: 1 } if found == 1 ^ mask)
                ),
                9 => assert!(
                    matches!(err, SealError::UnsupportedAlgorithm { found, supported: 1 } if found == 1 ^ mask)
                ),
                // 12 ^ 1 = 13 is a valid size: the commitment (over the header) catches it.
                10 if mask == 0x01 => assert!(matches!(err, SealError::WrongKey), "{err}"),
                10 => assert!(matches!(
                    err,
                    SealError::BadChunkSize {
                        log2: 140,
                        min: 12,
                        max: 24
                    }
                )),
                11 => assert!(matches!(err, SealError::ReservedByte { found } if found == mask)),
                _ => assert!(matches!(err, SealError::WrongKey), "{at}: {err}"),
            }
        }
    }
}

#[test]
fn every_chunk_and_tag_flip_fails_with_its_index() {
    let key = key();
    let cs = 4096;
    let size = 3 * cs + 100;
    let sealed = seal_confide(&key, 12, &pattern(size));
    for (i, (start, tag, end)) in chunk_layout(size, cs).into_iter().enumerate() {
        for at in [start, (start + tag) / 2, tag - 1, tag, tag + 7, end - 1] {
            let mut bad = sealed.clone();
            bad[at] ^= 0x04;
            let err = unseal(&key, &bad).unwrap_err();
            assert!(
                matches!(err, SealError::ChunkAuthentication { index } if index == i as u64),
                "byte {at} of chunk {i}: {err}"
            );
        }
    }
    let mut bad = sealed.clone();
    *bad.last_mut().unwrap() ^= 0xff;
    assert!(matches!(
        unseal(&key, &bad),
        Err(SealError::ChunkAuthentication { index: 3 })
    ));
}

#[test]
fn truncation_fails_everywhere() {
    let key = key();
    let cs = 4096;
    let size = 3 * cs + 100;
    let sealed = seal_confide(&key, 12, &pattern(size));
    let layout = chunk_layout(size, cs);
    // Inside the header.
    for len in 1..CONFIDE_HEADER_LEN {
        assert!(
            matches!(unseal(&key, &sealed[..len]), Err(SealError::TruncatedHeader { got, expected: 64 }) if got == len),
            "len={len}"
        );
    }
    let mut out = Vec::new();
    assert!(matches!(
        seal::unseal_as(&key, SealFormat::Confide, &[][..], &mut out),
        Err(SealError::TruncatedHeader { got: 0, .. })
    ));
    // At every chunk boundary (including right after the header).
    assert!(matches!(
        unseal(&key, &sealed[..CONFIDE_HEADER_LEN]),
        Err(SealError::Truncated { chunks: 0 })
    ));
    for (i, &(_, _, end)) in layout.iter().enumerate().take(layout.len() - 1) {
        assert!(
            matches!(unseal(&key, &sealed[..end]), Err(SealError::Truncated { chunks }) if chunks == i as u64 + 1),
            "after chunk {i}"
        );
        // Cut too short to hold a tag.
        assert!(
            matches!(unseal(&key, &sealed[..end + 5]), Err(SealError::Truncated { chunks }) if chunks == i as u64 + 1)
        );
        // Cut inside the next chunk.
        assert!(
            matches!(unseal(&key, &sealed[..end + 100]), Err(SealError::ChunkAuthentication { index }) if index == i as u64 + 1)
        );
    }
    // One byte short of the end.
    assert!(matches!(
        unseal(&key, &sealed[..sealed.len() - 1]),
        Err(SealError::ChunkAuthentication { index: 3 })
    ));
}

#[test]
fn appended_bytes_fail() {
    let key = key();
    // Final chunk full: the appended bytes are told apart precisely.
    let sealed = seal_confide(&key, 12, &pattern(2 * 4096));
    for extra in [&[0u8][..], &[1u8; 17][..], &[2u8; 5000][..]] {
        let mut bad = sealed.clone();
        bad.extend_from_slice(extra);
        assert!(
            matches!(
                unseal(&key, &bad),
                Err(SealError::TrailingData { index: 1 })
            ),
            "{}",
            extra.len()
        );
    }
    // Final chunk partial: the bytes merge into it, which then fails authentication.
    let sealed = seal_confide(&key, 12, &pattern(2 * 4096 + 10));
    let mut bad = sealed.clone();
    bad.push(0);
    assert!(matches!(
        unseal(&key, &bad),
        Err(SealError::ChunkAuthentication { index: 2 })
    ));
    // A whole copy of the file appended.
    let mut doubled = sealed.clone();
    doubled.extend_from_slice(&sealed);
    assert!(unseal(&key, &doubled).is_err());
}

#[test]
fn swapped_and_duplicated_chunks_fail() {
    let key = key();
    let cs = 4096;
    let size = 4 * cs + 10;
    let sealed = seal_confide(&key, 12, &pattern(size));
    let layout = chunk_layout(size, cs);
    let chunk = |i: usize| sealed[layout[i].0..layout[i].2].to_vec();
    let mut swapped = sealed[..CONFIDE_HEADER_LEN].to_vec();
    for i in [0, 2, 1, 3, 4] {
        swapped.extend(chunk(i));
    }
    assert!(matches!(
        unseal(&key, &swapped),
        Err(SealError::ChunkAuthentication { index: 1 })
    ));
    let mut duplicated = sealed[..CONFIDE_HEADER_LEN].to_vec();
    for i in [0, 0, 1, 2, 3, 4] {
        duplicated.extend(chunk(i));
    }
    assert!(matches!(
        unseal(&key, &duplicated),
        Err(SealError::ChunkAuthentication { index: 1 })
    ));
    // The final chunk moved earlier (dropping the ones in between).
    let mut early_end = sealed[..CONFIDE_HEADER_LEN].to_vec();
    early_end.extend(chunk(0));
    early_end.extend(chunk(4));
    assert!(matches!(
        unseal(&key, &early_end),
        Err(SealError::ChunkAuthentication { index: 1 })
    ));
    // A chunk from another file sealed with the same key.
    let other = seal_confide(&key, 12, &pattern(size));
    let mut spliced = sealed.clone();
    spliced[layout[2].0..layout[2].2].copy_from_slice(&other[layout[2].0..layout[2].2]);
    assert!(matches!(
        unseal(&key, &spliced),
        Err(SealError::ChunkAuthentication { index: 2 })
    ));
}

#[test]
fn wrong_key_is_reported_before_any_output() {
    let sealed = seal_confide(&key(), 12, &pattern(10_000));
    let mut out = Vec::new();
    let err = seal::unseal(&SealKey::from([0x43; 32]), &sealed[..], &mut out).unwrap_err();
    assert!(matches!(err, SealError::WrongKey));
    assert!(out.is_empty());
}

#[test]
fn cbc_errors() {
    let key = key();
    let data = pattern(17); // two blocks, the second padded with fifteen 0x0f
    let sealed = seal_cbc(&key, &data);
    assert!(matches!(
        unseal(&key, &sealed[..sealed.len() - 1]),
        Err(SealError::CbcNotBlockAligned { len: 47 })
    ));
    assert!(matches!(
        unseal(&key, &sealed[..16]),
        Err(SealError::CbcTooShort { got: 16 })
    ));
    assert!(matches!(
        unseal(&key, &sealed[..5]),
        Err(SealError::CbcTooShort { got: 5 })
    ));
    assert!(matches!(
        unseal(&key, &[]),
        Err(SealError::CbcTooShort { got: 0 })
    ));
    // Flipping bits of the previous ciphertext block flips the same plaintext bits: turn the
    // last padding byte 0x0f into 0x00.
    let mut bad = sealed.clone();
    bad[16 + 15] ^= 0x0f;
    assert!(matches!(unseal(&key, &bad), Err(SealError::CbcBadPadding)));
    // ... or into 0x11 (> 16).
    let mut bad = sealed.clone();
    bad[16 + 15] ^= 0x0f ^ 0x11;
    assert!(matches!(unseal(&key, &bad), Err(SealError::CbcBadPadding)));
    // CBC is unauthenticated: a wrong key gives bad padding or garbage, never the plaintext.
    let wrong = unseal(&SealKey::from([0x43; 32]), &sealed);
    assert!(!matches!(&wrong, Ok(p) if *p == data));
}

#[test]
fn detect_formats() {
    let confide = seal_confide(&key(), 12, b"x");
    assert_eq!(
        SealFormat::detect(&confide, None),
        Some(SealFormat::Confide)
    );
    assert_eq!(
        SealFormat::detect(&confide[..8], Some(8)),
        Some(SealFormat::Confide)
    );
    let mut damaged = confide.clone();
    damaged[3] ^= 0x20;
    assert_eq!(
        SealFormat::detect(&damaged, None),
        Some(SealFormat::Confide)
    );
    assert_eq!(
        SealFormat::detect(&[0u8; 48], Some(48)),
        Some(SealFormat::IexecCbc)
    );
    assert_eq!(
        SealFormat::detect(&[0u8; 48], None),
        Some(SealFormat::IexecCbc)
    );
    assert_eq!(SealFormat::detect(&[0u8; 40], Some(40)), None);
    assert_eq!(SealFormat::detect(&[0u8; 16], Some(16)), None);
    assert_eq!(SealFormat::detect(&[0u8; 16], None), None);
}

/// Endless deterministic plaintext of a given length, without a buffer.
struct GenReader {
    pos: u64,
    len: u64,
}

impl Read for GenReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (self.len - self.pos).min(buf.len() as u64) as usize;
        fill_pattern(self.pos, &mut buf[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

/// The pattern has period 251: copy it from one period instead of computing each byte.
fn fill_pattern(start: u64, out: &mut [u8]) {
    let period = pattern(251);
    let mut offset = (start % 251) as usize;
    for piece in out.chunks_mut(251) {
        let len = piece.len();
        let first = (251 - offset).min(len);
        piece[..first].copy_from_slice(&period[offset..offset + first]);
        piece[first..].copy_from_slice(&period[..len - first]);
        offset = (offset + piece.len()) % 251;
    }
}

/// Checks written bytes against the generator and counts them, storing nothing.
struct CheckingWriter {
    pos: u64,
}

impl Write for CheckingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut expected = vec![0u8; buf.len()];
        fill_pattern(self.pos, &mut expected);
        if buf != expected {
            return Err(io::Error::other(format!("mismatch after {}", self.pos)));
        }
        self.pos += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn large_streams_round_trip_through_a_pipe() {
    let len = 64 * 1024 * 1024 + 12_345;
    for format in [SealFormat::Confide, SealFormat::IexecCbc] {
        let (pipe_reader, pipe_writer) = io::pipe().unwrap();
        let sealer = std::thread::spawn(move || {
            let mut writer = HashingWriter::new(pipe_writer);
            let summary =
                seal::seal(&key(), format, GenReader { pos: 0, len }, &mut writer).unwrap();
            (summary, writer.finish().1)
        });
        let mut reader = HashingReader::new(pipe_reader);
        let mut checker = CheckingWriter { pos: 0 };
        let summary = seal::unseal(&key(), &mut reader, &mut checker).unwrap();
        let (sealed_summary, sealed_checksum) = sealer.join().unwrap();
        assert_eq!(checker.pos, len);
        assert_eq!(summary.format, format);
        assert_eq!(summary.plaintext_bytes, len);
        assert_eq!(sealed_summary.plaintext_bytes, len);
        assert_eq!(summary.sealed_bytes, sealed_summary.sealed_bytes);
        assert_eq!(reader.bytes_read(), sealed_summary.sealed_bytes);
        assert_eq!(reader.checksum(), sealed_checksum);
    }
}

fn dir_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    entries
}

#[test]
fn files_are_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.bin");
    let sealed_path = dir.path().join("sealed.bin");
    let out = dir.path().join("out.bin");
    let data = pattern(3 * 65536 + 5);
    std::fs::write(&plain, &data).unwrap();

    for format in [SealFormat::Confide, SealFormat::IexecCbc] {
        let sealed = seal::seal_file(&key(), format, &plain, &sealed_path).unwrap();
        let bytes = std::fs::read(&sealed_path).unwrap();
        assert_eq!(sealed.checksum, Checksum::of_bytes(&bytes));
        assert_eq!(sealed.summary.sealed_bytes, bytes.len() as u64);
        let summary = seal::unseal_file(&key(), &sealed_path, &out).unwrap();
        assert_eq!(summary.format, format);
        assert_eq!(std::fs::read(&out).unwrap(), data);
        std::fs::remove_file(&out).unwrap();
    }

    // Confide: a damaged last chunk leaves no output file, and no temporary file behind.
    seal::seal_file(&key(), SealFormat::Confide, &plain, &sealed_path).unwrap();
    let mut bytes = std::fs::read(&sealed_path).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(&sealed_path, &bytes).unwrap();
    let before = dir_entries(dir.path());
    assert!(matches!(
        seal::unseal_file(&key(), &sealed_path, &out),
        Err(SealError::ChunkAuthentication { index: 3 })
    ));
    assert!(!out.exists());
    assert_eq!(dir_entries(dir.path()), before);

    // A pre-existing destination is left untouched on failure.
    std::fs::write(&out, b"previous content").unwrap();
    assert!(matches!(
        seal::unseal_file(&SealKey::from([9; 32]), &sealed_path, &out),
        Err(SealError::WrongKey)
    ));
    assert_eq!(std::fs::read(&out).unwrap(), b"previous content");

    // ... and replaced on success.
    let sealed = seal::seal_file(&key(), SealFormat::Confide, &plain, &sealed_path).unwrap();
    assert_eq!(sealed.summary.plaintext_bytes, data.len() as u64);
    seal::unseal_file(&key(), &sealed_path, &out).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), data);
}

#[test]
fn atomic_file_drop_removes_the_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x.txt");
    let mut file = AtomicFile::create(&dest).unwrap();
    file.write_all(b"hello").unwrap();
    let temp = file.temp_path().to_path_buf();
    assert!(temp.exists());
    assert_eq!(temp.parent(), Some(dir.path()));
    drop(file);
    assert!(!temp.exists());
    assert!(!dest.exists());
    let mut file = AtomicFile::create(&dest).unwrap();
    file.write_all(b"hello").unwrap();
    file.commit().unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"hello");
    assert_eq!(dir_entries(dir.path()), vec![dest]);
}

#[derive(serde::Deserialize)]
struct Manifest {
    key_base64: String,
    plaintext: String,
    vectors: Vec<Vector>,
}

#[derive(serde::Deserialize)]
struct Vector {
    format: String,
    size: usize,
    chunk_log2: Option<u8>,
    file: String,
    checksum: String,
}

#[test]
fn independent_vectors_unseal() {
    let dir =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("tests/vectors/sealing");
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest.plaintext, "byte i = (i * 31 + 7) mod 251");
    let key = SealKey::from_base64(&manifest.key_base64).unwrap();
    assert_eq!(*key.to_base64(), manifest.key_base64);
    let mut seen = std::collections::BTreeSet::new();
    for v in &manifest.vectors {
        let sealed = std::fs::read(dir.join(&v.file)).unwrap();
        let expected_format = match v.format.as_str() {
            "iexec-cbc" => SealFormat::IexecCbc,
            "confide" => SealFormat::Confide,
            other => panic!("unknown format {other}"),
        };
        assert_eq!(
            SealFormat::detect(&sealed, Some(sealed.len() as u64)),
            Some(expected_format),
            "{}",
            v.file
        );
        if let Some(log2) = v.chunk_log2 {
            assert_eq!(sealed[10], log2);
        }
        // Our checksum, computed while streaming the unseal, equals the reference one.
        let mut reader = HashingReader::new(&sealed[..]);
        let mut out = Vec::new();
        let summary = seal::unseal(&key, &mut reader, &mut out).unwrap();
        assert_eq!(summary.format, expected_format);
        assert_eq!(out, pattern(v.size), "{}", v.file);
        assert_eq!(reader.checksum().to_string(), v.checksum, "{}", v.file);
        assert_eq!(
            Checksum::of_reader(&sealed[..]).unwrap().to_string(),
            v.checksum
        );
        assert_eq!(
            v.checksum.parse::<Checksum>().unwrap(),
            Checksum::of_bytes(&sealed)
        );
        // And a wrong key is refused.
        let wrong = unseal(&SealKey::from([0; 32]), &sealed);
        match expected_format {
            SealFormat::Confide => assert!(matches!(wrong, Err(SealError::WrongKey))),
            SealFormat::IexecCbc => assert!(!matches!(&wrong, Ok(p) if *p == pattern(v.size))),
        }
        seen.insert((v.format.clone(), v.size));
    }
    for size in [0, 1, 15, 16, 17, 4096, 100_003] {
        assert!(
            seen.contains(&("iexec-cbc".to_string(), size)),
            "missing CBC vector {size}"
        );
    }
    assert!(seen.iter().filter(|(f, _)| f == "confide").count() >= 5);
}
