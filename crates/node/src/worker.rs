//! The workers, in process, like `confide worker --tee sim`: each a dev account, its task
//! directory in the data directory, attesting with the dev simulator.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use alloy_primitives::{Address, U256};
use alloy_provider::RootProvider;
use alloy_signer_local::PrivateKeySigner;
use confide_chain::client::Client;
use confide_sandbox::Sandbox;
use confide_storage::Storage;
use confide_tee::Attester;
use confide_worker::{
    AgentConfig, AgentStatus, ExecutorConfig, ResourcePolicy, SchedulerClient, TaskExecutor,
    WorkerAgent,
};
use std::time::Duration;
use tokio::sync::oneshot;

use crate::{Background, NodeError};

const SERVICE: &str = "worker";

/// The free stake each worker keeps deposited (replicated tasks need it), 10 RLC in nRLC.
const WORKER_STAKE: u64 = 10 * crate::RLC;

/// What a worker needs from the node.
pub(crate) struct WorkerSetup {
    pub(crate) signer: PrivateKeySigner,
    pub(crate) chain: Client<RootProvider>,
    pub(crate) work_dir: PathBuf,
    pub(crate) storage: Arc<dyn Storage>,
    pub(crate) attester: Arc<dyn Attester>,
    pub(crate) sandbox: Arc<Sandbox>,
    pub(crate) scheduler_url: String,
    pub(crate) poll_interval: Duration,
    pub(crate) capacity: u32,
}

/// A worker ready to run: staked, its executor built.
pub(crate) struct PreparedWorker {
    address: Address,
    agent: WorkerAgent,
}

/// A running worker.
#[derive(Debug)]
pub(crate) struct WorkerService {
    address: Address,
    status: Arc<Mutex<AgentStatus>>,
    stop: oneshot::Sender<()>,
    task: Background<()>,
}

impl std::fmt::Debug for PreparedWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedWorker")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

/// Tops up the worker's stake and builds its executor and agent.
pub(crate) async fn prepare(setup: WorkerSetup) -> Result<PreparedWorker, NodeError> {
    let failed =
        |error: Box<dyn std::error::Error + Send + Sync>| NodeError::service(SERVICE)(error);
    let WorkerSetup {
        signer,
        mut chain,
        work_dir,
        storage,
        attester,
        sandbox,
        scheduler_url,
        poll_interval,
        capacity,
    } = setup;
    let address = chain.add_signer(signer.clone());
    confide_worker::top_up_stake(&chain, address, U256::from(WORKER_STAKE))
        .await
        .map_err(|error| failed(Box::new(error)))?;
    std::fs::create_dir_all(&work_dir).map_err(NodeError::io("create", &work_dir))?;
    let executor = TaskExecutor::new(ExecutorConfig {
        signer: signer.clone(),
        chain,
        storage,
        attester: Some(attester),
        sandbox,
        work_dir,
        policy: ResourcePolicy::default(),
    })
    .map_err(|error| failed(Box::new(error)))?;
    let scheduler =
        SchedulerClient::new(&scheduler_url, signer).map_err(|error| failed(Box::new(error)))?;
    let agent = WorkerAgent::new(
        executor,
        scheduler,
        AgentConfig {
            capacity,
            poll_interval,
            ..AgentConfig::default()
        },
    );
    Ok(PreparedWorker { address, agent })
}

impl PreparedWorker {
    /// Starts the worker's loop: it registers with the scheduler, then pulls tasks.
    pub(crate) fn spawn(self) -> WorkerService {
        let status = self.agent.status();
        let (stop, stopped) = oneshot::channel::<()>();
        let agent = self.agent;
        let task = Background::spawn(async move {
            agent
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        });
        WorkerService {
            address: self.address,
            status,
            stop,
            task,
        }
    }
}

impl WorkerService {
    pub(crate) fn address(&self) -> Address {
        self.address
    }

    /// Whether the scheduler accepted the worker's registration.
    pub(crate) fn registered(&self) -> bool {
        self.status
            .lock()
            .map(|status| status.registered.is_some())
            .unwrap_or(false)
    }

    pub(crate) async fn shutdown(self) {
        let _ = self.stop.send(());
        self.task.join().await;
    }
}
