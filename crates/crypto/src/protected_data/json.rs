//! A JSON tree that keeps object members in document order (serde_json's `Map` sorts keys
//! unless `preserve_order` is enabled), so that we can apply JavaScript's `JSON.parse` order.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::error::ProtectedDataError;

/// A parsed JSON value. Numbers are f64 like in JavaScript; array contents are not kept (no
/// protected-data structure accepts arrays).
#[derive(Debug)]
pub(crate) enum JsonNode {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array,
    Object(Vec<(String, JsonNode)>),
}

impl JsonNode {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "boolean",
            Self::Number(_) => "number",
            Self::String(_) => "string",
            Self::Array => "array",
            Self::Object(_) => "object",
        }
    }

    /// Parses JSON text; errors report a position only (the text may hold secrets).
    pub(crate) fn parse(text: &str) -> Result<Self, ProtectedDataError> {
        serde_json::from_str(text).map_err(|err| ProtectedDataError::InvalidJson {
            line: err.line(),
            column: err.column(),
        })
    }

    /// Converts a `serde_json::Value` (member order is that of its `Map`).
    pub(crate) fn from_value(value: &serde_json::Value) -> Self {
        match value {
            serde_json::Value::Null => Self::Null,
            serde_json::Value::Bool(b) => Self::Bool(*b),
            serde_json::Value::Number(n) => Self::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Self::String(s.clone()),
            serde_json::Value::Array(_) => Self::Array,
            serde_json::Value::Object(map) => Self::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), Self::from_value(v)))
                    .collect(),
            ),
        }
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = JsonNode;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<JsonNode, E> {
        Ok(JsonNode::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<JsonNode, E> {
        Ok(JsonNode::Null)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<JsonNode, E> {
        Ok(JsonNode::Bool(v))
    }

    // Integer → f64 conversions round to nearest, ties to even: the same double JavaScript
    // parses from the decimal text.
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<JsonNode, E> {
        Ok(JsonNode::Number(v as f64))
    }

    #[allow(clippy::cast_precision_loss)]
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<JsonNode, E> {
        Ok(JsonNode::Number(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<JsonNode, E> {
        Ok(JsonNode::Number(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<JsonNode, E> {
        Ok(JsonNode::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<JsonNode, E> {
        Ok(JsonNode::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<JsonNode, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(JsonNode::Array)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonNode, A::Error> {
        let mut members = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, JsonNode>()? {
            members.push((key, value));
        }
        Ok(JsonNode::Object(members))
    }
}

impl<'de> Deserialize<'de> for JsonNode {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

/// Appends `s` as a JSON string literal exactly as `JSON.stringify` writes it.
pub(crate) fn write_js_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_document_order() {
        let node = JsonNode::parse(r#"{"b":1,"a":{"z":true,"y":null},"c":[1,[2]]}"#).unwrap();
        let JsonNode::Object(members) = node else {
            panic!("object expected")
        };
        let keys: Vec<_> = members.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "c"]);
        assert!(matches!(members[2].1, JsonNode::Array));
    }

    #[test]
    fn negative_zero_and_big_integers_are_f64() {
        let JsonNode::Object(m) =
            JsonNode::parse(r#"{"z":-0,"big":18446744073709551617,"max":9007199254740993}"#)
                .unwrap()
        else {
            panic!()
        };
        let JsonNode::Number(z) = m[0].1 else {
            panic!()
        };
        assert!(z == 0.0 && z.is_sign_negative());
        assert!(matches!(m[1].1, JsonNode::Number(v) if v == 18_446_744_073_709_551_616.0));
        assert!(matches!(m[2].1, JsonNode::Number(v) if v == 9_007_199_254_740_992.0));
    }

    #[test]
    fn errors_do_not_echo_text() {
        let err = JsonNode::parse("{\"k\": \"secret-value").unwrap_err();
        assert!(!err.to_string().contains("secret"));
        assert!(matches!(
            err,
            ProtectedDataError::InvalidJson { line: 1, .. }
        ));
    }

    #[test]
    fn js_string_escapes() {
        let mut out = String::new();
        write_js_string(&mut out, "a\"\\\u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f}é/");
        assert_eq!(out, "\"a\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\u{7f}é/\"");
    }
}
