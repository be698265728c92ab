//! Pre-compute (devtools.md §2.3): the app's inputs in `/iexec_in`.
//!
//! - the deal's dataset: its on-chain location fetched, its SHA-256 compared with the on-chain
//!   checksum, unsealed with the key the SMS released (Confide's AEAD format or iExec's
//!   AES-256-CBC, detected), written to `in/<dataset address>`;
//! - input files (`iexec_input_files`): fetched into `in/0x<sha256(url)>`;
//! - a bulk slice (`bulk_cid`): the slice of this task's index lists signed dataset orders
//!   (devtools.md §1.8); each dataset is processed as the deal's own, with the key the SMS
//!   released for it after checking its order on-chain.

use crate::app::parse_location;
use crate::config::ResourcePolicy;
use crate::error::{Failure, Step, join_failure};
use crate::fetch::Transfers;
use crate::task::{self, TaskFacts};
use crate::tee::TeeSecrets;
use crate::workdir::TaskDir;
use alloy_primitives::{Address, hex};
use alloy_provider::RootProvider;
use confide_chain::client::Client;
use confide_crypto::seal::{SealError, SealKey, unseal};
use confide_protocol::SignedOrder;
use confide_protocol::order::DatasetOrder;
use confide_protocol::replicate::ReplicateCause;
use confide_storage::{Cid, Location};
use sha2::{Digest as _, Sha256};
use std::fs::File;
use std::io::{BufWriter, Write as _};

/// Largest bulk manifest (the list of slice CIDs).
const MAX_BULK_MANIFEST_BYTES: u64 = 1 << 20;
/// Largest bulk slice (at most 100 orders of well under 2 KiB each).
const MAX_BULK_SLICE_BYTES: u64 = 1 << 20;

/// File names the app finds in `/iexec_in`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Inputs {
    /// The deal's dataset.
    pub(crate) dataset: Option<String>,
    /// The input files, in the deal's order.
    pub(crate) input_files: Vec<String>,
    /// The bulk slice's datasets, in the slice's order.
    pub(crate) bulk_datasets: Vec<String>,
}

/// The dataset orders of this task's bulk slice (none without `bulk_cid`).
pub(crate) async fn bulk_orders(
    facts: &TaskFacts,
    transfers: &Transfers,
    policy: &ResourcePolicy,
) -> Step<Vec<SignedOrder<DatasetOrder>>> {
    let Some(bulk_cid) = &facts.params.bulk_cid else {
        return Ok(Vec::new());
    };
    let invalid =
        |message: String| Failure::new(ReplicateCause::PreComputeBulkSliceFailed, message);
    let manifest = fetch_bulk(transfers, bulk_cid, MAX_BULK_MANIFEST_BYTES).await?;
    let slices: Vec<String> = serde_json::from_slice(&manifest).map_err(|error| {
        invalid(format!(
            "bulk_cid {bulk_cid} is not a JSON list of slice CIDs: {error}"
        ))
    })?;
    let index = facts.index();
    let slice_cid = usize::try_from(index)
        .ok()
        .and_then(|index| slices.get(index))
        .ok_or_else(|| {
            invalid(format!(
                "bulk_cid {bulk_cid} has {} slices, none for task index {index}",
                slices.len()
            ))
        })?;
    let slice = fetch_bulk(transfers, slice_cid, MAX_BULK_SLICE_BYTES).await?;
    let orders: Vec<SignedOrder<DatasetOrder>> =
        serde_json::from_slice(&slice).map_err(|error| {
            invalid(format!(
                "slice {slice_cid} is not a JSON list of dataset orders: {error}"
            ))
        })?;
    if orders.is_empty() || orders.len() > policy.max_bulk_datasets {
        return Err(invalid(format!(
            "slice {slice_cid} has {} datasets; this worker takes 1 to {}",
            orders.len(),
            policy.max_bulk_datasets
        )));
    }
    Ok(orders)
}

/// A bulk manifest or slice, by CID.
async fn fetch_bulk(transfers: &Transfers, cid: &str, limit: u64) -> Step<Vec<u8>> {
    let location = cid.parse::<Cid>().map(Location::Ipfs).map_err(|error| {
        Failure::new(
            ReplicateCause::PreComputeBulkSliceFailed,
            format!("{cid:?} is not a CID: {error}"),
        )
    })?;
    let (bytes, _) = transfers.bytes(&location, limit).await.map_err(|error| {
        Failure::new(
            ReplicateCause::PreComputeDatasetDownloadFailed,
            format!("fetching bulk data {cid}: {error}"),
        )
    })?;
    Ok(bytes)
}

/// What pre-compute works with.
pub(crate) struct PreCompute<'a> {
    pub(crate) chain: &'a Client<RootProvider>,
    pub(crate) transfers: &'a Transfers,
    pub(crate) policy: &'a ResourcePolicy,
    pub(crate) dir: &'a TaskDir,
}

