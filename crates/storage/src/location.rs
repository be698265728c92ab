//! Where a dataset's bytes live, as the registry stores it (`m_datasetMultiaddr`, `bytes`), in
//! DataProtector's two forms:
//!
//! - IPFS content: the binary multiaddr of `/p2p/<cid>` — the protocol code 421 (`p2p`, alias
//!   `ipfs`) as a varint, then the CID's *multihash*, length-prefixed. Only the multihash is
//!   kept, so it reads back as a CIDv0 (`/p2p/Qm…`, dag-pb);
//! - the same multiaddr as UTF-8 text, `/ipfs/<cid>` (how iExec's tools store an app's
//!   `multiaddr`): written for a raw-codec CID (a file of one chunk under `--cid-version=1`),
//!   whose multihash alone would read back as a different, dag-pb CID;
//! - a plain `https://` URL, as UTF-8 bytes (DataProtector's Arweave uploads).
//!
//! Reading follows DataProtector's own reader: UTF-8 `https://…` first, then the text form,
//! then the binary multiaddr; anything else is a typed error, never a guess.

use crate::cid::{Cid, CidError, Codec};
use crate::encoding::{put_varint, take_varint};
use std::fmt;
use std::str::FromStr;

/// The multiaddr protocol code of `p2p` (and its alias `ipfs`).
const P2P: u64 = 421;
/// Longest URL accepted (on-chain bytes are paid for; no real location is longer).
pub const MAX_URL_LEN: usize = 2048;

/// A dataset's location. See the [module documentation](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Content on IPFS, by CID.
    Ipfs(Cid),
    /// A file at an `https://` URL.
    Url(String),
}

/// Why a location is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationError {
    /// The bytes are neither an `https://` URL nor a binary `/p2p/` multiaddr.
    #[error("not an https URL nor a /p2p/ multiaddr: {0}")]
    Unrecognized(&'static str),
    /// The multiaddr names another protocol than `p2p`.
    #[error("multiaddr protocol {0} is not p2p/ipfs")]
    Protocol(u64),
    /// The multihash (or CID text) is not a CID we read.
    #[error("bad CID: {0}")]
    Cid(#[from] CidError),
    /// The URL is not `https://` or too long.
    #[error("URL refused: {0}")]
    Url(&'static str),
}

impl Location {
    /// The bytes stored on-chain.
    pub fn to_bytes(&self) -> Result<Vec<u8>, LocationError> {
        match self {
            Self::Ipfs(cid) if cid.codec() == Codec::Raw => Ok(format!("/ipfs/{cid}").into_bytes()),
            Self::Ipfs(cid) => {
                let multihash = cid.multihash();
                let mut bytes = Vec::with_capacity(3 + multihash.len());
                put_varint(&mut bytes, P2P);
                put_varint(&mut bytes, multihash.len() as u64);
                bytes.extend_from_slice(&multihash);
                Ok(bytes)
            }
            Self::Url(url) => {
                check_url(url)?;
                Ok(url.as_bytes().to_vec())
            }
        }
    }

    /// Reads on-chain bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, LocationError> {
        if bytes.starts_with(b"https://") {
            let url = std::str::from_utf8(bytes).map_err(|_| LocationError::Url("not UTF-8"))?;
            check_url(url)?;
            return Ok(Self::Url(url.to_owned()));
        }
        if bytes.starts_with(b"/ipfs/") || bytes.starts_with(b"/p2p/") {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| LocationError::Unrecognized("text multiaddr is not UTF-8"))?;
            return text.parse();
        }
        let (protocol, rest) =
            take_varint(bytes).ok_or(LocationError::Unrecognized("no protocol code"))?;
        if protocol != P2P {
            return Err(LocationError::Protocol(protocol));
        }
        let (length, rest) =
            take_varint(rest).ok_or(LocationError::Unrecognized("no multihash length"))?;
        if length == 0 || rest.len() as u64 != length {
            return Err(LocationError::Unrecognized(
                "multihash length disagrees with the bytes",
            ));
        }
        // A multihash, never a CIDv1's bytes: parsed as a CIDv0.
        if rest.first() != Some(&0x12) {
            return Err(LocationError::Unrecognized("not a sha2-256 multihash"));
        }
        Ok(Self::Ipfs(Cid::from_bytes(rest)?))
    }
}

fn check_url(url: &str) -> Result<(), LocationError> {
    if !url.starts_with("https://") || url.len() == "https://".len() {
        return Err(LocationError::Url("only https:// URLs"));
    }
    if url.len() > MAX_URL_LEN {
        return Err(LocationError::Url("longer than 2048 bytes"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(LocationError::Url("whitespace or control characters"));
    }
    Ok(())
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ipfs(cid) => write!(f, "/p2p/{cid}"),
            Self::Url(url) => f.write_str(url),
        }
    }
}

/// Accepts `/p2p/<cid>`, `/ipfs/<cid>`, `ipfs://<cid>` (any CID text form) and `https://…`.
impl FromStr for Location {
    type Err = LocationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.starts_with("https://") {
            check_url(text)?;
            return Ok(Self::Url(text.to_owned()));
        }
        let cid = ["/p2p/", "/ipfs/", "ipfs://"]
            .iter()
            .find_map(|prefix| text.strip_prefix(prefix))
            .ok_or(LocationError::Unrecognized(
                "expected /p2p/<cid>, /ipfs/<cid>, ipfs://<cid> or https://…",
            ))?;
        Ok(Self::Ipfs(cid.parse()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_bytes_get_typed_errors() {
        let cid: Cid = "QmSAY4mYRkCvdDzcD3A3sDeN5nChyn82p88xt7HhYHqXfi"
            .parse()
            .unwrap();
        let good = Location::Ipfs(cid).to_bytes().unwrap();
        for cut in 0..good.len() {
            assert!(Location::from_bytes(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = good.clone();
        longer.push(0);
        assert!(Location::from_bytes(&longer).is_err());
        // /ip4/127.0.0.1 is a multiaddr, not a dataset location.
        assert_eq!(
            Location::from_bytes(&[0x04, 127, 0, 0, 1]),
            Err(LocationError::Protocol(4))
        );
        assert!(matches!(
            Location::from_bytes(b"https://a\nb"),
            Err(LocationError::Url(_))
        ));
        assert!(Location::from_bytes(&[0xff; 12]).is_err());
    }

    #[test]
    fn raw_cids_are_written_as_text() {
        let raw = crate::cid_of(b"one chunk");
        let bytes = Location::Ipfs(raw).to_bytes().unwrap();
        assert_eq!(bytes, format!("/ipfs/{raw}").into_bytes());
        assert_eq!(Location::from_bytes(&bytes).unwrap(), Location::Ipfs(raw));
        assert!(Location::from_bytes(b"/ipfs/notacid").is_err());
        assert!(Location::from_bytes(b"/ipfs/\xff").is_err());
        let text: Location = format!("ipfs://{raw}").parse().unwrap();
        assert_eq!(text, Location::Ipfs(raw));
        assert!("http://example.com/x".parse::<Location>().is_err());
        assert!("/dns4/example.com".parse::<Location>().is_err());
    }
}
