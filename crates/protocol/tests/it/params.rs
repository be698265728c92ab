//! Deal params and order JSON parsing rules.

use confide_protocol::order::OrderJsonError;
use confide_protocol::params::{DealParams, ParamsError, StorageProvider};
use confide_protocol::{Order, OrderKind, SignedOrder, Tag};
use serde_json::json;

#[test]
fn non_json_params_are_args() {
    for text in [
        "--verbose input.csv",
        "42",
        "\"quoted\"",
        "[1,2]",
        "{not json",
        "null",
    ] {
        let params = DealParams::parse(text).unwrap();
        assert_eq!(params.iexec_args.as_deref(), Some(text), "{text}");
        assert!(params.iexec_input_files.is_empty());
    }
    assert_eq!(DealParams::parse("").unwrap(), DealParams::default());
    assert_eq!(DealParams::parse("{}").unwrap(), DealParams::default());
}

#[test]
fn json_params_are_read_key_by_key() {
    let text = r#"{"iexec_args":"a b","iexec_input_files":["https://x.io/1","http://y.io/2"],"iexec_secrets":{"1":"key-a","3":"key_b"},"iexec_result_encryption":true,"iexec_result_storage_provider":"dropbox","bulk_cid":"bafy","iexec_developer_logger":true}"#;
    let params = DealParams::parse(text).unwrap();
    assert_eq!(params.iexec_args.as_deref(), Some("a b"));
    assert_eq!(
        params.iexec_input_files,
        ["https://x.io/1", "http://y.io/2"]
    );
    assert_eq!(
        params.iexec_secrets.get(&3).map(String::as_str),
        Some("key_b")
    );
    assert!(params.iexec_result_encryption);
    assert_eq!(params.storage_provider(), StorageProvider::Dropbox);
    assert_eq!(params.bulk_cid.as_deref(), Some("bafy"));
    // Unknown keys survive parsing (a worker must not fail a task for them) but not validation.
    assert_eq!(
        params.validate(),
        Err(ParamsError::UnknownKey("iexec_developer_logger".into()))
    );
    let reparsed = DealParams::parse(&params.to_json_string()).unwrap();
    assert_eq!(reparsed, params);
}

