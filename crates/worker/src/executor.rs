//! [`TaskExecutor`]: one task, from the scheduler's authorization to the contribution.

use crate::app;
use crate::compute;
use crate::config::{ExecutorConfig, ResourcePolicy};
use crate::contribute::{self, Consensus, Replicated, TeeContribution};
use crate::error::{ExecutorError, Failure, OrFail as _, Step, join_failure};
use crate::fetch::Transfers;
use crate::post_compute::{self, ResultDigest};
use crate::pre_compute::{self, PreCompute};
use crate::task::{self, TaskFacts};
use crate::tee::{self, TeeSecrets};
use crate::workdir::TaskDir;
use alloy_primitives::{Address, B256, Bytes};
use alloy_provider::RootProvider;
use alloy_signer_local::PrivateKeySigner;
use confide_chain::client::Client;
use confide_crypto::result::{ResultEncryptionKey, encrypt_result_for};
use confide_protocol::Tag;
use confide_protocol::authorization::{WorkerpoolAuthorization, enclave_signature_message};
use confide_protocol::params::StorageProvider;
use confide_protocol::replicate::{ReplicateCause, ReplicateFailure};
use confide_protocol::result::{ResultLocation, result_hash, result_seal};
use confide_protocol::signature::sign_personal;
use confide_protocol::tag::TeeFramework;
use confide_sandbox::Sandbox;
use confide_tee::Attester;
use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// What the scheduler hands a worker for one task. Nothing in it is trusted: the authorization
/// is checked against the chain, and the SMS checks everything again before releasing secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionRequest {
    /// The scheduler's signed permission for this worker to contribute to the task.
    pub authorization: WorkerpoolAuthorization,
    /// The SMS holding the task's secrets (TEE tasks).
    pub sms_url: Option<String>,
}

/// A milestone of [`TaskExecutor::execute_with_progress`], for the caller to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The task checked out against the chain; the worker is fetching and running it.
    Started {
        /// A TEE task (else replicated).
        tee: bool,
    },
    /// The app ran; its result digest is known.
    Computed {
        /// The result digest.
        result_digest: B256,
    },
    /// Replicated tasks: the contribution is on-chain; the worker now waits for consensus.
    Contributed {
        /// The contributed result hash.
        result_hash: B256,
        /// The transaction, `None` when a previous run of this worker had sent it.
        tx: Option<B256>,
    },
}

/// How a task ended for this worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// TEE task: `contributeAndFinalize` mined; the task is COMPLETED.
    Completed {
        /// The transaction.
        tx: B256,
        /// The result digest.
        result_digest: B256,
        /// The `results` bytes written on-chain ([`ResultLocation`] JSON).
        results: Bytes,
    },
    /// Replicated task: consensus on this worker's result, and its reveal is on-chain. The
    /// scheduler finalizes once it has the result: the zip is kept at `result_zip` for the
    /// caller to hand over, then [`TaskExecutor::discard_result`].
    Revealed {
        /// The contributed result hash (the consensus).
        result_hash: B256,
        /// The revealed digest.
        result_digest: B256,
        /// The reveal transaction, `None` when a previous run of this worker had sent it.
        tx: Option<B256>,
        /// `iexec_out` zipped (identical for every honest worker).
        result_zip: PathBuf,
        /// The callback data for `finalize` (callback deals).
        results_callback: Option<Bytes>,
    },
}

/// The task executor of one worker: verifies a task on-chain, fetches and checks the app and
/// the data, opens the TEE session, runs the app, stores the result and contributes. Shared by
/// the worker's concurrent tasks (`Arc`); one run per task at a time.
pub struct TaskExecutor {
    signer: PrivateKeySigner,
    chain: Client<RootProvider>,
    attester: Option<Arc<dyn Attester>>,
    sandbox: Arc<Sandbox>,
    transfers: Transfers,
    tasks_dir: PathBuf,
    results_dir: PathBuf,
    policy: ResourcePolicy,
    running: Mutex<HashSet<B256>>,
    /// Stake checks, deposits and contributions of concurrent tasks, one after the other.
    stake: tokio::sync::Mutex<()>,
}

impl fmt::Debug for TaskExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskExecutor")
            .field("worker", &self.signer.address())
            .field("tee", &self.attester.is_some())
            .field("tasks_dir", &self.tasks_dir)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// Removes a task from the running set when its run ends.
