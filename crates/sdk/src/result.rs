//! A completed task's result: fetched from storage, decrypted with the requester's key, its
//! zip read defensively.

use std::collections::BTreeMap;

use alloy_primitives::B256;
use confide_crypto::archive::{ZipLimits, read_files};
use confide_crypto::result::{self, ResultDecryptionKey, ResultLimits};
use confide_protocol::params::DealParams;
use confide_protocol::result::ResultLocation;
use confide_storage::backend::collect;
use confide_storage::{ByteRange, Storage as _};
use serde_json::json;

use crate::status::{OnStatus, Step, done, start};
use crate::task::TaskStatus;
use crate::{Confide, SdkError};

/// The largest result downloaded.
pub const MAX_RESULT_BYTES: u64 = 256 << 20;

/// A task's result: the zip of its `iexec_out`, decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskResult {
    pub task_id: B256,
    pub zip: Vec<u8>,
}

impl TaskResult {
    /// Every file of the result by relative path (hostile zips refused).
    pub fn files(&self) -> Result<BTreeMap<String, Vec<u8>>, SdkError> {
        read_files(&self.zip, &ZipLimits::default()).map_err(|e| SdkError::Result {
            task: self.task_id,
            reason: e.to_string(),
        })
    }

    /// The file at `path` in the result.
    pub fn file(&self, path: &str) -> Result<Vec<u8>, SdkError> {
        self.files()?.remove(path).ok_or_else(|| SdkError::Result {
            task: self.task_id,
            reason: format!("it has no file {path:?}"),
        })
    }
}

impl Confide {
    /// Downloads the result of the completed task `task` and decrypts it with this client's
    /// result key when the deal asked for encryption.
    pub async fn get_result_from_completed_task(
        &self,
        task: B256,
        on_status: OnStatus<'_>,
    ) -> Result<TaskResult, SdkError> {
        let view = self.chain.task(task).await?;
        let failed = |reason: String| SdkError::Result { task, reason };
        let status = self.status_of(&view).await?;
        if status != TaskStatus::Completed {
            return Err(if view.dealid.is_zero() {
                SdkError::UnknownTask(task)
            } else {
                SdkError::TaskFailed {
                    task,
                    status: status.as_str(),
                }
            });
        }
        start(on_status, Step::TaskResultDownload);
        let location = ResultLocation::from_bytes(&view.results)
            .map_err(|e| failed(format!("its location is unreadable: {e}")))?;
        let cid = location
            .location
            .strip_prefix("/ipfs/")
            .filter(|_| location.storage == "ipfs")
            .ok_or_else(|| failed(format!("it is stored in {:?}, not IPFS", location.storage)))?
            .parse()
            .map_err(|_| failed(format!("{:?} is not a CID", location.location)))?;
        let stream = self
            .storage
            .get(cid, ByteRange::ALL)
            .await
            .map_err(|e| SdkError::service("storage", e))?;
        let stored = collect(stream, MAX_RESULT_BYTES)
            .await
            .map_err(|e| SdkError::service("storage", e))?;
        done(
            on_status,
            Step::TaskResultDownload,
            json!({ "bytes": stored.len() }),
        );
        let params = self.chain.deal(view.dealid).await?.params;
        let params = DealParams::parse(&params).unwrap_or_default();
        if !params.iexec_result_encryption {
            return Ok(TaskResult {
                task_id: task,
                zip: stored,
            });
        }
        start(on_status, Step::TaskResultDecrypt);
        let mut zip = Vec::new();
        let key = ResultDecryptionKey::X25519(self.result_key.secret().clone());
        result::decrypt_result(stored.as_slice(), &key, &mut zip, &ResultLimits::default())
            .map_err(|e| {
                failed(format!(
                    "{e} (was it requested with another result key? pass the requester's)"
                ))
            })?;
        done(on_status, Step::TaskResultDecrypt, serde_json::Value::Null);
        Ok(TaskResult { task_id: task, zip })
    }
}
