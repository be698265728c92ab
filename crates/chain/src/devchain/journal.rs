//! The append-only journal a dev chain is persisted in.
//!
//! File layout: the 8-byte magic `CNFDJRN1`, then records, each framed as
//! `len: u32 LE | kind: u8 | payload (RLP) | check: 4 bytes` where `len` counts kind and
//! payload and `check` is the first 4 bytes of `keccak256(kind ‖ payload)`. The first record
//! is the `JournalHeader`; then come the operations that change the chain, in order:
//! submitted transactions (interval mining), sealed blocks (timestamp, the raw transactions,
//! the transactions dropped from the pool, and the block's state root and hash to verify the
//! replay), and clock changes. Replaying the records from the genesis rebuilds the chain.
//!
//! Every append is written with one `write` and, unless disabled, `fdatasync`ed before the
//! operation returns. A crash can only tear the last record: at open, a record that is
//! incomplete or fails its check ends the journal, which is truncated there (with a warning).

use alloy_primitives::{B256, Bytes, keccak256};
use alloy_rlp::{Decodable, Encodable, RlpDecodable, RlpEncodable};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"CNFDJRN1";
/// Frame overhead: length and check (`len` counts the kind).
const FRAME: usize = 4 + 4;
/// Largest accepted record (a block of raw transactions).
const MAX_RECORD: usize = 256 << 20;

/// The first record: what the journal's chain is.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub(crate) struct JournalHeader {
    /// Format version (1).
    pub(crate) version: u64,
    pub(crate) chain_id: u64,
    pub(crate) genesis_timestamp: u64,
    pub(crate) genesis_hash: B256,
}

/// A sealed block.
#[derive(Debug, Clone, PartialEq, Eq, RlpEncodable, RlpDecodable)]
pub(crate) struct BlockRecord {
    pub(crate) timestamp: u64,
    /// Raw EIP-2718 transactions, in block order.
    pub(crate) txs: Vec<Bytes>,
    /// Hashes of pool transactions dropped while building the block.
    pub(crate) dropped: Vec<B256>,
    pub(crate) state_root: B256,
    pub(crate) hash: B256,
}

/// One journaled operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Record {
    Header(JournalHeader),
    /// A raw transaction admitted to the pool.
    Submit(Bytes),
    Block(BlockRecord),
    /// `evm_increaseTime`.
    IncreaseTime(u64),
    /// `evm_setNextBlockTimestamp`.
    SetNextTimestamp(u64),
}

impl Record {
    fn kind(&self) -> u8 {
        match self {
            Self::Header(_) => 0,
            Self::Submit(_) => 1,
            Self::Block(_) => 2,
            Self::IncreaseTime(_) => 3,
            Self::SetNextTimestamp(_) => 4,
        }
    }

    fn encode_payload(&self, out: &mut Vec<u8>) {
        match self {
            Self::Header(h) => h.encode(out),
            Self::Submit(raw) => raw.encode(out),
            Self::Block(b) => b.encode(out),
            Self::IncreaseTime(n) | Self::SetNextTimestamp(n) => n.encode(out),
        }
    }

    fn decode(kind: u8, mut payload: &[u8]) -> Option<Self> {
        let buf = &mut payload;
        let record = match kind {
            0 => Self::Header(JournalHeader::decode(buf).ok()?),
            1 => Self::Submit(Bytes::decode(buf).ok()?),
            2 => Self::Block(BlockRecord::decode(buf).ok()?),
            3 => Self::IncreaseTime(u64::decode(buf).ok()?),
            4 => Self::SetNextTimestamp(u64::decode(buf).ok()?),
            _ => return None,
        };
        buf.is_empty().then_some(record)
    }

    fn frame(&self, out: &mut Vec<u8>) {
        let mut body = vec![self.kind()];
        self.encode_payload(&mut body);
        let len = u32::try_from(body.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&body);
        out.extend_from_slice(&keccak256(&body)[..4]);
    }
}

/// Why the journal cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// Reading or writing failed.
    #[error("journal {}: {source}", path.display())]
    Io {
        /// The journal file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is not a journal, or its header is unreadable.
    #[error("{} is not a Confide dev-chain journal", path.display())]
    NotAJournal {
        /// The file.
        path: PathBuf,
    },
    /// An earlier write failed and could not be undone: the file may end with a partial record.
    #[error("journal {} is unusable after a failed write", path.display())]
    Broken {
        /// The journal file.
        path: PathBuf,
    },
}

