//! A dev chain on 127.0.0.1 with a client of every dev account, the assets of a task and
//! funded accounts; indexers over it on any database, their API served on 127.0.0.1.

use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_provider::{Provider, RootProvider};
use alloy_signer_local::PrivateKeySigner;
use confide_chain::artifacts::bindings::{IConfide, IDataProtector, IERC20};
use confide_chain::client::{Client, ClientConfig, FixtureRoles, LocalChain};
use confide_chain::scenario::{Assets, OrderDraft, RLC, Terms};
use confide_indexer::{
    FollowConfig, Follower, Indexer, IndexerClient, IndexerServer, Store, serve,
};
use confide_protocol::SignedOrder;
use confide_protocol::authorization::{enclave_signature_message, worker_authorization_hash};
use confide_protocol::result::{result_hash, result_seal};
use confide_protocol::signature::sign_personal;
use serde_json::json;

pub(crate) type Chain = Client<RootProvider>;

/// Polls fast: the chain is local.
pub(crate) fn fast_config() -> ClientConfig {
    ClientConfig {
        poll_interval: Duration::from_millis(20),
        ..ClientConfig::default()
    }
}

/// Retries fast.
pub(crate) fn follow_config() -> FollowConfig {
    FollowConfig {
        retry_delay: Duration::from_millis(50),
        ..FollowConfig::default()
    }
}

/// The dev accounts by role.
pub(crate) struct Roles {
    pub(crate) owner: PrivateKeySigner,
    pub(crate) app_developer: PrivateKeySigner,
    pub(crate) data_owner: PrivateKeySigner,
    pub(crate) scheduler: PrivateKeySigner,
    pub(crate) worker: PrivateKeySigner,
    pub(crate) requester: PrivateKeySigner,
    pub(crate) other_requester: PrivateKeySigner,
    pub(crate) stranger: PrivateKeySigner,
}

impl Roles {
    pub(crate) fn of(accounts: &[PrivateKeySigner]) -> Self {
        Self {
            owner: accounts[0].clone(),
            app_developer: accounts[1].clone(),
            data_owner: accounts[2].clone(),
            scheduler: accounts[3].clone(),
            worker: accounts[4].clone(),
            requester: accounts[5].clone(),
            other_requester: accounts[6].clone(),
            stranger: accounts[7].clone(),
        }
    }

    pub(crate) fn all(&self) -> Vec<Address> {
        [
            &self.owner,
            &self.app_developer,
            &self.data_owner,
            &self.scheduler,
            &self.worker,
            &self.requester,
            &self.other_requester,
            &self.stranger,
        ]
        .iter()
        .map(|s| s.address())
        .collect()
    }
}

/// The chain side of a test; the node stops when it is dropped.
pub(crate) struct World {
    pub(crate) chain: Arc<Chain>,
    pub(crate) roles: Roles,
    local: LocalChain,
}

impl World {
    pub(crate) async fn start() -> Self {
        let local = LocalChain::start().await.unwrap();
        let chain = local.client(fast_config()).await.unwrap();
        let roles = Roles::of(&local.accounts);
        Self {
            chain: Arc::new(chain),
            roles,
            local,
        }
    }

    /// A follower of this chain (its own read-only client) into the database at `url`.
    pub(crate) async fn follower(&self, url: &str, config: FollowConfig) -> Follower<RootProvider> {
        let reader = self.local.reader(fast_config()).await.unwrap();
        let store = Store::open(url).await.unwrap();
        Follower::new(Arc::new(reader), store, config)
    }

    /// Moves the chain's clock forward.
    pub(crate) async fn increase_time(&self, seconds: u64) {
        self.chain
            .provider()
            .raw_request::<_, serde_json::Value>("evm_increaseTime".into(), json!([seconds]))
            .await
            .unwrap();
    }

    /// A protected data created through DataProtector by `owner`.
    pub(crate) async fn protect(
        &self,
        owner: &PrivateKeySigner,
        name: &str,
        schema: &str,
    ) -> Address {
        protect(&self.chain, owner.address(), name, schema).await
    }
}

