//! Writing protected data: the zip layout of DataProtector's `createZipFromObject`, streamed.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Cursor, Read, Seek, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::error::ProtectedDataError;
use super::jsorder::array_index;
use super::mime::{MIME_SNIFF_LEN, MimeType, detect_mime};
use super::schema::{Schema, SchemaNode, SchemaType};
use super::value::{DataObject, DataValue, check_key, validate_value};
use super::{PATH_SEPARATOR, Result, borsh};

/// Streaming writer of a protected-data zip.
///
/// Entries are written in call order; parent folder entries are created on first use (like
/// JSZip's `createFolders`), before their children. Entries are stored uncompressed with a
/// fixed timestamp (1980-01-01), so the output is deterministic. Files of 4 GiB or more get
/// zip64 records. The [`Schema`] is built along (keys in JavaScript order).
///
/// Checks that need no I/O (key rule, duplicate paths, finite numbers) fail without touching
/// the archive. After an I/O failure or a length mismatch the archive is incomplete: every
/// later call returns [`ProtectedDataError::WriterPoisoned`] and the output must be discarded.
pub struct ProtectedDataWriter<W: Write + Seek> {
    zip: ZipWriter<W>,
    schema: Schema,
    poisoned: bool,
}

impl<W: Write + Seek> fmt::Debug for ProtectedDataWriter<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProtectedDataWriter")
            .field("schema", &self.schema)
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

fn options(large: bool) -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::default())
        .large_file(large)
}

/// Splits and checks a dotted path.
fn split_path(path: &str) -> Result<Vec<&str>> {
    let keys: Vec<&str> = path.split(PATH_SEPARATOR).collect();
    for (i, key) in keys.iter().enumerate() {
        check_key(&keys.get(..i).unwrap_or_default().join("."), key)?;
    }
    Ok(keys)
}

