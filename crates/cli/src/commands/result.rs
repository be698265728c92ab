//! `confide result keygen|encrypt|decrypt`.

use crate::cli::{ResultCommand, ResultFormatArg};
use crate::commands::data::{with_suffix, write_secret};
use crate::exit::check_failed;
use crate::output::Output;
use anyhow::{Context, bail};
use confide_crypto::result::{
    self, KeyKind, ResultDecryptionKey, ResultEncryptionKey, ResultError, ResultFormat,
    ResultKeyPair, ResultLimits,
};
use confide_crypto::seal::AtomicFile;
use serde_json::json;
use std::fs::File;
use std::path::Path;

pub(crate) fn run(command: ResultCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        ResultCommand::Get {
            task,
            out: dir,
            user,
        } => super::user::run(&user, async |sdk| {
            let (bar, mut report) = super::user::progress(out);
            let result = sdk.get_result_from_completed_task(task, &mut report).await;
            bar.finish_and_clear();
            let files = super::user::write_result(&result?, &dir)?;
            out.result(
                &format!(
                    "Result of task {task} written to {}:\n  {}",
                    dir.display(),
                    files.join("\n  ")
                ),
                json!({ "taskId": task, "out": dir, "files": files }),
            );
            Ok(())
        }),
        ResultCommand::Keygen { out: path } => {
            let pair = ResultKeyPair::generate().context("cannot generate a key pair")?;
            let public_path = with_suffix(&path, ".pub");
            if public_path.exists() {
                bail!("{} already exists", public_path.display());
            }
            write_secret(&path, pair.secret().to_pem().trim_end().as_bytes())?;
            std::fs::write(&public_path, pair.public().to_pem())
                .with_context(|| format!("cannot write {}", public_path.display()))?;
            out.result(
                &format!("private key {}\npublic key  {}", path.display(), public_path.display()),
                json!({ "privateKey": path, "publicKey": public_path, "publicKeyBase64": pair.public().to_base64() }),
            );
            Ok(())
        }
        ResultCommand::Encrypt {
            input,
            output,
            public_key,
            format,
        } => {
            let key = ResultEncryptionKey::parse(&read_text(&public_key)?).with_context(|| {
                format!(
                    "{} is not an X25519 or RSA public key",
                    public_key.display()
                )
            })?;
            let needed = match format {
                Some(ResultFormatArg::Confide) => Some(KeyKind::X25519),
                Some(ResultFormatArg::Iexec) => Some(KeyKind::Rsa),
                None => None,
            };
            if let Some(needed) = needed.filter(|needed| *needed != key.kind()) {
                bail!(
                    "that format needs a {needed:?} key, {} holds a {:?} key",
                    public_key.display(),
                    key.kind()
                );
            }
            let reader =
                File::open(&input).with_context(|| format!("cannot open {}", input.display()))?;
            let mut file = AtomicFile::create(&output)
                .with_context(|| format!("cannot create {}", output.display()))?;
            let summary =
                result::encrypt_result_for(&key, reader, &mut file).context("encryption failed")?;
            file.commit()
                .with_context(|| format!("cannot write {}", output.display()))?;
            out.result(
                &format!("encrypted {} ({}) → {}", input.display(), format_name(summary.format), output.display()),
                json!({ "input": input, "output": output, "format": format_name(summary.format), "plaintextBytes": summary.plaintext_bytes }),
            );
            Ok(())
        }
        ResultCommand::Decrypt { input, output, key } => {
            let secret = ResultDecryptionKey::parse(&read_text(&key)?).with_context(|| {
                format!("{} is not an X25519 or RSA private key", key.display())
            })?;
            let summary =
                result::decrypt_result_file(&input, &secret, &output, &ResultLimits::default())
                    .map_err(|error| classify(error, &input))?;
            out.result(
                &format!("decrypted {} ({}) → {}", input.display(), format_name(summary.format), output.display()),
                json!({ "input": input, "output": output, "format": format_name(summary.format), "plaintextBytes": summary.plaintext_bytes }),
            );
            Ok(())
        }
    }
}

fn classify(error: ResultError, input: &Path) -> anyhow::Error {
    let failed_check = error.is_authentication_failure();
    let error = anyhow::Error::new(error).context(format!(
        "cannot decrypt {}; no output was written",
        input.display()
    ));
    if failed_check {
        check_failed(error)
    } else {
        error
    }
}

fn format_name(format: ResultFormat) -> &'static str {
    match format {
        ResultFormat::Confide => "confide",
        ResultFormat::Iexec => "iexec",
    }
}

fn read_text(path: &Path) -> anyhow::Result<zeroize::Zeroizing<String>> {
    let bytes = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    if bytes > 64 * 1024 {
        bail!(
            "{} is {bytes} bytes; a key file is a few kilobytes at most",
            path.display()
        );
    }
    Ok(zeroize::Zeroizing::new(
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?,
    ))
}
