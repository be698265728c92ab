//! A dev chain with an app, a dataset and a workerpool, and a market serving it from a database
//! that outlives restarts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_provider::RootProvider;
use alloy_signer_local::PrivateKeySigner;
use confide_chain::client::{Client, ClientConfig, FixtureRoles, LocalChain};
use confide_chain::scenario::{Assets, OrderDraft, Terms};
use confide_market::store::Store;
use confide_market::{Market, MarketClient, MarketConfig, MarketServer, PublishedOrder};
use confide_protocol::order::AnyOrder;
use confide_protocol::{Domain, SignedOrder};
use serde::de::DeserializeOwned;

/// Runs each named `async fn(String)` (a database URL) on a fresh SQLite file and, when a
/// PostgreSQL server is available (`scripts/postgres`), a fresh PostgreSQL database.
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}/market.db", dir.path().display());
                super::$test(url).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(url) = confide_db::testing::postgres_database().await else { return };
                super::$test(url).await;
            }
        }
    )*};
}
pub(crate) use on_both_databases;

/// The dev accounts by role.
pub(crate) struct Roles {
    pub(crate) owner: PrivateKeySigner,
    pub(crate) app_developer: PrivateKeySigner,
    pub(crate) data_owner: PrivateKeySigner,
    pub(crate) scheduler: PrivateKeySigner,
    pub(crate) requester: PrivateKeySigner,
    pub(crate) stranger: PrivateKeySigner,
}

/// Everything a test needs; the servers stop when it is dropped.
pub(crate) struct World {
    /// Signs for every dev account.
    pub(crate) chain: Client<RootProvider>,
    pub(crate) roles: Roles,
    pub(crate) assets: Assets,
    pub(crate) domain: Domain,
    pub(crate) market: Arc<Market>,
    pub(crate) url: String,
    pub(crate) client: MarketClient,
    database: String,
    config: MarketConfig,
    server: Option<MarketServer>,
    local: LocalChain,
}

pub(crate) fn client_config() -> ClientConfig {
    ClientConfig {
        poll_interval: Duration::from_millis(20),
        ..ClientConfig::default()
    }
}

impl World {
    /// A fresh chain with the fixture's assets and a market on `database`.
    pub(crate) async fn start(database: &str) -> Self {
        Self::start_with(
            database,
            MarketConfig {
                poll_interval: Duration::from_millis(20),
                ..MarketConfig::default()
            },
        )
        .await
    }

    pub(crate) async fn start_with(database: &str, config: MarketConfig) -> Self {
        let local = LocalChain::start().await.unwrap();
        let chain = local.client(client_config()).await.unwrap();
        let accounts = &local.accounts;
        let roles = Roles {
            owner: accounts[0].clone(),
            app_developer: accounts[1].clone(),
            data_owner: accounts[2].clone(),
            scheduler: accounts[3].clone(),
            requester: accounts[5].clone(),
            stranger: accounts[6].clone(),
        };
        let fixture = FixtureRoles {
            funder: roles.owner.address(),
            app_developer: roles.app_developer.address(),
            data_owner: roles.data_owner.address(),
            scheduler: roles.scheduler.address(),
            requester: roles.requester.address(),
        };
        let assets = chain
            .register_tee_fixture(&fixture, keccak256("market tests app"))
            .await
            .unwrap();
        let domain = chain.domain();
        let (market, server, url) = serve(&local, database, &config).await;
        let client = MarketClient::new(&url, chain.chain_id()).unwrap();
        Self {
            chain,
            roles,
            assets,
            domain,
            market,
            url,
            client,
            database: database.to_owned(),
            config,
            server: Some(server),
            local,
        }
    }

    /// Stops the market (server and watcher).
    pub(crate) async fn stop_market(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
    }

    /// Starts the market again on the same database (a new process would do the same).
    pub(crate) async fn start_market(&mut self) {
        let (market, server, url) = serve(&self.local, &self.database, &self.config).await;
        self.client = MarketClient::new(&url, self.chain.chain_id()).unwrap();
        self.market = market;
        self.url = url;
        self.server = Some(server);
    }

    /// Orders for the fixture's assets on `terms`, requested by the requester.
    pub(crate) fn draft(&self, terms: &Terms) -> OrderDraft {
        OrderDraft::new(&self.assets, terms, self.roles.requester.address())
    }

    pub(crate) fn sign<O: AnyOrder>(&self, order: O, signer: &PrivateKeySigner) -> SignedOrder<O> {
        SignedOrder::sign(order, &self.domain, signer).unwrap()
    }

    /// Waits until the market has applied every block mined so far.
    pub(crate) async fn synced(&self) {
        let head = self.chain.block_number().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.market.watched_block() <= head {
            assert!(
                Instant::now() < deadline,
                "the market did not reach block {head}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub(crate) fn app(&self) -> Address {
        self.assets.app
    }

    pub(crate) fn dataset(&self) -> Address {
        self.assets.dataset.unwrap()
    }

    pub(crate) fn workerpool(&self) -> Address {
        self.assets.workerpool
    }
}

async fn serve(
    local: &LocalChain,
    database: &str,
    config: &MarketConfig,
) -> (Arc<Market>, MarketServer, String) {
    let store = Store::open(database).await.unwrap();
    let reader = local.reader(client_config()).await.unwrap();
    let market = Arc::new(Market::new(store, reader, config.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = confide_market::serve(listener, market.clone())
        .await
        .unwrap();
    let url = format!("http://{}", server.local_addr());
    (market, server, url)
}

/// A published order as one of the four typed orders (to match it on-chain).
pub(crate) fn typed<O: AnyOrder>(published: &PublishedOrder) -> SignedOrder<O>
where
    SignedOrder<O>: DeserializeOwned,
{
    serde_json::from_value(serde_json::to_value(&published.order).unwrap()).unwrap()
}

/// A salt of its own for each `n`.
pub(crate) fn salt(n: u64) -> B256 {
    keccak256(n.to_be_bytes())
}

/// `n` nRLC.
pub(crate) fn nrlc(n: u64) -> U256 {
    U256::from(n)
}
