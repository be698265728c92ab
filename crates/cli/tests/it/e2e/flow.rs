//! What the people around a task do, through the services' real clients: the app developer
//! publishes an iApp, the data owner protects and grants data, the requester asks for a task
//! from the market's orders and reads the result. (Issue 9's SDK will package these steps.)

use std::io::{Cursor, Read as _};
use std::time::Duration;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::RootProvider;
use alloy_signer_local::PrivateKeySigner;
use confide_chain::artifacts::bindings::{
    IAppRegistry, IConfide, IDataProtector, IERC20, IWorkerpoolRegistry,
};
use confide_chain::client::{Client, ClientConfig, dev_chain_deployment, http_provider};
use confide_chain::devchain::{DEFAULT_MNEMONIC, derive_accounts};
use confide_crypto::protected_data::{self, DataObject};
use confide_crypto::result::{self, ResultDecryptionKey, ResultKeyPair, ResultLimits};
use confide_crypto::seal::{self, Checksum, SealFormat, SealKey};
use confide_market::{MarketClient, OrderQuery};
use confide_protocol::result::ResultLocation;
use confide_protocol::{AppOrder, DatasetOrder, RequestOrder, SignedOrder, Tag, WorkerpoolOrder};
use confide_protocol::{Order, OrderKind};
use confide_sms::SmsClient;
use confide_storage::backend::{bytes_stream, collect};
use confide_storage::{ByteRange, IpfsConfig, IpfsStore, Location, Storage as _};

use super::stack::{Stack, eventually};

/// 1 RLC in nRLC.
pub(crate) const RLC: u64 = 1_000_000_000;
/// Dev accounts by role (the chain funds all ten with RLC).
pub(crate) const APP_DEVELOPER: usize = 1;
pub(crate) const DATA_OWNER: usize = 2;
pub(crate) const SCHEDULER: usize = 3;
pub(crate) const REQUESTER: usize = 4;
/// Workers are dev accounts 5 to 9.
pub(crate) const FIRST_WORKER: usize = 5;

/// The clients of a stack and the dev accounts' keys.
pub(crate) struct Actors {
    pub(crate) chain: Client<RootProvider>,
    pub(crate) keys: Vec<PrivateKeySigner>,
    pub(crate) storage: IpfsStore,
    pub(crate) market: MarketClient,
    pub(crate) sms: SmsClient,
}

/// An iApp registered and offered on the market.
pub(crate) struct PublishedApp {
    pub(crate) address: Address,
}

/// Data protected and granted.
pub(crate) struct ProtectedData {
    pub(crate) address: Address,
}

impl Actors {
    pub(crate) async fn connect(stack: &Stack) -> Self {
        let provider = http_provider(&stack.chain.url).unwrap();
        let config = ClientConfig {
            poll_interval: Duration::from_millis(20),
            ..ClientConfig::default()
        };
        let deployment = dev_chain_deployment(&provider, config.retry).await.unwrap();
        let mut chain = Client::connect_http(&stack.chain.url, deployment, config)
            .await
            .unwrap();
        let keys: Vec<PrivateKeySigner> = derive_accounts(DEFAULT_MNEMONIC, 10)
            .unwrap()
            .iter()
            .map(|account| account.signer().clone())
            .collect();
        for key in &keys {
            chain.add_signer(key.clone());
        }
        let market = MarketClient::new(&stack.market.url, chain.chain_id()).unwrap();
        Self {
            storage: IpfsStore::new(IpfsConfig::new(stack.storage_api())).unwrap(),
            sms: SmsClient::new(&stack.sms.url).unwrap(),
            market,
            chain,
            keys,
        }
    }

    pub(crate) fn key(&self, role: usize) -> &PrivateKeySigner {
        &self.keys[role]
    }

    pub(crate) fn address(&self, role: usize) -> Address {
        self.keys[role].address()
    }

    /// Uploads `bytes` to the stack's storage; returns their location bytes for a registry.
    pub(crate) async fn upload(&self, bytes: Vec<u8>) -> Vec<u8> {
        let cid = self.storage.put(bytes_stream(bytes)).await.unwrap();
        Location::Ipfs(cid).to_bytes().unwrap()
    }

