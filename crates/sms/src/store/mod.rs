//! The SMS's persistence: secrets, enclave challenge keys and the audit log, in SQLite (a file,
//! the embedded default) or PostgreSQL (scale-out), by URL (DESIGN.md §7). Secret values and
//! challenge private keys are encrypted at rest under a master key (AES-256-GCM, each row's
//! identity as associated data); a wrong master key is detected at open.
//!
//! One code path serves both databases: sqlx's `Any` driver, with `$n` placeholders (SQLite
//! reads them too) and only the column types both map (BIGINT, TEXT, BLOB/BYTEA). Write-once and
//! create-or-get are single `INSERT … ON CONFLICT DO NOTHING` statements, so concurrent callers
//! race on the primary key, never on a check-then-insert.

mod audit;
mod id;
mod master_key;
mod schema;
mod seal;

pub use audit::{AuditAction, AuditEntry, UnknownAuditAction};
pub use id::SecretId;
pub use master_key::{MASTER_KEY_LEN, MasterKey, MasterKeyError};

use alloy_primitives::{Address, B256};
use id::{lower_hex, task_text};
use seal::{Row as SealedRow, Sealer};
use sqlx::{AnyPool, Row};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use zeroize::Zeroizing;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "unsupported store URL scheme {scheme:?}: use sqlite://<path>, sqlite::memory: or postgres://…"
    )]
    UnsupportedUrl { scheme: String },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(
        "the master key does not open this database's key check: it is not the key this database \
         was created with (wrong key file?), or the key check row was altered"
    )]
    WrongMasterKey,
    #[error(
        "the database's schema is version {found}, newer than this program's {supported}: \
         upgrade the program"
    )]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("{0} already exists (secrets are write-once)")]
    AlreadyExists(SecretId),
    #[error("{0} does not exist")]
    NotFound(SecretId),
    #[error("this signed request was already applied to {0}: a replay changes nothing")]
    Replayed(SecretId),
    /// Authentication of a sealed value failed although the master key opens the key check:
    /// the row was altered, or copied from another row.
    #[error("the stored {row} does not decrypt: it was altered or moved from another row")]
    Undecryptable { row: String },
    #[error("the stored {row} is malformed: {reason}")]
    Malformed { row: String, reason: String },
    #[error("{what} {value} is beyond the database's range (2^63 - 1)")]
    OutOfRange { what: &'static str, value: u64 },
    #[error(
        "the challenge of task {task} was purged while it was being created: its final deadline \
         has passed"
    )]
    ChallengePurged { task: String },
    #[error("the system random generator failed")]
    Random,
}

impl From<confide_db::DbError> for StoreError {
    fn from(error: confide_db::DbError) -> Self {
        use confide_db::DbError;
        match error {
            DbError::UnsupportedUrl { scheme } => Self::UnsupportedUrl { scheme },
            DbError::Database(error) => Self::Database(error),
            DbError::SchemaTooNew {
                found, supported, ..
            } => Self::SchemaTooNew { found, supported },
        }
    }
}

/// An enclave challenge: the per-task key whose address the worker's enclave signs results with.
#[derive(Clone, PartialEq, Eq)]
pub struct ChallengeKey {
    pub task_id: B256,
    /// Unix seconds; the key is purged once this has passed.
    pub final_deadline_unix: u64,
    pub private_key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for ChallengeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChallengeKey")
            .field("task_id", &self.task_id)
            .field("final_deadline_unix", &self.final_deadline_unix)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

/// The SMS store. Cheap to clone (one shared pool).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    sealer: Arc<Sealer>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // No URL: it may hold a database password.
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// Secrets read per `IN (…)` query: well under every engine's bound-parameter limit.
const BATCH: usize = 500;

const KEY_CHECK_NAME: &str = "master-key";
const KEY_CHECK_PLAINTEXT: &[u8] = b"confide-sms master key check v1";

impl Store {
    /// Opens (and creates or migrates) the store at `url`: `sqlite://<path>` (the file is created
    /// if missing), `sqlite::memory:` (gone when the store is dropped), or
    /// `postgres://user[:password]@host[:port]/database`. Fails with
    /// [`StoreError::WrongMasterKey`] if `master_key` is not the one the database was created with.
    pub async fn open(url: &str, master_key: &MasterKey) -> Result<Self, StoreError> {
        let pool = confide_db::Db::open(url, &schema::MIGRATIONS).await?.pool;
        let store = Self {
            pool,
            sealer: Arc::new(Sealer::new(master_key)),
        };
        store.check_master_key().await?;
        Ok(store)
    }