/// A protected data created through DataProtector's `createDatasetWithSchema`.
pub(crate) async fn protect<P: Provider>(
    chain: &Client<P>,
    owner: Address,
    name: &str,
    schema: &str,
) -> Address {
    let data_protector = chain.deployment().data_protector.unwrap();
    let mined = chain
        .send(
            owner,
            data_protector,
            &IDataProtector::createDatasetWithSchemaCall {
                owner,
                name: name.into(),
                schema: schema.into(),
                multiaddr: Bytes::from_static(b"https://example.com/sealed.zip"),
                checksum: keccak256(name),
            },
        )
        .await
        .unwrap();
    mined
        .event::<IDataProtector::DatasetSchema>()
        .unwrap()
        .dataset
}

/// The API over `follower`, served on 127.0.0.1, and a client of it.
pub(crate) async fn serve_api(follower: &Follower<RootProvider>) -> (IndexerServer, IndexerClient) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = serve(listener, Arc::new(Indexer::new(follower)))
        .await
        .unwrap();
    let client = IndexerClient::new(&server.url()).unwrap();
    (server, client)
}

/// What the market made: deals and tasks through their whole lifecycle.
pub(crate) struct Market {
    pub(crate) assets: Assets,
    /// TEE, with the dataset, volume 2: task 0 completed, task 1 claimed (failed).
    pub(crate) tee_deal: B256,
    pub(crate) tee_tasks: [B256; 2],
    /// Standard, trust 1, with the dataset, by the other requester: contribute, reveal,
    /// finalize (completed).
    pub(crate) standard_deal: B256,
    pub(crate) standard_task: B256,
    /// Standard, no dataset: contribute, reveal deadline missed, reopened, claimed (failed).
    pub(crate) reopened_deal: B256,
    pub(crate) reopened_task: B256,
}

pub(crate) fn rlc(n: u64) -> U256 {
    U256::from(n * RLC)
}

impl World {
    /// Registers the assets and funds the accounts.
    pub(crate) async fn assets(&self) -> Assets {
        let roles = &self.roles;
        let fixture = FixtureRoles {
            funder: roles.owner.address(),
            app_developer: roles.app_developer.address(),
            data_owner: roles.data_owner.address(),
            scheduler: roles.scheduler.address(),
            requester: roles.requester.address(),
        };
        let assets = self
            .chain
            .register_tee_fixture(&fixture, keccak256("app"))
            .await
            .unwrap();
        for (who, amount) in [
            (roles.other_requester.address(), 100),
            (roles.worker.address(), 20),
        ] {
            self.chain
                .send(
                    roles.owner.address(),
                    self.chain.deployment().token,
                    &IERC20::transferCall {
                        to: who,
                        value: rlc(amount),
                    },
                )
                .await
                .unwrap();
            self.chain.deposit(who, rlc(amount)).await.unwrap();
        }
        assets
    }

    /// Signs and matches the orders of `terms` on `assets` for `requester`.
    pub(crate) async fn deal(
        &self,
        assets: &Assets,
        terms: &Terms,
        requester: &PrivateKeySigner,
    ) -> B256 {
        let domain = self.chain.domain();
        let roles = &self.roles;
        let draft = OrderDraft::new(assets, terms, requester.address());
        let app = SignedOrder::sign(draft.app, &domain, &roles.app_developer).unwrap();
        let dataset = draft
            .dataset
            .map(|order| SignedOrder::sign(order, &domain, &roles.data_owner).unwrap());
        let workerpool = SignedOrder::sign(draft.workerpool, &domain, &roles.scheduler).unwrap();
        let request = SignedOrder::sign(draft.request, &domain, requester).unwrap();
        self.chain
            .match_orders(
                requester.address(),
                &app,
                dataset.as_ref(),
                &workerpool,
                &request,
            )
            .await
            .unwrap()
    }

    pub(crate) async fn initialize(&self, deal: B256, index: u64) -> B256 {
        self.chain
            .initialize(self.roles.scheduler.address(), deal, index)
            .await
            .unwrap()
    }

