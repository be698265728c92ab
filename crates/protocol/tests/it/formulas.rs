//! Ids, result hashes, authorizations and SMS challenges against ethers' packed keccak.

use crate::vectors::{self, address, b256, hex_bytes, str_at};
use alloy_primitives::B256;
use confide_protocol::{authorization, ids, parse_uint, result, signature, sms};

fn list(name: &str) -> &'static Vec<serde_json::Value> {
    vectors::all()[name].as_array().unwrap()
}

#[test]
fn deal_and_task_ids() {
    for v in list("dealIds") {
        let consumed = parse_uint(str_at(v, "consumed")).unwrap();
        assert_eq!(
            ids::deal_id(b256(v, "requestHash"), consumed),
            b256(v, "dealId")
        );
    }
    for v in list("taskIds") {
        let index = parse_uint(str_at(v, "index")).unwrap();
        assert_eq!(ids::task_id(b256(v, "dealId"), index), b256(v, "taskId"));
    }
}

#[test]
fn result_hash_seal_and_enclave_signature() {
    for v in list("results") {
        let (task, digest, worker) = (b256(v, "taskId"), b256(v, "digest"), address(v, "worker"));
        let hash = result::result_hash(task, digest);
        let seal = result::result_seal(worker, task, digest);
        assert_eq!(hash, b256(v, "resultHash"));
        assert_eq!(seal, b256(v, "resultSeal"));
        let message = authorization::enclave_signature_message(hash, seal);
        assert_eq!(message, b256(v, "enclaveMessage"));
        let sign = hex_bytes(v, "enclaveSign");
        assert_eq!(
            signature::recover_personal_signer(&message, &sign).unwrap(),
            address(v, "enclaveSigner")
        );
    }
}

#[test]
fn callback_digests() {
    for v in list("callbacks") {
        assert_eq!(
            result::web3_result_digest(&hex_bytes(v, "data")),
            b256(v, "digest")
        );
    }
}

#[test]
fn worker_authorizations() {
    let scheduler = vectors::vector_wallet("owner");
    for v in list("authorizations") {
        let (worker, task, challenge) = (
            address(v, "worker"),
            b256(v, "taskId"),
            address(v, "enclaveChallenge"),
        );
        let hash = authorization::worker_authorization_hash(worker, task, challenge);
        assert_eq!(hash, b256(v, "hash"));
        assert_eq!(
            signature::eth_signed_message_hash(&hash),
            b256(v, "ethSignedHash")
        );
        assert_eq!(
            authorization::enclave_to_worker_challenge(task, worker),
            b256(v, "enclaveToWorker")
        );
        assert_eq!(
            authorization::enclave_challenge_request_hash(task),
            b256(v, "challengeRequest")
        );

        let mut auth = authorization::WorkerpoolAuthorization {
            chain_task_id: task,
            deal_id: B256::ZERO,
            task_index: Default::default(),
            worker_wallet: worker,
            enclave_challenge: challenge,
            signature: Default::default(),
        };
        auth.sign(&scheduler).unwrap();
        assert_eq!(
            auth.signature.to_vec(),
            hex_bytes(v, "sign"),
            "personal_sign must match ethers' signMessage"
        );
        auth.verify(address(v, "signer")).unwrap();
        auth.enclave_challenge = address(v, "worker");
        assert!(
            auth.verify(address(v, "signer")).is_err(),
            "the challenge is part of the signed hash"
        );
    }
}

#[test]
fn sms_challenges() {
    let challenges = &vectors::all()["sms"];
    assert_eq!(sms::sms_domain(), b256(challenges, "domain"));
    for v in challenges["challenges"].as_array().unwrap() {
        let (owner, value) = (address(v, "owner"), str_at(v, "value"));
        let challenge = match v["name"].as_str() {
            None => sms::web3_secret_challenge(owner, value),
            Some(name) => sms::web2_secret_challenge(owner, name, value),
        };
        assert_eq!(challenge, b256(v, "challenge"));
        let sign = hex_bytes(v, "sign");
        signature::verify_personal(&challenge, &sign, address(v, "signer")).unwrap();
    }
}

#[test]
fn web2_digests() {
    // FIPS 180 / well-known SHA-256 values.
    let sha_abc: B256 = "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        .parse()
        .unwrap();
    let sha_hello: B256 = "0x2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        .parse()
        .unwrap();
    // A single file: its SHA-256.
    assert_eq!(result::web2_file_digest(b"abc").unwrap(), sha_abc);
    assert_eq!(
        result::web2_file_digest(b""),
        Err(result::ResultDigestError::EmptyOutput)
    );
    // A directory: keccak of the children's SHA-256 in name order, whatever order they come in.
    let children = vec![(b"b.txt".to_vec(), sha_hello), (b"a.txt".to_vec(), sha_abc)];
    let mut concatenated = sha_abc.to_vec();
    concatenated.extend_from_slice(sha_hello.as_slice());
    assert_eq!(
        result::web2_tree_digest(children).unwrap(),
        alloy_primitives::keccak256(concatenated)
    );
    assert_eq!(
        result::web2_tree_digest(vec![]),
        Err(result::ResultDigestError::EmptyOutput)
    );
}
