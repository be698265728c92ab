//! Where the CLI keeps its state by default.

use anyhow::Context;
use std::path::PathBuf;

/// `$CONFIDE_HOME/<name>`, else `~/.confide/<name>`; `hint` says which flag avoids the default.
pub(crate) fn default_dir(name: &str, hint: &str) -> anyhow::Result<PathBuf> {
    let non_empty = |var| std::env::var_os(var).filter(|value| !value.is_empty());
    if let Some(home) = non_empty("CONFIDE_HOME") {
        return Ok(PathBuf::from(home).join(name));
    }
    let home = non_empty("HOME")
        .with_context(|| format!("neither CONFIDE_HOME nor HOME is set: {hint}"))?;
    Ok(PathBuf::from(home).join(".confide").join(name))
}