/// Reads until `buf` is full or the reader ends.
fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..).filter(|r| !r.is_empty()) {
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

impl<W: Write + Seek> ProtectedDataWriter<W> {
    /// Starts an archive on `writer`.
    pub fn new(writer: W) -> Self {
        Self {
            zip: ZipWriter::new(writer),
            schema: Schema::new(),
            poisoned: false,
        }
    }

    /// The schema of what has been written so far.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    fn usable(&self) -> Result<()> {
        if self.poisoned {
            Err(ProtectedDataError::WriterPoisoned)
        } else {
            Ok(())
        }
    }

    /// Runs an archive-modifying step; a failure poisons the writer.
    fn guarded<T>(&mut self, step: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let result = step(self);
        if result.is_err() {
            self.poisoned = true;
        }
        result
    }

    /// Checks that a node can be put at `keys` (`object`: a folder, which may merge with an
    /// existing one). Returns how many leading keys already exist as folders.
    fn check_free(&self, keys: &[&str], object: bool) -> Result<usize> {
        let mut schema = &self.schema;
        for (depth, key) in keys.iter().enumerate() {
            let last = depth + 1 == keys.len();
            match schema.get(key) {
                None => return Ok(depth),
                Some(SchemaNode::Object(nested)) if !last => schema = nested,
                Some(SchemaNode::Object(_)) if object => return Ok(depth + 1),
                Some(SchemaNode::Type(_)) if !last => {
                    return Err(ProtectedDataError::PathThroughLeaf {
                        path: keys.join("."),
                        leaf: keys.get(..=depth).unwrap_or_default().join("."),
                    });
                }
                Some(_) => {
                    return Err(ProtectedDataError::DuplicatePath {
                        path: keys.join("."),
                    });
                }
            }
        }
        Ok(keys.len())
    }

    /// Checks every leaf of `value` at `keys` before anything is written.
    fn check_value_free(&self, keys: &mut Vec<String>, value: &DataValue) -> Result<()> {
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        match value {
            DataValue::Object(obj) => {
                self.check_free(&refs, true)?;
                for (key, nested) in obj.iter() {
                    keys.push(key.to_owned());
                    self.check_value_free(keys, nested)?;
                    keys.pop();
                }
                Ok(())
            }
            _ => self.check_free(&refs, false).map(|_| ()),
        }
    }

    /// Writes folder entries for `keys[existing..up_to]` and records them in the schema.
    fn create_folders(&mut self, keys: &[&str], existing: usize, up_to: usize) -> Result<()> {
        for depth in existing..up_to {
            let prefix = keys.get(..=depth).unwrap_or_default();
            self.zip.add_directory(prefix.join("/"), options(false))?;
            self.schema
                .insert_path(prefix, SchemaNode::Object(Schema::new()), false)?;
        }
        Ok(())
    }

    /// Adds a value at a dotted path: a leaf (borsh-encoded, or raw bytes with the detected
    /// MIME type) or a nested object (a folder and its entries).
    pub fn add_value(&mut self, path: &str, value: &DataValue) -> Result<()> {
        self.usable()?;
        let keys = split_path(path)?;
        validate_value(path, value)?;
        let mut owned: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        self.check_value_free(&mut owned, value)?;
        self.guarded(|w| w.write_value(&keys, value))
    }

    fn write_value(&mut self, keys: &[&str], value: &DataValue) -> Result<()> {
        let existing = self.check_free(keys, matches!(value, DataValue::Object(_)))?;
        match value {
            DataValue::Object(obj) => {
                self.create_folders(keys, existing, keys.len())?;
                for (key, nested) in obj.iter() {
                    let mut child = keys.to_vec();
                    child.push(key);
                    self.write_value(&child, nested)?;
                }
                Ok(())
            }
            leaf => {
                self.create_folders(keys, existing, keys.len() - 1)?;
                let (payload, schema_type): (Cow<'_, [u8]>, SchemaType) = match leaf {
                    DataValue::Bool(v) => {
                        (borsh::encode_bool(*v).to_vec().into(), SchemaType::Bool)
                    }
                    DataValue::F64(v) => (borsh::encode_f64(*v).to_vec().into(), SchemaType::F64),
                    DataValue::I128(v) => {
                        (borsh::encode_i128(*v).to_vec().into(), SchemaType::I128)
                    }
                    DataValue::String(s) => {
                        let encoded = borsh::encode_string(s).ok_or_else(|| {
                            ProtectedDataError::StringTooLong {
                                path: keys.join("."),
                            }
                        })?;
                        (encoded.into(), SchemaType::String)
                    }
                    DataValue::Binary(bytes) => (
                        bytes.as_slice().into(),
                        SchemaType::Mime(detect_mime(bytes)),
                    ),
                    DataValue::Object(_) => return Ok(()),
                };
                let large = payload.len() as u64 >= u64::from(u32::MAX);
                self.zip.start_file(keys.join("/"), options(large))?;
                self.zip.write_all(&payload)?;
                self.schema
                    .insert_path(keys, SchemaNode::Type(schema_type), false)
            }
        }
    }

    /// Streams a binary leaf of exactly `len` bytes from `reader` (constant memory, any size;
    /// zip64 when `len` ≥ 4 GiB). The MIME type is detected from the first bytes and returned.
    pub fn add_file<R: Read>(&mut self, path: &str, mut reader: R, len: u64) -> Result<MimeType> {
        self.usable()?;
        let keys = split_path(path)?;
        let existing = self.check_free(&keys, false)?;
        let mismatch = |got: u64, more: bool| ProtectedDataError::LengthMismatch {
            path: path.to_owned(),
            expected: len,
            got,
            more,
        };
        let mut head = [0u8; MIME_SNIFF_LEN];
        let head_len = read_up_to(&mut reader, &mut head)?;
        let head = head.get(..head_len).unwrap_or_default();
        if head_len as u64 > len {
            return Err(mismatch(head_len as u64, true));
        }
        if (head_len as u64) < len && head_len < MIME_SNIFF_LEN {
            return Err(mismatch(head_len as u64, false));
        }
        let mime = detect_mime(head);
        self.guarded(|w| {
            w.create_folders(&keys, existing, keys.len() - 1)?;
            w.zip
                .start_file(keys.join("/"), options(len >= u64::from(u32::MAX)))?;
            w.zip.write_all(head)?;
            let mut written = head_len as u64;
            let mut buf = vec![0u8; 64 << 10];
            while written < len {
                let want = usize::try_from(len - written).map_or(buf.len(), |r| r.min(buf.len()));
                let chunk = buf.get_mut(..want).unwrap_or_default();
                let n = read_up_to(&mut reader, chunk)?;
                if n == 0 {
                    return Err(mismatch(written, false));
                }
                w.zip.write_all(chunk.get(..n).unwrap_or_default())?;
                written += n as u64;
            }
            if read_up_to(&mut reader, &mut [0u8; 1])? > 0 {
                return Err(mismatch(written, true));
            }
            w.schema
                .insert_path(&keys, SchemaNode::Type(SchemaType::Mime(mime)), false)
        })?;
        Ok(mime)
    }

    /// Writes the central directory; returns the writer and the schema.
    pub fn finish(self) -> Result<(W, Schema)> {
        self.usable()?;
        let Self { zip, schema, .. } = self;
        Ok((zip.finish()?, schema))
    }
}

/// Serializes a data object like `createZipFromObject` and computes its schema like
/// `extractDataSchema`. The object is validated first ([`DataObject::validate`]).
///
/// Entry order is the reference's: depth first in key order, except that top-level leaves
/// whose key is an array index (`"0"`, `"10"`) come first — JSZip keeps its entries in a
/// JavaScript object keyed by entry name, and only such names (no `/`) are array indices.
pub fn serialize(data: &DataObject) -> Result<(Vec<u8>, Schema)> {
    data.validate()?;
    let mut writer = ProtectedDataWriter::new(Cursor::new(Vec::new()));
    let index_leaf = |key: &str, value: &DataValue| {
        array_index(key).is_some() && !matches!(value, DataValue::Object(_))
    };
    for (key, value) in data.iter().filter(|(k, v)| index_leaf(k, v)) {
        writer.add_value(key, value)?;
    }
    for (key, value) in data.iter().filter(|(k, v)| !index_leaf(k, v)) {
        writer.add_value(key, value)?;
    }
    let (cursor, schema) = writer.finish()?;
    Ok((cursor.into_inner(), schema))
}
