//! A dev chain with a TEE app, a dataset and a workerpool, and an SMS serving it.

use std::sync::Arc;
use std::time::Duration;

use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_provider::RootProvider;
use alloy_signer_local::PrivateKeySigner;
use confide_chain::client::{Client, ClientConfig, FixtureRoles, LocalChain};
use confide_chain::scenario::{Assets, OrderDraft, Terms};
use confide_protocol::authorization::WorkerpoolAuthorization;
use confide_protocol::order::DatasetOrder;
use confide_protocol::{SignedOrder, Tag, ids};
use confide_sms::store::{MasterKey, Store};
use confide_sms::{SessionRequest, Sms, SmsClient, SmsConfig, SmsServer};
use confide_tee::Attester as _;
use confide_tee::session::EnclaveSession;
use confide_tee_sim::{SimAttester, SimVerifier};
use sha2::Digest as _;

/// The dev accounts by role.
pub(crate) struct Roles {
    pub(crate) owner: PrivateKeySigner,
    pub(crate) app_developer: PrivateKeySigner,
    pub(crate) data_owner: PrivateKeySigner,
    pub(crate) scheduler: PrivateKeySigner,
    pub(crate) worker: PrivateKeySigner,
    pub(crate) requester: PrivateKeySigner,
    pub(crate) stranger: PrivateKeySigner,
}

/// Everything a test needs; the servers stop when it is dropped.
pub(crate) struct World {
    pub(crate) chain: Client<RootProvider>,
    pub(crate) roles: Roles,
    pub(crate) assets: Assets,
    /// The app's on-chain checksum: the digest the enclave must attest.
    pub(crate) app_digest: B256,
    pub(crate) sms: Arc<Sms>,
    pub(crate) sms_url: String,
    pub(crate) client: SmsClient,
    pub(crate) attester: SimAttester,
    _sms_server: SmsServer,
    _chain: LocalChain,
    _dir: tempfile::TempDir,
}

/// A deal's first task, initialized.
pub(crate) struct ActiveTask {
    pub(crate) deal: B256,
    pub(crate) task: B256,
}

impl World {
    /// The world with an SMS in dev mode (simulated evidence accepted) or not.
    pub(crate) async fn start(dev_mode: bool) -> Self {
        let config = SmsConfig {
            dev_mode,
            ..SmsConfig::default()
        };
        Self::start_with(config, None).await
    }

    /// The world with an SMS of `config`, verifying simulator evidence and, when given, the
    /// evidence `verifier` reads.
    pub(crate) async fn start_with(
        sms_config: SmsConfig,
        verifier: Option<Arc<dyn confide_tee::Verifier>>,
    ) -> Self {
        let chain = LocalChain::start().await.unwrap();
        let config = ClientConfig {
            poll_interval: Duration::from_millis(20),
            ..ClientConfig::default()
        };
        let client = chain.client(config.clone()).await.unwrap();
        let accounts = &chain.accounts;
        let roles = Roles {
            owner: accounts[0].clone(),
            app_developer: accounts[1].clone(),
            data_owner: accounts[2].clone(),
            scheduler: accounts[3].clone(),
            worker: accounts[4].clone(),
            requester: accounts[5].clone(),
            stranger: accounts[6].clone(),
        };
        let app_digest = B256::from(<[u8; 32]>::from(sha2::Sha256::digest(b"hello iApp module")));
        let fixture = FixtureRoles {
            funder: roles.owner.address(),
            app_developer: roles.app_developer.address(),
            data_owner: roles.data_owner.address(),
            scheduler: roles.scheduler.address(),
            requester: roles.requester.address(),
        };
        let assets = client
            .register_tee_fixture(&fixture, app_digest)
            .await
            .unwrap();

        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(
            &format!("sqlite://{}", dir.path().join("sms.db").display()),
            &MasterKey::generate(),
        )
        .await
        .unwrap();
        let sms_chain = chain.reader(config).await.unwrap();
        let attester = SimAttester::from_seed(b"sms tests", [7; 32]);
        let mut sms = Sms::new(store, sms_chain, sms_config)
            .with_verifier(Arc::new(SimVerifier::trusting(&attester)));
        if let Some(verifier) = verifier {
            sms = sms.with_verifier(verifier);
        }
        let sms = Arc::new(sms);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sms_server = confide_sms::serve(listener, sms.clone()).await.unwrap();
        let sms_url = format!("http://{}", sms_server.local_addr());
        let client_of_sms = SmsClient::new(&sms_url).unwrap();
        Self {
            chain: client,
            roles,
            assets,
            app_digest,
            sms,
            sms_url,
            client: client_of_sms,
            attester,
            _sms_server: sms_server,
            _chain: chain,
            _dir: dir,
        }
    }

