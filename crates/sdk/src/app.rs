//! Apps: deploy a wasm module (stored, registered with its SHA-256) and offer it on the market.

use alloy_primitives::{Address, B256, Bytes, U256};
use confide_chain::artifacts::bindings::IAppRegistry;
use confide_crypto::seal::Checksum;
use confide_protocol::{AppOrder, SignedOrder, Tag};
use confide_storage::backend::bytes_stream;
use confide_storage::{Location, Storage as _};
use serde::Serialize;

use crate::{Confide, SdkError};

/// The largest app module deployed.
pub const MAX_APP_BYTES: usize = 64 << 20;
/// The magic bytes of a wasm module.
const WASM_MAGIC: &[u8] = b"\0asm";

/// An app registered and offered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployedApp {
    pub address: Address,
    pub name: String,
    /// SHA-256 of the module: what workers check before running it.
    pub checksum: B256,
    /// Where the module is (`/ipfs/<cid>`).
    pub location: String,
    /// The app order published, when priced.
    pub order_hash: Option<B256>,
    #[serde(serialize_with = "crate::decimal::serialize")]
    pub price: U256,
}

/// The tag of TEE tasks (what `confide dev`'s workerpool sells).
pub fn tee_tag() -> Tag {
    Tag::from_names(&["tee", "tdx"]).unwrap_or_default()
}

impl Confide {
    /// Stores and registers the wasm module `wasm` as app `name`, then publishes an app order
    /// at `price` nRLC per task for `volume` tasks (TEE tasks).
    pub async fn deploy_app(
        &self,
        wasm: Vec<u8>,
        name: &str,
        price: U256,
        volume: U256,
    ) -> Result<DeployedApp, SdkError> {
        if !wasm.starts_with(WASM_MAGIC) {
            return Err(SdkError::Invalid("the app is not a wasm module".into()));
        }
        if wasm.len() > MAX_APP_BYTES {
            return Err(SdkError::Invalid(format!(
                "the app takes {} bytes, at most {MAX_APP_BYTES} are accepted",
                wasm.len()
            )));
        }
        let checksum = B256::from(*Checksum::of_bytes(&wasm).as_bytes());
        let cid = self
            .storage
            .put(bytes_stream(wasm))
            .await
            .map_err(|e| SdkError::service("storage", e))?;
        let multiaddr = Location::Ipfs(cid)
            .to_bytes()
            .map_err(|e| SdkError::service("storage", e))?;
        let owner = self.address();
        let call = IAppRegistry::createAppCall {
            owner,
            name: name.to_owned(),
            appType: "WASM".into(),
            multiaddr: multiaddr.into(),
            checksum,
            mrenclave: Bytes::new(),
        };
        // The registry derives the address from these fields: deploying the same module under
        // the same name again finds the app already there, and only offers it anew.
        let registry = self.network.deployment.app_registry;
        let predicted = self
            .chain
            .view(
                registry,
                &IAppRegistry::predictAppCall {
                    owner,
                    name: call.name.clone(),
                    appType: call.appType.clone(),
                    multiaddr: call.multiaddr.clone(),
                    checksum,
                    mrenclave: Bytes::new(),
                },
            )
            .await?;
        let registered = self
            .chain
            .view(
                registry,
                &IAppRegistry::isRegisteredCall { entry: predicted },
            )
            .await?;
        let address = if registered {
            predicted
        } else {
            self.chain.create_app(owner, &call).await?
        };
        let order_hash = self.publish_app_order(address, price, volume).await?;
        Ok(DeployedApp {
            address,
            name: name.to_owned(),
            checksum,
            location: format!("/ipfs/{cid}"),
            order_hash: Some(order_hash),
            price,
        })
    }

    /// Offers `app` for `volume` TEE tasks at `price` nRLC each; returns the order's hash.
    pub async fn publish_app_order(
        &self,
        app: Address,
        price: U256,
        volume: U256,
    ) -> Result<B256, SdkError> {
        let order = AppOrder {
            app,
            appprice: price,
            volume,
            tag: tee_tag().0,
            salt: B256::random(),
            ..AppOrder::default()
        };
        let order = SignedOrder::sign(order, &self.chain.domain(), &self.signer)
            .map_err(|e| SdkError::Invalid(format!("cannot sign the app order: {e}")))?;
        self.market
            .publish(&self.signer, &order)
            .await
            .map_err(|e| SdkError::service("market", e))
    }
}