struct Running<'a> {
    set: &'a Mutex<HashSet<B256>>,
    task_id: B256,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.set
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&self.task_id);
    }
}

impl TaskExecutor {
    /// An executor of `config`; creates its work directories.
    pub fn new(config: ExecutorConfig) -> Result<Self, ExecutorError> {
        let worker = config.signer.address();
        if !config.chain.signers().any(|signer| signer == worker) {
            return Err(ExecutorError::ChainCannotSign(worker));
        }
        let tasks_dir = config.work_dir.join("tasks");
        let results_dir = config.work_dir.join("results");
        for dir in [&tasks_dir, &results_dir] {
            std::fs::create_dir_all(dir).map_err(|source| ExecutorError::WorkDir {
                path: dir.clone(),
                source,
            })?;
        }
        Ok(Self {
            transfers: Transfers::new(config.storage, &config.policy)?,
            signer: config.signer,
            chain: config.chain,
            attester: config.attester,
            sandbox: config.sandbox,
            tasks_dir,
            results_dir,
            policy: config.policy,
            running: Mutex::new(HashSet::new()),
            stake: tokio::sync::Mutex::new(()),
        })
    }

    /// The worker's address.
    pub fn worker(&self) -> Address {
        self.signer.address()
    }

    /// Whether this worker runs TEE tasks (it has an attester).
    pub fn supports_tee(&self) -> bool {
        self.attester.is_some()
    }

    /// Runs the task of `request` to its contribution (see [`Self::execute_with_progress`]).
    pub async fn execute(&self, request: &ExecutionRequest) -> Result<Outcome, ReplicateFailure> {
        self.execute_with_progress(request, &|_| {}).await
    }

    /// Runs the task of `request`: checks, app, TEE session (TEE tasks), pre-compute, compute,
    /// post-compute, contribution; for replicated tasks also the wait for consensus and the
    /// reveal. `on_progress` hears each milestone. Nothing of the task is left in the work
    /// directory afterwards but a replicated task's result zip. A failure names its cause.
    pub async fn execute_with_progress(
        &self,
        request: &ExecutionRequest,
        on_progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Result<Outcome, ReplicateFailure> {
        let task_id = request.authorization.chain_task_id;
        let result = match self.start(task_id) {
            Ok(_running) => self.run(request, on_progress).await,
            Err(failure) => Err(failure),
        };
        match result {
            Ok(outcome) => {
                tracing::info!(task = %task_id, "replicate done");
                Ok(outcome)
            }
            Err(Failure { cause, message }) => {
                tracing::warn!(task = %task_id, %cause, "replicate failed: {message}");
                Err(ReplicateFailure::new(task_id, cause, message))
            }
        }
    }

    /// Where a replicated task's result zip is kept until [`Self::discard_result`].
    pub fn result_zip_path(&self, task_id: B256) -> PathBuf {
        self.results_dir.join(format!("{task_id}.zip"))
    }

    /// Deletes a replicated task's kept result zip (nothing if there is none).
    pub fn discard_result(&self, task_id: B256) -> std::io::Result<()> {
        match std::fs::remove_file(self.result_zip_path(task_id)) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }

    fn start(&self, task_id: B256) -> Step<Running<'_>> {
        let mut running = self
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !running.insert(task_id) {
            return Err(Failure::new(
                ReplicateCause::WorkerFailure,
                format!("task {task_id} is already running on this worker"),
            ));
        }
        Ok(Running {
            set: &self.running,
            task_id,
        })
    }

