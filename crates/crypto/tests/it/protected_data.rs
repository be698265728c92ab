// Tests for the `protected_data` module.
//
// - `vectors`: reference vectors from scripts/vectors/protected-data.mjs (schemas, zips, MIME
//   detection, deserializer modes) and the zips of ours that the reference deserializer read.
// - `model`: validation, JSON conversion, schema parsing and flattening.
// - `writer`: streaming writer, round trips.
// - `hostile`: zip bombs, lying headers, limits, unsafe names, truncation, corruption.
// - `props`: property tests.

mod hostile;
mod model;
mod props;
mod vectors;
mod writer;

use std::io::Cursor;

use confide_crypto::protected_data::{DataValue, ProtectedDataReader};

/// Lower-case hex decoding for vectors.
pub(crate) fn unhex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex length");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// Opens an in-memory zip with default limits.
pub(crate) fn open(bytes: &[u8]) -> ProtectedDataReader<Cursor<&[u8]>> {
    ProtectedDataReader::open(Cursor::new(bytes)).unwrap()
}

/// Entry names of a zip, in archive order.
pub(crate) fn entry_names(bytes: &[u8]) -> Vec<String> {
    open(bytes).entries().map(|e| e.name.clone()).collect()
}

/// Bitwise equality (distinguishes -0.0 from 0.0; NaN equals NaN).
pub(crate) fn same_value(a: &DataValue, b: &DataValue) -> bool {
    match (a, b) {
        (DataValue::F64(x), DataValue::F64(y)) => {
            x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan())
        }
        (DataValue::Object(x), DataValue::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((ka, va), (kb, vb))| ka == kb && same_value(va, vb))
        }
        _ => a == b,
    }
}
