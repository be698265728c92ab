//! A dev chain, an SMS in dev mode trusting a simulated enclave, a local content-addressed
//! store, the hello iApp registered with its real checksum, and helpers to protect data, match
//! deals and authorize workers as a scheduler would.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::RootProvider;
use alloy_signer_local::PrivateKeySigner;
use confide_chain::artifacts::bindings::{
    IAppRegistry, IDatasetRegistry, IERC20, IWorkerpoolRegistry,
};
use confide_chain::client::{Client, ClientConfig, LocalChain};
use confide_chain::scenario::{Assets, OrderDraft, RLC, Terms};
use confide_crypto::protected_data::{DataObject, serialize};
use confide_crypto::result::{ResultDecryptionKey, ResultLimits, decrypt_result};
use confide_crypto::seal::{SealFormat, SealKey, seal};
use confide_protocol::authorization::WorkerpoolAuthorization;
use confide_protocol::result::ResultLocation;
use confide_protocol::{SignedOrder, ids};
use confide_sandbox::{Sandbox, SandboxConfig};
use confide_sms::release::RESULT_ENCRYPTION_KEY_NAME;
use confide_sms::store::{MasterKey, Store};
use confide_sms::{Sms, SmsClient, SmsConfig, SmsServer};
use confide_storage::backend::{bytes_stream, collect};
use confide_storage::{ByteRange, Cid, LocalStore, Storage};
use confide_tee_sim::{SimAttester, SimVerifier};
use confide_worker::{Backoff, ExecutionRequest, ExecutorConfig, ResourcePolicy, TaskExecutor};
use sha2::Digest as _;
use std::io::Read as _;

/// The dev accounts by role.
pub(crate) struct Roles {
    pub(crate) owner: PrivateKeySigner,
    pub(crate) app_developer: PrivateKeySigner,
    pub(crate) data_owner: PrivateKeySigner,
    pub(crate) scheduler: PrivateKeySigner,
    pub(crate) worker: PrivateKeySigner,
    pub(crate) requester: PrivateKeySigner,
    pub(crate) stranger: PrivateKeySigner,
    /// More workers, for replicated tasks.
    pub(crate) workers: Vec<PrivateKeySigner>,
}

/// Everything a test needs; the servers stop when it is dropped.
pub(crate) struct World {
    pub(crate) chain: Client<RootProvider>,
    pub(crate) roles: Roles,
    pub(crate) workerpool: Address,
    /// The hello app, registered with the SHA-256 of its module.
    pub(crate) app: Address,
    pub(crate) wasm: Vec<u8>,
    pub(crate) storage: Arc<LocalStore>,
    pub(crate) sandbox: Arc<Sandbox>,
    pub(crate) sms_url: String,
    pub(crate) sms_client: SmsClient,
    pub(crate) work_root: tempfile::TempDir,
    sms: Arc<Sms>,
    pub(crate) sms_addr: SocketAddr,
    sms_server: Option<SmsServer>,
    local_chain: LocalChain,
    /// Added to the salt of every deal's orders: equal terms make distinct deals.
    deals: AtomicU64,
    _dir: tempfile::TempDir,
}

pub(crate) fn client_config() -> ClientConfig {
    ClientConfig {
        poll_interval: Duration::from_millis(20),
        ..ClientConfig::default()
    }
}

/// The attester of the workers' simulated enclave (the SMS trusts its key).
pub(crate) fn attester() -> SimAttester {
    SimAttester::from_seed(b"worker tests", [9; 32])
}

/// Fast retries, so failing tests end quickly.
pub(crate) fn test_policy() -> ResourcePolicy {
    ResourcePolicy {
        transfers: Backoff {
            attempts: 2,
            first_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(50),
        },
        sms: Backoff {
            attempts: 2,
            first_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(50),
        },
        chain_poll_interval: Duration::from_millis(50),
        ..ResourcePolicy::default()
    }
}

