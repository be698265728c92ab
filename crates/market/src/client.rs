//! An HTTP client of the market: publish and unpublish (each logs in with a fresh challenge),
//! query, read one order.

use alloy_primitives::{Address, B256};
use alloy_signer::SignerSync;
use confide_protocol::SignedOrder;
use confide_protocol::order::{AnyOrder, OrderKind};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::{Authorization, ChallengeTypedData};
use crate::model::{OrderPage, PublishedOrder, UnpublishTarget, collection};
use crate::query::OrderQuery;

/// Why a call to the market failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MarketClientError {
    /// The URL is not http(s).
    #[error("invalid market URL {0:?}")]
    Url(String),
    /// The market could not be reached or its answer read.
    #[error("market request failed: {0}")]
    Http(#[from] reqwest::Error),
    /// The market answered an error.
    #[error("market answered {status} {code}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The stable error code (`WRONG_SIGNER`, `NOT_OWNER`...).
        code: String,
        /// Why.
        message: String,
    },
    /// Signing the challenge failed.
    #[error("cannot sign the challenge: {0}")]
    Signing(#[from] alloy_signer::Error),
    /// The answer does not parse.
    #[error("unexpected market answer: {0}")]
    Answer(String),
}

impl MarketClientError {
    /// The market's error code, when it refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Refused { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// A client of one market, for one chain.
#[derive(Debug, Clone)]
pub struct MarketClient {
    base: String,
    chain_id: u64,
    http: reqwest::Client,
}

impl MarketClient {
    /// A client of the market at `url` (`http://host:port`) serving chain `chain_id`.
    pub fn new(url: &str, chain_id: u64) -> Result<Self, MarketClientError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(MarketClientError::Url(url.to_owned()));
        }
        confide_chain::client::install_tls_provider();
        Ok(Self {
            base: url.trim_end_matches('/').to_owned(),
            chain_id,
            http: reqwest::Client::builder().build()?,
        })
    }

    /// The chain id sent with every request.
    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// A login challenge for `address`.
    pub async fn challenge(
        &self,
        address: Address,
    ) -> Result<ChallengeTypedData, MarketClientError> {
        let path = format!("/challenge?chainId={}&address={address}", self.chain_id);
        let answer: Value = self.send(Method::GET, &path, None, None).await?;
        field(answer, "data")
    }

    /// Logs `signer` (acting as `address`: its own, or a contract accepting its signatures) in
    /// with a fresh challenge.
    pub async fn login(
        &self,
        signer: &(impl SignerSync + ?Sized),
        address: Address,
    ) -> Result<Authorization, MarketClientError> {
        let challenge = self.challenge(address).await?;
        Ok(challenge.sign(signer, address)?)
    }

    /// Publishes `order`, logged in as `signer`'s address; returns the order hash.
    pub async fn publish<O: AnyOrder>(
        &self,
        signer: &(impl SignerSync + alloy_signer::Signer + ?Sized),
        order: &SignedOrder<O>,
    ) -> Result<B256, MarketClientError> {
        let authorization = self.login(signer, signer.address()).await?;
        self.publish_with(&authorization, order).await
    }

    /// Publishes `order` with an `Authorization` already obtained (single use).
    pub async fn publish_with<O: AnyOrder>(
        &self,
        authorization: &Authorization,
        order: &SignedOrder<O>,
    ) -> Result<B256, MarketClientError> {
        let body = serde_json::json!({ "order": order });
        let path = format!(
            "{}?chainId={}",
            collection(order.order.kind()),
            self.chain_id
        );
        let answer: Value = self
            .send(Method::POST, &path, Some(authorization), Some(body))
            .await?;
        let published: Value = field(answer, "published")?;
        field(published, "orderHash")
    }

    /// Takes orders of `kind` off the book, logged in as `signer`'s address; returns their
    /// hashes.
    pub async fn unpublish(
        &self,
        signer: &(impl SignerSync + alloy_signer::Signer + ?Sized),
        kind: OrderKind,
        target: UnpublishTarget,
    ) -> Result<Vec<B256>, MarketClientError> {
        let authorization = self.login(signer, signer.address()).await?;
        self.unpublish_with(&authorization, kind, target).await
    }

    /// [`unpublish`](Self::unpublish) with an `Authorization` already obtained.
    pub async fn unpublish_with(
        &self,
        authorization: &Authorization,
        kind: OrderKind,
        target: UnpublishTarget,
    ) -> Result<Vec<B256>, MarketClientError> {
        let path = format!("{}?chainId={}", collection(kind), self.chain_id);
        let answer: Value = self
            .send(
                Method::PUT,
                &path,
                Some(authorization),
                Some(target.body(kind)),
            )
            .await?;
        field(answer, "unpublished")
    }

    /// One page of the open orders of `kind` that `query` selects.
    pub async fn orders(
        &self,
        kind: OrderKind,
        query: &OrderQuery,
    ) -> Result<OrderPage, MarketClientError> {
        let mut path = format!("{}?chainId={}", collection(kind), self.chain_id);
        for (name, value) in query.to_params(kind) {
            path.push_str(&format!("&{name}={}", percent_encode(&value)));
        }
        self.send(Method::GET, &path, None, None).await
    }

    /// The order `hash` of `kind` (`None` when the book does not hold it).
    pub async fn order(
        &self,
        kind: OrderKind,
        hash: B256,
    ) -> Result<Option<PublishedOrder>, MarketClientError> {
        let path = format!("{}/{hash}?chainId={}", collection(kind), self.chain_id);
        match self.send(Method::GET, &path, None, None).await {
            Ok(order) => Ok(Some(order)),
            Err(MarketClientError::Refused { status: 404, .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        authorization: Option<&Authorization>,
        body: Option<Value>,
    ) -> Result<T, MarketClientError> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(authorization) = authorization {
            request = request.header("Authorization", authorization.to_string());
        }
        if let Some(body) = body {
            let bytes =
                serde_json::to_vec(&body).map_err(|e| MarketClientError::Answer(e.to_string()))?;
            request = request
                .header("Content-Type", "application/json")
                .body(bytes);
        }
        let response = request.send().await?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            return Err(refusal(status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|e| MarketClientError::Answer(e.to_string()))
    }
}

fn field<T: DeserializeOwned>(mut value: Value, name: &str) -> Result<T, MarketClientError> {
    let field = value
        .get_mut(name)
        .map(Value::take)
        .ok_or_else(|| MarketClientError::Answer(format!("no `{name}` in {value}")))?;
    serde_json::from_value(field).map_err(|e| MarketClientError::Answer(format!("`{name}`: {e}")))
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

fn refusal(status: StatusCode, body: &[u8]) -> MarketClientError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let text = |name: &str| {
        parsed
            .as_ref()
            .and_then(|value| value.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    MarketClientError::Refused {
        status: status.as_u16(),
        code: text("error").unwrap_or_default(),
        message: text("message").unwrap_or_else(|| String::from_utf8_lossy(body).into_owned()),
    }
}
