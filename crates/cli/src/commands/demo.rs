//! `confide demo`: a guided tour of what runs offline, with real keys and real cryptography.
//!
//! Data owner Alice protects a record and grants an app access to it; requester Bob signs a
//! request; a worker unseals the data, runs the "app", signs the result with a fresh enclave
//! key and encrypts it for Bob, who decrypts it. The chain, storage, SMS and workers of later
//! stages are not involved: each step says what they will do.

use crate::cli::DemoArgs;
use crate::output::Output;
use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_signer_local::PrivateKeySigner;
use anyhow::{Context, ensure};
use confide_crypto::keystore::{self, ScryptParams};
use confide_crypto::protected_data::{self, DataObject, DecodeMode, ProtectedDataReader};
use confide_crypto::result::{self, ResultDecryptionKey, ResultKeyPair, ResultLimits};
use confide_crypto::seal::{self, Checksum, SealFormat, SealKey};
use confide_protocol::{
    AppOrder, DatasetOrder, Domain, RequestOrder, SignedOrder, Tag, authorization, ids,
    result as poco_result, signature,
};
use serde_json::json;
use std::io::{Cursor, Write};
use std::path::Path;

const RECORD: &str =
    r#"{"email":"alice@example.com","age":42,"vip":true,"address":{"city":"Lyon","zip":"69001"}}"#;

pub(crate) fn run(args: DemoArgs, out: &Output) -> anyhow::Result<()> {
    let temp;
    let dir = match &args.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            dir.as_path()
        }
        None => {
            temp = tempfile::tempdir().context("cannot create a temporary directory")?;
            temp.path()
        }
    };
    let mut tour = Tour::new(out);
    let domain = Domain::new(
        U256::from(31337),
        Address::from_word(keccak256("confide demo poco")),
    );

    // 1. Wallets.
    let (alice, bob, developer) = (
        PrivateKeySigner::random(),
        PrivateKeySigner::random(),
        PrivateKeySigner::random(),
    );
    let keystore = keystore::encrypt_keystore(&alice, b"demo password", ScryptParams::light())?;
    keystore::write_keystore_file(&dir.join("alice.keystore.json"), &keystore)?;
    tour.step(
        "wallets",
        format!(
            "Alice (data owner) {}, Bob (requester) {}, Dana (app developer) {}\n   Alice's key is in an Ethereum JSON keystore: {}",
            alice.address(),
            bob.address(),
            developer.address(),
            dir.join("alice.keystore.json").display()
        ),
        json!({ "alice": alice.address(), "bob": bob.address(), "dana": developer.address() }),
    );

    // 2. Protect data: serialize like DataProtector, seal with the authenticated format.
    let record = DataObject::from_json_str(RECORD)?;
    let (zip, schema) = protected_data::serialize(&record)?;
    let key = SealKey::generate()?;
    let mut sealed = Vec::new();
    seal::seal(&key, SealFormat::Confide, zip.as_slice(), &mut sealed)?;
    let checksum = Checksum::of_bytes(&sealed);
    std::fs::write(dir.join("record.sealed"), &sealed)?;
    tour.step(
        "protect",
        format!(
            "record → schema {}\n   zip of borsh leaves: {} bytes → sealed (AES-256-GCM STREAM): {} bytes\n   checksum {checksum} (goes on-chain with the dataset; the key goes to the SMS)",
            schema.to_json_string(),
            zip.len(),
            sealed.len()
        ),
        json!({ "schema": schema.to_json_string(), "zipBytes": zip.len(), "sealedBytes": sealed.len(), "checksum": checksum.to_string() }),
    );

    // 3. Grant access: a signed dataset order, priced and counted.
    let (dataset, app, workerpool) = (asset("dataset"), asset("app"), asset("workerpool"));
    let grant = DatasetOrder {
        dataset,
        datasetprice: U256::from(1_000_000_000u64),
        volume: U256::from(10),
        tag: Tag::from_names(&["tee"])?.0,
        apprestrict: app,
        salt: B256::random(),
        ..Default::default()
    };
    let grant = SignedOrder::sign(grant, &domain, &alice)?;
    grant.verify(&domain, alice.address())?;
    tour.step(
        "grant",
        format!(
            "dataset order: 1 RLC per use, 10 uses, only app {app}\n   order hash {} — signed by Alice, signature verified",
            grant.hash(&domain)
        ),
        json!({ "datasetOrderHash": grant.hash(&domain), "signer": alice.address() }),
    );

    // 4. Request: the app's order and Bob's request; what matchOrders would produce.
    let app_order = SignedOrder::sign(
        AppOrder {
            app,
            volume: U256::from(1000),
            tag: Tag::from_names(&["tee", "tdx"])?.0,
            salt: B256::random(),
            ..Default::default()
        },
        &domain,
        &developer,
    )?;
    let request = RequestOrder {
        app,
        dataset,
        datasetmaxprice: grant.order.datasetprice,
        workerpool,
        requester: bob.address(),
        beneficiary: bob.address(),
        volume: U256::from(1),
        tag: Tag::from_names(&["tee", "tdx"])?.0,
        params: r#"{"iexec_args":"--field email","iexec_result_encryption":true}"#.into(),
        salt: B256::random(),
        ..Default::default()
    };
    let request = SignedOrder::sign(request, &domain, &bob)?;
    let deal_id = ids::deal_id(request.hash(&domain), U256::ZERO);
    let task_id = ids::task_id(deal_id, U256::ZERO);
    tour.step(
        "request",
        format!(
            "app order {} (signed by Dana), request order {} (signed by Bob)\n   a match would create deal {deal_id}, task {task_id}",
            app_order.hash(&domain),
            request.hash(&domain)
        ),
        json!({ "appOrderHash": app_order.hash(&domain), "requestOrderHash": request.hash(&domain), "dealId": deal_id, "taskId": task_id }),
    );

    // 5. Worker: unseal (the SMS releases the key to an attested enclave), read the field.
    let mut unsealed = Vec::new();
    seal::unseal(&key, sealed.as_slice(), &mut unsealed)?;
    ensure!(Checksum::of_bytes(&sealed) == checksum, "checksum changed");
    let mut reader = ProtectedDataReader::open(Cursor::new(unsealed))?;
    let email = reader.get_value("email", "string", DecodeMode::default())?;
    let confide_crypto::protected_data::DataValue::String(email) = email else {
        anyhow::bail!("email is not a string")
    };
    let mut tampered = sealed.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 1;
    let refused = seal::unseal(&key, tampered.as_slice(), std::io::sink()).is_err();
    tour.step(
        "compute",
        format!(
            "the worker checks the checksum, unseals and reads `email` from the zip (the app's view)\n   one flipped bit in the sealed file is {}",
            if refused { "refused: the format is authenticated" } else { "NOT detected" }
        ),
        json!({ "fieldRead": "email", "tamperRefused": refused }),
    );
    ensure!(refused, "a tampered sealed file was accepted");

    // 6. Result: computed.json, digest, hash, seal and the enclave signature.
    let output = format!(
        "domain of {}: {}\n",
        "email",
        email.rsplit('@').next().unwrap_or_default()
    );
    let result_zip = zip_result(output.as_bytes())?;
    let digest = poco_result::web2_file_digest(output.as_bytes())?;
    let worker = PrivateKeySigner::random();
    let enclave = PrivateKeySigner::random();
    let result_hash = poco_result::result_hash(task_id, digest);
    let result_seal = poco_result::result_seal(worker.address(), task_id, digest);
    let message = authorization::enclave_signature_message(result_hash, result_seal);
    let enclave_signature = signature::sign_personal(&enclave, &message)?;
    signature::verify_personal(&message, &enclave_signature, enclave.address())?;
    tour.step(
        "result",
        format!(
            "the app wrote {:?}\n   digest {digest}\n   result hash {result_hash}, seal {result_seal}\n   enclave signature by challenge key {} verified (contributeAndFinalize checks it on-chain)",
            output.trim_end(),
            enclave.address()
        ),
        json!({ "digest": digest, "resultHash": result_hash, "resultSeal": result_seal, "enclaveChallenge": enclave.address() }),
    );

    // 7. Encrypted for Bob, decrypted by Bob.
    let bob_key = ResultKeyPair::generate()?;
    let mut encrypted = Vec::new();
    result::encrypt_result(bob_key.public(), result_zip.as_slice(), &mut encrypted)?;
    std::fs::write(dir.join("result.enc"), &encrypted)?;
    let decryption = ResultDecryptionKey::X25519(bob_key.secret().clone());
    let mut decrypted = Vec::new();
    result::decrypt_result(
        encrypted.as_slice(),
        &decryption,
        &mut decrypted,
        &ResultLimits::default(),
    )?;
    ensure!(decrypted == result_zip, "the decrypted result differs");
    tour.step(
        "deliver",
        format!(
            "result zip ({} bytes) encrypted for Bob's X25519 key with HPKE → {} bytes; Bob decrypts it: identical",
            result_zip.len(),
            encrypted.len()
        ),
        json!({ "resultZipBytes": result_zip.len(), "encryptedBytes": encrypted.len(), "roundTrip": true }),
    );

    tour.finish(dir, args.dir.is_some());
    Ok(())
}

