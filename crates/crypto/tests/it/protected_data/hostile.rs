//! Hostile archives: zip bombs, lying headers, limits, unsafe names, truncation, corruption.

use std::io::{Cursor, Read, Write};

use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use confide_crypto::protected_data::{
    DataObject, DataValue, DecodeMode, ProtectedDataError, ProtectedDataReader, ReadLimits,
    serialize,
};

fn build(entries: &[(&str, &[u8], CompressionMethod)]) -> Vec<u8> {
    let mut zw = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data, method) in entries {
        zw.start_file(
            *name,
            SimpleFileOptions::default().compression_method(*method),
        )
        .unwrap();
        zw.write_all(data).unwrap();
    }
    zw.finish().unwrap().into_inner()
}

fn stored(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let with_method: Vec<_> = entries
        .iter()
        .map(|(n, d)| (*n, *d, CompressionMethod::Stored))
        .collect();
    build(&with_method)
}

fn u16_at(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

/// Offsets of the central directory records (archives without comment nor zip64).
fn central_records(zip: &[u8]) -> Vec<usize> {
    let eocd = zip.len() - 22;
    assert_eq!(u32_at(zip, eocd), 0x0605_4b50);
    let count = u16_at(zip, eocd + 10);
    let mut at = u32_at(zip, eocd + 16) as usize;
    let mut out = Vec::new();
    for _ in 0..count {
        out.push(at);
        at += 46 + u16_at(zip, at + 28) + u16_at(zip, at + 30) + u16_at(zip, at + 32);
    }
    out
}

fn set_u32(zip: &mut [u8], at: usize, v: u32) {
    zip[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn open_err(zip: &[u8]) -> ProtectedDataError {
    ProtectedDataReader::open(Cursor::new(zip)).unwrap_err()
}

fn open_err_with(zip: &[u8], limits: ReadLimits) -> ProtectedDataError {
    ProtectedDataReader::open_with_limits(Cursor::new(zip), limits).unwrap_err()
}

fn read_all(zip: &[u8], name: &str) -> Result<Vec<u8>, ProtectedDataError> {
    let mut reader = ProtectedDataReader::open(Cursor::new(zip))?;
    let mut entry = reader.open_entry(name)?;
    let mut out = Vec::new();
    entry
        .read_to_end(&mut out)
        .map_err(ProtectedDataError::from_io)?;
    Ok(out)
}

#[test]
fn bomb_by_ratio_and_size_is_refused_on_declared_values() {
    let zeros = vec![0u8; 50 << 20];
    let zip = build(&[("bomb", &zeros, CompressionMethod::Deflated)]);
    assert!(zip.len() < 200_000, "the bomb is small: {}", zip.len());
    assert!(matches!(
        open_err(&zip),
        ProtectedDataError::CompressionRatioTooHigh { index: 0, limit: 100, size, .. } if size == 50 << 20
    ));
    let permissive = ReadLimits {
        max_compression_ratio: u64::MAX,
        max_entry_size: 10 << 20,
        ..ReadLimits::default()
    };
    assert!(matches!(
        open_err_with(&zip, permissive),
        ProtectedDataError::EntryTooLarge { declared, .. } if declared == 50 << 20
    ));
    let total = ReadLimits {
        max_compression_ratio: u64::MAX,
        max_total_size: 60 << 20,
        ..ReadLimits::default()
    };
    let two = build(&[
        ("a", &zeros, CompressionMethod::Deflated),
        ("b", &zeros, CompressionMethod::Deflated),
    ]);
    assert!(matches!(
        open_err_with(&two, total),
        ProtectedDataError::TotalSizeTooLarge { .. }
    ));
}

#[test]
fn lying_sizes_are_caught_while_decompressing() {
    // 10 MB of zeros deflated, the headers claim 1000 bytes: the ratio check passes, reading
    // stops at the declared size with an error and never yields more than 1000 bytes.
    let zeros = vec![0u8; 10 << 20];
    let mut zip = build(&[("lie", &zeros, CompressionMethod::Deflated)]);
    let cd = central_records(&zip)[0];
    set_u32(&mut zip, cd + 24, 1000);
    set_u32(&mut zip, 22, 1000); // local header, for consistency
    let mut reader = ProtectedDataReader::open(Cursor::new(&zip[..])).unwrap();
    let mut entry = reader.open_entry("lie").unwrap();
    let mut sink = Vec::new();
    let err = ProtectedDataError::from_io(entry.read_to_end(&mut sink).unwrap_err());
    assert!(matches!(
        err,
        ProtectedDataError::EntrySizeMismatch {
            declared: 1000,
            longer: true,
            ..
        }
    ));
    assert!(
        sink.len() < 1000,
        "the last chunk is withheld: {}",
        sink.len()
    );

    // Declared larger than the real data.
    let mut zip = stored(&[("short", b"0123456789")]);
    let cd = central_records(&zip)[0];
    set_u32(&mut zip, cd + 24, 11);
    set_u32(&mut zip, cd + 20, 11);
    // The stored data now runs one byte into the central directory.
    assert!(matches!(
        open_err(&zip),
        ProtectedDataError::CorruptArchive { .. }
    ));
    let mut zip = build(&[("short", b"0123456789", CompressionMethod::Deflated)]);
    let cd = central_records(&zip)[0];
    set_u32(&mut zip, cd + 24, 20);
    assert!(matches!(
        read_all(&zip, "short"),
        Err(ProtectedDataError::EntrySizeMismatch {
            declared: 20,
            longer: false,
            ..
        })
    ));
}

#[test]
fn checksums_and_corrupt_streams() {
    let mut zip = stored(&[("v", b"some protected bytes")]);
    let data_start = 30 + 1;
    zip[data_start + 3] ^= 0x40;
    assert!(matches!(
        read_all(&zip, "v"),
        Err(ProtectedDataError::ChecksumMismatch { .. })
    ));
    let mut reader = ProtectedDataReader::open(Cursor::new(&zip[..])).unwrap();
    assert!(matches!(
        reader.get_value("v", "string", DecodeMode::Legacy),
        Err(ProtectedDataError::ChecksumMismatch { .. })
    ));

    let mut zip = build(&[("d", &[7u8; 5000], CompressionMethod::Deflated)]);
    // Invalid deflate block type (0b11) in the first byte.
    zip[30 + 1] = 0xff;
    assert!(matches!(
        read_all(&zip, "d"),
        Err(ProtectedDataError::CorruptEntryData { .. }
            | ProtectedDataError::ChecksumMismatch { .. }
            | ProtectedDataError::EntrySizeMismatch { .. })
    ));
}

#[test]
fn total_read_budget_is_enforced_across_reads() {
    let zip = stored(&[("a", &[1u8; 600]), ("b", &[2u8; 300])]);
    let limits = ReadLimits {
        max_total_size: 1000,
        ..ReadLimits::default()
    };
    let mut reader = ProtectedDataReader::open_with_limits(Cursor::new(&zip[..]), limits).unwrap();
    reader.get_value("a", "bin", DecodeMode::Borsh).unwrap();
    reader.get_value("b", "bin", DecodeMode::Borsh).unwrap();
    assert!(matches!(
        reader.get_value("b", "bin", DecodeMode::Borsh),
        Err(ProtectedDataError::TotalReadBudgetExceeded { limit: 1000 })
    ));
}

#[test]
fn entry_count_limits() {
    let names: Vec<String> = (0..20).map(|i| format!("k{i}")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    let zip = stored(&entries);
    let limits = ReadLimits {
        max_entries: 10,
        ..ReadLimits::default()
    };
    assert!(matches!(
        open_err_with(&zip, limits),
        ProtectedDataError::TooManyEntries {
            limit: 10,
            declared: 20
        }
    ));
    // A forged count is refused before the central directory is read.
    let mut forged = stored(&[("a", b"x")]);
    let eocd = forged.len() - 22;
    forged[eocd + 8..eocd + 12].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    assert!(matches!(
        open_err(&forged),
        ProtectedDataError::TooManyEntries {
            declared: 65535,
            ..
        }
    ));
    let mut forged = stored(&[("a", b"x")]);
    forged[eocd + 8..eocd + 12].copy_from_slice(&[5, 0, 5, 0]);
    assert!(matches!(
        open_err(&forged),
        ProtectedDataError::CorruptArchive { .. }
    ));
    let small_cd = ReadLimits {
        max_central_directory_size: 40,
        ..ReadLimits::default()
    };
    assert!(matches!(
        open_err_with(&stored(&[("a", b"x")]), small_cd),
        ProtectedDataError::CentralDirectoryTooLarge { limit: 40, .. }
    ));
}

/// Renames an entry by patching its name bytes (same length) in every header.
fn rename(zip: &mut [u8], from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut count = 0;
    let mut i = 0;
    while i + from.len() <= zip.len() {
        if &zip[i..i + from.len()] == from {
            zip[i..i + from.len()].copy_from_slice(to);
            count += 1;
        }
        i += 1;
    }
    assert_eq!(count, 2, "local and central names");
}

#[test]
fn unsafe_and_duplicate_names_are_refused() {
    for (placeholder, evil) in [
        (&b"zz/evil"[..], &b"../evil"[..]),
        (b"xabs", b"/abs"),
        (b"a/zz/zz/b", b"a/../../b"),
        (b"azb", b"a\\b"),
        (b"Cz/x", b"C:/x"),
        (b"azzb", b"a//b"),
        (b"nul_", b"nul\0"),
        (b"bad_", b"ba\xff\xfe"),
    ] {
        let mut zip = stored(&[
            ("ok", b"1"),
            (std::str::from_utf8(placeholder).unwrap(), b"2"),
        ]);
        rename(&mut zip, placeholder, evil);
        assert!(
            matches!(
                open_err(&zip),
                ProtectedDataError::UnsafeEntryName { index: 1 }
            ),
            "{}",
            String::from_utf8_lossy(evil)
        );
    }
    let mut zip = stored(&[("k1", b"1"), ("k2", b"2")]);
    rename(&mut zip, b"k2", b"k1");
    assert!(matches!(
        open_err(&zip),
        ProtectedDataError::DuplicateEntryName { index: 1 }
    ));
}

#[test]
fn encrypted_and_unknown_methods_are_refused() {
    let mut zip = stored(&[("a", b"x")]);
    let cd = central_records(&zip)[0];
    zip[cd + 8] |= 1;
    assert!(matches!(
        open_err(&zip),
        ProtectedDataError::EncryptedEntry { index: 0 }
    ));
    let mut zip = stored(&[("a", b"x")]);
    let cd = central_records(&zip)[0];
    zip[cd + 10] = 12; // bzip2
    assert!(matches!(
        open_err(&zip),
        ProtectedDataError::UnsupportedCompression {
            index: 0,
            method: 12
        }
    ));
}

#[test]
fn overlapping_entries_are_refused() {
    // Entry "a" contains a complete local header + data for "b"; the central directory entry
    // of "b" points inside "a" (the overlapping-files zip-bomb construction).
    let inner = stored(&[("b", b"payload")]);
    let inner_local = &inner[..30 + 1 + 7];
    let mut zip = stored(&[("a", inner_local), ("b", b"payload")]);
    let records = central_records(&zip);
    set_u32(&mut zip, records[1] + 42, 30 + 1); // data of "a" starts after its 31-byte header
    assert!(matches!(
        open_err(&zip),
        ProtectedDataError::OverlappingEntries {
            first: 0,
            second: 1
        }
    ));
}

#[test]
fn truncated_and_garbage_archives_error_cleanly() {
    let obj: DataObject = [
        ("s", DataValue::from("text")),
        (
            "n",
            DataValue::Object([("x", DataValue::I128(1))].into_iter().collect()),
        ),
    ]
    .into_iter()
    .collect();
    let (zip, _) = serialize(&obj).unwrap();
    for len in 0..zip.len() {
        assert!(
            ProtectedDataReader::open(Cursor::new(&zip[..len])).is_err(),
            "truncated to {len}"
        );
    }
    assert!(matches!(
        open_err(b"not a zip at all, just text"),
        ProtectedDataError::NotAZip
    ));
    assert!(matches!(open_err(&[]), ProtectedDataError::NotAZip));
    // Data appended after the end record: the record no longer ends the file.
    let mut trailing = zip.clone();
    trailing.extend_from_slice(b"junk");
    assert!(matches!(open_err(&trailing), ProtectedDataError::NotAZip));
}

#[test]
fn lookups_and_errors_never_echo_values() {
    let obj: DataObject = [
        ("secret", DataValue::from("hunter2-password")),
        (
            "dir",
            DataValue::Object([("x", DataValue::Bool(true))].into_iter().collect()),
        ),
    ]
    .into_iter()
    .collect();
    let (zip, _) = serialize(&obj).unwrap();
    let mut reader = ProtectedDataReader::open(Cursor::new(&zip[..])).unwrap();
    assert!(reader.contains("secret") && reader.contains("dir.x") && !reader.contains("dir"));
    // Like the reference (`path.split('.').join('/')`), "dir/x" would name the entry "dir/x".
    for path in ["dir", "missing", "secret.x", "dir.x.y"] {
        assert!(matches!(
            reader.get_value(path, "string", DecodeMode::Borsh),
            Err(ProtectedDataError::EntryNotFound { .. })
        ));
    }
    let errors = [
        reader
            .get_value("secret", "f64", DecodeMode::Legacy)
            .unwrap_err(),
        reader
            .get_value("secret", "number", DecodeMode::Borsh)
            .unwrap_err(),
        reader
            .get_value("dir.x", "string", DecodeMode::Borsh)
            .unwrap_err(),
    ];
    for err in errors {
        let text = err.to_string();
        assert!(!text.contains("hunter2"), "{text}");
    }
}
