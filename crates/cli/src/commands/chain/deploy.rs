//! `confide chain deploy`: the protocol on any node, from a keystore.

use super::{contracts, runtime};
use crate::cli::ChainDeployArgs;
use crate::commands::wallet::load_signer;
use crate::output::Output;
use anyhow::{Context, bail};
use confide_chain::client::{ClientConfig, deploy::deploy, http_provider};
use serde_json::json;
use std::fmt::Write as _;

pub(super) fn run(args: ChainDeployArgs, out: &Output) -> anyhow::Result<()> {
    if args.out.exists() && !args.force {
        bail!(
            "{} already exists; pass --force to replace it",
            args.out.display()
        );
    }
    let provider = http_provider(&args.rpc).context("invalid --rpc")?;
    let signer = load_signer(&args.keystore)?;
    let deployer = signer.address();
    let client =
        runtime()?.block_on(async { deploy(provider, signer, ClientConfig::default()).await });
    let client = client.with_context(|| format!("cannot deploy on {}", args.rpc))?;
    let deployment = client.deployment();
    deployment
        .write(&args.out)
        .with_context(|| format!("cannot write {}", args.out.display()))?;

    let mut human = format!(
        "Deployed Confide on chain {} (block {}) from {deployer}\n",
        deployment.chain_id,
        deployment.block.unwrap_or_default()
    );
    for (name, address) in contracts(deployment) {
        let _ = writeln!(human, "  {name:<20} {address}");
    }
    let _ = write!(human, "Deployment file: {}", args.out.display());
    out.result(
        &human,
        json!({
            "deployment": deployment,
            "deployer": deployer,
            "file": args.out,
        }),
    );
    Ok(())
}
