//! What a worker reports to its scheduler about one replicate (one worker's run of one task),
//! shared by both so they agree on the words.
//!
//! The failure causes keep the reference worker's names where it has one (`PRE_COMPUTE_*`,
//! `POST_COMPUTE_*`; devtools.md §2.3, §2.5) and add what a wasm sandbox and an on-chain
//! contribution can fail on. Each cause says whose fault it is, which tells the scheduler
//! whether another worker could succeed.

use alloy_primitives::B256;
use serde::{Deserialize, Serialize};

/// Why a replicate failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ReplicateCause {
    /// The scheduler's authorization is not signed by the workerpool's on-chain owner, or does
    /// not match the task.
    InvalidAuthorization,
    /// The task is not ACTIVE on-chain (not initialized, already completed, failed or in its
    /// reveal phase).
    TaskNotActive,
    /// The contribution deadline passed before the worker could contribute.
    ContributionTimeout,
    /// The worker lacks the free stake the deal asks of contributors.
    StakeTooLow,
    /// The deal needs what this worker cannot do (a TEE framework it lacks, a dataset in a
    /// non-TEE deal...).
    UnsupportedTask,
    /// The app module could not be fetched.
    AppDownloadFailed,
    /// The fetched module is not the one registered on-chain.
    AppChecksumMismatch,
    /// The SMS refused or could not be reached for the task's secrets.
    TeeSessionFailed,
    /// The dataset could not be fetched.
    PreComputeDatasetDownloadFailed,
    /// The fetched dataset's SHA-256 differs from its on-chain checksum.
    PreComputeInvalidDatasetChecksum,
    /// The dataset key does not open the dataset.
    PreComputeDatasetDecryptionFailed,
    /// An input file could not be fetched.
    PreComputeInputFileDownloadFailed,
    /// The bulk slice (`bulk_cid`) could not be fetched or is invalid.
    PreComputeBulkSliceFailed,
    /// The deal's params are not valid.
    PreComputeInvalidParams,
    /// The sandbox refused the module (not wasm, forbidden import, too large...).
    AppInvalid,
    /// The app trapped or exited with a non-zero code.
    AppComputeFailed,
    /// The app ran past its category's time limit.
    AppComputeTimeout,
    /// The app exceeded a memory, output size or file count limit.
    AppResourceLimit,
    /// The app did not leave a valid `computed.json`.
    PostComputeComputedFileNotFound,
    /// The result digest could not be computed (empty output, unreadable files).
    PostComputeResultDigestComputationFailed,
    /// A result file name is longer than 31 characters.
    PostComputeTooLongResultFileName,
    /// The deal asks for an encrypted result and the beneficiary has no usable key.
    PostComputeEncryptionPublicKeyMissing,
    /// Encrypting the result failed.
    PostComputeEncryptionFailed,
    /// The result could not be uploaded.
    PostComputeResultUploadFailed,
    /// The contribution transaction failed.
    ContributeFailed,
    /// The reveal transaction failed.
    RevealFailed,
    /// The reveal deadline passed before the worker revealed.
    RevealTimeout,
    /// Anything else on the worker's side.
    WorkerFailure,
}

/// Whose fault a failure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The task itself (its app, dataset, params or keys): another worker would fail alike.
    Task,
    /// The worker or a service it reached: another worker, or a later attempt, may succeed.
    Worker,
}

impl ReplicateCause {
    /// Whose fault it is.
    pub fn fault(self) -> Fault {
        use ReplicateCause::*;
        match self {
            AppChecksumMismatch
            | PreComputeInvalidDatasetChecksum
            | PreComputeDatasetDecryptionFailed
            | PreComputeInvalidParams
            | PreComputeBulkSliceFailed
            | AppInvalid
            | AppComputeFailed
            | AppComputeTimeout
            | AppResourceLimit
            | PostComputeComputedFileNotFound
            | PostComputeResultDigestComputationFailed
            | PostComputeTooLongResultFileName
            | PostComputeEncryptionPublicKeyMissing => Fault::Task,
            InvalidAuthorization
            | TaskNotActive
            | ContributionTimeout
            | StakeTooLow
            | UnsupportedTask
            | AppDownloadFailed
            | TeeSessionFailed
            | PreComputeDatasetDownloadFailed
            | PreComputeInputFileDownloadFailed
            | PostComputeEncryptionFailed
            | PostComputeResultUploadFailed
            | ContributeFailed
            | RevealFailed
            | RevealTimeout
            | WorkerFailure => Fault::Worker,
        }
    }

    /// The stable name (`PRE_COMPUTE_DATASET_DOWNLOAD_FAILED`...).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

impl std::fmt::Display for ReplicateCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// A failed replicate: the cause and a human explanation (never a secret or protected data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{cause}: {message}")]
pub struct ReplicateFailure {
    /// The task.
    pub task_id: B256,
    /// Why.
    pub cause: ReplicateCause,
    /// Details.
    pub message: String,
}

impl ReplicateFailure {
    /// A failure of `task_id` for `cause`.
    pub fn new(task_id: B256, cause: ReplicateCause, message: impl Into<String>) -> Self {
        Self {
            task_id,
            cause,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn causes_use_the_reference_names() {
        assert_eq!(
            ReplicateCause::PreComputeDatasetDownloadFailed.name(),
            "PRE_COMPUTE_DATASET_DOWNLOAD_FAILED"
        );
        assert_eq!(
            ReplicateCause::PostComputeTooLongResultFileName.to_string(),
            "POST_COMPUTE_TOO_LONG_RESULT_FILE_NAME"
        );
        let parsed: ReplicateCause =
            serde_json::from_str("\"PRE_COMPUTE_INVALID_DATASET_CHECKSUM\"").unwrap();
        assert_eq!(parsed, ReplicateCause::PreComputeInvalidDatasetChecksum);
        assert!(serde_json::from_str::<ReplicateCause>("\"NOT_A_CAUSE\"").is_err());
    }

    #[test]
    fn faults_tell_whether_another_worker_could_succeed() {
        assert_eq!(ReplicateCause::AppComputeFailed.fault(), Fault::Task);
        assert_eq!(ReplicateCause::TeeSessionFailed.fault(), Fault::Worker);
        assert_eq!(
            ReplicateCause::PreComputeDatasetDownloadFailed.fault(),
            Fault::Worker
        );
    }

    #[test]
    fn failures_round_trip_as_json() {
        let failure = ReplicateFailure::new(
            B256::repeat_byte(1),
            ReplicateCause::AppComputeTimeout,
            "ran 300 s",
        );
        let json = serde_json::to_string(&failure).unwrap();
        assert!(json.contains("\"cause\":\"APP_COMPUTE_TIMEOUT\""), "{json}");
        assert_eq!(
            serde_json::from_str::<ReplicateFailure>(&json).unwrap(),
            failure
        );
    }
}
