//! `confide data seal|unseal`.

use crate::cli::{DataCommand, SealFormatArg};
use crate::exit::check_failed;
use crate::output::Output;
use crate::progress;
use anyhow::Context;
use confide_crypto::seal::{self, AtomicFile, HashingWriter, SealError, SealFormat, SealKey};
use serde_json::json;
use std::fs::File;
use std::path::{Path, PathBuf};

pub(crate) fn run(command: DataCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        DataCommand::User(command) => super::protected::run_command(command, out),
        DataCommand::Seal {
            input,
            output,
            format,
            key_file,
        } => {
            let key_path = key_file.unwrap_or_else(|| with_suffix(&output, ".key"));
            let (key, created) = load_or_create_key(&key_path)?;
            let format = match format {
                SealFormatArg::Confide => SealFormat::Confide,
                SealFormatArg::IexecCbc => SealFormat::IexecCbc,
            };
            let (reader, bar) = open_with_progress(&input, "sealing", out)?;
            let mut writer = HashingWriter::new(
                AtomicFile::create(&output)
                    .with_context(|| format!("cannot create {}", output.display()))?,
            );
            let summary =
                seal::seal(&key, format, reader, &mut writer).context("sealing failed")?;
            let (file, checksum) = writer.finish();
            file.commit()
                .with_context(|| format!("cannot write {}", output.display()))?;
            bar.finish_and_clear();
            let key_note = if created {
                "new key written to"
            } else {
                "key read from"
            };
            out.result(
                &format!(
                    "sealed {} ({} bytes) → {} ({} bytes, {})\nchecksum {checksum}\n{key_note} {}",
                    input.display(),
                    summary.plaintext_bytes,
                    output.display(),
                    summary.sealed_bytes,
                    format_name(summary.format),
                    key_path.display()
                ),
                json!({
                    "input": input, "output": output, "format": format_name(summary.format),
                    "plaintextBytes": summary.plaintext_bytes, "sealedBytes": summary.sealed_bytes,
                    "checksum": checksum.to_string(), "keyFile": key_path, "keyCreated": created,
                }),
            );
            Ok(())
        }
        DataCommand::Unseal {
            input,
            output,
            key_file,
        } => {
            let key = read_key(&key_file)?;
            let (reader, bar) = open_with_progress(&input, "unsealing", out)?;
            let mut file = AtomicFile::create(&output)
                .with_context(|| format!("cannot create {}", output.display()))?;
            let summary =
                seal::unseal(&key, reader, &mut file).map_err(|error| classify(error, &input))?;
            file.commit()
                .with_context(|| format!("cannot write {}", output.display()))?;
            bar.finish_and_clear();
            out.result(
                &format!(
                    "unsealed {} ({}) → {} ({} bytes)",
                    input.display(),
                    format_name(summary.format),
                    output.display(),
                    summary.plaintext_bytes
                ),
                json!({
                    "input": input, "output": output, "format": format_name(summary.format),
                    "sealedBytes": summary.sealed_bytes, "plaintextBytes": summary.plaintext_bytes,
                }),
            );
            Ok(())
        }
    }
}

/// Authentication and key failures are failed checks (exit 3); I/O and format errors are not.
fn classify(error: SealError, input: &Path) -> anyhow::Error {
    let failed_check = error.is_authentication_failure();
    let error = anyhow::Error::new(error).context(format!(
        "cannot unseal {}; no output was written",
        input.display()
    ));
    if failed_check {
        check_failed(error)
    } else {
        error
    }
}

pub(crate) fn format_name(format: SealFormat) -> &'static str {
    match format {
        SealFormat::Confide => "confide",
        SealFormat::IexecCbc => "iexec-cbc",
    }
}

fn open_with_progress(
    path: &Path,
    message: &'static str,
    out: &Output,
) -> anyhow::Result<(indicatif::ProgressBarIter<File>, indicatif::ProgressBar)> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress::bytes(size, message, out.is_json());
    Ok((bar.wrap_read(file), bar))
}

fn read_key(path: &Path) -> anyhow::Result<SealKey> {
    let text = zeroize::Zeroizing::new(
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read key file {}", path.display()))?,
    );
    SealKey::parse(&text).with_context(|| {
        format!(
            "{} does not hold a 32-byte key (base64 or 0x-hex)",
            path.display()
        )
    })
}

fn load_or_create_key(path: &Path) -> anyhow::Result<(SealKey, bool)> {
    if path.exists() {
        return Ok((read_key(path)?, false));
    }
    let key = SealKey::generate().context("cannot generate a key")?;
    write_secret(path, key.to_base64().as_bytes())?;
    Ok((key, true))
}

/// Writes a new secret file, readable by its owner only.
pub(crate) fn write_secret(path: &Path, content: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(content)
        .and_then(|()| file.write_all(b"\n"))
        .with_context(|| format!("cannot write {}", path.display()))
}

pub(crate) fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
