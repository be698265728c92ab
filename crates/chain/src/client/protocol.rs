//! Typed helpers for what every participant does: create assets, deposit, match orders, run
//! the task lifecycle, read deals, tasks and accounts. Each decodes what the transaction made
//! (the asset address, the deal or task id) from its events. Any other protocol function is one
//! [`Client::protocol_send`] or [`Client::protocol_view`] of its `IConfide` call struct.

use super::send::Mined;
use super::{Client, ClientError};
use crate::artifacts::bindings::{
    IAppRegistry, IConfide, IDatasetRegistry, IERC20, IWorkerpoolRegistry, Types,
};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_provider::Provider;
use alloy_sol_types::SolEvent;
use confide_protocol::{AppOrder, DatasetOrder, RequestOrder, SignedOrder, WorkerpoolOrder};

/// A registry's ERC-721 `Transfer` from the zero address: the token id is the asset address.
fn minted<E: SolEvent>(
    mined: &Mined,
    token_id: impl Fn(&E) -> U256,
) -> Result<Address, ClientError> {
    let event = mined.event::<E>()?;
    Ok(Address::from_word(token_id(&event).into()))
}

impl<P: Provider> Client<P> {
    /// Registers an app (sent by `from`, owned by `call.owner`); returns its address.
    pub async fn create_app(
        &self,
        from: Address,
        call: &IAppRegistry::createAppCall,
    ) -> Result<Address, ClientError> {
        let mined = self.send(from, self.deployment.app_registry, call).await?;
        minted::<IAppRegistry::Transfer>(&mined, |e| e.tokenId)
    }

    /// Registers a dataset; returns its address.
    pub async fn create_dataset(
        &self,
        from: Address,
        call: &IDatasetRegistry::createDatasetCall,
    ) -> Result<Address, ClientError> {
        let mined = self
            .send(from, self.deployment.dataset_registry, call)
            .await?;
        minted::<IDatasetRegistry::Transfer>(&mined, |e| e.tokenId)
    }

    /// Registers a workerpool; returns its address.
    pub async fn create_workerpool(
        &self,
        from: Address,
        call: &IWorkerpoolRegistry::createWorkerpoolCall,
    ) -> Result<Address, ClientError> {
        let mined = self
            .send(from, self.deployment.workerpool_registry, call)
            .await?;
        minted::<IWorkerpoolRegistry::Transfer>(&mined, |e| e.tokenId)
    }

    /// RLC balance of `account` (nRLC), in the wallet (not deposited).
    pub async fn rlc_balance(&self, account: Address) -> Result<U256, ClientError> {
        self.view(self.deployment.token, &IERC20::balanceOfCall { account })
            .await
    }

    /// Deposits `amount` nRLC of `from`'s RLC into its protocol account, in one transaction
    /// (RLC's `approveAndCall`).
    pub async fn deposit(&self, from: Address, amount: U256) -> Result<Mined, ClientError> {
        let call = IERC20::approveAndCallCall {
            spender: self.deployment.protocol,
            value: amount,
            extraData: Bytes::new(),
        };
        self.send(from, self.deployment.token, &call).await
    }

    /// `account`'s protocol account: free and locked nRLC.
    pub async fn account(&self, account: Address) -> Result<Types::Account, ClientError> {
        self.protocol_view(&IConfide::viewAccountCall { account })
            .await
    }

    /// Matches four signed orders (the dataset order may be absent); returns the deal id.
    pub async fn match_orders(
        &self,
        from: Address,
        app: &SignedOrder<AppOrder>,
        dataset: Option<&SignedOrder<DatasetOrder>>,
        workerpool: &SignedOrder<WorkerpoolOrder>,
        request: &SignedOrder<RequestOrder>,
    ) -> Result<B256, ClientError> {
        let call = IConfide::matchOrdersCall {
            _0: app.into(),
            _1: dataset.map(Types::DatasetOrder::from).unwrap_or_default(),
            _2: workerpool.into(),
            _3: request.into(),
        };
        let mined = self.protocol_send(from, &call).await?;
        Ok(mined.event::<IConfide::OrdersMatched>()?.dealid)
    }

    /// Initializes task `index` of `deal` (the workerpool's scheduler); returns the task id.
    pub async fn initialize(
        &self,
        from: Address,
        deal: B256,
        index: u64,
    ) -> Result<B256, ClientError> {
        let call = IConfide::initializeCall {
            dealId: deal,
            index: U256::from(index),
        };
        let mined = self.protocol_send(from, &call).await?;
        Ok(mined.event::<IConfide::TaskInitialize>()?.taskid)
    }

    /// A worker contributes and finalizes a task at once (trust-1 deals, TEE tasks).
    pub async fn contribute_and_finalize(
        &self,
        from: Address,
        call: &IConfide::contributeAndFinalizeCall,
    ) -> Result<Mined, ClientError> {
        self.protocol_send(from, call).await
    }

    /// The deal `id`.
    pub async fn deal(&self, id: B256) -> Result<Types::Deal, ClientError> {
        self.protocol_view(&IConfide::viewDealCall { id }).await
    }

    /// The task `id`.
    pub async fn task(&self, id: B256) -> Result<Types::Task, ClientError> {
        self.protocol_view(&IConfide::viewTaskCall { id }).await
    }
}