#[test]
fn typed_param_errors() {
    let err = |text: &str| DealParams::parse(text).unwrap_err();
    assert_eq!(
        err(r#"{"iexec_args":3}"#),
        ParamsError::WrongType {
            key: "iexec_args",
            expected: "a string"
        }
    );
    assert!(matches!(
        err(r#"{"iexec_input_files":"https://x"}"#),
        ParamsError::WrongType {
            key: "iexec_input_files",
            ..
        }
    ));
    assert!(matches!(
        err(r#"{"iexec_result_encryption":"true"}"#),
        ParamsError::WrongType { .. }
    ));
    assert_eq!(
        err(r#"{"iexec_secrets":{"0":"a"}}"#),
        ParamsError::BadSecretIndex("0".into())
    );
    assert_eq!(
        err(r#"{"iexec_secrets":{"x":"a"}}"#),
        ParamsError::BadSecretIndex("x".into())
    );
    assert_eq!(
        err(r#"{"iexec_secrets":{"-1":"a"}}"#),
        ParamsError::BadSecretIndex("-1".into())
    );
    assert_eq!(
        err(r#"{"iexec_result_storage_provider":"s3"}"#),
        ParamsError::UnknownStorageProvider("s3".into())
    );
    let bad_name = DealParams::parse(r#"{"iexec_secrets":{"1":"has space"}}"#).unwrap();
    assert_eq!(
        bad_name.validate(),
        Err(ParamsError::BadSecretName("has space".into()))
    );
    let bad_url = DealParams::parse(r#"{"iexec_input_files":["file:///etc/passwd"]}"#).unwrap();
    assert_eq!(
        bad_url.validate(),
        Err(ParamsError::BadInputFileUrl("file:///etc/passwd".into()))
    );
}

#[test]
fn serialization_keeps_only_what_is_set() {
    let params = DealParams {
        iexec_args: Some("x".into()),
        iexec_result_encryption: false,
        ..Default::default()
    };
    assert_eq!(params.to_json_string(), r#"{"iexec_args":"x"}"#);
    assert_eq!(DealParams::default().to_json_string(), "{}");
}

fn app_order_json() -> serde_json::Value {
    json!({
        "app": "0x1111111111111111111111111111111111111111",
        "appprice": "1000",
        "volume": 5,
        "tag": ["tee", "tdx"],
        "datasetrestrict": "0x0000000000000000000000000000000000000000",
        "workerpoolrestrict": "0x0000000000000000000000000000000000000000",
        "requesterrestrict": "0x0000000000000000000000000000000000000000",
        "salt": "0x0000000000000000000000000000000000000000000000000000000000000001"
    })
}

#[test]
fn order_json_accepts_numbers_hex_and_tag_names() {
    let signed = SignedOrder::<Order>::from_json_value(app_order_json()).unwrap();
    let Order::App(order) = &signed.order else {
        panic!("inferred {:?}", signed.order.kind())
    };
    assert_eq!(order.volume, alloy_primitives::U256::from(5));
    assert_eq!(Tag(order.tag), Tag::from_hex("0x9").unwrap());
    assert!(signed.sign.is_none());
    let mut hex = app_order_json();
    hex["appprice"] = json!("0x3e8");
    hex["volume"] = json!("5");
    hex["tag"] = json!("0x9");
    assert_eq!(SignedOrder::<Order>::from_json_value(hex).unwrap(), signed);
}

#[test]
fn order_json_errors_name_the_field() {
    let field_error = |mutate: &dyn Fn(&mut serde_json::Value)| {
        let mut value = app_order_json();
        mutate(&mut value);
        match SignedOrder::<Order>::from_json_value(value) {
            Err(OrderJsonError::Field { kind, source }) => {
                assert_eq!(kind, OrderKind::App);
                source.to_string()
            }
            other => panic!("{other:?}"),
        }
    };
    assert!(field_error(&|v| v["appprice"] = json!("-1")).contains("not an unsigned integer"));
    assert!(field_error(&|v| v["appprice"] = json!(1.5)).contains("not an exact integer"));
    assert!(field_error(&|v| v["appprice"] = json!("1e3")).contains("not an unsigned integer"));
    let too_big = format!("1{}", "0".repeat(78));
    assert!(field_error(&|v| v["volume"] = json!(too_big)).contains("does not fit in uint256"));
    assert!(field_error(&|v| v["tag"] = json!(["sgx"])).contains("unknown tag `sgx`"));
    assert!(
        field_error(&|v| {
            v.as_object_mut().unwrap().remove("salt");
        })
        .contains("missing field `salt`")
    );
    assert!(field_error(&|v| v["colour"] = json!("blue")).contains("unknown field `colour`"));

    let mut bad_sign = app_order_json();
    bad_sign["sign"] = json!("zz");
    assert!(matches!(
        SignedOrder::<Order>::from_json_value(bad_sign),
        Err(OrderJsonError::BadSignField)
    ));
    assert!(matches!(
        SignedOrder::<Order>::from_json_value(json!([1])),
        Err(OrderJsonError::NotAnObject)
    ));
    assert!(matches!(
        SignedOrder::<Order>::from_json_value(json!({"salt": "0x00"})),
        Err(OrderJsonError::UnknownOrderShape)
    ));
    assert!(matches!(
        SignedOrder::<Order>::from_json("{"),
        Err(OrderJsonError::Syntax(_))
    ));
}

#[test]
fn explicit_kind_overrides_inference() {
    let value = app_order_json();
    let err = SignedOrder::from_json_value_as(Some(OrderKind::Dataset), value).unwrap_err();
    assert!(
        matches!(
            err,
            OrderJsonError::Field {
                kind: OrderKind::Dataset,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn request_params_may_be_an_object() {
    let request = json!({
        "app": "0x1111111111111111111111111111111111111111", "appmaxprice": "0",
        "dataset": "0x0000000000000000000000000000000000000000", "datasetmaxprice": "0",
        "workerpool": "0x0000000000000000000000000000000000000000", "workerpoolmaxprice": "0",
        "requester": "0x2222222222222222222222222222222222222222", "volume": "1", "tag": "0x0",
        "category": "0", "trust": "0", "beneficiary": "0x2222222222222222222222222222222222222222",
        "callback": "0x0000000000000000000000000000000000000000",
        "params": {"iexec_args": "z", "iexec_result_encryption": true},
        "salt": "0x0000000000000000000000000000000000000000000000000000000000000002"
    });
    let signed = SignedOrder::<Order>::from_json_value(request).unwrap();
    let Order::Request(order) = signed.order else {
        panic!()
    };
    assert_eq!(
        order.params,
        r#"{"iexec_args":"z","iexec_result_encryption":true}"#
    );
}
