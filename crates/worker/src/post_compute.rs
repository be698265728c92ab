//! Post-compute (devtools.md §2.5, poco.md §3.14–3.15): the result digest, the result zip, its
//! encryption for the beneficiary, its upload and the `results` pointer written on-chain.
//!
//! - digest: `callback-data` → keccak256 of its bytes (what the chain checks); else the
//!   SHA-256 "file tree" digest of `deterministic-output-path`;
//! - zip of `iexec_out`: regular files only (links and other entries left out), relative
//!   `/`-separated paths, sorted by bytes, fixed timestamps and permissions, deflated: two
//!   honest workers zip identical bytes;
//! - every name under `iexec_out` at most 31 characters (the reference's rule).

use crate::error::{Failure, OrFail as _, Step};
use alloy_primitives::{B256, Bytes, hex};
use confide_protocol::replicate::ReplicateCause;
use confide_protocol::result::{
    ComputedFile, ResultDigestError, web2_tree_digest, web3_result_digest,
};
use sha2::{Digest as _, Sha256};
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Longest name of a file or directory under `iexec_out`.
pub(crate) const MAX_RESULT_NAME_CHARS: usize = 31;

/// What the app's output amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResultDigest {
    pub(crate) digest: B256,
    /// The callback bytes (callback mode), sent as `resultsCallback`.
    pub(crate) callback: Option<Bytes>,
}

fn digest_failure(message: String) -> Failure {
    Failure::new(
        ReplicateCause::PostComputeResultDigestComputationFailed,
        message,
    )
}

/// The result digest of the app's `computed` output in `output_dir` (blocking I/O).
pub(crate) fn result_digest(output_dir: &Path, computed: &ComputedFile) -> Step<ResultDigest> {
    if let Some(data) = &computed.callback_data {
        let bytes = hex::decode(data.trim())
            .map_err(|error| digest_failure(format!("callback-data is not hex: {error}")))?;
        return Ok(ResultDigest {
            digest: web3_result_digest(&bytes),
            callback: Some(bytes.into()),
        });
    }
    let guest_path = computed
        .deterministic_output_path
        .as_deref()
        .ok_or_else(|| {
            Failure::new(
                ReplicateCause::PostComputeComputedFileNotFound,
                "computed.json names no deterministic-output-path",
            )
        })?;
    // The sandbox checked the path: inside /iexec_out, no link on the way, a file or directory.
    let relative = Path::new(guest_path)
        .strip_prefix(confide_sandbox::IEXEC_OUT)
        .map_err(|_| digest_failure(format!("{guest_path:?} is not in /iexec_out")))?;
    if relative
        .components()
        .any(|component| !matches!(component, Component::Normal(_) | Component::CurDir))
    {
        return Err(digest_failure(format!("{guest_path:?} leaves /iexec_out")));
    }
    let path = output_dir.join(relative);
    let metadata = std::fs::symlink_metadata(&path).or_fail(
        ReplicateCause::PostComputeResultDigestComputationFailed,
        "reading the deterministic output",
    )?;
    let empty = |_: ResultDigestError| digest_failure(format!("{guest_path} is empty"));
    let digest = if metadata.is_file() {
        let (digest, len) = file_sha256(&path).or_fail(
            ReplicateCause::PostComputeResultDigestComputationFailed,
            "hashing the deterministic output",
        )?;
        if len == 0 {
            return Err(empty(ResultDigestError::EmptyOutput));
        }
        digest
    } else if metadata.is_dir() {
        let mut children = Vec::new();
        for entry in std::fs::read_dir(&path).or_fail(
            ReplicateCause::PostComputeResultDigestComputationFailed,
            "listing the deterministic output",
        )? {
            let entry = entry.or_fail(
                ReplicateCause::PostComputeResultDigestComputationFailed,
                "listing the deterministic output",
            )?;
            if entry.file_type().is_ok_and(|kind| kind.is_file()) {
                let (digest, _) = file_sha256(&entry.path()).or_fail(
                    ReplicateCause::PostComputeResultDigestComputationFailed,
                    "hashing the deterministic output",
                )?;
                children.push((entry.file_name().into_encoded_bytes(), digest));
            }
        }
        web2_tree_digest(children).map_err(empty)?
    } else {
        return Err(digest_failure(format!(
            "{guest_path} is neither a file nor a directory"
        )));
    };
    Ok(ResultDigest {
        digest,
        callback: None,
    })
}

fn file_sha256(path: &Path) -> io::Result<(B256, u64)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 << 10];
    let mut len = 0u64;
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        len += read as u64;
    }
    Ok((B256::from(<[u8; 32]>::from(hasher.finalize())), len))
}

/// The regular files under `dir` as (`/`-separated relative path, host path), sorted by path
/// bytes; fails on a name longer than [`MAX_RESULT_NAME_CHARS`].
fn result_files(dir: &Path) -> Step<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    let mut pending = vec![(String::new(), dir.to_path_buf())];
    while let Some((prefix, current)) = pending.pop() {
        let listing = std::fs::read_dir(&current)
            .or_fail(ReplicateCause::WorkerFailure, "listing the app's output")?;
        for entry in listing {
            let entry = entry.or_fail(ReplicateCause::WorkerFailure, "listing the app's output")?;
            let name = entry.file_name();
            let name = name.to_str().ok_or_else(|| {
                digest_failure(format!(
                    "a name under /iexec_out/{prefix} is not UTF-8: {:?}",
                    entry.file_name()
                ))
            })?;
            let relative = format!("{prefix}{name}");
            if name.chars().count() > MAX_RESULT_NAME_CHARS {
                return Err(Failure::new(
                    ReplicateCause::PostComputeTooLongResultFileName,
                    format!(
                        "/iexec_out/{relative} has a name longer than {MAX_RESULT_NAME_CHARS} characters"
                    ),
                ));
            }
            // Links are not followed, nor zipped: only what the app wrote as files.
            let kind = entry
                .file_type()
                .or_fail(ReplicateCause::WorkerFailure, "inspecting the app's output")?;
            if kind.is_dir() {
                pending.push((format!("{relative}/"), entry.path()));
            } else if kind.is_file() {
                files.push((relative, entry.path()));
            }
        }
    }
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(files)
}

