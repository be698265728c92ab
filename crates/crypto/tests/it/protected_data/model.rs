//! Data model validation, JSON conversion and schema handling.

use confide_crypto::protected_data::{
    DataObject, DataValue, FlatSchemaEntry, MimeType, ProtectedDataError, Schema, SchemaNode,
    SchemaType, serialize,
};

fn nested(pairs: Vec<(&str, DataValue)>) -> DataValue {
    DataValue::Object(pairs.into_iter().collect())
}

#[test]
fn key_rules_with_dotted_paths() {
    let cases: Vec<(DataObject, &str)> = vec![
        (
            [("", DataValue::Bool(true))].into_iter().collect(),
            "empty:",
        ),
        (
            [("a", nested(vec![("b", nested(vec![("", 1.0.into())]))]))]
                .into_iter()
                .collect(),
            "empty:a.b",
        ),
        (
            [("a.b", DataValue::Bool(true))].into_iter().collect(),
            "char:a.b",
        ),
        (
            [("ok", nested(vec![("bad key", "secret".into())]))]
                .into_iter()
                .collect(),
            "char:ok.bad key",
        ),
        (
            [("é", DataValue::Bool(true))].into_iter().collect(),
            "char:é",
        ),
        (
            [("a/b", DataValue::Bool(true))].into_iter().collect(),
            "char:a/b",
        ),
        (
            [("x", nested(vec![("y", f64::NAN.into())]))]
                .into_iter()
                .collect(),
            "nonfinite:x.y",
        ),
        (
            [("inf", DataValue::F64(f64::NEG_INFINITY))]
                .into_iter()
                .collect(),
            "nonfinite:inf",
        ),
    ];
    for (obj, expected) in cases {
        let err = obj.validate().unwrap_err();
        let got = match &err {
            ProtectedDataError::EmptyKey { parent } => format!("empty:{parent}"),
            ProtectedDataError::InvalidKeyCharacter { path } => format!("char:{path}"),
            ProtectedDataError::NonFiniteNumber { path } => format!("nonfinite:{path}"),
            other => panic!("unexpected {other}"),
        };
        assert_eq!(got, expected);
        assert!(!err.to_string().contains("secret"));
        // The serializer refuses the same objects before writing anything.
        assert!(serialize(&obj).is_err());
    }
    let fine: DataObject = [
        ("a-Z_09", DataValue::Bool(true)),
        ("0", nested(vec![("-", DataValue::I128(-1))])),
        ("empty", nested(vec![])),
    ]
    .into_iter()
    .collect();
    fine.validate().unwrap();
}

#[test]
fn first_error_in_javascript_key_order() {
    // "b c" was inserted first but "5" (an array index) is visited first, as in JS.
    let obj: DataObject = [("b c", DataValue::Bool(true)), ("5", f64::INFINITY.into())]
        .into_iter()
        .collect();
    assert!(matches!(
        obj.validate(),
        Err(ProtectedDataError::NonFiniteNumber { path }) if path == "5"
    ));
}

