//! Content identifiers: `<version><codec><multihash>` (CIDv1) or a bare sha2-256 multihash of a
//! dag-pb block (CIDv0), as IPFS defines them. Only sha2-256 is accepted: it is what IPFS adds
//! with by default, and a CID whose hash this code cannot check would be trusted blindly.

use crate::encoding::{
    base16_decode, base16_encode, base32_decode, base32_encode, base58_decode, base58_encode,
    put_varint, take_varint,
};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// Multihash code of sha2-256.
const SHA2_256: u64 = 0x12;

/// The codec of the block a CID names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Codec {
    /// Raw bytes (0x55): file chunks.
    Raw,
    /// A dag-pb node (0x70): UnixFS files and directories.
    DagPb,
}

impl Codec {
    /// The multicodec code.
    pub const fn code(self) -> u64 {
        match self {
            Self::Raw => 0x55,
            Self::DagPb => 0x70,
        }
    }

    fn from_code(code: u64) -> Option<Self> {
        match code {
            0x55 => Some(Self::Raw),
            0x70 => Some(Self::DagPb),
            _ => None,
        }
    }
}

/// Why a CID was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidError {
    /// Empty text.
    #[error("empty CID")]
    Empty,
    /// The multibase prefix is not one this code reads.
    #[error("unsupported multibase prefix {0:?} (expected b, B, z, f, F or a Qm… CIDv0)")]
    UnsupportedBase(char),
    /// The text is not valid in its base.
    #[error("not valid {base}")]
    InvalidEncoding {
        /// The base.
        base: &'static str,
    },
    /// The version is neither 0 nor 1.
    #[error("unsupported CID version {0}")]
    UnsupportedVersion(u64),
    /// The codec is not raw or dag-pb.
    #[error("unsupported codec {0:#x} (expected raw 0x55 or dag-pb 0x70)")]
    UnsupportedCodec(u64),
    /// The hash is not sha2-256 of 32 bytes.
    #[error(
        "unsupported multihash {code:#x} of {length} bytes (expected sha2-256, 0x12, 32 bytes)"
    )]
    UnsupportedHash {
        /// Multihash code.
        code: u64,
        /// Digest length.
        length: u64,
    },
    /// Bytes are missing or left over.
    #[error("malformed CID bytes: {0}")]
    Malformed(&'static str),
}

/// A content identifier (sha2-256).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cid {
    version: u8,
    codec: Codec,
    digest: [u8; 32],
}

impl Cid {
    /// The CIDv1 of `block` encoded with `codec`.
    pub fn v1(codec: Codec, block: &[u8]) -> Self {
        Self {
            version: 1,
            codec,
            digest: Sha256::digest(block).into(),
        }
    }

    /// The CIDv1 with this sha2-256 digest.
    pub fn from_digest(codec: Codec, digest: [u8; 32]) -> Self {
        Self {
            version: 1,
            codec,
            digest,
        }
    }

    /// 0 or 1.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// The block's codec.
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// The sha2-256 digest of the block.
    pub fn digest(&self) -> &[u8; 32] {
        &self.digest
    }

    /// The same block named by a CIDv1 (a CIDv0 becomes `bafy…`).
    pub fn to_v1(self) -> Self {
        Self { version: 1, ..self }
    }

    /// Whether `block` is the block this CID names.
    pub fn verifies(&self, block: &[u8]) -> bool {
        <[u8; 32]>::from(Sha256::digest(block)) == self.digest
    }

    /// The binary form (CIDv0: the bare multihash).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(36);
        if self.version == 1 {
            put_varint(&mut out, 1);
            put_varint(&mut out, self.codec.code());
        }
        out.extend_from_slice(&self.multihash());
        out
    }

    /// The sha2-256 multihash of the block: code, length, digest.
    pub fn multihash(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(34);
        put_varint(&mut out, SHA2_256);
        put_varint(&mut out, 32);
        out.extend_from_slice(&self.digest);
        out
    }

    /// Reads the binary form; every byte must be used.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CidError> {
        let (cid, rest) = Self::read_bytes(bytes)?;
        if !rest.is_empty() {
            return Err(CidError::Malformed("bytes after the digest"));
        }
        Ok(cid)
    }

    /// Reads a binary CID at the start of `bytes`; returns it and the rest.
    pub fn read_bytes(bytes: &[u8]) -> Result<(Self, &[u8]), CidError> {
        let truncated = CidError::Malformed("truncated");
        // A CIDv0 is a multihash: 0x12 0x20 then 32 bytes.
        if bytes.first() == Some(&0x12) {
            let (digest, rest) = multihash(bytes)?;
            return Ok((
                Self {
                    version: 0,
                    codec: Codec::DagPb,
                    digest,
                },
                rest,
            ));
        }
        let (version, rest) = take_varint(bytes).ok_or(truncated.clone())?;
        if version != 1 {
            return Err(CidError::UnsupportedVersion(version));
        }
        let (code, rest) = take_varint(rest).ok_or(truncated)?;
        let codec = Codec::from_code(code).ok_or(CidError::UnsupportedCodec(code))?;
        let (digest, rest) = multihash(rest)?;
        Ok((
            Self {
                version: 1,
                codec,
                digest,
            },
            rest,
        ))
    }
}