/// An open journal, positioned at its end.
#[derive(Debug)]
pub(crate) struct Journal {
    file: File,
    path: PathBuf,
    /// Length of the valid content.
    len: u64,
    sync: bool,
    broken: bool,
}

impl Journal {
    /// Creates a journal holding only `header` (written to a temporary file, synced, renamed).
    pub(crate) fn create(
        path: &Path,
        header: JournalHeader,
        sync: bool,
    ) -> Result<Self, JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_owned(),
            source,
        };
        let tmp = path.with_extension("tmp");
        let mut buf = MAGIC.to_vec();
        Record::Header(header).frame(&mut buf);
        {
            let mut file = File::create(&tmp).map_err(io)?;
            file.write_all(&buf).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, path).map_err(io)?;
        if let Some(dir) = path.parent() {
            // Make the rename durable (directories cannot be opened for sync on every OS).
            if let Ok(dir) = File::open(dir) {
                let _ = dir.sync_all();
            }
        }
        let file = OpenOptions::new().append(true).open(path).map_err(io)?;
        Ok(Self {
            file,
            path: path.to_owned(),
            len: buf.len() as u64,
            sync,
            broken: false,
        })
    }

    /// Opens an existing journal and reads its records, truncating a torn tail.
    pub(crate) fn open(
        path: &Path,
        sync: bool,
    ) -> Result<(Self, JournalHeader, Vec<Record>), JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_owned(),
            source,
        };
        let not_a_journal = || JournalError::NotAJournal {
            path: path.to_owned(),
        };
        let mut bytes = Vec::new();
        File::open(path)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map_err(io)?;
        if bytes.get(..MAGIC.len()) != Some(&MAGIC[..]) {
            return Err(not_a_journal());
        }
        let (records, valid) = parse(&bytes[MAGIC.len()..]);
        let valid = (MAGIC.len() + valid) as u64;
        let mut records = records.into_iter();
        let Some(Record::Header(header)) = records.next() else {
            return Err(not_a_journal());
        };
        let file = OpenOptions::new().append(true).open(path).map_err(io)?;
        if valid < bytes.len() as u64 {
            tracing::warn!(
                journal = %path.display(),
                dropped_bytes = bytes.len() as u64 - valid,
                "journal ends with a torn or corrupt record (crash during a write?): truncating it"
            );
            file.set_len(valid).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        let journal = Self {
            file,
            path: path.to_owned(),
            len: valid,
            sync,
            broken: false,
        };
        Ok((journal, header, records.collect()))
    }

    /// Appends `records` with one write, synced unless syncing is off.
    pub(crate) fn append(&mut self, records: &[Record]) -> Result<(), JournalError> {
        if self.broken {
            return Err(JournalError::Broken {
                path: self.path.clone(),
            });
        }
        let mut buf = Vec::new();
        for record in records {
            record.frame(&mut buf);
        }
        let written = self.file.write_all(&buf).and_then(|()| {
            if self.sync {
                self.file.sync_data()
            } else {
                Ok(())
            }
        });
        match written {
            Ok(()) => {
                self.len += buf.len() as u64;
                Ok(())
            }
            Err(source) => {
                // Undo a partial write, or refuse further appends behind it.
                if self.file.set_len(self.len).is_err() {
                    self.broken = true;
                }
                Err(JournalError::Io {
                    path: self.path.clone(),
                    source,
                })
            }
        }
    }

    /// The journal's size in bytes.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }
}

/// The valid records at the start of `bytes` and the length they span.
fn parse(bytes: &[u8]) -> (Vec<Record>, usize) {
    let mut records = Vec::new();
    let mut at = 0;
    while let Some(record) = next(&bytes[at..]) {
        records.push(record.0);
        at += record.1;
    }
    (records, at)
}

/// The record at the start of `bytes` and its framed length.
fn next(bytes: &[u8]) -> Option<(Record, usize)> {
    let len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    if len == 0 || len > MAX_RECORD {
        return None;
    }
    let body = bytes.get(4..4 + len)?;
    let check = bytes.get(4 + len..8 + len)?;
    if keccak256(body)[..4] != *check {
        return None;
    }
    let record = Record::decode(body[0], &body[1..])?;
    Some((record, len + FRAME))
}
