//! The worker's loop: register with the scheduler, heartbeat, pull assignments up to the
//! worker's capacity, run each with the [`TaskExecutor`] and report every milestone; hand a
//! replicated task's result over after the reveal. A scheduler that cannot be reached is
//! retried; nothing the scheduler says is trusted (the executor checks the chain).

use crate::executor::{ExecutionRequest, Outcome, Progress, TaskExecutor};
use crate::scheduler_client::{SchedulerClient, SchedulerClientError};
use alloy_primitives::B256;
use confide_protocol::workerpool::{
    Assignment, Heartbeat, HeartbeatResponse, RegisteredWorker, ReplicateReport, WorkerRegistration,
};
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;

/// How the loop behaves.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Replicates run at once.
    pub capacity: u32,
    /// How long to wait before asking again when the scheduler has no task.
    pub poll_interval: Duration,
    /// How long to wait before retrying a scheduler that cannot be reached.
    pub retry_interval: Duration,
    /// Reports and uploads tried this many times before giving up.
    pub report_attempts: u32,
}

impl Default for AgentConfig {
    /// One task at a time, polling every 500 ms, retrying every 2 s, 5 report attempts.
    fn default() -> Self {
        Self {
            capacity: 1,
            poll_interval: Duration::from_millis(500),
            retry_interval: Duration::from_secs(2),
            report_attempts: 5,
        }
    }
}

/// What the worker is doing, for its status endpoint.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentStatus {
    /// The scheduler's answer to the registration, once registered.
    pub registered: Option<RegisteredWorker>,
    /// Tasks running now.
    pub running: Vec<B256>,
    /// Replicates that ended with a contribution (TEE: the task completed).
    pub succeeded: u64,
    /// Replicates that failed.
    pub failed: u64,
}

/// A worker: an executor and its scheduler.
#[derive(Debug)]
pub struct WorkerAgent {
    executor: Arc<TaskExecutor>,
    scheduler: Arc<SchedulerClient>,
    config: AgentConfig,
    status: Arc<Mutex<AgentStatus>>,
    running: Running,
}

type Running = Arc<Mutex<HashMap<B256, JoinHandle<()>>>>;

impl WorkerAgent {
    /// A worker running `executor`'s tasks for `scheduler`.
    pub fn new(executor: TaskExecutor, scheduler: SchedulerClient, config: AgentConfig) -> Self {
        Self {
            executor: Arc::new(executor),
            scheduler: Arc::new(scheduler),
            config,
            status: Arc::default(),
            running: Arc::default(),
        }
    }

    /// A live view of what the worker is doing.
    pub fn status(&self) -> Arc<Mutex<AgentStatus>> {
        self.status.clone()
    }

