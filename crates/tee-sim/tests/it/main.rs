//! confide-tee-sim: evidence round trips through the session binding and the policy, and every
//! kind of damaged or foreign evidence is refused with the error that names it.
#![allow(clippy::unwrap_used, unreachable_pub)]

use alloy_primitives::{Address, B256};
use confide_tee::session::EnclaveSession;
use confide_tee::{
    Attester, Evidence, EvidenceKind, Measurements, Platform, Policy, PolicyError, TcbStatus,
    TeeError, VerifiedReport, Verifier,
};
use confide_tee_sim::{
    MAGIC, SimAttester, SimVerifier, VERSION, layout, measurement_of_current_exe,
    measurement_of_file,
};
use sha2::{Digest, Sha256};

const MEASUREMENT: [u8; 32] = [0x5a; 32];
const NOW: u64 = 1_750_000_000;

fn session_for_task(task: u8) -> EnclaveSession {
    EnclaveSession::new(
        B256::repeat_byte(task),
        B256::repeat_byte(0xa9),
        Address::repeat_byte(0xc1),
    )
    .unwrap()
}

fn attester() -> SimAttester {
    SimAttester::from_seed(b"tee-sim tests", MEASUREMENT)
}

fn evidence() -> Evidence {
    attester().attest(&[7; 64]).unwrap()
}

fn verify(data: Vec<u8>) -> Result<VerifiedReport, TeeError> {
    SimVerifier::trusting(&attester()).verify(
        &Evidence {
            kind: EvidenceKind::Simulated,
            data,
        },
        NOW,
    )
}

#[test]
fn round_trip_binds_the_session() {
    let attester = attester();
    let verifier = SimVerifier::trusting(&attester);
    let session = session_for_task(1);
    let evidence = attester.attest(&session.report_data()).unwrap();
    assert_eq!(evidence.kind, EvidenceKind::Simulated);
    assert_eq!(evidence.data.len(), layout::LEN);

    // Evidence travels as JSON between the worker and the SMS.
    let evidence: Evidence =
        serde_json::from_str(&serde_json::to_string(&evidence).unwrap()).unwrap();
    let report = verifier.verify(&evidence, NOW).unwrap();
    assert_eq!(
        report,
        VerifiedReport {
            platform: Platform::Simulated,
            measurements: Measurements::Simulated {
                measurement: MEASUREMENT.to_vec(),
            },
            report_data: session.report_data().to_vec(),
            tcb_status: TcbStatus::UpToDate,
            advisories: vec![],
            simulated: true,
        }
    );
    session.binding().check(&report).unwrap();

    // The same evidence does not pass for another task.
    let other = session_for_task(2);
    assert!(matches!(
        other.binding().check(&report),
        Err(TeeError::ReportDataMismatch { .. })
    ));
}

#[test]
fn production_policy_refuses_simulated_evidence() {
    let report = verify(evidence().data).unwrap();
    assert_eq!(
        Policy::default().check(&report),
        Err(PolicyError::SimulatedNotAllowed)
    );
    Policy::dev().check(&report).unwrap();

    // A dev policy can still pin the measurement.
    let pinned = Policy {
        simulated_measurement: vec![MEASUREMENT.to_vec()],
        ..Policy::dev()
    };
    pinned.check(&report).unwrap();
    let other = Policy {
        simulated_measurement: vec![vec![0; 32]],
        ..Policy::dev()
    };
    assert!(matches!(
        other.check(&report),
        Err(PolicyError::MeasurementNotAllowed {
            register: "simulated_measurement",
            ..
        })
    ));
}

#[test]
fn layout_is_as_documented() {
    let attester = attester();
    let data = evidence().data;
    assert_eq!(&data[layout::MAGIC], b"CNFDSIM");
    assert_eq!(&data[layout::MAGIC], MAGIC.as_slice());
    assert_eq!(data[layout::VERSION], VERSION);
    assert_eq!(&data[layout::MEASUREMENT], MEASUREMENT.as_slice());
    assert_eq!(&data[layout::REPORT_DATA], [7; 64].as_slice());
    assert_eq!(&data[layout::PUBLIC_KEY], attester.public_key().as_slice());
    assert_eq!(data.len(), layout::SIGNATURE.end);
}

/// Flips one bit of every byte in turn: each field's damage is refused with its own error.
#[test]
fn every_flipped_byte_is_refused_with_the_fields_error() {
    let original = evidence().data;
    for index in 0..original.len() {
        let mut data = original.clone();
        data[index] ^= 0x01;
        let error = verify(data).unwrap_err();
        let field_ok = if layout::MAGIC.contains(&index) {
            matches!(&error, TeeError::Malformed { reason, .. } if reason.contains("bad magic"))
        } else if index == layout::VERSION {
            matches!(
                &error,
                TeeError::Malformed { reason, .. }
                    if reason.contains("unsupported version 0 (this verifier reads version 1)")
            )
        } else if layout::MEASUREMENT.contains(&index)
            || layout::REPORT_DATA.contains(&index)
            || layout::SIGNATURE.contains(&index)
        {
            matches!(error, TeeError::BadSignature { .. })
        } else if index == layout::PUBLIC_KEY.start {
            // 0x02 ↔ 0x03: the same x, the other y: a valid key, but not the trusted one.
            matches!(error, TeeError::UntrustedSigner { .. })
        } else {
            // Another x: either no point at all, or some other (untrusted) key.
            assert!(layout::PUBLIC_KEY.contains(&index));
            matches!(
                &error,
                TeeError::UntrustedSigner { .. } | TeeError::Malformed { .. }
            )
        };
        assert!(field_ok, "byte {index}: unexpected {error:?}");
    }
}

