//! The scheduler: its parts, its constructor, its views, and its background loops.

use crate::chain::Chain;
use crate::config::SchedulerConfig;
use crate::error::SchedulerError;
use crate::store::{ReplicateRow, Store, TaskFilter, TaskRow, WorkerRow};
use alloy_primitives::{Address, B256};
use alloy_signer_local::PrivateKeySigner;
use confide_chain::artifacts::bindings::IConfide;
use confide_market::MarketClient;
use confide_protocol::workerpool::{TaskView, WorkerView};
use confide_sms::SmsClient;
use confide_storage::Storage;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{Mutex, Notify, watch};
use tokio::task::JoinHandle;

/// The workerpool's scheduler. Share it in an `Arc`: the HTTP API ([`crate::serve`]) and the
/// background loops ([`Scheduler::spawn`]) both use it. One scheduler per database.
pub struct Scheduler {
    pub(crate) config: SchedulerConfig,
    pub(crate) store: Store,
    pub(crate) chain: Chain,
    pub(crate) wallet: PrivateKeySigner,
    pub(crate) storage: Arc<dyn Storage>,
    pub(crate) sms: Option<SmsClient>,
    pub(crate) market: Option<MarketClient>,
    /// Wakes the reconciler early (a report, an upload, a new deal).
    pub(crate) wake: Notify,
    /// Serializes replicate assignment (capacity and consensus prediction are read-then-write).
    pub(crate) assigning: Mutex<()>,
    /// The latest chain time the reconciler saw (unix s; 0 before its first pass).
    pub(crate) chain_now: AtomicU64,
    /// How many reconciler passes completed (tests and operators: progress).
    pub(crate) passes: AtomicU64,
    /// The first block the deal watcher has not applied yet.
    pub(crate) watched_block: AtomicU64,
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No wallet: it holds the pool owner's key.
        f.debug_struct("Scheduler")
            .field("workerpool", &self.config.workerpool)
            .field("address", &self.wallet.address())
            .finish_non_exhaustive()
    }
}

/// Unix time in milliseconds (the scheduler's own clock: heartbeats, request timestamps).
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
        })
}

