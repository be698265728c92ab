//! `confide chain dev`: a local dev chain (like anvil) with Confide's protocol deployed,
//! serving Ethereum JSON-RPC until SIGINT or SIGTERM.
//!
//! The chain is `confide_chain::devchain`: anvil's ten dev accounts funded with ether and RLC,
//! the protocol, its registries and DataProtector deployed at genesis; one block per
//! transaction, or a block every `--block-time` seconds. It is persisted in a data directory
//! (an fsynced journal, so a SIGKILL loses nothing acknowledged) and reloaded at the next
//! start; `--ephemeral` keeps it in memory. The data directory is locked while in use.
//!
//! At start it prints what a client needs (accounts and keys, mnemonic, chain id, contract
//! addresses, block number) and last a `Listening on HOST:PORT` line; with `--json`, one line
//! instead: `{"url", "host", "port", "chainId", "accounts": [{"address", "privateKey",
//! "balance" (wei), "rlc" (nRLC)}], "mnemonic", "derivationPath", "contracts": {"protocol",
//! "token", "appRegistry", "datasetRegistry", "workerpoolRegistry", "dataProtector"},
//! "blockNumber", "genesisHash", "dataDir" (null when ephemeral), "blockTime"}`.

use crate::cli::ChainDevArgs;
use crate::output::Output;
use alloy_primitives::utils::{format_ether, format_units};
use alloy_primitives::{Address, B256, U256};
use anyhow::{Context, bail};
use confide_chain::artifacts::bindings::IERC20;
use confide_chain::devchain::accounts::DERIVATION_PATH;
use confide_chain::devchain::rpc::{RpcConfig, ServeError, SharedChain, serve};
use confide_chain::devchain::{DevChain, DevChainConfig, DevChainError, JOURNAL_FILE};
use confide_node::{CHAIN_LOCK_FILE, DirLock, DirLockError};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long requests in flight may take to finish once a stop signal arrived.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// RLC's decimals (amounts are in nRLC).
const RLC_DECIMALS: u8 = 9;

