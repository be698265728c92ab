//! The result zip a worker uploads, read defensively, and the result digest recomputed from it.
//!
//! Layout: the files of the task's `iexec_out`, `computed.json` at the root (a single
//! top-level `iexec_out/` directory is accepted too). The digest is the contract's
//! (poco.md §3.14): for a callback deal, keccak256 of `callback-data`; otherwise the SHA-256 of
//! the `deterministic-output-path` file, or for a directory keccak256 of its direct children's
//! SHA-256 in name order.
//!
//! The archive is read by [`confide_crypto::archive`]: in memory, hostile zips refused.

use alloy_primitives::{B256, hex};
use confide_crypto::archive::{ZipError, ZipLimits, is_plain_relative, read_files};
use confide_protocol::result::{
    ComputedFile, ResultDigestError, web2_file_digest, web2_tree_digest, web3_result_digest,
};

/// Largest `computed.json`.
const MAX_COMPUTED_JSON_BYTES: usize = 64 * 1024;

/// Why a result zip is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResultZipError {
    /// The archive itself is refused.
    #[error(transparent)]
    Archive(#[from] ZipError),
    /// No `computed.json`.
    #[error("no computed.json at the root of the zip")]
    MissingComputedJson,
    /// `computed.json` does not parse or lacks what the deal needs.
    #[error("computed.json: {0}")]
    InvalidComputedJson(String),
    /// The deterministic output is not in the zip.
    #[error("the deterministic output {0:?} is not in the zip")]
    MissingOutput(String),
    /// The deterministic output is empty.
    #[error("the deterministic output is empty")]
    EmptyOutput,
}

/// What a result zip proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipDigest {
    /// The recomputed result digest.
    pub digest: B256,
    /// The callback bytes (callback deals): what `finalize` passes as `resultsCallback`.
    pub callback_data: Option<Vec<u8>>,
}

/// Reads `zip` under `limits` and recomputes its result digest (`callback` for a deal with a
/// callback contract).
pub fn digest_of(
    zip: &[u8],
    limits: &ZipLimits,
    callback: bool,
) -> Result<ZipDigest, ResultZipError> {
    let files = read_files(zip, limits)?;
    let base = if files.contains_key("computed.json") {
        ""
    } else if files.contains_key("iexec_out/computed.json") {
        "iexec_out/"
    } else {
        return Err(ResultZipError::MissingComputedJson);
    };
    let computed_bytes = &files[&format!("{base}computed.json")];
    if computed_bytes.len() > MAX_COMPUTED_JSON_BYTES {
        return Err(ResultZipError::InvalidComputedJson(format!(
            "larger than {MAX_COMPUTED_JSON_BYTES} bytes"
        )));
    }
    let computed: ComputedFile = serde_json::from_slice(computed_bytes)
        .map_err(|e| ResultZipError::InvalidComputedJson(e.to_string()))?;
    if callback {
        let text = computed.callback_data.ok_or_else(|| {
            ResultZipError::InvalidComputedJson(
                "the deal has a callback and no callback-data".into(),
            )
        })?;
        let bytes = hex::decode(text.trim())
            .map_err(|e| ResultZipError::InvalidComputedJson(format!("callback-data: {e}")))?;
        return Ok(ZipDigest {
            digest: web3_result_digest(&bytes),
            callback_data: Some(bytes),
        });
    }
    let declared = computed.deterministic_output_path.ok_or_else(|| {
        ResultZipError::InvalidComputedJson("no deterministic-output-path".into())
    })?;
    let relative = output_path(&declared)?;
    let target = format!("{base}{relative}");
    let digest = if let Some(content) = files.get(&target) {
        web2_file_digest(content)
    } else {
        let prefix = if target.is_empty() || target.ends_with('/') {
            target.clone()
        } else {
            format!("{target}/")
        };
        let children: Vec<(Vec<u8>, B256)> = files
            .iter()
            .filter_map(|(name, content)| {
                let child = name.strip_prefix(&prefix)?;
                (!child.is_empty() && !child.contains('/'))
                    .then(|| (child.as_bytes().to_vec(), sha256(content)))
            })
            .collect();
        let is_directory = files.keys().any(|name| name.starts_with(&prefix));
        if !is_directory {
            return Err(ResultZipError::MissingOutput(declared));
        }
        web2_tree_digest(children)
    };
    let digest = digest.map_err(|ResultDigestError::EmptyOutput| ResultZipError::EmptyOutput)?;
    Ok(ZipDigest {
        digest,
        callback_data: None,
    })
}

/// `deterministic-output-path` relative to `iexec_out` (`/iexec_out/result.txt` →
/// `result.txt`; `/iexec_out` → the whole directory, "").
fn output_path(declared: &str) -> Result<String, ResultZipError> {
    let trimmed = declared.trim();
    let relative = trimmed
        .strip_prefix("/iexec_out")
        .or_else(|| trimmed.strip_prefix("iexec_out"))
        .map(|rest| rest.trim_start_matches('/'))
        .unwrap_or(trimmed);
    let relative = relative.trim_end_matches('/');
    if relative.is_empty() {
        return Ok(String::new());
    }
    if !is_plain_relative(relative) {
        return Err(ResultZipError::InvalidComputedJson(format!(
            "deterministic-output-path {declared:?} is not inside iexec_out"
        )));
    }
    Ok(relative.to_owned())
}

