//! Schema filters: DataProtector's `requiredSchema` flattened to `path:type` entries.

use serde_json::Value;

use super::MAX_SCHEMA_ENTRIES;
use crate::error::ApiError;
use confide_crypto::protected_data::SchemaType;

/// The deepest nesting of a required schema.
const MAX_SCHEMA_DEPTH: usize = 16;

/// What a schema filter requires: every `required` entry, and one entry of each `any_of`
/// group (DataProtector: `schema_contains` of the single types, an `or` per type array).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaFilter {
    pub required: Vec<String>,
    pub any_of: Vec<Vec<String>>,
}

impl SchemaFilter {
    /// No condition.
    pub fn is_empty(&self) -> bool {
        self.required.is_empty() && self.any_of.is_empty()
    }

    fn entries(&self) -> usize {
        self.required.len() + self.any_of.iter().map(Vec::len).sum::<usize>()
    }

    /// Flattens a required schema as DataProtector's SDK does: nested objects join keys with
    /// `.`, a type array of one type is a single type, of more an alternative.
    pub fn from_required_schema(schema: &Value) -> Result<Self, ApiError> {
        let Value::Object(members) = schema else {
            return Err(ApiError::InvalidSchema(
                "requiredSchema must be a JSON object".into(),
            ));
        };
        let mut filter = Self::default();
        filter.add_members(members, "", 1)?;
        filter.check_size()?;
        Ok(filter)
    }

    fn add_members(
        &mut self,
        members: &serde_json::Map<String, Value>,
        parent: &str,
        depth: usize,
    ) -> Result<(), ApiError> {
        if depth > MAX_SCHEMA_DEPTH {
            return Err(ApiError::InvalidSchema(format!(
                "requiredSchema is nested deeper than {MAX_SCHEMA_DEPTH}"
            )));
        }
        for (key, value) in members {
            check_key(key)?;
            let path = if parent.is_empty() {
                key.clone()
            } else {
                format!("{parent}.{key}")
            };
            match value {
                Value::String(type_name) => self.required.push(entry(&path, type_name)?),
                Value::Array(alternatives) => {
                    let mut group = Vec::with_capacity(alternatives.len());
                    for alternative in alternatives {
                        let Value::String(type_name) = alternative else {
                            return Err(ApiError::InvalidSchema(format!(
                                "the types of {path:?} must be strings"
                            )));
                        };
                        group.push(entry(&path, type_name)?);
                    }
                    match group.len() {
                        0 => {
                            return Err(ApiError::InvalidSchema(format!(
                                "{path:?} has an empty list of types"
                            )));
                        }
                        1 => self.required.append(&mut group),
                        _ => self.any_of.push(group),
                    }
                }
                Value::Object(nested) => self.add_members(nested, &path, depth + 1)?,
                _ => {
                    return Err(ApiError::InvalidSchema(format!(
                        "{path:?} must be a type name, a list of type names or an object"
                    )));
                }
            }
            if self.entries() > MAX_SCHEMA_ENTRIES {
                break;
            }
        }
        Ok(())
    }

    /// Adds a required `path:type` entry (a `schema=` parameter).
    pub fn add_entry(&mut self, text: &str) -> Result<(), ApiError> {
        let (path, type_name) = text.split_once(':').ok_or_else(|| {
            ApiError::InvalidSchema(format!("schema entry {text:?} is not path:type"))
        })?;
        for key in path.split('.') {
            check_key(key)?;
        }
        self.required.push(entry(path, type_name)?);
        self.check_size()
    }

    fn check_size(&self) -> Result<(), ApiError> {
        if self.entries() > MAX_SCHEMA_ENTRIES {
            return Err(ApiError::InvalidSchema(format!(
                "more than {MAX_SCHEMA_ENTRIES} schema entries"
            )));
        }
        Ok(())
    }
}

/// DataProtector's key rule: not empty, `[a-zA-Z0-9_-]` only.
fn check_key(key: &str) -> Result<(), ApiError> {
    if key.is_empty() {
        return Err(ApiError::InvalidSchema("empty key in the schema".into()));
    }
    if !key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(ApiError::InvalidSchema(format!(
            "key {key:?} has characters outside [a-zA-Z0-9_-]"
        )));
    }
    Ok(())
}

/// `path:type`, the type checked.
fn entry(path: &str, type_name: &str) -> Result<String, ApiError> {
    match SchemaType::parse(type_name) {
        Some(schema_type) => Ok(format!("{path}:{schema_type}")),
        None => Err(ApiError::InvalidSchema(format!(
            "unknown type {type_name:?} for {path:?}"
        ))),
    }
}
