//! Storage round trips against the reference PoCo: deals and tasks whose fields hit every case
//! of Confide's packed encodings (optional deal slots, inline or stored tag, beneficiary,
//! sponsor, callback, results of every length, fast and classic paths, reopen, claim). Each
//! variant runs on a fresh deployment of both implementations; every view, every event and the
//! final balances must be the same once the addresses and hashes that differ between the two
//! deployments (contracts, order hashes, deal and task ids) are replaced by labels.

use crate::scenario::CHAIN_ID;
use crate::support::{addr, deploy_token, key, reference_package};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use alloy_sol_types::SolCall;
use confide_chain::artifacts::bindings::{
    IAppRegistry, IDatasetRegistry, IERC20, IWorkerpoolRegistry,
};
use confide_chain::artifacts::{self, bindings::IConfide};
use confide_chain::deploy::{deploy_confide, deploy_reference_poco_with_token};
use confide_chain::{Evm, EvmConfig, Protocol};
use confide_protocol::authorization::{enclave_signature_message, worker_authorization_hash};
use confide_protocol::consensus::DEFAULT_CATEGORIES;
use confide_protocol::ids::task_id;
use confide_protocol::result::{result_hash, result_seal};
use confide_protocol::signature::sign_personal;
use confide_protocol::{
    AppOrder, DatasetOrder, Domain, RequestOrder, SignedOrder, WorkerpoolOrder,
};
use std::path::Path;

const RLC: u64 = 1_000_000_000;
/// The timestamp of every variant's match (both chains are moved to it).
const MATCH_TIME: u64 = 1_800_000_000;

/// How the task of a variant ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// `contributeAndFinalize` (trust 1).
    Fast,
    /// `contribute` by `workers` workers (consensus at the last), `reveal` by each, `finalize`.
    Classic { workers: usize },
    /// One contribution (consensus at trust 2), no reveal, `reopen`, a second worker
    /// contributes, reveals, `finalize`.
    Reopen,
    /// One contribution without consensus (trust 3), then `claim` after the final deadline.
    Claim,
}

#[derive(Debug, Clone)]
struct Variant {
    name: &'static str,
    dataset: bool,
    tag: B256,
    /// `None`: the requester.
    beneficiary: Option<Address>,
    /// Zero, an account, or `CALLBACK_CONTRACT` for the test receiver.
    callback: Address,
    sponsored: bool,
    params: &'static str,
    trust: u64,
    /// Bag size of the deal (the task is at index `volume - 1`).
    volume: u64,
    ending: Ending,
    enclave: bool,
    results: Vec<u8>,
    /// When non-empty, the result digest is its hash.
    results_callback: Vec<u8>,
}

/// Stands for the `TestCallbackReceiver` deployed in each world.
const CALLBACK_CONTRACT: Address = Address::repeat_byte(0xcb);

fn base() -> Variant {
    Variant {
        name: "",
        dataset: true,
        tag: tag(&[0, 3]),
        beneficiary: None,
        callback: Address::ZERO,
        sponsored: false,
        params: r#"{"iexec_args":"hello"}"#,
        trust: 0,
        volume: 1,
        ending: Ending::Fast,
        enclave: true,
        results: bytes(97),
        results_callback: Vec::new(),
    }
}

fn tag(bits: &[usize]) -> B256 {
    let mut tag = U256::ZERO;
    for bit in bits {
        tag.set_bit(*bit, true);
    }
    B256::from(tag)
}

/// `n` distinct non-zero bytes.
fn bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| u8::try_from(i % 251 + 1).unwrap()).collect()
}