/// SHA-256 of a directory child (an empty child still counts, unlike a single-file output).
fn sha256(bytes: &[u8]) -> B256 {
    use sha2::Digest as _;
    B256::from(<[u8; 32]>::from(sha2::Sha256::digest(bytes)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::{Cursor, Write};
    use zip::write::SimpleFileOptions;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in entries {
            writer
                .start_file(*name, SimpleFileOptions::default())
                .unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn limits() -> ZipLimits {
        ZipLimits::default()
    }

    #[test]
    fn a_single_file_output_is_its_sha256() {
        let zip = zip_of(&[
            (
                "computed.json",
                br#"{"deterministic-output-path":"/iexec_out/result.txt"}"#,
            ),
            ("result.txt", b"hello"),
            ("other.txt", b"not hashed"),
        ]);
        let digest = digest_of(&zip, &limits(), false).unwrap();
        assert_eq!(digest.digest, web2_file_digest(b"hello").unwrap());
        assert_eq!(digest.callback_data, None);
        // Under an iexec_out/ directory too.
        let zip = zip_of(&[
            (
                "iexec_out/computed.json",
                br#"{"deterministic-output-path":"result.txt"}"#,
            ),
            ("iexec_out/result.txt", b"hello"),
        ]);
        assert_eq!(
            digest_of(&zip, &limits(), false).unwrap().digest,
            web2_file_digest(b"hello").unwrap()
        );
    }

    #[test]
    fn a_directory_output_hashes_its_direct_children_in_name_order() {
        let zip = zip_of(&[
            (
                "computed.json",
                br#"{"deterministic-output-path":"/iexec_out/out/"}"#,
            ),
            ("out/b.txt", b"b"),
            ("out/a.txt", b"a"),
            ("out/deeper/c.txt", b"ignored"),
        ]);
        let expected = web2_tree_digest(vec![
            (b"a.txt".to_vec(), sha256(b"a")),
            (b"b.txt".to_vec(), sha256(b"b")),
        ])
        .unwrap();
        assert_eq!(digest_of(&zip, &limits(), false).unwrap().digest, expected);
    }

    #[test]
    fn a_callback_deal_hashes_the_callback_bytes() {
        let zip = zip_of(&[("computed.json", br#"{"callback-data":"0x0001"}"#)]);
        let digest = digest_of(&zip, &limits(), true).unwrap();
        assert_eq!(digest.digest, web3_result_digest(&[0, 1]));
        assert_eq!(digest.callback_data, Some(vec![0, 1]));
        assert!(matches!(
            digest_of(&zip, &limits(), false),
            Err(ResultZipError::InvalidComputedJson(_))
        ));
    }

    #[test]
    fn missing_or_empty_outputs_are_refused() {
        let no_computed = zip_of(&[("result.txt", b"x")]);
        assert_eq!(
            digest_of(&no_computed, &limits(), false),
            Err(ResultZipError::MissingComputedJson)
        );
        let missing = zip_of(&[(
            "computed.json",
            br#"{"deterministic-output-path":"/iexec_out/nothing"}"#,
        )]);
        assert!(matches!(
            digest_of(&missing, &limits(), false),
            Err(ResultZipError::MissingOutput(_))
        ));
        let empty = zip_of(&[
            (
                "computed.json",
                br#"{"deterministic-output-path":"/iexec_out/r"}"#,
            ),
            ("r", b""),
        ]);
        assert_eq!(
            digest_of(&empty, &limits(), false),
            Err(ResultZipError::EmptyOutput)
        );
        let escaping = zip_of(&[(
            "computed.json",
            br#"{"deterministic-output-path":"/iexec_out/../etc/passwd"}"#,
        )]);
        assert!(matches!(
            digest_of(&escaping, &limits(), false),
            Err(ResultZipError::InvalidComputedJson(_))
        ));
        assert!(matches!(
            digest_of(b"not a zip", &limits(), false),
            Err(ResultZipError::Archive(ZipError::NotAZip(_)))
        ));
    }

    #[test]
    fn path_tricks_are_refused() {
        for name in ["../evil", "/abs", "a/../../b", "a\\b", "./a", "a//b"] {
            let zip = zip_of(&[(name, b"x"), ("computed.json", b"{}")]);
            assert_eq!(
                digest_of(&zip, &limits(), false),
                Err(ResultZipError::Archive(ZipError::UnsafeName(
                    name.to_owned()
                ))),
                "{name}"
            );
        }
    }

    #[test]
    fn bombs_are_refused() {
        // Highly compressible: a ratio far above the limit.
        let zeros = vec![0u8; 10 << 20];
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        writer
            .start_file("computed.json", SimpleFileOptions::default())
            .unwrap();
        writer.write_all(b"{}").unwrap();
        writer
            .start_file(
                "zeros",
                SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
            )
            .unwrap();
        writer.write_all(&zeros).unwrap();
        let bomb = writer.finish().unwrap().into_inner();
        assert!(bomb.len() < 100_000);
        assert!(matches!(
            digest_of(&bomb, &limits(), false),
            Err(ResultZipError::Archive(ZipError::TooLarge(_)))
        ));
        // The total budget.
        let small = ZipLimits {
            max_inflated_bytes: 1_000,
            max_ratio: u64::MAX,
            ..limits()
        };
        assert!(matches!(
            digest_of(&bomb, &small, false),
            Err(ResultZipError::Archive(ZipError::TooLarge(_)))
        ));
        // Too many entries, counted before parsing.
        let names: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
        let many = zip_of(&entries);
        let few = ZipLimits {
            max_entries: 10,
            ..limits()
        };
        assert_eq!(
            digest_of(&many, &few, false),
            Err(ResultZipError::Archive(ZipError::TooManyEntries {
                found: 20,
                max: 10
            }))
        );
    }
}
