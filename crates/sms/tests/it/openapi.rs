//! The OpenAPI document and the router agree.

use confide_sms::OPENAPI;
use serde_json::Value;

use crate::world::World;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served_and_the_document_is_served() {
    let world = World::start(true).await;
    let document: Value = serde_json::from_str(OPENAPI).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 10);
    let http = reqwest::Client::new();
    for (path, operations) in paths {
        let concrete = path
            .replace("{app}", &world.assets.app.to_string())
            .replace("{requester}", &world.roles.requester.address().to_string())
            .replace("{key}", "name")
            .replace("{taskId}", &format!("0x{}", "00".repeat(32)));
        for method in operations.as_object().unwrap().keys() {
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let response = http
                .request(method.clone(), format!("{}{concrete}", world.sms_url))
                .send()
                .await
                .unwrap();
            assert!(
                response.headers().get("x-confide-no-route").is_none() && response.status() != 405,
                "{method} {path}: {}",
                response.status()
            );
        }
    }
    let served = http
        .get(format!("{}/openapi.json", world.sms_url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let served: Value = serde_json::from_slice(&served).unwrap();
    assert_eq!(served, document);
}
