//! Access to protected data: DataProtector's grants are signed dataset orders on the market;
//! revoking one cancels it on-chain (PoCo's `manageDatasetOrder`).

use alloy_primitives::{Address, B256, Bytes, U256};
use confide_chain::artifacts::bindings::{IAppRegistry, IConfide, Types};
use confide_market::{OrderQuery, PublishedOrder, UnpublishTarget};
use confide_protocol::{DatasetOrder, Order, OrderKind, SignedOrder, Tag};
use serde::Serialize;
use serde_json::json;

use crate::status::{OnStatus, Step, done, start};
use crate::{Confide, SdkError};

/// PoCo's `OrderOperationEnum.CLOSE`.
const CLOSE: u8 = 1;

/// What [`Confide::grant_access`] grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub protected_data: Address,
    /// The app that may process the data (never "any app").
    pub authorized_app: Address,
    /// The requester who may ask for it; the zero address lets anyone.
    pub authorized_user: Address,
    /// nRLC paid to the owner per use.
    pub price_per_access: U256,
    /// How many uses.
    pub number_of_access: U256,
}

impl Grant {
    /// One free use of `protected_data` by `app` for `user` (the zero address: anyone).
    pub fn new(protected_data: Address, app: Address, user: Address) -> Self {
        Self {
            protected_data,
            authorized_app: app,
            authorized_user: user,
            price_per_access: U256::ZERO,
            number_of_access: U256::from(1),
        }
    }

    /// Each use costs `price` nRLC.
    pub fn price(self, price: U256) -> Self {
        Self {
            price_per_access: price,
            ..self
        }
    }

    /// `uses` uses.
    pub fn uses(self, uses: u64) -> Self {
        Self {
            number_of_access: U256::from(uses),
            ..self
        }
    }
}

/// An access: the signed dataset order and how many uses remain.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GrantedAccess {
    pub order_hash: B256,
    pub order: SignedOrder<DatasetOrder>,
    #[serde(serialize_with = "crate::decimal::serialize")]
    pub remaining_access: U256,
}

impl GrantedAccess {
    fn from_book(published: PublishedOrder) -> Option<Self> {
        let Order::Dataset(order) = published.order.order else {
            return None;
        };
        Some(Self {
            order_hash: published.order_hash,
            order: SignedOrder {
                order,
                sign: published.order.sign,
            },
            remaining_access: published.remaining,
        })
    }
}

/// Which accesses [`Confide::get_granted_access`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessQuery {
    pub protected_data: Option<Address>,
    pub authorized_app: Option<Address>,
    /// Accesses this requester may use (those open to anyone included).
    pub authorized_user: Option<Address>,
    pub page: u64,
}

impl AccessQuery {
    /// Every open access to `protected_data`.
    pub fn of(protected_data: Address) -> Self {
        Self {
            protected_data: Some(protected_data),
            ..Self::default()
        }
    }
}

/// A revoked access.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevokedAccess {
    pub access: GrantedAccess,
    pub transaction_hash: B256,
}

impl Confide {
    /// Grants `grant.authorized_app` (for `authorized_user`) `number_of_access` uses of the
    /// protected data at `price_per_access` each: signs a dataset order and publishes it.
    pub async fn grant_access(
        &self,
        grant: &Grant,
        on_status: OnStatus<'_>,
    ) -> Result<GrantedAccess, SdkError> {
        if grant.authorized_app.is_zero() {
            return Err(SdkError::Invalid(
                "the app is the zero address: that would give access to any app".into(),
            ));
        }
        if grant.number_of_access.is_zero() {
            return Err(SdkError::Invalid(
                "the number of uses must be at least 1".into(),
            ));
        }
        self.owned_data(grant.protected_data).await?;
        let registered = self
            .chain
            .view(
                self.network.deployment.app_registry,
                &IAppRegistry::isRegisteredCall {
                    entry: grant.authorized_app,
                },
            )
            .await?;
        if !registered {
            return Err(SdkError::UnknownApp(grant.authorized_app));
        }
        if !grant.authorized_user.is_zero() {
            let existing = self
                .get_granted_access(&AccessQuery {
                    protected_data: Some(grant.protected_data),
                    authorized_app: Some(grant.authorized_app),
                    authorized_user: Some(grant.authorized_user),
                    page: 0,
                })
                .await?;
            if existing
                .iter()
                .any(|access| access.order.order.requesterrestrict == grant.authorized_user)
            {
                return Err(SdkError::Invalid(format!(
                    "{} already has an access to {} for app {}: revoke it first (`confide data revoke`)",
                    grant.authorized_user, grant.protected_data, grant.authorized_app
                )));
            }
        }
        start(on_status, Step::CreateDatasetOrder);
        let order = DatasetOrder {
            dataset: grant.protected_data,
            datasetprice: grant.price_per_access,
            volume: grant.number_of_access,
            tag: Tag::from_names(&["tee"])
                .map_err(|e| SdkError::Invalid(e.to_string()))?
                .0,
            apprestrict: grant.authorized_app,
            requesterrestrict: grant.authorized_user,
            salt: B256::random(),
            ..DatasetOrder::default()
        };
        let order = SignedOrder::sign(order, &self.chain.domain(), &self.signer)
            .map_err(|e| SdkError::Invalid(format!("cannot sign the dataset order: {e}")))?;
        done(
            on_status,
            Step::CreateDatasetOrder,
            json!({ "order": order }),
        );
        start(on_status, Step::PublishDatasetOrder);
        let order_hash = self
            .market
            .publish(&self.signer, &order)
            .await
            .map_err(|e| SdkError::service("market", e))?;
        done(
            on_status,
            Step::PublishDatasetOrder,
            json!({ "orderHash": order_hash }),
        );
        Ok(GrantedAccess {
            order_hash,
            remaining_access: grant.number_of_access,
            order,
        })
    }

