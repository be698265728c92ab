//! An HTTP client of the indexer's API, one method per operation.

use alloy_primitives::{Address, B256};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::model::{
    Account, Asset, AssetKind, Deal, Page, ProtectedData, Status, Task, TaskDetails,
};
use crate::query::{AssetQuery, DealQuery, ProtectedDataQuery, TaskQuery};

/// Why a call to the indexer failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexerClientError {
    /// The URL is not http(s).
    #[error("invalid indexer URL {0:?}")]
    Url(String),
    /// The indexer could not be reached or its answer read.
    #[error("indexer request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The indexer answered an error.
    #[error("indexer answered {status} {code}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The stable error code (`INVALID_PARAMETER`, `NOT_FOUND`...).
        code: String,
        /// Why.
        message: String,
    },
    /// The answer does not parse.
    #[error("unexpected indexer answer: {0}")]
    Answer(String),
}

impl IndexerClientError {
    /// The error code, when the indexer answered one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// A client of one indexer.
#[derive(Debug, Clone)]
pub struct IndexerClient {
    base: String,
    http: reqwest::Client,
}

impl IndexerClient {
    /// A client of the indexer at `url` (`http://host:port`).
    pub fn new(url: &str) -> Result<Self, IndexerClientError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(IndexerClientError::Url(url.to_owned()));
        }
        confide_chain::client::install_tls_provider();
        Ok(Self {
            base: url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder().build()?,
        })
    }

    /// Where indexing is.
    pub async fn status(&self) -> Result<Status, IndexerClientError> {
        self.get("/status", "").await
    }

    /// Protected data matching `query`, newest first.
    pub async fn protected_data(
        &self,
        query: &ProtectedDataQuery,
    ) -> Result<Page<ProtectedData>, IndexerClientError> {
        self.get("/protected-data", &query.to_query_string()).await
    }

    /// The protected data at `address` (`None`: not indexed).
    pub async fn protected_data_at(
        &self,
        address: Address,
    ) -> Result<Option<ProtectedData>, IndexerClientError> {
        found(self.get(&format!("/protected-data/{address}"), "").await)
    }

    /// Assets of `kind` matching `query`, newest first.
    pub async fn assets(
        &self,
        kind: AssetKind,
        query: &AssetQuery,
    ) -> Result<Page<Asset>, IndexerClientError> {
        self.get(&format!("/{}s", kind.as_str()), &query.to_query_string())
            .await
    }

    /// The asset of `kind` at `address`.
    pub async fn asset(
        &self,
        kind: AssetKind,
        address: Address,
    ) -> Result<Option<Asset>, IndexerClientError> {
        found(
            self.get(&format!("/{}s/{address}", kind.as_str()), "")
                .await,
        )
    }

    /// Deals matching `query`, newest first.
    pub async fn deals(&self, query: &DealQuery) -> Result<Page<Deal>, IndexerClientError> {
        self.get("/deals", &query.to_query_string()).await
    }

    /// The deal `id`.
    pub async fn deal(&self, id: B256) -> Result<Option<Deal>, IndexerClientError> {
        found(self.get(&format!("/deals/{id}"), "").await)
    }

    /// Tasks matching `query`, newest first.
    pub async fn tasks(&self, query: &TaskQuery) -> Result<Page<Task>, IndexerClientError> {
        self.get("/tasks", &query.to_query_string()).await
    }

    /// The task `id` and its status history.
    pub async fn task(&self, id: B256) -> Result<Option<TaskDetails>, IndexerClientError> {
        found(self.get(&format!("/tasks/{id}"), "").await)
    }

    /// The escrow account of `address`.
    pub async fn account(&self, address: Address) -> Result<Account, IndexerClientError> {
        self.get(&format!("/accounts/{address}"), "").await
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &str,
    ) -> Result<T, IndexerClientError> {
        let mut url = format!("{}{path}", self.base);
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        let response = self.http.get(url).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if !status.is_success() {
            return Err(refusal(status, &body));
        }
        serde_json::from_slice(&body).map_err(|e| IndexerClientError::Answer(e.to_string()))
    }
}

/// A 404 `NOT_FOUND` as `None`.
fn found<T>(answer: Result<T, IndexerClientError>) -> Result<Option<T>, IndexerClientError> {
    match answer {
        Ok(value) => Ok(Some(value)),
        Err(IndexerClientError::Refused {
            status: 404, code, ..
        }) if code == "NOT_FOUND" => Ok(None),
        Err(error) => Err(error),
    }
}

fn refusal(status: StatusCode, body: &[u8]) -> IndexerClientError {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|value| value.get(name))
            .and_then(|value| value.as_str())
            .map(str::to_owned)
    };
    IndexerClientError::Refused {
        status: status.as_u16(),
        code: field("error").unwrap_or_default(),
        message: field("message").unwrap_or_else(|| String::from_utf8_lossy(body).into_owned()),
    }
}
