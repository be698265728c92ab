//! The list endpoints' query strings: parsed by the server (bounded, every malformed input a
//! typed [`ApiError`]) and written by [`crate::IndexerClient`].

mod encoding;
mod schema;

pub use schema::SchemaFilter;

use alloy_primitives::{Address, B256};
use encoding::{QueryWriter, pairs};
use serde_json::Value;

use crate::error::ApiError;
use crate::model::TaskStatus;

/// The longest query string accepted.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;
/// The most parameters in one query string.
pub(crate) const MAX_PARAMETERS: usize = 64;
/// The most `path:type` entries a schema filter may hold (alternatives included).
pub const MAX_SCHEMA_ENTRIES: usize = 64;
/// The largest page number (bounds the offset a query skips).
pub const MAX_PAGE: u64 = 1_000_000;
/// Page sizes, as DataProtector's `getProtectedData`.
pub const MIN_PAGE_SIZE: u64 = 10;
pub const MAX_PAGE_SIZE: u64 = 1000;
/// DataProtector's default page size for protected data.
pub const DEFAULT_PROTECTED_DATA_PAGE_SIZE: u64 = 1000;
/// The default page size of the other lists.
pub const DEFAULT_PAGE_SIZE: u64 = 100;

/// A page of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// From 0.
    pub page: u64,
    /// [`MIN_PAGE_SIZE`]..=[`MAX_PAGE_SIZE`].
    pub page_size: u64,
}

impl Paging {
    /// Rows skipped.
    pub fn offset(&self) -> u64 {
        self.page * self.page_size
    }
}

/// `GET /protected-data` filters, as DataProtector's `getProtectedData`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProtectedDataQuery {
    /// The current owner.
    pub owner: Option<Address>,
    /// A required schema: `{"email": "string", "picture": ["image/png", "image/jpeg"]}`.
    pub required_schema: Option<Value>,
    /// Required `path:type` entries (each AND-ed, as single types of the schema).
    pub schema: Vec<String>,
    /// Created at or after this UNIX time.
    pub created_after: Option<u64>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

/// `GET /apps`, `/datasets`, `/workerpools` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetQuery {
    pub owner: Option<Address>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

/// `GET /deals` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealQuery {
    pub requester: Option<Address>,
    pub app: Option<Address>,
    pub dataset: Option<Address>,
    pub workerpool: Option<Address>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

/// `GET /tasks` filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskQuery {
    pub requester: Option<Address>,
    pub app: Option<Address>,
    pub dataset: Option<Address>,
    pub workerpool: Option<Address>,
    pub deal: Option<B256>,
    pub status: Option<TaskStatus>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

impl ProtectedDataQuery {
    /// Parses `GET /protected-data`'s query string.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let mut query = Self::default();
        let mut seen = Seen::default();
        for (name, value) in pairs(raw)? {
            match name.as_str() {
                "owner" => query.owner = Some(seen.once(&name, || address(&name, &value))?),
                "requiredSchema" => {
                    let schema = seen.once(&name, || {
                        serde_json::from_str::<Value>(&value).map_err(|e| {
                            ApiError::InvalidSchema(format!("requiredSchema is not JSON: {e}"))
                        })
                    })?;
                    query.required_schema = Some(schema);
                }
                "schema" => query.schema.push(value),
                "createdAfter" | "createdAfterTimestamp" => {
                    query.created_after =
                        Some(seen.once("createdAfter", || number(&name, &value))?);
                }
                "page" => query.page = Some(seen.once(&name, || number(&name, &value))?),
                "pageSize" => query.page_size = Some(seen.once(&name, || number(&name, &value))?),
                _ => return Err(ApiError::UnknownParameter(name)),
            }
        }
        if query.schema.len() > MAX_SCHEMA_ENTRIES {
            return Err(ApiError::InvalidSchema(format!(
                "more than {MAX_SCHEMA_ENTRIES} schema entries"
            )));
        }
        Ok(query)
    }

    /// The schema condition of `requiredSchema` and the `schema` entries together.
    pub fn schema_filter(&self) -> Result<SchemaFilter, ApiError> {
        let mut filter = match &self.required_schema {
            Some(schema) => SchemaFilter::from_required_schema(schema)?,
            None => SchemaFilter::default(),
        };
        for text in &self.schema {
            filter.add_entry(text)?;
        }
        Ok(filter)
    }

    /// The page asked (DataProtector's default size: 1000).
    pub fn paging(&self) -> Result<Paging, ApiError> {
        paging(self.page, self.page_size, DEFAULT_PROTECTED_DATA_PAGE_SIZE)
    }

    /// The query string (without `?`).
    pub fn to_query_string(&self) -> String {
        let mut out = QueryWriter::default();
        out.opt("owner", self.owner);
        if let Some(schema) = &self.required_schema {
            out.push("requiredSchema", &schema.to_string());
        }
        for entry in &self.schema {
            out.push("schema", entry);
        }
        out.opt("createdAfter", self.created_after);
        out.opt("page", self.page);
        out.opt("pageSize", self.page_size);
        out.finish()
    }
}

