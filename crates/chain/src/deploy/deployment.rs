//! The deployment file: where a deployed protocol lives on a chain, as `confide chain deploy`
//! writes it and clients read it.

use super::{DeployError, Protocol};
use alloy_primitives::Address;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Addresses of a deployed protocol on one chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Deployment {
    /// The chain's id (EIP-155), part of the orders' EIP-712 domain.
    pub chain_id: u64,
    /// The protocol address (PoCo's proxy): the EIP-712 verifying contract.
    pub protocol: Address,
    /// The protocol's owner.
    pub owner: Address,
    /// The RLC token.
    pub token: Address,
    /// The app registry.
    pub app_registry: Address,
    /// The dataset registry.
    pub dataset_registry: Address,
    /// The workerpool registry.
    pub workerpool_registry: Address,
    /// DataProtector's registry contract, when deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_protector: Option<Address>,
    /// The contracts behind the protocol address, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub modules: BTreeMap<String, Address>,
    /// The block of the deployment's last transaction (where event scans may start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<u64>,
}

impl Deployment {
    /// The deployment of `protocol` on chain `chain_id`, finished at `block`.
    pub fn new(protocol: &Protocol, chain_id: u64, block: Option<u64>) -> Self {
        Self {
            chain_id,
            protocol: protocol.address,
            owner: protocol.owner,
            token: protocol.token,
            app_registry: protocol.app_registry,
            dataset_registry: protocol.dataset_registry,
            workerpool_registry: protocol.workerpool_registry,
            data_protector: protocol.data_protector,
            modules: protocol
                .modules
                .iter()
                .map(|m| (m.name.clone(), m.address))
                .collect(),
            block,
        }
    }

    /// Reads a deployment file.
    pub fn read(path: &Path) -> Result<Self, DeployError> {
        let text = std::fs::read_to_string(path).map_err(|source| DeployError::Io {
            path: path.to_owned(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| DeployError::DeploymentFile {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }

    /// Writes the deployment file (pretty JSON), replacing it atomically.
    pub fn write(&self, path: &Path) -> Result<(), DeployError> {
        let io = |source| DeployError::Io {
            path: path.to_owned(),
            source,
        };
        let mut text =
            serde_json::to_string_pretty(self).map_err(|e| DeployError::DeploymentFile {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
        text.push('\n');
        let partial = path.with_extension("json.partial");
        std::fs::write(&partial, text).map_err(io)?;
        std::fs::rename(&partial, path).map_err(io)
    }
}
