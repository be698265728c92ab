//! The collateral cache: keys, expiry, and the verifier taking collateral from it.

use std::sync::Arc;

use confide_tee::dcap::{CollateralCache, CollateralKey, DcapError, DcapVerifier, PckCa};
use confide_tee::{Evidence, EvidenceKind, Platform, TeeError, Verifier};

use crate::{SGX_NOW, TDX_NOW, collateral, fixtures_dir, quote};

fn dcap(name: &str) -> Evidence {
    Evidence {
        kind: EvidenceKind::DcapQuote,
        data: quote(name),
    }
}

#[test]
fn keys_come_from_the_collateral_and_the_quote() {
    let key = collateral("tdx_quote").key().unwrap();
    assert_eq!(
        key,
        CollateralKey {
            tee: Platform::Tdx,
            fmspc: [0xb0, 0xc0, 0x6f, 0, 0, 0],
            ca: PckCa::Platform,
        }
    );
    assert_eq!(key.to_string(), "TDX FMSPC b0c06f000000 (platform CA)");
    let parsed = confide_tee::dcap::ParsedQuote::parse(&quote("tdx_quote")).unwrap();
    assert_eq!(parsed.collateral_key().unwrap(), key);
    let sgx = collateral("sgx_quote").key().unwrap();
    assert_eq!((sgx.tee, sgx.ca), (Platform::Sgx, PckCa::Processor));
}

#[test]
fn verifier_takes_collateral_from_a_loaded_directory() {
    let cache = Arc::new(CollateralCache::new());
    let keys = cache.load_dir(&fixtures_dir()).unwrap();
    assert_eq!(keys.len(), 3);
    assert_eq!(cache.len(), 3);
    let verifier = DcapVerifier::new(cache);
    assert_eq!(verifier.kind(), EvidenceKind::DcapQuote);
    let tdx = verifier.verify(&dcap("tdx_quote"), TDX_NOW).unwrap();
    assert_eq!(tdx.platform, Platform::Tdx);
    let sgx = verifier.verify(&dcap("sgx_quote"), SGX_NOW).unwrap();
    assert_eq!(sgx.platform, Platform::Sgx);
    let simulated = Evidence {
        kind: EvidenceKind::Simulated,
        data: vec![],
    };
    assert!(matches!(
        verifier.verify(&simulated, TDX_NOW),
        Err(TeeError::WrongKind { .. })
    ));
}

#[test]
fn entries_expire_with_the_first_part_of_their_collateral() {
    let cache = CollateralCache::new();
    let key = cache.insert(collateral("tdx_quote")).unwrap();
    // The earliest end among its parts: the PCK CRL's next update, 2025-07-19T10:00:35Z.
    let valid_until = cache.valid_until(&key).unwrap();
    assert_eq!(valid_until, 1_752_919_235);
    assert!(cache.get(&key, valid_until).is_ok());
    assert_eq!(
        cache.get(&key, valid_until + 1).unwrap_err(),
        DcapError::Expired {
            what: format!("cached collateral for {key}"),
            valid_until,
            now: valid_until + 1,
        }
    );
    assert!(cache.is_empty(), "the expired entry is dropped");
    assert_eq!(
        cache.get(&key, TDX_NOW).unwrap_err(),
        DcapError::CollateralMissing(key)
    );
    cache.insert(collateral("tdx_quote")).unwrap();
    cache.insert(collateral("sgx_quote")).unwrap();
    assert_eq!(
        cache.evict_expired(valid_until + 1),
        1,
        "the TDX entry only"
    );
    assert_eq!(
        cache.evict_expired(valid_until + 86_400),
        1,
        "then the SGX one"
    );
    assert!(cache.is_empty());
}

#[test]
fn a_quote_without_cached_collateral_names_its_key() {
    let cache = Arc::new(CollateralCache::new());
    cache.insert(collateral("sgx_quote")).unwrap();
    let verifier = DcapVerifier::new(cache);
    let error = verifier.verify(&dcap("tdx_quote"), TDX_NOW).unwrap_err();
    assert!(
        matches!(&error, TeeError::Dcap(DcapError::CollateralMissing(key)) if key.tee == Platform::Tdx),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "no valid collateral cached for TDX FMSPC b0c06f000000 (platform CA)"
    );
}