/// Zips the regular files of `output_dir` into `zip_path`, deterministically (blocking I/O).
pub(crate) fn zip_output(output_dir: &Path, zip_path: &Path) -> Step<()> {
    let files = result_files(output_dir)?;
    let write = || -> zip::result::ZipResult<()> {
        let mut zip = ZipWriter::new(BufWriter::new(File::create(zip_path)?));
        for (name, path) in &files {
            let len = std::fs::metadata(path)?.len();
            let options = SimpleFileOptions::default()
                .compression_method(CompressionMethod::Deflated)
                .last_modified_time(DateTime::default())
                .unix_permissions(0o644)
                .large_file(len >= u64::from(u32::MAX));
            zip.start_file(name.as_str(), options)?;
            io::copy(&mut File::open(path)?, &mut zip)?;
        }
        zip.finish()?.flush()?;
        Ok(())
    };
    write().or_fail(ReplicateCause::WorkerFailure, "zipping the result")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use confide_protocol::result::web2_file_digest;

    fn computed(path: &str) -> ComputedFile {
        ComputedFile {
            deterministic_output_path: Some(path.into()),
            ..ComputedFile::default()
        }
    }

    #[test]
    fn digests_of_files_directories_and_callbacks() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("result.txt"), "Hello, Ann!\n").unwrap();
        let file = result_digest(dir.path(), &computed("/iexec_out/result.txt")).unwrap();
        assert_eq!(file.digest, web2_file_digest(b"Hello, Ann!\n").unwrap());
        assert_eq!(file.callback, None);

        std::fs::create_dir(dir.path().join("tree")).unwrap();
        std::fs::write(dir.path().join("tree/b"), "2").unwrap();
        std::fs::write(dir.path().join("tree/a"), "1").unwrap();
        std::fs::create_dir(dir.path().join("tree/sub")).unwrap();
        let tree = result_digest(dir.path(), &computed("/iexec_out/tree")).unwrap();
        let expected = web2_tree_digest(vec![
            (b"a".to_vec(), web2_file_digest(b"1").unwrap()),
            (b"b".to_vec(), web2_file_digest(b"2").unwrap()),
        ])
        .unwrap();
        assert_eq!(tree.digest, expected);

        let callback = ComputedFile {
            callback_data: Some("0x0102".into()),
            ..ComputedFile::default()
        };
        let digest = result_digest(dir.path(), &callback).unwrap();
        assert_eq!(digest.digest, web3_result_digest(&[1, 2]));
        assert_eq!(digest.callback.unwrap().as_ref(), [1, 2]);

        std::fs::write(dir.path().join("empty"), "").unwrap();
        let empty = result_digest(dir.path(), &computed("/iexec_out/empty")).unwrap_err();
        assert_eq!(
            empty.cause,
            ReplicateCause::PostComputeResultDigestComputationFailed
        );
    }

    #[test]
    fn zips_are_identical_for_identical_outputs() {
        let zip_of = |order: &[&str], modified: u64| {
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("out");
            std::fs::create_dir_all(out.join("sub")).unwrap();
            for name in order {
                std::fs::write(out.join(name), name.as_bytes()).unwrap();
                let file = File::options().write(true).open(out.join(name)).unwrap();
                let time = std::time::UNIX_EPOCH + std::time::Duration::from_secs(modified);
                file.set_modified(time).unwrap();
            }
            std::os::unix::fs::symlink("/etc/passwd", out.join("link")).unwrap();
            let zip_path = dir.path().join("out.zip");
            zip_output(&out, &zip_path).unwrap();
            std::fs::read(zip_path).unwrap()
        };
        let first = zip_of(&["b.txt", "sub/c.txt", "a.txt"], 1_000_000_000);
        let second = zip_of(&["sub/c.txt", "a.txt", "b.txt"], 1_700_000_000);
        assert_eq!(first, second);

        let mut archive = zip::ZipArchive::new(io::Cursor::new(first)).unwrap();
        let names: Vec<_> = archive.file_names().map(str::to_owned).collect();
        assert_eq!(names, ["a.txt", "b.txt", "sub/c.txt"]);
        let mut content = String::new();
        archive
            .by_name("sub/c.txt")
            .unwrap()
            .read_to_string(&mut content)
            .unwrap();
        assert_eq!(content, "sub/c.txt");
    }

    #[test]
    fn long_names_fail_the_task() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir_all(out.join("sub")).unwrap();
        std::fs::write(out.join("sub").join("a".repeat(32)), "x").unwrap();
        let failure = zip_output(&out, &dir.path().join("out.zip")).unwrap_err();
        assert_eq!(
            failure.cause,
            ReplicateCause::PostComputeTooLongResultFileName
        );
    }
}
