//! Tampered copies of the fixtures: each flipped byte is refused with the error naming the part
//! that no longer verifies. Hostile quotes (truncated, garbage, huge lengths) are refused as
//! malformed, never with a panic.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use confide_tee::dcap::{CertChain, Collateral, Crl, DcapError, DcapVerifier};

use crate::{SGX_NOW, TDX_NOW, collateral, quote};

/// TDX v4 layout: 48-byte header, 584-byte TD report (report data at 520), then the auth data
/// length (4), the quote signature (64), the attestation key (64), the certification data
/// header (type 2 + size 4) and the QE report (384) with its signature (64).
const TDX_REPORT_DATA: usize = 48 + 520;
const TDX_SIGNATURE: usize = 48 + 584 + 4;
const TDX_ATTESTATION_KEY: usize = TDX_SIGNATURE + 64;
const TDX_QE_REPORT: usize = TDX_ATTESTATION_KEY + 64 + 6;
const TDX_QE_REPORT_SIGNATURE: usize = TDX_QE_REPORT + 384;
/// SGX v3 layout: 48-byte header, 384-byte enclave report (report data at 320), auth data
/// length (4), signature (64).
const SGX_REPORT_DATA: usize = 48 + 320;
const SGX_SIGNATURE: usize = 48 + 384 + 4;

fn verify_tdx(quote: &[u8], collateral: &Collateral) -> Result<(), DcapError> {
    DcapVerifier::new(Default::default())
        .verify_with(quote, collateral, TDX_NOW)
        .map(drop)
}

fn flipped(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut copy = bytes.to_vec();
    copy[at] ^= 0x01;
    copy
}

/// Flips the last byte of the first certificate of a PEM chain (the end of its signature
/// value), keeping the PEM layout (same length, same line breaks).
fn flip_first_certificate_signature(pem: &[u8]) -> Vec<u8> {
    let begin = pem
        .windows(27)
        .position(|window| window == b"-----BEGIN CERTIFICATE-----")
        .unwrap()
        + 27;
    let end = begin
        + pem[begin..]
            .windows(25)
            .position(|window| window == b"-----END CERTIFICATE-----")
            .unwrap();
    let body: Vec<u8> = pem[begin..end]
        .iter()
        .copied()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    let mut der = STANDARD.decode(&body).unwrap();
    *der.last_mut().unwrap() ^= 0x01;
    let mut encoded = STANDARD.encode(&der).into_bytes().into_iter();
    let mut tampered = pem.to_vec();
    for byte in &mut tampered[begin..end] {
        if !byte.is_ascii_whitespace() {
            *byte = encoded.next().unwrap();
        }
    }
    assert_ne!(tampered, pem);
    tampered
}

fn flip_in_chain(pem: &str) -> String {
    String::from_utf8(flip_first_certificate_signature(pem.as_bytes())).unwrap()
}

#[test]
fn untampered_fixtures_verify() {
    verify_tdx(&quote("tdx_quote"), &collateral("tdx_quote")).unwrap();
}

#[test]
fn quote_signed_body_and_signature() {
    let tdx = quote("tdx_quote");
    let tdx_collateral = collateral("tdx_quote");
    for at in [
        TDX_REPORT_DATA,
        48 + 16 + 48 + 48 + 8 + 8 + 8 + 5,
        TDX_SIGNATURE + 7,
    ] {
        assert_eq!(
            verify_tdx(&flipped(&tdx, at), &tdx_collateral),
            Err(DcapError::QuoteSignature),
            "byte {at}"
        );
    }
    let sgx = quote("sgx_quote");
    let sgx_collateral = collateral("sgx_quote");
    for at in [SGX_REPORT_DATA, SGX_SIGNATURE + 40] {
        let result = DcapVerifier::new(Default::default()).verify_with(
            &flipped(&sgx, at),
            &sgx_collateral,
            SGX_NOW,
        );
        assert_eq!(result.unwrap_err(), DcapError::QuoteSignature, "byte {at}");
    }
}

#[test]
fn quoting_enclave_report_and_attestation_key() {
    let tdx = quote("tdx_quote");
    let tdx_collateral = collateral("tdx_quote");
    for at in [TDX_QE_REPORT + 100, TDX_QE_REPORT_SIGNATURE + 3] {
        assert_eq!(
            verify_tdx(&flipped(&tdx, at), &tdx_collateral),
            Err(DcapError::QeReportSignature),
            "byte {at}"
        );
    }
    let error = verify_tdx(&flipped(&tdx, TDX_ATTESTATION_KEY + 10), &tdx_collateral).unwrap_err();
    assert!(
        matches!(&error, DcapError::AttestationKeyBinding { expected, got } if expected != got),
        "{error:?}"
    );
}