impl AssetQuery {
    /// Parses `GET /apps`' (and the others') query string.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let mut query = Self::default();
        let mut seen = Seen::default();
        for (name, value) in pairs(raw)? {
            match name.as_str() {
                "owner" => query.owner = Some(seen.once(&name, || address(&name, &value))?),
                "page" => query.page = Some(seen.once(&name, || number(&name, &value))?),
                "pageSize" => query.page_size = Some(seen.once(&name, || number(&name, &value))?),
                _ => return Err(ApiError::UnknownParameter(name)),
            }
        }
        Ok(query)
    }

    pub fn paging(&self) -> Result<Paging, ApiError> {
        paging(self.page, self.page_size, DEFAULT_PAGE_SIZE)
    }

    pub fn to_query_string(&self) -> String {
        let mut out = QueryWriter::default();
        out.opt("owner", self.owner);
        out.opt("page", self.page);
        out.opt("pageSize", self.page_size);
        out.finish()
    }
}

impl DealQuery {
    /// Parses `GET /deals`' query string.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let mut query = Self::default();
        let mut seen = Seen::default();
        for (name, value) in pairs(raw)? {
            match name.as_str() {
                "requester" => {
                    query.requester = Some(seen.once(&name, || address(&name, &value))?);
                }
                "app" => query.app = Some(seen.once(&name, || address(&name, &value))?),
                "dataset" => query.dataset = Some(seen.once(&name, || address(&name, &value))?),
                "workerpool" => {
                    query.workerpool = Some(seen.once(&name, || address(&name, &value))?);
                }
                "page" => query.page = Some(seen.once(&name, || number(&name, &value))?),
                "pageSize" => query.page_size = Some(seen.once(&name, || number(&name, &value))?),
                _ => return Err(ApiError::UnknownParameter(name)),
            }
        }
        Ok(query)
    }

    pub fn paging(&self) -> Result<Paging, ApiError> {
        paging(self.page, self.page_size, DEFAULT_PAGE_SIZE)
    }

    pub fn to_query_string(&self) -> String {
        let mut out = QueryWriter::default();
        out.opt("requester", self.requester);
        out.opt("app", self.app);
        out.opt("dataset", self.dataset);
        out.opt("workerpool", self.workerpool);
        out.opt("page", self.page);
        out.opt("pageSize", self.page_size);
        out.finish()
    }
}

impl TaskQuery {
    /// Parses `GET /tasks`' query string.
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let mut query = Self::default();
        let mut seen = Seen::default();
        for (name, value) in pairs(raw)? {
            match name.as_str() {
                "requester" => {
                    query.requester = Some(seen.once(&name, || address(&name, &value))?);
                }
                "app" => query.app = Some(seen.once(&name, || address(&name, &value))?),
                "dataset" => query.dataset = Some(seen.once(&name, || address(&name, &value))?),
                "workerpool" => {
                    query.workerpool = Some(seen.once(&name, || address(&name, &value))?);
                }
                "deal" => query.deal = Some(seen.once(&name, || hash(&name, &value))?),
                "status" => {
                    let status = seen.once(&name, || {
                        value.to_ascii_uppercase().parse().map_err(|reason| {
                            ApiError::InvalidParameter {
                                name: name.clone(),
                                reason,
                            }
                        })
                    })?;
                    query.status = Some(status);
                }
                "page" => query.page = Some(seen.once(&name, || number(&name, &value))?),
                "pageSize" => query.page_size = Some(seen.once(&name, || number(&name, &value))?),
                _ => return Err(ApiError::UnknownParameter(name)),
            }
        }
        Ok(query)
    }

    pub fn paging(&self) -> Result<Paging, ApiError> {
        paging(self.page, self.page_size, DEFAULT_PAGE_SIZE)
    }

    pub fn to_query_string(&self) -> String {
        let mut out = QueryWriter::default();
        out.opt("requester", self.requester);
        out.opt("app", self.app);
        out.opt("dataset", self.dataset);
        out.opt("workerpool", self.workerpool);
        out.opt("deal", self.deal);
        out.opt("status", self.status);
        out.opt("page", self.page);
        out.opt("pageSize", self.page_size);
        out.finish()
    }
}

fn paging(
    page: Option<u64>,
    page_size: Option<u64>,
    default_size: u64,
) -> Result<Paging, ApiError> {
    let page = page.unwrap_or(0);
    if page > MAX_PAGE {
        return Err(ApiError::InvalidParameter {
            name: "page".into(),
            reason: format!("at most {MAX_PAGE}"),
        });
    }
    let page_size = page_size.unwrap_or(default_size);
    if !(MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(ApiError::InvalidParameter {
            name: "pageSize".into(),
            reason: format!("must be between {MIN_PAGE_SIZE} and {MAX_PAGE_SIZE}"),
        });
    }
    Ok(Paging { page, page_size })
}

