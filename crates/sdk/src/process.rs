//! Running an app on protected data: take the market's orders under the requester's maximum
//! prices, sign the request, match, wait for the task, fetch and decrypt its result.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256};
use confide_chain::artifacts::bindings::IConfide;
use confide_market::OrderQuery;
use confide_protocol::params::DealParams;
use confide_protocol::{
    AppOrder, DatasetOrder, Order, OrderKind, PocoOrder, RequestOrder, SignedOrder, Tag,
    WorkerpoolOrder,
};
use confide_sms::release::RESULT_ENCRYPTION_KEY_NAME;
use serde::Serialize;
use serde_json::json;

use crate::result::TaskResult;
use crate::status::{OnStatus, Step, done, start};
use crate::task::TaskStatus;
use crate::{Confide, SdkError};

/// The most the requester pays per task, by part (nRLC).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaxPrices {
    pub app: U256,
    pub data: U256,
    pub workerpool: U256,
    /// The most for the three together, when set.
    pub total: Option<U256>,
}

impl MaxPrices {
    /// At most `max` nRLC for the whole task, however it splits.
    pub fn total(max: U256) -> Self {
        Self {
            app: max,
            data: max,
            workerpool: max,
            total: Some(max),
        }
    }
}

/// What [`Confide::process_protected_data`] runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessRequest {
    pub protected_data: Address,
    pub app: Address,
    /// The app's command line.
    pub args: Option<String>,
    /// Requester secrets by index (the app reads `IEXEC_REQUESTER_SECRET_<index>`).
    pub secrets: BTreeMap<u32, String>,
    pub max_price: MaxPrices,
    /// Only this workerpool (else the network's, else any).
    pub workerpool: Option<Address>,
    /// Wait for the result (else return once the deal is made).
    pub wait: bool,
}

impl ProcessRequest {
    /// A free run of `app` on `protected_data`, not waited for.
    pub fn new(protected_data: Address, app: Address) -> Self {
        Self {
            protected_data,
            app,
            ..Self::default()
        }
    }

    /// The app's command line.
    pub fn args(self, args: &str) -> Self {
        Self {
            args: Some(args.to_owned()),
            ..self
        }
    }

    /// At most `max` nRLC for the whole task.
    pub fn max_price(self, max: U256) -> Self {
        Self {
            max_price: MaxPrices::total(max),
            ..self
        }
    }

    /// Wait for the result.
    pub fn wait(self) -> Self {
        Self { wait: true, ..self }
    }
}

/// A task bought, and its result when waited for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Processed {
    pub deal_id: B256,
    pub task_id: B256,
    /// What the task costs the requester (nRLC).
    #[serde(serialize_with = "crate::decimal::serialize")]
    pub price: U256,
    #[serde(skip)]
    pub result: Option<TaskResult>,
}

impl Confide {
    /// Buys one task of `request.app` on `request.protected_data` and, with `request.wait`,
    /// returns its decrypted result.
    pub async fn process_protected_data(
        &self,
        request: &ProcessRequest,
        on_status: OnStatus<'_>,
    ) -> Result<Processed, SdkError> {
        let requester = self.address();
        start(on_status, Step::FetchOrders);
        let app_order: SignedOrder<AppOrder> = self
            .cheapest(
                OrderKind::App,
                OrderQuery {
                    app: Some(request.app),
                    ..OrderQuery::default()
                },
                request.max_price.app,
                |order: &AppOrder| order.appprice,
            )
            .await?
            .map_err(|cheapest| SdkError::NoAppOrder {
                app: request.app,
                max_price: request.max_price.app,
                cheapest,
            })?;
        let data_order: SignedOrder<DatasetOrder> = self
            .cheapest(
                OrderKind::Dataset,
                OrderQuery {
                    dataset: Some(request.protected_data),
                    app: Some(request.app),
                    requester: Some(requester),
                    ..OrderQuery::default()
                },
                request.max_price.data,
                |order: &DatasetOrder| order.datasetprice,
            )
            .await?
            .map_err(|cheapest| SdkError::NoAccess {
                data: request.protected_data,
                app: request.app,
                max_price: request.max_price.data,
                cheapest,
            })?;
        let tag = Tag(app_order.order.tag | data_order.order.tag);
        let workerpool = request.workerpool.or(self.network.workerpool);
        let pool_order: SignedOrder<WorkerpoolOrder> = self
            .cheapest(
                OrderKind::Workerpool,
                OrderQuery {
                    workerpool,
                    min_tag: Some(tag),
                    requester: Some(requester),
                    ..OrderQuery::default()
                },
                request.max_price.workerpool,
                |order: &WorkerpoolOrder| order.workerpoolprice,
            )
            .await?
            .map_err(|cheapest| SdkError::NoWorkerpool {
                tag: tag.to_string(),
                max_price: request.max_price.workerpool,
                cheapest,
            })?;
        let price = app_order.order.appprice
            + data_order.order.datasetprice
            + pool_order.order.workerpoolprice;
        if let Some(total) = request.max_price.total.filter(|total| price > *total) {
            return Err(SdkError::Invalid(format!(
                "the task costs {price} nRLC (app {}, data {}, workerpool {}), more than the {total} nRLC allowed: pass --max-price {price}",
                app_order.order.appprice,
                data_order.order.datasetprice,
                pool_order.order.workerpoolprice
            )));
        }
        done(
            on_status,
            Step::FetchOrders,
            json!({
                "app": app_order.order.appprice.to_string(),
                "data": data_order.order.datasetprice.to_string(),
                "workerpool": pool_order.order.workerpoolprice.to_string(),
            }),
        );
        let available = self.chain.account(requester).await?.stake;
        if available < price {
            return Err(SdkError::InsufficientBalance {
                account: requester,
                needed: price,
                available,
            });
        }
        let secrets = self.push_secrets(&request.secrets, on_status).await?;
        start(on_status, Step::PushEncryptionKey);
        let public_key = self.result_key.public().to_pem();
        self.push_result_key(&public_key).await?;
        done(
            on_status,
            Step::PushEncryptionKey,
            json!({ "publicKey": public_key }),
        );
        start(on_status, Step::RequestToProcessProtectedData);
        let params = DealParams {
            iexec_args: request.args.clone(),
            iexec_secrets: secrets,
            iexec_result_encryption: true,
            ..DealParams::default()
        };
        let order = RequestOrder {
            app: request.app,
            appmaxprice: app_order.order.appprice,
            dataset: request.protected_data,
            datasetmaxprice: data_order.order.datasetprice,
            workerpool: workerpool.unwrap_or_default(),
            workerpoolmaxprice: pool_order.order.workerpoolprice,
            requester,
            volume: U256::from(1),
            tag: tag.0,
            category: pool_order.order.category,
            beneficiary: requester,
            params: params.to_json_string(),
            salt: B256::random(),
            ..RequestOrder::default()
        };
        let order = SignedOrder::sign(order, &self.chain.domain(), &self.signer)
            .map_err(|e| SdkError::Invalid(format!("cannot sign the request: {e}")))?;
        let deal_id = self
            .chain
            .match_orders(
                requester,
                &app_order,
                Some(&data_order),
                &pool_order,
                &order,
            )
            .await?;
        let first = self.chain.deal(deal_id).await?.botFirst;
        let task_id = confide_protocol::ids::task_id(deal_id, first);
        done(
            on_status,
            Step::RequestToProcessProtectedData,
            json!({ "dealId": deal_id, "taskId": task_id }),
        );
        let result = if request.wait {
            let status = self
                .wait_for_task(task_id, self.timing.task_timeout, on_status)
                .await?;
            if status != TaskStatus::Completed {
                return Err(SdkError::TaskFailed {
                    task: task_id,
                    status: status.as_str(),
                });
            }
            Some(
                self.get_result_from_completed_task(task_id, on_status)
                    .await?,
            )
        } else {
            None
        };
        Ok(Processed {
            deal_id,
            task_id,
            price,
            result,
        })
    }

