//! Minimal PEM (RFC 7468) codec for the key types of this module.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use super::error::ResultKeyError;
use super::keys::decode_base64;

/// Decodes the first PEM block of `text`: returns its label and DER body.
pub(crate) fn pem_decode(text: &str) -> Result<(String, Zeroizing<Vec<u8>>), ResultKeyError> {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    let start = text
        .find(BEGIN)
        .ok_or(ResultKeyError::Pem("no BEGIN line"))?;
    let after_begin = &text[start + BEGIN.len()..];
    let label_end = after_begin
        .find(DASHES)
        .ok_or(ResultKeyError::Pem("unterminated BEGIN line"))?;
    let label = &after_begin[..label_end];
    if label.contains('\n') {
        return Err(ResultKeyError::Pem("unterminated BEGIN line"));
    }
    let body_and_rest = &after_begin[label_end + DASHES.len()..];
    let end_marker = format!("-----END {label}-----");
    let body_end = body_and_rest
        .find(&end_marker)
        .ok_or(ResultKeyError::Pem("no matching END line"))?;
    let body = &body_and_rest[..body_end];
    if body.contains(':') {
        return Err(ResultKeyError::Pem(
            "encrypted PEM (with headers) is not supported",
        ));
    }
    let der = decode_base64(body)?;
    Ok((label.to_string(), der))
}

/// Encodes DER as a PEM block with 64-character lines.
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = Zeroizing::new(STANDARD.encode(der));
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