impl World {
    /// The world (an `Option` from when the hello app was built by the tests: always `Some`).
    pub(crate) async fn start() -> Option<Self> {
        let wasm = confide_worker::testing::hello_app()?;
        let local_chain = LocalChain::start().await.unwrap();
        let chain = local_chain.client(client_config()).await.unwrap();
        let accounts = &local_chain.accounts;
        let roles = Roles {
            owner: accounts[0].clone(),
            app_developer: accounts[1].clone(),
            data_owner: accounts[2].clone(),
            scheduler: accounts[3].clone(),
            worker: accounts[4].clone(),
            requester: accounts[5].clone(),
            stranger: accounts[6].clone(),
            workers: accounts[7..10].to_vec(),
        };
        let dir = tempfile::tempdir().unwrap();
        let storage = Arc::new(LocalStore::open(dir.path().join("store")).unwrap());
        let sandbox = Arc::new(Sandbox::new(SandboxConfig::default()).unwrap());

        let workerpool = chain
            .create_workerpool(
                roles.scheduler.address(),
                &IWorkerpoolRegistry::createWorkerpoolCall {
                    owner: roles.scheduler.address(),
                    description: "pool".into(),
                },
            )
            .await
            .unwrap();
        for who in [roles.requester.address(), roles.scheduler.address()] {
            let value = U256::from(1_000 * RLC);
            chain
                .send(
                    roles.owner.address(),
                    chain.deployment().token,
                    &IERC20::transferCall { to: who, value },
                )
                .await
                .unwrap();
            chain.deposit(who, value / U256::from(10)).await.unwrap();
        }

        let store = Store::open(
            &format!("sqlite://{}", dir.path().join("sms.db").display()),
            &MasterKey::generate(),
        )
        .await
        .unwrap();
        let sms_chain = local_chain.reader(client_config()).await.unwrap();
        let config = SmsConfig {
            dev_mode: true,
            ..SmsConfig::default()
        };
        let sms = Arc::new(
            Sms::new(store, sms_chain, config)
                .with_verifier(Arc::new(SimVerifier::trusting(&attester()))),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let sms_server = confide_sms::serve(listener, sms.clone()).await.unwrap();
        let sms_addr = sms_server.local_addr();
        let sms_url = format!("http://{sms_addr}");

        let mut world = Self {
            chain,
            roles,
            workerpool,
            app: Address::ZERO,
            wasm,
            storage,
            sandbox,
            sms_client: SmsClient::new(&sms_url).unwrap(),
            sms_url,
            work_root: tempfile::tempdir().unwrap(),
            sms,
            sms_addr,
            sms_server: Some(sms_server),
            local_chain,
            deals: AtomicU64::new(0),
            _dir: dir,
        };
        let checksum = sha256(&world.wasm);
        world.app = world.register_app(checksum).await;
        Some(world)
    }

    /// Stores `bytes`; returns the text location `/p2p/<cid>`.
    pub(crate) async fn store(&self, bytes: Vec<u8>) -> (Cid, String) {
        let cid = Storage::put(self.storage.as_ref(), bytes_stream(bytes))
            .await
            .unwrap();
        (cid, format!("/p2p/{cid}"))
    }

    /// Registers the hello module as an app with `checksum` (its SHA-256, or a wrong one).
    pub(crate) async fn register_app(&self, checksum: B256) -> Address {
        self.register_module(self.wasm.clone(), checksum).await
    }

    /// Stores `wasm` and registers it as an app with `checksum`.
    pub(crate) async fn register_module(&self, wasm: Vec<u8>, checksum: B256) -> Address {
        let (_, multiaddr) = self.store(wasm).await;
        self.chain
            .create_app(
                self.roles.app_developer.address(),
                &IAppRegistry::createAppCall {
                    owner: self.roles.app_developer.address(),
                    name: format!("app {checksum}"),
                    appType: "WASM".into(),
                    multiaddr: Bytes::from(multiaddr.into_bytes()),
                    checksum,
                    mrenclave: Bytes::new(),
                },
            )
            .await
            .unwrap()
    }

    /// Protects `fields` (string leaves) sealed with `key` in `format`, stores the sealed
    /// bytes and registers a dataset with their checksum (or `checksum` when given).
    pub(crate) async fn protect(
        &self,
        fields: &[(&str, &str)],
        key: &SealKey,
        format: SealFormat,
        checksum: Option<B256>,
    ) -> Address {
        let mut data = DataObject::new();
        for (name, value) in fields {
            data.insert(*name, *value);
        }
        self.protect_object(&data, key, format, checksum).await
    }

    /// Serializes `data`, seals it with `key` in `format`, stores the sealed bytes and registers
    /// a dataset with their checksum (or `checksum` when given).
    pub(crate) async fn protect_object(
        &self,
        data: &DataObject,
        key: &SealKey,
        format: SealFormat,
        checksum: Option<B256>,
    ) -> Address {
        let (zip, _) = serialize(data).unwrap();
        let mut sealed = Vec::new();
        seal(key, format, zip.as_slice(), &mut sealed).unwrap();
        let checksum = checksum.unwrap_or_else(|| sha256(&sealed));
        let (_, multiaddr) = self.store(sealed).await;
        self.chain
            .create_dataset(
                self.roles.data_owner.address(),
                &IDatasetRegistry::createDatasetCall {
                    owner: self.roles.data_owner.address(),
                    name: format!("data {checksum}"),
                    multiaddr: Bytes::from(multiaddr.into_bytes()),
                    checksum,
                },
            )
            .await
            .unwrap()
    }

    /// Pushes a dataset's key to the SMS, as its owner.
    pub(crate) async fn push_dataset_key(&self, dataset: Address, key: &SealKey) {
        self.sms_client
            .push_dataset_key(&self.roles.data_owner, dataset, &key.to_base64())
            .await
            .unwrap();
    }

    /// The requester publishes a result-encryption key (`key`'s public part) in the SMS.
    pub(crate) async fn push_result_key(&self, key: &ResultDecryptionKey) {
        let public = key.encryption_key().to_pem().unwrap();
        self.sms_client
            .push_web2_secret(
                &self.roles.requester,
                RESULT_ENCRYPTION_KEY_NAME,
                &public,
                false,
            )
            .await
            .unwrap();
    }

    /// Matches a deal of `terms` on `app` (and `dataset`); returns its id.
    pub(crate) async fn deal(&self, app: Address, dataset: Option<Address>, terms: &Terms) -> B256 {
        let domain = self.chain.domain();
        let requester = self.roles.requester.address();
        let terms = &Terms {
            salt: terms.salt + 1_000 * self.deals.fetch_add(1, Ordering::Relaxed),
            ..terms.clone()
        };
        let assets = Assets {
            app,
            dataset,
            workerpool: self.workerpool,
        };
        let draft = OrderDraft::new(&assets, terms, requester);
        let app = SignedOrder::sign(draft.app, &domain, &self.roles.app_developer).unwrap();
        let dataset = draft
            .dataset
            .map(|order| SignedOrder::sign(order, &domain, &self.roles.data_owner).unwrap());
        let workerpool =
            SignedOrder::sign(draft.workerpool, &domain, &self.roles.scheduler).unwrap();
        let request = SignedOrder::sign(draft.request, &domain, &self.roles.requester).unwrap();
        self.chain
            .match_orders(requester, &app, dataset.as_ref(), &workerpool, &request)
            .await
            .unwrap()
    }

    /// The scheduler initializes task `index` of `deal`.
    pub(crate) async fn initialize(&self, deal: B256, index: u64) -> B256 {
        self.chain
            .initialize(self.roles.scheduler.address(), deal, index)
            .await
            .unwrap()
    }

    /// The scheduler's request for `worker` on task `index` of `deal`: for a TEE task it gets
    /// the enclave challenge from the SMS first.
    pub(crate) async fn request(
        &self,
        deal: B256,
        index: u64,
        worker: Address,
        tee: bool,
    ) -> ExecutionRequest {
        let task_id = ids::task_id(deal, U256::from(index));
        let challenge = if tee {
            self.sms_client
                .enclave_challenge(&self.roles.scheduler, task_id)
                .await
                .unwrap()
        } else {
            Address::ZERO
        };
        request(
            deal,
            index,
            worker,
            challenge,
            &self.roles.scheduler,
            &self.sms_url,
        )
    }

    /// An executor for `worker`, with a TEE or without.
    pub(crate) async fn executor(
        &self,
        worker: &PrivateKeySigner,
        tee: bool,
        policy: ResourcePolicy,
    ) -> Arc<TaskExecutor> {
        let mut chain = self.local_chain.reader(client_config()).await.unwrap();
        chain.add_signer(worker.clone());
        let attester: Option<Arc<dyn confide_tee::Attester>> = if tee {
            Some(Arc::new(attester()))
        } else {
            None
        };
        let work_dir = self.work_root.path().join(worker.address().to_string());
        Arc::new(
            TaskExecutor::new(ExecutorConfig {
                signer: worker.clone(),
                chain,
                storage: self.storage.clone(),
                attester,
                sandbox: self.sandbox.clone(),
                work_dir,
                policy,
            })
            .unwrap(),
        )
    }

    /// The content of `/ipfs/<cid>` results.
    pub(crate) async fn fetch_results(&self, results: &[u8]) -> Vec<u8> {
        let location = ResultLocation::from_bytes(results).unwrap();
        assert_eq!(location.storage, "ipfs");
        let cid: Cid = location
            .location
            .strip_prefix("/ipfs/")
            .unwrap()
            .parse()
            .unwrap();
        let stream = Storage::get(self.storage.as_ref(), cid, ByteRange::ALL)
            .await
            .unwrap();
        collect(stream, 1 << 30).await.unwrap()
    }

    /// Stops the SMS (its store and keys stay).
    pub(crate) async fn stop_sms(&mut self) {
        if let Some(server) = self.sms_server.take() {
            server.shutdown().await;
        }
    }

    /// Starts the SMS again on its address.
    pub(crate) async fn restart_sms(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.sms_addr).await.unwrap();
        self.sms_server = Some(
            confide_sms::serve(listener, self.sms.clone())
                .await
                .unwrap(),
        );
    }

