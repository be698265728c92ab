//! `confide worker`: runs a workerpool's tasks until SIGINT/SIGTERM, with a status endpoint.

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use alloy_primitives::{Address, U256};
use anyhow::Context;
use axum::Json;
use axum::routing::get;
use confide_sandbox::{Sandbox, SandboxConfig};
use confide_storage::{IpfsConfig, IpfsStore, Storage};
use confide_tee::Attester;
use confide_tee::dcap::TsmAttester;
use confide_worker::{
    AgentConfig, AgentStatus, ExecutorConfig, ResourcePolicy, SchedulerClient, TaskExecutor,
    WorkerAgent,
};
use serde_json::json;

use super::service::{DEFAULT_IPFS, DEFAULT_SCHEDULER, url_of};
use crate::cli::{TeeBackendArg, WorkerArgs};
use crate::output::Output;

/// Where Linux exposes configfs-tsm reports.
const TSM_REPORT_DIR: &str = "/sys/kernel/config/tsm/report";

pub(crate) fn run(args: WorkerArgs, out: &Output) -> anyhow::Result<()> {
    super::service::run(work_until_stopped(args, out))
}

async fn work_until_stopped(args: WorkerArgs, out: &Output) -> anyhow::Result<()> {
    let mut signals = crate::commands::chain::dev::StopSignals::install()?;
    let network = args.chain.network()?;
    let mut chain = super::service::connect_chain(&args.chain).await?;
    let ipfs = url_of(
        args.ipfs.as_ref(),
        network.as_ref(),
        |n| Some(n.storage.clone()),
        Some(DEFAULT_IPFS),
    )
    .unwrap_or_default();
    let scheduler_url = url_of(
        args.scheduler.as_ref(),
        network.as_ref(),
        |n| n.scheduler.clone(),
        Some(DEFAULT_SCHEDULER),
    )
    .unwrap_or_default();
    let signer = super::service::load_wallet(
        &args.wallet,
        args.password_file.as_deref(),
        chain.chain_id(),
    )?;
    let worker = chain.add_signer(signer.clone());
    let deposited = confide_worker::top_up_stake(&chain, worker, U256::from(args.stake))
        .await
        .context("cannot keep the stake asked by --stake")?;
    if !deposited.is_zero() {
        tracing::info!(%deposited, "stake topped up from the wallet");
    }
    let work_dir = match &args.work_dir {
        Some(dir) => dir.clone(),
        None => crate::home::default_dir("worker", "pass --work-dir DIR")?,
    };
    let storage: Arc<dyn Storage> =
        Arc::new(IpfsStore::new(IpfsConfig::new(ipfs)).context("invalid --ipfs")?);
    let attester: Option<Arc<dyn Attester>> = match args.tee {
        TeeBackendArg::None => None,
        TeeBackendArg::Tdx => Some(Arc::new(TsmAttester::new(TSM_REPORT_DIR))),
        TeeBackendArg::Sim => {
            tracing::warn!("simulated TEE: only an SMS in dev mode accepts its evidence");
            let measurement = confide_tee_sim::measurement_of_current_exe()?;
            Some(Arc::new(confide_tee_sim::SimAttester::from_seed(
                confide_tee_sim::DEV_SIMULATOR_SEED,
                measurement,
            )))
        }
    };
    let executor = TaskExecutor::new(ExecutorConfig {
        signer: signer.clone(),
        chain,
        storage,
        attester,
        sandbox: Arc::new(Sandbox::new(SandboxConfig::default())?),
        work_dir: work_dir.clone(),
        policy: ResourcePolicy::default(),
    })?;
    let scheduler = SchedulerClient::new(&scheduler_url, signer).context("invalid --scheduler")?;
    let agent = WorkerAgent::new(
        executor,
        scheduler,
        AgentConfig {
            capacity: args.capacity,
            ..AgentConfig::default()
        },
    );
    let status = agent.status();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    let router = axum::Router::new().route(
        "/health",
        get(move || {
            let status = status.clone();
            async move { Json(snapshot(worker, &status)) }
        }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    out.result(
        &format!(
            "Worker {worker} for scheduler {} (TEE: {:?}, capacity {})\nWork directory: {}\nStatus: http://{addr}/health\nListening on {addr}",
            scheduler_url,
            args.tee,
            args.capacity,
            work_dir.display()
        ),
        json!({
            "worker": worker,
            "scheduler": scheduler_url,
            "tee": format!("{:?}", args.tee).to_lowercase(),
            "capacity": args.capacity,
            "workDir": work_dir,
            "listen": addr.to_string(),
        }),
    );
    // Scripts and tests wait for this line through a pipe.
    std::io::stdout()
        .flush()
        .context("cannot write to standard output")?;
    agent
        .run(async {
            let signal = signals.wait().await;
            tracing::info!(signal, "stopping the worker");
        })
        .await;
    server.abort();
    Ok(())
}

fn snapshot(worker: Address, status: &Mutex<AgentStatus>) -> serde_json::Value {
    let status = status
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    json!({ "worker": worker, "status": status })
}
