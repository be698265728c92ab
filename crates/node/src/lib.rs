//! A whole local Confide network in one process, what `confide dev` runs: the dev chain and
//! its JSON-RPC, the storage gateway, the SMS in dev mode, the market, the indexer, a scheduler
//! with its workerpool, and workers attesting with the TEE simulator. Everything listens on
//! loopback and keeps its state in one data directory (locked while in use), so a restart
//! finds the same chain, databases, workerpool and SMS master key.
//!
//! ```no_run
//! # async fn example() -> Result<(), confide_node::NodeError> {
//! let node = confide_node::Node::start(confide_node::NodeConfig::new("/tmp/confide-dev")).await?;
//! println!("chain at {}", node.network().rpc);
//! node.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Each service has its module; [`Node::start`] binds every port first (a busy port fails
//! before anything else starts), opens the chain, then starts the services side by side.
#![forbid(unsafe_code)]

pub mod apps;
mod chain;
mod data_dir;
mod error;
mod indexer;
mod market;
mod scheduler;
mod sms;
mod storage;
mod worker;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::Address;
use confide_sandbox::{Sandbox, SandboxConfig};
use confide_sdk::Network;
use confide_tee::Attester;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use chain::FundedAccount;
pub use data_dir::{CHAIN_LOCK_FILE, DirLock, DirLockError, LOCK_FILE};
pub use error::{BoxError, NodeError};
pub use scheduler::WORKERPOOL_FILE;

use chain::ChainService;
use data_dir::{DataDir, layout};
use indexer::IndexerService;
use market::MarketService;
use scheduler::{SchedulerService, SchedulerSetup};
use sms::SmsService;
use storage::StorageService;
use worker::{WorkerService, WorkerSetup};

/// 1 RLC in nRLC.
pub(crate) const RLC: u64 = 1_000_000_000;

/// The dev account that owns the workerpool and runs its scheduler.
pub const POOL_OWNER_ACCOUNT: usize = 3;
/// The dev account of the first worker; the next workers take the next accounts.
pub const FIRST_WORKER_ACCOUNT: usize = 5;
/// How many workers the dev accounts allow (5 to 9).
pub const MAX_WORKERS: usize = 5;

/// How long the start waits for the workers to register with the scheduler.
const REGISTRATION_WAIT: Duration = Duration::from_secs(10);

/// The ports of the services; 0 picks a free one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    /// The chain's JSON-RPC (8545).
    pub chain: u16,
    /// The storage gateway and its `/api/v0` (13200).
    pub storage: u16,
    /// The SMS (13300).
    pub sms: u16,
    /// The market (13400).
    pub market: u16,
    /// The indexer (13500).
    pub indexer: u16,
    /// The scheduler's workers' API (13600).
    pub scheduler: u16,
}

impl Default for Ports {
    fn default() -> Self {
        Self {
            chain: 8545,
            storage: 13200,
            sms: 13300,
            market: 13400,
            indexer: 13500,
            scheduler: 13600,
        }
    }
}

impl Ports {
    /// Every port picked free (tests, several nodes side by side).
    pub fn any() -> Self {
        Self {
            chain: 0,
            storage: 0,
            sms: 0,
            market: 0,
            indexer: 0,
            scheduler: 0,
        }
    }
}

/// How to run a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeConfig {
    /// Where every service keeps its state.
    pub data_dir: PathBuf,
    /// Remove the state of an earlier run first.
    pub reset: bool,
    /// The address every service listens on (loopback: the dev keys are public).
    pub host: IpAddr,
    /// The services' ports.
    pub ports: Ports,
    /// Workers run in process (dev accounts 5 onwards), at most [`MAX_WORKERS`].
    pub workers: usize,
    /// Tasks each worker runs at once.
    pub worker_capacity: u32,
    /// How often the scheduler, the market and the workers look for work: short on a local
    /// chain, which mines at once.
    pub poll_interval: Duration,
}

impl NodeConfig {
    /// The defaults in `data_dir`: loopback, the fixed ports, two workers, 250 ms polls.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            reset: false,
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ports: Ports::default(),
            workers: 2,
            worker_capacity: 2,
            poll_interval: Duration::from_millis(250),
        }
    }
}

/// A running node. Stop it with [`Node::shutdown`] (dropping it aborts the services).
#[derive(Debug)]
pub struct Node {
    network: Network,
    network_file: PathBuf,
    reopened: bool,
    workers: Vec<WorkerService>,
    scheduler: SchedulerService,
    indexer: IndexerService,
    market: MarketService,
    sms: SmsService,
    storage: StorageService,
    chain: ChainService,
    // Last: the directory stays locked until everything above stopped.
    data_dir: DataDir,
}

