//! A dev chain with a TEE app, a standard app and the pool; an SMS in dev mode; a local result
//! store; the scheduler on a database that outlives its restarts; and workers simulated at the
//! protocol level (signed HTTP calls, their own transactions).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::{Provider, RootProvider};
use alloy_signer_local::PrivateKeySigner;
use confide_chain::artifacts::bindings::{IAppRegistry, IConfide, IERC20};
use confide_chain::client::{Client, ClientConfig, FixtureRoles, LocalChain};
use confide_chain::scenario::{Assets, OrderDraft, RLC, Terms};
use confide_protocol::SignedOrder;
use confide_protocol::authorization::enclave_signature_message;
use confide_protocol::result::{result_hash, result_seal};
use confide_protocol::signature::sign_personal;
use confide_protocol::workerpool::{
    Assignment, Heartbeat, HeartbeatResponse, RegisteredWorker, ReplicateReport, TaskState,
    TaskView, WorkerRegistration, sign_worker_request,
};
use confide_scheduler::store::TaskFilter;
use confide_scheduler::{Scheduler, SchedulerConfig, SchedulerServer, SchedulerTasks, Timing};
use confide_sms::store::{MasterKey, Store as SmsStore};
use confide_sms::{SessionRequest, Sms, SmsClient, SmsConfig, SmsServer};
use confide_storage::LocalStore;
use confide_tee::Attester as _;
use confide_tee::session::EnclaveSession;
use confide_tee_sim::{SimAttester, SimVerifier};
use serde_json::Value;
use sha2::Digest as _;

/// Runs each named `async fn(String)` (a database URL) on a fresh SQLite file and, when a
/// PostgreSQL server is available (`scripts/postgres`), a fresh PostgreSQL database.
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}/scheduler.db", dir.path().display());
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

/// A fresh SQLite database URL in `dir`.
pub(crate) fn sqlite_in(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}/scheduler.db", dir.path().display())
}

pub(crate) fn client_config() -> ClientConfig {
    ClientConfig {
        poll_interval: Duration::from_millis(20),
        ..ClientConfig::default()
    }
}

/// The dev accounts by role.
pub(crate) struct Roles {
    pub(crate) owner: PrivateKeySigner,
    pub(crate) app_developer: PrivateKeySigner,
    pub(crate) scheduler: PrivateKeySigner,
    pub(crate) requester: PrivateKeySigner,
    /// Five workers, each with 10 RLC deposited.
    pub(crate) workers: Vec<PrivateKeySigner>,
}

/// A running scheduler: API and background loops.
pub(crate) struct Running {
    pub(crate) scheduler: Arc<Scheduler>,
    pub(crate) url: String,
    server: SchedulerServer,
    tasks: SchedulerTasks,
}

/// Everything a test needs; the servers stop when it is dropped.
pub(crate) struct World {
    /// Signs for every dev account.
    pub(crate) chain: Client<RootProvider>,
    pub(crate) roles: Roles,
    /// The TEE app (checksum = `app_digest`) and the pool.
    pub(crate) tee_assets: Assets,
    /// A standard app and the pool.
    pub(crate) standard_assets: Assets,
    pub(crate) app_digest: B256,
    pub(crate) sms_url: String,
    pub(crate) attester: SimAttester,
    pub(crate) storage: Arc<LocalStore>,
    pub(crate) config: SchedulerConfig,
    pub(crate) running: Option<Running>,
    /// Sum of every account's RLC, free and locked, and the kitty, at the start.
    pub(crate) funds_at_start: U256,
    _sms_server: SmsServer,
    local: LocalChain,
    _dir: tempfile::TempDir,
}

impl World {
    /// A world whose scheduler uses `database`, started.
    pub(crate) async fn start(database: &str) -> Self {
        Self::start_with(database, |_| {}).await
    }

