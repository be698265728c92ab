//! An HTTP client of the SMS, for data owners, app developers, requesters, schedulers and
//! workers. Each call signs what the SMS checks.

use alloy_primitives::{Address, B256, hex};
use alloy_signer::{Signer, SignerSync};
use confide_protocol::authorization::enclave_challenge_request_hash;
use confide_protocol::signature::sign_personal;
use confide_protocol::sms::{web2_secret_challenge, web3_secret_challenge};
use reqwest::{Method, StatusCode};

use crate::release::{SessionRequest, SessionResponse};

/// Why a call to the SMS failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SmsClientError {
    /// The URL is not http(s).
    #[error("invalid SMS URL {0:?}")]
    Url(String),
    /// The SMS could not be reached or its answer read.
    #[error("SMS request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The SMS answered an error.
    #[error("SMS answered {status} {code}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The stable error code (`ALREADY_EXISTS`, `TASK_NOT_ACTIVE`...).
        code: String,
        /// Why.
        message: String,
    },
    /// Signing the request failed.
    #[error("cannot sign the request: {0}")]
    Signing(#[from] alloy_signer::Error),
    /// The answer does not parse.
    #[error("unexpected SMS answer: {0}")]
    Answer(String),
}

/// A client of one SMS.
#[derive(Debug, Clone)]
pub struct SmsClient {
    base: String,
    http: reqwest::Client,
}

impl SmsClient {
    /// A client of the SMS at `url` (`http://host:port`).
    pub fn new(url: &str) -> Result<Self, SmsClientError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(SmsClientError::Url(url.to_owned()));
        }
        confide_chain::client::install_tls_provider();
        Ok(Self {
            base: url.trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder().build()?,
        })
    }

    /// Pushes a dataset key, signed by the dataset's owner.
    pub async fn push_dataset_key(
        &self,
        owner: &(impl SignerSync + ?Sized),
        dataset: Address,
        key: &str,
    ) -> Result<(), SmsClientError> {
        let path = format!("/secrets/web3?secretAddress={dataset}");
        let challenge = web3_secret_challenge(dataset, key);
        self.push(Method::POST, &path, owner, challenge, key).await
    }

    /// Pushes (or, with `update`, replaces) a web2 secret of the signer.
    pub async fn push_web2_secret(
        &self,
        owner: &(impl SignerSync + Signer + ?Sized),
        name: &str,
        value: &str,
        update: bool,
    ) -> Result<(), SmsClientError> {
        let address = owner.address();
        let method = if update { Method::PUT } else { Method::POST };
        let path = format!(
            "/secrets/web2?ownerAddress={address}&secretName={}",
            percent_encode(name)
        );
        let challenge = web2_secret_challenge(address, name, value);
        self.push(method, &path, owner, challenge, value).await
    }

    /// Pushes the app developer secret, signed by the app's owner.
    pub async fn push_app_secret(
        &self,
        owner: &(impl SignerSync + ?Sized),
        app: Address,
        value: &str,
    ) -> Result<(), SmsClientError> {
        let path = format!("/apps/{app}/secrets");
        let challenge = web2_secret_challenge(app, "1", value);
        self.push(Method::POST, &path, owner, challenge, value)
            .await
    }

    /// Pushes a requester secret of the signer.
    pub async fn push_requester_secret(
        &self,
        requester: &(impl SignerSync + Signer + ?Sized),
        key: &str,
        value: &str,
    ) -> Result<(), SmsClientError> {
        let address = requester.address();
        let path = format!("/requesters/{address}/secrets/{}", percent_encode(key));
        let challenge = web2_secret_challenge(address, key, value);
        self.push(Method::POST, &path, requester, challenge, value)
            .await
    }

    /// Sends `value` with `signer`'s signature of `challenge`.
    async fn push(
        &self,
        method: Method,
        path: &str,
        signer: &(impl SignerSync + ?Sized),
        challenge: B256,
        value: &str,
    ) -> Result<(), SmsClientError> {
        let signature = sign_personal(signer, &challenge)?;
        self.send(method, path, Some(&signature), value.as_bytes().to_vec())
            .await
            .map(drop)
    }

    /// Whether a dataset key was pushed.
    pub async fn dataset_key_exists(&self, dataset: Address) -> Result<bool, SmsClientError> {
        let path = format!("/secrets/web3?secretAddress={dataset}");
        match self.send(Method::HEAD, &path, None, Vec::new()).await {
            Ok(_) => Ok(true),
            Err(SmsClientError::Refused { status: 404, .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// The task's enclave challenge, asked by the deal's workerpool owner.
    pub async fn enclave_challenge(
        &self,
        workerpool_owner: &(impl SignerSync + ?Sized),
        task_id: B256,
    ) -> Result<Address, SmsClientError> {
        let signature = sign_personal(workerpool_owner, &enclave_challenge_request_hash(task_id))?;
        let path = format!("/tee/challenges/{task_id}");
        let body = self
            .send(Method::POST, &path, Some(&signature), Vec::new())
            .await?;
        let text = String::from_utf8_lossy(&body);
        text.trim()
            .parse()
            .map_err(|_| SmsClientError::Answer(format!("not an address: {text:?}")))
    }

    /// Asks for the task's secrets; the worker signs the request.
    pub async fn open_session(
        &self,
        worker: &(impl SignerSync + ?Sized),
        request: &SessionRequest,
    ) -> Result<SessionResponse, SmsClientError> {
        let signature = sign_personal(worker, &request.authorization.hash())?;
        let body =
            serde_json::to_vec(request).map_err(|e| SmsClientError::Answer(e.to_string()))?;
        let answer = self
            .send(Method::POST, "/tee/sessions", Some(&signature), body)
            .await?;
        serde_json::from_slice(&answer).map_err(|e| SmsClientError::Answer(e.to_string()))
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        signature: Option<&[u8]>,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, SmsClientError> {
        let is_json = body.first() == Some(&b'{');
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(signature) = signature {
            request = request.header("Authorization", hex::encode_prefixed(signature));
        }
        if is_json {
            request = request.header("Content-Type", "application/json");
        }
        let response = request.body(body).send().await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        Err(refusal(status, &bytes))
    }
}

/// RFC 3986 percent-encoding of everything but unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

fn refusal(status: StatusCode, body: &[u8]) -> SmsClientError {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|value| value.get(name))
            .and_then(|value| value.as_str())
            .map(str::to_owned)
    };
    SmsClientError::Refused {
        status: status.as_u16(),
        code: field("error").unwrap_or_default(),
        message: field("message").unwrap_or_else(|| String::from_utf8_lossy(body).into_owned()),
    }
}