/// The listeners of the HTTP services, bound before anything starts.
struct Listeners {
    storage: TcpListener,
    sms: TcpListener,
    market: TcpListener,
    indexer: TcpListener,
    scheduler: TcpListener,
}

impl Node {
    /// Starts every service and writes the network file (`<data_dir>/network.json`); returns
    /// once the workers registered with the scheduler.
    pub async fn start(config: NodeConfig) -> Result<Self, NodeError> {
        let started = Instant::now();
        if config.workers > MAX_WORKERS {
            return Err(NodeError::TooManyWorkers {
                asked: config.workers,
                max: MAX_WORKERS,
            });
        }
        if !config.host.is_loopback() {
            tracing::warn!(host = %config.host, "listening beyond loopback: the dev keys are public");
        }
        let data_dir = DataDir::lock(&config.data_dir)?;
        if config.reset {
            data_dir.reset()?;
        }
        let listeners = Listeners::bind(config.host, config.ports).await?;

        // The slow, blocking parts side by side: the chain's journal, hashing this executable
        // (the simulated enclave's measurement), the sandbox's compiler.
        let chain_dir = data_dir.service(layout::CHAIN)?;
        let opening = blocking("chain", move || chain::open(&chain_dir));
        let attesting = blocking("worker", || {
            let measurement = confide_tee_sim::measurement_of_current_exe()
                .map_err(|error| NodeError::service("worker")(Box::new(error)))?;
            let attester: Arc<dyn Attester> = Arc::new(confide_tee_sim::SimAttester::from_seed(
                confide_tee_sim::DEV_SIMULATOR_SEED,
                measurement,
            ));
            Ok(attester)
        });
        let sandboxing = blocking("worker", || {
            Sandbox::new(SandboxConfig::default())
                .map(Arc::new)
                .map_err(|error| NodeError::service("worker")(Box::new(error)))
        });
        let (chain, opened) = opening.await?;
        let chain = ChainService::serve(
            chain,
            opened,
            SocketAddr::new(config.host, config.ports.chain),
        )
        .await?;
        let storage =
            StorageService::start(&data_dir.service(layout::STORAGE)?, listeners.storage)?;
        let sms_url = crate::url_of(&listeners.sms);
        let market_url = crate::url_of(&listeners.market);
        let scheduler_url = crate::url_of(&listeners.scheduler);

        let (attester, sandbox) = tokio::try_join!(attesting, sandboxing)?;
        let mut preparing = Vec::new();
        for index in 0..config.workers {
            let account = FIRST_WORKER_ACCOUNT + index;
            let signer = chain.signer(account).ok_or(NodeError::TooManyWorkers {
                asked: config.workers,
                max: MAX_WORKERS,
            })?;
            preparing.push(worker::prepare(WorkerSetup {
                signer,
                chain: chain.client().await?,
                work_dir: data_dir
                    .service(layout::WORKERS)?
                    .join(format!("worker-{account}")),
                storage: storage.store(),
                attester: attester.clone(),
                sandbox: sandbox.clone(),
                scheduler_url: scheduler_url.clone(),
                poll_interval: config.poll_interval,
                capacity: config.worker_capacity,
            }));
        }
        let owner = chain
            .signer(POOL_OWNER_ACCOUNT)
            .ok_or_else(|| NodeError::service("scheduler")("no pool owner account".into()))?;
        let (sms, market, indexer, scheduler, prepared) = tokio::try_join!(
            async {
                SmsService::start(
                    &data_dir.service(layout::SMS)?,
                    listeners.sms,
                    chain.client().await?,
                )
                .await
            },
            async {
                MarketService::start(
                    &data_dir.service(layout::MARKET)?,
                    listeners.market,
                    chain.client().await?,
                    config.poll_interval,
                )
                .await
            },
            async {
                IndexerService::start(
                    &data_dir.service(layout::INDEXER)?,
                    listeners.indexer,
                    chain.client().await?,
                )
                .await
            },
            async {
                SchedulerService::start(SchedulerSetup {
                    dir: &data_dir.service(layout::SCHEDULER)?,
                    listener: listeners.scheduler,
                    chain: chain.client().await?,
                    owner,
                    storage: storage.store(),
                    sms_url: sms_url.clone(),
                    market_url: market_url.clone(),
                    poll_interval: config.poll_interval,
                })
                .await
            },
            futures_util::future::try_join_all(preparing),
        )?;
        let workers: Vec<WorkerService> = prepared.into_iter().map(|w| w.spawn()).collect();
        wait_for_registration(&workers).await;

        let mut network = Network {
            name: "dev".into(),
            rpc: chain.url(),
            deployment: chain.deployment().clone(),
            storage: storage.url().to_owned(),
            sms: sms.url().to_owned(),
            market: market.url().to_owned(),
            indexer: indexer.url().to_owned(),
            workerpool: Some(scheduler.workerpool()),
            scheduler: Some(scheduler.url().to_owned()),
            apps: Default::default(),
        };
        network.apps = apps::deploy_examples(&network, data_dir.root()).await?;
        let network_file = data_dir.root().join(confide_sdk::network::NETWORK_FILE);
        network.write(&network_file)?;
        tracing::info!(
            rpc = %network.rpc,
            workerpool = %scheduler.workerpool(),
            ms = started.elapsed().as_millis(),
            "node ready"
        );
        Ok(Self {
            network,
            network_file,
            reopened: chain.reopened(),
            workers,
            scheduler,
            indexer,
            market,
            sms,
            storage,
            chain,
            data_dir,
        })
    }

