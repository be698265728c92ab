//! The grammar of what users do on a network: their data, tasks, results, account and apps.

use alloy_primitives::{Address, B256, U256};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// The network a user command talks to, and the account it acts for.
#[derive(Debug, Clone, Args)]
pub(crate) struct UserArgs {
    /// The network file [default: $CONFIDE_HOME/network.json, else ~/.confide/network.json,
    /// both written by `confide dev`].
    #[arg(long, env = "CONFIDE_NETWORK", value_name = "FILE")]
    pub(crate) network: Option<PathBuf>,
    /// Act as dev account N (0-9) of the dev chain; its keys are public, so only on a dev
    /// chain [default: 0 on a dev chain].
    #[arg(long, value_name = "N", conflicts_with = "keystore")]
    pub(crate) account: Option<u32>,
    /// Act as the account of this Ethereum keystore (v3).
    #[arg(long, env = "CONFIDE_KEYSTORE", value_name = "FILE")]
    pub(crate) keystore: Option<PathBuf>,
    /// File holding the keystore password (else $CONFIDE_PASSWORD, else a prompt).
    #[arg(long, requires = "keystore")]
    pub(crate) password_file: Option<PathBuf>,
}

/// `confide task`.
#[derive(Debug, Subcommand)]
pub(crate) enum TaskCommand {
    /// Show a task: its state, deal, app, data, price and result location.
    #[command(after_help = "Example:\n  confide task show 0x3f…e1")]
    Show {
        /// The task id.
        task: B256,
        #[command(flatten)]
        user: UserArgs,
    },
    /// Wait until a task is COMPLETED, FAILED or past its deadline; exits non-zero unless it
    /// completed.
    #[command(after_help = "Example:\n  confide task wait 0x3f…e1 --timeout 120")]
    Wait {
        /// The task id.
        task: B256,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        #[command(flatten)]
        user: UserArgs,
    },
}

/// `confide account`.
#[derive(Debug, Subcommand)]
pub(crate) enum AccountCommand {
    /// RLC in the wallet, deposited (what tasks are paid from and earnings go to), and locked.
    #[command(after_help = "Example:\n  confide account balance --account 2")]
    Balance {
        /// Whose balance [default: the account's own].
        address: Option<Address>,
        #[command(flatten)]
        user: UserArgs,
    },
    /// Deposit RLC from the wallet into the account (tasks are paid from it).
    #[command(after_help = "Example:\n  confide account deposit 10RLC --account 4")]
    Deposit {
        /// nRLC, or RLC with a suffix: 1500000000, 1.5RLC.
        #[arg(value_parser = parse_amount)]
        amount: U256,
        #[command(flatten)]
        user: UserArgs,
    },
    /// Withdraw free RLC from the account to the wallet.
    #[command(after_help = "Example:\n  confide account withdraw 2RLC --account 2")]
    Withdraw {
        /// nRLC, or RLC with a suffix: 1500000000, 1.5RLC.
        #[arg(value_parser = parse_amount)]
        amount: U256,
        #[command(flatten)]
        user: UserArgs,
    },
}

/// `confide app`.
#[derive(Debug, Subcommand)]
pub(crate) enum AppCommand {
    /// Deploy a wasm32-wasip1 iApp: store the module, register it with its SHA-256 as
    /// checksum, and offer it on the market for TEE tasks.
    #[command(
        after_help = "Example:\n  confide app deploy apps/dist/stats.wasm --name stats --price 1RLC --account 1"
    )]
    Deploy {
        /// The app's wasm module.
        wasm: PathBuf,
        /// The app's name [default: the file's stem].
        #[arg(long)]
        name: Option<String>,
        /// Price per task: nRLC, or RLC with a suffix.
        #[arg(long, default_value = "0", value_parser = parse_amount)]
        price: U256,
        /// How many tasks the order sells.
        #[arg(long, default_value_t = 1_000_000)]
        volume: u64,
        #[command(flatten)]
        user: UserArgs,
    },
}

