//! `confide`: the command-line tool of Confide.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod exit;
mod home;
mod input;
mod output;
mod password;
mod progress;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse_from(cli::json_object_as_flag(std::env::args_os()));
    init_tracing(cli.global.verbose);
    let out = output::Output::new(cli.global.json);
    match commands::run(cli.command, &out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let code = exit::code_of(&error);
            out.error(&error);
            ExitCode::from(code)
        }
    }
}

fn init_tracing(verbosity: u8) {
    let default = match verbosity {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CONFIDE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
