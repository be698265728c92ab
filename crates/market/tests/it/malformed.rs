//! Hostile requests: each a 4xx with its code, none a panic or a 500.

use confide_chain::scenario::Terms;
use serde_json::{Value, json};

use crate::world::World;

async fn send(
    world: &World,
    method: reqwest::Method,
    path: &str,
    authorization: Option<String>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", world.url))
        .header("Content-Type", "application/json")
        .body(body);
    if let Some(authorization) = authorization {
        request = request.header("Authorization", authorization);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_are_refused_with_codes() {
    let dir = tempfile::tempdir().unwrap();
    let world = World::start(&format!("sqlite://{}/market.db", dir.path().display())).await;
    let chain_id = world.chain.chain_id();
    let developer = &world.roles.app_developer;
    let draft = world.draft(&Terms::tee());
    let signed = world.sign(draft.app.clone(), developer);
    let order = serde_json::to_value(&signed).unwrap();
    let apporders = format!("/apporders?chainId={chain_id}");
    let login = || async {
        Some(
            world
                .client
                .login(developer, developer.address())
                .await
                .unwrap()
                .to_string(),
        )
    };
    let post = |body: Vec<u8>, authorization: Option<String>| {
        send(
            &world,
            reqwest::Method::POST,
            &apporders,
            authorization,
            body,
        )
    };

    let mut with_bad_address = order.clone();
    with_bad_address["app"] = json!("0x12");
    let mut with_bad_hex = order.clone();
    with_bad_hex["salt"] = json!(format!("0x{}", "zz".repeat(32)));
    let mut with_bad_sign = order.clone();
    with_bad_sign["sign"] = json!("0xnothex");
    let mut with_unknown_field = order.clone();
    with_unknown_field["colour"] = json!("blue");
    let mut negative = order.clone();
    negative["volume"] = json!(-1);
    let refusals: Vec<(Vec<u8>, u16, &str)> = vec![
        (b"{not json".to_vec(), 400, "INVALID_JSON"),
        (b"[1, 2]".to_vec(), 400, "INVALID_BODY"),
        (
            json!({"orders": order}).to_string().into_bytes(),
            400,
            "INVALID_BODY",
        ),
        (
            json!({"order": order, "extra": 1}).to_string().into_bytes(),
            400,
            "INVALID_BODY",
        ),
        (
            json!({"order": 5}).to_string().into_bytes(),
            400,
            "INVALID_ORDER",
        ),
        (
            json!({"order": with_bad_address}).to_string().into_bytes(),
            400,
            "INVALID_ORDER",
        ),
        (
            json!({"order": with_bad_hex}).to_string().into_bytes(),
            400,
            "INVALID_ORDER",
        ),
        (
            json!({"order": with_bad_sign}).to_string().into_bytes(),
            400,
            "INVALID_ORDER",
        ),
        (
            json!({"order": with_unknown_field})
                .to_string()
                .into_bytes(),
            400,
            "INVALID_ORDER",
        ),
        (
            json!({"order": negative}).to_string().into_bytes(),
            400,
            "INVALID_ORDER",
        ),
        (vec![b' '; 70 * 1024], 413, "BODY_TOO_LARGE"),
        ("[".repeat(10_000).into_bytes(), 400, "INVALID_JSON"),
    ];
    for (body, status, code) in refusals {
        let shown = String::from_utf8_lossy(&body[..body.len().min(60)]).into_owned();
        let (got_status, answer) = post(body, login().await).await;
        assert_eq!(
            (got_status, answer["error"].as_str()),
            (status, Some(code)),
            "{shown}"
        );
        assert_eq!(answer["ok"], false);
    }
    // A request order whose params are too long (within the body limit).
    let mut request =
        serde_json::to_value(world.sign(draft.request.clone(), &world.roles.requester)).unwrap();
    request["params"] = json!("x".repeat(20 * 1024));
    let (status, answer) = send(
        &world,
        reqwest::Method::POST,
        &format!("/requestorders?chainId={chain_id}"),
        login().await,
        json!({"order": request}).to_string().into_bytes(),
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("INVALID_ORDER"))
    );

    // Authorization headers.
    let body = json!({"order": order}).to_string().into_bytes();
    let (status, answer) = post(body.clone(), None).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (401, Some("MISSING_AUTHORIZATION"))
    );
    for header in ["nonsense", "0x12_0x34_0x56", "a_b_c_d"] {
        let (status, answer) = post(body.clone(), Some(header.into())).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (401, Some("INVALID_AUTHORIZATION")),
            "{header}"
        );
    }
    // chainId is required to write, and must be this chain's.
    let (status, answer) = send(
        &world,
        reqwest::Method::POST,
        "/apporders",
        login().await,
        body.clone(),
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("INVALID_QUERY"))
    );
    let (status, answer) = send(
        &world,
        reqwest::Method::POST,
        "/apporders?chainId=abc",
        login().await,
        body.clone(),
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (400, Some("CHAIN_ID_MISMATCH"))
    );
    // Unpublish bodies.
    for (bad, code) in [
        (json!({"target": "unpublish_everything"}), "INVALID_BODY"),
        (
            json!({"target": "unpublish_orderHash", "orderHash": "0x12"}),
            "INVALID_BODY",
        ),
        (
            json!({"target": "unpublish_all", "dataset": "0x12"}),
            "INVALID_BODY",
        ),
    ] {
        let (status, answer) = send(
            &world,
            reqwest::Method::PUT,
            &apporders,
            login().await,
            bad.to_string().into_bytes(),
        )
        .await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (400, Some(code)),
            "{bad}"
        );
    }
    // Queries and paths.
    let unknown_address = format!("/challenge?chainId={chain_id}&address=nothex");
    for path in [
        "/apporders?pageSize=5",
        "/apporders?minTag=sgx",
        "/apporders?app=0xnothex",
        "/apporders?bulkOnly=true",
        "/apporders?chainId=1",
        "/apporders/0x1234",
        "/challenge?chainId=1&address=0x0000000000000000000000000000000000000001",
        "/challenge?address=0x0000000000000000000000000000000000000001",
        &unknown_address,
    ] {
        let (status, answer) = send(&world, reqwest::Method::GET, path, None, Vec::new()).await;
        assert_eq!(status, 400, "{path}: {answer}");
        assert!(answer["error"].is_string(), "{path}: {answer}");
    }
    let response = reqwest::get(format!("{}/nowhere", world.url))
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert!(response.headers().contains_key("x-confide-no-route"));

    // After all that, the genuine order still goes in.
    let (status, answer) = post(body, login().await).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["published"]["orderHash"],
        signed.hash(&world.domain).to_string()
    );
}