    /// The app developer uploads and registers `wasm` and offers it for TEE tasks on the
    /// market, for `price` nRLC per task.
    pub(crate) async fn publish_app(&self, wasm: Vec<u8>, price: u64, tag: Tag) -> PublishedApp {
        let checksum = B256::from(*Checksum::of_bytes(&wasm).as_bytes());
        let developer = self.address(APP_DEVELOPER);
        let multiaddr = self.upload(wasm).await;
        let address = self
            .chain
            .create_app(
                developer,
                &IAppRegistry::createAppCall {
                    owner: developer,
                    name: "hello".into(),
                    appType: "WASM".into(),
                    multiaddr: multiaddr.into(),
                    checksum,
                    mrenclave: Bytes::new(),
                },
            )
            .await
            .unwrap();
        let order = AppOrder {
            app: address,
            appprice: U256::from(price),
            volume: U256::from(1_000_000),
            tag: tag.0,
            salt: B256::random(),
            ..Default::default()
        };
        let order =
            SignedOrder::sign(order, &self.chain.domain(), self.key(APP_DEVELOPER)).unwrap();
        self.market
            .publish(self.key(APP_DEVELOPER), &order)
            .await
            .unwrap();
        PublishedApp { address }
    }

    /// The data owner protects `record` (DataProtector's format, sealed with the authenticated
    /// format), stores it, registers it with its schema, gives its key to the SMS and grants
    /// `app` `volume` uses at `price` nRLC each.
    pub(crate) async fn protect_and_grant(
        &self,
        record: &str,
        app: Address,
        price: u64,
        volume: u64,
    ) -> ProtectedData {
        let object = DataObject::from_json_str(record).unwrap();
        let (zip, schema) = protected_data::serialize(&object).unwrap();
        let key = SealKey::generate().unwrap();
        let mut sealed = Vec::new();
        seal::seal(&key, SealFormat::Confide, zip.as_slice(), &mut sealed).unwrap();
        let checksum = Checksum::of_bytes(&sealed);
        let owner = self.address(DATA_OWNER);
        let multiaddr = self.upload(sealed).await;
        let call = IDataProtector::createDatasetWithSchemaCall {
            owner,
            name: "record".into(),
            schema: schema.to_json_string(),
            multiaddr: multiaddr.into(),
            checksum: (*checksum.as_bytes()).into(),
        };
        let protector = self.chain.deployment().data_protector.unwrap();
        let mined = self.chain.send(owner, protector, &call).await.unwrap();
        let address = mined
            .event::<IDataProtector::DatasetSchema>()
            .unwrap()
            .dataset;
        self.sms
            .push_dataset_key(self.key(DATA_OWNER), address, &key.to_base64())
            .await
            .unwrap();
        let grant = DatasetOrder {
            dataset: address,
            datasetprice: U256::from(price),
            volume: U256::from(volume),
            tag: Tag::from_names(&["tee"]).unwrap().0,
            apprestrict: app,
            salt: B256::random(),
            ..Default::default()
        };
        let grant = SignedOrder::sign(grant, &self.chain.domain(), self.key(DATA_OWNER)).unwrap();
        self.market
            .publish(self.key(DATA_OWNER), &grant)
            .await
            .unwrap();
        ProtectedData { address }
    }

    /// The scheduler's account registers a workerpool and deposits what its deals lock
    /// (30 % of their price); returns the pool's address.
    pub(crate) async fn create_workerpool(&self) -> Address {
        let owner = self.address(SCHEDULER);
        self.deposit(SCHEDULER, 200 * RLC).await;
        self.chain
            .create_workerpool(
                owner,
                &IWorkerpoolRegistry::createWorkerpoolCall {
                    owner,
                    description: "e2e pool".into(),
                },
            )
            .await
            .unwrap()
    }

    /// The requester gives the SMS its result-encryption public key.
    pub(crate) async fn result_key(&self) -> ResultKeyPair {
        let pair = ResultKeyPair::generate().unwrap();
        self.sms
            .push_web2_secret(
                self.key(REQUESTER),
                confide_sms::release::RESULT_ENCRYPTION_KEY_NAME,
                &pair.public().to_pem(),
                false,
            )
            .await
            .unwrap();
        pair
    }

    /// The requester deposits `amount` nRLC of its wallet.
    pub(crate) async fn deposit(&self, role: usize, amount: u64) {
        self.chain
            .deposit(self.address(role), U256::from(amount))
            .await
            .unwrap();
    }