    async fn run(
        &self,
        request: &ExecutionRequest,
        on_progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Step<Outcome> {
        let worker = self.worker();
        let facts = task::read_and_verify(&self.chain, worker, &request.authorization).await?;
        let tee_session = self.check_supported(&facts, request)?;
        on_progress(Progress::Started { tee: facts.tee });
        tracing::info!(task = %facts.task_id, tee = facts.tee, "running a task");

        let dir = TaskDir::create(&self.tasks_dir, facts.task_id)
            .or_fail(ReplicateCause::WorkerFailure, "creating the task directory")?;
        let app = app::load(
            &facts.app,
            &self.transfers,
            &self.sandbox,
            self.policy.max_app_bytes,
        )
        .await?;
        let bulk = pre_compute::bulk_orders(&facts, &self.transfers, &self.policy).await?;
        let secrets = match tee_session {
            Some((sms_url, attester)) => Some(
                tee::open_session(
                    &facts,
                    app.digest,
                    attester,
                    &self.signer,
                    sms_url,
                    bulk.clone(),
                    &self.policy.sms,
                )
                .await?,
            ),
            None => None,
        };
        let pre_compute = PreCompute {
            chain: &self.chain,
            transfers: &self.transfers,
            policy: &self.policy,
            dir: &dir,
        };
        let inputs = pre_compute.prepare(&facts, secrets.as_ref(), &bulk).await?;
        let run = compute::run(
            &self.sandbox,
            &app.module,
            &facts,
            &inputs,
            secrets.as_ref(),
            &self.policy,
            &dir,
        )
        .await?;
        if facts.deal.callback != Address::ZERO && run.computed.callback_data.is_none() {
            return Err(Failure::new(
                ReplicateCause::PostComputeComputedFileNotFound,
                format!(
                    "the deal has a callback ({}) and computed.json has no callback-data",
                    facts.deal.callback
                ),
            ));
        }

        // Zipped unless a TEE task's result is its callback data (nothing to store then);
        // replicated results are always zipped, for the scheduler to check and store.
        let zip = (!facts.tee || run.computed.callback_data.is_none())
            .then(|| dir.scratch().join("iexec_out.zip"));
        let output_dir = dir.output();
        let computed = run.computed;
        let zip_path = zip.clone();
        let digest = tokio::task::spawn_blocking(move || {
            let digest = post_compute::result_digest(&output_dir, &computed)?;
            if let Some(zip_path) = &zip_path {
                post_compute::zip_output(&output_dir, zip_path)?;
            }
            Ok::<_, Failure>(digest)
        })
        .await
        .map_err(join_failure)??;
        on_progress(Progress::Computed {
            result_digest: digest.digest,
        });

        match secrets {
            Some(secrets) => self.finish_tee(&facts, &secrets, digest, zip, &dir).await,
            None => {
                let zip = zip.ok_or_else(|| {
                    Failure::new(ReplicateCause::WorkerFailure, "no result zip was made")
                })?;
                self.finish_replicated(&facts, digest, &zip, on_progress)
                    .await
            }
        }
    }

    /// What this worker can run; for a TEE task, the SMS URL and the attester.
    fn check_supported<'r>(
        &'r self,
        facts: &TaskFacts,
        request: &'r ExecutionRequest,
    ) -> Step<Option<(&'r str, &'r Arc<dyn Attester>)>> {
        let unsupported = |message: String| Failure::new(ReplicateCause::UnsupportedTask, message);
        let params = &facts.params;
        if params.storage_provider() != StorageProvider::Ipfs {
            return Err(unsupported(format!(
                "results go to {}; this worker stores them on IPFS only",
                params.storage_provider().name()
            )));
        }
        if !facts.tee {
            let tee_only = if facts.dataset().is_some() || params.bulk_cid.is_some() {
                Some("datasets")
            } else if !params.iexec_secrets.is_empty() {
                Some("requester secrets")
            } else if params.iexec_result_encryption {
                Some("result encryption keys")
            } else {
                None
            };
            if let Some(what) = tee_only {
                return Err(unsupported(format!(
                    "{what} are released to TEE tasks only, and this deal is not a TEE deal"
                )));
            }
            return Ok(None);
        }
        let Some(attester) = &self.attester else {
            return Err(unsupported("this worker has no TEE".into()));
        };
        if facts.deal.trust != alloy_primitives::U256::from(1) {
            return Err(unsupported(format!(
                "a TEE task runs with trust 1; this deal's trust is {}",
                facts.deal.trust
            )));
        }
        let tag = Tag(facts.deal.tag);
        if tag.framework() != Some(TeeFramework::Tdx) {
            return Err(unsupported(format!(
                "this worker runs TDX TEE tasks; the deal's tag {} names {}",
                facts.deal.tag,
                tag.framework().map_or("no framework", TeeFramework::name)
            )));
        }
        let sms_url = request.sms_url.as_deref().ok_or_else(|| {
            Failure::new(
                ReplicateCause::TeeSessionFailed,
                "no SMS URL was given for a TEE task",
            )
        })?;
        Ok(Some((sms_url, attester)))
    }

