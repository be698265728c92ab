//! What the user commands share: the network and account they act for, the requester's
//! result key, progress, and how amounts and results are shown.

use std::path::{Path, PathBuf};

use alloy_primitives::{Address, U256};
use anyhow::Context as _;
use confide_sdk::{Confide, Network, ResultKeyPair, Status, TaskResult};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::service::DEV_CHAIN_ID;
use crate::cli::{KeystoreArgs, UserArgs};
use crate::output::Output;

/// Runs `command` for the account and network of `user`.
pub(crate) fn run(
    user: &UserArgs,
    command: impl AsyncFnOnce(Confide) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    super::service::run(async {
        let sdk = connect(user).await?;
        command(sdk).await
    })
}

/// The SDK client of `user`'s account on its network.
pub(crate) async fn connect(user: &UserArgs) -> anyhow::Result<Confide> {
    let path = match &user.network {
        Some(path) => path.clone(),
        None => Network::default_path()
            .context("neither CONFIDE_HOME nor HOME is set: pass --network FILE")?,
    };
    let network = Network::read(&path)?;
    let signer = match (&user.keystore, user.account) {
        (Some(keystore), _) => super::wallet::load_signer(&KeystoreArgs {
            keystore: keystore.clone(),
            password_file: user.password_file.clone(),
        })?,
        (None, index) => {
            anyhow::ensure!(
                network.chain_id() == DEV_CHAIN_ID,
                "dev accounts have public keys and sign only on a dev chain (id {DEV_CHAIN_ID}); this network is chain {}: pass --keystore FILE",
                network.chain_id()
            );
            confide_sdk::dev_account(index.unwrap_or(0))?
        }
    };
    let key = result_key(signer.address())?;
    Ok(Confide::connect(network, signer)
        .await?
        .with_result_key(key))
}

/// The account's result key: results of its requests are encrypted for it. Made at first use
/// and kept (mode 0600) in `$CONFIDE_HOME/keys/<address>.result-key.pem`, so a result can be
/// read by a later command.
fn result_key(address: Address) -> anyhow::Result<ResultKeyPair> {
    let dir = crate::home::default_dir("keys", "set CONFIDE_HOME")?;
    let path = dir.join(format!("{address}.result-key.pem"));
    if path.exists() {
        let pem = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the result key {}", path.display()))?;
        let secret = confide_crypto::result::ResultSecretKey::from_pem(&pem)
            .with_context(|| format!("{} is not a result key", path.display()))?;
        return Ok(ResultKeyPair::from_secret(secret));
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let pair = ResultKeyPair::generate().context("cannot make a result key")?;
    super::data::write_secret(&path, pair.secret().to_pem().as_bytes())?;
    Ok(pair)
}

/// Progress of a long SDK call: a spinner naming the step (on a terminal, not with --json).
pub(crate) fn progress(out: &Output) -> (ProgressBar, impl FnMut(Status) + Send + use<>) {
    let bar = if out.is_json() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        bar
    };
    let shown = bar.clone();
    let report = move |status: Status| {
        if !status.is_done {
            shown.set_message(status.title.title().to_lowercase().replace('_', " "));
        }
    };
    (bar, report)
}

/// `amount` nRLC for people: `2 RLC`, `0.5 RLC`.
pub(crate) fn format_rlc(amount: U256) -> String {
    let text =
        alloy_primitives::utils::format_units(amount, 9).unwrap_or_else(|_| amount.to_string());
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text} RLC")
}

/// Writes the files of `result` under `dir` (created); returns their paths, relative.
pub(crate) fn write_result(result: &TaskResult, dir: &Path) -> anyhow::Result<Vec<String>> {
    let files = result.files()?;
    for (name, content) in &files {
        // Names are plain relative paths (the archive reader refuses any other).
        let path: PathBuf = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, content)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(files.into_keys().collect())
}

/// The result's files for people: each name, and the text of small text files other than
/// `computed.json`.
pub(crate) fn show_result(result: &TaskResult) -> anyhow::Result<String> {
    const MAX_SHOWN: usize = 16 << 10;
    let mut shown = String::new();
    for (name, content) in result.files()? {
        match std::str::from_utf8(&content) {
            Ok(text) if name != "computed.json" && content.len() <= MAX_SHOWN => {
                shown.push_str(&format!("── {name}\n{}", text));
                if !text.ends_with('\n') {
                    shown.push('\n');
                }
            }
            _ => shown.push_str(&format!("── {name} ({} bytes)\n", content.len())),
        }
    }
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::format_rlc;
    use alloy_primitives::U256;

    #[test]
    fn amounts_read_in_rlc() {
        assert_eq!(format_rlc(U256::from(2_000_000_000u64)), "2 RLC");
        assert_eq!(format_rlc(U256::from(500_000_000u64)), "0.5 RLC");
        assert_eq!(format_rlc(U256::ZERO), "0 RLC");
    }
}
