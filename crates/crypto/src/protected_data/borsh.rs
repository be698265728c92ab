//! Borsh encoding of scalar leaves (little-endian) and the lenient decoding rules of the
//! reference deserializer (borsh-js 2.0: trailing bytes are ignored, any non-zero byte is
//! `true`).

/// Borsh `bool`: one byte, 0 or 1.
pub(crate) fn encode_bool(v: bool) -> [u8; 1] {
    [u8::from(v)]
}

/// Borsh `f64`: IEEE-754 binary64, little-endian.
pub(crate) fn encode_f64(v: f64) -> [u8; 8] {
    v.to_le_bytes()
}

/// Borsh `i128`: two's complement, little-endian.
pub(crate) fn encode_i128(v: i128) -> [u8; 16] {
    v.to_le_bytes()
}

/// Borsh `string`: u32 little-endian byte length, then UTF-8. `None` if longer than u32::MAX.
pub(crate) fn encode_string(v: &str) -> Option<Vec<u8>> {
    let len = u32::try_from(v.len()).ok()?;
    let mut out = Vec::with_capacity(v.len() + 4);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(v.as_bytes());
    Some(out)
}

pub(crate) fn decode_bool(bytes: &[u8]) -> Option<bool> {
    bytes.first().map(|b| *b != 0)
}

pub(crate) fn decode_f64(bytes: &[u8]) -> Option<f64> {
    let head: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
    Some(f64::from_le_bytes(head))
}

pub(crate) fn decode_i128(bytes: &[u8]) -> Option<i128> {
    let head: [u8; 16] = bytes.get(..16)?.try_into().ok()?;
    Some(i128::from_le_bytes(head))
}

/// The payload of a borsh string if the length prefix fits in `bytes` (trailing bytes ignored).
pub(crate) fn decode_string_payload(bytes: &[u8]) -> Option<&[u8]> {
    let len: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    let len = usize::try_from(u32::from_le_bytes(len)).ok()?;
    bytes.get(4..4usize.checked_add(len)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(encode_bool(true), [1]);
        assert_eq!(encode_f64(-2.5), [0, 0, 0, 0, 0, 0, 4, 0xc0]);
        assert_eq!(encode_i128(-1), [0xff; 16]);
        assert_eq!(encode_i128(i128::MIN)[15], 0x80);
        assert_eq!(encode_string("hé").unwrap(), [3, 0, 0, 0, b'h', 0xc3, 0xa9]);
    }

    #[test]
    fn lenient_decoding() {
        assert_eq!(decode_bool(&[2]), Some(true));
        assert_eq!(decode_bool(&[]), None);
        assert_eq!(decode_f64(&[0, 0, 0, 0, 0, 0, 4, 0xc0, 9]), Some(-2.5));
        assert_eq!(decode_f64(&[0; 7]), None);
        assert_eq!(decode_i128(&[0xff; 15]), None);
        assert_eq!(
            decode_string_payload(&[1, 0, 0, 0, b'x', b'y']),
            Some(&b"x"[..])
        );
        assert_eq!(decode_string_payload(&[2, 0, 0, 0, b'x']), None);
        assert_eq!(decode_string_payload(&[0xff, 0xff, 0xff, 0xff]), None);
    }
}