/// A user's `confide data` commands (next to `seal` and `unseal`).
#[derive(Debug, Subcommand)]
pub(crate) enum UserDataCommand {
    /// Protect a file or a JSON object: encrypt it, store it, register it on-chain with its
    /// schema, and give its key to the SMS (released only to attested enclaves).
    #[command(
        after_help = "Examples:\n  confide data protect salaries.csv --name salaries --account 2\n  confide data protect --json '{\"email\":\"alice@example.com\"}' --account 2"
    )]
    Protect {
        /// The file to protect (stored as the object's `file` field).
        #[arg(required_unless_present = "object", conflicts_with = "object")]
        file: Option<PathBuf>,
        /// A JSON object to protect instead of a file (also `--json '{...}'`).
        #[arg(long, value_name = "JSON")]
        object: Option<String>,
        /// Its name [default: the file's name, else empty].
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        user: UserArgs,
    },
    /// List protected data, newest first.
    #[command(
        after_help = "Examples:\n  confide data list --owner 0x3C44…93BC\n  confide data list --schema email:string"
    )]
    List {
        /// Only those of this owner.
        #[arg(long)]
        owner: Option<Address>,
        /// Only those whose schema has this `path:type` entry; repeatable (all must match).
        #[arg(long, value_name = "PATH:TYPE")]
        schema: Vec<String>,
        #[command(flatten)]
        user: UserArgs,
    },
    /// Grant an app (and a user, or anyone) a number of priced uses of a protected data.
    #[command(
        after_help = "Example:\n  confide data grant 0x5f…a2 --app 0x9c…01 --user 0x15d3…6A65 --price 2RLC --uses 3 --account 2"
    )]
    Grant {
        /// The protected data.
        data: Address,
        /// The app that may process it: an address, or a name the network knows (`stats`).
        #[arg(long)]
        app: String,
        /// Who may ask for it: an address, or `any`.
        #[arg(long, default_value = "any", value_parser = parse_user)]
        user: Address,
        /// Price per use: nRLC, or RLC with a suffix.
        #[arg(long, default_value = "0", value_parser = parse_amount)]
        price: U256,
        /// Number of uses.
        #[arg(long, default_value_t = 1)]
        uses: u64,
        #[command(flatten)]
        user_args: UserArgs,
    },
    /// List the open accesses to a protected data.
    #[command(after_help = "Example:\n  confide data access 0x5f…a2")]
    Access {
        /// The protected data.
        data: Address,
        /// Only those for this app (an address or a name).
        #[arg(long)]
        app: Option<String>,
        /// Only those this user may use.
        #[arg(long)]
        user: Option<Address>,
        #[command(flatten)]
        user_args: UserArgs,
    },
    /// Revoke accesses to a protected data (cancelled on-chain).
    #[command(
        after_help = "Examples:\n  confide data revoke 0x5f…a2 --app 0x9c…01 --account 2\n  confide data revoke 0x5f…a2 --all --account 2"
    )]
    Revoke {
        /// The protected data.
        data: Address,
        /// Those for this app (an address or a name).
        #[arg(long, required_unless_present_any = ["user", "all"])]
        app: Option<String>,
        /// Those restricted to this user.
        #[arg(long)]
        user: Option<Address>,
        /// Every access.
        #[arg(long, conflicts_with_all = ["app", "user"])]
        all: bool,
        #[command(flatten)]
        user_args: UserArgs,
    },
    /// Transfer a protected data to a new owner.
    #[command(
        after_help = "Example:\n  confide data transfer 0x5f…a2 --to 0x90F7…b906 --account 2"
    )]
    Transfer {
        /// The protected data.
        data: Address,
        /// The new owner.
        #[arg(long)]
        to: Address,
        #[command(flatten)]
        user: UserArgs,
    },
    /// Run an app on a protected data: take the market's orders, pay, and (with --wait) get
    /// the decrypted result.
    #[command(
        after_help = "Example:\n  confide data process 0x5f…a2 --app 0x9c…01 --args salary --max-price 4RLC --wait --account 4"
    )]
    Process {
        /// The protected data.
        data: Address,
        /// The app to run: an address, or a name the network knows (`confide dev` deploys
        /// `hello` and `stats`).
        #[arg(long)]
        app: String,
        /// The app's command line.
        #[arg(long, allow_hyphen_values = true)]
        args: Option<String>,
        /// A requester secret, `NAME=VALUE`, repeatable: the app reads it as
        /// IEXEC_REQUESTER_SECRET_<N>, N being NAME when it is a number, else the next free
        /// index from 1 in the order given. Pushed to the SMS, released only to the task's
        /// enclave.
        #[arg(long, value_name = "NAME=VALUE", value_parser = parse_secret)]
        secret: Vec<(String, String)>,
        /// The most the task may cost in all: nRLC, or RLC with a suffix.
        #[arg(long, default_value = "0", value_parser = parse_amount)]
        max_price: U256,
        /// Only this workerpool [default: the network's].
        #[arg(long)]
        workerpool: Option<Address>,
        /// Wait for the task and show its result.
        #[arg(long)]
        wait: bool,
        /// With --wait: also write the result's files here.
        #[arg(long, requires = "wait")]
        out: Option<PathBuf>,
        #[command(flatten)]
        user: UserArgs,
    },
}

