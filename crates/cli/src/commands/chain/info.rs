//! `confide chain info`: where the protocol lives, checked against the node.

use super::{contracts, runtime};
use crate::cli::ChainInfoArgs;
use crate::output::Output;
use alloy_provider::Provider;
use anyhow::{Context, bail};
use confide_chain::client::http_provider;
use serde_json::{Map, json};
use std::fmt::Write as _;

pub(super) fn run(args: ChainInfoArgs, out: &Output) -> anyhow::Result<()> {
    let network = args.chain.network()?;
    let rpc = args.chain.rpc(network.as_ref());
    let provider = http_provider(&rpc).context("invalid --rpc")?;
    let (deployment, chain_id, block, client_version, code) = runtime()?
        .block_on(async {
            let deployment = args.chain.deployment(network.as_ref(), &provider).await?;
            let chain_id = provider.get_chain_id().await?;
            let block = provider.get_block_number().await?;
            let client_version = provider.get_client_version().await?;
            let mut code = Vec::new();
            for (name, address) in contracts(&deployment) {
                code.push((
                    name,
                    address,
                    !provider.get_code_at(address).await?.is_empty(),
                ));
            }
            anyhow::Ok((deployment, chain_id, block, client_version, code))
        })
        .with_context(|| format!("cannot query {rpc}"))?;
    if chain_id != deployment.chain_id {
        bail!(
            "the node serves chain {chain_id}, the deployment is on chain {}",
            deployment.chain_id
        );
    }

    let mut human = format!("Chain {chain_id}, block {block} ({client_version}, {rpc})\n");
    let mut contracts_json = Map::new();
    for (name, address, deployed) in &code {
        let mark = if *deployed { "" } else { "  (no code!)" };
        let _ = writeln!(human, "  {name:<20} {address}{mark}");
        contracts_json.insert(
            (*name).to_owned(),
            json!({"address": address, "deployed": deployed}),
        );
    }
    human.pop();
    out.result(
        &human,
        json!({
            "chainId": chain_id,
            "blockNumber": block,
            "clientVersion": client_version,
            "rpc": rpc,
            "owner": deployment.owner,
            "contracts": contracts_json,
        }),
    );
    if code.iter().any(|(_, _, deployed)| !deployed) {
        bail!("some contracts of the deployment have no code on this chain");
    }
    Ok(())
}