fn variants() -> Vec<Variant> {
    let mut all = vec![
        Variant {
            name: "TEE fast path, dataset, 97-byte results",
            ..base()
        },
        Variant {
            name: "no dataset, no tag, no params, no enclave",
            dataset: false,
            tag: B256::ZERO,
            params: "",
            enclave: false,
            ..base()
        },
        Variant {
            name: "beneficiary zero",
            beneficiary: Some(Address::ZERO),
            ..base()
        },
        Variant {
            name: "beneficiary another account",
            beneficiary: Some(addr(11)),
            ..base()
        },
        Variant {
            name: "sponsored",
            sponsored: true,
            ..base()
        },
        Variant {
            name: "callback contract, 36-byte callback data",
            callback: CALLBACK_CONTRACT,
            results_callback: bytes(36),
            results: Vec::new(),
            ..base()
        },
        Variant {
            name: "callback account, 100-byte callback data, 200-byte results",
            callback: addr(12),
            results_callback: bytes(100),
            results: bytes(200),
            ..base()
        },
        Variant {
            name: "no callback but callback data",
            results_callback: bytes(64),
            ..base()
        },
        Variant {
            name: "tag above 16 bits",
            tag: tag(&[0, 16]),
            ..base()
        },
        Variant {
            name: "no dataset, tag above 16 bits",
            dataset: false,
            tag: tag(&[0, 3, 17]),
            ..base()
        },
        Variant {
            name: "tag with bit 255",
            tag: tag(&[255]),
            enclave: false,
            ..base()
        },
        Variant {
            name: "long params",
            params: r#"{"iexec_args":"a rather long list of arguments","iexec_input_files":["https://example.com/some/file/of/the/requester.bin"]}"#,
            ..base()
        },
        Variant {
            name: "volume 3, last task",
            volume: 3,
            ..base()
        },
        Variant {
            name: "classic, trust 3, two workers, TEE",
            trust: 3,
            ending: Ending::Classic { workers: 2 },
            ..base()
        },
        Variant {
            name: "classic, trust 2, one worker, no TEE, callback",
            trust: 2,
            tag: B256::ZERO,
            enclave: false,
            callback: CALLBACK_CONTRACT,
            results_callback: bytes(40),
            ending: Ending::Classic { workers: 1 },
            ..base()
        },
        Variant {
            name: "reopen",
            trust: 2,
            ending: Ending::Reopen,
            results: bytes(60),
            ..base()
        },
        Variant {
            name: "claim, sponsored",
            trust: 3,
            sponsored: true,
            ending: Ending::Claim,
            ..base()
        },
    ];
    // Boundaries of the results chain: fast path 12 | 24 | 36 | 68 | 100 | 132...; classic
    // path 24 | 56 | 88 | 120...
    for n in [
        0, 1, 11, 12, 13, 24, 25, 35, 36, 37, 55, 56, 57, 60, 67, 68, 69, 88, 89, 97, 99, 100, 101,
        132, 133, 200,
    ] {
        all.push(Variant {
            name: "results length",
            results: bytes(n),
            ..base()
        });
        all.push(Variant {
            name: "results length, no enclave",
            results: bytes(n),
            tag: B256::ZERO,
            enclave: false,
            ..base()
        });
    }
    for n in [0, 1, 12, 13, 23, 24, 25, 55, 56, 57, 88, 89, 120, 121] {
        all.push(Variant {
            name: "results length, classic",
            results: bytes(n),
            trust: 2,
            ending: Ending::Classic { workers: 1 },
            ..base()
        });
    }
    for n in [1, 31, 32, 33, 100] {
        all.push(Variant {
            name: "callback data length",
            callback: addr(12),
            results_callback: bytes(n),
            ..base()
        });
        all.push(Variant {
            name: "callback data length, classic",
            callback: addr(12),
            results_callback: bytes(n),
            results: bytes(n + 7),
            trust: 2,
            ending: Ending::Classic { workers: 1 },
            ..base()
        });
    }
    all
}

/// One deployment and what the variant's transcript needs.
struct World {
    evm: Evm,
    protocol: Protocol,
    domain: Domain,
    app: Address,
    dataset: Address,
    workerpool: Address,
    callback: Address,
    /// Lowercase hex (no prefix) → label.
    labels: Vec<(String, String)>,
    transcript: Vec<String>,
    /// Gas of each task transaction (label, gas).
    gas: Vec<(String, u64)>,
}