#[test]
fn wrong_length_is_malformed() {
    let original = evidence().data;
    let expected = format!("expected {} bytes", layout::LEN);
    for data in [
        Vec::new(),
        original[..layout::LEN - 1].to_vec(),
        original[..layout::SIGNATURE.start].to_vec(),
        [original.as_slice(), &[0]].concat(),
        [original.as_slice(), original.as_slice()].concat(),
    ] {
        let length = data.len();
        let error = verify(data).unwrap_err();
        assert!(
            matches!(
                &error,
                TeeError::Malformed { what: "simulator evidence", reason }
                    if reason.contains(&expected) && reason.contains(&format!("got {length}"))
            ),
            "{length} bytes: {error:?}"
        );
    }
}

#[test]
fn untrusted_simulator_key_is_refused() {
    let attester = attester();
    let stranger = SimAttester::random(MEASUREMENT);
    let evidence = stranger.attest(&[7; 64]).unwrap();

    let error = SimVerifier::trusting(&attester)
        .verify(&evidence, NOW)
        .unwrap_err();
    match error {
        TeeError::UntrustedSigner { got, trusted, .. } => {
            assert_eq!(got, stranger.address().to_string());
            assert_eq!(trusted, vec![attester.address().to_string()]);
        }
        other => panic!("unexpected {other:?}"),
    }

    // A verifier trusting nobody refuses everything; one trusting both accepts both.
    assert!(matches!(
        SimVerifier::default().verify(&evidence, NOW),
        Err(TeeError::UntrustedSigner { .. })
    ));
    let both = SimVerifier::new([attester.address(), stranger.address()]);
    both.verify(&evidence, NOW).unwrap();
    both.verify(&attester.attest(&[7; 64]).unwrap(), NOW)
        .unwrap();
}

/// A trusted key's signature transplanted onto other contents does not verify.
#[test]
fn signature_does_not_transplant() {
    let attester = attester();
    let first = attester.attest(&[1; 64]).unwrap().data;
    let mut second = attester.attest(&[2; 64]).unwrap().data;
    second[layout::SIGNATURE].copy_from_slice(&first[layout::SIGNATURE]);
    assert!(matches!(verify(second), Err(TeeError::BadSignature { .. })));

    // Nor does evidence of another measurement reuse it.
    let other = SimAttester::from_seed(b"tee-sim tests", [0x11; 32]);
    let mut data = other.attest(&[1; 64]).unwrap().data;
    data[layout::SIGNATURE].copy_from_slice(&first[layout::SIGNATURE]);
    assert!(matches!(verify(data), Err(TeeError::BadSignature { .. })));
}

#[test]
fn dcap_evidence_is_not_read() {
    let evidence = Evidence {
        kind: EvidenceKind::DcapQuote,
        data: evidence().data,
    };
    assert!(matches!(
        SimVerifier::trusting(&attester()).verify(&evidence, NOW),
        Err(TeeError::WrongKind {
            expected: EvidenceKind::Simulated,
            got: EvidenceKind::DcapQuote
        })
    ));
    assert_eq!(SimVerifier::default().kind(), EvidenceKind::Simulated);
}

#[test]
fn keys_from_seed_secret_and_random() {
    let first = SimAttester::from_seed(b"seed", MEASUREMENT);
    assert_eq!(
        first.address(),
        SimAttester::from_seed(b"seed", [0; 32]).address()
    );
    assert_ne!(
        first.address(),
        SimAttester::from_seed(b"other seed", MEASUREMENT).address()
    );
    assert_ne!(
        SimAttester::random(MEASUREMENT).address(),
        SimAttester::random(MEASUREMENT).address()
    );

    // Hardhat/anvil account 0: its well-known address.
    let secret: [u8; 32] = alloy_primitives::hex::decode(
        "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    )
    .unwrap()
    .try_into()
    .unwrap();
    let known = SimAttester::from_secret_key(&secret, MEASUREMENT).unwrap();
    assert_eq!(
        known.address().to_string(),
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
    assert!(matches!(
        SimAttester::from_secret_key(&[0; 32], MEASUREMENT),
        Err(TeeError::Malformed { .. })
    ));

    // The signing key stays out of Debug output.
    let debug = format!("{known:?}");
    assert!(debug.contains("SimAttester"), "{debug}");
    assert!(!debug.contains("ac0974be"), "{debug}");
    assert_eq!(known.measurement(), &MEASUREMENT);
}

#[test]
fn measurement_of_the_running_test_binary() {
    let path = std::env::current_exe().unwrap();
    let expected: [u8; 32] = Sha256::digest(std::fs::read(&path).unwrap()).into();
    assert_eq!(measurement_of_current_exe().unwrap(), expected);
    assert_eq!(measurement_of_file(&path).unwrap(), expected);
    assert!(matches!(
        measurement_of_file(std::path::Path::new("/nonexistent/confide-worker")),
        Err(TeeError::Io { .. })
    ));
}