fn multihash(bytes: &[u8]) -> Result<([u8; 32], &[u8]), CidError> {
    let truncated = CidError::Malformed("truncated");
    let (code, rest) = take_varint(bytes).ok_or(truncated.clone())?;
    let (length, rest) = take_varint(rest).ok_or(truncated.clone())?;
    if code != SHA2_256 || length != 32 {
        return Err(CidError::UnsupportedHash { code, length });
    }
    let digest = rest.get(..32).ok_or(truncated)?;
    Ok((
        digest
            .try_into()
            .map_err(|_| CidError::Malformed("digest"))?,
        &rest[32..],
    ))
}

impl fmt::Display for Cid {
    /// CIDv1 in base32 (`b…`, IPFS's default), CIDv0 in bare base58btc (`Qm…`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            0 => f.write_str(&base58_encode(&self.to_bytes())),
            _ => write!(f, "b{}", base32_encode(&self.to_bytes())),
        }
    }
}

impl fmt::Debug for Cid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cid({self})")
    }
}

impl Cid {
    /// This CID in base16 (`f…`), as some tools print it.
    pub fn to_base16(&self) -> String {
        format!("f{}", base16_encode(&self.to_bytes()))
    }

    /// This CID in base58btc with its multibase prefix (`z…`).
    pub fn to_base58(&self) -> String {
        format!("z{}", base58_encode(&self.to_bytes()))
    }
}

impl FromStr for Cid {
    type Err = CidError;

    /// Reads a CIDv0 (`Qm…`) or a multibase CID: base32 (`b`/`B`), base58btc (`z`), base16
    /// (`f`/`F`). Surrounding whitespace is ignored.
    fn from_str(text: &str) -> Result<Self, CidError> {
        let text = text.trim();
        if text.len() == 46 && text.starts_with("Qm") {
            let bytes =
                base58_decode(text).ok_or(CidError::InvalidEncoding { base: "base58btc" })?;
            let cid = Self::from_bytes(&bytes)?;
            return if cid.version == 0 {
                Ok(cid)
            } else {
                Err(CidError::Malformed("a Qm… CID must be a CIDv0"))
            };
        }
        let mut chars = text.chars();
        let prefix = chars.next().ok_or(CidError::Empty)?;
        let body = chars.as_str();
        let (bytes, base) = match prefix {
            'b' | 'B' => (base32_decode(body), "base32"),
            'z' => (base58_decode(body), "base58btc"),
            'f' | 'F' => (base16_decode(body), "base16"),
            other => return Err(CidError::UnsupportedBase(other)),
        };
        let bytes = bytes.ok_or(CidError::InvalidEncoding { base })?;
        let cid = Self::from_bytes(&bytes)?;
        if cid.version == 0 {
            // A multibase-prefixed string is a CIDv1 by definition.
            return Err(CidError::Malformed("a multibase CID cannot be a CIDv0"));
        }
        Ok(cid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ipfs add --cid-version=1` of an empty file (a raw empty block), Kubo's answer.
    const EMPTY: &str = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

    #[test]
    fn the_empty_raw_block_has_kubos_cid() {
        let cid = Cid::v1(Codec::Raw, b"");
        assert_eq!(cid.to_string(), EMPTY);
        assert_eq!(EMPTY.parse::<Cid>().unwrap(), cid);
        assert!(cid.verifies(b""));
        assert!(!cid.verifies(b"x"));
    }

    #[test]
    fn every_text_form_reads_back() {
        let cid = Cid::v1(Codec::DagPb, b"node");
        for text in [
            cid.to_string(),
            cid.to_string().to_uppercase(),
            cid.to_base16(),
            cid.to_base16().to_uppercase(),
            cid.to_base58(),
            format!("  {cid}\n"),
        ] {
            assert_eq!(text.parse::<Cid>().unwrap(), cid, "{text}");
        }
        let v0 = Cid { version: 0, ..cid };
        let text = v0.to_string();
        assert!(text.starts_with("Qm") && text.len() == 46, "{text}");
        assert_eq!(text.parse::<Cid>().unwrap(), v0);
        assert_eq!(v0.to_v1(), cid);
        assert!(v0.to_v1().to_string().starts_with("bafy"));
    }

    #[test]
    fn hostile_cids_get_typed_errors() {
        let cid = Cid::v1(Codec::Raw, b"x");
        let bytes = cid.to_bytes();
        assert_eq!("".parse::<Cid>(), Err(CidError::Empty));
        assert_eq!("xyz".parse::<Cid>(), Err(CidError::UnsupportedBase('x')));
        assert_eq!(
            "b0000".parse::<Cid>(),
            Err(CidError::InvalidEncoding { base: "base32" })
        );
        assert_eq!(
            Cid::from_bytes(&bytes[..20]),
            Err(CidError::Malformed("truncated"))
        );
        assert_eq!(
            Cid::from_bytes(&[bytes.as_slice(), &[0]].concat()),
            Err(CidError::Malformed("bytes after the digest"))
        );
        let mut other_codec = bytes.clone();
        other_codec[1] = 0x71; // dag-cbor
        assert_eq!(
            Cid::from_bytes(&other_codec),
            Err(CidError::UnsupportedCodec(0x71))
        );
        let mut other_hash = bytes.clone();
        other_hash[2] = 0x13; // sha2-512
        assert!(matches!(
            Cid::from_bytes(&other_hash),
            Err(CidError::UnsupportedHash { code: 0x13, .. })
        ));
        assert_eq!(
            Cid::from_bytes(&[2, 0x55]),
            Err(CidError::UnsupportedVersion(2))
        );
        let v0_as_multibase = format!("z{}", base58_encode(&Cid { version: 0, ..cid }.to_bytes()));
        assert!(v0_as_multibase.parse::<Cid>().is_err());
    }
}