    /// [`World::start`] with the scheduler's configuration edited by `edit`.
    pub(crate) async fn start_with(
        database: &str,
        edit: impl FnOnce(&mut SchedulerConfig),
    ) -> Self {
        let local = LocalChain::start().await.unwrap();
        let chain = local.client(client_config()).await.unwrap();
        let accounts = &local.accounts;
        let roles = Roles {
            owner: accounts[0].clone(),
            app_developer: accounts[1].clone(),
            scheduler: accounts[3].clone(),
            requester: accounts[5].clone(),
            workers: [4, 6, 7, 8, 9].map(|i| accounts[i].clone()).to_vec(),
        };
        let app_digest = B256::from(<[u8; 32]>::from(sha2::Sha256::digest(
            b"scheduler tests iApp",
        )));
        let fixture = FixtureRoles {
            funder: roles.owner.address(),
            app_developer: roles.app_developer.address(),
            data_owner: accounts[2].address(),
            scheduler: roles.scheduler.address(),
            requester: roles.requester.address(),
        };
        let fixture_assets = chain
            .register_tee_fixture(&fixture, app_digest)
            .await
            .unwrap();
        let tee_assets = Assets {
            dataset: None,
            ..fixture_assets
        };
        let standard_app = chain
            .create_app(
                roles.app_developer.address(),
                &IAppRegistry::createAppCall {
                    owner: roles.app_developer.address(),
                    name: "standard".into(),
                    appType: "WASM".into(),
                    multiaddr: Bytes::from_static(b"/p2p/bafkreistandard"),
                    checksum: B256::repeat_byte(0x5a),
                    mrenclave: Bytes::new(),
                },
            )
            .await
            .unwrap();
        let standard_assets = Assets {
            app: standard_app,
            ..tee_assets
        };
        for worker in &roles.workers {
            chain
                .send(
                    roles.owner.address(),
                    chain.deployment().token,
                    &IERC20::transferCall {
                        to: worker.address(),
                        value: U256::from(100 * RLC),
                    },
                )
                .await
                .unwrap();
            chain
                .deposit(worker.address(), U256::from(10 * RLC))
                .await
                .unwrap();
        }

        let dir = tempfile::tempdir().unwrap();
        let sms_store = SmsStore::open(
            &format!("sqlite://{}", dir.path().join("sms.db").display()),
            &MasterKey::generate(),
        )
        .await
        .unwrap();
        let attester = SimAttester::from_seed(b"scheduler tests", [7; 32]);
        let sms_server = confide_sms::serve(
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
            Arc::new(
                Sms::new(
                    sms_store,
                    local.reader(client_config()).await.unwrap(),
                    SmsConfig {
                        dev_mode: true,
                        ..SmsConfig::default()
                    },
                )
                .with_verifier(Arc::new(SimVerifier::trusting(&attester))),
            ),
        )
        .await
        .unwrap();
        let sms_url = format!("http://{}", sms_server.local_addr());
        let storage = Arc::new(LocalStore::open(dir.path().join("results")).unwrap());

        let mut config = SchedulerConfig::new(tee_assets.workerpool, database);
        config.sms_url = Some(sms_url.clone());
        config.start_block = Some(0);
        config.timing = Timing {
            heartbeat_interval: Duration::from_millis(500),
            worker_timeout: Duration::from_secs(120),
            poll_interval: Duration::from_millis(50),
            max_backoff: Duration::from_millis(500),
        };
        edit(&mut config);
        let mut world = Self {
            chain,
            roles,
            tee_assets,
            standard_assets,
            app_digest,
            sms_url,
            attester,
            storage,
            config,
            running: None,
            funds_at_start: U256::ZERO,
            _sms_server: sms_server,
            local,
            _dir: dir,
        };
        world.funds_at_start = world.funds().await;
        world.start_scheduler().await;
        world
    }

    /// Starts a scheduler on the world's database (a new process would do the same).
    pub(crate) async fn start_scheduler(&mut self) {
        assert!(self.running.is_none());
        let chain = self.local.reader(client_config()).await.unwrap();
        let scheduler = Arc::new(
            Scheduler::new(
                self.config.clone(),
                chain,
                self.roles.scheduler.clone(),
                self.storage.clone(),
            )
            .await
            .unwrap(),
        );
        let tasks = scheduler.spawn();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = confide_scheduler::serve(listener, scheduler.clone())
            .await
            .unwrap();
        let url = format!("http://{}", server.local_addr());
        self.running = Some(Running {
            scheduler,
            url,
            server,
            tasks,
        });
    }

    /// Stops the scheduler (API and loops), cleanly.
    pub(crate) async fn stop_scheduler(&mut self) {
        let running = self.running.take().unwrap();
        running.server.shutdown().await;
        running.tasks.shutdown().await;
    }

    /// The served dev chain.
    pub(crate) fn local(&self) -> &LocalChain {
        &self.local
    }

