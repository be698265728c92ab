//! Every order kind against ethers' and the iexec SDK's hashes and signatures.

use crate::vectors::{self, address, b256, hex_bytes, str_at};
use alloy_primitives::{Address, Bytes, U256};
use confide_protocol::order::{AnyOrder, OrderOperationKind};
use confide_protocol::signature::{self, EcdsaSignature, SECP256K1_N};
use confide_protocol::{Domain, Order, OrderKind, SignatureError, SignedOrder, parse_uint};
use serde_json::Value;

fn domain_of(vector: &Value) -> Domain {
    Domain::new(
        parse_uint(str_at(vector, "chainId")).unwrap(),
        address(vector, "verifyingContract"),
    )
}

fn signed_order_of(vector: &Value) -> SignedOrder {
    SignedOrder::from_json_value(vector["order"].clone()).unwrap()
}

fn order_vectors() -> impl Iterator<Item = &'static Value> {
    vectors::all()["orders"].as_array().unwrap().iter()
}

#[test]
fn vectors_cover_every_kind_and_chain_id_kind() {
    let kinds: std::collections::HashSet<_> = order_vectors().map(|v| str_at(v, "kind")).collect();
    assert_eq!(kinds.len(), 4);
    let chains: std::collections::HashSet<_> =
        order_vectors().map(|v| str_at(v, "chainId")).collect();
    assert!(chains.len() >= 9, "{chains:?}");
    assert!(order_vectors().any(|v| !v["sdkHash"].is_null()));
}

#[test]
fn hashes_match_ethers_and_the_iexec_sdk() {
    for vector in order_vectors() {
        let context = format!(
            "{} @ {}",
            str_at(vector, "description"),
            str_at(vector, "domain")
        );
        let signed = signed_order_of(vector);
        let domain = domain_of(vector);
        assert_eq!(
            signed.order.kind().name(),
            str_at(vector, "kind"),
            "{context}"
        );
        assert_eq!(
            domain.separator(),
            b256(vector, "domainSeparator"),
            "{context}"
        );
        assert_eq!(
            signed.order.struct_hash(),
            b256(vector, "structHash"),
            "{context}"
        );
        assert_eq!(signed.hash(&domain), b256(vector, "hash"), "{context}");
        assert_eq!(
            domain.typed_data_hash(signed.order.struct_hash()),
            b256(vector, "hash"),
            "{context}"
        );
        if !vector["sdkHash"].is_null() {
            assert_eq!(signed.hash(&domain), b256(vector, "sdkHash"), "{context}");
        }
    }
}

#[test]
fn signatures_verify_in_both_lengths() {
    for vector in order_vectors() {
        let signed = signed_order_of(vector);
        let domain = domain_of(vector);
        let signer = address(vector, "signer");
        assert_eq!(signed.recover_signer(&domain).unwrap(), signer);
        signed.verify(&domain, signer).unwrap();
        let compact = SignedOrder {
            sign: Some(Bytes::from(hex_bytes(vector, "compactSign"))),
            ..signed.clone()
        };
        assert_eq!(compact.sign.as_ref().unwrap().len(), 64);
        compact.verify(&domain, signer).unwrap();
    }
}

#[test]
fn our_signatures_are_byte_identical_to_ethers() {
    let wallet = vectors::vector_wallet("owner");
    for vector in order_vectors() {
        let expected = signed_order_of(vector);
        let ours = SignedOrder::sign(expected.order.clone(), &domain_of(vector), &wallet).unwrap();
        assert_eq!(
            ours.sign,
            expected.sign,
            "{}",
            str_at(vector, "description")
        );
    }
}

#[test]
fn operation_hashes_and_signatures() {
    let wallet = vectors::vector_wallet("owner");
    for vector in order_vectors() {
        let order = signed_order_of(vector).order;
        let domain = domain_of(vector);
        for (name, kind) in [
            ("sign", OrderOperationKind::Sign),
            ("close", OrderOperationKind::Close),
        ] {
            let operation = &vector["operations"][name];
            let hash = order.operation_hash(kind, &domain);
            assert_eq!(hash, b256(operation, "hash"));
            let sign = hex_bytes(operation, "sign");
            assert_eq!(
                signature::recover_prehash_signer(&hash, &sign).unwrap(),
                wallet.address()
            );
            assert_eq!(
                signature::sign_prehash(&wallet, &hash).unwrap().to_vec(),
                sign
            );
        }
    }
}

#[test]
fn a_wrong_signer_is_named() {
    let vector = order_vectors().next().unwrap();
    let signed = signed_order_of(vector);
    let someone_else = Address::repeat_byte(0x42);
    assert_eq!(
        signed.verify(&domain_of(vector), someone_else),
        Err(SignatureError::SignerMismatch {
            expected: someone_else,
            recovered: address(vector, "signer")
        })
    );
}

