//! The OpenAPI document and the router agree.

use confide_market::OPENAPI;
use serde_json::Value;

use crate::world::World;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served_and_the_document_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::start(&format!("sqlite://{}/market.db", dir.path().display())).await;
    let document: Value = serde_json::from_str(OPENAPI).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    let http = reqwest::Client::new();
    let mut operations = 0;
    for (path, item) in paths {
        let concrete = path.replace("{orderHash}", &format!("0x{}", "00".repeat(32)));
        for method in item.as_object().unwrap().keys() {
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let response = http
                .request(method.clone(), format!("{}{concrete}", world.url))
                .send()
                .await
                .unwrap();
            assert!(
                response.headers().get("x-confide-no-route").is_none() && response.status() != 405,
                "{method} {path}: {}",
                response.status()
            );
            operations += 1;
        }
    }
    // Four collections (query, publish, unpublish, one order), the challenge, health, version,
    // the document.
    assert_eq!(operations, 4 * 4 + 4);
    let served = http
        .get(format!("{}/openapi.json", world.url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let served: Value = serde_json::from_slice(&served).unwrap();
    assert_eq!(served, document);
    // Every reference resolves.
    let text = OPENAPI;
    for reference in text.split("\"$ref\": \"#/").skip(1) {
        let pointer = reference.split('"').next().unwrap();
        assert!(
            document.pointer(&format!("/{pointer}")).is_some(),
            "dangling $ref #/{pointer}"
        );
    }
}