    /// Drops the scheduler: its loops and server are aborted wherever they are (a crash, as far
    /// as this process can tell).
    pub(crate) fn drop_scheduler(&mut self) {
        drop(self.running.take().unwrap());
    }

    pub(crate) fn scheduler(&self) -> &Arc<Scheduler> {
        &self.running.as_ref().unwrap().scheduler
    }

    pub(crate) fn url(&self) -> String {
        self.running.as_ref().unwrap().url.clone()
    }

    /// Worker `index` (0..5) as a simulated worker of the running scheduler.
    pub(crate) fn worker(&self, index: usize) -> SimWorker {
        SimWorker::new(self.roles.workers[index].clone(), &self.url())
    }

    /// Matches a deal of `terms` on `assets` (no dataset) and returns its id.
    pub(crate) async fn deal(&self, assets: &Assets, terms: &Terms) -> B256 {
        let domain = self.chain.domain();
        let requester = self.roles.requester.address();
        let draft = OrderDraft::new(assets, terms, requester);
        let app = SignedOrder::sign(draft.app, &domain, &self.roles.app_developer).unwrap();
        let workerpool =
            SignedOrder::sign(draft.workerpool, &domain, &self.roles.scheduler).unwrap();
        let request = SignedOrder::sign(draft.request, &domain, &self.roles.requester).unwrap();
        self.chain
            .match_orders(requester, &app, None, &workerpool, &request)
            .await
            .unwrap()
    }

    /// A TEE deal of `volume` tasks (trust 0).
    pub(crate) async fn tee_deal(&self, volume: u64, salt: u64) -> B256 {
        let terms = Terms {
            volume: U256::from(volume),
            salt,
            ..Terms::tee()
        };
        self.deal(&self.tee_assets.clone(), &terms).await
    }

    /// A standard (replicated) deal of `volume` tasks at `trust`.
    pub(crate) async fn replicated_deal(&self, volume: u64, trust: u64, salt: u64) -> B256 {
        let terms = Terms {
            volume: U256::from(volume),
            trust: U256::from(trust),
            salt,
            ..Terms::default()
        };
        self.deal(&self.standard_assets.clone(), &terms).await
    }

    /// The scheduler's views of a deal's tasks, by index.
    pub(crate) async fn tasks_of(&self, deal: B256) -> Vec<TaskView> {
        self.scheduler()
            .task_views(&TaskFilter {
                deal: Some(deal),
                state: None,
                limit: 1_000,
            })
            .await
            .unwrap()
    }

    /// The scheduler's view of a task.
    pub(crate) async fn task(&self, task: B256) -> TaskView {
        self.scheduler().task_view(task).await.unwrap().unwrap()
    }

