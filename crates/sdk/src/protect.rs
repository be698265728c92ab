//! Protected data: protect (serialize, seal, store, register, give the key to the SMS), find,
//! transfer.

use alloy_primitives::{Address, B256, U256};
use confide_chain::artifacts::bindings::{IDataProtector, IDatasetRegistry};
use confide_crypto::protected_data::{self, DataObject};
use confide_crypto::seal::{self, Checksum, SealFormat, SealKey};
use confide_indexer::model;
use confide_indexer::query::ProtectedDataQuery;
use confide_storage::backend::bytes_stream;
use confide_storage::{Location, Storage as _};
use serde::Serialize;
use serde_json::json;

use crate::status::{OnStatus, Step, done, start};
use crate::{Confide, SdkError};

/// The largest protected data, serialized (it is sealed in memory).
pub const MAX_PROTECTED_BYTES: usize = 256 << 20;

/// A protected data as the network knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtectedData {
    pub name: String,
    pub address: Address,
    pub owner: Address,
    /// DataProtector's schema (`{"email": "string", "file": "application/pdf"}`).
    pub schema: serde_json::Value,
    pub creation_timestamp: u64,
    /// Where the sealed file is (`/ipfs/<cid>` or a URL), when readable.
    pub location: Option<String>,
    /// SHA-256 of the sealed file.
    pub checksum: B256,
    pub transaction_hash: B256,
}

impl From<model::ProtectedData> for ProtectedData {
    fn from(data: model::ProtectedData) -> Self {
        Self {
            name: data.name,
            address: data.address,
            owner: data.owner,
            schema: data.schema,
            creation_timestamp: data.creation_timestamp,
            location: data.location,
            checksum: data.checksum,
            transaction_hash: data.transaction_hash,
        }
    }
}

/// Which protected data [`Confide::get_protected_data`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataQuery {
    /// Only this one.
    pub address: Option<Address>,
    /// Only those its current owner.
    pub owner: Option<Address>,
    /// Only those whose schema has every `path:type` entry (`email:string`).
    pub schema: Vec<String>,
    /// Created at or after this UNIX time.
    pub created_after: Option<u64>,
    /// Page index, from 0.
    pub page: u64,
    /// Results per page (10 to 1000; 1000 when 0).
    pub page_size: u64,
}

impl DataQuery {
    /// The protected data of `owner`.
    pub fn by_owner(owner: Address) -> Self {
        Self {
            owner: Some(owner),
            ..Self::default()
        }
    }

    /// The protected data whose schema has every `path:type` of `entries`.
    pub fn by_schema(entries: &[&str]) -> Self {
        Self {
            schema: entries.iter().map(|entry| (*entry).to_owned()).collect(),
            ..Self::default()
        }
    }
}

/// A transfer of ownership, done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Transferred {
    pub address: Address,
    pub to: Address,
    pub transaction_hash: B256,
}

impl Confide {
    /// Protects `data` under `name`: serializes it (DataProtector's format), seals it with a
    /// fresh key (authenticated AES-256-GCM), stores it, registers it with its schema, and
    /// gives the key to the SMS, which releases it only to attested enclaves of tasks it is
    /// granted to. Returns it once the indexer lists it (or after [`Timing::index_timeout`]).
    ///
    /// [`Timing::index_timeout`]: crate::Timing::index_timeout
    pub async fn protect_data(
        &self,
        data: &DataObject,
        name: &str,
        on_status: OnStatus<'_>,
    ) -> Result<ProtectedData, SdkError> {
        start(on_status, Step::ExtractDataSchema);
        let (zip, schema) = protected_data::serialize(data)
            .map_err(|e| SdkError::Invalid(format!("the data cannot be protected: {e}")))?;
        done(
            on_status,
            Step::ExtractDataSchema,
            json!({ "schema": schema.to_json_string() }),
        );
        start(on_status, Step::CreateZipFile);
        if zip.len() > MAX_PROTECTED_BYTES {
            return Err(SdkError::Invalid(format!(
                "the data takes {} bytes serialized, at most {MAX_PROTECTED_BYTES} can be protected",
                zip.len()
            )));
        }
        done(
            on_status,
            Step::CreateZipFile,
            json!({ "bytes": zip.len() }),
        );
        start(on_status, Step::CreateEncryptionKey);
        let key = SealKey::generate().map_err(|e| SdkError::Invalid(e.to_string()))?;
        done(
            on_status,
            Step::CreateEncryptionKey,
            serde_json::Value::Null,
        );
        start(on_status, Step::EncryptFile);
        let mut sealed = Vec::with_capacity(zip.len() + zip.len() / 64 + 64);
        seal::seal(&key, SealFormat::Confide, zip.as_slice(), &mut sealed)
            .map_err(|e| SdkError::Invalid(format!("cannot seal the data: {e}")))?;
        let checksum = Checksum::of_bytes(&sealed);
        done(
            on_status,
            Step::EncryptFile,
            json!({ "checksum": checksum.to_string() }),
        );
        start(on_status, Step::UploadEncryptedFile);
        let cid = self
            .storage
            .put(bytes_stream(sealed))
            .await
            .map_err(|e| SdkError::service("storage", e))?;
        done(
            on_status,
            Step::UploadEncryptedFile,
            json!({ "cid": cid.to_string() }),
        );
        start(on_status, Step::DeployProtectedData);
        let multiaddr = Location::Ipfs(cid)
            .to_bytes()
            .map_err(|e| SdkError::service("storage", e))?;
        let protector = self.network.deployment.data_protector.ok_or_else(|| {
            SdkError::Invalid("this network's deployment has no DataProtector contract".into())
        })?;
        let owner = self.address();
        let call = IDataProtector::createDatasetWithSchemaCall {
            owner,
            name: name.to_owned(),
            schema: schema.to_json_string(),
            multiaddr: multiaddr.into(),
            checksum: (*checksum.as_bytes()).into(),
        };
        let mined = self.chain.send(owner, protector, &call).await?;
        let address = mined.event::<IDataProtector::DatasetSchema>()?.dataset;
        done(
            on_status,
            Step::DeployProtectedData,
            json!({ "address": address, "owner": owner, "txHash": mined.hash() }),
        );
        start(on_status, Step::PushSecretToSms);
        self.sms
            .push_dataset_key(&self.signer, address, &key.to_base64())
            .await
            .map_err(|e| SdkError::service("SMS", e))?;
        done(on_status, Step::PushSecretToSms, serde_json::Value::Null);
        let indexed = self.wait_indexed(address).await?;
        Ok(indexed.unwrap_or_else(|| ProtectedData {
            name: name.to_owned(),
            address,
            owner,
            schema: serde_json::from_str(&schema.to_json_string()).unwrap_or_default(),
            creation_timestamp: 0,
            location: Some(format!("/ipfs/{cid}")),
            checksum: B256::from(*checksum.as_bytes()),
            transaction_hash: mined.hash(),
        }))
    }

