//! The four orders of a deal: assets, terms, drafts with defaults, signed orders.

use super::RLC;
use crate::artifacts::bindings::{IConfide, Types};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::SolCall;
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

/// The four orders of a deal before signing: edit any field, then
/// [`Session::sign_orders`](super::Session::sign_orders).
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

impl Orders {
    /// The calldata of `manage<Kind>Order` on the order of `kind` with `operation` and the
    /// operation signature `sign` (empty for the owner's own call).
    pub fn manage_calldata(
        &self,
        kind: OrderKind,
        operation: OrderOperation,
        sign: Bytes,
    ) -> Bytes {
        let operation = operation as u8;
        let data = match kind {
            OrderKind::App => IConfide::manageAppOrderCall(Types::AppOrderOperation {
                order: (&self.app).into(),
                operation,
                sign,
            })
            .abi_encode(),
            OrderKind::Dataset => IConfide::manageDatasetOrderCall(Types::DatasetOrderOperation {
                order: (&self.dataset).into(),
                operation,
                sign,
            })
            .abi_encode(),
            OrderKind::Workerpool => {
                IConfide::manageWorkerpoolOrderCall(Types::WorkerpoolOrderOperation {
                    order: (&self.workerpool).into(),
                    operation,
                    sign,
                })
                .abi_encode()
            }
            OrderKind::Request => IConfide::manageRequestOrderCall(Types::RequestOrderOperation {
                order: (&self.request).into(),
                operation,
                sign,
            })
            .abi_encode(),
        };
        data.into()
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