    /// Seals a known value at first open; opens it at every later one.
    async fn check_master_key(&self) -> Result<(), StoreError> {
        let sealed = self.seal(SealedRow::KeyCheck, KEY_CHECK_PLAINTEXT)?;
        // A concurrent first open with another key loses this race and fails below.
        sqlx::query("INSERT INTO key_check (name, sealed) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(KEY_CHECK_NAME)
            .bind(sealed)
            .execute(&self.pool)
            .await?;
        let stored: Vec<u8> = sqlx::query("SELECT sealed FROM key_check WHERE name = $1")
            .bind(KEY_CHECK_NAME)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        match self.sealer.open(SealedRow::KeyCheck, &stored) {
            Ok(plaintext) if plaintext.as_slice() == KEY_CHECK_PLAINTEXT => Ok(()),
            _ => Err(StoreError::WrongMasterKey),
        }
    }

    fn seal(&self, row: SealedRow<'_>, plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.sealer
            .seal(row, plaintext)
            .map_err(|_| StoreError::Random)
    }

    fn open_sealed(
        &self,
        row: SealedRow<'_>,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        self.sealer
            .open(row, sealed)
            .map_err(|_| StoreError::Undecryptable {
                row: row.describe(),
            })
    }

    // ---- Secrets ----

    /// Stores a new secret; [`StoreError::AlreadyExists`] if `id` has one (write-once, also
    /// between concurrent callers).
    pub async fn create_secret(&self, id: &SecretId, value: &[u8]) -> Result<(), StoreError> {
        let key = id.to_string();
        let sealed = self.seal(SealedRow::Secret(&key), value)?;
        let now = to_db(now_unix(), "time")?;
        let inserted = sqlx::query(
            "INSERT INTO secrets (id, sealed, created_at, updated_at) VALUES ($1, $2, $3, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(&key)
        .bind(sealed)
        .bind(now)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Err(StoreError::AlreadyExists(id.clone()));
        }
        Ok(())
    }

    /// Replaces an existing secret's value; [`StoreError::NotFound`] if there is none.
    pub async fn update_secret(&self, id: &SecretId, value: &[u8]) -> Result<(), StoreError> {
        let key = id.to_string();
        let sealed = self.seal(SealedRow::Secret(&key), value)?;
        let now = to_db(now_unix(), "time")?;
        let updated = sqlx::query("UPDATE secrets SET sealed = $1, updated_at = $2 WHERE id = $3")
            .bind(sealed)
            .bind(now)
            .bind(&key)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if updated == 0 {
            return Err(StoreError::NotFound(id.clone()));
        }
        Ok(())
    }

    /// Records that the signed `request` (the hash the owner signed) was applied to `id`, so
    /// that it cannot be replayed as an update later.
    pub async fn record_request(&self, id: &SecretId, request: B256) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO applied_requests (secret_id, request) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
        )
        .bind(id.to_string())
        .bind(task_text(&request))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Replaces an existing secret's value once per signed `request`: a request already
    /// applied to `id` (recorded here or by [`Store::record_request`]) is
    /// [`StoreError::Replayed`] and changes nothing; [`StoreError::NotFound`] if there is no
    /// secret.
    pub async fn update_secret_once(
        &self,
        id: &SecretId,
        value: &[u8],
        request: B256,
    ) -> Result<(), StoreError> {
        let key = id.to_string();
        let sealed = self.seal(SealedRow::Secret(&key), value)?;
        let now = to_db(now_unix(), "time")?;
        let mut transaction = self.pool.begin().await?;
        let recorded = sqlx::query(
            "INSERT INTO applied_requests (secret_id, request) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
        )
        .bind(&key)
        .bind(task_text(&request))
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if recorded == 0 {
            return Err(StoreError::Replayed(id.clone()));
        }
        let updated = sqlx::query("UPDATE secrets SET sealed = $1, updated_at = $2 WHERE id = $3")
            .bind(sealed)
            .bind(now)
            .bind(&key)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        if updated == 0 {
            return Err(StoreError::NotFound(id.clone()));
        }
        transaction.commit().await?;
        Ok(())
    }

    pub async fn secret_exists(&self, id: &SecretId) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM secrets WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// The secret's value, decrypted; `None` if there is none.
    pub async fn secret(&self, id: &SecretId) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let key = id.to_string();
        let row = sqlx::query("SELECT sealed FROM secrets WHERE id = $1")
            .bind(&key)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let sealed: Vec<u8> = row.try_get(0)?;
        self.open_sealed(SealedRow::Secret(&key), &sealed).map(Some)
    }

