//! The four orders of a deal: drafts with defaults, signing, matching, presign and cancel.

use super::tasks::unit;
use super::{Call, RLC, ScenarioError, Session};
use crate::artifacts::bindings::{IConfide, Types};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use confide_protocol::tag::TagBit;
use confide_protocol::{
    AppOrder, DatasetOrder, Domain, OrderKind, RequestOrder, SignedOrder, Tag, WorkerpoolOrder,
};

/// The assets a deal runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assets {
    /// The app.
    pub app: Address,
    /// The dataset, if any.
    pub dataset: Option<Address>,
    /// The workerpool.
    pub workerpool: Address,
}

/// What an [`OrderDraft`] asks: prices, volume, tag, category, trust, params.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// App price (nRLC per task); also the request's maximum.
    pub app_price: U256,
    /// Dataset price (ignored without a dataset); also the request's maximum.
    pub dataset_price: U256,
    /// Workerpool price; also the request's maximum.
    pub workerpool_price: U256,
    /// Volume of every order.
    pub volume: U256,
    /// Tag of the app, workerpool and request orders (the dataset order gets its TEE bit).
    pub tag: Tag,
    /// Category of the workerpool and request orders.
    pub category: U256,
    /// Trust of the workerpool and request orders.
    pub trust: U256,
    /// The request's params.
    pub params: String,
    /// The request's callback.
    pub callback: Address,
    /// Seed of the orders' salts (a different seed, different orders).
    pub salt: u64,
}

impl Default for Terms {
    /// A standard task: app 1 RLC, dataset 2 RLC, workerpool 5 RLC, volume 1, no tag,
    /// category 0 (XS), trust 0, no callback.
    fn default() -> Self {
        Self {
            app_price: U256::from(RLC),
            dataset_price: U256::from(2 * RLC),
            workerpool_price: U256::from(5 * RLC),
            volume: U256::from(1),
            tag: Tag::NONE,
            category: U256::ZERO,
            trust: U256::ZERO,
            params: r#"{"iexec_args":"hello"}"#.into(),
            callback: Address::ZERO,
            salt: 0,
        }
    }
}

impl Terms {
    /// The default terms with the TEE and TDX tag bits.
    pub fn tee() -> Self {
        Self {
            tag: Tag::from_bits(&[TagBit::Tee, TagBit::Tdx]),
            ..Self::default()
        }
    }

    /// What the requester pays per task (the dataset price counts only `with_dataset`).
    pub fn task_price(&self, with_dataset: bool) -> U256 {
        let dataset = if with_dataset {
            self.dataset_price
        } else {
            U256::ZERO
        };
        self.app_price + dataset + self.workerpool_price
    }
}

/// The four orders of a deal before signing: edit any field, then [`Session::sign_orders`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDraft {
    /// The app developer's order.
    pub app: AppOrder,
    /// The data owner's order; `None` for a deal without dataset (the null order is sent).
    pub dataset: Option<DatasetOrder>,
    /// The scheduler's order.
    pub workerpool: WorkerpoolOrder,
    /// The requester's order.
    pub request: RequestOrder,
}

impl OrderDraft {
    /// Orders for `assets` on `terms`, requested by `requester` (also the beneficiary), that
    /// match each other.
    pub fn new(assets: &Assets, terms: &Terms, requester: Address) -> Self {
        let salt = |kind: u8| keccak256([&terms.salt.to_be_bytes()[..], &[kind]].concat());
        let tag = terms.tag.0;
        let dataset_tag = if terms.tag.is_tee() {
            Tag::from_bits(&[TagBit::Tee]).0
        } else {
            B256::ZERO
        };
        let dataset_price = if assets.dataset.is_some() {
            terms.dataset_price
        } else {
            U256::ZERO
        };
        Self {
            app: AppOrder {
                app: assets.app,
                appprice: terms.app_price,
                volume: terms.volume,
                tag,
                salt: salt(0),
                ..Default::default()
            },
            dataset: assets.dataset.map(|dataset| DatasetOrder {
                dataset,
                datasetprice: dataset_price,
                volume: terms.volume,
                tag: dataset_tag,
                salt: salt(1),
                ..Default::default()
            }),
            workerpool: WorkerpoolOrder {
                workerpool: assets.workerpool,
                workerpoolprice: terms.workerpool_price,
                volume: terms.volume,
                tag,
                category: terms.category,
                trust: terms.trust,
                salt: salt(2),
                ..Default::default()
            },
            request: RequestOrder {
                app: assets.app,
                appmaxprice: terms.app_price,
                dataset: assets.dataset.unwrap_or_default(),
                datasetmaxprice: dataset_price,
                workerpool: assets.workerpool,
                workerpoolmaxprice: terms.workerpool_price,
                requester,
                volume: terms.volume,
                tag,
                category: terms.category,
                trust: terms.trust,
                beneficiary: requester,
                callback: terms.callback,
                params: terms.params.clone(),
                salt: salt(3),
            },
        }
    }
}

