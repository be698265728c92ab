//! The protected-data schema: key → type name or nested schema, as stored on-chain in the
//! `DatasetSchema` event (`JSON.stringify` of DataProtector's `extractDataSchema`).

use std::collections::HashSet;
use std::fmt;

use super::error::ProtectedDataError;
use super::json::{JsonNode, write_js_string};
use super::jsorder::JsMap;
use super::mime::{MimeType, detect_mime};
use super::value::{DataObject, DataValue, check_key, join_path};
use super::{PATH_SEPARATOR, Result};

/// A schema type name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SchemaType {
    /// `bool` (borsh bool).
    Bool,
    /// `f64` (borsh f64).
    F64,
    /// `i128` (borsh i128).
    I128,
    /// `string` (borsh string; raw UTF-8 in legacy data).
    String,
    /// Legacy `boolean` (DataProtector v0/v1), one byte like borsh bool.
    LegacyBoolean,
    /// Legacy `number` (DataProtector v0/v1), decimal text.
    LegacyNumber,
    /// A supported MIME type: raw bytes.
    Mime(MimeType),
}

impl SchemaType {
    /// The type name as written in schemas.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Bool => "bool",
            Self::F64 => "f64",
            Self::I128 => "i128",
            Self::String => "string",
            Self::LegacyBoolean => "boolean",
            Self::LegacyNumber => "number",
            Self::Mime(mime) => mime.as_str(),
        }
    }

    /// Parses a type name: borsh types, legacy `boolean`/`number`, supported MIME types.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "bool" => Self::Bool,
            "f64" => Self::F64,
            "i128" => Self::I128,
            "string" => Self::String,
            "boolean" => Self::LegacyBoolean,
            "number" => Self::LegacyNumber,
            other => Self::Mime(MimeType::parse(other)?),
        })
    }

    /// The type `extractDataSchema` gives to a leaf value (`None` for objects).
    pub fn of_value(value: &DataValue) -> Option<Self> {
        Some(match value {
            DataValue::Bool(_) => Self::Bool,
            DataValue::F64(_) => Self::F64,
            DataValue::I128(_) => Self::I128,
            DataValue::String(_) => Self::String,
            DataValue::Binary(bytes) => Self::Mime(detect_mime(bytes)),
            DataValue::Object(_) => return None,
        })
    }
}

impl fmt::Display for SchemaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A schema value: a type name or a nested schema.
#[derive(Clone, Debug, PartialEq)]
pub enum SchemaNode {
    /// A leaf.
    Type(SchemaType),
    /// A nested object.
    Object(Schema),
}

/// A protected-data schema, keys in JavaScript own-property order (so that
/// [`Schema::to_json_string`] equals the reference's `JSON.stringify(schema)`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema(JsMap<SchemaNode>);

/// One flattened schema leaf, as indexed by DataProtector's subgraph (`SchemaEntry`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FlatSchemaEntry {
    /// Dotted key path.
    pub path: String,
    /// Leaf type.
    pub schema_type: SchemaType,
}

impl FlatSchemaEntry {
    /// The subgraph id: `"<path>:<type>"`, e.g. `"meta.age:f64"`.
    pub fn id(&self) -> String {
        format!("{}:{}", self.path, self.schema_type)
    }
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Self {
        Self(JsMap::new())
    }

    /// The schema of a data object (`extractDataSchema`): leaf types, MIME detection for
    /// binaries, nested schemas for nested objects (empty ones included).
    pub fn from_data(data: &DataObject) -> Self {
        let mut schema = Self::new();
        for (key, value) in data.iter() {
            let node = match value {
                DataValue::Object(nested) => SchemaNode::Object(Self::from_data(nested)),
                leaf => match SchemaType::of_value(leaf) {
                    Some(t) => SchemaNode::Type(t),
                    None => continue,
                },
            };
            schema.0.insert(key.to_owned(), node);
        }
        schema
    }

    /// Sets a direct key (no validation; see [`Schema::from_json_str`] for checked input).
    pub fn insert(&mut self, key: impl Into<String>, node: SchemaNode) -> Option<SchemaNode> {
        self.0.insert(key.into(), node)
    }

    /// Node of a direct key.
    pub fn get(&self, key: &str) -> Option<&SchemaNode> {
        self.0.get(key)
    }

    /// Node at a dotted path.
    pub fn get_path(&self, path: &str) -> Option<&SchemaNode> {
        let mut keys = path.split(PATH_SEPARATOR);
        let mut current = self.get(keys.next()?)?;
        for key in keys {
            match current {
                SchemaNode::Object(schema) => current = schema.get(key)?,
                SchemaNode::Type(_) => return None,
            }
        }
        Some(current)
    }