pub(crate) fn run(args: ChainDevArgs, out: &Output) -> anyhow::Result<()> {
    if args.mnemonic.split_whitespace().next().is_none() {
        bail!("--mnemonic is empty");
    }
    let config = DevChainConfig {
        chain_id: args.chain_id,
        mnemonic: args.mnemonic.clone(),
        accounts: args.accounts,
        automine: args.block_time.is_none(),
        // A throwaway chain has no journal to sync.
        sync: !args.ephemeral,
        ..DevChainConfig::default()
    };
    let data_dir = if args.ephemeral {
        None
    } else {
        let path = match args.data_dir {
            Some(path) => path,
            None => crate::home::default_dir("devchain", "pass --data-dir DIR or --ephemeral")?,
        };
        Some(lock_data_dir(path)?)
    };
    let (chain, reopened) = open_chain(data_dir.as_ref(), config)?;
    if !args.host.is_loopback() {
        tracing::warn!(
            host = %args.host,
            "listening beyond loopback: the dev keys are public, anyone reaching this address can spend them"
        );
    }
    let rpc = RpcConfig {
        addr: SocketAddr::new(args.host, args.port),
        block_time: args.block_time.map(Duration::from_secs),
        ..RpcConfig::default()
    };
    let started = Started::of(
        &chain,
        data_dir.as_ref().map(|d| d.path().to_owned()),
        reopened,
        args.block_time,
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(serve_until_stopped(chain, rpc, &started, out));
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    // The lock is released only once the server (and its journal writes) stopped.
    drop(data_dir);
    result
}

/// Serves `chain` until SIGINT or SIGTERM, then stops the server.
async fn serve_until_stopped(
    chain: DevChain,
    rpc: RpcConfig,
    started: &Started,
    out: &Output,
) -> anyhow::Result<()> {
    // Installed before the ready line, so a signal sent right after it is not lost.
    let mut stop = StopSignals::install()?;
    let port = rpc.addr.port();
    let chain: SharedChain = Arc::new(Mutex::new(chain));
    let server = serve(chain, rpc).await.map_err(|error| {
        let in_use = matches!(&error, ServeError::Bind { source, .. }
            if source.kind() == std::io::ErrorKind::AddrInUse);
        let error = anyhow::Error::new(error);
        if in_use {
            error.context(format!(
                "port {port} is already in use (another dev chain or anvil?): stop it, or pick \
                 another --port (0 picks a free one)"
            ))
        } else {
            error.context("cannot start the JSON-RPC server")
        }
    })?;
    let addr = server.local_addr();
    out.result(&started.human(addr), started.json(addr));
    // Scripts and tests wait for this line through a pipe.
    std::io::stdout()
        .flush()
        .context("cannot write to standard output")?;
    tracing::info!(url = %server.url(), block = started.block_number, "dev chain ready");

    let signal = stop.wait().await;
    tracing::info!(signal, "stopping the dev chain");
    if tokio::time::timeout(SHUTDOWN_GRACE, server.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after the grace period; stopping anyway");
    }
    Ok(())
}

/// Locks the data directory `path`: two chains appending to one journal would corrupt it.
fn lock_data_dir(path: PathBuf) -> anyhow::Result<DirLock> {
    DirLock::acquire(&path, CHAIN_LOCK_FILE).map_err(|error| match error {
        DirLockError::Locked { path, holder } => anyhow::anyhow!(
            "the data directory {} is in use by another `confide chain dev`{}: stop it, or pass \
             another --data-dir, or --ephemeral",
            path.display(),
            holder
                .map(|pid| format!(" (pid {pid})"))
                .unwrap_or_default()
        ),
        error => error.into(),
    })
}

/// The chain in `data_dir` (reloaded if it holds one, else created), or an in-memory chain;
/// and whether it was reloaded.
fn open_chain(
    data_dir: Option<&DirLock>,
    config: DevChainConfig,
) -> anyhow::Result<(DevChain, bool)> {
    let Some(path) = data_dir.map(DirLock::path) else {
        let chain = DevChain::new(config).context("cannot build the dev chain's genesis")?;
        return Ok((chain, false));
    };
    let reopened = path.join(JOURNAL_FILE).exists();
    let chain = DevChain::open(path, config).map_err(|error| {
        let hint = if matches!(error, DevChainError::GenesisMismatch { .. }) {
            format!(
                "the data directory {} holds another chain, made with other settings (chain id, \
                 accounts, mnemonic) or other contracts: start with the settings it was made \
                 with, or pass another --data-dir, or --ephemeral",
                path.display()
            )
        } else {
            format!("cannot open the dev chain in {}", path.display())
        };
        anyhow::Error::new(error).context(hint)
    })?;
    Ok((chain, reopened))
}

/// What the start-up report shows, read from the chain before it is shared with the server.
#[derive(Debug)]
struct Started {
    chain_id: u64,
    accounts: Vec<AccountInfo>,
    mnemonic: String,
    contracts: Vec<Contract>,
    block_number: u64,
    genesis_hash: B256,
    data_dir: Option<PathBuf>,
    reopened: bool,
    block_time: Option<u64>,
}

#[derive(Debug)]
struct AccountInfo {
    address: Address,
    private_key: B256,
    balance: U256,
    rlc: Option<U256>,
}

#[derive(Debug)]
struct Contract {
    label: &'static str,
    key: &'static str,
    address: Address,
}

impl Started {
    fn of(
        chain: &DevChain,
        data_dir: Option<PathBuf>,
        reopened: bool,
        block_time: Option<u64>,
    ) -> Self {
        let protocol = chain.protocol();
        let evm = chain.evm();
        let accounts = chain
            .accounts()
            .iter()
            .map(|account| AccountInfo {
                address: account.address,
                private_key: account.private_key(),
                balance: evm.balance(account.address),
                rlc: evm
                    .view(
                        protocol.token,
                        &IERC20::balanceOfCall {
                            account: account.address,
                        },
                    )
                    .ok(),
            })
            .collect();
        let mut contracts = vec![
            Contract {
                label: "Protocol (router)",
                key: "protocol",
                address: protocol.address,
            },
            Contract {
                label: "RLC token",
                key: "token",
                address: protocol.token,
            },
            Contract {
                label: "App registry",
                key: "appRegistry",
                address: protocol.app_registry,
            },
            Contract {
                label: "Dataset registry",
                key: "datasetRegistry",
                address: protocol.dataset_registry,
            },
            Contract {
                label: "Workerpool registry",
                key: "workerpoolRegistry",
                address: protocol.workerpool_registry,
            },
        ];
        if let Some(address) = protocol.data_protector {
            contracts.push(Contract {
                label: "DataProtector",
                key: "dataProtector",
                address,
            });
        }
        Self {
            chain_id: chain.chain_id(),
            accounts,
            mnemonic: chain.config().mnemonic.clone(),
            contracts,
            block_number: chain.block_number(),
            genesis_hash: chain.genesis_hash(),
            data_dir,
            reopened,
            block_time,
        }
    }

    fn json(&self, addr: SocketAddr) -> Value {
        let accounts: Vec<Value> = self
            .accounts
            .iter()
            .map(|account| {
                json!({
                    "address": account.address,
                    "privateKey": account.private_key,
                    "balance": account.balance.to_string(),
                    "rlc": account.rlc.map(|rlc| rlc.to_string()),
                })
            })
            .collect();
        let contracts: serde_json::Map<String, Value> = self
            .contracts
            .iter()
            .map(|c| (c.key.to_owned(), json!(c.address)))
            .collect();
        json!({
            "url": format!("http://{addr}"),
            "host": addr.ip().to_string(),
            "port": addr.port(),
            "chainId": self.chain_id,
            "accounts": accounts,
            "mnemonic": self.mnemonic,
            "derivationPath": format!("{DERIVATION_PATH}/"),
            "contracts": contracts,
            "blockNumber": self.block_number,
            "genesisHash": self.genesis_hash,
            "dataDir": self.data_dir.as_ref().map(|d| d.display().to_string()),
            "blockTime": self.block_time,
        })
    }

    fn human(&self, addr: SocketAddr) -> String {
        const RULE: &str = "==================";
        let mut text = format!(
            "Confide dev chain v{}: Confide's protocol on a local chain\n",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(text, "\nAvailable Accounts\n{RULE}\n");
        for (index, account) in self.accounts.iter().enumerate() {
            let rlc = account.rlc.map_or_else(String::new, |rlc| {
                let rlc = format_units(rlc, RLC_DECIMALS).unwrap_or_else(|_| rlc.to_string());
                format!(", {rlc} RLC")
            });
            let _ = writeln!(
                text,
                "({index}) {} ({} ETH{rlc})",
                account.address,
                format_ether(account.balance)
            );
        }
        let _ = writeln!(
            text,
            "\nPrivate Keys (development only: never use them on a real chain)\n{RULE}\n"
        );
        for (index, account) in self.accounts.iter().enumerate() {
            let _ = writeln!(text, "({index}) {}", account.private_key);
        }
        let _ = writeln!(
            text,
            "\nWallet\n{RULE}\nMnemonic:          {}\nDerivation path:   {DERIVATION_PATH}/\n",
            self.mnemonic
        );
        let _ = writeln!(text, "Chain ID\n{RULE}\n\n{}\n", self.chain_id);
        let _ = writeln!(text, "Contracts\n{RULE}\n");
        for contract in &self.contracts {
            let _ = writeln!(text, "{:<21}{}", contract.label, contract.address);
        }
        let _ = writeln!(text, "\nChain\n{RULE}\n");
        let storage = match (&self.data_dir, self.reopened) {
            (None, _) => "in memory (--ephemeral: lost at exit)".to_owned(),
            (Some(dir), true) => format!("{} (reloaded)", dir.display()),
            (Some(dir), false) => format!("{} (new)", dir.display()),
        };
        let mining = match self.block_time {
            None => "a block per transaction".to_owned(),
            Some(seconds) => format!("a block every {seconds} s"),
        };
        let _ = writeln!(
            text,
            "{:<21}{storage}\n{:<21}{}\n{:<21}{}\n{:<21}{mining}\n",
            "Data directory",
            "Block number",
            self.block_number,
            "Genesis hash",
            self.genesis_hash,
            "Mining"
        );
        let _ = write!(text, "Listening on {addr}");
        text
    }
}

/// The signals that stop a server (the chain, the storage gateway), installed up front.
#[cfg(unix)]
pub(crate) struct StopSignals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl StopSignals {
    pub(crate) fn install() -> anyhow::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        let install = |kind| signal(kind).context("cannot install the signal handlers");
        Ok(Self {
            interrupt: install(SignalKind::interrupt())?,
            terminate: install(SignalKind::terminate())?,
        })
    }

    /// Waits for a stop signal; returns its name.
    pub(crate) async fn wait(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }
}

#[cfg(not(unix))]
pub(crate) struct StopSignals;

#[cfg(not(unix))]
impl StopSignals {
    pub(crate) fn install() -> anyhow::Result<Self> {
        Ok(Self)
    }

    pub(crate) async fn wait(&mut self) -> &'static str {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_dir_lock_is_exclusive() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let first = lock_data_dir(dir.path().to_owned());
        assert!(first.is_ok());
        let second = lock_data_dir(dir.path().to_owned());
        let message = format!(
            "{:#}",
            second.err().unwrap_or_else(|| panic!("locked twice"))
        );
        assert!(message.contains("in use"), "{message}");
        drop(first);
        assert!(lock_data_dir(dir.path().to_owned()).is_ok());
    }
}