struct Actors {
    owner: PrivateKeySigner,
    app_owner: PrivateKeySigner,
    dataset_owner: PrivateKeySigner,
    scheduler: PrivateKeySigner,
    requester: PrivateKeySigner,
    sponsor: PrivateKeySigner,
    enclave: PrivateKeySigner,
    workers: [PrivateKeySigner; 2],
}

fn actors() -> Actors {
    Actors {
        owner: key(1),
        app_owner: key(2),
        dataset_owner: key(3),
        scheduler: key(4),
        requester: key(5),
        sponsor: key(10),
        enclave: key(7),
        workers: [key(6), key(8)],
    }
}

impl World {
    fn new(mut evm: Evm, protocol: Protocol) -> Self {
        let a = actors();
        let receiver = artifacts::get("TestCallbackReceiver")
            .unwrap()
            .bytecode()
            .unwrap();
        let callback = evm.deploy(a.owner.address(), receiver).unwrap();
        let domain = protocol.domain(CHAIN_ID);
        let mut world = Self {
            evm,
            domain,
            app: Address::ZERO,
            dataset: Address::ZERO,
            workerpool: Address::ZERO,
            callback,
            labels: Vec::new(),
            transcript: Vec::new(),
            gas: Vec::new(),
            protocol,
        };
        let p = &world.protocol;
        for (address, label) in [
            (p.address, "PROTOCOL"),
            (p.token, "TOKEN"),
            (p.app_registry, "APP_REGISTRY"),
            (p.dataset_registry, "DATASET_REGISTRY"),
            (p.workerpool_registry, "WORKERPOOL_REGISTRY"),
            (callback, "CALLBACK"),
        ] {
            world.label(address.as_slice(), label);
        }

        let create_app = IAppRegistry::createAppCall {
            owner: a.app_owner.address(),
            name: "app".into(),
            appType: "DOCKER".into(),
            multiaddr: Bytes::from_static(b"docker.io/confide/app:1.0.0"),
            checksum: B256::repeat_byte(0xa1),
            mrenclave: Bytes::new(),
        };
        world.app = world
            .send_as(&a.app_owner, world.protocol.app_registry, &create_app)
            .decode::<IAppRegistry::createAppCall>()
            .unwrap();
        let create_dataset = IDatasetRegistry::createDatasetCall {
            owner: a.dataset_owner.address(),
            name: "dataset".into(),
            multiaddr: Bytes::from_static(b"/ipfs/dataset"),
            checksum: B256::repeat_byte(0xd5),
        };
        world.dataset = world
            .send_as(
                &a.dataset_owner,
                world.protocol.dataset_registry,
                &create_dataset,
            )
            .decode::<IDatasetRegistry::createDatasetCall>()
            .unwrap();
        let create_pool = IWorkerpoolRegistry::createWorkerpoolCall {
            owner: a.scheduler.address(),
            description: "pool".into(),
        };
        world.workerpool = world
            .send_as(
                &a.scheduler,
                world.protocol.workerpool_registry,
                &create_pool,
            )
            .decode::<IWorkerpoolRegistry::createWorkerpoolCall>()
            .unwrap();
        for (address, label) in [
            (world.app, "APP"),
            (world.dataset, "DATASET"),
            (world.workerpool, "WORKERPOOL"),
        ] {
            world.label(address.as_slice(), label);
        }

        // The reference's `configure` sets PoCo 6.1's 100,000; Confide's PoCo 6.2's 200,000.
        let p = world.protocol.address;
        let callback_gas = IConfide::setCallbackGasCall(U256::from(200_000));
        world.send_as(&a.owner, p, &callback_gas);

        let deposit = U256::from(1_000 * RLC);
        let depositors = [
            &a.requester,
            &a.scheduler,
            &a.sponsor,
            &a.workers[0],
            &a.workers[1],
        ];
        for who in depositors {
            let transfer = IERC20::transferCall {
                to: who.address(),
                value: deposit,
            };
            let token = world.protocol.token;
            world.send_as(&a.owner, token, &transfer);
            let approve = IERC20::approveCall {
                spender: world.protocol.address,
                value: deposit,
            };
            world.send_as(who, token, &approve);
            let p = world.protocol.address;
            world.send_as(who, p, &IConfide::depositCall(deposit));
        }
        world
    }

