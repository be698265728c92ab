//! Secret pushes (signed by the owner) and existence checks.

use std::sync::Arc;

use alloy_primitives::{Address, B256};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use confide_protocol::signature;
use confide_protocol::sms::{web2_secret_challenge, web3_secret_challenge};
use serde::Deserialize;

use super::signature;
use crate::chain;
use crate::error::SmsError;
use crate::service::Sms;
use crate::store::{AuditAction, SecretId, StoreError};

/// The app developer's secret index (iExec keeps one, index "1").
const APP_SECRET_INDEX: u32 = 1;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Web3Query {
    secret_address: Address,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Web2Query {
    owner_address: Address,
    secret_name: String,
}

pub(super) async fn web3_exists(
    State(sms): State<Arc<Sms>>,
    Query(query): Query<Web3Query>,
) -> Result<StatusCode, SmsError> {
    exists(
        &sms,
        SecretId::Web3 {
            address: query.secret_address,
        },
    )
    .await
}

/// A dataset key, write-once, signed by the dataset's on-chain owner.
pub(super) async fn web3_create(
    State(sms): State<Arc<Sms>>,
    Query(query): Query<Web3Query>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, SmsError> {
    let id = SecretId::Web3 {
        address: query.secret_address,
    };
    let result = async {
        let value = checked_value(&sms, &body)?;
        let signer = signer(&headers, web3_secret_challenge(query.secret_address, value))?;
        let owner = chain::dataset_owner(&sms.chain, query.secret_address).await?;
        expect_signer(owner, signer)?;
        create(&sms, &id, value).await?;
        Ok(signer)
    }
    .await;
    finish(&sms, AuditAction::SecretCreate, &id, result).await
}

pub(super) async fn web2_exists(
    State(sms): State<Arc<Sms>>,
    Query(query): Query<Web2Query>,
) -> Result<StatusCode, SmsError> {
    exists(&sms, web2_id(&query)?).await
}

/// A web2 secret of its owner, who signs.
pub(super) async fn web2_create(
    State(sms): State<Arc<Sms>>,
    Query(query): Query<Web2Query>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, SmsError> {
    web2_write(&sms, &query, &headers, &body, false).await
}

/// Replaces a web2 secret (the owner's result-encryption key, for example).
pub(super) async fn web2_update(
    State(sms): State<Arc<Sms>>,
    Query(query): Query<Web2Query>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, SmsError> {
    web2_write(&sms, &query, &headers, &body, true).await
}

async fn web2_write(
    sms: &Sms,
    query: &Web2Query,
    headers: &HeaderMap,
    body: &[u8],
    update: bool,
) -> Result<StatusCode, SmsError> {
    let id = web2_id(query)?;
    let result = async {
        let value = checked_value(sms, body)?;
        let challenge = web2_secret_challenge(query.owner_address, &query.secret_name, value);
        let signer = signer(headers, challenge)?;
        expect_signer(query.owner_address, signer)?;
        if update {
            sms.store
                .update_secret_once(&id, value, challenge)
                .await
                .map_err(|error| match error {
                    StoreError::NotFound(_) => SmsError::NotFound(id.to_string()),
                    StoreError::Replayed(_) => SmsError::Replayed(error.to_string()),
                    other => SmsError::Store(other),
                })?;
        } else {
            create(sms, &id, value).await?;
            // The creation's signed request cannot be replayed as an update either.
            sms.store.record_request(&id, challenge).await?;
        }
        Ok(signer)
    }
    .await;
    let action = if update {
        AuditAction::SecretUpdate
    } else {
        AuditAction::SecretCreate
    };
    finish(sms, action, &id, result).await
}

pub(super) async fn app_exists(
    State(sms): State<Arc<Sms>>,
    Path(app): Path<Address>,
) -> Result<StatusCode, SmsError> {
    exists(&sms, app_id(app)).await
}

/// The app developer's secret, write-once, signed by the app's on-chain owner.
pub(super) async fn app_create(
    State(sms): State<Arc<Sms>>,
    Path(app): Path<Address>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, SmsError> {
    let id = app_id(app);
    let result = async {
        let value = checked_value(&sms, &body)?;
        let index = APP_SECRET_INDEX.to_string();
        let signer = signer(&headers, web2_secret_challenge(app, &index, value))?;
        expect_signer(chain::app_owner(&sms.chain, app).await?, signer)?;
        create(&sms, &id, value).await?;
        Ok(signer)
    }
    .await;
    finish(&sms, AuditAction::SecretCreate, &id, result).await
}

pub(super) async fn requester_exists(
    State(sms): State<Arc<Sms>>,
    Path((requester, key)): Path<(Address, String)>,
) -> Result<StatusCode, SmsError> {
    exists(&sms, requester_id(requester, key)?).await
}

/// A requester secret, write-once, signed by the requester.
pub(super) async fn requester_create(
    State(sms): State<Arc<Sms>>,
    Path((requester, key)): Path<(Address, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, SmsError> {
    let id = requester_id(requester, key.clone())?;
    let result = async {
        let value = checked_value(&sms, &body)?;
        let signer = signer(&headers, web2_secret_challenge(requester, &key, value))?;
        expect_signer(requester, signer)?;
        create(&sms, &id, value).await?;
        Ok(signer)
    }
    .await;
    finish(&sms, AuditAction::SecretCreate, &id, result).await
}

fn web2_id(query: &Web2Query) -> Result<SecretId, SmsError> {
    let name = &query.secret_name;
    if name.is_empty() || name.len() > 256 {
        return Err(SmsError::BadRequest(
            "secretName must be 1 to 256 bytes".into(),
        ));
    }
    Ok(SecretId::Web2 {
        owner: query.owner_address,
        name: name.clone(),
    })
}

fn app_id(app: Address) -> SecretId {
    SecretId::AppDeveloper {
        app,
        index: APP_SECRET_INDEX,
    }
}

/// iExec's rule for requester secret keys: `^[A-Za-z0-9_-]{1,64}$`.
fn requester_id(requester: Address, key: String) -> Result<SecretId, SmsError> {
    let valid = (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(SmsError::BadRequest(format!(
            "secret key {key:?} must be 1 to 64 characters among A-Z a-z 0-9 - _"
        )));
    }
    Ok(SecretId::Requester { requester, key })
}

async fn exists(sms: &Sms, id: SecretId) -> Result<StatusCode, SmsError> {
    Ok(if sms.store.secret_exists(&id).await? {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::NOT_FOUND
    })
}

/// The value, if within the size limit and UTF-8 (it travels in JSON to the enclave).
fn checked_value<'a>(sms: &Sms, body: &'a [u8]) -> Result<&'a [u8], SmsError> {
    let limit = sms.config.max_secret_bytes;
    if body.len() > limit {
        return Err(SmsError::SecretTooLarge {
            limit,
            got: body.len(),
        });
    }
    if body.is_empty() {
        return Err(SmsError::BadRequest("the secret is empty".into()));
    }
    std::str::from_utf8(body)
        .map_err(|_| SmsError::BadRequest("the secret must be UTF-8 text".into()))?;
    Ok(body)
}

fn signer(headers: &HeaderMap, challenge: B256) -> Result<Address, SmsError> {
    Ok(signature::recover_personal_signer(
        &challenge,
        &signature(headers)?,
    )?)
}

fn expect_signer(expected: Address, got: Address) -> Result<(), SmsError> {
    if expected == got && expected != Address::ZERO {
        Ok(())
    } else {
        Err(SmsError::WrongSigner { expected, got })
    }
}

async fn create(sms: &Sms, id: &SecretId, value: &[u8]) -> Result<(), SmsError> {
    sms.store
        .create_secret(id, value)
        .await
        .map_err(|error| match error {
            StoreError::AlreadyExists(_) => SmsError::AlreadyExists(id.to_string()),
            other => SmsError::Store(other),
        })
}

/// Audits the push and answers 204, or the error.
async fn finish(
    sms: &Sms,
    action: AuditAction,
    id: &SecretId,
    result: Result<Address, SmsError>,
) -> Result<StatusCode, SmsError> {
    let actor = result.as_ref().ok().copied();
    sms.audit(
        action,
        actor,
        None,
        id.to_string(),
        result.as_ref().map(|_| ()),
    )
    .await?;
    result.map(|_| StatusCode::NO_CONTENT)
}
