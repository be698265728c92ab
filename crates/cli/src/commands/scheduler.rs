//! `confide scheduler`: a workerpool's scheduler and its workers' API until SIGINT/SIGTERM.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::{Address, U256};
use anyhow::Context;
use confide_chain::artifacts::bindings::IWorkerpoolRegistry;
use confide_protocol::Tag;
use confide_scheduler::{MarketPublishing, OrderPolicy, Scheduler, SchedulerConfig, Timing};
use confide_storage::{IpfsConfig, IpfsStore, Storage};
use serde_json::json;

use crate::cli::SchedulerArgs;
use crate::output::Output;

/// The file in the data directory recording the pool a scheduler created.
use super::service::{DEFAULT_IPFS, url_of};

const WORKERPOOL_FILE: &str = "workerpool";

pub(crate) fn run(args: SchedulerArgs, out: &Output) -> anyhow::Result<()> {
    super::service::run(serve_until_stopped(args, out))
}

async fn serve_until_stopped(args: SchedulerArgs, out: &Output) -> anyhow::Result<()> {
    let mut signals = crate::commands::chain::dev::StopSignals::install()?;
    let network = args.chain.network()?;
    let mut chain = super::service::connect_chain(&args.chain).await?;
    let sms = url_of(
        args.sms.as_ref(),
        network.as_ref(),
        |n| Some(n.sms.clone()),
        None,
    );
    let market = url_of(
        args.market.as_ref(),
        network.as_ref(),
        |n| Some(n.market.clone()),
        None,
    );
    let ipfs = url_of(
        args.ipfs.as_ref(),
        network.as_ref(),
        |n| Some(n.storage.clone()),
        Some(DEFAULT_IPFS),
    );
    let wallet = super::service::load_wallet(
        &args.wallet,
        args.password_file.as_deref(),
        chain.chain_id(),
    )?;
    chain.add_signer(wallet.clone());
    let data_dir = match &args.data_dir {
        Some(dir) => dir.clone(),
        None => crate::home::default_dir("scheduler", "pass --data-dir DIR")?,
    };
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let workerpool = match args.workerpool {
        Some(workerpool) => workerpool,
        None => recorded_or_new_workerpool(&chain, wallet.address(), &data_dir).await?,
    };
    let database =
        super::service::database_url(args.database.as_deref(), Some(&data_dir), "scheduler")?;
    let tag = match (&args.tag, &sms) {
        (Some(names), _) => Tag::from_names(
            &names
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .collect::<Vec<_>>(),
        )
        .context("invalid --tag")?,
        (None, Some(_)) => Tag::from_names(&["tee", "tdx"])?,
        (None, None) => Tag::NONE,
    };
    let config = SchedulerConfig {
        sms_url: sms,
        confirmations: args.confirmations,
        timing: Timing {
            heartbeat_interval: Duration::from_secs(args.heartbeat_interval),
            worker_timeout: Duration::from_secs(args.worker_timeout),
            poll_interval: Duration::from_millis(args.poll_interval_ms),
            ..Timing::default()
        },
        market: market.map(|url| MarketPublishing {
            url,
            policy: OrderPolicy {
                price: U256::from(args.price),
                volume: U256::from(args.volume),
                tag,
                trust: U256::from(args.trust),
                category: U256::from(args.category),
            },
        }),
        ..SchedulerConfig::new(workerpool, database.clone())
    };
    let storage: Arc<dyn Storage> = Arc::new(
        IpfsStore::new(IpfsConfig::new(ipfs.unwrap_or_default())).context("invalid --ipfs")?,
    );
    let scheduler = Arc::new(
        Scheduler::new(config, chain, wallet.clone(), storage)
            .await
            .context("cannot start the scheduler")?,
    );
    let tasks = scheduler.spawn();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let server = confide_scheduler::serve(listener, scheduler.clone())
        .await
        .context("cannot serve")?;
    let url = format!("http://{}", server.local_addr());
    let shown_database = super::service::redact_password(&database);
    out.result(
        &format!(
            "Scheduler of workerpool {workerpool} (owner {})\nWorkers' API: {url}\nDatabase: {shown_database}\n\
             OpenAPI: {url}/openapi.json\nListening on {}",
            wallet.address(),
            server.local_addr()
        ),
        json!({
            "url": url,
            "listen": server.local_addr().to_string(),
            "workerpool": workerpool,
            "owner": wallet.address(),
            "database": shown_database,
            "openapi": format!("{url}/openapi.json"),
        }),
    );
    // Scripts and tests wait for this line through a pipe.
    std::io::stdout()
        .flush()
        .context("cannot write to standard output")?;
    let signal = signals.wait().await;
    tracing::info!(signal, "stopping the scheduler");
    server.shutdown().await;
    tasks.shutdown().await;
    Ok(())
}

/// The pool recorded in `data_dir`, else a new one owned by `owner`, recorded there.
async fn recorded_or_new_workerpool(
    chain: &confide_chain::client::Client<alloy_provider::RootProvider>,
    owner: Address,
    data_dir: &Path,
) -> anyhow::Result<Address> {
    let file = data_dir.join(WORKERPOOL_FILE);
    if let Ok(text) = std::fs::read_to_string(&file) {
        return text
            .trim()
            .parse()
            .with_context(|| format!("{} does not hold an address", file.display()));
    }
    let workerpool = chain
        .create_workerpool(
            owner,
            &IWorkerpoolRegistry::createWorkerpoolCall {
                owner,
                description: format!("Confide workerpool of {owner}"),
            },
        )
        .await
        .context("cannot register a workerpool")?;
    std::fs::write(&file, format!("{workerpool}\n"))
        .with_context(|| format!("cannot write {}", file.display()))?;
    tracing::info!(%workerpool, "workerpool registered");
    Ok(workerpool)
}