    /// Entries in JavaScript order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &SchemaNode)> {
        self.0.iter()
    }

    /// Number of direct keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No keys.
    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// `JSON.stringify(schema)`: compact, keys in JavaScript order.
    pub fn to_json_string(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn write_json(&self, out: &mut String) {
        out.push('{');
        for (i, (key, node)) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_js_string(out, key);
            out.push(':');
            match node {
                SchemaNode::Type(t) => write_js_string(out, t.as_str()),
                SchemaNode::Object(nested) => nested.write_json(out),
            }
        }
        out.push('}');
    }

    /// Parses a schema JSON (keys reordered as `JSON.parse` does). Strict: keys must follow the
    /// key rule, leaves must be known type names (legacy `boolean`/`number` accepted), values
    /// must be strings or objects.
    pub fn from_json_str(text: &str) -> Result<Self> {
        match JsonNode::parse(text)? {
            JsonNode::Object(members) => Self::from_members(members, ""),
            other => Err(ProtectedDataError::NotAnObject {
                found: other.kind(),
            }),
        }
    }

    fn from_members(members: Vec<(String, JsonNode)>, parent: &str) -> Result<Self> {
        let mut schema = Self::new();
        for (key, node) in members {
            check_key(parent, &key)?;
            let path = join_path(parent, &key);
            let node = match node {
                JsonNode::String(name) => match SchemaType::parse(&name) {
                    Some(t) => SchemaNode::Type(t),
                    None => {
                        return Err(ProtectedDataError::UnknownSchemaType { path, found: name });
                    }
                },
                JsonNode::Object(nested) => SchemaNode::Object(Self::from_members(nested, &path)?),
                other => {
                    return Err(ProtectedDataError::InvalidSchemaEntry {
                        path,
                        found: other.kind(),
                    });
                }
            };
            schema.0.insert(key, node);
        }
        Ok(schema)
    }

    /// Leaves as `path:type` entries, depth first in key order (empty nested objects yield
    /// nothing).
    pub fn flatten(&self) -> Vec<FlatSchemaEntry> {
        let mut out = Vec::new();
        self.flatten_into("", &mut out);
        out
    }

    fn flatten_into(&self, parent: &str, out: &mut Vec<FlatSchemaEntry>) {
        for (key, node) in self.iter() {
            let path = join_path(parent, key);
            match node {
                SchemaNode::Type(t) => out.push(FlatSchemaEntry {
                    path,
                    schema_type: *t,
                }),
                SchemaNode::Object(nested) => nested.flatten_into(&path, out),
            }
        }
    }

    /// Flattens an arbitrary on-chain schema string the way DataProtector's subgraph indexes
    /// it: members in document order; members with an empty key or a key outside
    /// `[a-zA-Z0-9_-]`, with an unknown type name or a non-string non-object value are skipped
    /// (with their subtree). Each entry appears once (the subgraph's list repeats entries of
    /// nested objects; its `SchemaEntry` ids are unique). Invalid JSON → no entries; a JSON
    /// value that is not an object → error.
    pub fn flatten_json_lenient(text: &str) -> Result<Vec<FlatSchemaEntry>> {
        let members = match JsonNode::parse(text) {
            Ok(JsonNode::Object(members)) => members,
            Ok(other) => {
                return Err(ProtectedDataError::NotAnObject {
                    found: other.kind(),
                });
            }
            Err(_) => return Ok(Vec::new()),
        };
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        lenient_into(&members, "", &mut out, &mut seen);
        Ok(out)
    }

    /// Rebuilds a nested schema from `path:type` ids (DataProtector's `reverseSafeSchema`).
    /// Errors on malformed ids, unknown types and paths that go through a leaf.
    pub fn from_flat_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Result<Self> {
        let mut schema = Self::new();
        for id in ids {
            let malformed = || ProtectedDataError::InvalidFlatSchemaEntry {
                entry: id.to_owned(),
            };
            let (path, type_name) = id.split_once(':').ok_or_else(malformed)?;
            let schema_type = SchemaType::parse(type_name).ok_or_else(malformed)?;
            let keys: Vec<&str> = path.split(PATH_SEPARATOR).collect();
            for (i, key) in keys.iter().enumerate() {
                let parent = keys.get(..i).unwrap_or_default().join(".");
                check_key(&parent, key)?;
            }
            schema.insert_path(&keys, SchemaNode::Type(schema_type), true)?;
        }
        Ok(schema)
    }

    /// Inserts `node` at `keys`, creating intermediate objects. A leaf in the way is an error;
    /// an existing node at the target is replaced only if `replace`, else `DuplicatePath` —
    /// except that an object may be "inserted" over an existing object (no-op merge).
    pub(crate) fn insert_path(
        &mut self,
        keys: &[&str],
        node: SchemaNode,
        replace: bool,
    ) -> Result<()> {
        let Some((last, parents)) = keys.split_last() else {
            return Err(ProtectedDataError::EmptyKey {
                parent: String::new(),
            });
        };
        let mut current = self;
        for (depth, key) in parents.iter().enumerate() {
            if current.get(key).is_none() {
                current
                    .0
                    .insert((*key).to_owned(), SchemaNode::Object(Schema::new()));
            }
            current = match current.0.get_mut(key) {
                Some(SchemaNode::Object(nested)) => nested,
                _ => {
                    return Err(ProtectedDataError::PathThroughLeaf {
                        path: keys.join("."),
                        leaf: keys.get(..=depth).unwrap_or_default().join("."),
                    });
                }
            };
        }
        match (current.get(last), &node) {
            (None, _) => {}
            (Some(SchemaNode::Object(_)), SchemaNode::Object(_)) => return Ok(()),
            (Some(_), _) if replace => {}
            (Some(_), _) => {
                return Err(ProtectedDataError::DuplicatePath {
                    path: keys.join("."),
                });
            }
        }
        current.0.insert((*last).to_owned(), node);
        Ok(())
    }
}

