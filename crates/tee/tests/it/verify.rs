//! Verifying the fixtures: measurements, TCB status, advisories, and the policy's verdict.

use alloy_primitives::hex;
use confide_tee::dcap::{DcapVerifier, ParsedQuote};
use confide_tee::{Measurements, Platform, Policy, PolicyError, TcbStatus};

use crate::{OUTDATED_NOW, SGX_NOW, TDX_NOW, collateral, quote, tappd_quote};

fn verifier() -> DcapVerifier {
    DcapVerifier::new(Default::default())
}

#[test]
fn tdx_quote_verifies_with_its_measurements() {
    let report = verifier()
        .verify_with(&quote("tdx_quote"), &collateral("tdx_quote"), TDX_NOW)
        .unwrap();
    assert_eq!(report.platform, Platform::Tdx);
    assert_eq!(report.tcb_status, TcbStatus::UpToDate);
    assert!(report.advisories.is_empty());
    assert!(!report.simulated);
    assert_eq!(
        hex::encode(&report.report_data),
        "9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9\
         eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20"
    );
    let Measurements::Tdx {
        mr_td,
        rtmr,
        mr_config_id,
        mr_owner,
        td_attributes,
    } = &report.measurements
    else {
        panic!("TDX measurements expected, got {:?}", report.measurements);
    };
    assert_eq!(
        hex::encode(mr_td),
        "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407\
         de03ae6dc5f87f27428b2538873118b7"
    );
    assert_eq!(
        hex::encode(&rtmr[0]),
        "44c0197b39157fdd7a4dcc44767f9d6b0bb3977c7a8e347b8492f827fe9d9e5c\
         48aca29b220b80b6a540cf994b9bc9c0"
    );
    assert_eq!(rtmr[3], vec![0; 48]);
    assert_eq!(mr_config_id, &vec![0; 48]);
    assert_eq!(mr_owner, &vec![0; 48]);
    assert_eq!(hex::encode(td_attributes), "0000001000000000");
    assert!(!report.measurements.is_debug());
    Policy::default().check(&report).unwrap();
}

#[test]
fn sgx_quote_verifies_with_its_status_and_advisories() {
    let report = verifier()
        .verify_with(&quote("sgx_quote"), &collateral("sgx_quote"), SGX_NOW)
        .unwrap();
    assert_eq!(report.platform, Platform::Sgx);
    assert_eq!(
        report.tcb_status,
        TcbStatus::ConfigurationAndSWHardeningNeeded
    );
    assert_eq!(report.advisories, ["INTEL-SA-00289", "INTEL-SA-00615"]);
    assert_eq!(&report.report_data[..13], b"Hello, world!");
    assert_eq!(
        report.measurements,
        Measurements::Sgx {
            mr_enclave: hex::decode(
                "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"
            )
            .unwrap(),
            mr_signer: hex::decode(
                "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6"
            )
            .unwrap(),
            isv_prod_id: 0,
            isv_svn: 0,
            attributes: hex::decode("0500000000000000e700000000000000").unwrap(),
        }
    );
}

/// The strict default policy refuses a platform that is not up to date; a permissive one that
/// accepts its status and advisories takes it; dropping one advisory refuses it again.
#[test]
fn policy_refuses_or_accepts_a_platform_that_needs_updates() {
    let report = verifier()
        .verify_with(&quote("sgx_quote"), &collateral("sgx_quote"), SGX_NOW)
        .unwrap();
    assert_eq!(
        Policy::default().check(&report),
        Err(PolicyError::TcbStatusTooLow {
            minimum: TcbStatus::UpToDate,
            got: TcbStatus::ConfigurationAndSWHardeningNeeded,
        })
    );
    let permissive: Policy = serde_json::from_str(
        r#"{"min-tcb-status": "OutOfDate",
            "accepted-advisories": ["INTEL-SA-00289", "INTEL-SA-00615"]}"#,
    )
    .unwrap();
    permissive.check(&report).unwrap();
    let one_advisory = Policy {
        accepted_advisories: vec!["INTEL-SA-00289".into()],
        ..permissive
    };
    assert_eq!(
        one_advisory.check(&report),
        Err(PolicyError::AdvisoryNotAccepted("INTEL-SA-00615".into()))
    );
}

/// The "outdated" TDX fixture's platform is older than every TCB level its TCB info lists
/// (CPU SVN component 7 is 3, the lowest level, OutOfDate, needs 5): it is appraised as
/// OutOfDate with the lowest level's advisories (Intel's QVL leaves it unmatched), so a strict
/// policy refuses it and a permissive one accepts it.
#[test]
fn outdated_tdx_quote_is_refused_by_a_strict_policy_and_accepted_by_a_permissive_one() {
    let report = verifier()
        .verify_with(
            &quote("tdx_quote_outdated"),
            &collateral("tdx_quote_outdated"),
            OUTDATED_NOW,
        )
        .unwrap();
    assert_eq!(report.platform, Platform::Tdx);
    assert_eq!(report.tcb_status, TcbStatus::OutOfDate);
    assert!(report.advisories.contains(&"INTEL-SA-00837".to_owned()));
    assert_eq!(
        Policy::default().check(&report),
        Err(PolicyError::TcbStatusTooLow {
            minimum: TcbStatus::UpToDate,
            got: TcbStatus::OutOfDate
        })
    );
    let permissive = Policy {
        min_tcb_status: TcbStatus::OutOfDate,
        accepted_advisories: report.advisories.clone(),
        ..Policy::default()
    };
    permissive.check(&report).unwrap();
    // Accepting out-of-date platforms is not accepting every advisory.
    let fewer = Policy {
        accepted_advisories: report.advisories[1..].to_vec(),
        ..permissive
    };
    assert_eq!(
        fewer.check(&report),
        Err(PolicyError::AdvisoryNotAccepted(
            report.advisories[0].clone()
        ))
    );
    // The up-to-date fixture is not affected by the floor level.
    let current = verifier()
        .verify_with(&quote("tdx_quote"), &collateral("tdx_quote"), TDX_NOW)
        .unwrap();
    assert_ne!(current.tcb_status, TcbStatus::OutOfDate);
}

#[test]
fn dstack_tappd_quote_verifies_as_out_of_date() {
    let quote = tappd_quote();
    let parsed = ParsedQuote::parse(&quote).unwrap();
    let summary = parsed.summary();
    assert_eq!(summary.platform, Platform::Tdx);
    assert_eq!(summary.version, 4);
    assert!(matches!(summary.measurements, Measurements::Tdx { .. }));
    assert_eq!(summary.report_data.len(), 64);
    let key = summary.collateral_key.unwrap();
    assert_eq!(key.tee, Platform::Tdx);
    // It comes from a platform of the same model as the TDX fixture (same FMSPC and CA), so
    // that collateral applies: every signature and chain holds (the verifier's own checks
    // pass), but the platform's TCB is older than any level the TCB info lists: out of date.
    assert_eq!(key, collateral("tdx_quote").key().unwrap());
    let report = verifier()
        .verify_with(&quote, &collateral("tdx_quote"), TDX_NOW)
        .unwrap();
    assert_eq!(report.tcb_status, TcbStatus::OutOfDate);
    assert_eq!(report.report_data, summary.report_data.to_vec());
    assert!(Policy::default().check(&report).is_err());
}