    /// Waits until the deal has `count` tasks, all in `state`.
    pub(crate) async fn deal_tasks_in(
        &self,
        deal: B256,
        count: usize,
        state: TaskState,
    ) -> Vec<TaskView> {
        let deadline = Instant::now() + WAIT;
        loop {
            let tasks = self.tasks_of(deal).await;
            if tasks.len() == count && tasks.iter().all(|t| t.state == state) {
                return tasks;
            }
            if Instant::now() >= deadline {
                panic!(
                    "timed out waiting for {count} tasks of deal {deal} {state}; last seen: {tasks:#?}"
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the task is in `state`.
    pub(crate) async fn task_in(&self, task: B256, state: TaskState) -> TaskView {
        let deadline = Instant::now() + WAIT;
        loop {
            let view = self.task(task).await;
            if view.state == state {
                return view;
            }
            if Instant::now() >= deadline {
                panic!("timed out waiting for task {task} {state}; last seen: {view:#?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Mines a block `seconds` after the latest one (the dev chain's blocks may run ahead of
    /// the wall clock: one block per transaction, a second apart at least).
    pub(crate) async fn increase_time(&self, seconds: u64) {
        let now = confide_scheduler::chain::chain_time(&self.chain)
            .await
            .unwrap();
        self.chain
            .provider()
            .raw_request::<_, Value>("evm_mine".into(), serde_json::json!([now + seconds]))
            .await
            .unwrap();
    }

    /// Sum over every dev account of its RLC wallet, free and locked protocol balances, plus
    /// the kitty: what no scenario may create or destroy.
    pub(crate) async fn funds(&self) -> U256 {
        let kitty = self
            .chain
            .protocol_view(&IConfide::kitty_addressCall {})
            .await
            .unwrap();
        let mut total = U256::ZERO;
        for account in self.local.accounts.iter().map(PrivateKeySigner::address) {
            total += self.chain.rlc_balance(account).await.unwrap();
            let protocol = self.chain.account(account).await.unwrap();
            total += protocol.stake + protocol.locked;
        }
        let kitty = self.chain.account(kitty).await.unwrap();
        total + kitty.stake + kitty.locked
    }

    /// Asserts the funds are where they were at the start, in total.
    pub(crate) async fn assert_funds_conserved(&self) {
        assert_eq!(
            self.funds().await,
            self.funds_at_start,
            "funds were created or destroyed"
        );
    }

    /// `worker` contributes `digest` to the task of `assignment`; returns the transaction.
    pub(crate) async fn contribute(&self, assignment: &Assignment, digest: B256) -> B256 {
        let authorization = &assignment.authorization;
        let worker = authorization.worker_wallet;
        let task = authorization.chain_task_id;
        self.chain
            .protocol_send(
                worker,
                &IConfide::contributeCall {
                    taskId: task,
                    resultHash: result_hash(task, digest),
                    resultSeal: result_seal(worker, task, digest),
                    enclaveChallenge: Address::ZERO,
                    enclaveSign: Bytes::new(),
                    authorizationSign: authorization.signature.clone(),
                },
            )
            .await
            .unwrap()
            .hash()
    }

    /// `worker` reveals `digest` on `task`; returns the transaction.
    pub(crate) async fn reveal(&self, worker: Address, task: B256, digest: B256) -> B256 {
        self.chain
            .protocol_send(
                worker,
                &IConfide::revealCall {
                    taskId: task,
                    resultDigest: digest,
                },
            )
            .await
            .unwrap()
            .hash()
    }

    /// The worker of `assignment` runs the TEE task: opens an SMS session with simulated
    /// evidence, gets the enclave challenge key, and completes with `contributeAndFinalize`.
    pub(crate) async fn complete_tee(&self, worker: &SimWorker, assignment: &Assignment) -> B256 {
        let authorization = assignment.authorization.clone();
        assert_eq!(authorization.worker_wallet, worker.address());
        let sms = SmsClient::new(assignment.sms_url.as_deref().unwrap()).unwrap();
        let session = EnclaveSession::new(
            authorization.chain_task_id,
            self.app_digest,
            authorization.enclave_challenge,
        )
        .unwrap();
        let evidence = self.attester.attest(&session.report_data()).unwrap();
        let request = SessionRequest {
            authorization: authorization.clone(),
            binding: session.binding().clone(),
            evidence,
            dataset_orders: Vec::new(),
        };
        let secrets = sms
            .open_session(&worker.signer, &request)
            .await
            .unwrap()
            .open(&session)
            .unwrap();
        let enclave: PrivateKeySigner = secrets.enclave_challenge_key.parse().unwrap();
        assert_eq!(enclave.address(), authorization.enclave_challenge);
        let task = authorization.chain_task_id;
        let digest = confide_protocol::result::web2_file_digest(b"tee result").unwrap();
        let enclave_sign = sign_personal(
            &enclave,
            &enclave_signature_message(
                result_hash(task, digest),
                result_seal(worker.address(), task, digest),
            ),
        )
        .unwrap();
        self.chain
            .contribute_and_finalize(
                worker.address(),
                &IConfide::contributeAndFinalizeCall {
                    taskId: task,
                    resultDigest: digest,
                    results: Bytes::from(
                        confide_protocol::result::ResultLocation::ipfs("bafkreitee").to_bytes(),
                    ),
                    resultsCallback: Bytes::new(),
                    enclaveChallenge: authorization.enclave_challenge,
                    enclaveSign: enclave_sign,
                    authorizationSign: authorization.signature,
                },
            )
            .await
            .unwrap()
            .hash()
    }

    /// How many transactions `account` has sent.
    pub(crate) async fn nonce(&self, account: Address) -> u64 {
        self.chain
            .provider()
            .get_transaction_count(account)
            .await
            .unwrap()
    }
}

/// How long a test waits for the scheduler to get somewhere.
const WAIT: Duration = Duration::from_secs(60);

/// Polls `probe` until it gives a value (a minute at most).
pub(crate) async fn wait_until<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A worker simulated at the protocol level: signed HTTP calls to the scheduler.
pub(crate) struct SimWorker {
    pub(crate) signer: PrivateKeySigner,
    url: String,
    http: reqwest::Client,
    last_timestamp: AtomicU64,
}

/// An HTTP answer: status and JSON body (Null when empty).
pub(crate) type Answer = (u16, Value);

impl SimWorker {
    pub(crate) fn new(signer: PrivateKeySigner, url: &str) -> Self {
        confide_chain::client::install_tls_provider();
        Self {
            signer,
            url: url.to_owned(),
            http: reqwest::Client::new(),
            last_timestamp: AtomicU64::new(0),
        }
    }

    pub(crate) fn address(&self) -> Address {
        self.signer.address()
    }

    /// A fresh timestamp, strictly after the last one used.
    pub(crate) fn timestamp(&self) -> u64 {
        let now = confide_scheduler::unix_ms();
        let mut last = self.last_timestamp.load(Ordering::Acquire);
        loop {
            let next = now.max(last + 1);
            match self.last_timestamp.compare_exchange(
                last,
                next,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return next,
                Err(current) => last = current,
            }
        }
    }

    /// A signed call.
    pub(crate) async fn call(&self, method: &str, path: &str, body: Vec<u8>) -> Answer {
        let timestamp = self.timestamp();
        let headers = sign_worker_request(&self.signer, method, path, timestamp, &body).unwrap();
        self.send(method, path, body, &headers).await
    }

    /// A call with the given header values (for refusals).
    pub(crate) async fn send(
        &self,
        method: &str,
        path: &str,
        body: Vec<u8>,
        headers: &confide_protocol::workerpool::SignedRequestHeaders,
    ) -> Answer {
        let response = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.url))
            .header("X-Confide-Worker", &headers.worker)
            .header("X-Confide-Timestamp", &headers.timestamp)
            .header("Authorization", &headers.authorization)
            .body(body)
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    pub(crate) async fn register(&self, capacity: u32, tee: bool) -> RegisteredWorker {
        let body = serde_json::to_vec(&WorkerRegistration {
            capacity,
            tee,
            version: "test".into(),
        })
        .unwrap();
        let (status, answer) = self.call("POST", "/workers", body).await;
        assert_eq!(status, 200, "{answer}");
        serde_json::from_value(answer).unwrap()
    }

    pub(crate) async fn heartbeat(&self, running: Vec<B256>) -> HeartbeatResponse {
        let body = serde_json::to_vec(&Heartbeat { running }).unwrap();
        let (status, answer) = self.call("POST", "/workers/heartbeat", body).await;
        assert_eq!(status, 200, "{answer}");
        serde_json::from_value(answer).unwrap()
    }

    pub(crate) async fn next(&self) -> Option<Assignment> {
        let (status, answer) = self.call("POST", "/replicates/next", Vec::new()).await;
        match status {
            204 => None,
            200 => Some(serde_json::from_value(answer).unwrap()),
            _ => panic!("next: {status} {answer}"),
        }
    }

    /// Asks for replicates until one comes (the scheduler may not have it ready yet).
    pub(crate) async fn next_eventually(&self) -> Assignment {
        wait_until(&format!("an assignment for {}", self.address()), || {
            self.next()
        })
        .await
    }

    pub(crate) async fn report(&self, task: B256, report: &ReplicateReport) -> Answer {
        let body = serde_json::to_vec(report).unwrap();
        self.call("POST", &format!("/replicates/{task}/report"), body)
            .await
    }

    pub(crate) async fn upload(&self, task: B256, zip: Vec<u8>) -> Answer {
        self.call("PUT", &format!("/replicates/{task}/result"), zip)
            .await
    }
}

pub(crate) async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    let value = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    (status, value)
}

/// A result zip: `computed.json` naming `/iexec_out/result.txt`, and that file.
pub(crate) fn result_zip(content: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("computed.json", options).unwrap();
    writer
        .write_all(br#"{"deterministic-output-path":"/iexec_out/result.txt"}"#)
        .unwrap();
    writer.start_file("result.txt", options).unwrap();
    writer.write_all(content).unwrap();
    writer.finish().unwrap().into_inner()
}

/// The digest of [`result_zip`]`(content)`.
pub(crate) fn digest_of(content: &[u8]) -> B256 {
    confide_protocol::result::web2_file_digest(content).unwrap()
}