    fn label(&mut self, raw: &[u8], label: &str) {
        self.labels
            .push((alloy_primitives::hex::encode(raw), label.to_owned()));
    }

    fn normalize(&self, text: &str) -> String {
        let mut text = text.to_lowercase();
        for (hex, label) in &self.labels {
            text = text.replace(hex, label);
        }
        text
    }

    /// Records a line (normalized at the end of the run, once every label is known).
    fn note(&mut self, text: String) {
        self.transcript.push(text);
    }

    fn send_as<C: SolCall>(
        &mut self,
        from: &PrivateKeySigner,
        to: Address,
        call: &C,
    ) -> confide_chain::TxOutcome {
        self.evm
            .transact(from.address(), to, call.abi_encode())
            .unwrap()
            .ok()
            .unwrap_or_else(|e| panic!("{}: {e}", C::SIGNATURE))
    }

    /// Sends a protocol call that must succeed and records its events.
    fn step<C: SolCall>(
        &mut self,
        label: &str,
        from: &PrivateKeySigner,
        call: &C,
    ) -> confide_chain::TxOutcome {
        let p = self.protocol.address;
        let outcome = self.send_as(from, p, call);
        self.gas.push((label.to_owned(), outcome.gas_used));
        self.note(format!("{label}: output {}", outcome.output));
        for log in &outcome.logs {
            self.note(format!(
                "  log {} {:?} {}",
                log.address,
                log.data.topics(),
                log.data.data
            ));
        }
        outcome
    }

    fn view<C: SolCall>(&mut self, what: &str, call: &C)
    where
        C::Return: std::fmt::Debug,
    {
        let result = self.evm.view(self.protocol.address, call);
        let text = match result {
            Ok(value) => format!("{what}: {value:?}"),
            Err(e) => format!("{what}: {e}"),
        };
        self.note(text);
    }

    fn views(&mut self, deal: B256, task: B256, workers: &[Address]) {
        self.view("viewDeal", &IConfide::viewDealCall { id: deal });
        self.view(
            "viewDealABILegacy_pt1",
            &IConfide::viewDealABILegacy_pt1Call { _id: deal },
        );
        self.view(
            "viewDealABILegacy_pt2",
            &IConfide::viewDealABILegacy_pt2Call { _id: deal },
        );
        self.view(
            "viewConfigABILegacy",
            &IConfide::viewConfigABILegacyCall { _id: deal },
        );
        self.view("viewTask", &IConfide::viewTaskCall { id: task });
        self.view(
            "viewTaskABILegacy",
            &IConfide::viewTaskABILegacyCall { _taskid: task },
        );
        self.view("resultFor", &IConfide::resultForCall { id: task });
        for worker in workers.iter().chain(&[Address::ZERO]) {
            self.view(
                "viewContribution",
                &IConfide::viewContributionCall {
                    _taskid: task,
                    _worker: *worker,
                },
            );
            self.view(
                "viewContributionABILegacy",
                &IConfide::viewContributionABILegacyCall {
                    _taskid: task,
                    _worker: *worker,
                },
            );
            self.view("viewScore", &IConfide::viewScoreCall { _worker: *worker });
        }
    }

