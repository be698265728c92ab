//! `confide chain …`: a local chain with the protocol deployed.

mod dev;

use crate::cli::ChainCommand;
use crate::output::Output;

pub(crate) fn run(command: ChainCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        ChainCommand::Dev(args) => dev::run(args, out),
    }
}
