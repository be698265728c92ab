//! Serde adaptors for the JSON shape iExec's SDK uses: integers as decimal strings (numbers and
//! `0x` hex accepted on input), byte strings as `0x` hex.

use alloy_primitives::U256;
use serde::{Deserializer, Serializer, de};
use std::fmt;

/// Parses an unsigned 256-bit integer written as decimal digits or `0x`-prefixed hex.
///
/// Signs, blanks, exponents and fractions are refused: the value is signed over, so it must be
/// exactly what the user wrote.
pub fn parse_uint(text: &str) -> Result<U256, UintParseError> {
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(UintParseError::NotAnInteger(text.to_owned()));
    }
    U256::from_str_radix(digits, radix as u64)
        .map_err(|_| UintParseError::Overflow(text.to_owned()))
}

/// Why a string is not a uint256.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UintParseError {
    /// Not decimal digits nor `0x` hex.
    #[error("`{0}` is not an unsigned integer (decimal digits or 0x-hex)")]
    NotAnInteger(String),
    /// Larger than 2^256 - 1.
    #[error("`{0}` does not fit in uint256")]
    Overflow(String),
}

/// `#[serde(with = "uint")]` for `U256` fields: decimal string out; decimal string, `0x` hex
/// string or JSON integer in.
pub(crate) mod uint {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(value: &U256, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_string())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<U256, D::Error> {
        deserializer.deserialize_any(UintVisitor)
    }

    struct UintVisitor;

    impl de::Visitor<'_> for UintVisitor {
        type Value = U256;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(
                "an unsigned integer as a decimal string, a 0x-hex string or a JSON integer",
            )
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<U256, E> {
            Ok(U256::from(v))
        }

        fn visit_u128<E: de::Error>(self, v: u128) -> Result<U256, E> {
            Ok(U256::from(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<U256, E> {
            u64::try_from(v)
                .map(U256::from)
                .map_err(|_| E::custom(format!("{v} is negative; expected an unsigned integer")))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<U256, E> {
            Err(E::custom(format!(
                "{v} is not an exact integer; write large or fractional-looking values as decimal strings"
            )))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<U256, E> {
            parse_uint(v).map_err(E::custom)
        }
    }
}