    /// The requester signs a request for `volume` tasks of `app` on `dataset`, takes the
    /// cheapest matching app, dataset and workerpool orders from the market (waiting for the
    /// scheduler's) and matches them on-chain; returns the deal id.
    pub(crate) async fn request(
        &self,
        app: Address,
        dataset: Option<Address>,
        request: RequestOrder,
    ) -> B256 {
        let requester = self.address(REQUESTER);
        let request = RequestOrder {
            app,
            dataset: dataset.unwrap_or_default(),
            requester,
            beneficiary: requester,
            salt: B256::random(),
            ..request
        };
        let tag = Tag(request.tag);
        let app_order: SignedOrder<AppOrder> = self
            .best(
                OrderKind::App,
                OrderQuery {
                    app: Some(app),
                    ..OrderQuery::default()
                },
            )
            .await
            .unwrap();
        let dataset_order: Option<SignedOrder<DatasetOrder>> = match dataset {
            Some(dataset) => Some(
                self.best(
                    OrderKind::Dataset,
                    OrderQuery {
                        dataset: Some(dataset),
                        app: Some(app),
                        ..OrderQuery::default()
                    },
                )
                .await
                .unwrap(),
            ),
            None => None,
        };
        let workerpool_order: SignedOrder<WorkerpoolOrder> = eventually(
            "the scheduler's workerpool order on the market",
            Duration::from_secs(60),
            || {
                self.best(
                    OrderKind::Workerpool,
                    OrderQuery {
                        min_tag: Some(tag),
                        category: Some(request.category),
                        min_trust: Some(request.trust),
                        min_volume: Some(request.volume),
                        ..OrderQuery::default()
                    },
                )
            },
        )
        .await;
        let request = RequestOrder {
            appmaxprice: app_order.order.appprice,
            datasetmaxprice: dataset_order
                .as_ref()
                .map_or(U256::ZERO, |order| order.order.datasetprice),
            workerpoolmaxprice: workerpool_order.order.workerpoolprice,
            ..request
        };
        let request =
            SignedOrder::sign(request, &self.chain.domain(), self.key(REQUESTER)).unwrap();
        self.chain
            .match_orders(
                requester,
                &app_order,
                dataset_order.as_ref(),
                &workerpool_order,
                &request,
            )
            .await
            .unwrap()
    }

    /// The market's cheapest open order of `kind` that `query` selects.
    async fn best<O: TryFrom<Order>>(
        &self,
        kind: OrderKind,
        query: OrderQuery,
    ) -> Option<SignedOrder<O>> {
        let page = self.market.orders(kind, &query).await.unwrap();
        let published = page.orders.into_iter().next()?;
        Some(SignedOrder {
            order: O::try_from(published.order.order).ok()?,
            sign: published.order.sign,
        })
    }

    /// Waits until every task of `deal` is COMPLETED or FAILED on-chain; returns their ids.
    pub(crate) async fn wait_for_deal(&self, deal: B256, limit: Duration) -> Vec<B256> {
        let view = self.chain.deal(deal).await.unwrap();
        let first = view.botFirst.to::<u64>();
        let size = view.botSize.to::<u64>();
        let tasks: Vec<B256> = (first..first + size)
            .map(|index| confide_protocol::ids::task_id(deal, U256::from(index)))
            .collect();
        for task in &tasks {
            eventually("the task to end", limit, || async {
                let status = self.chain.task(*task).await.ok()?.status;
                (status == TASK_COMPLETED || status == TASK_FAILED).then_some(())
            })
            .await;
        }
        tasks
    }

    /// The requester fetches and decrypts task `task`'s result; returns the result zip's
    /// `result.txt`.
    pub(crate) async fn read_result(&self, task: B256, key: &ResultKeyPair) -> String {
        let encrypted = self.fetch_result(task).await;
        let mut zip = Vec::new();
        result::decrypt_result(
            encrypted.as_slice(),
            &ResultDecryptionKey::X25519(key.secret().clone()),
            &mut zip,
            &ResultLimits::default(),
        )
        .unwrap();
        read_zip_entry(&zip, "result.txt")
    }

    /// Task `task`'s result as stored (not encrypted); returns the result zip's `result.txt`.
    pub(crate) async fn read_plain_result(&self, task: B256) -> String {
        let zip = self.fetch_result(task).await;
        read_zip_entry(&zip, "result.txt")
    }

    /// The bytes task `task`'s `results` point to.
    async fn fetch_result(&self, task: B256) -> Vec<u8> {
        let view = self.chain.task(task).await.unwrap();
        assert_eq!(view.status, TASK_COMPLETED, "task {task} is not completed");
        let location = ResultLocation::from_bytes(&view.results).unwrap();
        assert_eq!(location.storage, "ipfs", "{location:?}");
        let cid = location
            .location
            .trim_start_matches("/ipfs/")
            .parse()
            .unwrap();
        let stream = self.storage.get(cid, ByteRange::ALL).await.unwrap();
        collect(stream, 64 << 20).await.unwrap()
    }

    /// Waits for every task of `deal` to end and checks each greets Alice in a result only
    /// `offer`'s requester can decrypt; returns the tasks.
    pub(crate) async fn expect_greetings(&self, deal: B256, offer: &TeeOffer) -> Vec<B256> {
        let tasks = self.wait_for_deal(deal, Duration::from_secs(120)).await;
        for task in &tasks {
            assert_eq!(self.read_result(*task, &offer.key).await, "Hello, Alice!\n");
        }
        tasks
    }

