//! A TEE task end to end on a node, through the services' clients and the network file only:
//! the app developer publishes the hello app, the data owner protects and grants a record, the
//! requester buys a task from the market's orders (the node's workerpool order among them) and
//! decrypts the result. Skipped (with a message) when the wasm32-wasip1 target is missing
//! outside CI.

use std::io::{Cursor, Read as _};
use std::time::{Duration, Instant};

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::RootProvider;
use alloy_signer_local::PrivateKeySigner;
use confide_chain::artifacts::bindings::{IAppRegistry, IDataProtector};
use confide_chain::client::{Client, ClientConfig};
use confide_chain::devchain::{DEFAULT_MNEMONIC, derive_accounts};
use confide_crypto::protected_data::{self, DataObject};
use confide_crypto::result::{ResultDecryptionKey, ResultKeyPair, ResultLimits, decrypt_result};
use confide_crypto::seal::{self, Checksum, SealFormat, SealKey};
use confide_market::{MarketClient, OrderQuery};
use confide_node::{Node, NodeConfig, Ports};
use confide_protocol::result::ResultLocation;
use confide_protocol::{
    AppOrder, DatasetOrder, Order, OrderKind, RequestOrder, SignedOrder, Tag, WorkerpoolOrder,
};
use confide_sdk::Network;
use confide_sms::SmsClient;
use confide_storage::backend::{bytes_stream, collect};
use confide_storage::{ByteRange, IpfsConfig, IpfsStore, Location, Storage as _};

const RLC: u64 = 1_000_000_000;
const APP_DEVELOPER: usize = 1;
const DATA_OWNER: usize = 2;
const REQUESTER: usize = 4;
/// `TaskStatusEnum::COMPLETED`.
const TASK_COMPLETED: u8 = 3;

/// Polls `check` every 100 ms until it gives a value, for at most `limit`.
async fn eventually<T, Fut: std::future::Future<Output = Option<T>>>(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> Fut,
) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

struct Clients {
    chain: Client<RootProvider>,
    keys: Vec<PrivateKeySigner>,
    storage: IpfsStore,
    market: MarketClient,
    sms: SmsClient,
}

impl Clients {
    async fn of(network: &Network) -> Self {
        let mut chain = Client::connect_http(
            &network.rpc,
            network.deployment.clone(),
            ClientConfig {
                poll_interval: Duration::from_millis(20),
                ..ClientConfig::default()
            },
        )
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
        Self {
            market: MarketClient::new(&network.market, network.chain_id()).unwrap(),
            sms: SmsClient::new(&network.sms).unwrap(),
            storage: IpfsStore::new(IpfsConfig::new(network.storage.clone())).unwrap(),
            chain,
            keys,
        }
    }

    fn address(&self, role: usize) -> Address {
        self.keys[role].address()
    }

    async fn upload(&self, bytes: Vec<u8>) -> Vec<u8> {
        let cid = self.storage.put(bytes_stream(bytes)).await.unwrap();
        Location::Ipfs(cid).to_bytes().unwrap()
    }