impl Scheduler {
    /// A scheduler of `config.workerpool`: `chain` is a client of the deployment (it is given
    /// `wallet`'s key), `wallet` the pool owner's key (it signs transactions, authorizations and
    /// SMS requests), `storage` where uploaded results go. Checks that `wallet` owns the pool,
    /// opens (or migrates) the database.
    pub async fn new(
        config: SchedulerConfig,
        mut chain: Chain,
        wallet: PrivateKeySigner,
        storage: Arc<dyn Storage>,
    ) -> Result<Self, SchedulerError> {
        if config.max_batch == 0 {
            return Err(SchedulerError::Config(
                "max_batch must be at least 1".into(),
            ));
        }
        chain.add_signer(wallet.clone());
        let owner = chain
            .protocol_view(&IConfide::viewWorkerpoolCall {
                workerpool: config.workerpool,
            })
            .await?
            .owner;
        if owner != wallet.address() {
            return Err(SchedulerError::NotPoolOwner {
                workerpool: config.workerpool,
                owner,
                wallet: wallet.address(),
            });
        }
        let sms = config.sms_url.as_deref().map(SmsClient::new).transpose()?;
        let market = config
            .market
            .as_ref()
            .map(|market| MarketClient::new(&market.url, chain.chain_id()))
            .transpose()?;
        let store = Store::open(&config.database_url).await?;
        Ok(Self {
            config,
            store,
            chain,
            wallet,
            storage,
            sms,
            market,
            wake: Notify::new(),
            assigning: Mutex::new(()),
            chain_now: AtomicU64::new(0),
            passes: AtomicU64::new(0),
            watched_block: AtomicU64::new(0),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    /// The store (operators' tools, tests).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The chain client.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// The address signing transactions and authorizations (the pool's owner).
    pub fn address(&self) -> Address {
        self.wallet.address()
    }

    pub(crate) fn wallet_address(&self) -> Address {
        self.wallet.address()
    }

    /// How many reconciler passes have completed.
    pub fn passes(&self) -> u64 {
        self.passes.load(Ordering::Acquire)
    }

    /// The first block whose `SchedulerNotice` logs are not applied yet (0 before the deal
    /// watcher started).
    pub fn watched_block(&self) -> u64 {
        self.watched_block.load(Ordering::Acquire)
    }

    /// Wakes the reconciler before its next period.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The operator's view of task `task_id`.
    pub async fn task_view(&self, task_id: B256) -> Result<Option<TaskView>, SchedulerError> {
        let Some(row) = self.store.task(task_id).await? else {
            return Ok(None);
        };
        let replicates = self.store.replicates_of_task(task_id).await?;
        Ok(Some(view(&row, &replicates)))
    }

    /// The operator's view of the tasks `filter` selects.
    pub async fn task_views(&self, filter: &TaskFilter) -> Result<Vec<TaskView>, SchedulerError> {
        let mut views = Vec::new();
        for row in self.store.tasks(filter).await? {
            let replicates = self.store.replicates_of_task(row.task_id).await?;
            views.push(view(&row, &replicates));
        }
        Ok(views)
    }

    /// The operator's view of every registered worker.
    pub async fn worker_views(&self) -> Result<Vec<WorkerView>, SchedulerError> {
        let timeout = millis(self.config.timing.worker_timeout);
        let now = unix_ms();
        let mut views = Vec::new();
        for worker in self.store.workers().await? {
            let active = self.store.active_replicates_of(worker.worker).await?.len();
            views.push(worker_view(&worker, active, now, timeout));
        }
        Ok(views)
    }

    /// Starts the deal watcher, the reconciler and (with a market) the order publisher in the
    /// background; they stop with the returned handle.
    pub fn spawn(self: &Arc<Self>) -> SchedulerTasks {
        let (stop, stopped) = watch::channel(false);
        let mut handles = vec![
            tokio::spawn(crate::intake::run(self.clone(), stopped.clone())),
            tokio::spawn(crate::reconciler::run(self.clone(), stopped.clone())),
        ];
        if self.market.is_some() {
            handles.push(tokio::spawn(crate::publisher::run(self.clone(), stopped)));
        }
        SchedulerTasks {
            stop: Some(stop),
            handles,
        }
    }

    /// Runs the background loops until `shutdown` completes, then stops them cleanly.
    pub async fn run(self: Arc<Self>, shutdown: impl Future<Output = ()>) {
        let tasks = self.spawn();
        shutdown.await;
        tasks.shutdown().await;
    }
}

/// The background loops of a scheduler; aborted when dropped, stopped cleanly by
/// [`SchedulerTasks::shutdown`] (a loop finishes the step it is in).
#[derive(Debug)]
pub struct SchedulerTasks {
    stop: Option<watch::Sender<bool>>,
    handles: Vec<JoinHandle<()>>,
}

impl SchedulerTasks {
    /// Asks every loop to stop and waits for them.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        for handle in self.handles.drain(..) {
            let _ = handle.await;
        }
    }
}

impl Drop for SchedulerTasks {
    fn drop(&mut self) {
        for handle in &self.handles {
            handle.abort();
        }
    }
}

/// Waits for `period`, an early wake-up, or a stop request; true if asked to stop.
pub(crate) async fn pause(
    period: Duration,
    wake: Option<&Notify>,
    stopped: &mut watch::Receiver<bool>,
) -> bool {
    if *stopped.borrow() {
        return true;
    }
    let woken = async {
        match wake {
            Some(notify) => notify.notified().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        () = tokio::time::sleep(period) => false,
        () = woken => false,
        changed = stopped.changed() => changed.is_err() || *stopped.borrow(),
    }
}

pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

pub(crate) fn view(row: &TaskRow, replicates: &[ReplicateRow]) -> TaskView {
    TaskView {
        task_id: row.task_id,
        deal_id: row.deal_id,
        task_index: row.task_index,
        mode: row.mode,
        trust: row.trust,
        state: row.state,
        enclave_challenge: row.enclave_challenge,
        contribution_deadline: row.contribution_deadline,
        final_deadline: row.final_deadline,
        result_location: row.result_location.clone(),
        replicates: replicates.iter().map(ReplicateRow::view).collect(),
        last_error: row.last_error.clone(),
        updated_at_ms: row.updated_at_ms,
    }
}

pub(crate) fn worker_view(
    row: &WorkerRow,
    active: usize,
    now_ms: u64,
    timeout_ms: u64,
) -> WorkerView {
    WorkerView {
        worker: row.worker,
        capacity: row.capacity,
        tee: row.tee,
        version: row.version.clone(),
        active_replicates: u32::try_from(active).unwrap_or(u32::MAX),
        last_seen_ms: row.last_seen_ms,
        lost: row.lost || now_ms.saturating_sub(row.last_seen_ms) > timeout_ms,
        free_stake: row.free_stake,
    }
}