/// An amount: nRLC, or RLC with an `RLC` suffix (`2RLC`, `0.5 RLC`).
pub(crate) fn parse_amount(text: &str) -> Result<U256, String> {
    let text = text.trim();
    let invalid = || format!("{text:?} is not an amount: nRLC (2000000000) or RLC (2RLC, 0.5RLC)");
    if let Some(rlc) = text
        .strip_suffix("RLC")
        .or_else(|| text.strip_suffix("rlc"))
        .filter(|rest| !rest.ends_with(['n', 'N']))
    {
        let rlc = rlc.trim();
        // 1 nRLC is the smallest amount: finer fractions would be rounded away.
        if rlc
            .split_once('.')
            .is_some_and(|(_, fraction)| fraction.len() > 9)
        {
            return Err(invalid());
        }
        return alloy_primitives::utils::parse_units(rlc, 9)
            .map(Into::into)
            .map_err(|_| invalid());
    }
    let digits = text
        .strip_suffix("nRLC")
        .or_else(|| text.strip_suffix("nrlc"))
        .unwrap_or(text)
        .trim();
    U256::from_str_radix(digits, 10).map_err(|_| invalid())
}

fn parse_user(text: &str) -> Result<Address, String> {
    if text.eq_ignore_ascii_case("any") {
        return Ok(Address::ZERO);
    }
    text.parse()
        .map_err(|_| format!("{text:?} is neither an address nor `any`"))
}

fn parse_secret(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .filter(|(name, _)| !name.is_empty())
        .ok_or_else(|| format!("{text:?} is not NAME=VALUE"))?;
    if name.parse::<u32>() == Ok(0) {
        return Err("secret indices start at 1".to_owned());
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// The index each `NAME=VALUE` secret gets: NAME when it is a number, else the next free one
/// from 1, in order.
pub(crate) fn secrets_by_index(
    secrets: Vec<(String, String)>,
) -> std::collections::BTreeMap<u32, String> {
    let mut indexed: std::collections::BTreeMap<u32, String> = secrets
        .iter()
        .filter_map(|(name, value)| Some((name.parse().ok()?, value.clone())))
        .collect();
    let mut next = 1;
    for (name, value) in secrets {
        if name.parse::<u32>().is_err() {
            while indexed.contains_key(&next) {
                next += 1;
            }
            indexed.insert(next, value);
        }
    }
    indexed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_nrlc_or_rlc() {
        assert_eq!(parse_amount("5"), Ok(U256::from(5)));
        assert_eq!(parse_amount("5nRLC"), Ok(U256::from(5)));
        assert_eq!(parse_amount("2RLC"), Ok(U256::from(2_000_000_000u64)));
        assert_eq!(parse_amount("0.5 RLC"), Ok(U256::from(500_000_000u64)));
        assert!(parse_amount("two").is_err());
        assert!(parse_amount("-1").is_err());
        assert!(parse_amount("0.0000000001RLC").is_err());
    }

    #[test]
    fn secrets_are_numbered() {
        assert_eq!(
            parse_secret("1=a=b"),
            Ok(("1".to_owned(), "a=b".to_owned()))
        );
        assert!(parse_secret("0=x").is_err());
        assert!(parse_secret("=x").is_err());
        assert!(parse_secret("x").is_err());
        let secrets = ["api=k", "2=two", "token=t"]
            .map(|text| parse_secret(text).unwrap())
            .to_vec();
        let indexed: Vec<(u32, String)> = secrets_by_index(secrets).into_iter().collect();
        assert_eq!(
            indexed,
            [
                (1, "k".to_owned()),
                (2, "two".to_owned()),
                (3, "t".to_owned())
            ]
        );
    }
}
