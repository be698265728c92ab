//! `confide chain …`: a local chain with the protocol deployed; the protocol deployed on any
//! node; where a deployment lives.

mod deploy;
pub(crate) mod dev;
mod info;

use crate::cli::ChainCommand;
use crate::output::Output;

pub(crate) fn run(command: ChainCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        ChainCommand::Dev(args) => dev::run(args, out),
        ChainCommand::Deploy(args) => deploy::run(args, out),
        ChainCommand::Info(args) => info::run(args, out),
    }
}

/// A small runtime for one client command.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The deployment's contracts as JSON and as aligned human lines.
fn contracts(
    deployment: &confide_chain::deploy::Deployment,
) -> Vec<(&'static str, alloy_primitives::Address)> {
    let mut contracts = vec![
        ("protocol", deployment.protocol),
        ("token", deployment.token),
        ("appRegistry", deployment.app_registry),
        ("datasetRegistry", deployment.dataset_registry),
        ("workerpoolRegistry", deployment.workerpool_registry),
    ];
    if let Some(data_protector) = deployment.data_protector {
        contracts.push(("dataProtector", data_protector));
    }
    contracts
}
