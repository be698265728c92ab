//! Reading protected data the way iApps do with `@iexec/dataprotector-deserializer`.

use std::fmt;
use std::io::{Read, Seek};

use super::archive::{Archive, EntryInfo, EntryReader, ReadLimits};
use super::error::ProtectedDataError;
use super::schema::{Schema, SchemaNode};
use super::value::{DataObject, DataValue, join_path};
use super::{PATH_SEPARATOR, Result, borsh, jsnumber};

/// How `get_value` decodes entries (the reference deserializer's `mode` option).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum DecodeMode {
    /// Borsh, but `string` falls back to raw UTF-8 when the borsh framing does not fit;
    /// legacy `number`/`boolean` accepted.
    #[default]
    Optimistic,
    /// Current (v2) data only: legacy `number`/`boolean` refused.
    Borsh,
    /// DataProtector v0/v1 data: `string` is raw UTF-8, `number` is decimal text parsed like
    /// JavaScript's `Number()`, `boolean` is one byte; `bool`/`f64`/`i128` refused.
    Legacy,
}

impl DecodeMode {
    /// The reference's name of the mode.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Optimistic => "optimistic",
            Self::Borsh => "borsh",
            Self::Legacy => "legacy",
        }
    }
}

impl fmt::Display for DecodeMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A protected-data zip opened for reading (see [`ReadLimits`] for the hostile-input bounds).
#[derive(Debug)]
pub struct ProtectedDataReader<R> {
    archive: Archive<R>,
}

/// Zip entry name of a dotted path (`"a.b"` → `"a/b"`).
fn entry_name(path: &str) -> String {
    path.replace(PATH_SEPARATOR, "/")
}

impl<R: Read + Seek> ProtectedDataReader<R> {
    /// Opens an archive with the default [`ReadLimits`].
    pub fn open(reader: R) -> Result<Self> {
        Self::open_with_limits(reader, ReadLimits::default())
    }

    /// Opens an archive: parses and checks the whole central directory and every local
    /// header against `limits` (nothing is decompressed yet).
    pub fn open_with_limits(reader: R, limits: ReadLimits) -> Result<Self> {
        Ok(Self {
            archive: Archive::open(reader, limits)?,
        })
    }

    /// Entries in archive order (files and folders).
    pub fn entries(&self) -> impl ExactSizeIterator<Item = &EntryInfo> {
        self.archive.entries()
    }

    /// Whether a file entry exists at the dotted path.
    pub fn contains(&self, path: &str) -> bool {
        self.archive.find_file(&entry_name(path)).is_some()
    }

    /// Streams the raw bytes of the value at a dotted path (binary leaves of any size).
    pub fn open_entry(&mut self, path: &str) -> Result<EntryReader<'_, R>> {
        self.archive
            .open_file(&entry_name(path))
            .map_err(|err| match err {
                ProtectedDataError::EntryNotFound { .. } => ProtectedDataError::EntryNotFound {
                    path: path.to_owned(),
                },
                other => other,
            })
    }

    /// Reads a whole entry in memory (bounded by `max_value_size`).
    fn read_bytes(&mut self, path: &str) -> Result<Vec<u8>> {
        let limit = self.archive.limits().max_value_size;
        let size = self
            .archive
            .find_file(&entry_name(path))
            .ok_or_else(|| ProtectedDataError::EntryNotFound {
                path: path.to_owned(),
            })?
            .size;
        if size > limit {
            return Err(ProtectedDataError::ValueTooLarge {
                path: path.to_owned(),
                size,
                limit,
            });
        }
        let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        self.open_entry(path)?
            .read_to_end(&mut out)
            .map_err(ProtectedDataError::from_io)?;
        Ok(out)
    }

    /// `getValue(path, schema)` of the reference deserializer.
    ///
    /// | `schema_type` | result |
    /// |---|---|
    /// | `bool`, `f64`, `i128` | borsh-decoded `Bool`/`F64`/`I128` (refused in `Legacy`) |
    /// | `string` | `String`: borsh; raw UTF-8 in `Legacy`; `Optimistic` falls back to raw |
    /// | `number` (legacy) | `F64` from decimal text via JavaScript `Number()` (may be NaN; refused in `Borsh`) |
    /// | `boolean` (legacy) | `Bool` from one byte (refused in `Borsh`) |
    /// | anything else | `Binary` raw bytes |
    ///
    /// Decoding is as lenient as the reference (borsh-js 2.0): trailing bytes are ignored and
    /// any non-zero byte is `true`. Invalid UTF-8 is replaced by U+FFFD (the reference's
    /// hand-written decoder produces other garbage for malformed sequences).
    pub fn get_value(
        &mut self,
        path: &str,
        schema_type: &str,
        mode: DecodeMode,
    ) -> Result<DataValue> {
        let bytes = self.read_bytes(path)?;
        let unsupported = || ProtectedDataError::UnsupportedTypeInMode {
            path: path.to_owned(),
            schema_type: schema_type.to_owned(),
            mode: mode.as_str(),
        };
        let failed = || ProtectedDataError::Decode {
            path: path.to_owned(),
            schema_type: schema_type.to_owned(),
            mode: mode.as_str(),
        };
        let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        Ok(match schema_type {
            "bool" | "f64" | "i128" if mode == DecodeMode::Legacy => return Err(unsupported()),
            "bool" => DataValue::Bool(borsh::decode_bool(&bytes).ok_or_else(failed)?),
            "f64" => DataValue::F64(borsh::decode_f64(&bytes).ok_or_else(failed)?),
            "i128" => DataValue::I128(borsh::decode_i128(&bytes).ok_or_else(failed)?),
            "string" => DataValue::String(match mode {
                DecodeMode::Legacy => lossy(&bytes),
                DecodeMode::Borsh => {
                    lossy(borsh::decode_string_payload(&bytes).ok_or_else(failed)?)
                }
                DecodeMode::Optimistic => {
                    borsh::decode_string_payload(&bytes).map_or_else(|| lossy(&bytes), lossy)
                }
            }),
            "number" | "boolean" if mode == DecodeMode::Borsh => return Err(unsupported()),
            "number" => DataValue::F64(jsnumber::string_to_number(&lossy(&bytes))),
            "boolean" => DataValue::Bool(borsh::decode_bool(&bytes).ok_or_else(failed)?),
            _ => DataValue::Binary(bytes),
        })
    }

    /// Reads every leaf named by `schema` into a [`DataObject`] (empty nested schemas give
    /// empty objects). Values are loaded in memory.
    pub fn read_object(&mut self, schema: &Schema, mode: DecodeMode) -> Result<DataObject> {
        self.read_object_at(schema, "", mode)
    }

    fn read_object_at(
        &mut self,
        schema: &Schema,
        parent: &str,
        mode: DecodeMode,
    ) -> Result<DataObject> {
        let mut obj = DataObject::new();
        for (key, node) in schema.iter() {
            let path = join_path(parent, key);
            let value = match node {
                SchemaNode::Type(t) => self.get_value(&path, t.as_str(), mode)?,
                SchemaNode::Object(nested) => {
                    DataValue::Object(self.read_object_at(nested, &path, mode)?)
                }
            };
            obj.insert(key, value);
        }
        Ok(obj)
    }

    /// The underlying reader.
    pub fn into_inner(self) -> R {
        self.archive.into_inner()
    }
}
