//! Where the CLI keeps its state by default.

use anyhow::Context;
use std::path::PathBuf;

/// `$CONFIDE_HOME/<name>`, else `~/.confide/<name>`; `hint` says which flag avoids the default.
pub(crate) fn default_dir(name: &str, hint: &str) -> anyhow::Result<PathBuf> {
    let home = confide_sdk::network::confide_home()
        .with_context(|| format!("neither CONFIDE_HOME nor HOME is set: {hint}"))?;
    Ok(home.join(name))
}