    /// TEE terms: volume 2, the requester's params.
    pub(crate) fn terms(params: &str) -> Terms {
        Terms {
            volume: U256::from(2),
            params: params.to_owned(),
            ..Terms::tee()
        }
    }

    /// [`World::terms`] with no params and other salts: another deal.
    pub(crate) fn terms_salted(salt: u64) -> Terms {
        Terms {
            salt,
            ..Self::terms("{}")
        }
    }

    /// Matches a deal of `terms` (with the dataset unless `bulk`) and initializes task 0.
    pub(crate) async fn active_task(&self, terms: &Terms, bulk: bool) -> ActiveTask {
        let domain = self.chain.domain();
        let requester = self.roles.requester.address();
        let assets = Assets {
            dataset: if bulk { None } else { self.assets.dataset },
            ..self.assets
        };
        let draft = OrderDraft::new(&assets, terms, requester);
        let app = SignedOrder::sign(draft.app, &domain, &self.roles.app_developer).unwrap();
        let dataset = draft
            .dataset
            .map(|order| SignedOrder::sign(order, &domain, &self.roles.data_owner).unwrap());
        let workerpool =
            SignedOrder::sign(draft.workerpool, &domain, &self.roles.scheduler).unwrap();
        let request = SignedOrder::sign(draft.request, &domain, &self.roles.requester).unwrap();
        let deal = self
            .chain
            .match_orders(requester, &app, dataset.as_ref(), &workerpool, &request)
            .await
            .unwrap();
        let task = self
            .chain
            .initialize(self.roles.scheduler.address(), deal, 0)
            .await
            .unwrap();
        ActiveTask { deal, task }
    }

    /// A bulk-grade dataset order of the dataset, restricted to `app` and `requester`.
    pub(crate) fn bulk_order(&self, app: Address, requester: Address) -> SignedOrder<DatasetOrder> {
        let order = DatasetOrder {
            dataset: self.assets.dataset.unwrap(),
            datasetprice: U256::ZERO,
            volume: U256::from(9_007_199_254_740_991_u64),
            tag: Tag::from_bits(&[confide_protocol::tag::TagBit::Tee]).0,
            apprestrict: app,
            workerpoolrestrict: Address::ZERO,
            requesterrestrict: requester,
            salt: keccak256(format!("{app}{requester}")),
        };
        SignedOrder::sign(order, &self.chain.domain(), &self.roles.data_owner).unwrap()
    }

    /// The scheduler gets the task's enclave challenge and authorizes the worker.
    pub(crate) async fn authorize(&self, task: &ActiveTask) -> WorkerpoolAuthorization {
        let challenge = self
            .client
            .enclave_challenge(&self.roles.scheduler, task.task)
            .await
            .unwrap();
        authorization(
            task,
            self.roles.worker.address(),
            challenge,
            &self.roles.scheduler,
        )
    }

    /// An enclave session for `task` running the app, and the request it sends.
    pub(crate) fn session(
        &self,
        authorization: WorkerpoolAuthorization,
    ) -> (EnclaveSession, SessionRequest) {
        let session = EnclaveSession::new(
            authorization.chain_task_id,
            self.app_digest,
            authorization.enclave_challenge,
        )
        .unwrap();
        let evidence = self.attester.attest(&session.report_data()).unwrap();
        let request = SessionRequest {
            authorization,
            binding: session.binding().clone(),
            evidence,
            dataset_orders: Vec::new(),
        };
        (session, request)
    }

    /// Pushes the dataset key.
    pub(crate) async fn push_dataset_key(&self, key: &str) {
        self.client
            .push_dataset_key(&self.roles.data_owner, self.assets.dataset.unwrap(), key)
            .await
            .unwrap();
    }
}

/// A worker authorization for `task`, signed by `signer`.
pub(crate) fn authorization(
    task: &ActiveTask,
    worker: Address,
    challenge: Address,
    signer: &PrivateKeySigner,
) -> WorkerpoolAuthorization {
    let mut authorization = WorkerpoolAuthorization {
        chain_task_id: ids::task_id(task.deal, U256::ZERO),
        deal_id: task.deal,
        task_index: U256::ZERO,
        worker_wallet: worker,
        enclave_challenge: challenge,
        signature: Bytes::new(),
    };
    assert_eq!(authorization.chain_task_id, task.task);
    authorization.sign(signer).unwrap();
    authorization
}
