//! `confide dev`: the whole local network in one process ([`confide_node::Node`]) until
//! SIGINT or SIGTERM.
//!
//! At start it prints the endpoints, the funded dev accounts (public keys), the workerpool,
//! the network file and the start-up time, and last a `Listening on HOST:PORT` line (the
//! chain's JSON-RPC); with `--json`, one line instead: `{"network" (the network file's
//! content), "accounts": [{"index", "address", "privateKey", "rlc" (nRLC)}], "dataDir",
//! "networkFile", "readyMs"}`.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use confide_node::{
    FIRST_WORKER_ACCOUNT, FundedAccount, Node, NodeConfig, POOL_OWNER_ACCOUNT, Ports,
};
use confide_sdk::Network;
use serde_json::{Value, json};

use crate::cli::DevArgs;
use crate::output::Output;

pub(crate) fn run(args: DevArgs, out: &Output) -> anyhow::Result<()> {
    let started = Instant::now();
    if !args.host.is_loopback() {
        if !args.allow_remote {
            bail!(
                "--host {} is beyond loopback, where anyone reaching it can spend the public dev \
                 keys: pass --allow-remote to listen there anyway",
                args.host
            );
        }
        tracing::warn!(host = %args.host, "listening beyond loopback: the dev keys are public");
    }
    let data_dir = match &args.data_dir {
        Some(dir) => dir.clone(),
        None => crate::home::default_dir("dev", "pass --data-dir DIR")?,
    };
    let config = NodeConfig {
        reset: args.reset,
        host: args.host,
        ports: Ports {
            chain: args.chain_port,
            storage: args.storage_port,
            sms: args.sms_port,
            market: args.market_port,
            indexer: args.indexer_port,
            scheduler: args.scheduler_port,
        },
        workers: usize::from(args.workers),
        ..NodeConfig::new(data_dir)
    };
    super::service::run(run_until_stopped(config, started, out))
}

async fn run_until_stopped(
    config: NodeConfig,
    started: Instant,
    out: &Output,
) -> anyhow::Result<()> {
    // Installed before the ready line, so a signal sent right after it is not lost.
    let mut signals = crate::commands::chain::dev::StopSignals::install()?;
    let node = Node::start(config).await?;
    // The file the other commands read by default, when it is not the node's own.
    let shared_file = Network::default_path().filter(|path| path != node.network_file());
    if let Some(path) = &shared_file {
        node.network().write(path)?;
    }
    let ready_ms = started.elapsed().as_millis();
    let network_file = shared_file.unwrap_or_else(|| node.network_file().to_owned());
    let accounts = node.accounts();
    out.result(
        &human(&node, &accounts, &network_file, ready_ms),
        json!({
            "network": node.network(),
            "accounts": accounts.iter().map(account_json).collect::<Vec<Value>>(),
            "dataDir": node.data_dir(),
            "networkFile": network_file,
            "readyMs": ready_ms,
        }),
    );
    // Scripts and tests wait for this line through a pipe.
    std::io::stdout()
        .flush()
        .context("cannot write to standard output")?;
    let signal = signals.wait().await;
    tracing::info!(signal, "stopping the dev network");
    node.shutdown().await;
    Ok(())
}

fn account_json(account: &FundedAccount) -> Value {
    json!({
        "index": account.index,
        "address": account.address,
        "privateKey": account.private_key,
        "rlc": account.rlc.to_string(),
    })
}

fn human(node: &Node, accounts: &[FundedAccount], network_file: &Path, ready_ms: u128) -> String {
    const RULE: &str = "==================";
    let network = node.network();
    let state = if node.reopened() { "reloaded" } else { "new" };
    let mut text = format!(
        "Confide dev network v{}: every service in one process\n",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(text, "\nServices\n{RULE}\n");
    let scheduler = network.scheduler.clone().unwrap_or_default();
    for (label, url) in [
        ("Chain (JSON-RPC)", &network.rpc),
        ("Storage (IPFS API)", &network.storage),
        ("SMS (dev mode)", &network.sms),
        ("Market", &network.market),
        ("Indexer", &network.indexer),
        ("Scheduler", &scheduler),
    ] {
        let _ = writeln!(text, "{label:<21}{url}");
    }
    let _ = writeln!(text, "{:<21}{}", "Chain ID", network.chain_id());
    let _ = writeln!(text, "{:<21}{}", "Protocol", network.deployment.protocol);

    let _ = writeln!(text, "\nWorkerpool\n{RULE}\n");
    let owner = accounts
        .get(POOL_OWNER_ACCOUNT)
        .map(|account| account.address.to_string())
        .unwrap_or_default();
    let _ = writeln!(
        text,
        "{:<21}{}\n{:<21}dev account {POOL_OWNER_ACCOUNT} ({owner})",
        "Address",
        node.workerpool(),
        "Owner"
    );
    let workers = node.workers();
    let _ = writeln!(
        text,
        "{:<21}{} (dev accounts {FIRST_WORKER_ACCOUNT} onwards, simulated TEE)",
        "Workers",
        workers.len()
    );
    for worker in workers {
        let _ = writeln!(text, "{:<21}{worker}", "");
    }

    let _ = writeln!(text, "\nApps (dev account 1)\n{RULE}\n");
    for (name, address) in &network.apps {
        let _ = writeln!(text, "{name:<21}{address}");
    }

    let _ = writeln!(text, "\nAccounts\n{RULE}\n");
    for account in accounts {
        let _ = writeln!(
            text,
            "({}) {} ({})",
            account.index,
            account.address,
            super::user::format_rlc(account.rlc)
        );
    }
    let _ = writeln!(
        text,
        "\nPrivate Keys (public dev keys: never use them on a real chain)\n{RULE}\n"
    );
    for account in accounts {
        let _ = writeln!(text, "({}) {}", account.index, account.private_key);
    }

    let _ = writeln!(text, "\nFiles\n{RULE}\n");
    let _ = writeln!(
        text,
        "{:<21}{} ({state})",
        "Data directory",
        node.data_dir().display()
    );
    let _ = writeln!(text, "{:<21}{}", "Network file", network_file.display());
    if network_file != node.network_file() {
        let _ = writeln!(text, "{:<21}{}", "", node.network_file().display());
    }
    let _ = writeln!(text, "\nReady in {ready_ms} ms");
    let _ = write!(text, "Listening on {}", node.rpc_addr());
    text
}
