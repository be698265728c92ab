//! Where a network's services are: the chain's JSON-RPC and its deployment, the storage API,
//! the SMS, the market, the indexer and the default workerpool. `confide dev` writes this file
//! (`network.json` in its home); every client reads it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use alloy_primitives::Address;
use confide_chain::deploy::Deployment;
use serde::{Deserialize, Serialize};

/// The name of the network file in a Confide home directory.
pub const NETWORK_FILE: &str = "network.json";

/// Where Confide keeps its state by default: `$CONFIDE_HOME`, else `~/.confide`; `None` when
/// neither variable is set.
pub fn confide_home() -> Option<PathBuf> {
    let non_empty = |var| std::env::var_os(var).filter(|value| !value.is_empty());
    non_empty("CONFIDE_HOME")
        .map(PathBuf::from)
        .or_else(|| non_empty("HOME").map(|home| PathBuf::from(home).join(".confide")))
}

/// The services of a network and where they listen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Network {
    /// A name for people (`dev` for `confide dev`).
    pub name: String,
    /// The chain's JSON-RPC URL.
    pub rpc: String,
    /// The protocol's contracts on that chain (its `chainId` included).
    pub deployment: Deployment,
    /// The storage's API: an IPFS (Kubo) RPC API, `confide storage serve`'s included.
    pub storage: String,
    /// The Secret Management Service.
    pub sms: String,
    /// The market (order book).
    pub market: String,
    /// The indexer.
    pub indexer: String,
    /// The workerpool requests go to by default (any pool when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workerpool: Option<Address>,
    /// That workerpool's scheduler, for operators' views.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler: Option<String>,
    /// Apps known by name (`confide dev` deploys `hello` and `stats`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub apps: BTreeMap<String, Address>,
}

/// A network file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// The file is not there: nothing wrote it yet.
    #[error(
        "no network configuration at {}: start the local stack with `confide dev`, or pass --network FILE",
        path.display()
    )]
    Missing { path: PathBuf },
    /// The file cannot be read.
    #[error("cannot read the network configuration {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is not a network configuration.
    #[error("{} is not a network configuration: {source}", path.display())]
    Malformed {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The file cannot be written.
    #[error("cannot write the network configuration {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Network {
    /// The chain id of the network's deployment.
    pub fn chain_id(&self) -> u64 {
        self.deployment.chain_id
    }

    /// The app `name_or_address` names: an address, or the name of one of [`Self::apps`].
    pub fn app(&self, name_or_address: &str) -> Option<Address> {
        name_or_address
            .parse()
            .ok()
            .or_else(|| self.apps.get(name_or_address).copied())
    }

    /// Reads the network file at [`Self::default_path`] (the one `confide dev` writes).
    pub fn read_default() -> Result<Self, NetworkError> {
        let path = Self::default_path().ok_or_else(|| NetworkError::Missing {
            path: PathBuf::from("$HOME/.confide").join(NETWORK_FILE),
        })?;
        Self::read(&path)
    }

    /// Reads a network file.
    pub fn read(path: &Path) -> Result<Self, NetworkError> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                NetworkError::Missing {
                    path: path.to_owned(),
                }
            } else {
                NetworkError::Read {
                    path: path.to_owned(),
                    source,
                }
            }
        })?;
        serde_json::from_str(&text).map_err(|source| NetworkError::Malformed {
            path: path.to_owned(),
            source,
        })
    }

    /// Writes the network file atomically (a reader never sees half of it).
    pub fn write(&self, path: &Path) -> Result<(), NetworkError> {
        let error = |source| NetworkError::Write {
            path: path.to_owned(),
            source,
        };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| error(e.into()))?;
        text.push('\n');
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(error)?;
        }
        let partial = path.with_extension("json.partial");
        std::fs::write(&partial, text).map_err(error)?;
        std::fs::rename(&partial, path).map_err(error)
    }

    /// `<confide home>/network.json` (see [`confide_home`]).
    pub fn default_path() -> Option<PathBuf> {
        confide_home().map(|home| home.join(NETWORK_FILE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn network() -> Network {
        Network {
            name: "dev".into(),
            rpc: "http://127.0.0.1:8545".into(),
            deployment: Deployment {
                chain_id: 31_337,
                protocol: Address::repeat_byte(1),
                owner: Address::repeat_byte(2),
                token: Address::repeat_byte(3),
                app_registry: Address::repeat_byte(4),
                dataset_registry: Address::repeat_byte(5),
                workerpool_registry: Address::repeat_byte(6),
                data_protector: Some(Address::repeat_byte(7)),
                modules: BTreeMap::new(),
                block: Some(1),
            },
            storage: "http://127.0.0.1:13200".into(),
            sms: "http://127.0.0.1:13300".into(),
            market: "http://127.0.0.1:13400".into(),
            indexer: "http://127.0.0.1:13500".into(),
            workerpool: Some(Address::repeat_byte(8)),
            scheduler: Some("http://127.0.0.1:13600".into()),
            apps: BTreeMap::from([("stats".to_owned(), Address::repeat_byte(9))]),
        }
    }

    #[test]
    fn a_written_network_reads_back_equal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("home").join(NETWORK_FILE);
        network().write(&path).unwrap();
        assert_eq!(Network::read(&path).unwrap(), network());
        assert_eq!(Network::read(&path).unwrap().chain_id(), 31_337);
    }

    #[test]
    fn apps_are_found_by_name_or_address() {
        let network = network();
        assert_eq!(network.app("stats"), Some(Address::repeat_byte(9)));
        let address = Address::repeat_byte(3);
        assert_eq!(network.app(&address.to_string()), Some(address));
        assert_eq!(network.app("hello"), None);
    }

    #[test]
    fn a_missing_file_says_to_start_the_dev_stack() {
        let dir = tempfile::tempdir().unwrap();
        let error = Network::read(&dir.path().join(NETWORK_FILE)).unwrap_err();
        assert!(matches!(error, NetworkError::Missing { .. }));
        assert!(error.to_string().contains("confide dev"), "{error}");
    }

    #[test]
    fn a_file_that_is_not_a_network_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(NETWORK_FILE);
        std::fs::write(&path, r#"{"name":"dev"}"#).unwrap();
        assert!(matches!(
            Network::read(&path),
            Err(NetworkError::Malformed { .. })
        ));
    }
}