/// Parameters given once only.
#[derive(Default)]
struct Seen(Vec<String>);

impl Seen {
    fn once<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce() -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        if self.0.iter().any(|seen| seen == name) {
            return Err(ApiError::InvalidParameter {
                name: name.to_owned(),
                reason: "given more than once".into(),
            });
        }
        self.0.push(name.to_owned());
        parse()
    }
}

pub(crate) fn address(name: &str, value: &str) -> Result<Address, ApiError> {
    let valid = value.len() == 42 && value.starts_with("0x");
    match value.parse() {
        Ok(address) if valid => Ok(address),
        _ => Err(ApiError::InvalidParameter {
            name: name.to_owned(),
            reason: "not a 0x-prefixed 20-byte hex address".into(),
        }),
    }
}

pub(crate) fn hash(name: &str, value: &str) -> Result<B256, ApiError> {
    let valid = value.len() == 66 && value.starts_with("0x");
    match value.parse() {
        Ok(hash) if valid => Ok(hash),
        _ => Err(ApiError::InvalidParameter {
            name: name.to_owned(),
            reason: "not a 0x-prefixed 32-byte hex value".into(),
        }),
    }
}

fn number(name: &str, value: &str) -> Result<u64, ApiError> {
    if value.is_empty() || value.len() > 20 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::InvalidParameter {
            name: name.to_owned(),
            reason: "not a non-negative integer".into(),
        });
    }
    value.parse().map_err(|_| ApiError::InvalidParameter {
        name: name.to_owned(),
        reason: "too large".into(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn required_schema_flattens_as_dataprotector() {
        let filter = SchemaFilter::from_required_schema(&json!({
            "email": "string",
            "picture": ["image/png", "image/jpeg"],
            "meta": {"age": "f64", "tags": ["bool"]},
        }))
        .unwrap();
        assert_eq!(
            filter.required,
            ["email:string", "meta.age:f64", "meta.tags:bool"]
        );
        assert_eq!(
            filter.any_of,
            [vec!["picture:image/png", "picture:image/jpeg"]]
        );
    }

    #[test]
    fn malformed_schemas_are_refused() {
        for schema in [
            json!([]),
            json!({"a": "text/plain"}),
            json!({"a b": "bool"}),
            json!({"": "bool"}),
            json!({"a": []}),
            json!({"a": [1]}),
            json!({"a": 1}),
        ] {
            assert!(
                matches!(
                    SchemaFilter::from_required_schema(&schema),
                    Err(ApiError::InvalidSchema(_))
                ),
                "{schema}"
            );
        }
        let mut deep = json!("bool");
        for _ in 0..40 {
            deep = json!({ "a": deep });
        }
        assert!(SchemaFilter::from_required_schema(&deep).is_err());
        let wide: serde_json::Map<String, Value> =
            (0..100).map(|i| (format!("k{i}"), json!("bool"))).collect();
        assert!(SchemaFilter::from_required_schema(&Value::Object(wide)).is_err());
    }

    #[test]
    fn query_strings_round_trip() {
        let query = ProtectedDataQuery {
            owner: Some(Address::repeat_byte(0xab)),
            required_schema: Some(json!({"picture": ["image/png", "image/jpeg"]})),
            schema: vec!["email:string".into()],
            created_after: Some(12),
            page: Some(1),
            page_size: Some(10),
        };
        assert_eq!(
            ProtectedDataQuery::parse(&query.to_query_string()).unwrap(),
            query
        );
        let tasks = TaskQuery {
            deal: Some(B256::repeat_byte(1)),
            status: Some(TaskStatus::Completed),
            ..TaskQuery::default()
        };
        assert_eq!(TaskQuery::parse(&tasks.to_query_string()).unwrap(), tasks);
    }

    #[test]
    fn malformed_queries_are_typed_errors() {
        for raw in [
            "owner=0x12",
            "owner=zz",
            "page=-1",
            "page=1&page=2",
            "pageSize=99999999999999999999999",
            "requiredSchema={",
            "schema=email",
            "schema=a b:bool",
            "what=1",
            "owner=%zz",
            "owner=%ff",
        ] {
            assert!(
                ProtectedDataQuery::parse(raw)
                    .and_then(|q| q.schema_filter().map(drop))
                    .is_err(),
                "{raw}"
            );
        }
        assert!(matches!(
            ProtectedDataQuery::parse(&"a".repeat(MAX_QUERY_BYTES + 1)),
            Err(ApiError::QueryTooLong { .. })
        ));
        let query = ProtectedDataQuery::parse("pageSize=9").unwrap();
        assert!(query.paging().is_err());
        assert_eq!(
            ProtectedDataQuery::parse("").unwrap().paging().unwrap(),
            Paging {
                page: 0,
                page_size: 1000
            }
        );
        assert!(TaskQuery::parse("status=done").is_err());
        assert_eq!(
            TaskQuery::parse("status=completed").unwrap().status,
            Some(TaskStatus::Completed)
        );
    }
}
