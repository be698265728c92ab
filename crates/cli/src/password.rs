//! Keystore passwords: from a file, the environment, or an interactive prompt.

use anyhow::{Context, bail};
use std::path::Path;
use zeroize::Zeroizing;

/// Environment variable holding a keystore password (for scripts).
pub(crate) const PASSWORD_ENV: &str = "CONFIDE_PASSWORD";

/// The password for an existing keystore.
pub(crate) fn existing(password_file: Option<&Path>) -> anyhow::Result<Zeroizing<String>> {
    obtain(password_file, "Keystore password: ", false)
}

/// A password for a new keystore (asked twice when interactive).
pub(crate) fn new(password_file: Option<&Path>) -> anyhow::Result<Zeroizing<String>> {
    obtain(password_file, "New keystore password: ", true)
}

fn obtain(
    password_file: Option<&Path>,
    prompt: &str,
    confirm: bool,
) -> anyhow::Result<Zeroizing<String>> {
    if let Some(path) = password_file {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read password file {}", path.display()))?,
        );
        // A trailing newline is an artefact of `echo pass > file`, not part of the password.
        return Ok(Zeroizing::new(
            text.trim_end_matches(['\n', '\r']).to_owned(),
        ));
    }
    if let Ok(password) = std::env::var(PASSWORD_ENV) {
        return Ok(Zeroizing::new(password));
    }
    let first = Zeroizing::new(rpassword::prompt_password(prompt).with_context(|| {
        format!("no password available: pass --password-file or set {PASSWORD_ENV} (no terminal to ask on)")
    })?);
    if confirm {
        let second = Zeroizing::new(rpassword::prompt_password("Repeat password: ")?);
        if *first != *second {
            bail!("the two passwords differ");
        }
    }
    Ok(first)
}
