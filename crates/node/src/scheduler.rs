//! The workerpool and its scheduler, like `confide scheduler`: the pool is registered at the
//! first start by its dev account and recorded in the data directory, so a restart runs the
//! same pool; its TEE order (tag tee+tdx, category 0) is kept on sale on the market.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::{Address, U256};
use alloy_provider::RootProvider;
use alloy_signer_local::PrivateKeySigner;
use confide_chain::artifacts::bindings::IWorkerpoolRegistry;
use confide_chain::client::Client;
use confide_protocol::Tag;
use confide_scheduler::{
    MarketPublishing, OrderPolicy, Scheduler, SchedulerConfig, SchedulerServer, SchedulerTasks,
    Timing,
};
use confide_storage::Storage;
use tokio::net::TcpListener;

use crate::NodeError;

const SERVICE: &str = "scheduler";

/// The file in the scheduler's directory recording its pool.
pub const WORKERPOOL_FILE: &str = "workerpool";

/// The pool owner's deposit, kept topped up at each start: the scheduler locks 30 % of each
/// deal's pool price from it (1 000 RLC, in nRLC).
const POOL_DEPOSIT: u64 = 1_000 * crate::RLC;

/// What the scheduler needs from the node.
#[derive(Debug)]
pub(crate) struct SchedulerSetup<'a> {
    pub(crate) dir: &'a Path,
    pub(crate) listener: TcpListener,
    pub(crate) chain: Client<RootProvider>,
    pub(crate) owner: PrivateKeySigner,
    pub(crate) storage: Arc<dyn Storage>,
    pub(crate) sms_url: String,
    pub(crate) market_url: String,
    pub(crate) poll_interval: Duration,
}

/// The running scheduler: its workers' API and its background loops.
#[derive(Debug)]
pub(crate) struct SchedulerService {
    url: String,
    workerpool: Address,
    server: SchedulerServer,
    tasks: SchedulerTasks,
}

impl SchedulerService {
    pub(crate) async fn start(setup: SchedulerSetup<'_>) -> Result<Self, NodeError> {
        let failed =
            |error: Box<dyn std::error::Error + Send + Sync>| NodeError::service(SERVICE)(error);
        let SchedulerSetup {
            dir,
            listener,
            mut chain,
            owner,
            storage,
            sms_url,
            market_url,
            poll_interval,
        } = setup;
        let owner_address = chain.add_signer(owner.clone());
        let workerpool = recorded_or_new_workerpool(&chain, owner_address, dir).await?;
        confide_worker::top_up_stake(&chain, owner_address, U256::from(POOL_DEPOSIT))
            .await
            .map_err(|error| failed(Box::new(error)))?;
        let database = format!("sqlite://{}", dir.join("scheduler.db").display());
        let config = SchedulerConfig {
            sms_url: Some(sms_url),
            timing: Timing {
                poll_interval,
                ..Timing::default()
            },
            market: Some(MarketPublishing {
                url: market_url,
                policy: OrderPolicy {
                    tag: Tag::from_names(&["tee", "tdx"])
                        .map_err(|error| failed(Box::new(error)))?,
                    category: U256::ZERO,
                    ..OrderPolicy::default()
                },
            }),
            ..SchedulerConfig::new(workerpool, database)
        };
        let scheduler = Arc::new(
            Scheduler::new(config, chain, owner, storage)
                .await
                .map_err(|error| failed(Box::new(error)))?,
        );
        let tasks = scheduler.spawn();
        let url = crate::url_of(&listener);
        let server = confide_scheduler::serve(listener, scheduler)
            .await
            .map_err(|error| failed(Box::new(error)))?;
        Ok(Self {
            url,
            workerpool,
            server,
            tasks,
        })
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn workerpool(&self) -> Address {
        self.workerpool
    }

    pub(crate) async fn shutdown(self) {
        self.server.shutdown().await;
        self.tasks.shutdown().await;
    }
}

/// The pool recorded in `dir`, else a new one owned by `owner`, recorded there.
async fn recorded_or_new_workerpool(
    chain: &Client<RootProvider>,
    owner: Address,
    dir: &Path,
) -> Result<Address, NodeError> {
    let file = dir.join(WORKERPOOL_FILE);
    match std::fs::read_to_string(&file) {
        Ok(text) => {
            return text.trim().parse().map_err(|_| {
                NodeError::service(SERVICE)(
                    format!("{} does not hold an address", file.display()).into(),
                )
            });
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => return Err(NodeError::io("read", file)(error)),
    }
    let workerpool = chain
        .create_workerpool(
            owner,
            &IWorkerpoolRegistry::createWorkerpoolCall {
                owner,
                description: "confide dev workerpool".into(),
            },
        )
        .await
        .map_err(|error| NodeError::service(SERVICE)(Box::new(error)))?;
    std::fs::write(&file, format!("{workerpool}\n")).map_err(NodeError::io("write", &file))?;
    tracing::info!(%workerpool, "workerpool registered");
    Ok(workerpool)
}