    /// Encrypts and stores the result, signs it with the enclave challenge key and sends
    /// `contributeAndFinalize`.
    async fn finish_tee(
        &self,
        facts: &TaskFacts,
        secrets: &TeeSecrets,
        digest: ResultDigest,
        zip: Option<PathBuf>,
        dir: &TaskDir,
    ) -> Step<Outcome> {
        let (results, results_callback) = match (&digest.callback, zip) {
            (Some(callback), _) => (
                ResultLocation::callback(facts.deal.callback).to_bytes(),
                callback.clone(),
            ),
            (None, Some(zip)) => {
                let stored = if facts.params.iexec_result_encryption {
                    let encrypted = dir.scratch().join("iexec_out.zip.enc");
                    encrypt(
                        secrets.released.result_encryption_key.clone(),
                        zip,
                        encrypted.clone(),
                    )
                    .await?;
                    encrypted
                } else {
                    zip
                };
                let cid = self.transfers.upload(&stored).await.map_err(|error| {
                    Failure::new(
                        ReplicateCause::PostComputeResultUploadFailed,
                        format!("storing the result: {error}"),
                    )
                })?;
                (
                    ResultLocation::ipfs(&cid.to_string()).to_bytes(),
                    Bytes::new(),
                )
            }
            (None, None) => {
                return Err(Failure::new(
                    ReplicateCause::WorkerFailure,
                    "no result zip was made",
                ));
            }
        };
        let worker = self.worker();
        let hash = result_hash(facts.task_id, digest.digest);
        let seal = result_seal(worker, facts.task_id, digest.digest);
        let enclave_sign =
            sign_personal(&secrets.challenge, &enclave_signature_message(hash, seal))
                .or_fail(ReplicateCause::WorkerFailure, "signing the result")?;
        let results = Bytes::from(results);
        let tx = contribute::contribute_and_finalize(
            &self.chain,
            worker,
            facts,
            TeeContribution {
                digest: digest.digest,
                results: results.clone(),
                results_callback,
                enclave_sign,
            },
        )
        .await?;
        Ok(Outcome::Completed {
            tx,
            result_digest: digest.digest,
            results,
        })
    }

    /// Contributes, waits for consensus, reveals; keeps the zip for the scheduler.
    async fn finish_replicated(
        &self,
        facts: &TaskFacts,
        digest: ResultDigest,
        zip: &Path,
        on_progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> Step<Outcome> {
        let replicated = Replicated {
            chain: &self.chain,
            worker: self.worker(),
            facts,
            digest: digest.digest,
            poll_interval: self.policy.chain_poll_interval,
        };
        let contributed = {
            let _stake = self.stake.lock().await;
            replicated.contribute().await?
        };
        let result_hash = replicated.result_hash();
        on_progress(Progress::Contributed {
            result_hash,
            tx: contributed,
        });
        let tx = match replicated.await_consensus().await? {
            Consensus::AlreadyRevealed => None,
            Consensus::Reveal { deadline } => Some(replicated.reveal(deadline).await?),
        };
        let result_zip = self.result_zip_path(facts.task_id);
        std::fs::rename(zip, &result_zip)
            .or_fail(ReplicateCause::WorkerFailure, "keeping the result zip")?;
        Ok(Outcome::Revealed {
            result_hash,
            result_digest: digest.digest,
            tx,
            result_zip,
            results_callback: digest.callback,
        })
    }
}

/// Encrypts `zip` into `encrypted` for the beneficiary's key (X25519 → Confide's HPKE format,
/// RSA → iExec's layout).
async fn encrypt(key: Option<String>, zip: PathBuf, encrypted: PathBuf) -> Step<()> {
    let missing = |message: String| {
        Failure::new(
            ReplicateCause::PostComputeEncryptionPublicKeyMissing,
            message,
        )
    };
    let key = key.ok_or_else(|| {
        missing("the deal asks for an encrypted result and the SMS released no key".into())
    })?;
    let key = ResultEncryptionKey::parse(&key)
        .map_err(|error| missing(format!("the beneficiary's result key is unusable: {error}")))?;
    tokio::task::spawn_blocking(move || {
        let reader = File::open(&zip)?;
        let mut writer = BufWriter::new(File::create(&encrypted)?);
        encrypt_result_for(&key, reader, &mut writer)?;
        std::io::Write::flush(&mut writer)?;
        Ok::<_, confide_crypto::result::ResultError>(())
    })
    .await
    .map_err(join_failure)?
    .or_fail(
        ReplicateCause::PostComputeEncryptionFailed,
        "encrypting the result",
    )
}