    /// Runs `v` and returns the transcript.
    fn run(mut self, v: &Variant) -> (Vec<String>, Vec<(String, u64)>) {
        let a = actors();
        let callback = if v.callback == CALLBACK_CONTRACT {
            self.callback
        } else {
            v.callback
        };
        let (dataset, dataset_price) = if v.dataset {
            (self.dataset, U256::from(2 * RLC))
        } else {
            (Address::ZERO, U256::ZERO)
        };
        let (app_price, pool_price) = (U256::from(RLC), U256::from(5 * RLC));
        let volume = U256::from(v.volume);
        let app_order = SignedOrder::sign(
            AppOrder {
                app: self.app,
                appprice: app_price,
                volume,
                tag: v.tag,
                salt: B256::repeat_byte(0x01),
                ..Default::default()
            },
            &self.domain,
            &a.app_owner,
        )
        .unwrap();
        let dataset_order = if v.dataset {
            SignedOrder::sign(
                DatasetOrder {
                    dataset,
                    datasetprice: dataset_price,
                    volume,
                    tag: v.tag,
                    salt: B256::repeat_byte(0x02),
                    ..Default::default()
                },
                &self.domain,
                &a.dataset_owner,
            )
            .unwrap()
        } else {
            SignedOrder {
                order: DatasetOrder::default(),
                sign: Some(Bytes::new()),
            }
        };
        let pool_order = SignedOrder::sign(
            WorkerpoolOrder {
                workerpool: self.workerpool,
                workerpoolprice: pool_price,
                volume,
                tag: v.tag,
                category: U256::ZERO,
                trust: U256::from(v.trust),
                salt: B256::repeat_byte(0x03),
                ..Default::default()
            },
            &self.domain,
            &a.scheduler,
        )
        .unwrap();
        let request_order = SignedOrder::sign(
            RequestOrder {
                app: self.app,
                appmaxprice: app_price,
                dataset,
                datasetmaxprice: dataset_price,
                workerpool: self.workerpool,
                workerpoolmaxprice: pool_price,
                requester: a.requester.address(),
                volume,
                tag: v.tag,
                category: U256::ZERO,
                trust: U256::from(v.trust),
                beneficiary: v.beneficiary.unwrap_or(a.requester.address()),
                callback,
                params: v.params.into(),
                salt: B256::repeat_byte(0x04),
            },
            &self.domain,
            &a.requester,
        )
        .unwrap();
        for (hash, label) in [
            (app_order.hash(&self.domain), "APP_ORDER"),
            (dataset_order.hash(&self.domain), "DATASET_ORDER"),
            (pool_order.hash(&self.domain), "WORKERPOOL_ORDER"),
            (request_order.hash(&self.domain), "REQUEST_ORDER"),
        ] {
            self.label(hash.as_slice(), label);
        }

        self.evm.set_timestamp(MATCH_TIME).unwrap();
        let (app_order, dataset_order, pool_order, request_order) = (
            (&app_order).into(),
            (&dataset_order).into(),
            (&pool_order).into(),
            (&request_order).into(),
        );
        let matched = if v.sponsored {
            let call = IConfide::sponsorMatchOrdersCall {
                _0: app_order,
                _1: dataset_order,
                _2: pool_order,
                _3: request_order,
            };
            self.step("sponsorMatchOrders", &a.sponsor, &call)
        } else {
            let call = IConfide::matchOrdersCall {
                _0: app_order,
                _1: dataset_order,
                _2: pool_order,
                _3: request_order,
            };
            self.step("matchOrders", &a.requester, &call)
        };
        let deal = B256::from_slice(&matched.output[..32]);
        self.label(deal.as_slice(), "DEAL");
        let index = U256::from(v.volume - 1);
        let task = task_id(deal, index);
        self.label(task.as_slice(), "TASK");
        self.views(deal, task, &[]);
        // Bulk processing's check of a dataset order against the deal: its tag within the
        // deal's, then a tag bit the deal lacks.
        for (salt, tag) in [
            (0x05, v.tag),
            (0x06, v.tag | B256::from(U256::from(1) << 20)),
        ] {
            let order = SignedOrder::sign(
                DatasetOrder {
                    dataset: self.dataset,
                    datasetprice: U256::ZERO,
                    volume: U256::from(1),
                    tag,
                    salt: B256::repeat_byte(salt),
                    ..Default::default()
                },
                &self.domain,
                &a.dataset_owner,
            )
            .unwrap();
            let call = IConfide::assertDatasetDealCompatibilityCall {
                datasetOrder: (&order).into(),
                dealId: deal,
            };
            let outcome = self
                .evm
                .call(Address::ZERO, self.protocol.address, call.abi_encode())
                .unwrap();
            self.note(format!(
                "assertDatasetDealCompatibility: {:?}",
                outcome.revert
            ));
        }
        self.step(
            "initialize",
            &a.scheduler,
            &IConfide::initializeCall {
                dealId: deal,
                index,
            },
        );

        let digest = if v.results_callback.is_empty() {
            B256::repeat_byte(0x5d)
        } else {
            keccak256(&v.results_callback)
        };
        let hash = result_hash(task, digest);
        self.label(hash.as_slice(), "RESULT_HASH");
        let challenge = if v.enclave {
            a.enclave.address()
        } else {
            Address::ZERO
        };
        let workers: Vec<Address> = a.workers.iter().map(PrivateKeySigner::address).collect();
        for worker in &workers {
            let seal = result_seal(*worker, task, digest);
            self.label(seal.as_slice(), "RESULT_SEAL");
        }
        let authorization = |worker: Address| {
            sign_personal(
                &a.scheduler,
                &worker_authorization_hash(worker, task, challenge),
            )
            .unwrap()
        };
        let enclave_sign = |worker: Address| {
            if v.enclave {
                let seal = result_seal(worker, task, digest);
                sign_personal(&a.enclave, &enclave_signature_message(hash, seal)).unwrap()
            } else {
                Bytes::new()
            }
        };
        let contribute = |world: &mut Self, worker: &PrivateKeySigner| {
            let w = worker.address();
            let call = IConfide::contributeCall {
                taskId: task,
                resultHash: hash,
                resultSeal: result_seal(w, task, digest),
                enclaveChallenge: challenge,
                enclaveSign: enclave_sign(w),
                authorizationSign: authorization(w),
            };
            world.step("contribute", worker, &call);
        };
        let reveal = |world: &mut Self, worker: &PrivateKeySigner| {
            let call = IConfide::revealCall {
                taskId: task,
                resultDigest: digest,
            };
            world.step("reveal", worker, &call);
        };
        let finalize = |world: &mut Self| {
            let call = IConfide::finalizeCall {
                taskId: task,
                results: v.results.clone().into(),
                resultsCallback: v.results_callback.clone().into(),
            };
            world.step("finalize", &a.scheduler, &call);
        };
        let timeref = DEFAULT_CATEGORIES[0].work_clock_time_ref;
        match v.ending {
            Ending::Fast => {
                let worker = &a.workers[0];
                let call = IConfide::contributeAndFinalizeCall {
                    taskId: task,
                    resultDigest: digest,
                    results: v.results.clone().into(),
                    resultsCallback: v.results_callback.clone().into(),
                    enclaveChallenge: challenge,
                    enclaveSign: enclave_sign(worker.address()),
                    authorizationSign: authorization(worker.address()),
                };
                self.step("contributeAndFinalize", worker, &call);
            }
            Ending::Classic { workers } => {
                for worker in &a.workers[..workers] {
                    contribute(&mut self, worker);
                    self.views(deal, task, &[worker.address()]);
                }
                for worker in &a.workers[..workers] {
                    reveal(&mut self, worker);
                }
                finalize(&mut self);
            }
            Ending::Reopen => {
                contribute(&mut self, &a.workers[0]);
                self.views(deal, task, &workers);
                self.evm.increase_time(2 * timeref + 1);
                self.step(
                    "reopen",
                    &a.scheduler,
                    &IConfide::reopenCall { taskId: task },
                );
                self.views(deal, task, &workers);
                contribute(&mut self, &a.workers[1]);
                reveal(&mut self, &a.workers[1]);
                finalize(&mut self);
            }
            Ending::Claim => {
                contribute(&mut self, &a.workers[0]);
                self.views(deal, task, &workers);
                self.evm.set_timestamp(MATCH_TIME + 10 * timeref).unwrap();
                self.step("claim", &a.requester, &IConfide::claimCall { taskId: task });
            }
        }
        self.views(deal, task, &workers);
        let accounts = [
            a.requester.address(),
            a.sponsor.address(),
            a.app_owner.address(),
            a.dataset_owner.address(),
            a.scheduler.address(),
            workers[0],
            workers[1],
            self.protocol.address,
            Address::from_slice(
                &alloy_primitives::hex::decode("99c2268479b93fde36232351229815df80837e23").unwrap(),
            ),
        ];
        for account in accounts {
            self.view("viewAccount", &IConfide::viewAccountCall { account });
        }
        self.view("kitty", &IConfide::kitty_addressCall {});
        let transcript = self
            .transcript
            .iter()
            .map(|line| self.normalize(line))
            .collect();
        (transcript, self.gas)
    }
}

