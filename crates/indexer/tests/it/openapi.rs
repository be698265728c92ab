//! The OpenAPI document and the router agree: every documented operation is served, and the
//! objects served have the documented properties.

use std::collections::BTreeSet;

use confide_indexer::OPENAPI;
use serde_json::Value;

use crate::world::{World, follow_config, serve_api};

/// The property names of component schema `name` (allOf merged): (required, all).
fn properties(document: &Value, name: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let schema = &document["components"]["schemas"][name];
    let mut required = BTreeSet::new();
    let mut all = BTreeSet::new();
    let parts: Vec<&Value> = match schema["allOf"].as_array() {
        Some(parts) => parts.iter().collect(),
        None => vec![schema],
    };
    for part in parts {
        let part = match part["$ref"].as_str() {
            Some(reference) => {
                let referenced = reference.rsplit('/').next().unwrap();
                let (r, a) = properties(document, referenced);
                required.extend(r);
                all.extend(a);
                continue;
            }
            None => part,
        };
        for key in part["required"].as_array().into_iter().flatten() {
            required.insert(key.as_str().unwrap().to_owned());
        }
        for key in part["properties"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            all.insert(key.clone());
        }
    }
    (required, all)
}

fn conforms(document: &Value, schema: &str, served: &Value) {
    let (required, all) = properties(document, schema);
    let keys: BTreeSet<String> = served.as_object().unwrap().keys().cloned().collect();
    assert!(
        required.is_subset(&keys),
        "{schema}: {required:?} ⊄ {keys:?}"
    );
    assert!(keys.is_subset(&all), "{schema}: {keys:?} ⊄ {all:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served_as_documented() {
    let world = World::start().await;
    let market = world.market().await;
    let protected = world
        .protect(&world.roles.data_owner, "doc", r#"{"email":"string"}"#)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/indexer.db", dir.path().display());
    let follower = world.follower(&url, follow_config()).await;
    follower.start().await.unwrap().catch_up().await.unwrap();
    let (server, _client) = serve_api(&follower).await;
    let base = server.url();

    let document: Value = serde_json::from_str(OPENAPI).unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 16);
    let http = reqwest::Client::new();
    for (path, operations) in paths {
        let address = if path.starts_with("/apps") {
            market.assets.app
        } else if path.starts_with("/workerpools") {
            market.assets.workerpool
        } else if path.starts_with("/datasets") {
            market.assets.dataset.unwrap()
        } else {
            protected
        };
        let id = if path.starts_with("/tasks") {
            market.tee_tasks[0]
        } else {
            market.tee_deal
        };
        let concrete = path
            .replace("{address}", &address.to_string())
            .replace("{id}", &id.to_string());
        for method in operations.as_object().unwrap().keys() {
            let method: reqwest::Method = method.to_uppercase().parse().unwrap();
            let response = http
                .request(method.clone(), format!("{base}{concrete}"))
                .send()
                .await
                .unwrap();
            assert!(
                response.headers().get("x-confide-no-route").is_none(),
                "{method} {path} is not routed"
            );
            assert_eq!(response.status(), 200, "{method} {path}");
        }
    }

    // The objects served have the documented properties.
    let get = |path: String| {
        let http = http.clone();
        async move {
            http.get(path)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    for (path, schema) in [
        ("/protected-data", "ProtectedData"),
        ("/apps", "Asset"),
        ("/datasets", "Asset"),
        ("/workerpools", "Asset"),
        ("/deals", "Deal"),
        ("/tasks", "Task"),
    ] {
        let page = get(format!("{base}{path}")).await;
        conforms(
            &document,
            "PageInfo",
            &serde_json::json!({
                "page": page["page"], "pageSize": page["pageSize"], "hasMore": page["hasMore"]
            }),
        );
        let items = page["items"].as_array().unwrap();
        assert!(!items.is_empty(), "{path}");
        for item in items {
            conforms(&document, schema, item);
        }
    }
    for task in market.tee_tasks {
        let details = get(format!("{base}/tasks/{task}")).await;
        conforms(&document, "TaskDetails", &details);
        for event in details["history"].as_array().unwrap() {
            conforms(&document, "TaskEvent", event);
        }
    }
    let deal = get(format!("{base}/deals/{}", market.tee_deal)).await;
    conforms(&document, "DealResource", &deal["app"]);
    let account = get(format!(
        "{base}/accounts/{}",
        world.roles.requester.address()
    ))
    .await;
    conforms(&document, "Account", &account);
    conforms(&document, "Status", &get(format!("{base}/status")).await);
    let error = get(format!("{base}/deals?pageSize=1")).await;
    conforms(&document, "Error", &error);

    // The document is served as it is.
    let served = get(format!("{base}/openapi.json")).await;
    assert_eq!(served, document);
}