    /// Runs until `shutdown` completes; running tasks are then abandoned (the scheduler gives
    /// them to other workers once this one's heartbeats stop).
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::select! {
            () = self.work() => {}
            () = shutdown => {}
        }
        let running: Vec<JoinHandle<()>> = lock(&self.running)
            .drain()
            .map(|(_, handle)| handle)
            .collect();
        for handle in running {
            handle.abort();
        }
    }

    async fn work(&self) {
        let registered = self.register().await;
        let heartbeat_every = Duration::from_millis(registered.heartbeat_interval_ms.max(100));
        lock(&self.status).registered = Some(registered);
        let mut next_heartbeat = tokio::time::Instant::now();
        loop {
            if tokio::time::Instant::now() >= next_heartbeat {
                self.heartbeat().await;
                next_heartbeat = tokio::time::Instant::now() + heartbeat_every;
            }
            let pulled = if self.running_count() < self.config.capacity as usize {
                self.pull().await
            } else {
                false
            };
            if !pulled {
                let wait = self
                    .config
                    .poll_interval
                    .min(next_heartbeat.saturating_duration_since(tokio::time::Instant::now()));
                tokio::time::sleep(wait).await;
            }
        }
    }

    /// Registers, retrying until the scheduler answers.
    async fn register(&self) -> RegisteredWorker {
        let registration = WorkerRegistration {
            capacity: self.config.capacity,
            tee: self.executor.supports_tee(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        loop {
            match self.scheduler.register(&registration).await {
                Ok(registered) => {
                    tracing::info!(
                        workerpool = %registered.workerpool,
                        scheduler = %registered.scheduler,
                        "registered with the scheduler"
                    );
                    return registered;
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot register with the scheduler; retrying");
                    tokio::time::sleep(self.config.retry_interval).await;
                }
            }
        }
    }

    fn running_count(&self) -> usize {
        let mut running = lock(&self.running);
        running.retain(|_, handle| !handle.is_finished());
        running.len()
    }

    async fn heartbeat(&self) {
        let running: Vec<B256> = lock(&self.running).keys().copied().collect();
        lock(&self.status).running.clone_from(&running);
        match self.scheduler.heartbeat(&Heartbeat { running }).await {
            Ok(hints) => self.follow(hints),
            Err(error) => tracing::warn!(%error, "heartbeat failed"),
        }
    }

    /// Acts on the scheduler's hints: stops abandoned tasks, hands over results still held.
    fn follow(&self, hints: HeartbeatResponse) {
        let mut running = lock(&self.running);
        for task in hints.abandon {
            if let Some(handle) = running.remove(&task) {
                tracing::info!(%task, "abandoning the task, as the scheduler asks");
                handle.abort();
            }
        }
        for task in hints.upload {
            if running.contains_key(&task) {
                continue;
            }
            let path = self.executor.result_zip_path(task);
            if path.is_file() {
                let (executor, scheduler, attempts) = (
                    self.executor.clone(),
                    self.scheduler.clone(),
                    self.config.report_attempts,
                );
                let handle = tokio::spawn(async move {
                    upload(&executor, &scheduler, task, attempts).await;
                });
                running.insert(task, handle);
            }
        }
    }

    /// Asks for a task and starts it; whether one was started.
    async fn pull(&self) -> bool {
        let assignment = match self.scheduler.next().await {
            Ok(Some(assignment)) => assignment,
            Ok(None) => return false,
            Err(error) => {
                tracing::warn!(%error, "cannot ask the scheduler for work");
                tokio::time::sleep(self.config.retry_interval).await;
                return false;
            }
        };
        let task = assignment.authorization.chain_task_id;
        let mut running = lock(&self.running);
        if running.contains_key(&task) {
            return false;
        }
        tracing::info!(%task, mode = ?assignment.mode, "assignment received");
        let replicate = Replicate {
            executor: self.executor.clone(),
            scheduler: self.scheduler.clone(),
            status: self.status.clone(),
            attempts: self.config.report_attempts,
        };
        running.insert(task, tokio::spawn(replicate.run(assignment)));
        true
    }
}

/// One assignment being run.
struct Replicate {
    executor: Arc<TaskExecutor>,
    scheduler: Arc<SchedulerClient>,
    status: Arc<Mutex<AgentStatus>>,
    attempts: u32,
}

impl Replicate {
    async fn run(self, assignment: Assignment) {
        let task = assignment.authorization.chain_task_id;
        let request = ExecutionRequest {
            authorization: assignment.authorization,
            sms_url: assignment.sms_url,
        };
        // Milestones are heard synchronously and reported in order by a companion task.
        let (sender, mut milestones) = tokio::sync::mpsc::unbounded_channel();
        let reporter = {
            let (scheduler, attempts) = (self.scheduler.clone(), self.attempts);
            tokio::spawn(async move {
                while let Some(progress) = milestones.recv().await {
                    if let Progress::Contributed {
                        result_hash,
                        tx: Some(tx),
                    } = progress
                    {
                        let report = ReplicateReport::Contributed { result_hash, tx };
                        report_with_retries(&scheduler, task, &report, attempts).await;
                    }
                }
            })
        };
        let outcome = self
            .executor
            .execute_with_progress(&request, &move |progress| {
                let _ = sender.send(progress);
            })
            .await;
        let _ = reporter.await;
        let report = match &outcome {
            Ok(Outcome::Completed { tx, .. }) => ReplicateReport::Completed { tx: *tx },
            Ok(Outcome::Revealed { tx: Some(tx), .. }) => ReplicateReport::Revealed { tx: *tx },
            Ok(Outcome::Revealed { tx: None, .. }) => {
                // Revealed by an earlier run of this worker, which reported it.
                upload(&self.executor, &self.scheduler, task, self.attempts).await;
                lock(&self.status).succeeded += 1;
                return;
            }
            Err(failure) => {
                tracing::warn!(%task, cause = %failure.cause, "replicate failed");
                ReplicateReport::Failed(failure.clone())
            }
        };
        report_with_retries(&self.scheduler, task, &report, self.attempts).await;
        if matches!(outcome, Ok(Outcome::Revealed { .. })) {
            upload(&self.executor, &self.scheduler, task, self.attempts).await;
        }
        let mut status = lock(&self.status);
        if outcome.is_ok() {
            status.succeeded += 1;
        } else {
            status.failed += 1;
        }
    }
}

/// Sends `report`, retrying transient failures.
async fn report_with_retries(
    scheduler: &SchedulerClient,
    task: B256,
    report: &ReplicateReport,
    attempts: u32,
) {
    retry(attempts, || scheduler.report(task, report), "report").await;
}

/// Hands the result zip of `task` to the scheduler, then forgets it.
async fn upload(executor: &TaskExecutor, scheduler: &SchedulerClient, task: B256, attempts: u32) {
    let path = executor.result_zip_path(task);
    let zip = match tokio::fs::read(&path).await {
        Ok(zip) => zip,
        Err(error) => {
            tracing::warn!(%task, %error, "the result zip is gone");
            return;
        }
    };
    let uploaded = retry(
        attempts,
        || scheduler.upload_result(task, zip.clone()),
        "result upload",
    )
    .await;
    if !uploaded {
        return;
    }
    if let Err(error) = executor.discard_result(task) {
        tracing::warn!(%task, %error, "cannot remove the uploaded result");
    }
}

/// Calls `call` until it succeeds, fails for good, or `attempts` are spent; whether it
/// succeeded.
async fn retry<F, Fut>(attempts: u32, mut call: F, what: &str) -> bool
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), SchedulerClientError>>,
{
    let mut delay = Duration::from_millis(200);
    for attempt in 1..=attempts.max(1) {
        match call().await {
            Ok(()) => return true,
            Err(error) if error.is_transient() && attempt < attempts => {
                tracing::warn!(%error, attempt, "{what} failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(error) => {
                tracing::warn!(%error, "{what} failed");
                return false;
            }
        }
    }
    false
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
