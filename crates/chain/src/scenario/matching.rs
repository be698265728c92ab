//! Signing orders, matching them (`matchOrders`, `sponsorMatchOrders`), presigning and
//! cancelling them, and naming their hashes, deals and tasks.

use super::tasks::unit;
use super::{
    Actors, Assets, Call, OrderDraft, OrderOperation, Orders, ScenarioError, Session, Terms,
};
use crate::artifacts::bindings::IConfide;
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_signer::SignerSync;
use confide_protocol::order::OrderOperationKind;
use confide_protocol::signature::sign_prehash;
use confide_protocol::{DatasetOrder, Domain, OrderKind, PocoOrder, SignedOrder};

impl Actors {
    /// Signs a draft for `domain` (see [`Session::sign_orders`]): off-chain work, no EVM
    /// involved.
    pub fn sign_orders(&self, draft: OrderDraft, domain: &Domain) -> Result<Orders, ScenarioError> {
        let request_signer = self
            .find(draft.request.requester)
            .unwrap_or(&self.requester);
        Ok(Orders {
            app: SignedOrder::sign(draft.app, domain, &self.app_developer)?,
            dataset: match draft.dataset {
                Some(order) => SignedOrder::sign(order, domain, &self.data_owner)?,
                None => SignedOrder::unsigned(DatasetOrder::null()),
            },
            workerpool: SignedOrder::sign(draft.workerpool, domain, &self.scheduler)?,
            request: SignedOrder::sign(draft.request, domain, request_signer)?,
        })
    }
}

impl Session<'_> {
    /// Signs a draft: the app order by the app developer, the dataset order by the data owner,
    /// the workerpool order by the scheduler and the request order by the actor named as its
    /// requester (the requester actor when none is).
    pub fn sign_orders(&self, draft: OrderDraft) -> Result<Orders, ScenarioError> {
        self.actors().sign_orders(draft, self.domain())
    }

    /// Drafts and signs the orders of `assets` on `terms` for the requester actor.
    pub fn orders(&self, assets: &Assets, terms: &Terms) -> Result<Orders, ScenarioError> {
        let requester = self.actors().requester.address();
        self.sign_orders(OrderDraft::new(assets, terms, requester))
    }

    /// The request's requester matches the orders (`matchOrders`); returns the deal id.
    pub fn match_orders(&mut self, orders: &Orders) -> Result<Call<B256>, ScenarioError> {
        self.match_orders_from(orders, orders.request.order.requester)
    }

    /// `from` matches the orders (`matchOrders` is permissionless: the requester pays whoever
    /// sends it; a requester that is a contract cannot send a transaction itself).
    pub fn match_orders_from(
        &mut self,
        orders: &Orders,
        from: Address,
    ) -> Result<Call<B256>, ScenarioError> {
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

    /// The owner of the order of `kind` presigns or closes it (`manage<Kind>Order`): the app
    /// developer, the data owner, the scheduler or the request's requester.
    pub fn manage_order(
        &mut self,
        orders: &Orders,
        kind: OrderKind,
        operation: OrderOperation,
    ) -> Result<Call<()>, ScenarioError> {
        let actors = self.actors();
        let from = match kind {
            OrderKind::App => actors.app_developer.address(),
            OrderKind::Dataset => actors.data_owner.address(),
            OrderKind::Workerpool => actors.scheduler.address(),
            OrderKind::Request => orders.request.order.requester,
        };
        self.manage_order_from(orders, kind, operation, from, Bytes::new())
    }

    /// `from` sends `manage<Kind>Order` with the operation signature `sign` (empty when `from`
    /// is the order's owner; else the owner's signature of the operation, see
    /// [`Self::sign_operation`]: a relayed operation).
    pub fn manage_order_from(
        &mut self,
        orders: &Orders,
        kind: OrderKind,
        operation: OrderOperation,
        from: Address,
        sign: Bytes,
    ) -> Result<Call<()>, ScenarioError> {
        self.name_orders(orders);
        let label = format!(
            "manage{}Order ({})",
            kind_name(kind),
            match operation {
                OrderOperation::Sign => "sign",
                OrderOperation::Close => "close",
            }
        );
        let data = orders.manage_calldata(kind, operation, sign);
        let to = self.protocol().address;
        Ok(unit(self.send_calldata(label, from, to, data)?))
    }

    /// `signer`'s EIP-712 signature of the `<Kind>OrderOperation` (the order of `kind` and
    /// `operation`), which lets anyone relay the operation.
    pub fn sign_operation(
        &self,
        orders: &Orders,
        kind: OrderKind,
        operation: OrderOperation,
        signer: &(impl SignerSync + ?Sized),
    ) -> Result<Bytes, ScenarioError> {
        let operation = match operation {
            OrderOperation::Sign => OrderOperationKind::Sign,
            OrderOperation::Close => OrderOperationKind::Close,
        };
        let domain = self.domain();
        let hash = match kind {
            OrderKind::App => orders.app.order.operation_hash(operation, domain),
            OrderKind::Dataset => orders.dataset.order.operation_hash(operation, domain),
            OrderKind::Workerpool => orders.workerpool.order.operation_hash(operation, domain),
            OrderKind::Request => orders.request.order.operation_hash(operation, domain),
        };
        Ok(sign_prehash(signer, &hash)?)
    }

    /// How much of the order of `kind` was consumed (`viewConsumed`).
    pub fn consumed(&self, orders: &Orders, kind: OrderKind) -> Result<U256, ScenarioError> {
        let hash = orders.hashes(self.domain())[kind_index(kind)];
        self.view(&IConfide::viewConsumedCall { _id: hash })
    }

    /// Names the orders' hashes `apporder:<n>`... (first sight wins; done by every method
    /// sending orders).
    pub fn name_orders(&mut self, orders: &Orders) {
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

pub(crate) fn kind_name(kind: OrderKind) -> &'static str {
    match kind {
        OrderKind::App => "App",
        OrderKind::Dataset => "Dataset",
        OrderKind::Workerpool => "Workerpool",
        OrderKind::Request => "Request",
    }
}
