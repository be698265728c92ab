//! Malformed requests: JSON errors with stable codes, never a server error, whatever the input.

use confide_indexer::query::MAX_QUERY_BYTES;
use serde_json::Value;

use crate::world::{World, follow_config, serve_api};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_json_errors_with_stable_codes() {
    let world = World::start().await;
    world
        .protect(&world.roles.data_owner, "data", r#"{"email":"string"}"#)
        .await;
    let follower = world.follower("sqlite::memory:", follow_config()).await;
    follower.start().await.unwrap().catch_up().await.unwrap();
    let (server, client) = serve_api(&follower).await;
    let base = server.url();
    let http = reqwest::Client::new();
    let zero_address = format!("0x{}", "00".repeat(20));
    let zero_id = format!("0x{}", "00".repeat(32));

    let long = format!("/protected-data?schema={}", "a".repeat(MAX_QUERY_BYTES));
    let cases: Vec<(String, u16, &str)> = vec![
        (
            "/protected-data?owner=0x12".into(),
            400,
            "INVALID_PARAMETER",
        ),
        (
            "/protected-data?owner=alice".into(),
            400,
            "INVALID_PARAMETER",
        ),
        ("/protected-data?page=-1".into(), 400, "INVALID_PARAMETER"),
        (
            "/protected-data?page=1000001".into(),
            400,
            "INVALID_PARAMETER",
        ),
        (
            "/protected-data?pageSize=9".into(),
            400,
            "INVALID_PARAMETER",
        ),
        (
            "/protected-data?pageSize=1001".into(),
            400,
            "INVALID_PARAMETER",
        ),
        (
            "/protected-data?pageSize=18446744073709551616".into(),
            400,
            "INVALID_PARAMETER",
        ),
        (
            "/protected-data?page=1&page=2".into(),
            400,
            "INVALID_PARAMETER",
        ),
        (
            "/protected-data?createdAfter=yesterday".into(),
            400,
            "INVALID_PARAMETER",
        ),
        ("/protected-data?owner=%zz".into(), 400, "INVALID_PARAMETER"),
        (
            "/protected-data?owner=%C3%28".into(),
            400,
            "INVALID_PARAMETER",
        ),
        (
            "/protected-data?requiredSchema=%7B".into(),
            400,
            "INVALID_SCHEMA",
        ),
        (
            "/protected-data?requiredSchema=%5B%5D".into(),
            400,
            "INVALID_SCHEMA",
        ),
        (
            "/protected-data?requiredSchema=%7B%22a%22%3A%22text%2Fplain%22%7D".into(),
            400,
            "INVALID_SCHEMA",
        ),
        (
            "/protected-data?requiredSchema=%7B%22a%22%3A%5B%5D%7D".into(),
            400,
            "INVALID_SCHEMA",
        ),
        (
            "/protected-data?requiredSchema=%7B%22a.b%22%3A%22bool%22%7D".into(),
            400,
            "INVALID_SCHEMA",
        ),
        ("/protected-data?schema=email".into(), 400, "INVALID_SCHEMA"),
        ("/protected-data?schema=:bool".into(), 400, "INVALID_SCHEMA"),
        (
            "/protected-data?schema=a..b:bool".into(),
            400,
            "INVALID_SCHEMA",
        ),
        ("/protected-data?sort=name".into(), 400, "UNKNOWN_PARAMETER"),
        (long, 400, "QUERY_TOO_LONG"),
        ("/protected-data/0x12".into(), 400, "INVALID_PARAMETER"),
        (format!("/protected-data/{zero_address}"), 404, "NOT_FOUND"),
        ("/apps?owner=1".into(), 400, "INVALID_PARAMETER"),
        ("/workerpools?requester=0x".into(), 400, "UNKNOWN_PARAMETER"),
        (format!("/datasets/{zero_address}"), 404, "NOT_FOUND"),
        ("/deals?requester=0xzz".into(), 400, "INVALID_PARAMETER"),
        ("/deals/0x1234".into(), 400, "INVALID_PARAMETER"),
        (format!("/deals/{zero_id}"), 404, "NOT_FOUND"),
        ("/tasks?status=DONE".into(), 400, "INVALID_PARAMETER"),
        ("/tasks?deal=0x00".into(), 400, "INVALID_PARAMETER"),
        (format!("/tasks/{zero_id}"), 404, "NOT_FOUND"),
        ("/tasks/%FF".into(), 400, "INVALID_PARAMETER"),
        ("/accounts/somebody".into(), 400, "INVALID_PARAMETER"),
        ("/nowhere".into(), 404, "NO_ROUTE"),
    ];
    for (path, status, code) in cases {
        let response = http.get(format!("{base}{path}")).send().await.unwrap();
        let got = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            (got, body["error"].as_str()),
            (status, Some(code)),
            "{path}: {body}"
        );
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }

    // Whatever the bytes, never a server error.
    let noise = [
        "",
        "&",
        "&&=",
        "=",
        "==",
        "owner",
        "owner=",
        "a=b=c",
        "%",
        "%0",
        "+",
        "page=+1",
        "requiredSchema=null",
        "requiredSchema=%7B%22a%22%3A%7B%7D%7D",
        "schema=%00:bool",
        "requiredSchema=%22string%22",
        "schema=a:image%2Fpng&schema=a:image%2Fpng",
    ];
    for path in ["/protected-data", "/apps", "/deals", "/tasks"] {
        for query in noise {
            let response = http
                .get(format!("{base}{path}?{query}"))
                .send()
                .await
                .unwrap();
            assert!(
                response.status().as_u16() < 500,
                "{path}?{query}: {}",
                response.status()
            );
        }
    }
    // The client tells the code.
    let error = client
        .protected_data(&confide_indexer::query::ProtectedDataQuery {
            page_size: Some(5),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("INVALID_PARAMETER"));
}
