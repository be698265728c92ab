//! Errors of the protected-data module. Messages name key paths and sizes, never values.

use std::io;

/// Everything that can go wrong while building, writing or reading a protected data.
///
/// Paths are dotted key paths (`"meta.age"`), printed with `{:?}` so that control characters in
/// hostile keys stay visible. No variant carries a data value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProtectedDataError {
    // --- Data model and validation -------------------------------------------------------
    /// A key is the empty string (`parent` is the dotted path of the object holding it).
    #[error("unsupported empty key in object {parent:?}")]
    EmptyKey {
        /// Dotted path of the parent object (`""` at the top level).
        parent: String,
    },
    /// A key contains a character outside `[a-zA-Z0-9_-]`.
    #[error("unsupported special character in key {path:?} (allowed: a-z A-Z 0-9 - _)")]
    InvalidKeyCharacter {
        /// Dotted path ending with the offending key.
        path: String,
    },
    /// A number is NaN or infinite.
    #[error("unsupported non-finite number at {path:?}")]
    NonFiniteNumber {
        /// Dotted path of the value.
        path: String,
    },
    /// A JSON value has no protected-data equivalent (`null`, arrays).
    #[error("unsupported {found} value at {path:?}")]
    UnsupportedJsonValue {
        /// Dotted path of the value.
        path: String,
        /// `"null"` or `"array"`.
        found: &'static str,
    },
    /// The JSON document is not an object at the top level.
    #[error("expected a JSON object at the top level, got {found}")]
    NotAnObject {
        /// JSON kind found instead.
        found: &'static str,
    },
    /// The JSON text does not parse (position only, the text is not echoed).
    #[error("invalid JSON at line {line}, column {column}")]
    InvalidJson {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A decimal integer is not a valid i128 literal.
    #[error("invalid decimal integer")]
    InvalidInteger,
    /// An integer is outside the i128 range [-2^127, 2^127 - 1].
    #[error("integer out of i128 range")]
    IntegerOutOfRange,

    // --- Schema ----------------------------------------------------------------------------
    /// A schema leaf has a type name that is neither a borsh type, a legacy type nor a
    /// supported MIME type.
    #[error("unsupported type {found:?} in schema at {path:?}")]
    UnknownSchemaType {
        /// Dotted path of the entry.
        path: String,
        /// The type name found.
        found: String,
    },
    /// A schema value is neither a type name nor a nested schema.
    #[error("schema entry at {path:?} must be a type name or an object, got {found}")]
    InvalidSchemaEntry {
        /// Dotted path of the entry.
        path: String,
        /// JSON kind found.
        found: &'static str,
    },
    /// A flat `path:type` schema entry is malformed.
    #[error("malformed flat schema entry {entry:?}")]
    InvalidFlatSchemaEntry {
        /// The entry (a path and a type name: no data).
        entry: String,
    },

    // --- Writing ---------------------------------------------------------------------------
    /// The path is already used by a leaf (or, for a leaf, by anything).
    #[error("duplicate path {path:?}")]
    DuplicatePath {
        /// Dotted path.
        path: String,
    },
    /// A path goes through a leaf, as if it were an object.
    #[error("path {path:?} goes through the leaf {leaf:?}")]
    PathThroughLeaf {
        /// Dotted path requested.
        path: String,
        /// Dotted path of the leaf in the way.
        leaf: String,
    },
    /// A streamed file did not have the announced length.
    #[error("file {path:?}: expected {expected} bytes, the reader gave {got}{}", if *.more { " or more" } else { "" })]
    LengthMismatch {
        /// Dotted path of the leaf.
        path: String,
        /// Announced length.
        expected: u64,
        /// Bytes read (a lower bound when `more`).
        got: u64,
        /// The reader had more bytes than announced.
        more: bool,
    },
    /// A string is longer than a borsh string can hold (u32 length).
    #[error("string at {path:?} is longer than 4 GiB")]
    StringTooLong {
        /// Dotted path.
        path: String,
    },
    /// An earlier write failed: the archive is incomplete and the writer must be dropped.
    #[error("an earlier write failed; the archive is incomplete")]
    WriterPoisoned,
    /// The zip library refused an operation.
    #[error("zip writer: {0}")]
    Zip(#[from] zip::result::ZipError),

    // --- Reading: archive structure and limits ----------------------------------------------
    /// No end-of-central-directory record: not a zip, or truncated.
    #[error("not a zip archive (no end of central directory record; truncated?)")]
    NotAZip,
    /// The archive structure is inconsistent.
    #[error("corrupt zip archive: {reason}")]
    CorruptArchive {
        /// What is wrong.
        reason: &'static str,
    },
    /// More entries than allowed.
    #[error("too many zip entries: {declared} declared, limit {limit}")]
    TooManyEntries {
        /// Limit.
        limit: u64,
        /// Declared count.
        declared: u64,
    },
    /// Central directory larger than allowed.
    #[error("zip central directory too large: {declared} bytes declared, limit {limit}")]
    CentralDirectoryTooLarge {
        /// Limit.
        limit: u64,
        /// Declared size.
        declared: u64,
    },
    /// An entry declares more uncompressed bytes than allowed.
    #[error("zip entry #{index} too large: {declared} bytes declared, limit {limit}")]
    EntryTooLarge {
        /// Index of the entry in the central directory.
        index: usize,
        /// Limit.
        limit: u64,
        /// Declared uncompressed size.
        declared: u64,
    },
    /// The entries declare more uncompressed bytes in total than allowed.
    #[error("zip archive too large: {declared} uncompressed bytes declared, limit {limit}")]
    TotalSizeTooLarge {
        /// Limit.
        limit: u64,
        /// Sum of declared sizes (saturated).
        declared: u64,
    },
    /// An entry declares a compression ratio above the limit.
    #[error(
        "zip entry #{index}: compression ratio above {limit}:1 ({size} from {compressed} bytes)"
    )]
    CompressionRatioTooHigh {
        /// Index of the entry.
        index: usize,
        /// Limit.
        limit: u64,
        /// Declared uncompressed size.
        size: u64,
        /// Declared compressed size.
        compressed: u64,
    },
    /// An entry name is absolute, contains `..`, backslashes, empty components or is not
    /// UTF-8 (the name is not echoed).
    #[error("zip entry #{index} has an unsafe name")]
    UnsafeEntryName {
        /// Index of the entry.
        index: usize,
    },
    /// Two entries have the same name.
    #[error("zip entry #{index} duplicates the name of an earlier entry")]
    DuplicateEntryName {
        /// Index of the second entry.
        index: usize,
    },
    /// An entry is encrypted (zip encryption is not part of the format).
    #[error("zip entry #{index} is encrypted")]
    EncryptedEntry {
        /// Index of the entry.
        index: usize,
    },
    /// An entry uses a compression method other than stored (0) or deflate (8).
    #[error("zip entry #{index} uses unsupported compression method {method}")]
    UnsupportedCompression {
        /// Index of the entry.
        index: usize,
        /// Method id.
        method: u16,
    },
    /// Entry data ranges overlap (a zip-bomb construction).
    #[error("zip entries #{first} and #{second} overlap")]
    OverlappingEntries {
        /// Index of one entry.
        first: usize,
        /// Index of the other entry.
        second: usize,
    },

    // --- Reading: entry contents -------------------------------------------------------------
    /// No file entry at this path.
    #[error("no value at path {path:?}")]
    EntryNotFound {
        /// Dotted path (or entry name).
        path: String,
    },
    /// The decompressed data does not have the declared size (lying header or truncation).
    #[error("zip entry {entry:?}: data {} than the declared {declared} bytes", if *.longer { "longer" } else { "shorter" })]
    EntrySizeMismatch {
        /// Entry name.
        entry: String,
        /// Declared uncompressed size.
        declared: u64,
        /// The data is longer than declared (else shorter).
        longer: bool,
    },
    /// The entry's CRC-32 does not match its data.
    #[error("zip entry {entry:?}: CRC-32 mismatch")]
    ChecksumMismatch {
        /// Entry name.
        entry: String,
    },
    /// The entry's compressed stream is invalid.
    #[error("zip entry {entry:?}: corrupt compressed data")]
    CorruptEntryData {
        /// Entry name.
        entry: String,
    },
    /// This reader has decompressed more bytes in total than `max_total_size`.
    #[error("decompressed more than {limit} bytes in total")]
    TotalReadBudgetExceeded {
        /// Limit.
        limit: u64,
    },
    /// `get_value` refuses to load a value larger than `max_value_size` in memory.
    #[error(
        "value at {path:?} is {size} bytes, above the in-memory limit {limit}; stream it with open_entry"
    )]
    ValueTooLarge {
        /// Dotted path.
        path: String,
        /// Declared size.
        size: u64,
        /// Limit.
        limit: u64,
    },
    /// The schema type cannot be read in this mode (mirrors the reference deserializer).
    #[error("unsupported schema {schema_type:?} in {mode} mode (path {path:?})")]
    UnsupportedTypeInMode {
        /// Dotted path.
        path: String,
        /// Requested schema type.
        schema_type: String,
        /// Mode name.
        mode: &'static str,
    },
    /// The bytes do not decode as the requested type.
    #[error("failed to deserialize {path:?} as {schema_type:?} in {mode} mode")]
    Decode {
        /// Dotted path.
        path: String,
        /// Requested schema type.
        schema_type: String,
        /// Mode name.
        mode: &'static str,
    },

    /// I/O error of the underlying reader or writer.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}

impl ProtectedDataError {
    /// Unwraps a [`ProtectedDataError`] that travelled inside an [`io::Error`] (as returned by
    /// [`EntryReader`](super::EntryReader)'s `Read` implementation); other I/O errors become
    /// [`ProtectedDataError::Io`].
    pub fn from_io(err: io::Error) -> Self {
        if err.get_ref().is_some_and(|inner| inner.is::<Self>()) {
            match err.into_inner().map(|inner| inner.downcast::<Self>()) {
                Some(Ok(inner)) => return *inner,
                Some(Err(other)) => return Self::Io(io::Error::other(other)),
                None => return Self::Io(io::Error::other("unknown I/O error")),
            }
        }
        Self::Io(err)
    }

    /// Wraps this error into an [`io::Error`] (kind `InvalidData`, or the original kind for
    /// I/O errors) so that it can cross a `Read` implementation.
    pub(crate) fn into_io(self) -> io::Error {
        match self {
            Self::Io(err) => err,
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}
