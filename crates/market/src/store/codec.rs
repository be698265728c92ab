//! How values are written in the tables.

use super::StoreError;
use alloy_primitives::{Address, B256, U256};
use confide_protocol::Tag;

/// An address as lower-case `0x` hex.
pub(crate) fn address_text(address: Address) -> String {
    format!("{address:#x}")
}

/// A hash as lower-case `0x` hex.
pub(crate) fn hash_text(hash: B256) -> String {
    format!("{hash:#x}")
}

/// A uint256 as 32 big-endian bytes: byte order is numeric order.
pub(crate) fn word(value: U256) -> Vec<u8> {
    value.to_be_bytes::<32>().to_vec()
}

/// Reads [`word`].
pub(crate) fn from_word(what: &str, bytes: &[u8]) -> Result<U256, StoreError> {
    <[u8; 32]>::try_from(bytes)
        .map(U256::from_be_bytes)
        .map_err(|_| StoreError::Malformed {
            what: what.to_owned(),
            reason: format!("{} bytes, expected 32", bytes.len()),
        })
}

/// Reads [`address_text`] or [`hash_text`].
pub(crate) fn parse_text<T: std::str::FromStr>(what: &str, text: &str) -> Result<T, StoreError> {
    text.parse().map_err(|_| StoreError::Malformed {
        what: what.to_owned(),
        reason: format!("{text:?} does not parse"),
    })
}

/// The tag as an integer the databases can mask, when every set bit is below 63 (every PoCo
/// feature bit is: tee, frameworks, gpu are bits 0–8).
pub fn tag_bits(tag: Tag) -> Option<i64> {
    let value = U256::from_be_bytes(tag.0.0);
    u64::try_from(value)
        .ok()
        .and_then(|bits| i64::try_from(bits).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_sort_as_numbers() {
        let values = [0u64, 1, 255, 256, 1 << 40, u64::MAX];
        for pair in values.windows(2) {
            assert!(word(U256::from(pair[0])) < word(U256::from(pair[1])));
        }
        assert!(word(U256::from(u64::MAX)) < word(U256::MAX));
        assert_eq!(from_word("x", &word(U256::MAX)).unwrap(), U256::MAX);
        assert!(from_word("x", &[0; 31]).is_err());
    }

    #[test]
    fn only_tags_below_bit_63_are_indexable() {
        assert_eq!(tag_bits(Tag::from_hex("0x109").unwrap()), Some(0x109));
        assert_eq!(
            tag_bits(Tag::from_hex("0x7fffffffffffffff").unwrap()),
            Some(i64::MAX)
        );
        assert_eq!(tag_bits(Tag::from_hex("0x8000000000000000").unwrap()), None);
        assert_eq!(
            address_text(Address::repeat_byte(0xAB)),
            format!("0x{}", "ab".repeat(20))
        );
    }
}