    /// Sends `amount` RLC (in RLC units) from the owner to `who`'s wallet.
    pub(crate) async fn fund(&self, who: Address, amount: u64) {
        self.chain
            .send(
                self.roles.owner.address(),
                self.chain.deployment().token,
                &IERC20::transferCall {
                    to: who,
                    value: U256::from(amount * RLC),
                },
            )
            .await
            .unwrap();
    }
}

/// A request signed by `signer` for `worker` on task `index` of `deal`.
pub(crate) fn request(
    deal: B256,
    index: u64,
    worker: Address,
    challenge: Address,
    signer: &PrivateKeySigner,
    sms_url: &str,
) -> ExecutionRequest {
    let mut authorization = WorkerpoolAuthorization {
        chain_task_id: ids::task_id(deal, U256::from(index)),
        deal_id: deal,
        task_index: U256::from(index),
        worker_wallet: worker,
        enclave_challenge: challenge,
        signature: Bytes::new(),
    };
    authorization.sign(signer).unwrap();
    ExecutionRequest {
        authorization,
        sms_url: (challenge != Address::ZERO).then(|| sms_url.to_owned()),
    }
}

pub(crate) fn sha256(bytes: &[u8]) -> B256 {
    B256::from(<[u8; 32]>::from(sha2::Sha256::digest(bytes)))
}

/// TEE terms with `params`.
pub(crate) fn tee_terms(params: &str) -> Terms {
    Terms {
        params: params.to_owned(),
        ..Terms::tee()
    }
}

/// Decrypts an encrypted result with `key` and returns `result.txt` of the zip inside.
pub(crate) fn decrypt_result_txt(encrypted: &[u8], key: &ResultDecryptionKey) -> String {
    let mut zip = Vec::new();
    decrypt_result(encrypted, key, &mut zip, &ResultLimits::default()).unwrap();
    result_txt(&zip)
}

/// `result.txt` of a result zip.
pub(crate) fn result_txt(zip: &[u8]) -> String {
    result_file(zip, "result.txt")
}

/// File `name` of a result zip, as text.
pub(crate) fn result_file(zip: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Whether `dir` holds no file (directories may remain).
pub(crate) fn holds_no_file(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return true;
    };
    entries.flatten().all(|entry| {
        entry.file_type().is_ok_and(|kind| kind.is_dir()) && holds_no_file(&entry.path())
    })
}