    /// The cheapest open order of `kind` that `query` selects at `max_price` or less;
    /// `Err(cheapest)` when there is none that cheap (`None`: none at all).
    async fn cheapest<O: PocoOrder + TryFrom<Order>>(
        &self,
        kind: OrderKind,
        query: OrderQuery,
        max_price: U256,
        price: fn(&O) -> U256,
    ) -> Result<Result<SignedOrder<O>, Option<U256>>, SdkError> {
        let page = self
            .market
            .orders(
                kind,
                &OrderQuery {
                    min_volume: Some(U256::from(1)),
                    ..query
                },
            )
            .await
            .map_err(|e| SdkError::service("market", e))?;
        // The book follows the chain a block behind: an order just spent or cancelled is
        // skipped here rather than refused by `matchOrders`.
        let mut best = None;
        for published in page.orders {
            let consumed = self
                .chain
                .protocol_view(&IConfide::viewConsumedCall {
                    _id: published.order_hash,
                })
                .await?;
            let Ok(order) = O::try_from(published.order.order) else {
                continue;
            };
            if consumed < order.volume() {
                best = Some(SignedOrder {
                    order,
                    sign: published.order.sign,
                });
                break;
            }
        }
        Ok(match best {
            Some(order) if price(&order.order) <= max_price => Ok(order),
            Some(order) => Err(Some(price(&order.order))),
            None => Err(None),
        })
    }

    /// Pushes each requester secret under a fresh random name; returns index → name.
    async fn push_secrets(
        &self,
        secrets: &BTreeMap<u32, String>,
        on_status: OnStatus<'_>,
    ) -> Result<BTreeMap<u32, String>, SdkError> {
        let mut names = BTreeMap::new();
        if secrets.is_empty() {
            return Ok(names);
        }
        start(on_status, Step::PushRequesterSecret);
        for (index, value) in secrets {
            let name = format!(
                "0x{}",
                alloy_primitives::hex::encode(rand::random::<[u8; 16]>())
            );
            self.sms
                .push_requester_secret(&self.signer, &name, value)
                .await
                .map_err(|e| SdkError::service("SMS", e))?;
            names.insert(*index, name);
        }
        done(
            on_status,
            Step::PushRequesterSecret,
            json!({ "count": names.len() }),
        );
        Ok(names)
    }

    /// Makes the SMS hold `public_key` as this requester's result key: created, else
    /// updated. The SMS answers a request it already applied (the same key pushed again) as
    /// a replay, which means the key is there.
    async fn push_result_key(&self, public_key: &str) -> Result<(), SdkError> {
        use confide_sms::SmsClientError::Refused;
        let push = |update| {
            self.sms
                .push_web2_secret(&self.signer, RESULT_ENCRYPTION_KEY_NAME, public_key, update)
        };
        let outcome = match push(false).await {
            Err(Refused { code, .. }) if code == "ALREADY_EXISTS" => push(true).await,
            other => other,
        };
        match outcome {
            Err(Refused { code, .. }) if code == "REPLAYED_REQUEST" => Ok(()),
            other => other.map_err(|e| SdkError::service("SMS", e)),
        }
    }
}