/// A stand-in address for an asset the registries would create on-chain.
fn asset(name: &str) -> Address {
    Address::from_word(keccak256(format!("confide demo {name}")))
}

fn zip_result(output: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut archive = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    archive.start_file("result.txt", options)?;
    archive.write_all(output)?;
    archive.start_file("computed.json", options)?;
    archive.write_all(br#"{"deterministic-output-path":"/iexec_out/result.txt"}"#)?;
    Ok(archive.finish()?.into_inner())
}

/// Numbered human output, or one JSON document at the end.
struct Tour<'a> {
    out: &'a Output,
    steps: serde_json::Map<String, serde_json::Value>,
}

impl<'a> Tour<'a> {
    fn new(out: &'a Output) -> Self {
        out.note("Confide demo — real keys, real signatures, real encryption; no chain or services yet.\n");
        Self {
            out,
            steps: serde_json::Map::new(),
        }
    }

    fn step(&mut self, name: &str, human: String, value: serde_json::Value) {
        let number = self.steps.len() + 1;
        if !self.out.is_json() {
            self.out.result(
                &format!("{number}. {name}: {human}"),
                serde_json::Value::Null,
            );
        }
        self.steps.insert(name.to_owned(), value);
    }

    fn finish(self, dir: &Path, kept: bool) {
        let human = if kept {
            format!("\nfiles are in {}", dir.display())
        } else {
            String::new()
        };
        self.out.result(
            &human,
            json!({ "steps": self.steps, "dir": kept.then_some(dir) }),
        );
    }
}
