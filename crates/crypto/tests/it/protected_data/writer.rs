//! Streaming writer and round trips.

use std::io::{Cursor, Read, Seek, SeekFrom, Write};

use sha2::{Digest, Sha256};

use confide_crypto::protected_data::{
    DataObject, DataValue, DecodeMode, MimeType, ProtectedDataError, ProtectedDataReader,
    ProtectedDataWriter, ReadLimits, serialize,
};

use super::{entry_names, open, same_value};

/// Deterministic pseudo-random bytes (xorshift), `len` of them, streamed.
struct Noise {
    state: u64,
    left: u64,
}

impl Read for Noise {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        for b in &mut buf[..n] {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            *b = self.state as u8;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn png_then_noise(len: u64) -> impl Read {
    Cursor::new(b"\x89PNG\r\n\x1a\n".to_vec()).chain(Noise {
        state: 0x9e37_79b9_7f4a_7c15,
        left: len - 8,
    })
}

#[test]
fn round_trip_every_leaf_type() {
    let obj: DataObject = [
        ("flag", DataValue::Bool(true)),
        ("pi", DataValue::F64(std::f64::consts::PI)),
        ("neg", DataValue::I128(i128::MIN)),
        ("name", DataValue::from("Zoë ✓")),
        ("blob", DataValue::Binary(b"GIF89a\x01\x00".to_vec())),
        (
            "deep",
            DataValue::Object(
                [(
                    "x",
                    DataValue::Object([("y", DataValue::F64(-0.0))].into_iter().collect()),
                )]
                .into_iter()
                .collect(),
            ),
        ),
    ]
    .into_iter()
    .collect();
    let (zip, schema) = serialize(&obj).unwrap();
    assert_eq!(
        schema.to_json_string(),
        r#"{"flag":"bool","pi":"f64","neg":"i128","name":"string","blob":"image/gif","deep":{"x":{"y":"f64"}}}"#
    );
    assert_eq!(
        entry_names(&zip),
        [
            "flag", "pi", "neg", "name", "blob", "deep/", "deep/x/", "deep/x/y"
        ]
    );
    let mut reader = open(&zip);
    for (path, value) in obj.leaves() {
        let ty = schema.get_path(&path).unwrap();
        let confide_crypto::protected_data::SchemaNode::Type(ty) = ty else {
            panic!()
        };
        let got = reader
            .get_value(&path, ty.as_str(), DecodeMode::Borsh)
            .unwrap();
        assert!(same_value(&got, value), "{path}");
    }
    let back = reader.read_object(&schema, DecodeMode::Optimistic).unwrap();
    assert!(same_value(
        &DataValue::Object(back),
        &DataValue::Object(obj)
    ));
    // Deterministic output.
    assert_eq!(serialize(&open_and_read(&zip, &schema)).unwrap().0, zip);
}

fn open_and_read(zip: &[u8], schema: &confide_crypto::protected_data::Schema) -> DataObject {
    open(zip).read_object(schema, DecodeMode::Borsh).unwrap()
}

#[test]
fn streams_a_large_file_in_and_out() {
    const LEN: u64 = 24 << 20;
    let file = tempfile::tempfile().unwrap();
    let mut writer = ProtectedDataWriter::new(file);
    writer.add_value("owner", &"alice".into()).unwrap();
    let mime = writer
        .add_file("media.picture", png_then_noise(LEN), LEN)
        .unwrap();
    assert_eq!(mime, MimeType::Png);
    let (mut file, schema) = writer.finish().unwrap();
    assert_eq!(
        schema.to_json_string(),
        r#"{"owner":"string","media":{"picture":"image/png"}}"#
    );

    let mut expected = Sha256::new();
    std::io::copy(&mut png_then_noise(LEN), &mut expected).unwrap();

    file.seek(SeekFrom::Start(0)).unwrap();
    let limits = ReadLimits {
        max_value_size: 1 << 20,
        ..ReadLimits::default()
    };
    let mut reader = ProtectedDataReader::open_with_limits(&mut file, limits).unwrap();
    let names: Vec<_> = reader.entries().map(|e| e.name.clone()).collect();
    assert_eq!(names, ["owner", "media/", "media/picture"]);
    // Too large to load in memory under these limits, but streamable.
    assert!(matches!(
        reader.get_value("media.picture", "image/png", DecodeMode::Borsh),
        Err(ProtectedDataError::ValueTooLarge { size: LEN, .. })
    ));
    let mut entry = reader.open_entry("media.picture").unwrap();
    assert_eq!(entry.size(), LEN);
    let mut got = Sha256::new();
    assert_eq!(std::io::copy(&mut entry, &mut got).unwrap(), LEN);
    assert_eq!(got.finalize(), expected.finalize());
}

#[test]
fn add_file_length_must_match_and_poisons_on_failure() {
    // Shorter than announced.
    let mut writer = ProtectedDataWriter::new(Cursor::new(Vec::new()));
    let err = writer
        .add_file("f", Cursor::new(vec![7u8; 100]), 1000)
        .unwrap_err();
    assert!(matches!(
        err,
        ProtectedDataError::LengthMismatch {
            expected: 1000,
            got: 100,
            more: false,
            ..
        }
    ));
    assert!(matches!(
        writer.add_value("g", &true.into()),
        Err(ProtectedDataError::WriterPoisoned)
    ));
    assert!(matches!(
        writer.finish(),
        Err(ProtectedDataError::WriterPoisoned)
    ));

    // Longer than announced.
    let mut writer = ProtectedDataWriter::new(Cursor::new(Vec::new()));
    let err = writer
        .add_file("f", Cursor::new(vec![7u8; 100_000]), 70_000)
        .unwrap_err();
    assert!(matches!(
        err,
        ProtectedDataError::LengthMismatch {
            expected: 70_000,
            more: true,
            ..
        }
    ));
    assert!(matches!(
        writer.finish(),
        Err(ProtectedDataError::WriterPoisoned)
    ));

    // A short head is detected before anything is written: the writer stays usable.
    let mut writer = ProtectedDataWriter::new(Cursor::new(Vec::new()));
    assert!(writer.add_file("f", Cursor::new(vec![1u8; 3]), 10).is_err());
    writer
        .add_file("f", Cursor::new(b"BM".to_vec()), 2)
        .unwrap();
    let (cursor, schema) = writer.finish().unwrap();
    assert_eq!(schema.to_json_string(), r#"{"f":"image/bmp"}"#);
    assert_eq!(entry_names(cursor.get_ref()), ["f"]);
}

#[test]
fn path_conflicts_fail_without_touching_the_archive() {
    let mut writer = ProtectedDataWriter::new(Cursor::new(Vec::new()));
    writer.add_value("a.b.c", &1.0.into()).unwrap();
    writer.add_value("a.d", &DataValue::I128(5)).unwrap();
    for (path, value) in [
        ("a.b.c", DataValue::Bool(true)),
        ("a.b", DataValue::Bool(true)),
        ("a", DataValue::from("x")),
    ] {
        assert!(matches!(
            writer.add_value(path, &value),
            Err(ProtectedDataError::DuplicatePath { .. })
        ));
    }
    assert!(matches!(
        writer.add_value("a.d.e", &true.into()),
        Err(ProtectedDataError::PathThroughLeaf { leaf, .. }) if leaf == "a.d"
    ));
    assert!(matches!(
        writer.add_file("a.b.c", Cursor::new(vec![]), 0),
        Err(ProtectedDataError::DuplicatePath { .. })
    ));
    // A nested object merging into an existing folder, with one conflicting leaf: refused as
    // a whole before any entry is written.
    let merge: DataObject = [("new", DataValue::Bool(true)), ("c", DataValue::Bool(true))]
        .into_iter()
        .collect();
    assert!(writer.add_value("a.b", &DataValue::Object(merge)).is_err());
    for bad in ["", "a..b", "a.b c", ".a", "a."] {
        assert!(writer.add_value(bad, &true.into()).is_err(), "{bad:?}");
    }
    assert!(matches!(
        writer.add_value("n", &f64::NAN.into()),
        Err(ProtectedDataError::NonFiniteNumber { .. })
    ));
    // Merging a disjoint object into an existing folder works.
    let disjoint: DataObject = [("z", DataValue::Bool(false))].into_iter().collect();
    writer
        .add_value("a.b", &DataValue::Object(disjoint))
        .unwrap();
    let (cursor, schema) = writer.finish().unwrap();
    assert_eq!(
        schema.to_json_string(),
        r#"{"a":{"b":{"c":"f64","z":"bool"},"d":"i128"}}"#
    );
    assert_eq!(
        entry_names(cursor.get_ref()),
        ["a/", "a/b/", "a/b/c", "a/d", "a/b/z"]
    );
}

#[test]
fn writer_output_is_readable_by_the_zip_crate() {
    let obj = DataObject::from_json_str(r#"{"a":{"b":"x"},"c":1}"#).unwrap();
    let (zip, _) = serialize(&obj).unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut content = Vec::new();
    archive
        .by_name("a/b")
        .unwrap()
        .read_to_end(&mut content)
        .unwrap();
    assert_eq!(content, [1, 0, 0, 0, b'x']);
    assert!(archive.by_name("a/").unwrap().is_dir());
    assert_eq!(
        archive.by_name("c").unwrap().compression(),
        zip::CompressionMethod::Stored
    );
}

#[test]
fn reader_accepts_deflate_and_zip64_entries() {
    let mut zw = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zw.start_file("text", deflate).unwrap();
    zw.write_all(&[3, 0, 0, 0, b'a', b'b', b'c']).unwrap();
    let large = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    zw.start_file("big", large).unwrap();
    zw.write_all(b"%PDF-1.7 zip64").unwrap();
    zw.start_file("many", deflate).unwrap();
    zw.write_all(&vec![b'z'; 200_000]).unwrap();
    let zip = zw.finish().unwrap().into_inner();
    let mut reader = open(&zip);
    assert_eq!(
        reader
            .get_value("text", "string", DecodeMode::Borsh)
            .unwrap(),
        DataValue::from("abc")
    );
    assert_eq!(
        reader
            .get_value("big", "application/pdf", DecodeMode::Borsh)
            .unwrap(),
        DataValue::Binary(b"%PDF-1.7 zip64".to_vec())
    );
    let DataValue::Binary(many) = reader.get_value("many", "x", DecodeMode::Borsh).unwrap() else {
        panic!()
    };
    assert!(many.len() == 200_000 && many.iter().all(|b| *b == b'z'));
}

#[test]
fn empty_object_gives_an_empty_archive() {
    let (zip, schema) = serialize(&DataObject::new()).unwrap();
    assert_eq!(schema.to_json_string(), "{}");
    assert_eq!(zip.len(), 22, "just the end of central directory record");
    assert!(entry_names(&zip).is_empty());
    let back = open(&zip).read_object(&schema, DecodeMode::Borsh).unwrap();
    assert!(back.is_empty());
}
