//! Order hashing and signature checks per second (the order book's and matcher's hot path).
//!
//! Run: `cargo bench -p confide-protocol --bench orders`
#![allow(clippy::unwrap_used, missing_docs)]

use alloy_primitives::{Address, B256, U256};
use alloy_signer_local::PrivateKeySigner;
use confide_protocol::{AppOrder, Domain, PocoOrder, RequestOrder, SignedOrder};
use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};

fn orders(c: &mut Criterion) {
    let domain = Domain::new(U256::from(42161), Address::repeat_byte(0x09));
    let signer = PrivateKeySigner::from_bytes(&B256::repeat_byte(0x11)).unwrap();
    let app = AppOrder {
        app: Address::repeat_byte(1),
        appprice: U256::from(1_000_000_000u64),
        volume: U256::from(1000),
        salt: B256::repeat_byte(7),
        ..Default::default()
    };
    let request = RequestOrder {
        app: Address::repeat_byte(1),
        requester: signer.address(),
        beneficiary: signer.address(),
        volume: U256::from(1),
        params: r#"{"iexec_args":"--input data.csv --mode fast","iexec_result_encryption":true}"#
            .into(),
        salt: B256::repeat_byte(8),
        ..Default::default()
    };
    let signed_app = SignedOrder::sign(app.clone(), &domain, &signer).unwrap();
    let signed_request = SignedOrder::sign(request.clone(), &domain, &signer).unwrap();
    let app_hash = app.hash(&domain);
    let signature =
        alloy_primitives::Signature::from_raw(signed_app.sign.as_ref().unwrap()).unwrap();

    let mut group = c.benchmark_group("orders");
    group.throughput(Throughput::Elements(1));
    group.bench_function("hash app order", |b| {
        b.iter(|| black_box(&app).hash(&domain))
    });
    group.bench_function("hash request order", |b| {
        b.iter(|| black_box(&request).hash(&domain))
    });
    group.bench_function("hash + verify app order", |b| {
        b.iter(|| {
            black_box(&signed_app)
                .verify(&domain, signer.address())
                .unwrap()
        })
    });
    group.bench_function("hash + verify request order", |b| {
        b.iter(|| {
            black_box(&signed_request)
                .verify(&domain, signer.address())
                .unwrap()
        })
    });
    group.bench_function("sign app order", |b| {
        b.iter(|| SignedOrder::sign(black_box(app.clone()), &domain, &signer).unwrap())
    });
    // The recovery backend matters most: libsecp256k1 (what we use) against pure-Rust k256.
    group.bench_function("ecrecover libsecp256k1", |b| {
        b.iter(|| {
            signature
                .recover_from_prehash_secp256k1(black_box(&app_hash))
                .unwrap()
        })
    });
    group.bench_function("ecrecover k256", |b| {
        b.iter(|| {
            signature
                .recover_from_prehash(black_box(&app_hash))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, orders);
criterion_main!(benches);
