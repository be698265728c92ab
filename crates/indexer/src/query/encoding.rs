//! Query strings: decoding (`+`, `%XX`, UTF-8, bounded) and encoding.

use super::{MAX_PARAMETERS, MAX_QUERY_BYTES};
use crate::error::ApiError;

/// The decoded `name=value` pairs of a query string (`+` is a space, `%XX` a byte, UTF-8).
pub(super) fn pairs(raw: &str) -> Result<Vec<(String, String)>, ApiError> {
    if raw.len() > MAX_QUERY_BYTES {
        return Err(ApiError::QueryTooLong {
            limit: MAX_QUERY_BYTES,
        });
    }
    let mut pairs = Vec::new();
    for part in raw.split('&').filter(|part| !part.is_empty()) {
        if pairs.len() == MAX_PARAMETERS {
            return Err(ApiError::InvalidParameter {
                name: "query".into(),
                reason: format!("more than {MAX_PARAMETERS} parameters"),
            });
        }
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        let name = percent_decode(name)?;
        let value = percent_decode(value)?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

fn percent_decode(text: &str) -> Result<String, ApiError> {
    let malformed = || ApiError::InvalidParameter {
        name: "query".into(),
        reason: "malformed percent-encoding or not UTF-8".into(),
    };
    let mut bytes = Vec::with_capacity(text.len());
    let mut input = text.bytes();
    while let Some(byte) = input.next() {
        match byte {
            b'+' => bytes.push(b' '),
            b'%' => {
                let high = input.next().and_then(hex_digit).ok_or_else(malformed)?;
                let low = input.next().and_then(hex_digit).ok_or_else(malformed)?;
                bytes.push(high << 4 | low);
            }
            other => bytes.push(other),
        }
    }
    String::from_utf8(bytes).map_err(|_| malformed())
}

fn hex_digit(byte: u8) -> Option<u8> {
    char::from(byte)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Writes `name=value` pairs, percent-encoded.
#[derive(Default)]
pub(super) struct QueryWriter(String);

impl QueryWriter {
    pub(super) fn push(&mut self, name: &str, value: &str) {
        if !self.0.is_empty() {
            self.0.push('&');
        }
        self.0.push_str(name);
        self.0.push('=');
        self.0.push_str(&percent_encode(value));
    }

    pub(super) fn opt(&mut self, name: &str, value: Option<impl ToString>) {
        if let Some(value) = value {
            self.push(name, &value.to_string());
        }
    }

    pub(super) fn finish(self) -> String {
        self.0
    }
}

/// RFC 3986 percent-encoding of everything but unreserved characters.
pub(crate) fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}