    /// The worker completes a TEE task at once.
    pub(crate) async fn contribute_and_finalize(&self, task: B256) {
        let worker = self.roles.worker.address();
        let enclave = PrivateKeySigner::random();
        let digest = keccak256("tee result");
        let seal = result_seal(worker, task, digest);
        let enclave_sign = sign_personal(
            &enclave,
            &enclave_signature_message(result_hash(task, digest), seal),
        )
        .unwrap();
        let authorization = sign_personal(
            &self.roles.scheduler,
            &worker_authorization_hash(worker, task, enclave.address()),
        )
        .unwrap();
        self.chain
            .contribute_and_finalize(
                worker,
                &IConfide::contributeAndFinalizeCall {
                    taskId: task,
                    resultDigest: digest,
                    results: Bytes::from_static(b"/ipfs/bafkreitee"),
                    resultsCallback: Bytes::new(),
                    enclaveChallenge: enclave.address(),
                    enclaveSign: enclave_sign,
                    authorizationSign: authorization,
                },
            )
            .await
            .unwrap();
    }

    /// The worker contributes `digest` to a standard task (consensus at trust 1).
    pub(crate) async fn contribute(&self, task: B256, digest: B256) {
        let worker = self.roles.worker.address();
        let authorization = sign_personal(
            &self.roles.scheduler,
            &worker_authorization_hash(worker, task, Address::ZERO),
        )
        .unwrap();
        let call = IConfide::contributeCall {
            taskId: task,
            resultHash: result_hash(task, digest),
            resultSeal: result_seal(worker, task, digest),
            enclaveChallenge: Address::ZERO,
            enclaveSign: Bytes::new(),
            authorizationSign: authorization,
        };
        self.chain.protocol_send(worker, &call).await.unwrap();
    }

    /// Every deal and task of [`Market`].
    pub(crate) async fn market(&self) -> Market {
        let assets = self.assets().await;
        let roles = &self.roles;
        let tee_terms = Terms {
            volume: U256::from(2),
            ..Terms::tee()
        };
        let tee_deal = self.deal(&assets, &tee_terms, &roles.requester).await;
        let tee_task = self.initialize(tee_deal, 0).await;
        self.contribute_and_finalize(tee_task).await;
        let claimed_task = self.initialize(tee_deal, 1).await;

        let standard_terms = Terms {
            salt: 1,
            ..Terms::default()
        };
        let standard_deal = self
            .deal(&assets, &standard_terms, &roles.other_requester)
            .await;
        let standard_task = self.initialize(standard_deal, 0).await;
        let digest = keccak256("standard result");
        self.contribute(standard_task, digest).await;
        let worker = roles.worker.address();
        self.chain
            .protocol_send(
                worker,
                &IConfide::revealCall {
                    taskId: standard_task,
                    resultDigest: digest,
                },
            )
            .await
            .unwrap();
        self.chain
            .protocol_send(
                roles.scheduler.address(),
                &IConfide::finalizeCall {
                    taskId: standard_task,
                    results: Bytes::from_static(b"/ipfs/bafkreistandard"),
                    resultsCallback: Bytes::new(),
                },
            )
            .await
            .unwrap();

        let no_dataset = Assets {
            dataset: None,
            ..assets
        };
        let reopened_terms = Terms {
            salt: 2,
            ..Terms::default()
        };
        let reopened_deal = self
            .deal(&no_dataset, &reopened_terms, &roles.requester)
            .await;
        let reopened_task = self.initialize(reopened_deal, 0).await;
        self.contribute(reopened_task, keccak256("never revealed"))
            .await;
        // Past the reveal deadline (2 × 300 s) with no reveal: the scheduler reopens.
        self.increase_time(700).await;
        self.chain
            .protocol_send(
                roles.scheduler.address(),
                &IConfide::reopenCall {
                    taskId: reopened_task,
                },
            )
            .await
            .unwrap();
        // Past every final deadline (10 × 300 s): unfinished tasks are claimed.
        self.increase_time(3_000).await;
        for task in [reopened_task, claimed_task] {
            self.chain
                .protocol_send(
                    roles.stranger.address(),
                    &IConfide::claimCall { taskId: task },
                )
                .await
                .unwrap();
        }
        Market {
            assets,
            tee_deal,
            tee_tasks: [tee_task, claimed_task],
            standard_deal,
            standard_task,
            reopened_deal,
            reopened_task,
        }
    }
}