fn confide_world() -> World {
    let mut evm = Evm::new(EvmConfig::with_chain_id(CHAIN_ID));
    let protocol = deploy_confide(&mut evm, addr(1)).unwrap();
    World::new(evm, protocol)
}

fn reference_world(package: &Path) -> World {
    let mut evm = Evm::new(EvmConfig::with_chain_id(CHAIN_ID));
    let token = deploy_token(&mut evm, addr(1));
    let protocol = deploy_reference_poco_with_token(&mut evm, addr(1), package, token).unwrap();
    World::new(evm, protocol)
}

#[test]
fn deals_and_tasks_read_back_as_on_the_reference() {
    let Some(package) = reference_package("deals_and_tasks_read_back_as_on_the_reference") else {
        return;
    };
    let mut failures = Vec::new();
    for variant in variants() {
        let label = format!("{} ({} results bytes)", variant.name, variant.results.len());
        let (ours, gas) = confide_world().run(&variant);
        let (theirs, reference_gas) = reference_world(&package).run(&variant);
        if ours != theirs {
            let first = ours
                .iter()
                .zip(&theirs)
                .position(|(a, b)| a != b)
                .unwrap_or(ours.len().min(theirs.len()));
            failures.push(format!(
                "{label}: first difference at line {first}\n  confide:   {}\n  reference: {}",
                ours.get(first).map_or("(end)", String::as_str),
                theirs.get(first).map_or("(end)", String::as_str)
            ));
        }
        let total = |gas: &[(String, u64)]| gas.iter().map(|(_, g)| g).sum::<u64>();
        println!(
            "{label:<70} confide {:>9} reference {:>9}",
            total(&gas),
            total(&reference_gas)
        );
        for (step, used) in &gas {
            println!("    {step:<28} {used:>9}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Asset metadata of every shape (empty fields, zero checksum, long fields) reads back through
/// `viewApp`/`viewDataset`/`viewWorkerpool` as on the reference; `predictX` gives the address
/// `createX` creates, and the same (owner, metadata) cannot be created twice.
#[test]
fn assets_read_back_as_on_the_reference() {
    let Some(package) = reference_package("assets_read_back_as_on_the_reference") else {
        return;
    };
    let long =
        |n: usize| String::from_utf8(bytes(n).iter().map(|b| b'a' + b % 26).collect()).unwrap();
    let apps = [
        ("", "", Vec::new(), B256::ZERO, Vec::new()),
        (
            "app",
            "DOCKER",
            b"docker.io/a:1".to_vec(),
            B256::repeat_byte(1),
            Vec::new(),
        ),
        (
            "tee",
            "DOCKER",
            bytes(31),
            B256::repeat_byte(2),
            br#"{"framework":"SCONE","version":"v5","fingerprint":"00"}"#.to_vec(),
        ),
        ("", "", bytes(300), B256::ZERO, bytes(1)),
    ];
    let datasets = [
        (String::new(), Vec::new(), B256::ZERO),
        ("d".to_owned(), b"/ipfs/bafk".to_vec(), B256::repeat_byte(3)),
        (long(200), bytes(64), B256::ZERO),
    ];
    let pools = [String::new(), "pool".to_owned(), long(100)];

    let run = |mut world: World| -> Vec<String> {
        let owner = key(2);
        let (app_registry, dataset_registry, pool_registry) = (
            world.protocol.app_registry,
            world.protocol.dataset_registry,
            world.protocol.workerpool_registry,
        );
        for (i, (name, app_type, multiaddr, checksum, mrenclave)) in apps.iter().enumerate() {
            let create = IAppRegistry::createAppCall {
                owner: owner.address(),
                name: (*name).into(),
                appType: (*app_type).into(),
                multiaddr: multiaddr.clone().into(),
                checksum: *checksum,
                mrenclave: mrenclave.clone().into(),
            };
            let predict = IAppRegistry::predictAppCall {
                owner: create.owner,
                name: create.name.clone(),
                appType: create.appType.clone(),
                multiaddr: create.multiaddr.clone(),
                checksum: create.checksum,
                mrenclave: create.mrenclave.clone(),
            };
            let predicted = world.evm.view(app_registry, &predict).unwrap();
            let app = world
                .send_as(&owner, app_registry, &create)
                .decode::<IAppRegistry::createAppCall>()
                .unwrap();
            assert_eq!(app, predicted);
            world.label(app.as_slice(), &format!("APP{i}"));
            world.view("viewApp", &IConfide::viewAppCall { app });
            let again = world
                .evm
                .transact(owner.address(), app_registry, create.abi_encode())
                .unwrap();
            assert!(!again.success, "an app created twice");
        }
        for (i, (name, multiaddr, checksum)) in datasets.iter().enumerate() {
            let create = IDatasetRegistry::createDatasetCall {
                owner: owner.address(),
                name: name.clone(),
                multiaddr: multiaddr.clone().into(),
                checksum: *checksum,
            };
            let predict = IDatasetRegistry::predictDatasetCall {
                owner: create.owner,
                name: create.name.clone(),
                multiaddr: create.multiaddr.clone(),
                checksum: create.checksum,
            };
            let predicted = world.evm.view(dataset_registry, &predict).unwrap();
            let dataset = world
                .send_as(&owner, dataset_registry, &create)
                .decode::<IDatasetRegistry::createDatasetCall>()
                .unwrap();
            assert_eq!(dataset, predicted);
            world.label(dataset.as_slice(), &format!("DATASET{i}"));
            world.view("viewDataset", &IConfide::viewDatasetCall { dataset });
        }
        for (i, description) in pools.iter().enumerate() {
            let create = IWorkerpoolRegistry::createWorkerpoolCall {
                owner: owner.address(),
                description: description.clone(),
            };
            let predict = IWorkerpoolRegistry::predictWorkerpoolCall {
                owner: create.owner,
                description: create.description.clone(),
            };
            let predicted = world.evm.view(pool_registry, &predict).unwrap();
            let workerpool = world
                .send_as(&owner, pool_registry, &create)
                .decode::<IWorkerpoolRegistry::createWorkerpoolCall>()
                .unwrap();
            assert_eq!(workerpool, predicted);
            world.label(workerpool.as_slice(), &format!("WORKERPOOL{i}"));
            world.view(
                "viewWorkerpool",
                &IConfide::viewWorkerpoolCall { workerpool },
            );
        }
        world
            .transcript
            .iter()
            .map(|line| world.normalize(line))
            .collect()
    };
    let ours = run(confide_world());
    let theirs = run(reference_world(&package));
    assert_eq!(ours, theirs);
}