/// The four signed orders of a deal (the dataset order is the unsigned null order when the
/// deal has no dataset). Fields are public: tests may tamper with signatures.
#[derive(Debug, Clone, PartialEq)]
pub struct Orders {
    /// The app order.
    pub app: SignedOrder<AppOrder>,
    /// The dataset order.
    pub dataset: SignedOrder<DatasetOrder>,
    /// The workerpool order.
    pub workerpool: SignedOrder<WorkerpoolOrder>,
    /// The request order.
    pub request: SignedOrder<RequestOrder>,
}

impl Orders {
    /// Whether the deal uses a dataset.
    pub fn has_dataset(&self) -> bool {
        self.dataset.order.dataset != Address::ZERO
    }

    /// The hashes of the app, dataset (zero without dataset), workerpool and request orders.
    pub fn hashes(&self, domain: &Domain) -> [B256; 4] {
        let dataset = if self.has_dataset() {
            self.dataset.hash(domain)
        } else {
            B256::ZERO
        };
        [
            self.app.hash(domain),
            dataset,
            self.workerpool.hash(domain),
            self.request.hash(domain),
        ]
    }

    /// The volume of the order of `kind`.
    pub fn volume(&self, kind: OrderKind) -> U256 {
        match kind {
            OrderKind::App => self.app.order.volume,
            OrderKind::Dataset => self.dataset.order.volume,
            OrderKind::Workerpool => self.workerpool.order.volume,
            OrderKind::Request => self.request.order.volume,
        }
    }

    /// `matchOrders(app, dataset, workerpool, request)`.
    pub fn match_call(&self) -> IConfide::matchOrdersCall {
        IConfide::matchOrdersCall {
            _0: (&self.app).into(),
            _1: (&self.dataset).into(),
            _2: (&self.workerpool).into(),
            _3: (&self.request).into(),
        }
    }
}

/// What `manage*Order` does (`Types.OrderOperationEnum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderOperation {
    /// Presign: the order is valid without its `sign`.
    Sign = 0,
    /// Close (cancel): the order's remaining volume drops to zero, for good.
    Close = 1,
}