    /// Where every service listens, the deployment, the workerpool and its scheduler.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The network file this node wrote (`<data_dir>/network.json`).
    pub fn network_file(&self) -> &Path {
        &self.network_file
    }

    /// The data directory (absolute).
    pub fn data_dir(&self) -> &Path {
        self.data_dir.root()
    }

    /// Whether the chain was reloaded from an earlier run.
    pub fn reopened(&self) -> bool {
        self.reopened
    }

    /// The chain's JSON-RPC address.
    pub fn rpc_addr(&self) -> SocketAddr {
        self.chain.local_addr()
    }

    /// The latest block of the chain.
    pub fn block_number(&self) -> u64 {
        self.chain.block_number()
    }

    /// The workerpool the scheduler runs.
    pub fn workerpool(&self) -> Address {
        self.scheduler.workerpool()
    }

    /// The workers' addresses.
    pub fn workers(&self) -> Vec<Address> {
        self.workers.iter().map(WorkerService::address).collect()
    }

    /// The funded dev accounts, with their balances now (public keys: development only).
    pub fn accounts(&self) -> Vec<FundedAccount> {
        self.chain.accounts()
    }

    /// Stops every service, the workers first and the chain last, then unlocks the data
    /// directory.
    pub async fn shutdown(self) {
        for worker in self.workers {
            worker.shutdown().await;
        }
        self.scheduler.shutdown().await;
        self.indexer.shutdown().await;
        self.market.shutdown().await;
        self.sms.shutdown().await;
        self.storage.shutdown().await;
        self.chain.shutdown().await;
        drop(self.data_dir);
        tracing::info!("node stopped");
    }
}

impl Listeners {
    async fn bind(host: IpAddr, ports: Ports) -> Result<Self, NodeError> {
        Ok(Self {
            storage: bind("storage gateway", host, ports.storage).await?,
            sms: bind("SMS", host, ports.sms).await?,
            market: bind("market", host, ports.market).await?,
            indexer: bind("indexer", host, ports.indexer).await?,
            scheduler: bind("scheduler", host, ports.scheduler).await?,
        })
    }
}

async fn bind(service: &'static str, host: IpAddr, port: u16) -> Result<TcpListener, NodeError> {
    let addr = SocketAddr::new(host, port);
    TcpListener::bind(addr)
        .await
        .map_err(|source| NodeError::Bind {
            service,
            addr,
            source,
        })
}

/// `http://ADDR` of a bound listener.
pub(crate) fn url_of(listener: &TcpListener) -> String {
    match listener.local_addr() {
        Ok(addr) => format!("http://{addr}"),
        // A bound socket has an address; this is not reached.
        Err(_) => String::from("http://127.0.0.1:0"),
    }
}

/// Runs blocking start-up work on the blocking pool.
async fn blocking<T: Send + 'static>(
    service: &'static str,
    work: impl FnOnce() -> Result<T, NodeError> + Send + 'static,
) -> Result<T, NodeError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| NodeError::service(service)(Box::new(error)))?
}

/// Waits (a bounded time) for every worker's registration, so that the node is ready to take
/// tasks once started.
async fn wait_for_registration(workers: &[WorkerService]) {
    let deadline = Instant::now() + REGISTRATION_WAIT;
    while !workers.iter().all(WorkerService::registered) {
        if Instant::now() > deadline {
            tracing::warn!("workers not registered yet with the scheduler; they keep trying");
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A background task, aborted when dropped.
#[derive(Debug)]
pub(crate) struct Background<T>(Option<JoinHandle<T>>);

impl<T: Send + 'static> Background<T> {
    pub(crate) fn spawn(future: impl std::future::Future<Output = T> + Send + 'static) -> Self {
        Self(Some(tokio::spawn(future)))
    }

    /// Waits for the task to end; `None` if it panicked or was aborted.
    pub(crate) async fn join(mut self) -> Option<T> {
        let handle = self.0.take()?;
        handle.await.ok()
    }
}

impl<T> Drop for Background<T> {
    fn drop(&mut self) {
        if let Some(handle) = &self.0 {
            handle.abort();
        }
    }
}