    /// Asserts that every participant's RLC adds up to `before` ([`Actors::funds`]) and that
    /// nothing is left locked: every task ended and was settled.
    pub(crate) async fn assert_conserved(&self, before: U256) {
        let (after, locked) = self.funds().await;
        assert_eq!(after, before, "RLC appeared or vanished");
        assert_eq!(locked, U256::ZERO, "funds left locked");
    }

    /// Every participant's RLC: wallet, deposited and locked, plus the kitty's; and the
    /// participants' locked part alone (the kitty's stays locked by design: PoCo pays it out
    /// as scheduler bonuses).
    pub(crate) async fn funds(&self) -> (U256, U256) {
        let kitty = self
            .chain
            .protocol_view(&IConfide::kitty_addressCall {})
            .await
            .unwrap();
        let mut total = U256::ZERO;
        let mut locked = U256::ZERO;
        for who in self.keys.iter().map(|key| key.address()).chain([kitty]) {
            let wallet = self
                .chain
                .view(
                    self.chain.deployment().token,
                    &IERC20::balanceOfCall { account: who },
                )
                .await
                .unwrap();
            let account = self.chain.account(who).await.unwrap();
            total += wallet + account.stake + account.locked;
            if who != kitty {
                locked += account.locked;
            }
        }
        (total, locked)
    }
}

/// A TEE offer on the market: the hello app, Alice's protected record granted to it, a
/// scheduler selling TEE tasks, and the requester's result key at the SMS.
pub(crate) struct TeeOffer {
    pub(crate) app: Address,
    pub(crate) data: Address,
    pub(crate) key: ResultKeyPair,
}

/// Alice's record; the hello app greets her.
pub(crate) const RECORD: &str = r#"{"name":"Alice","email":"alice@example.com","age":42}"#;

impl Actors {
    /// Publishes the hello app and Alice's data, starts the scheduler (with `scheduler_args`)
    /// and funds the requester.
    pub(crate) async fn tee_offer(
        &self,
        stack: &mut Stack,
        wasm: Vec<u8>,
        scheduler_args: &[&str],
    ) -> TeeOffer {
        let tee = Tag::from_names(&["tee", "tdx"]).unwrap();
        let app = self.publish_app(wasm, RLC, tee).await.address;
        let data = self
            .protect_and_grant(RECORD, app, 2 * RLC, 10_000)
            .await
            .address;
        let pool = self.create_workerpool().await;
        stack.start_scheduler(SCHEDULER as u32, &pool.to_string(), scheduler_args);
        self.deposit(REQUESTER, 100 * RLC).await;
        let key = self.result_key().await;
        TeeOffer { app, data, key }
    }

    /// Buys `volume` TEE tasks of `offer` with app arguments `args`; returns the deal.
    pub(crate) async fn request_tee(&self, offer: &TeeOffer, volume: u64, args: &str) -> B256 {
        let params = serde_json::json!({ "iexec_args": args, "iexec_result_encryption": true });
        self.request(
            offer.app,
            Some(offer.data),
            RequestOrder {
                volume: U256::from(volume),
                tag: Tag::from_names(&["tee", "tdx"]).unwrap().0,
                params: params.to_string(),
                ..RequestOrder::default()
            },
        )
        .await
    }
}

/// `TaskStatusEnum` values.
pub(crate) const TASK_COMPLETED: u8 = 3;
pub(crate) const TASK_FAILED: u8 = 4;

/// The bytes of `name` in `zip`, as text.
pub(crate) fn read_zip_entry(zip: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut entry = archive.by_name(name).unwrap();
    let mut text = String::new();
    entry.read_to_string(&mut text).unwrap();
    text
}

/// Runs `test` on a fresh stack with the clients of its actors and the hello app's module,
/// then asserts that funds were conserved and nothing is left locked. Skipped (with a message)
/// when the wasm32-wasip1 target is missing outside CI.
pub(crate) fn run_e2e(test: impl AsyncFnOnce(&mut Stack, &Actors, Vec<u8>)) {
    let Some(wasm) = confide_worker::testing::hello_app() else {
        return;
    };
    let mut stack = Stack::start();
    runtime().block_on(async {
        let actors = Actors::connect(&stack).await;
        let (before, _) = actors.funds().await;
        test(&mut stack, &actors, wasm).await;
        actors.assert_conserved(before).await;
    });
}

/// A runtime for a test's async steps.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}
