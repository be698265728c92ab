//! The queries behind the API. Current values come from the latest row of their history:
//! an asset's owner from `ownership`, a task's status from `task_events`, an account from
//! `account_events`.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, U256};
use serde_json::{Map, Value};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Row};

use super::rows::{
    ASSET_COLUMNS, DEAL_COLUMNS, TASK_COLUMNS, address_at, asset_row, deal_row, hash_at, location,
    malformed, opt_address_at, opt_bytes_at, opt_hash_at, task_row, u64_at, u256_at,
};
use super::schema::DERIVED_TABLES;
use super::{Store, StoreError, address_text, db_int, from_db_int, hash_text};
use crate::model::{
    Account, Asset, AssetKind, Deal, Page, ProtectedData, Task, TaskDetails, TaskEvent, TaskStatus,
};
use crate::query::{Paging, SchemaFilter};

/// Rows per table.
pub type RowCounts = BTreeMap<String, u64>;

/// The latest owner of the asset whose address is `column`.
fn latest_owner(column: &str) -> String {
    format!(
        "(SELECT o.new_owner FROM ownership o WHERE o.asset = {column}
          ORDER BY o.block_number DESC, o.log_index DESC LIMIT 1)"
    )
}

/// `column` is an asset whose latest owner is parameter `param`.
fn owned_by(column: &str, param: &str) -> String {
    format!(
        "{column} IN (SELECT o.asset FROM ownership o WHERE o.new_owner = {param}
          AND NOT EXISTS (SELECT 1 FROM ownership l WHERE l.asset = o.asset
          AND (l.block_number > o.block_number
               OR (l.block_number = o.block_number AND l.log_index > o.log_index))))"
    )
}

const LATEST_TASK_STATUS: &str = "(SELECT e.status FROM task_events e WHERE e.task_id = t.task_id
     ORDER BY e.block_number DESC, e.log_index DESC LIMIT 1)";

/// A statement and its parameters, built piece by piece.
#[derive(Default)]
struct Sql {
    text: String,
    binds: Vec<Bind>,
}

enum Bind {
    Text(String),
    Int(i64),
}

impl Sql {
    fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            binds: Vec::new(),
        }
    }

    /// A placeholder for `value`.
    fn param(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    fn text_param(&mut self, value: String) -> String {
        self.param(Bind::Text(value))
    }

    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// ` LIMIT page size + 1 OFFSET …` (one more row tells whether a next page exists).
    fn page(&mut self, paging: Paging) -> Result<(), StoreError> {
        let limit = self.param(Bind::Int(db_int("page size", paging.page_size + 1)?));
        let offset = self.param(Bind::Int(db_int("offset", paging.offset())?));
        self.push(&format!(" LIMIT {limit} OFFSET {offset}"));
        Ok(())
    }

    fn query(&self) -> sqlx::query::Query<'_, Any, AnyArguments<'_>> {
        let mut query = sqlx::query(&self.text);
        for bind in &self.binds {
            query = match bind {
                Bind::Text(text) => query.bind(text.clone()),
                Bind::Int(int) => query.bind(*int),
            };
        }
        query
    }
}

/// Rows of a page (one extra fetched) as the page.
fn page_of<T>(mut items: Vec<T>, paging: Paging) -> Page<T> {
    let size = usize::try_from(paging.page_size).unwrap_or(usize::MAX);
    let has_more = items.len() > size;
    items.truncate(size);
    Page {
        items,
        page: paging.page,
        page_size: paging.page_size,
        has_more,
    }
}

/// Rebuilds a nested schema from `path:type` entries (DataProtector's `reverseSafeSchema`,
/// nested keys merged): an entry whose path goes through a leaf is dropped.
pub(super) fn rebuild_schema<'a>(entries: impl IntoIterator<Item = &'a str>) -> Value {
    let mut root = Map::new();
    for entry in entries {
        if let Some((path, type_name)) = entry.split_once(':') {
            let keys: Vec<&str> = path.split('.').collect();
            insert_leaf(&mut root, &keys, type_name);
        }
    }
    Value::Object(root)
}