    async fn publish_app(&self, wasm: Vec<u8>) -> Address {
        let checksum = B256::from(*Checksum::of_bytes(&wasm).as_bytes());
        let developer = self.address(APP_DEVELOPER);
        let multiaddr = self.upload(wasm).await;
        let app = self
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
            app,
            appprice: U256::from(RLC),
            volume: U256::from(1_000),
            tag: Tag::from_names(&["tee", "tdx"]).unwrap().0,
            salt: B256::random(),
            ..Default::default()
        };
        let order =
            SignedOrder::sign(order, &self.chain.domain(), &self.keys[APP_DEVELOPER]).unwrap();
        self.market
            .publish(&self.keys[APP_DEVELOPER], &order)
            .await
            .unwrap();
        app
    }

    async fn protect_and_grant(&self, record: &str, app: Address) -> Address {
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
        let dataset = mined
            .event::<IDataProtector::DatasetSchema>()
            .unwrap()
            .dataset;
        self.sms
            .push_dataset_key(&self.keys[DATA_OWNER], dataset, &key.to_base64())
            .await
            .unwrap();
        let grant = DatasetOrder {
            dataset,
            datasetprice: U256::from(2 * RLC),
            volume: U256::from(10),
            tag: Tag::from_names(&["tee"]).unwrap().0,
            apprestrict: app,
            salt: B256::random(),
            ..Default::default()
        };
        let grant = SignedOrder::sign(grant, &self.chain.domain(), &self.keys[DATA_OWNER]).unwrap();
        self.market
            .publish(&self.keys[DATA_OWNER], &grant)
            .await
            .unwrap();
        dataset
    }

    /// The market's cheapest open order of `kind` that `query` selects.
    async fn best<O: FromBook>(
        &self,
        kind: OrderKind,
        query: OrderQuery,
    ) -> Option<SignedOrder<O>> {
        let page = self.market.orders(kind, &query).await.unwrap();
        let published = page.orders.into_iter().next()?;
        Some(SignedOrder {
            order: O::from_book(published.order.order)?,
            sign: published.order.sign,
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tee_task_runs_on_the_node_and_only_the_requester_reads_its_result() {
    let Some(wasm) = confide_worker::testing::hello_app() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let node = Node::start(NodeConfig {
        ports: Ports::any(),
        ..NodeConfig::new(dir.path())
    })
    .await
    .unwrap();
    // Everything from the network file, as a client program would.
    let network = Network::read(node.network_file()).unwrap();
    let clients = Clients::of(&network).await;

    let app = clients.publish_app(wasm).await;
    let dataset = clients
        .protect_and_grant(r#"{"name":"Alice","email":"alice@example.com"}"#, app)
        .await;
    let requester = clients.address(REQUESTER);
    clients
        .chain
        .deposit(requester, U256::from(100 * RLC))
        .await
        .unwrap();
    let key = ResultKeyPair::generate().unwrap();
    clients
        .sms
        .push_web2_secret(
            &clients.keys[REQUESTER],
            confide_sms::release::RESULT_ENCRYPTION_KEY_NAME,
            &key.public().to_pem(),
            false,
        )
        .await
        .unwrap();

    // The orders of the market: the app's, the grant, and the node's workerpool order.
    let tee = Tag::from_names(&["tee", "tdx"]).unwrap();
    let app_order: SignedOrder<AppOrder> = clients
        .best(
            OrderKind::App,
            OrderQuery {
                app: Some(app),
                ..OrderQuery::default()
            },
        )
        .await
        .unwrap();
    let dataset_order: SignedOrder<DatasetOrder> = clients
        .best(
            OrderKind::Dataset,
            OrderQuery {
                dataset: Some(dataset),
                app: Some(app),
                ..OrderQuery::default()
            },
        )
        .await
        .unwrap();
    let workerpool_order: SignedOrder<WorkerpoolOrder> = eventually(
        "the node's workerpool order on the market",
        Duration::from_secs(60),
        || {
            clients.best(
                OrderKind::Workerpool,
                OrderQuery {
                    workerpool: Some(node.workerpool()),
                    min_tag: Some(tee),
                    ..OrderQuery::default()
                },
            )
        },
    )
    .await;

    let params = serde_json::json!({ "iexec_result_encryption": true });
    let request = RequestOrder {
        app,
        dataset,
        workerpool: node.workerpool(),
        appmaxprice: app_order.order.appprice,
        datasetmaxprice: dataset_order.order.datasetprice,
        workerpoolmaxprice: workerpool_order.order.workerpoolprice,
        requester,
        beneficiary: requester,
        volume: U256::from(1),
        tag: tee.0,
        params: params.to_string(),
        salt: B256::random(),
        ..RequestOrder::default()
    };
    let request =
        SignedOrder::sign(request, &clients.chain.domain(), &clients.keys[REQUESTER]).unwrap();
    let deal = clients
        .chain
        .match_orders(
            requester,
            &app_order,
            Some(&dataset_order),
            &workerpool_order,
            &request,
        )
        .await
        .unwrap();

    // The node's scheduler and workers run it; the result is the requester's alone.
    let task = confide_protocol::ids::task_id(deal, U256::ZERO);
    let view = eventually("the task to complete", Duration::from_secs(120), || async {
        let view = clients.chain.task(task).await.ok()?;
        (view.status == TASK_COMPLETED).then_some(view)
    })
    .await;
    let location = ResultLocation::from_bytes(&view.results).unwrap();
    let cid = location
        .location
        .trim_start_matches("/ipfs/")
        .parse()
        .unwrap();
    let stream = clients.storage.get(cid, ByteRange::ALL).await.unwrap();
    let encrypted = collect(stream, 64 << 20).await.unwrap();
    let mut zip = Vec::new();
    decrypt_result(
        encrypted.as_slice(),
        &ResultDecryptionKey::X25519(key.secret().clone()),
        &mut zip,
        &ResultLimits::default(),
    )
    .unwrap();
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
    let mut greeting = String::new();
    archive
        .by_name("result.txt")
        .unwrap()
        .read_to_string(&mut greeting)
        .unwrap();
    assert_eq!(greeting, "Hello, Alice!\n");
    node.shutdown().await;
}

/// An order of one kind out of the book's any-kind orders.
trait FromBook: Sized {
    fn from_book(order: Order) -> Option<Self>;
}

impl FromBook for AppOrder {
    fn from_book(order: Order) -> Option<Self> {
        match order {
            Order::App(order) => Some(order),
            _ => None,
        }
    }
}

impl FromBook for DatasetOrder {
    fn from_book(order: Order) -> Option<Self> {
        match order {
            Order::Dataset(order) => Some(order),
            _ => None,
        }
    }
}

impl FromBook for WorkerpoolOrder {
    fn from_book(order: Order) -> Option<Self> {
        match order {
            Order::Workerpool(order) => Some(order),
            _ => None,
        }
    }
}