/// Changing any single field changes the hash, so the original signature now recovers to an
/// unrelated address.
#[test]
fn every_tampered_field_is_refused() {
    for vector in order_vectors().filter(|v| str_at(v, "domain") == "arbitrum one") {
        let signer = address(vector, "signer");
        let fields = vector["order"].as_object().unwrap();
        for (name, value) in fields.iter().filter(|(name, _)| name.as_str() != "sign") {
            let mut tampered = vector["order"].clone();
            tampered[name] = tampered_value(name, value);
            let tampered = SignedOrder::<Order>::from_json_value(tampered).unwrap();
            let domain = domain_of(vector);
            assert_ne!(tampered.hash(&domain), b256(vector, "hash"), "{name}");
            match tampered.verify(&domain, signer) {
                Err(SignatureError::SignerMismatch {
                    expected,
                    recovered,
                }) => {
                    assert_eq!(expected, signer);
                    assert_ne!(recovered, signer);
                }
                other => panic!("tampered {name}: {other:?}"),
            }
        }
    }
}

fn tampered_value(name: &str, value: &Value) -> Value {
    let text = value.as_str().unwrap();
    if name == "params" {
        return Value::String(format!("{text} "));
    }
    if let Ok(number) = parse_uint(text)
        && !text.starts_with("0x")
    {
        return Value::String(if number == U256::MAX {
            "0".into()
        } else {
            (number + U256::from(1)).to_string()
        });
    }
    // An address or bytes32: flip the last hex digit.
    let mut chars: Vec<char> = text.chars().collect();
    let last = chars.last_mut().unwrap();
    *last = if *last == '0' { '1' } else { '0' };
    Value::String(chars.into_iter().collect())
}

#[test]
fn malformed_signatures_are_refused_precisely() {
    let vector = order_vectors().next().unwrap();
    let signed = signed_order_of(vector);
    let domain = domain_of(vector);
    let signer = address(vector, "signer");
    let sign = signed.sign.clone().unwrap().to_vec();
    let with_sign = |bytes: Vec<u8>| SignedOrder {
        sign: Some(Bytes::from(bytes)),
        ..signed.clone()
    };

    // 63 and 66 bytes.
    assert_eq!(
        with_sign(sign[..63].to_vec()).verify(&domain, signer),
        Err(SignatureError::InvalidLength { got: 63 })
    );
    let mut long = sign.clone();
    long.push(0);
    assert_eq!(
        with_sign(long).verify(&domain, signer),
        Err(SignatureError::InvalidLength { got: 66 })
    );

    // The malleable twin (n − s, flipped parity) is a valid ECDSA signature, but refused.
    let s = U256::from_be_slice(&sign[32..64]);
    let mut high = sign.clone();
    high[32..64].copy_from_slice(&(SECP256K1_N - s).to_be_bytes::<32>());
    high[64] = if sign[64] == 27 { 28 } else { 27 };
    assert_eq!(
        with_sign(high).verify(&domain, signer),
        Err(SignatureError::HighS)
    );

    // v in {0, 1} is not normalised.
    let mut raw_v = sign.clone();
    raw_v[64] -= 27;
    assert_eq!(
        with_sign(raw_v).verify(&domain, signer),
        Err(SignatureError::InvalidV { got: sign[64] - 27 })
    );

    // Unsigned.
    assert_eq!(
        SignedOrder {
            sign: None,
            ..signed.clone()
        }
        .verify(&domain, signer),
        Err(SignatureError::NotSigned)
    );

    // A flipped bit in r gives another signer (or no signer at all).
    let mut flipped = sign.clone();
    flipped[5] ^= 0x01;
    assert!(matches!(
        with_sign(flipped).verify(&domain, signer),
        Err(SignatureError::SignerMismatch { .. } | SignatureError::Unrecoverable)
    ));
    assert!(EcdsaSignature::from_bytes(&sign).is_ok());
}

#[test]
fn orders_signed_for_one_domain_fail_on_another() {
    let mut by_description = std::collections::HashMap::<&str, Vec<&Value>>::new();
    for vector in order_vectors() {
        by_description
            .entry(str_at(vector, "description"))
            .or_default()
            .push(vector);
    }
    for vectors in by_description.values() {
        let (a, b) = (vectors[0], vectors[1]);
        assert_ne!(b256(a, "hash"), b256(b, "hash"));
        let signed = signed_order_of(a);
        assert!(signed.verify(&domain_of(b), address(a, "signer")).is_err());
    }
}

#[test]
fn json_round_trips_and_uses_decimal_strings() {
    for vector in order_vectors() {
        let signed = signed_order_of(vector);
        let json = serde_json::to_value(&signed).unwrap();
        assert_eq!(
            SignedOrder::<Order>::from_json_value(json.clone()).unwrap(),
            signed
        );
        for (name, value) in json.as_object().unwrap() {
            let expected = &vector["order"][name];
            let (ours, theirs) = (value.as_str().unwrap(), expected.as_str().unwrap());
            assert!(
                ours.eq_ignore_ascii_case(theirs),
                "{name}: {ours} vs {theirs}"
            );
        }
    }
}

#[test]
fn typed_orders_read_the_same_json() {
    for vector in order_vectors().filter(|v| str_at(v, "kind") == "dataset") {
        let typed: SignedOrder<confide_protocol::DatasetOrder> =
            SignedOrder::from_json_value(vector["order"].clone()).unwrap();
        assert_eq!(typed.hash(&domain_of(vector)), b256(vector, "hash"));
        assert_eq!(typed.order.kind(), OrderKind::Dataset);
    }
}
