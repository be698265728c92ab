//! DataProtector v2 serialization: the "protected data" format.
//!
//! A protected data is a [`DataObject`] (nested objects whose leaves are booleans, numbers,
//! 128-bit integers, strings or binary blobs) serialized to a zip archive:
//!
//! - one zip entry per leaf, named by the `/`-joined key path; every nested object also gets a
//!   folder entry (`"a/"`), written before its children; entries are `Stored` (no compression);
//! - leaf contents are borsh-encoded, little-endian: `bool` → 1 byte (0/1), `f64` → 8 bytes
//!   IEEE-754, `i128` → 16 bytes two's complement, `string` → u32 byte length + UTF-8; binary
//!   leaves are stored raw;
//! - the [`Schema`] (`{"email":"string","photo":"image/png","meta":{"age":"f64"}}`) maps every
//!   key to its type name; binary leaves get the MIME type detected from their first bytes
//!   ([`detect_mime`]).
//!
//! Key order follows JavaScript object semantics (keys that are canonical array indices such as
//! `"0"`, `"10"` come first in ascending numeric order, then the other keys in insertion order),
//! so that [`Schema::to_json_string`] is byte-identical to `JSON.stringify` of iExec's
//! `extractDataSchema` and the zip entries come in the same order as `createZipFromObject`.
//!
//! Writing: [`serialize`] for in-memory objects, [`ProtectedDataWriter`] to stream large files.
//! Reading: [`ProtectedDataReader`], with the decoding modes of
//! `@iexec/dataprotector-deserializer` ([`DecodeMode`]) and [`ReadLimits`] against hostile
//! archives (checked on declared sizes and enforced while decompressing).

mod archive;
mod borsh;
mod error;
mod jsnumber;
mod json;
mod jsorder;
mod mime;
mod reader;
mod schema;
mod value;
mod writer;

pub use archive::{EntryInfo, EntryReader, ReadLimits};
pub use error::ProtectedDataError;
pub use mime::{MIME_SNIFF_LEN, MimeType, detect_mime};
pub use reader::{DecodeMode, ProtectedDataReader};
pub use schema::{FlatSchemaEntry, Schema, SchemaNode, SchemaType};
pub use value::{DataObject, DataValue};
pub use writer::{ProtectedDataWriter, serialize};

/// Separator of key paths in the API (`"a.b.c"`); zip entry names use `/` instead.
pub const PATH_SEPARATOR: char = '.';

/// Result alias of this module.
pub type Result<T, E = ProtectedDataError> = std::result::Result<T, E>;
