//! Reference vectors (scripts/vectors/protected-data.mjs): schema strings of `extractDataSchema`,
//! zips of `createZipFromObject`, values decoded by `@iexec/dataprotector-deserializer`, MIME
//! guesses of magic-bytes.js.

use std::path::PathBuf;

use serde_json::Value;

use confide_crypto::protected_data::{
    DataObject, DataValue, DecodeMode, ProtectedDataError, Schema, detect_mime, serialize,
};

use super::{entry_names, open, same_value, unhex};

fn dir() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("tests/vectors/protected-data")
}

fn load_json(name: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir().join(name)).unwrap()).unwrap()
}

fn read_zip(name: &str) -> Vec<u8> {
    std::fs::read(dir().join(name)).unwrap()
}

/// Typed value encoding of the script (see its header).
fn decode_value(v: &Value) -> DataValue {
    let text = || v["v"].as_str().unwrap();
    match v["t"].as_str().unwrap() {
        "bool" => DataValue::Bool(v["v"].as_bool().unwrap()),
        "f64" => DataValue::F64(f64::from_bits(u64::from_str_radix(text(), 16).unwrap())),
        "i128" => DataValue::I128(text().parse().unwrap()),
        "string" => DataValue::String(text().to_owned()),
        "bytes" => DataValue::Binary(unhex(text())),
        "object" => DataValue::Object(decode_pairs(&v["v"])),
        other => panic!("unknown tag {other}"),
    }
}

/// Inserts pairs in the order the script assigned them.
fn decode_pairs(pairs: &Value) -> DataObject {
    let mut obj = DataObject::new();
    for pair in pairs.as_array().unwrap() {
        obj.insert(pair[0].as_str().unwrap(), decode_value(&pair[1]));
    }
    obj
}

struct Case {
    name: String,
    input: DataObject,
    schema: String,
    entries: Vec<String>,
    leaves: Vec<(String, String, DataValue)>,
}

fn case_from(name: &str, v: &Value, input: DataObject) -> Case {
    Case {
        name: name.to_owned(),
        input,
        schema: v["schema"].as_str().unwrap().to_owned(),
        entries: v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_owned())
            .collect(),
        leaves: v["leaves"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["path"].as_str().unwrap().to_owned(),
                    l["type"].as_str().unwrap().to_owned(),
                    decode_value(&l["value"]),
                )
            })
            .collect(),
    }
}

/// Every object case plus the JSON-text case (input parsed by our `from_json_str`).
fn cases() -> Vec<Case> {
    let all = load_json("cases.json");
    let mut out: Vec<Case> = all["cases"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, v)| case_from(name, v, decode_pairs(&v["input"])))
        .collect();
    let json = &all["json_text"];
    let input = DataObject::from_json_str(json["text"].as_str().unwrap()).unwrap();
    out.push(case_from("json_text", json, input));
    assert!(out.len() >= 7);
    out
}

#[test]
fn schema_strings_are_byte_identical_to_the_reference() {
    for case in cases() {
        assert_eq!(
            Schema::from_data(&case.input).to_json_string(),
            case.schema,
            "{}",
            case.name
        );
        let (_, schema) = serialize(&case.input).unwrap();
        assert_eq!(schema.to_json_string(), case.schema, "{}", case.name);
        // Parsing the reference string gives the same schema back.
        assert_eq!(
            Schema::from_json_str(&case.schema).unwrap(),
            schema,
            "{}",
            case.name
        );
    }
}

#[test]
fn reader_decodes_the_reference_zips() {
    for case in cases() {
        let zip = read_zip(&format!("{}.zip", case.name));
        assert_eq!(entry_names(&zip), case.entries, "{}", case.name);
        let mut reader = open(&zip);
        for (path, ty, expected) in &case.leaves {
            for mode in [DecodeMode::Optimistic, DecodeMode::Borsh] {
                let got = reader.get_value(path, ty, mode).unwrap();
                assert!(same_value(&got, expected), "{} {path} {mode}", case.name);
            }
        }
        let schema = Schema::from_json_str(&case.schema).unwrap();
        let back = reader.read_object(&schema, DecodeMode::Optimistic).unwrap();
        assert!(
            same_value(
                &DataValue::Object(back),
                &DataValue::Object(case.input.clone())
            ),
            "{}",
            case.name
        );
    }
}