fn lenient_into(
    members: &[(String, JsonNode)],
    parent: &str,
    out: &mut Vec<FlatSchemaEntry>,
    seen: &mut HashSet<String>,
) {
    for (key, node) in members {
        if check_key(parent, key).is_err() {
            continue;
        }
        let path = join_path(parent, key);
        match node {
            JsonNode::Object(nested) => lenient_into(nested, &path, out, seen),
            JsonNode::String(name) => {
                if let Some(schema_type) = SchemaType::parse(name) {
                    let entry = FlatSchemaEntry { path, schema_type };
                    if seen.insert(entry.id()) {
                        out.push(entry);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_example() {
        let text = r#"{"email":"string","photo":"image/png","meta":{"age":"f64"}}"#;
        let schema = Schema::from_json_str(text).unwrap();
        assert_eq!(schema.to_json_string(), text);
        let ids: Vec<_> = schema.flatten().iter().map(FlatSchemaEntry::id).collect();
        assert_eq!(ids, ["email:string", "photo:image/png", "meta.age:f64"]);
        assert_eq!(
            Schema::from_flat_ids(ids.iter().map(String::as_str)).unwrap(),
            schema
        );
    }

    #[test]
    fn parse_reorders_like_json_parse_and_accepts_legacy_types() {
        let schema =
            Schema::from_json_str(r#"{"b":"boolean","10":"number","2":{"x":"string"}}"#).unwrap();
        assert_eq!(
            schema.to_json_string(),
            r#"{"2":{"x":"string"},"10":"number","b":"boolean"}"#
        );
        assert_eq!(
            schema.get("b"),
            Some(&SchemaNode::Type(SchemaType::LegacyBoolean))
        );
    }

    #[test]
    fn strict_parse_errors() {
        let err = Schema::from_json_str(r#"{"a":{"b":"text/plain"}}"#).unwrap_err();
        assert!(
            matches!(err, ProtectedDataError::UnknownSchemaType { ref path, .. } if path == "a.b")
        );
        let err = Schema::from_json_str(r#"{"a":{"b.c":"bool"}}"#).unwrap_err();
        assert!(
            matches!(err, ProtectedDataError::InvalidKeyCharacter { ref path } if path == "a.b.c")
        );
        let err = Schema::from_json_str(r#"{"a":{"":"bool"}}"#).unwrap_err();
        assert!(matches!(err, ProtectedDataError::EmptyKey { ref parent } if parent == "a"));
        let err = Schema::from_json_str(r#"{"a":1}"#).unwrap_err();
        assert!(matches!(
            err,
            ProtectedDataError::InvalidSchemaEntry {
                found: "number",
                ..
            }
        ));
        let err = Schema::from_json_str("[]").unwrap_err();
        assert!(matches!(
            err,
            ProtectedDataError::NotAnObject { found: "array" }
        ));
    }

    #[test]
    fn lenient_flatten_skips_like_the_subgraph() {
        let text = r#"{"ok":"bool"," ":"bool","a b":"f64","x":{"y":"video/webm","z":"number","w":{}},"n":3,"ok2":["bool"],"m":{"p":"i128","q":"string"}}"#;
        let ids: Vec<_> = Schema::flatten_json_lenient(text)
            .unwrap()
            .iter()
            .map(FlatSchemaEntry::id)
            .collect();
        assert_eq!(ids, ["ok:bool", "x.z:number", "m.p:i128", "m.q:string"]);
        assert!(
            Schema::flatten_json_lenient("{not json")
                .unwrap()
                .is_empty()
        );
        assert!(Schema::flatten_json_lenient("\"s\"").is_err());
    }

    #[test]
    fn flat_ids_errors() {
        assert!(Schema::from_flat_ids(["a:bool", "a.b:bool"]).is_err());
        assert!(Schema::from_flat_ids(["a"]).is_err());
        assert!(Schema::from_flat_ids(["a:text/plain"]).is_err());
        assert!(Schema::from_flat_ids([":bool"]).is_err());
        // A later id replaces an earlier leaf at the same path (`current[finalKey] = type`).
        let s = Schema::from_flat_ids(["a:bool", "a:f64"]).unwrap();
        assert_eq!(s.to_json_string(), r#"{"a":"f64"}"#);
    }
}