    /// Several secrets at once (one query per 500), in the order of `ids`.
    pub async fn secrets(
        &self,
        ids: &[SecretId],
    ) -> Result<Vec<Option<Zeroizing<Vec<u8>>>>, StoreError> {
        let keys: Vec<String> = ids.iter().map(SecretId::to_string).collect();
        let mut found: HashMap<String, Vec<u8>> = HashMap::new();
        for chunk in keys.chunks(BATCH) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT id, sealed FROM secrets WHERE id IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for key in chunk {
                query = query.bind(key);
            }
            for row in query.fetch_all(&self.pool).await? {
                found.insert(row.try_get(0)?, row.try_get(1)?);
            }
        }
        keys.iter()
            .map(|key| {
                found
                    .get(key)
                    .map(|sealed| self.open_sealed(SealedRow::Secret(key), sealed))
                    .transpose()
            })
            .collect()
    }

    // ---- Enclave challenges ----

    /// The task's challenge key, if one was created and not purged.
    pub async fn challenge(&self, task_id: B256) -> Result<Option<ChallengeKey>, StoreError> {
        let task = task_text(&task_id);
        let row = sqlx::query("SELECT final_deadline, sealed FROM challenges WHERE task_id = $1")
            .bind(&task)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let deadline: i64 = row.try_get(0)?;
        let sealed: Vec<u8> = row.try_get(1)?;
        let plaintext = self.open_sealed(SealedRow::Challenge(&task), &sealed)?;
        let malformed = |reason: String| StoreError::Malformed {
            row: SealedRow::Challenge(&task).describe(),
            reason,
        };
        let mut private_key = Zeroizing::new([0u8; 32]);
        if plaintext.len() != 32 {
            return Err(malformed(format!("a {}-byte private key", plaintext.len())));
        }
        private_key.copy_from_slice(&plaintext);
        Ok(Some(ChallengeKey {
            task_id,
            final_deadline_unix: u64::try_from(deadline)
                .map_err(|_| malformed(format!("deadline {deadline}")))?,
            private_key,
        }))
    }

    /// The task's challenge key: `private_key` stored if the task has none yet, else the existing
    /// one (and its deadline). Concurrent calls for one task all return the same key.
    pub async fn create_challenge(
        &self,
        task_id: B256,
        final_deadline_unix: u64,
        private_key: Zeroizing<[u8; 32]>,
    ) -> Result<ChallengeKey, StoreError> {
        let task = task_text(&task_id);
        let deadline = to_db(final_deadline_unix, "final deadline")?;
        let sealed = self.seal(SealedRow::Challenge(&task), private_key.as_ref())?;
        let now = to_db(now_unix(), "time")?;
        // Insert, or read the winner's; retried if the winner was purged in between.
        for _ in 0..3 {
            let inserted = sqlx::query(
                "INSERT INTO challenges (task_id, final_deadline, sealed, created_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(&task)
            .bind(deadline)
            .bind(sealed.clone())
            .bind(now)
            .execute(&self.pool)
            .await?
            .rows_affected();
            if inserted == 1 {
                return Ok(ChallengeKey {
                    task_id,
                    final_deadline_unix,
                    private_key,
                });
            }
            if let Some(existing) = self.challenge(task_id).await? {
                return Ok(existing);
            }
        }
        Err(StoreError::ChallengePurged { task })
    }

    /// Deletes the challenge keys whose final deadline has passed (`final_deadline <= now`: a
    /// task can be finalized only while `now < finalDeadline`). Returns how many.
    pub async fn purge_challenges(&self, now_unix: u64) -> Result<u64, StoreError> {
        let now = to_db(now_unix, "time")?;
        Ok(
            sqlx::query("DELETE FROM challenges WHERE final_deadline <= $1")
                .bind(now)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }

    // ---- Audit log ----

    pub async fn audit(&self, entry: AuditEntry) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit (at, action, actor, task_id, subject, outcome)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(to_db(entry.at_unix, "audit time")?)
        .bind(entry.action.as_str())
        .bind(entry.actor.map(|actor| lower_hex(actor.as_slice())))
        .bind(entry.task_id.as_ref().map(task_text))
        .bind(entry.subject)
        .bind(entry.outcome)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The latest `limit` entries, newest first; only those of `task_id` if given.
    pub async fn audit_entries(
        &self,
        task_id: Option<B256>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        const COLUMNS: &str = "SELECT at, action, actor, task_id, subject, outcome FROM audit";
        let rows = match task_id {
            Some(task_id) => {
                sqlx::query(&format!(
                    "{COLUMNS} WHERE task_id = $1 ORDER BY id DESC LIMIT $2"
                ))
                .bind(task_text(&task_id))
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("{COLUMNS} ORDER BY id DESC LIMIT $1"))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(audit_entry).collect()
    }
}

fn audit_entry(row: &sqlx::any::AnyRow) -> Result<AuditEntry, StoreError> {
    let malformed = |reason: String| StoreError::Malformed {
        row: "audit entry".into(),
        reason,
    };
    let at: i64 = row.try_get(0)?;
    let action: String = row.try_get(1)?;
    let actor: Option<String> = row.try_get(2)?;
    let task_id: Option<String> = row.try_get(3)?;
    Ok(AuditEntry {
        at_unix: u64::try_from(at).map_err(|_| malformed(format!("time {at}")))?,
        action: action
            .parse()
            .map_err(|error: UnknownAuditAction| malformed(error.to_string()))?,
        actor: actor
            .map(|text| {
                text.parse::<Address>()
                    .map_err(|_| malformed(format!("actor {text:?}")))
            })
            .transpose()?,
        task_id: task_id
            .map(|text| {
                text.parse::<B256>()
                    .map_err(|_| malformed(format!("task id {text:?}")))
            })
            .transpose()?,
        subject: row.try_get(4)?,
        outcome: row.try_get(5)?,
    })
}

/// Unix seconds and deadlines are stored as BIGINT (signed).
fn to_db(value: u64, what: &'static str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange { what, value })
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