#[test]
fn json_conversion() {
    let obj = DataObject::from_json_str(
        r#"{"name":"Ada","age":36,"nested":{"ok":true,"n":-0.5},"1":"one"}"#,
    )
    .unwrap();
    let keys: Vec<_> = obj.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["1", "name", "age", "nested"]);
    assert_eq!(obj.get_path("nested.n"), Some(&DataValue::F64(-0.5)));
    assert_eq!(obj.get("age"), Some(&DataValue::F64(36.0)));
    assert_eq!(obj.leaves().len(), 5);

    for (text, path, found) in [
        (r#"{"a":{"b":null}}"#, "a.b", "null"),
        (r#"{"a":1,"list":[1,2]}"#, "list", "array"),
        (r#"{"x":{"y":{"z":[]}}}"#, "x.y.z", "array"),
    ] {
        match DataObject::from_json_str(text) {
            Err(ProtectedDataError::UnsupportedJsonValue { path: p, found: f }) => {
                assert_eq!((p.as_str(), f), (path, found));
            }
            other => panic!("{text}: {other:?}"),
        }
    }
    assert!(matches!(
        DataObject::from_json_str("[1]"),
        Err(ProtectedDataError::NotAnObject { found: "array" })
    ));
    assert!(matches!(
        DataObject::from_json_str(r#"{"a b":1}"#),
        Err(ProtectedDataError::InvalidKeyCharacter { .. })
    ));
    let err = DataObject::from_json_str(r#"{"pin":"1234","#).unwrap_err();
    assert!(matches!(err, ProtectedDataError::InvalidJson { .. }));
    assert!(!err.to_string().contains("1234"));

    // serde_json::Value input (sorted map unless preserve_order): same values.
    let value: serde_json::Value = serde_json::from_str(r#"{"b":true,"a":"x"}"#).unwrap();
    let from_value = DataObject::try_from(&value).unwrap();
    assert_eq!(from_value.get("b"), Some(&DataValue::Bool(true)));
    assert_eq!(from_value.len(), 2);
}

#[test]
fn i128_decimal_range() {
    let max = "170141183460469231731687303715884105727";
    let min = "-170141183460469231731687303715884105728";
    assert_eq!(
        DataValue::i128_from_decimal(max).unwrap(),
        DataValue::I128(i128::MAX)
    );
    assert_eq!(
        DataValue::i128_from_decimal(min).unwrap(),
        DataValue::I128(i128::MIN)
    );
    assert_eq!(
        DataValue::i128_from_decimal("-0").unwrap(),
        DataValue::I128(0)
    );
    for out in [
        "170141183460469231731687303715884105728",
        "-170141183460469231731687303715884105729",
        "99999999999999999999999999999999999999999999",
    ] {
        assert!(matches!(
            DataValue::i128_from_decimal(out),
            Err(ProtectedDataError::IntegerOutOfRange)
        ));
    }
    for bad in ["", "-", "+5", "1e3", "0x10", " 1", "1.0"] {
        assert!(matches!(
            DataValue::i128_from_decimal(bad),
            Err(ProtectedDataError::InvalidInteger)
        ));
    }
}

#[test]
fn schema_inference_covers_every_type() {
    let obj: DataObject = [
        ("b", DataValue::Bool(false)),
        ("f", DataValue::F64(1.5)),
        ("i", DataValue::I128(-3)),
        ("s", DataValue::from("x")),
        ("png", DataValue::Binary(b"\x89PNG\r\n\x1a\nrest".to_vec())),
        ("bin", DataValue::Binary(vec![1, 2, 3])),
        (
            "o",
            nested(vec![
                ("10", true.into()),
                ("9", 2.0.into()),
                ("e", nested(vec![])),
            ]),
        ),
    ]
    .into_iter()
    .collect();
    let schema = Schema::from_data(&obj);
    assert_eq!(
        schema.to_json_string(),
        r#"{"b":"bool","f":"f64","i":"i128","s":"string","png":"image/png","bin":"application/octet-stream","o":{"9":"f64","10":"bool","e":{}}}"#
    );
    assert_eq!(
        schema.get_path("o.10"),
        Some(&SchemaNode::Type(SchemaType::Bool))
    );
    let ids: Vec<_> = schema.flatten().iter().map(FlatSchemaEntry::id).collect();
    assert_eq!(
        ids,
        [
            "b:bool",
            "f:f64",
            "i:i128",
            "s:string",
            "png:image/png",
            "bin:application/octet-stream",
            "o.9:f64",
            "o.10:bool",
        ]
    );
    // Every type name parses back.
    for t in MimeType::ALL.map(SchemaType::Mime).into_iter().chain([
        SchemaType::Bool,
        SchemaType::F64,
        SchemaType::I128,
        SchemaType::String,
        SchemaType::LegacyBoolean,
        SchemaType::LegacyNumber,
    ]) {
        assert_eq!(SchemaType::parse(t.as_str()), Some(t));
    }
}