impl Session<'_> {
    /// Signs a draft: the app order by the app developer, the dataset order by the data owner,
    /// the workerpool order by the scheduler and the request order by the actor named as its
    /// requester (the requester actor when none is).
    pub fn sign_orders(&self, draft: OrderDraft) -> Result<Orders, ScenarioError> {
        let (domain, actors) = (self.domain(), self.actors());
        let request_signer = actors
            .find(draft.request.requester)
            .unwrap_or(&actors.requester);
        Ok(Orders {
            app: SignedOrder::sign(draft.app, domain, &actors.app_developer)?,
            dataset: match draft.dataset {
                Some(order) => SignedOrder::sign(order, domain, &actors.data_owner)?,
                None => SignedOrder::unsigned(DatasetOrder::null()),
            },
            workerpool: SignedOrder::sign(draft.workerpool, domain, &actors.scheduler)?,
            request: SignedOrder::sign(draft.request, domain, request_signer)?,
        })
    }

    /// Drafts and signs the orders of `assets` on `terms` for the requester actor.
    pub fn orders(&self, assets: &Assets, terms: &Terms) -> Result<Orders, ScenarioError> {
        let requester = self.actors().requester.address();
        self.sign_orders(OrderDraft::new(assets, terms, requester))
    }

    /// The request's requester matches the orders (`matchOrders`); returns the deal id.
    pub fn match_orders(&mut self, orders: &Orders) -> Result<Call<B256>, ScenarioError> {
        let from = orders.request.order.requester;
        self.name_orders(orders);
        let call = orders.match_call();
        self.send_naming("matchOrders", from, &call, |s, _, deal| s.name_deal(deal))
    }

    /// `sponsor` matches the orders and pays for the deal (`sponsorMatchOrders`).
    pub fn sponsor_match_orders(
        &mut self,
        orders: &Orders,
        sponsor: Address,
    ) -> Result<Call<B256>, ScenarioError> {
        self.name_orders(orders);
        let m = orders.match_call();
        let call = IConfide::sponsorMatchOrdersCall {
            _0: m._0,
            _1: m._1,
            _2: m._2,
            _3: m._3,
        };
        self.send_naming("sponsorMatchOrders", sponsor, &call, |s, _, deal| {
            s.name_deal(deal)
        })
    }

    /// The owner of the order of `kind` presigns or closes it (`manage<Kind>Order`).
    pub fn manage_order(
        &mut self,
        orders: &Orders,
        kind: OrderKind,
        operation: OrderOperation,
    ) -> Result<Call<()>, ScenarioError> {
        self.name_orders(orders);
        let op = operation as u8;
        let label = format!(
            "manage{}Order ({})",
            kind_name(kind),
            match operation {
                OrderOperation::Sign => "sign",
                OrderOperation::Close => "close",
            }
        );
        let actors = self.actors();
        let call = match kind {
            OrderKind::App => {
                let from = actors.app_developer.address();
                let call = IConfide::manageAppOrderCall(Types::AppOrderOperation {
                    order: (&orders.app).into(),
                    operation: op,
                    sign: Bytes::new(),
                });
                unit(self.send_protocol(label, from, &call)?)
            }
            OrderKind::Dataset => {
                let from = actors.data_owner.address();
                let call = IConfide::manageDatasetOrderCall(Types::DatasetOrderOperation {
                    order: (&orders.dataset).into(),
                    operation: op,
                    sign: Bytes::new(),
                });
                unit(self.send_protocol(label, from, &call)?)
            }
            OrderKind::Workerpool => {
                let from = actors.scheduler.address();
                let call = IConfide::manageWorkerpoolOrderCall(Types::WorkerpoolOrderOperation {
                    order: (&orders.workerpool).into(),
                    operation: op,
                    sign: Bytes::new(),
                });
                unit(self.send_protocol(label, from, &call)?)
            }
            OrderKind::Request => {
                let from = orders.request.order.requester;
                let call = IConfide::manageRequestOrderCall(Types::RequestOrderOperation {
                    order: (&orders.request).into(),
                    operation: op,
                    sign: Bytes::new(),
                });
                unit(self.send_protocol(label, from, &call)?)
            }
        };
        Ok(call)
    }

    /// How much of the order of `kind` was consumed (`viewConsumed`).
    pub fn consumed(&self, orders: &Orders, kind: OrderKind) -> Result<U256, ScenarioError> {
        let hash = orders.hashes(self.domain())[kind_index(kind)];
        self.view(&IConfide::viewConsumedCall { _id: hash })
    }

    /// Names the orders' hashes `apporder:<n>`... (first sight wins).
    fn name_orders(&mut self, orders: &Orders) {
        let hashes = orders.hashes(self.domain());
        for (index, hash) in hashes.into_iter().enumerate() {
            if hash == B256::ZERO || self.symbols().word_name(hash).is_some() {
                continue;
            }
            let n = self.counters.orders[index];
            self.counters.orders[index] += 1;
            let kind = [
                "apporder",
                "datasetorder",
                "workerpoolorder",
                "requestorder",
            ][index];
            self.symbols_mut().name_word(hash, format!("{kind}:{n}"));
        }
    }

    /// Names a new deal `deal:<n>` and its tasks `task:<n>/<index>`.
    fn name_deal(&mut self, deal: Option<&B256>) {
        let Some(&deal) = deal else { return };
        let n = self.counters.deals;
        self.counters.deals += 1;
        self.symbols_mut().name_word(deal, format!("deal:{n}"));
        if let Ok(viewed) = self.view(&IConfide::viewDealCall { id: deal }) {
            let first: u64 = viewed.botFirst.saturating_to();
            let size: u64 = viewed.botSize.saturating_to();
            for index in first..first.saturating_add(size) {
                let task = confide_protocol::ids::task_id(deal, U256::from(index));
                self.symbols_mut()
                    .name_word(task, format!("task:{n}/{index}"));
            }
        }
    }
}

/// The index of `kind` in [`Orders::hashes`].
fn kind_index(kind: OrderKind) -> usize {
    match kind {
        OrderKind::App => 0,
        OrderKind::Dataset => 1,
        OrderKind::Workerpool => 2,
        OrderKind::Request => 3,
    }
}

fn kind_name(kind: OrderKind) -> &'static str {
    match kind {
        OrderKind::App => "App",
        OrderKind::Dataset => "Dataset",
        OrderKind::Workerpool => "Workerpool",
        OrderKind::Request => "Request",
    }
}
