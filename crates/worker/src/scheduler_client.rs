//! The worker's HTTP client of its scheduler (`confide_protocol::workerpool`). Every call is
//! signed; calls go one at a time with strictly increasing timestamps, so the scheduler's replay
//! check never refuses a genuine request that overtook another.

use alloy_primitives::B256;
use alloy_signer_local::PrivateKeySigner;
use confide_protocol::workerpool::{
    AUTHORIZATION_HEADER, Assignment, ErrorBody, Heartbeat, HeartbeatResponse, RegisteredWorker,
    ReplicateReport, TIMESTAMP_HEADER, WORKER_HEADER, WorkerRegistration, sign_worker_request,
};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use std::time::{SystemTime, UNIX_EPOCH};

/// Why a call to the scheduler failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchedulerClientError {
    /// The URL is not http(s).
    #[error("invalid scheduler URL {0:?}")]
    Url(String),
    /// The scheduler could not be reached or its answer read.
    #[error("scheduler request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The scheduler answered an error.
    #[error("scheduler answered {status} {code}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The stable error code.
        code: String,
        /// Why.
        message: String,
    },
    /// Signing the request failed.
    #[error("cannot sign the request: {0}")]
    Signing(#[from] alloy_signer::Error),
    /// The answer does not parse.
    #[error("unexpected scheduler answer: {0}")]
    Answer(String),
}

impl SchedulerClientError {
    /// Whether trying again later may succeed (the scheduler was unreachable or failed).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Http(_) => true,
            Self::Refused { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// A client of one scheduler, signing as one worker.
#[derive(Debug)]
pub struct SchedulerClient {
    base: String,
    http: reqwest::Client,
    signer: PrivateKeySigner,
    /// The last timestamp sent; held while a call is in flight.
    last_timestamp: tokio::sync::Mutex<u64>,
}

impl SchedulerClient {
    /// A client of the scheduler at `url` (`http://host:port`), signing with `signer`.
    pub fn new(url: &str, signer: PrivateKeySigner) -> Result<Self, SchedulerClientError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(SchedulerClientError::Url(url.to_owned()));
        }
        confide_chain::client::install_tls_provider();
        Ok(Self {
            base: url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder().build()?,
            signer,
            last_timestamp: tokio::sync::Mutex::new(0),
        })
    }

    /// Joins the pool.
    pub async fn register(
        &self,
        registration: &WorkerRegistration,
    ) -> Result<RegisteredWorker, SchedulerClientError> {
        let body = to_json(registration)?;
        let (_, answer) = self.send(Method::POST, "/workers", body, JSON).await?;
        parse(&answer)
    }

    /// Says the worker is alive; returns the scheduler's hints.
    pub async fn heartbeat(
        &self,
        heartbeat: &Heartbeat,
    ) -> Result<HeartbeatResponse, SchedulerClientError> {
        let body = to_json(heartbeat)?;
        let (_, answer) = self
            .send(Method::POST, "/workers/heartbeat", body, JSON)
            .await?;
        parse(&answer)
    }

    /// Asks for a task; `None` when there is none for this worker now.
    pub async fn next(&self) -> Result<Option<Assignment>, SchedulerClientError> {
        let (status, answer) = self
            .send(Method::POST, "/replicates/next", Vec::new(), JSON)
            .await?;
        if status == StatusCode::NO_CONTENT {
            return Ok(None);
        }
        parse(&answer).map(Some)
    }

    /// Reports what the worker did with `task`.
    pub async fn report(
        &self,
        task: B256,
        report: &ReplicateReport,
    ) -> Result<(), SchedulerClientError> {
        let body = to_json(report)?;
        let path = format!("/replicates/{task}/report");
        self.send(Method::POST, &path, body, JSON).await.map(drop)
    }

    /// Hands over a replicated task's result zip (after the worker's reveal).
    pub async fn upload_result(
        &self,
        task: B256,
        zip: Vec<u8>,
    ) -> Result<(), SchedulerClientError> {
        let path = format!("/replicates/{task}/result");
        self.send(Method::PUT, &path, zip, "application/zip")
            .await
            .map(drop)
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<(StatusCode, Vec<u8>), SchedulerClientError> {
        let mut last = self.last_timestamp.lock().await;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_millis() as u64);
        let timestamp = now.max(*last + 1);
        *last = timestamp;
        let headers = sign_worker_request(&self.signer, method.as_str(), path, timestamp, &body)?;
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(WORKER_HEADER, headers.worker)
            .header(TIMESTAMP_HEADER, headers.timestamp)
            .header(AUTHORIZATION_HEADER, headers.authorization)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await?;
        let status = response.status();
        let bytes = response.bytes().await?.to_vec();
        drop(last);
        if status.is_success() {
            return Ok((status, bytes));
        }
        Err(refusal(status, &bytes))
    }

    /// The worker's address.
    pub fn worker(&self) -> alloy_primitives::Address {
        self.signer.address()
    }
}

const JSON: &str = "application/json";

fn to_json(value: &impl serde::Serialize) -> Result<Vec<u8>, SchedulerClientError> {
    serde_json::to_vec(value).map_err(|error| SchedulerClientError::Answer(error.to_string()))
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, SchedulerClientError> {
    serde_json::from_slice(bytes).map_err(|error| SchedulerClientError::Answer(error.to_string()))
}

fn refusal(status: StatusCode, body: &[u8]) -> SchedulerClientError {
    let (code, message) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(body) => (body.error, body.message),
        Err(_) => (String::new(), String::from_utf8_lossy(body).into_owned()),
    };
    SchedulerClientError::Refused {
        status: status.as_u16(),
        code,
        message,
    }
}
