//! `confide account balance|deposit|withdraw`.

use serde_json::json;

use super::user::{format_rlc, run};
use crate::cli::AccountCommand;
use crate::output::Output;

pub(crate) fn run_command(command: AccountCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        AccountCommand::Balance { address, user } => run(&user, async |sdk| {
            let balance = sdk.balance(address).await?;
            out.result(
                &format!(
                    "{}\nwallet    {}\ndeposited {}\nlocked    {}",
                    balance.address,
                    format_rlc(balance.wallet),
                    format_rlc(balance.stake),
                    format_rlc(balance.locked)
                ),
                json!(balance),
            );
            Ok(())
        }),
        AccountCommand::Deposit { amount, user } => run(&user, async |sdk| {
            let transaction = sdk.deposit(amount).await?;
            let balance = sdk.balance(None).await?;
            out.result(
                &format!("Deposited {}: {} deposited now", format_rlc(amount), format_rlc(balance.stake)),
                json!({ "amount": amount.to_string(), "transactionHash": transaction, "balance": balance }),
            );
            Ok(())
        }),
        AccountCommand::Withdraw { amount, user } => run(&user, async |sdk| {
            let transaction = sdk.withdraw(amount).await?;
            let balance = sdk.balance(None).await?;
            out.result(
                &format!("Withdrew {}: {} in the wallet now", format_rlc(amount), format_rlc(balance.wallet)),
                json!({ "amount": amount.to_string(), "transactionHash": transaction, "balance": balance }),
            );
            Ok(())
        }),
    }
}
