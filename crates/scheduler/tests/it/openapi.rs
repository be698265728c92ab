//! The OpenAPI document and the router agree.

use confide_scheduler::OPENAPI;
use serde_json::Value;

use crate::world::{World, sqlite_in};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served_and_the_document_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::start(&sqlite_in(&dir)).await;
    let document: Value = serde_json::from_str(OPENAPI).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 9);
    let http = reqwest::Client::new();
    let mut operations_checked = 0;
    for (path, operations) in paths {
        let concrete = path.replace("{taskId}", &format!("0x{}", "00".repeat(32)));
        for method in operations.as_object().unwrap().keys() {
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let response = http
                .request(method.clone(), format!("{}{concrete}", world.url()))
                .send()
                .await
                .unwrap();
            assert!(
                response.headers().get("x-confide-no-route").is_none() && response.status() != 405,
                "{method} {path}: {}",
                response.status()
            );
            operations_checked += 1;
        }
    }
    assert_eq!(operations_checked, 10);
    // Every $ref resolves.
    let text = OPENAPI;
    for reference in text.split("\"$ref\": \"#/").skip(1) {
        let pointer = format!("/{}", &reference[..reference.find('"').unwrap()]);
        assert!(
            document.pointer(&pointer).is_some(),
            "{pointer} does not resolve"
        );
    }
    let served: Value = serde_json::from_slice(
        &http
            .get(format!("{}/openapi.json", world.url()))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(served, document);
    // An unknown path is told apart.
    let unknown = http
        .get(format!("{}/nothing", world.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert!(unknown.headers().get("x-confide-no-route").is_some());
}
