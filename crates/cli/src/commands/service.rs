//! What the long-running service commands (`sms`, `market`, `indexer`, `scheduler`, `worker`)
//! share: the runtime, the chain connection, the signing key, and how a database URL is shown.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use alloy_provider::RootProvider;
use anyhow::Context as _;
use confide_chain::client::{Client, ClientConfig, dev_chain_deployment, http_provider};
use confide_chain::deploy::Deployment;

use crate::cli::{ChainConnection, KeystoreArgs, ServiceWallet};
use alloy_signer_local::PrivateKeySigner;
use confide_sdk::Network;

/// How long tasks get to finish once a service is told to stop.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Runs a service to completion on a multi-threaded runtime.
pub(crate) fn run(service: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(service);
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    result
}

/// The storage node when neither a flag nor a network file names one.
pub(crate) const DEFAULT_IPFS: &str = "http://127.0.0.1:5001";
/// The scheduler when neither a flag nor a network file names one.
pub(crate) const DEFAULT_SCHEDULER: &str = "http://127.0.0.1:13600";

/// The chain's node when neither a flag nor a network file names one.
const DEFAULT_RPC: &str = "http://127.0.0.1:8545";

impl ChainConnection {
    /// The network file, when one is given.
    pub(crate) fn network(&self) -> anyhow::Result<Option<Network>> {
        self.network
            .as_deref()
            .map(Network::read)
            .transpose()
            .map_err(Into::into)
    }

    /// The chain's JSON-RPC URL: `--rpc`, else the network file's, else the default.
    pub(crate) fn rpc(&self, network: Option<&Network>) -> String {
        self.rpc
            .clone()
            .or_else(|| network.map(|network| network.rpc.clone()))
            .unwrap_or_else(|| DEFAULT_RPC.to_owned())
    }

    /// The deployment: `--deployment`'s file, else the network file's, else asked of the node.
    pub(crate) async fn deployment(
        &self,
        network: Option<&Network>,
        provider: &RootProvider,
    ) -> anyhow::Result<Deployment> {
        if let Some(path) = &self.deployment {
            return Ok(Deployment::read(path)?);
        }
        if let Some(network) = network {
            return Ok(network.deployment.clone());
        }
        dev_chain_deployment(provider, ClientConfig::default().retry)
            .await
            .context("the node does not tell its deployment (not a Confide dev chain?): pass --deployment FILE or --network FILE")
    }
}

/// A read client of the chain `chain` names.
pub(crate) async fn connect_chain(chain: &ChainConnection) -> anyhow::Result<Client<RootProvider>> {
    let network = chain.network()?;
    let rpc = chain.rpc(network.as_ref());
    let provider = http_provider(&rpc).context("invalid --rpc")?;
    let deployment = chain.deployment(network.as_ref(), &provider).await?;
    Client::new(provider, deployment, ClientConfig::default())
        .await
        .with_context(|| format!("cannot use the chain at {rpc}"))
}

/// A service URL: its flag, else the network file's, else `default`.
pub(crate) fn url_of(
    flag: Option<&String>,
    network: Option<&Network>,
    of_network: impl FnOnce(&Network) -> Option<String>,
    default: Option<&str>,
) -> Option<String> {
    flag.cloned()
        .or_else(|| network.and_then(of_network))
        .or_else(|| default.map(str::to_owned))
}

/// The chain id of local dev chains (and anvil): the only one dev accounts may sign on.
pub(crate) const DEV_CHAIN_ID: u64 = 31_337;

/// The service's signing key: its keystore (password from `password_file`, else
/// $CONFIDE_PASSWORD), or a public dev account, accepted only on a dev chain.
pub(crate) fn load_wallet(
    wallet: &ServiceWallet,
    password_file: Option<&Path>,
    chain_id: u64,
) -> anyhow::Result<PrivateKeySigner> {
    match (&wallet.keystore, wallet.dev_account) {
        (Some(keystore), _) => super::wallet::load_signer(&KeystoreArgs {
            keystore: keystore.clone(),
            password_file: password_file.map(Path::to_path_buf),
        }),
        (None, Some(index)) => {
            anyhow::ensure!(
                chain_id == DEV_CHAIN_ID,
                "--dev-account signs with a public key: only on a dev chain (id {DEV_CHAIN_ID}), this is chain {chain_id}; use --keystore"
            );
            Ok(confide_sdk::dev_account(index)?)
        }
        (None, None) => anyhow::bail!("pass --keystore FILE or --dev-account N"),
    }
}

/// The database URL of a service: `--database`, else a SQLite file `<service>.db` in the data
/// directory (`--data-dir`, else the default home of the service), created if missing.
pub(crate) fn database_url(
    database: Option<&str>,
    data_dir: Option<&Path>,
    service: &str,
) -> anyhow::Result<String> {
    if let Some(url) = database {
        return Ok(url.to_owned());
    }
    let home = match data_dir {
        Some(dir) => dir.to_owned(),
        None => crate::home::default_dir(service, "pass --data-dir DIR or --database URL")?,
    };
    std::fs::create_dir_all(&home).with_context(|| format!("cannot create {}", home.display()))?;
    Ok(format!(
        "sqlite://{}",
        home.join(format!("{service}.db")).display()
    ))
}

/// A database URL without its password, for output and logs.
pub(crate) fn redact_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_password;

    #[test]
    fn database_passwords_are_not_printed() {
        assert_eq!(
            redact_password("postgres://sms:hunter2@127.0.0.1:5432/sms"),
            "postgres://sms:***@127.0.0.1:5432/sms"
        );
        assert_eq!(
            redact_password("sqlite:///tmp/sms.db"),
            "sqlite:///tmp/sms.db"
        );
    }
}
