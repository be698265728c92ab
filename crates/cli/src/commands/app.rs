//! `confide app deploy`.

use alloy_primitives::U256;
use anyhow::Context as _;
use serde_json::json;

use super::user::{format_rlc, run};
use crate::cli::AppCommand;
use crate::output::Output;

pub(crate) fn run_command(command: AppCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        AppCommand::Deploy {
            wasm,
            name,
            price,
            volume,
            user,
        } => run(&user, async |sdk| {
            let size = std::fs::metadata(&wasm)
                .with_context(|| format!("cannot read {}", wasm.display()))?
                .len();
            anyhow::ensure!(
                size <= confide_sdk::MAX_APP_BYTES as u64,
                "{} is {size} bytes, at most {} are accepted",
                wasm.display(),
                confide_sdk::MAX_APP_BYTES
            );
            let module =
                std::fs::read(&wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
            let name = name.unwrap_or_else(|| {
                wasm.file_stem()
                    .map(|stem| stem.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
            let app = sdk
                .deploy_app(module, &name, price, U256::from(volume))
                .await?;
            out.result(
                &format!(
                    "App {} \"{}\" deployed\nchecksum {}\nstored   {}\noffered  {} per task",
                    app.address,
                    app.name,
                    app.checksum,
                    app.location,
                    format_rlc(app.price)
                ),
                json!(app),
            );
            Ok(())
        }),
    }
}
