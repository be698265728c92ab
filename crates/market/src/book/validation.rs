//! Whether an order may enter the book: its shape (bounded fields, an indexable tag), then what
//! `matchOrders` would check of it alone (poco.md §1.5, §2.1): its asset registered, signed
//! (EOA ECDSA, ERC-1271 contract, or presigned) by the asset's current owner (the requester),
//! volume left.

use alloy_primitives::{Address, B256, Bytes, U256};
use confide_protocol::order::{Order, OrderIdentity, OrderKind};
use confide_protocol::signature::recover_prehash_signer;
use confide_protocol::{Domain, SignatureError, SignedOrder};

use crate::auth::{Authorization, MAX_SIGNATURE_BYTES};
use crate::chain::{self, Chain};
use crate::error::MarketError;
use crate::store::tag_bits;

/// The longest request `params` accepted (iExec's deal params are small JSON objects).
pub const MAX_PARAMS_BYTES: usize = 16 * 1024;

/// Refuses orders the book cannot hold or that cannot be valid, before any signature or chain
/// work.
pub fn check_shape(signed: &SignedOrder<Order>) -> Result<(), MarketError> {
    if tag_bits(signed.order.tag()).is_none() {
        return Err(MarketError::InvalidTag(signed.order.tag().to_string()));
    }
    if let Some(sign) = &signed.sign
        && sign.len() > MAX_SIGNATURE_BYTES
    {
        return Err(MarketError::InvalidOrder(format!(
            "`sign` is {} bytes, the limit is {MAX_SIGNATURE_BYTES}",
            sign.len()
        )));
    }
    if let Order::Request(request) = &signed.order {
        if request.params.len() > MAX_PARAMS_BYTES {
            return Err(MarketError::InvalidOrder(format!(
                "`params` is {} bytes, the limit is {MAX_PARAMS_BYTES}",
                request.params.len()
            )));
        }
        if request.requester.is_zero() {
            return Err(MarketError::InvalidOrder(
                "`requester` is the zero address".into(),
            ));
        }
    }
    Ok(())
}

/// What the CPU-bound part of a request computed (off the async executor).
#[derive(Debug)]
pub(crate) struct Signatures {
    /// The order hash.
    pub(crate) hash: B256,
    /// The EOA the order's `sign` recovers to.
    pub(crate) order_signer: Result<Address, SignatureError>,
    /// The EOA the login signature recovers to.
    pub(crate) login_signer: Result<Address, SignatureError>,
}

/// Hashes the order and recovers both signers (two ecrecovers: ≈ 0.1 ms of CPU).
pub(crate) fn recover(
    signed: &SignedOrder<Order>,
    domain: &Domain,
    authorization: &Authorization,
) -> Signatures {
    let hash = signed.hash(domain);
    let order_signer = match &signed.sign {
        Some(sign) => recover_prehash_signer(&hash, sign),
        None => Err(SignatureError::NotSigned),
    };
    Signatures {
        hash,
        order_signer,
        login_signer: recover_prehash_signer(&authorization.hash, &authorization.signature),
    }
}

/// An order the chain lets into the book.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Admitted {
    /// The owner whose signature makes it valid.
    pub(crate) owner: Address,
    /// Volume left on-chain.
    pub(crate) remaining: U256,
}

/// Checks `signed` (hash `hash`, `order_signer` recovered) against the chain, published by
/// `publisher`: registered, signed by the owner, the publisher is the owner, volume left.
pub(crate) async fn admit(
    chain: &Chain,
    signed: &SignedOrder<Order>,
    hash: B256,
    order_signer: Result<Address, SignatureError>,
    publisher: Address,
) -> Result<Admitted, MarketError> {
    let kind = signed.order.kind();
    let (owner, consumed) = tokio::join!(
        owner_of(chain, kind, signed.order.identity()),
        chain::consumed(chain, hash)
    );
    let owner = owner?;
    check_signature(chain, signed.sign.as_ref(), hash, order_signer, owner).await?;
    if publisher != owner {
        return Err(MarketError::NotOwner {
            authorized: publisher,
            subject: subject(kind, signed.order.identity()),
            owner,
        });
    }
    let consumed = consumed?;
    let volume = signed.order.volume();
    if consumed >= volume {
        return Err(MarketError::OrderConsumed {
            hash,
            volume,
            consumed,
        });
    }
    Ok(Admitted {
        owner,
        remaining: volume - consumed,
    })
}

/// Who must sign an order: the registered asset's current owner, or the requester.
pub(crate) async fn owner_of(
    chain: &Chain,
    kind: OrderKind,
    identity: OrderIdentity,
) -> Result<Address, MarketError> {
    match identity {
        OrderIdentity::Requester(requester) => Ok(requester),
        OrderIdentity::AssetOwner(asset) => chain::asset_owner(chain, kind, asset)
            .await?
            .ok_or(MarketError::NotRegistered { kind, asset }),
    }
}

/// What an order's identity names, for messages.
pub(crate) fn subject(kind: OrderKind, identity: OrderIdentity) -> String {
    match identity {
        OrderIdentity::AssetOwner(asset) => format!("{kind} {asset}"),
        OrderIdentity::Requester(requester) => format!("the request orders of {requester}"),
    }
}

/// `matchOrders`' rule: presigned by the owner, or signed by it — an EOA's ECDSA signature, or
/// any signature the owner's contract accepts (ERC-1271).
async fn check_signature(
    chain: &Chain,
    sign: Option<&Bytes>,
    hash: B256,
    order_signer: Result<Address, SignatureError>,
    owner: Address,
) -> Result<(), MarketError> {
    if order_signer.as_ref().is_ok_and(|signer| *signer == owner) {
        return Ok(());
    }
    let owner_is_contract = match sign {
        Some(sign) if chain::is_contract(chain, owner).await? => {
            if chain::contract_accepts(chain, owner, hash, sign).await? {
                return Ok(());
            }
            true
        }
        _ => false,
    };
    if !owner.is_zero() && chain::presigner(chain, hash).await? == owner {
        return Ok(());
    }
    Err(match order_signer {
        _ if owner_is_contract => MarketError::NotSignedByOwner {
            owner,
            reason: Some("the owner is a contract and refuses the signature (ERC-1271)".into()),
        },
        Ok(got) => MarketError::WrongSigner {
            expected: owner,
            got,
        },
        Err(SignatureError::NotSigned) => MarketError::NotSignedByOwner {
            owner,
            reason: Some("no `sign` and no presignature".into()),
        },
        Err(error) => MarketError::InvalidSignature(error),
    })
}