/// Sets `keys` to `type_name`, creating objects on the way, unless a leaf is in the way or an
/// object is at the place.
fn insert_leaf(node: &mut Map<String, Value>, keys: &[&str], type_name: &str) {
    match keys {
        [] => {}
        [last] => {
            if !matches!(node.get(*last), Some(Value::Object(_))) {
                node.insert((*last).to_owned(), Value::String(type_name.to_owned()));
            }
        }
        [first, rest @ ..] => {
            let child = node
                .entry((*first).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(map) = child {
                insert_leaf(map, rest, type_name);
            }
        }
    }
}

const PROTECTED_DATA_COLUMNS: &str = "SELECT pd.address, a.name, pd.json_schema,
     pd.schema_entries, a.multiaddr, a.checksum, pd.creation_timestamp, pd.tx_hash, pd.block_number";

impl Store {
    /// Protected data, newest first: owned by `owner`, whose schema satisfies `schema`,
    /// created at or after `created_after`.
    ///
    /// The page is chosen first (addresses only), then decorated: the latest owner is read for
    /// the page's rows only. With a required entry, the page is read from the entries' index
    /// in creation order (`d` is then an entry row, else a protected data row: both have the
    /// address and the creation order).
    pub async fn protected_data(
        &self,
        owner: Option<Address>,
        schema: &SchemaFilter,
        created_after: Option<u64>,
        paging: Paging,
    ) -> Result<Page<ProtectedData>, StoreError> {
        let mut sql = Sql::new("SELECT d.address FROM ");
        let mut others: &[String] = &schema.required;
        match schema.required.split_first() {
            Some((driver, rest)) => {
                let param = sql.text_param(driver.clone());
                sql.push(&format!("protected_data_schema d WHERE d.entry = {param}"));
                others = rest;
            }
            None => sql.push("protected_data d WHERE 1 = 1"),
        }
        for entry in others {
            let param = sql.text_param(entry.clone());
            sql.push(&format!(
                " AND EXISTS (SELECT 1 FROM protected_data_schema s
                  WHERE s.address = d.address AND s.entry = {param})"
            ));
        }
        for group in &schema.any_of {
            let params: Vec<String> = group.iter().map(|e| sql.text_param(e.clone())).collect();
            sql.push(&format!(
                " AND EXISTS (SELECT 1 FROM protected_data_schema s
                  WHERE s.address = d.address AND s.entry IN ({}))",
                params.join(", ")
            ));
        }
        if let Some(created_after) = created_after {
            let param = sql.param(Bind::Int(db_int("timestamp", created_after)?));
            sql.push(&format!(" AND d.creation_timestamp >= {param}"));
        }
        if let Some(owner) = owner {
            let param = sql.text_param(address_text(&owner));
            if schema.required.is_empty() {
                // The owner's assets drive: usually a few among many.
                sql.push(&format!(" AND {}", owned_by("d.address", &param)));
            } else {
                // The entry's index drives: each candidate's owner is one index probe.
                sql.push(&format!(" AND {} = {param}", latest_owner("d.address")));
            }
        }
        sql.push(" ORDER BY d.creation_timestamp DESC, d.block_number DESC, d.log_index DESC");
        sql.page(paging)?;
        sql.text = format!(
            "{PROTECTED_DATA_COLUMNS}, {} FROM ({}) page
             JOIN protected_data pd ON pd.address = page.address
             LEFT JOIN assets a ON a.address = pd.address
             ORDER BY pd.creation_timestamp DESC, pd.block_number DESC, pd.log_index DESC",
            latest_owner("pd.address"),
            sql.text
        );
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = Self::protected_data_rows(&rows)?;
        Ok(page_of(items, paging))
    }

    /// The protected data at `address`.
    pub async fn protected_data_by_address(
        &self,
        address: Address,
    ) -> Result<Option<ProtectedData>, StoreError> {
        let mut sql = Sql::new(PROTECTED_DATA_COLUMNS);
        let param = sql.text_param(address_text(&address));
        sql.push(&format!(
            ", {} FROM protected_data pd LEFT JOIN assets a ON a.address = pd.address
             WHERE pd.address = {param}",
            latest_owner("pd.address")
        ));
        let rows = sql.query().fetch_all(&self.pool).await?;
        Ok(Self::protected_data_rows(&rows)?.pop())
    }

    fn protected_data_rows(rows: &[AnyRow]) -> Result<Vec<ProtectedData>, StoreError> {
        rows.iter()
            .map(|row| {
                let entries: String = row.try_get(3)?;
                let schema_entries: Vec<String> = entries
                    .split('\n')
                    .filter(|entry| !entry.is_empty())
                    .map(str::to_owned)
                    .collect();
                let multiaddr = opt_bytes_at(row, 4)?.unwrap_or_default();
                Ok(ProtectedData {
                    address: address_at(row, 0)?,
                    name: row.try_get::<Option<String>, _>(1)?.unwrap_or_default(),
                    json_schema: row.try_get(2)?,
                    schema: rebuild_schema(schema_entries.iter().map(String::as_str)),
                    schema_entries,
                    location: location(&multiaddr),
                    multiaddr,
                    checksum: opt_hash_at(row, 5)?.unwrap_or_default(),
                    creation_timestamp: u64_at(row, 6)?,
                    transaction_hash: hash_at(row, 7)?,
                    block_number: u64_at(row, 8)?,
                    owner: opt_address_at(row, 9)?.unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Assets of `kind`, newest first, owned by `owner`.
    pub async fn assets(
        &self,
        kind: AssetKind,
        owner: Option<Address>,
        paging: Paging,
    ) -> Result<Page<Asset>, StoreError> {
        let mut sql = Sql::new("SELECT a.address FROM assets a WHERE a.kind = ");
        let kind_param = sql.text_param(kind.as_str().to_owned());
        sql.push(&kind_param);
        if let Some(owner) = owner {
            let param = sql.text_param(address_text(&owner));
            sql.push(&format!(" AND {}", owned_by("a.address", &param)));
        }
        sql.push(" ORDER BY a.block_number DESC, a.log_index DESC");
        sql.page(paging)?;
        sql.text = format!(
            "{ASSET_COLUMNS}, {} FROM ({}) page JOIN assets a ON a.address = page.address
             ORDER BY a.block_number DESC, a.log_index DESC",
            latest_owner("a.address"),
            sql.text
        );
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(asset_row).collect::<Result<_, _>>()?;
        Ok(page_of(items, paging))
    }

    /// The asset at `address`.
    pub async fn asset(&self, address: Address) -> Result<Option<Asset>, StoreError> {
        let mut sql = Sql::new(ASSET_COLUMNS);
        let param = sql.text_param(address_text(&address));
        sql.push(&format!(
            ", {} FROM assets a WHERE a.address = {param}",
            latest_owner("a.address")
        ));
        sql.query()
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(asset_row)
            .transpose()
    }

    /// Which of `addresses` are not indexed assets.
    pub async fn unknown_assets(&self, addresses: &[Address]) -> Result<Vec<Address>, StoreError> {
        self.unknown("assets", "address", addresses.iter().map(address_text))
            .await
            .map(|unknown| {
                addresses
                    .iter()
                    .filter(|a| unknown.contains(&address_text(a)))
                    .copied()
                    .collect()
            })
    }

    /// Which of `tasks` are not indexed.
    pub async fn unknown_tasks(&self, tasks: &[B256]) -> Result<Vec<B256>, StoreError> {
        self.unknown("tasks", "task_id", tasks.iter().map(hash_text))
            .await
            .map(|unknown| {
                tasks
                    .iter()
                    .filter(|t| unknown.contains(&hash_text(t)))
                    .copied()
                    .collect()
            })
    }

    async fn unknown(
        &self,
        table: &str,
        column: &str,
        keys: impl Iterator<Item = String>,
    ) -> Result<Vec<String>, StoreError> {
        let keys: Vec<String> = keys.collect();
        let mut unknown = Vec::new();
        for chunk in keys.chunks(500) {
            let mut sql = Sql::new(&format!("SELECT {column} FROM {table} WHERE {column} IN ("));
            let params: Vec<String> = chunk.iter().map(|k| sql.text_param(k.clone())).collect();
            sql.push(&params.join(", "));
            sql.push(")");
            let known: Vec<String> = sql
                .query()
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|row| row.try_get(0))
                .collect::<Result<_, _>>()?;
            unknown.extend(chunk.iter().filter(|k| !known.contains(k)).cloned());
        }
        Ok(unknown)
    }

    /// Deals, newest first, matching every filter given.
    pub async fn deals(
        &self,
        requester: Option<Address>,
        app: Option<Address>,
        dataset: Option<Address>,
        workerpool: Option<Address>,
        paging: Paging,
    ) -> Result<Page<Deal>, StoreError> {
        let mut sql = Sql::new(&format!("{DEAL_COLUMNS} FROM deals d WHERE 1 = 1"));
        for (column, value) in [
            ("requester", requester),
            ("app", app),
            ("dataset", dataset),
            ("workerpool", workerpool),
        ] {
            if let Some(value) = value {
                let param = sql.text_param(address_text(&value));
                sql.push(&format!(" AND d.{column} = {param}"));
            }
        }
        sql.push(" ORDER BY d.block_number DESC, d.log_index DESC");
        sql.page(paging)?;
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(deal_row).collect::<Result<_, _>>()?;
        Ok(page_of(items, paging))
    }

    /// The deal `id`.
    pub async fn deal(&self, id: B256) -> Result<Option<Deal>, StoreError> {
        let mut sql = Sql::new(&format!("{DEAL_COLUMNS} FROM deals d WHERE d.deal_id = "));
        let param = sql.text_param(hash_text(&id));
        sql.push(&param);
        sql.query()
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(deal_row)
            .transpose()
    }

    /// Tasks, newest first, matching every filter given (the parties are the deal's).
    #[allow(clippy::too_many_arguments)]
    pub async fn tasks(
        &self,
        requester: Option<Address>,
        app: Option<Address>,
        dataset: Option<Address>,
        workerpool: Option<Address>,
        deal: Option<B256>,
        status: Option<TaskStatus>,
        paging: Paging,
    ) -> Result<Page<Task>, StoreError> {
        let mut sql = Sql::new(
            "SELECT t.task_id FROM tasks t LEFT JOIN deals d ON d.deal_id = t.deal_id WHERE 1 = 1",
        );
        for (column, value) in [
            ("requester", requester),
            ("app", app),
            ("dataset", dataset),
            ("workerpool", workerpool),
        ] {
            if let Some(value) = value {
                let param = sql.text_param(address_text(&value));
                sql.push(&format!(" AND d.{column} = {param}"));
            }
        }
        if let Some(deal) = deal {
            let param = sql.text_param(hash_text(&deal));
            sql.push(&format!(" AND t.deal_id = {param}"));
        }
        if let Some(status) = status {
            let param = sql.text_param(status.as_str().to_owned());
            sql.push(&format!(" AND {LATEST_TASK_STATUS} = {param}"));
        }
        sql.push(" ORDER BY t.block_number DESC, t.log_index DESC");
        sql.page(paging)?;
        sql.text = format!(
            "{TASK_COLUMNS} FROM ({}) page JOIN tasks t ON t.task_id = page.task_id
             LEFT JOIN deals d ON d.deal_id = t.deal_id
             ORDER BY t.block_number DESC, t.log_index DESC",
            sql.text
        );
        let rows = sql.query().fetch_all(&self.pool).await?;
        let items = rows.iter().map(task_row).collect::<Result<_, _>>()?;
        Ok(page_of(items, paging))
    }

    /// The task `id` and its history.
    pub async fn task(&self, id: B256) -> Result<Option<TaskDetails>, StoreError> {
        let mut sql = Sql::new(&format!(
            "{TASK_COLUMNS} FROM tasks t LEFT JOIN deals d ON d.deal_id = t.deal_id WHERE t.task_id = "
        ));
        let param = sql.text_param(hash_text(&id));
        sql.push(&param);
        let Some(row) = sql.query().fetch_optional(&self.pool).await? else {
            return Ok(None);
        };
        let task = task_row(&row)?;
        let history = sqlx::query(
            "SELECT event, status, worker, value, results, tx_hash, block_number, log_index, created_at
             FROM task_events WHERE task_id = $1 ORDER BY block_number, log_index",
        )
        .bind(hash_text(&id))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(TaskEvent {
                event: row
                    .try_get::<String, _>(0)?
                    .parse()
                    .map_err(|e| malformed("task event", e))?,
                status: row
                    .try_get::<String, _>(1)?
                    .parse()
                    .map_err(|e| malformed("task status", e))?,
                worker: opt_address_at(row, 2)?,
                value: opt_hash_at(row, 3)?,
                results: opt_bytes_at(row, 4)?,
                transaction_hash: hash_at(row, 5)?,
                block_number: u64_at(row, 6)?,
                log_index: u64_at(row, 7)?,
                timestamp: u64_at(row, 8)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
        Ok(Some(TaskDetails { task, history }))
    }

    /// The escrow account of `address` (zero when never seen).
    pub async fn account(&self, address: Address) -> Result<Account, StoreError> {
        let row = sqlx::query(
            "SELECT balance, locked, block_number FROM account_events WHERE account = $1
             ORDER BY block_number DESC, log_index DESC, seq DESC LIMIT 1",
        )
        .bind(address_text(&address))
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(row) => Account {
                address,
                balance: u256_at(&row, 0)?,
                locked: u256_at(&row, 1)?,
                last_block: Some(u64_at(&row, 2)?),
            },
            None => Account {
                address,
                balance: U256::ZERO,
                locked: U256::ZERO,
                last_block: None,
            },
        })
    }

    /// Rows per derived table (for operators and tests).
    pub async fn row_counts(&self) -> Result<RowCounts, StoreError> {
        let mut counts = RowCounts::new();
        for table in DERIVED_TABLES {
            let count: i64 = sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
            counts.insert((*table).to_owned(), from_db_int("count", count)?);
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::rebuild_schema;
    use serde_json::json;

    #[test]
    fn schemas_are_rebuilt_with_nested_keys_merged() {
        let schema = rebuild_schema([
            "email:string",
            "meta.age:f64",
            "meta.name:string",
            "picture:image/png",
            "email.x:bool",
        ]);
        assert_eq!(
            schema,
            json!({"email": "string", "meta": {"age": "f64", "name": "string"}, "picture": "image/png"})
        );
        assert_eq!(
            serde_json::to_string(&schema).unwrap(),
            r#"{"email":"string","meta":{"age":"f64","name":"string"},"picture":"image/png"}"#
        );
    }
}