    /// Waits for the indexer to list `address`; `None` if it does not in time.
    async fn wait_indexed(&self, address: Address) -> Result<Option<ProtectedData>, SdkError> {
        let deadline = tokio::time::Instant::now() + self.timing.index_timeout;
        loop {
            match self.indexer.protected_data_at(address).await {
                Ok(Some(data)) => return Ok(Some(data.into())),
                Ok(None) | Err(_) if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(self.timing.poll_interval / 2).await;
                }
                Ok(None) | Err(_) => return Ok(None),
            }
        }
    }

    /// The protected data `query` selects, newest first (from the indexer).
    pub async fn get_protected_data(
        &self,
        query: &DataQuery,
    ) -> Result<Vec<ProtectedData>, SdkError> {
        if let Some(address) = query.address {
            let found = self
                .indexer
                .protected_data_at(address)
                .await
                .map_err(|e| SdkError::service("indexer", e))?;
            return Ok(found
                .map(ProtectedData::from)
                .filter(|data| query.owner.is_none_or(|owner| owner == data.owner))
                .into_iter()
                .collect());
        }
        let page = self
            .indexer
            .protected_data(&ProtectedDataQuery {
                owner: query.owner,
                required_schema: None,
                schema: query.schema.clone(),
                created_after: query.created_after,
                page: Some(query.page),
                page_size: Some(if query.page_size == 0 {
                    1000
                } else {
                    query.page_size
                }),
            })
            .await
            .map_err(|e| SdkError::service("indexer", e))?;
        Ok(page.items.into_iter().map(ProtectedData::from).collect())
    }

    /// Gives `data` to `new_owner` (an ERC-721 transfer in the dataset registry). Its key stays
    /// at the SMS; the new owner grants access from now on.
    pub async fn transfer_ownership(
        &self,
        data: Address,
        new_owner: Address,
    ) -> Result<Transferred, SdkError> {
        if new_owner.is_zero() {
            return Err(SdkError::Invalid(
                "the new owner is the zero address: the data would be lost".into(),
            ));
        }
        self.owned_data(data).await?;
        let registry = self.network.deployment.dataset_registry;
        let call = IDatasetRegistry::transferFromCall {
            from: self.address(),
            to: new_owner,
            tokenId: U256::from_be_slice(data.as_slice()),
        };
        let mined = self.chain.send(self.address(), registry, &call).await?;
        Ok(Transferred {
            address: data,
            to: new_owner,
            transaction_hash: mined.hash(),
        })
    }

    /// Checks that `data` is a registered dataset owned by this account.
    pub(crate) async fn owned_data(&self, data: Address) -> Result<(), SdkError> {
        let owner = self.data_owner(data).await?;
        if owner != self.address() {
            return Err(SdkError::NotOwner {
                what: "protected data",
                address: data,
                owner,
                caller: self.address(),
            });
        }
        Ok(())
    }

    /// The owner of the registered dataset `data`.
    pub(crate) async fn data_owner(&self, data: Address) -> Result<Address, SdkError> {
        let registry = self.network.deployment.dataset_registry;
        let registered = self
            .chain
            .view(
                registry,
                &IDatasetRegistry::isRegisteredCall { entry: data },
            )
            .await?;
        if !registered {
            return Err(SdkError::UnknownData(data));
        }
        Ok(self
            .chain
            .view(
                registry,
                &IDatasetRegistry::ownerOfCall {
                    tokenId: U256::from_be_slice(data.as_slice()),
                },
            )
            .await?)
    }
}
