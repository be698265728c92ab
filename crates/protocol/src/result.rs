//! What workers compute over results (poco.md §3.14–3.15, devtools.md §2.4–2.6): the result
//! digest, the contribution's hash and seal, `computed.json` and the `results` pointer.

use alloy_primitives::{Address, B256, keccak256};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Why a web2 result digest cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResultDigestError {
    /// The deterministic output is an empty file or an empty directory; the reference treats
    /// this as a failed computation.
    #[error("the deterministic output is empty")]
    EmptyOutput,
}

/// `resultHash = keccak256(taskId ‖ resultDigest)`: the vote a worker contributes.
pub fn result_hash(task_id: B256, result_digest: B256) -> B256 {
    let mut preimage = [0u8; 64];
    preimage[..32].copy_from_slice(task_id.as_slice());
    preimage[32..].copy_from_slice(result_digest.as_slice());
    keccak256(preimage)
}

/// `resultSeal = keccak256(worker ‖ taskId ‖ resultDigest)`: proves the worker knew the digest.
pub fn result_seal(worker: Address, task_id: B256, result_digest: B256) -> B256 {
    let mut preimage = [0u8; 84];
    preimage[..20].copy_from_slice(worker.as_slice());
    preimage[20..52].copy_from_slice(task_id.as_slice());
    preimage[52..].copy_from_slice(result_digest.as_slice());
    keccak256(preimage)
}

/// Web3 (callback) digest: keccak256 of the callback bytes, as `finalize` checks on-chain.
///
/// (The reference's Rust post-compute hashed the hex *text*; we follow the contract.)
pub fn web3_result_digest(callback_data: &[u8]) -> B256 {
    keccak256(callback_data)
}

/// Web2 digest of a single-file deterministic output: its SHA-256.
pub fn web2_file_digest(content: &[u8]) -> Result<B256, ResultDigestError> {
    if content.is_empty() {
        return Err(ResultDigestError::EmptyOutput);
    }
    Ok(B256::from(<[u8; 32]>::from(Sha256::digest(content))))
}

/// Web2 digest of a directory output from its direct children: keccak256 of the concatenated
/// SHA-256 digests of the children sorted by name (byte order). The file-system walk is the
/// caller's: this crate does no I/O.
pub fn web2_tree_digest(mut children: Vec<(Vec<u8>, B256)>) -> Result<B256, ResultDigestError> {
    if children.is_empty() {
        return Err(ResultDigestError::EmptyOutput);
    }
    children.sort_by(|a, b| a.0.cmp(&b.0));
    let concatenated: Vec<u8> = children.iter().flat_map(|(_, digest)| digest.0).collect();
    Ok(keccak256(concatenated))
}

/// `computed.json`, written by the app in `iexec_out` and completed by post-compute.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ComputedFile {
    /// File or directory under `/iexec_out` hashed for consensus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deterministic_output_path: Option<String>,
    /// 0x-hex bytes pushed to the deal's callback contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_data: Option<String>,
    /// Set by post-compute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Set by post-compute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_digest: Option<String>,
    /// Set by post-compute: the enclave's signature over the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enclave_signature: Option<String>,
    /// The app's own failure message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}

/// The `results` bytes written on-chain at finalize: where the result is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultLocation {
    /// `ipfs`, `dropbox`, `ethereum` (callback) or `none`.
    pub storage: String,
    /// `/ipfs/<cid>`, `/results/<taskId>` or the callback address.
    pub location: String,
}

impl ResultLocation {
    /// A result stored on IPFS (or Confide's content-addressed storage) under `cid`.
    pub fn ipfs(cid: &str) -> Self {
        Self {
            storage: "ipfs".into(),
            location: format!("/ipfs/{cid}"),
        }
    }

    /// A result delivered to a callback contract.
    pub fn callback(contract: Address) -> Self {
        Self {
            storage: "ethereum".into(),
            location: contract.to_string(),
        }
    }

    /// The UTF-8 JSON bytes stored on-chain.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Decodes on-chain `results` bytes; empty bytes mean no stored result (`storage: none`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        if bytes.is_empty() {
            return Ok(Self {
                storage: "none".into(),
                location: String::new(),
            });
        }
        serde_json::from_slice(bytes)
    }
}
