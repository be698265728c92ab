//! `confide wallet create|import|show`, and loading a signer from a keystore.

use crate::cli::{KeystoreArgs, NewKeystoreArgs, WalletCommand};
use crate::output::Output;
use crate::password;
use alloy_signer_local::PrivateKeySigner;
use anyhow::{Context, bail};
use confide_crypto::keystore::{self, Keystore, ScryptParams};
use serde_json::json;
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

pub(crate) fn run(command: WalletCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        WalletCommand::Create(target) => {
            let signer = PrivateKeySigner::random();
            save(&signer, &target, out, "created")
        }
        WalletCommand::Import {
            private_key_file,
            target,
        } => {
            let text = Zeroizing::new(
                std::fs::read_to_string(&private_key_file)
                    .with_context(|| format!("cannot read {}", private_key_file.display()))?,
            );
            let signer: PrivateKeySigner = text.trim().parse().map_err(|_| {
                anyhow::anyhow!(
                    "{} does not hold a hex secp256k1 private key",
                    private_key_file.display()
                )
            })?;
            save(&signer, &target, out, "imported")
        }
        WalletCommand::Show { keystore } => {
            let file = keystore::read_keystore_file(&keystore)
                .with_context(|| format!("cannot read keystore {}", keystore.display()))?;
            let Some(address) = file.address() else {
                bail!(
                    "{} has no address field; its address is only known after decrypting it",
                    keystore.display()
                );
            };
            out.result(
                &address.to_string(),
                json!({ "address": address, "keystore": keystore }),
            );
            Ok(())
        }
    }
}

fn save(
    signer: &PrivateKeySigner,
    target: &NewKeystoreArgs,
    out: &Output,
    verb: &str,
) -> anyhow::Result<()> {
    let password = password::new(target.password_file.as_deref())?;
    let params = if target.light_kdf {
        ScryptParams::light()
    } else {
        ScryptParams::standard()
    };
    let file = keystore::encrypt_keystore(signer, password.as_bytes(), params)
        .context("cannot encrypt the key")?;
    let path = write(&file, target.keystore.as_deref())?;
    out.result(
        &format!("{verb} {} in {}", signer.address(), path.display()),
        json!({ "address": signer.address(), "keystore": path }),
    );
    Ok(())
}

fn write(file: &Keystore, path: Option<&Path>) -> anyhow::Result<PathBuf> {
    match path {
        Some(path) => {
            if path.exists() {
                bail!(
                    "{} already exists; refusing to overwrite a keystore",
                    path.display()
                );
            }
            keystore::write_keystore_file(path, file)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok(path.to_owned())
        }
        None => {
            let dir = default_keystore_dir()?;
            keystore::write_keystore_in_dir(&dir, file)
                .with_context(|| format!("cannot write in {}", dir.display()))
        }
    }
}

/// `~/.confide/keystore` (created when needed).
fn default_keystore_dir() -> anyhow::Result<PathBuf> {
    let home = std::env::var_os("HOME").context("HOME is not set; pass --keystore FILE")?;
    let dir = PathBuf::from(home).join(".confide").join("keystore");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// Decrypts the keystore given on the command line.
pub(crate) fn load_signer(args: &KeystoreArgs) -> anyhow::Result<PrivateKeySigner> {
    let file = keystore::read_keystore_file(&args.keystore)
        .with_context(|| format!("cannot read keystore {}", args.keystore.display()))?;
    let password = password::existing(args.password_file.as_deref())?;
    file.decrypt(password.as_bytes())
        .with_context(|| format!("cannot unlock keystore {}", args.keystore.display()))
}