#[test]
fn our_zips_have_the_reference_layout_and_values() {
    for case in cases() {
        let (zip, _) = serialize(&case.input).unwrap();
        assert_eq!(entry_names(&zip), case.entries, "{}", case.name);
        let mut reader = open(&zip);
        assert!(
            reader.entries().all(|e| e.compressed_size == e.size),
            "stored like JSZip's default"
        );
        for (path, ty, expected) in &case.leaves {
            let got = reader.get_value(path, ty, DecodeMode::default()).unwrap();
            assert!(same_value(&got, expected), "{} {path}", case.name);
        }
    }
}

/// `ours-<case>.zip` were written by `serialize` and accepted by the reference deserializer
/// (`node protected-data.mjs --check ours-*.zip`). Our output must not drift from them.
#[test]
fn our_zips_are_the_ones_the_reference_accepted() {
    for case in cases() {
        let (zip, _) = serialize(&case.input).unwrap();
        let accepted = read_zip(&format!("ours-{}.zip", case.name));
        assert!(
            zip == accepted,
            "{}: serializer output changed; re-run the reference check",
            case.name
        );
    }
}

/// Regenerates `ours-<case>.zip` (then run `node scripts/vectors/protected-data.mjs --check
/// crates/crypto/tests/vectors/protected-data/ours-*.zip`).
#[test]
#[ignore = "writes vector files"]
fn write_our_zips_for_the_reference_check() {
    for case in cases() {
        let (zip, _) = serialize(&case.input).unwrap();
        std::fs::write(dir().join(format!("ours-{}.zip", case.name)), zip).unwrap();
    }
}

#[test]
fn mime_detection_matches_magic_bytes() {
    let samples = load_json("mime.json");
    let samples = samples.as_array().unwrap();
    assert!(samples.len() > 900);
    let mut seen = std::collections::HashSet::new();
    for s in samples {
        let bytes = unhex(s["hex"].as_str().unwrap());
        let got = detect_mime(&bytes);
        assert_eq!(got.as_str(), s["mime"].as_str().unwrap(), "{}", s["name"]);
        seen.insert(got);
    }
    // Every supported type appears among the samples.
    assert_eq!(
        seen.len(),
        confide_crypto::protected_data::MimeType::ALL.len()
    );
}

#[test]
fn deserializer_modes_match_the_reference() {
    let zip = read_zip("legacy.zip");
    let mut reader = open(&zip);
    let queries = load_json("legacy.json");
    for q in queries.as_array().unwrap() {
        let (path, ty) = (q["path"].as_str().unwrap(), q["type"].as_str().unwrap());
        let mode = match q["mode"].as_str().unwrap() {
            "optimistic" => DecodeMode::Optimistic,
            "borsh" => DecodeMode::Borsh,
            "legacy" => DecodeMode::Legacy,
            other => panic!("mode {other}"),
        };
        let got = reader.get_value(path, ty, mode);
        let label = format!("{path} as {ty} in {mode}");
        if q["result"]["error"].as_bool() == Some(true) {
            let err = got.expect_err(&label);
            assert!(
                matches!(
                    err,
                    ProtectedDataError::EntryNotFound { .. }
                        | ProtectedDataError::UnsupportedTypeInMode { .. }
                        | ProtectedDataError::Decode { .. }
                ),
                "{label}: {err}"
            );
        } else {
            let got = got.expect(&label);
            assert!(
                same_value(&got, &decode_value(&q["result"])),
                "{label}: {got:?}"
            );
        }
    }
}

#[test]
fn reference_quirks_are_refused_or_reproduced() {
    let quirks = &load_json("cases.json")["quirks"];
    // The reference accepts 2^127 and borsh wraps it to -2^127; we refuse it.
    assert_eq!(
        unhex(quirks["i128_two_pow_127"].as_str().unwrap()),
        i128::MIN.to_le_bytes()
    );
    assert!(matches!(
        DataValue::i128_from_decimal("170141183460469231731687303715884105728"),
        Err(ProtectedDataError::IntegerOutOfRange)
    ));
    // NaN is refused by both.
    assert_eq!(quirks["nan_rejected"], Value::Bool(true));
    let obj: DataObject = [("x", f64::NAN)].into_iter().collect();
    assert!(matches!(
        serialize(&obj),
        Err(ProtectedDataError::NonFiniteNumber { .. })
    ));
}
