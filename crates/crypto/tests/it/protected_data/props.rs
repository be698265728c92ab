//! Property tests: round trips of random objects, key order, robustness to corrupted zips.

use std::io::{Cursor, Read};

use proptest::prelude::*;

use confide_crypto::protected_data::{
    DataObject, DataValue, DecodeMode, ProtectedDataReader, Schema, serialize,
};

use super::same_value;

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_-]{1,6}",
        (0u64..20).prop_map(|n| n.to_string()),
        Just("4294967294".to_owned()),
        Just("4294967295".to_owned()),
        Just("01".to_owned()),
    ]
}

fn leaf() -> impl Strategy<Value = DataValue> {
    let headers: Vec<&'static [u8]> = vec![
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff",
        b"%PDF",
        b"PK\x03\x04",
        b"RIFF\0\0\0\0WAVE",
        b"\0\0\0\x18ftypisom",
        b"GIF89a",
        b"G",
    ];
    prop_oneof![
        any::<bool>().prop_map(DataValue::Bool),
        any::<f64>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(DataValue::F64),
        any::<i128>().prop_map(DataValue::I128),
        any::<String>().prop_map(DataValue::String),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(DataValue::Binary),
        (
            proptest::sample::select(headers),
            proptest::collection::vec(any::<u8>(), 0..8)
        )
            .prop_map(|(h, tail)| DataValue::Binary([h, &tail[..]].concat())),
    ]
}

fn object() -> impl Strategy<Value = DataObject> {
    let value = leaf().prop_recursive(3, 32, 5, |inner| {
        proptest::collection::vec((key(), inner), 0..5)
            .prop_map(|pairs| DataValue::Object(pairs.into_iter().collect()))
    });
    proptest::collection::vec((key(), value), 0..7).prop_map(|pairs| pairs.into_iter().collect())
}

/// Independent statement of JavaScript's order: canonical array indices ascending, then the
/// other keys by first insertion.
fn js_order(inserted: &[String]) -> Vec<String> {
    let mut distinct: Vec<String> = Vec::new();
    for k in inserted {
        if !distinct.contains(k) {
            distinct.push(k.clone());
        }
    }
    let is_index = |k: &str| {
        (k == "0"
            || (!k.starts_with('0') && !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit())))
            && k.parse::<u64>().is_ok_and(|n| n < u64::from(u32::MAX))
    };
    let (mut indices, names): (Vec<String>, Vec<String>) =
        distinct.into_iter().partition(|k| is_index(k));
    indices.sort_by_key(|k| k.parse::<u64>().unwrap());
    indices.into_iter().chain(names).collect()
}

proptest! {
    #[test]
    fn round_trip_random_objects(obj in object()) {
        let (zip, schema) = serialize(&obj).unwrap();
        prop_assert_eq!(&schema, &Schema::from_data(&obj));
        prop_assert_eq!(&Schema::from_json_str(&schema.to_json_string()).unwrap(), &schema);
        let mut reader = ProtectedDataReader::open(Cursor::new(&zip[..])).unwrap();
        for mode in [DecodeMode::Borsh, DecodeMode::Optimistic] {
            let back = reader.read_object(&schema, mode).unwrap();
            prop_assert!(same_value(&DataValue::Object(back), &DataValue::Object(obj.clone())));
        }
        // Leaves and folders all have an entry.
        let leaves = obj.leaves().len();
        prop_assert!(reader.entries().filter(|e| !e.is_dir).count() == leaves);
        // Re-serializing what was read gives the same bytes (deterministic writer).
        let back = reader.read_object(&schema, DecodeMode::Borsh).unwrap();
        prop_assert_eq!(serialize(&back).unwrap().0, zip);
    }

    #[test]
    fn key_order_is_javascript_order(keys in proptest::collection::vec(key(), 0..20)) {
        let mut obj = DataObject::new();
        for (i, k) in keys.iter().enumerate() {
            obj.insert(k.clone(), DataValue::F64(i as f64));
        }
        let got: Vec<String> = obj.iter().map(|(k, _)| k.to_owned()).collect();
        prop_assert_eq!(got, js_order(&keys));
        // The last assignment wins.
        for (k, v) in obj.iter() {
            let last = keys.iter().rposition(|x| x == k).unwrap();
            prop_assert_eq!(v, &DataValue::F64(last as f64));
        }
    }

    #[test]
    fn corrupted_zips_never_panic(
        obj in object(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let (mut zip, schema) = serialize(&obj).unwrap();
        prop_assume!(!zip.is_empty());
        for (at, byte) in flips {
            let i = at.index(zip.len());
            zip[i] = byte;
        }
        if let Ok(mut reader) = ProtectedDataReader::open(Cursor::new(&zip[..])) {
            let names: Vec<String> = reader
                .entries()
                .filter(|e| !e.is_dir)
                .map(|e| e.name.replace('/', "."))
                .collect();
            for path in names {
                if let Ok(mut entry) = reader.open_entry(&path) {
                    let declared = entry.size();
                    let mut out = Vec::new();
                    if entry.read_to_end(&mut out).is_ok() {
                        prop_assert_eq!(out.len() as u64, declared);
                    }
                }
            }
            let _ = reader.read_object(&schema, DecodeMode::Optimistic);
        }
    }
}
