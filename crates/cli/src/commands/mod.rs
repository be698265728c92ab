//! One module per command group.

mod account;
mod app;
mod bench;
mod chain;
mod data;
mod demo;
mod dev;
mod indexer;
mod market;
mod order;
mod protected;
mod result;
mod scheduler;
mod service;
mod sms;
mod storage;
mod task;
mod tee;
mod user;
mod wallet;
mod worker;

use crate::cli::Command;
use crate::output::Output;

/// Runs a parsed command.
pub(crate) fn run(command: Command, out: &Output) -> anyhow::Result<()> {
    match command {
        Command::Order(command) => order::run(command, out),
        Command::Data(command) => data::run(command, out),
        Command::Task(command) => task::run_command(command, out),
        Command::Account(command) => account::run_command(command, out),
        Command::App(command) => app::run_command(command, out),
        Command::Wallet(command) => wallet::run(command, out),
        Command::Result(command) => result::run(command, out),
        Command::Demo(args) => demo::run(args, out),
        Command::Bench(command) => bench::run(command, out),
        Command::Chain(command) => chain::run(command, out),
        Command::Storage(command) => storage::run(command, out),
        Command::Sms(args) => sms::run(args, out),
        Command::Indexer(args) => indexer::run(args, out),
        Command::Market(args) => market::run(args, out),
        Command::Tee(command) => tee::run(command, out),
        Command::Scheduler(args) => scheduler::run(args, out),
        Command::Worker(args) => worker::run(args, out),
        Command::Dev(args) => dev::run(args, out),
    }
}