    /// The open accesses `query` selects (the market's dataset orders restricted to an app).
    pub async fn get_granted_access(
        &self,
        query: &AccessQuery,
    ) -> Result<Vec<GrantedAccess>, SdkError> {
        let page = self
            .market
            .orders(
                OrderKind::Dataset,
                &OrderQuery {
                    dataset: query.protected_data,
                    app: query.authorized_app,
                    app_strict: true,
                    requester: query.authorized_user,
                    page: query.page,
                    ..OrderQuery::default()
                },
            )
            .await
            .map_err(|e| SdkError::service("market", e))?;
        Ok(page
            .orders
            .into_iter()
            .filter_map(GrantedAccess::from_book)
            .collect())
    }

    /// Revokes `access`: cancels its order on-chain (no deal can use it any more) and takes it
    /// off the market.
    pub async fn revoke_one_access(
        &self,
        access: &GrantedAccess,
    ) -> Result<RevokedAccess, SdkError> {
        self.owned_data(access.order.order.dataset).await?;
        let call = IConfide::manageDatasetOrderCall(Types::DatasetOrderOperation {
            order: (&access.order).into(),
            operation: CLOSE,
            sign: Bytes::new(),
        });
        let mined = self.chain.protocol_send(self.address(), &call).await?;
        // The market drops it on seeing the cancellation; this makes it immediate.
        if let Err(error) = self
            .market
            .unpublish(
                &self.signer,
                OrderKind::Dataset,
                UnpublishTarget::OrderHash(access.order_hash),
            )
            .await
        {
            tracing::debug!(%error, "the market will drop the cancelled order from the chain's event");
        }
        Ok(RevokedAccess {
            access: access.clone(),
            transaction_hash: mined.hash(),
        })
    }

    /// Revokes every open access to `protected_data` (for `app` and `user` when given).
    pub async fn revoke_all_access(
        &self,
        protected_data: Address,
        app: Option<Address>,
        user: Option<Address>,
        on_status: OnStatus<'_>,
    ) -> Result<Vec<RevokedAccess>, SdkError> {
        start(on_status, Step::RetrieveAllGrantedAccess);
        let accesses: Vec<GrantedAccess> = self
            .get_granted_access(&AccessQuery {
                protected_data: Some(protected_data),
                authorized_app: app,
                authorized_user: user,
                page: 0,
            })
            .await?
            .into_iter()
            .filter(|access| user.is_none_or(|user| access.order.order.requesterrestrict == user))
            .collect();
        done(
            on_status,
            Step::RetrieveAllGrantedAccess,
            json!({ "grantedAccessCount": accesses.len() }),
        );
        let mut revoked = Vec::with_capacity(accesses.len());
        for access in &accesses {
            start(on_status, Step::RevokeOneAccess);
            let one = self.revoke_one_access(access).await?;
            done(
                on_status,
                Step::RevokeOneAccess,
                json!({ "access": one.access.order_hash, "txHash": one.transaction_hash }),
            );
            revoked.push(one);
        }
        Ok(revoked)
    }
}
