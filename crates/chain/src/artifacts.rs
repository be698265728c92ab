//! The compiled contracts of `contracts/artifacts/*.json`, embedded at compile time.
//!
//! Every artifact the Solidity build writes is embedded by the build script and can be looked
//! up by contract name at run time ([`get`]); a contract that is not written yet is a clear
//! [`ArtifactError::Missing`], not a build failure. Typed bindings (`sol!`) exist for the
//! artifacts that are committed: see [`bindings`] (one line per artifact).

pub mod bindings;

use alloy_json_abi::JsonAbi;
use alloy_primitives::{Bytes, Selector};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

/// `(contract name, artifact JSON)` for every file of `contracts/artifacts`, sorted by name.
static ALL: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/artifacts.rs"));

/// Why an artifact cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// No artifact of that name was compiled into this build.
    #[error(
        "no contract artifact `{0}` in contracts/artifacts (the contract is not written or not \
         compiled yet: run `npm run compile` in contracts/ and rebuild)"
    )]
    Missing(String),
    /// The artifact's JSON does not have the expected shape.
    #[error("artifact `{name}` is malformed: {source}")]
    Malformed {
        /// Contract name.
        name: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The bytecode is not hex (for example an unlinked library placeholder).
    #[error("artifact `{name}` has invalid bytecode hex: {reason}")]
    BadBytecode {
        /// Contract name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The artifact is an interface or an abstract contract: nothing to deploy.
    #[error("artifact `{0}` has no bytecode (an interface?): it cannot be deployed")]
    NotDeployable(String),
}

/// One compiled contract: its ABI and bytecode, as `contracts/scripts/compile.mjs` wrote them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Artifact {
    name: &'static str,
    json: &'static str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawArtifact {
    abi: JsonAbi,
    bytecode: RawCode,
    deployed_bytecode: RawCode,
}

#[derive(Deserialize)]
struct RawCode {
    object: String,
}

/// The artifact of contract `name`.
pub fn get(name: &str) -> Result<Artifact, ArtifactError> {
    ALL.iter()
        .find(|(n, _)| *n == name)
        .map(|&(name, json)| Artifact { name, json })
        .ok_or_else(|| ArtifactError::Missing(name.to_owned()))
}

/// Whether an artifact named `name` was compiled into this build.
pub fn exists(name: &str) -> bool {
    ALL.iter().any(|(n, _)| *n == name)
}

/// Every artifact, sorted by name.
pub fn all() -> impl Iterator<Item = Artifact> {
    ALL.iter().map(|&(name, json)| Artifact { name, json })
}

impl Artifact {
    /// The contract name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The artifact's JSON text.
    pub fn json(&self) -> &'static str {
        self.json
    }

    fn raw(&self) -> Result<RawArtifact, ArtifactError> {
        serde_json::from_str(self.json).map_err(|source| ArtifactError::Malformed {
            name: self.name.to_owned(),
            source,
        })
    }

    /// The contract's ABI.
    pub fn abi(&self) -> Result<JsonAbi, ArtifactError> {
        Ok(self.raw()?.abi)
    }

    /// The creation (init) code; [`ArtifactError::NotDeployable`] for interfaces.
    pub fn bytecode(&self) -> Result<Bytes, ArtifactError> {
        self.code(self.raw()?.bytecode)
    }

    /// The runtime code; [`ArtifactError::NotDeployable`] for interfaces.
    pub fn deployed_bytecode(&self) -> Result<Bytes, ArtifactError> {
        self.code(self.raw()?.deployed_bytecode)
    }

    fn code(&self, raw: RawCode) -> Result<Bytes, ArtifactError> {
        let code = parse_hex(self.name, &raw.object)?;
        if code.is_empty() {
            return Err(ArtifactError::NotDeployable(self.name.to_owned()));
        }
        Ok(code)
    }

    /// The selectors of every function of the ABI, sorted.
    pub fn selectors(&self) -> Result<Vec<Selector>, ArtifactError> {
        Ok(selectors(&self.abi()?))
    }
}

/// The signature (`InvalidTaskStatus()`, `ERC20InsufficientBalance(address,uint256,uint256)`)
/// of the custom error with this selector, among the errors of every artifact.
pub fn custom_error_signature(selector: Selector) -> Option<&'static str> {
    static ERRORS: OnceLock<HashMap<Selector, String>> = OnceLock::new();
    ERRORS
        .get_or_init(|| {
            all()
                .filter_map(|artifact| artifact.abi().ok())
                .flat_map(|abi| {
                    abi.errors()
                        .map(|e| (e.selector(), e.signature()))
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .get(&selector)
        .map(String::as_str)
}

/// The selectors of every function of `abi`, sorted and without repetition.
pub fn selectors(abi: &JsonAbi) -> Vec<Selector> {
    let mut selectors: Vec<Selector> = abi.functions().map(|f| f.selector()).collect();
    selectors.sort();
    selectors.dedup();
    selectors
}

/// Decodes `0x`-prefixed (or bare) bytecode hex.
pub(crate) fn parse_hex(name: &str, hex: &str) -> Result<Bytes, ArtifactError> {
    hex.parse::<Bytes>()
        .map_err(|e| ArtifactError::BadBytecode {
            name: name.to_owned(),
            reason: e.to_string(),
        })
}