impl PreCompute<'_> {
    /// Fills `in/` for the task.
    pub(crate) async fn prepare(
        &self,
        facts: &TaskFacts,
        secrets: Option<&TeeSecrets>,
        bulk: &[SignedOrder<DatasetOrder>],
    ) -> Step<Inputs> {
        let mut inputs = Inputs::default();
        if let Some(dataset) = facts.dataset() {
            inputs.dataset = Some(self.dataset(dataset, secrets).await?);
        }
        for order in bulk {
            let name = self.dataset(order.order.dataset, secrets).await?;
            inputs.bulk_datasets.push(name);
        }
        let urls = &facts.params.iexec_input_files;
        if urls.len() > self.policy.max_input_files {
            return Err(Failure::new(
                ReplicateCause::PreComputeInvalidParams,
                format!(
                    "{} input files; this worker takes at most {}",
                    urls.len(),
                    self.policy.max_input_files
                ),
            ));
        }
        for url in urls {
            inputs.input_files.push(self.input_file(url).await?);
        }
        Ok(inputs)
    }

    /// Fetches, checks and unseals `dataset` into `in/<address>`; returns the file name.
    async fn dataset(&self, dataset: Address, secrets: Option<&TeeSecrets>) -> Step<String> {
        let info = task::dataset_info(self.chain, dataset).await?;
        let location = parse_location(&info.m_datasetMultiaddr).map_err(|error| {
            Failure::new(
                ReplicateCause::PreComputeDatasetDownloadFailed,
                format!("dataset {dataset}'s multiaddr is not a location: {error}"),
            )
        })?;
        let sealed = self.dir.scratch().join(format!("{dataset}.sealed"));
        let downloaded = self
            .transfers
            .to_file(&location, &sealed, self.policy.max_dataset_bytes)
            .await
            .map_err(|error| {
                Failure::new(
                    ReplicateCause::PreComputeDatasetDownloadFailed,
                    format!("fetching dataset {dataset} from {location}: {error}"),
                )
            })?;
        if downloaded.sha256 != info.m_datasetChecksum {
            return Err(Failure::new(
                ReplicateCause::PreComputeInvalidDatasetChecksum,
                format!(
                    "dataset {dataset} at {location} has SHA-256 {}, its on-chain checksum is {}",
                    downloaded.sha256, info.m_datasetChecksum
                ),
            ));
        }
        let decryption = |message: String| {
            Failure::new(ReplicateCause::PreComputeDatasetDecryptionFailed, message)
        };
        let key = secrets
            .and_then(|secrets| {
                secrets
                    .released
                    .datasets
                    .iter()
                    .find(|released| released.address == dataset)
            })
            .ok_or_else(|| decryption(format!("the SMS released no key for dataset {dataset}")))?;
        let key = SealKey::parse(&key.key)
            .map_err(|error| decryption(format!("the key of dataset {dataset}: {error}")))?;
        let name = dataset.to_string();
        let plaintext = self.dir.input().join(&name);
        let unsealed = tokio::task::spawn_blocking(move || {
            let result = File::open(&sealed)
                .map_err(SealError::from)
                .and_then(|reader| {
                    let mut writer = BufWriter::new(File::create(&plaintext)?);
                    let summary = unseal(&key, reader, &mut writer)?;
                    writer.flush()?;
                    Ok(summary)
                });
            let _ = std::fs::remove_file(&sealed);
            if result.is_err() {
                let _ = std::fs::remove_file(&plaintext);
            }
            result
        })
        .await
        .map_err(join_failure)?;
        match unsealed {
            Ok(summary) => {
                tracing::debug!(%dataset, format = ?summary.format, bytes = summary.plaintext_bytes, "dataset unsealed");
                Ok(name)
            }
            Err(SealError::Io(error)) => Err(Failure::new(
                ReplicateCause::WorkerFailure,
                format!("unsealing dataset {dataset}: {error}"),
            )),
            Err(error) => Err(decryption(format!(
                "dataset {dataset} does not unseal with its released key: {error}"
            ))),
        }
    }

    /// Fetches an input file into `in/0x<sha256(url)>`; returns the file name.
    async fn input_file(&self, url: &str) -> Step<String> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Failure::new(
                ReplicateCause::PreComputeInvalidParams,
                format!("input file {url:?} is not an http(s) URL"),
            ));
        }
        let name = hex::encode_prefixed(Sha256::digest(url.as_bytes()));
        self.transfers
            .url_to_file(
                url,
                &self.dir.input().join(&name),
                self.policy.max_input_file_bytes,
            )
            .await
            .map_err(|error| {
                Failure::new(
                    ReplicateCause::PreComputeInputFileDownloadFailed,
                    format!("fetching input file {url}: {error}"),
                )
            })?;
        Ok(name)
    }
}