#[test]
fn pck_certificate_embedded_in_the_quote() {
    let tampered = flip_first_certificate_signature(&quote("tdx_quote"));
    let error = verify_tdx(&tampered, &collateral("tdx_quote")).unwrap_err();
    assert!(
        matches!(
            error,
            DcapError::CertificateSignature {
                chain: CertChain::PckInQuote,
                index: 0,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn collateral_certificates() {
    let original = collateral("tdx_quote");
    let mut tcb_chain = original.clone();
    tcb_chain.tcb_info_issuer_chain = flip_in_chain(&tcb_chain.tcb_info_issuer_chain);
    let error = verify_tdx(&quote("tdx_quote"), &tcb_chain).unwrap_err();
    assert!(
        matches!(
            error,
            DcapError::CertificateSignature {
                chain: CertChain::TcbInfoIssuer,
                index: 0,
                ..
            }
        ),
        "{error:?}"
    );

    let mut crl_chain = original.clone();
    crl_chain.pck_crl_issuer_chain = flip_in_chain(&crl_chain.pck_crl_issuer_chain);
    let error = verify_tdx(&quote("tdx_quote"), &crl_chain).unwrap_err();
    assert!(
        matches!(
            error,
            DcapError::CertificateSignature {
                chain: CertChain::PckCrlIssuer,
                index: 0,
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn collateral_crls() {
    let original = collateral("tdx_quote");
    for (which, crl) in [(Crl::RootCa, 0), (Crl::PckCa, 1)] {
        let mut tampered = original.clone();
        let list = if crl == 0 {
            &mut tampered.root_ca_crl
        } else {
            &mut tampered.pck_crl
        };
        // A byte of the signature value, at the end of the DER.
        let at = list.len() - 5;
        list[at] ^= 0x01;
        assert_eq!(
            verify_tdx(&quote("tdx_quote"), &tampered),
            Err(DcapError::CrlSignature(which))
        );
    }
}

#[test]
fn signed_tcb_info_and_qe_identity() {
    let original = collateral("tdx_quote");
    let mut tcb_info = original.clone();
    // One digit of the issue date: still valid JSON and still in the window.
    tcb_info.tcb_info = tcb_info.tcb_info.replacen("10:16:03Z", "10:16:02Z", 1);
    assert_ne!(tcb_info.tcb_info, original.tcb_info);
    assert_eq!(
        verify_tdx(&quote("tdx_quote"), &tcb_info),
        Err(DcapError::TcbInfoSignature)
    );

    let mut tcb_signature = original.clone();
    tcb_signature.tcb_info_signature[20] ^= 0x01;
    assert_eq!(
        verify_tdx(&quote("tdx_quote"), &tcb_signature),
        Err(DcapError::TcbInfoSignature)
    );

    let mut qe_identity = original.clone();
    qe_identity.qe_identity = qe_identity
        .qe_identity
        .replacen("10:32:27Z", "10:32:26Z", 1);
    assert_ne!(qe_identity.qe_identity, original.qe_identity);
    assert_eq!(
        verify_tdx(&quote("tdx_quote"), &qe_identity),
        Err(DcapError::QeIdentitySignature)
    );

    let mut qe_signature = original;
    qe_signature.qe_identity_signature[40] ^= 0x01;
    assert_eq!(
        verify_tdx(&quote("tdx_quote"), &qe_signature),
        Err(DcapError::QeIdentitySignature)
    );
}

/// Upgrading the platform's status in the TCB info (ConfigurationAndSWHardeningNeeded →
/// UpToDate) breaks Intel's signature.
#[test]
fn tcb_status_upgrade_in_the_tcb_info_is_refused() {
    let mut upgraded = collateral("sgx_quote");
    upgraded.tcb_info = upgraded
        .tcb_info
        .replace("\"ConfigurationAndSWHardeningNeeded\"", "\"UpToDate\"");
    let result =
        DcapVerifier::new(Default::default()).verify_with(&quote("sgx_quote"), &upgraded, SGX_NOW);
    assert_eq!(result.unwrap_err(), DcapError::TcbInfoSignature);
}

#[test]
fn now_outside_the_collateral_window() {
    let tdx = quote("tdx_quote");
    let collateral = collateral("tdx_quote");
    let verifier = DcapVerifier::new(Default::default());
    let forty_days_later = TDX_NOW + 40 * 86_400;
    assert_eq!(
        verifier.verify_with(&tdx, &collateral, forty_days_later),
        Err(DcapError::Expired {
            what: "TCB info".into(),
            // 2025-07-19T10:16:03Z, its next update.
            valid_until: 1_752_920_163,
            now: forty_days_later,
        })
    );
    // Between the TCB info's issue date and the QE identity's.
    let error = verifier
        .verify_with(&tdx, &collateral, TDX_NOW - 60)
        .unwrap_err();
    assert_eq!(
        error,
        DcapError::NotYetValid {
            what: "QE identity".into(),
            valid_from: TDX_NOW,
            now: TDX_NOW - 60,
        }
    );
}

#[test]
fn truncated_garbage_and_huge_length_quotes_are_malformed() {
    let tdx = quote("tdx_quote");
    let collateral = collateral("tdx_quote");
    let verifier = DcapVerifier::new(Default::default());
    // The quote's structure ends at byte 4936 (its auth data length says so); the 70 bytes
    // after it are padding, unused.
    let structure_len = 4936;
    assert!(
        verifier
            .verify_with(&tdx[..structure_len], &collateral, TDX_NOW)
            .is_ok()
    );
    for len in (0..structure_len)
        .step_by(97)
        .chain([47, 48, 631, 632, 636, structure_len - 1])
    {
        let error = verifier
            .verify_with(&tdx[..len], &collateral, TDX_NOW)
            .unwrap_err();
        assert!(
            matches!(error, DcapError::MalformedQuote { .. }),
            "prefix of {len} bytes: {error:?}"
        );
    }
    let garbage = vec![0xa5; 5000];
    let error = verifier
        .verify_with(&garbage, &collateral, TDX_NOW)
        .unwrap_err();
    assert!(
        matches!(error, DcapError::MalformedQuote { .. }),
        "{error:?}"
    );
    // A valid header and body claiming 4 GiB of auth data.
    let mut huge = tdx[..TDX_SIGNATURE - 4].to_vec();
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    huge.extend_from_slice(&[0; 64]);
    let error = verifier
        .verify_with(&huge, &collateral, TDX_NOW)
        .unwrap_err();
    assert!(
        matches!(error, DcapError::MalformedQuote { .. }),
        "{error:?}"
    );
}

/// Every third byte of the header and signed body, flipped, is refused; flips across the rest
/// of the quote never panic.
#[test]
fn no_flip_of_the_signed_part_verifies_and_none_panics() {
    let tdx = quote("tdx_quote");
    let collateral = collateral("tdx_quote");
    for at in (0..TDX_SIGNATURE - 4).step_by(3) {
        assert!(
            verify_tdx(&flipped(&tdx, at), &collateral).is_err(),
            "flip of byte {at} verified"
        );
    }
    for at in (TDX_SIGNATURE - 4..tdx.len()).step_by(29) {
        let _ = verify_tdx(&flipped(&tdx, at), &collateral);
    }
}

/// With the PCK chain in the collateral, that chain is the one relied on: the quote's embedded
/// copy is then unused (a flipped byte in it changes nothing), a flipped byte in the
/// collateral's copy is refused.
#[test]
fn pck_chain_in_the_collateral_replaces_the_quotes() {
    let tdx = quote("tdx_quote");
    let begin = tdx
        .windows(27)
        .position(|window| window == b"-----BEGIN CERTIFICATE-----")
        .unwrap();
    let end = tdx
        .windows(25)
        .rposition(|window| window == b"-----END CERTIFICATE-----")
        .unwrap()
        + 25;
    let embedded = String::from_utf8(tdx[begin..end].to_vec()).unwrap();
    let mut with_chain = collateral("tdx_quote");
    with_chain.pck_certificate_chain = Some(embedded.clone());
    verify_tdx(&tdx, &with_chain).unwrap();
    verify_tdx(&flip_first_certificate_signature(&tdx), &with_chain).unwrap();

    with_chain.pck_certificate_chain = Some(flip_in_chain(&embedded));
    let error = verify_tdx(&tdx, &with_chain).unwrap_err();
    assert!(
        matches!(
            error,
            DcapError::CertificateSignature {
                chain: CertChain::PckInCollateral,
                index: 0,
                ..
            }
        ),
        "{error:?}"
    );
}
