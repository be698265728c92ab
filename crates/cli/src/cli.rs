//! Command-line grammar.

use alloy_primitives::{Address, U256};
use clap::{Args, Parser, Subcommand, ValueEnum};
use confide_protocol::OrderKind;
use std::net::IpAddr;
use std::path::PathBuf;

mod user;
pub(crate) use user::{
    AccountCommand, AppCommand, TaskCommand, UserArgs, UserDataCommand, secrets_by_index,
};

/// Confide: protect data, grant priced access to it, and run confidential apps on it.
#[derive(Debug, Parser)]
#[command(name = "confide", version, about, propagate_version = true)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// `confide data protect --json '{...}'` protects a JSON object, while `--json` alone (on any
/// command) asks for JSON output: a `--json` directly followed by an object (`{…}`) is read
/// as `--object`.
pub(crate) fn json_object_as_flag(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = args.into_iter().collect();
    for index in 0..args.len() {
        let next_is_object = args
            .get(index + 1)
            .and_then(|next| next.to_str())
            .is_some_and(|next| next.trim_start().starts_with('{'));
        if args[index] == "--json" && next_is_object {
            args[index] = "--object".into();
        } else if let Some(object) = args[index]
            .to_str()
            .and_then(|arg| arg.strip_prefix("--json="))
            .filter(|object| object.trim_start().starts_with('{'))
        {
            args[index] = format!("--object={object}").into();
        }
    }
    args
}

/// Flags every command takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Print one JSON document instead of human-readable text.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// More logs on stderr (-v info, -vv debug, -vvv trace; or set CONFIDE_LOG).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Hash, sign and verify PoCo orders (EIP-712).
    #[command(subcommand)]
    Order(OrderCommand),
    /// Protected data: protect, list, grant, revoke, transfer, process; seal and unseal files.
    #[command(subcommand)]
    Data(DataCommand),
    /// Tasks: show one, wait for one.
    #[command(subcommand)]
    Task(TaskCommand),
    /// The account's RLC: balance, deposit, withdraw.
    #[command(subcommand)]
    Account(AccountCommand),
    /// iApps: deploy one (stored, registered, offered on the market).
    #[command(subcommand)]
    App(AppCommand),
    /// Ethereum keystores (JSON v3): create, import, show.
    #[command(subcommand)]
    Wallet(WalletCommand),
    /// Task results (get one, decrypted); result encryption keys; encrypt and decrypt results.
    #[command(subcommand)]
    Result(ResultCommand),
    /// A guided tour of what runs offline: wallet, signed orders, sealed data, encrypted result.
    #[command(after_help = "Example:\n  confide demo")]
    Demo(DemoArgs),
    /// Measurements of the protocol contracts.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// A local chain with the protocol deployed, for development.
    #[command(subcommand)]
    Chain(ChainCommand),
    /// Content-addressed storage: add files (their CID is the one IPFS gives them), get them
    /// back verified.
    #[command(subcommand)]
    Storage(StorageCommand),
    /// The Secret Management Service: dataset keys and app, requester and result secrets,
    /// encrypted at rest, released only to attested enclaves of active tasks. Serves HTTP until
    /// SIGINT/SIGTERM.
    #[command(after_help = "Example:\n  confide sms --rpc http://127.0.0.1:8545 --dev")]
    Sms(SmsArgs),
    /// The indexer: follows the protocol's events with confirmations into a database (SQLite
    /// or PostgreSQL) and serves protected data, assets, deals, tasks and accounts over HTTP
    /// until SIGINT/SIGTERM.
    #[command(
        after_help = "Example:\n  confide indexer --rpc http://127.0.0.1:8545 --database postgres://indexer:secret@127.0.0.1/indexer"
    )]
    Indexer(IndexerArgs),
    /// The market: the order book of app, dataset, workerpool and request orders (iExec's
    /// market API), each checked against the chain at publication and kept in step with its
    /// events. Serves HTTP until SIGINT/SIGTERM.
    #[command(
        after_help = "Example:\n  confide market --rpc http://127.0.0.1:8545 --confirmations 2"
    )]
    Market(MarketArgs),
    /// Attestation: verify Intel DCAP quotes (TDX, SGX) against Intel's collateral.
    #[command(subcommand)]
    Tee(TeeCommand),
    /// A workerpool's scheduler: keeps the pool's order on the market, takes its deals, runs
    /// every task on registered workers through to COMPLETED (or claims it at its deadline).
    /// Serves the workers' API over HTTP until SIGINT/SIGTERM.
    #[command(
        after_help = "Example:\n  confide scheduler --keystore pool.json --sms http://127.0.0.1:13300 --market http://127.0.0.1:13400"
    )]
    Scheduler(SchedulerArgs),
    /// A worker: registers with a workerpool's scheduler, pulls tasks, checks each on-chain,
    /// runs the iApp in the sandbox (in an attested enclave session for TEE tasks), stores the
    /// result and contributes. Serves its status over HTTP until SIGINT/SIGTERM.
    #[command(
        after_help = "Example:\n  confide worker --keystore worker.json --scheduler http://127.0.0.1:13600 --tee tdx"
    )]
    Worker(WorkerArgs),
    /// The whole local network in one process, for development: the dev chain (JSON-RPC),
    /// storage, the SMS (dev mode: simulated TEE evidence accepted), the market, the indexer, a
    /// scheduler with its workerpool, and workers (simulated TEE). Funded dev accounts; state
    /// kept in a data directory across restarts; writes the network file the other commands
    /// read. Runs until SIGINT/SIGTERM.
    #[command(
        after_help = "Examples:\n  confide dev\n  confide dev --workers 3\n  confide dev --reset --data-dir /tmp/confide-dev"
    )]
    Dev(DevArgs),
}

/// The chain a service reads: its node and its deployment, given one by one or by a network
/// file (the configuration `confide dev` writes: the chain, its deployment and the services'
/// URLs, each flag overriding it).
#[derive(Debug, Args)]
pub(crate) struct ChainConnection {
    /// JSON-RPC URL of the chain [default: the network file's, else http://127.0.0.1:8545].
    #[arg(long, env = "CONFIDE_RPC")]
    pub(crate) rpc: Option<String>,
    /// The deployment file [default: the network file's; else the node is asked (a Confide
    /// dev chain tells its genesis deployment)].
    #[arg(long, env = "CONFIDE_DEPLOYMENT")]
    pub(crate) deployment: Option<PathBuf>,
    /// A network file (`confide dev` writes `~/.confide/network.json`) with the chain, its
    /// deployment and the other services' URLs.
    #[arg(long, env = "CONFIDE_NETWORK", value_name = "FILE")]
    pub(crate) network: Option<PathBuf>,
}

/// `confide sms`.
#[derive(Debug, Args)]
pub(crate) struct SmsArgs {
    /// Address to listen on (port 0 picks a free one, printed).
    #[arg(long, default_value = "127.0.0.1:13300")]
    pub(crate) listen: std::net::SocketAddr,
    #[command(flatten)]
    pub(crate) chain: ChainConnection,
    /// Where the database and master key live by default [default: $CONFIDE_HOME/sms, else
    /// ~/.confide/sms].
    #[arg(long)]
    pub(crate) data_dir: Option<PathBuf>,
    /// Database URL: `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB` [default: SQLite in
    /// the data directory].
    #[arg(long, env = "CONFIDE_SMS_DATABASE")]
    pub(crate) database: Option<String>,
    /// The master key file (32 bytes, created at first start, mode 0600) [default: in the data
    /// directory].
    #[arg(long, env = "CONFIDE_SMS_MASTER_KEY")]
    pub(crate) master_key: Option<PathBuf>,
    /// Attestation policy (JSON: allowed measurements, minimum TCB status, accepted
    /// advisories) [default: up-to-date, non-debug hardware only].
    #[arg(long)]
    pub(crate) policy: Option<PathBuf>,
    /// Intel DCAP collateral (PCK CRLs, TCB info, QE identity, as JSON) for TDX and SGX
    /// quotes: a file, or a directory of `*.json` files; repeatable. Cached until its next
    /// update.
    #[arg(long)]
    pub(crate) collateral: Vec<PathBuf>,
    /// Dev mode: accept simulated evidence (from the dev simulator, or those of --simulator).
    #[arg(long)]
    pub(crate) dev: bool,
    /// In dev mode, a simulator key to trust (its address); repeatable.
    #[arg(long, requires = "dev")]
    pub(crate) simulator: Vec<Address>,
}

/// `confide indexer`.
#[derive(Debug, Args)]
pub(crate) struct IndexerArgs {
    /// Address to listen on (port 0 picks a free one, printed).
    #[arg(long, default_value = "127.0.0.1:13500")]
    pub(crate) listen: std::net::SocketAddr,
    #[command(flatten)]
    pub(crate) chain: ChainConnection,
    /// Where the database lives by default [default: $CONFIDE_HOME/indexer, else
    /// ~/.confide/indexer].
    #[arg(long)]
    pub(crate) data_dir: Option<PathBuf>,
    /// Database URL: `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB` [default: SQLite in
    /// the data directory].
    #[arg(long, env = "CONFIDE_INDEXER_DATABASE")]
    pub(crate) database: Option<String>,
    /// Blocks a log needs, its own included, before it is indexed (deeper reorgs are still
    /// retracted, later).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) confirmations: u64,
    /// The first block indexed by a new database [default: the deployment's block, else 0];
    /// a database resumes where it stopped.
    #[arg(long)]
    pub(crate) start_block: Option<u64>,
}

/// `confide market`.
#[derive(Debug, Args)]
pub(crate) struct MarketArgs {
    /// Address to listen on (port 0 picks a free one, printed).
    #[arg(long, default_value = "127.0.0.1:13400")]
    pub(crate) listen: std::net::SocketAddr,
    #[command(flatten)]
    pub(crate) chain: ChainConnection,
    /// Where the database lives by default [default: $CONFIDE_HOME/market, else
    /// ~/.confide/market].
    #[arg(long)]
    pub(crate) data_dir: Option<PathBuf>,
    /// Database URL: `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB` [default: SQLite in
    /// the data directory].
    #[arg(long, env = "CONFIDE_MARKET_DATABASE")]
    pub(crate) database: Option<String>,
    /// Confirmations before a block's events update the book (1: once mined).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) confirmations: u64,
    /// On a fresh database, the first block whose events are read [default: the chain's head];
    /// afterwards the watcher resumes from its checkpoint.
    #[arg(long)]
    pub(crate) start_block: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TeeCommand {
    /// Verify a DCAP quote offline against its collateral and check it with a policy; prints
    /// the measurements and TCB status. Exit 3 when the quote does not verify or the policy
    /// refuses it.
    #[command(
        after_help = "Example:\n  confide tee verify-quote quote.bin --collateral collateral/"
    )]
    VerifyQuote {
        /// The quote: a binary file, or a text file of hex.
        quote: PathBuf,
        /// The collateral JSON (TCB info, QE identity, CRLs and their chains, as from Intel's
        /// PCS or a PCCS).
        #[arg(long)]
        collateral: PathBuf,
        /// Verification time in UNIX seconds (default: now); the collateral must be valid then.
        #[arg(long)]
        now: Option<u64>,
        /// Policy JSON (kebab-case keys: min-tcb-status, accepted-advisories, mr-td, ...);
        /// default: up-to-date, no advisory, no debug, any measurement.
        #[arg(long)]
        policy: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum StorageCommand {
    /// Store a file; prints its CID (`ipfs add --cid-version=1`'s).
    #[command(after_help = "Example:\n  confide storage add salaries.csv")]
    Add {
        /// The file (`-` for standard input).
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write file CID to OUT, every block verified; OUT appears only when complete.
    #[command(after_help = "Example:\n  confide storage get bafkreih… salaries.csv")]
    Get {
        /// The CID (`bafy…`, `bafk…`, `Qm…`, or another multibase form).
        cid: String,
        /// Where to write it.
        out: PathBuf,
        /// Read through this HTTP gateway (`https://ipfs.io`, a node's `/ipfs/`) instead of a
        /// store; every block is verified all the same.
        #[arg(long, env = "CONFIDE_IPFS_GATEWAY")]
        gateway: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Serve the store over HTTP until SIGINT/SIGTERM: the gateway (`GET /ipfs/CID`, byte
    /// ranges, raw blocks) and Kubo's RPC for it (`/api/v0/add`, `cat`, `block/get`, `pin`).
    /// Uploads are not authenticated: listen beyond loopback only on a trusted network.
    #[command(after_help = "Example:\n  confide storage serve --listen 127.0.0.1:5001")]
    Serve {
        /// Address to listen on (port 0 picks a free one).
        #[arg(long, default_value = "127.0.0.1:5001")]
        listen: std::net::SocketAddr,
        /// Largest file accepted by `/api/v0/add`, in bytes.
        #[arg(long, default_value_t = 1 << 30)]
        max_upload: u64,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Which store: the local one, or an IPFS node's when `--ipfs` is given.
#[derive(Debug, Args)]
pub(crate) struct StoreArgs {
    /// The local store's directory [default: $CONFIDE_HOME/storage, else ~/.confide/storage].
    #[arg(long, env = "CONFIDE_STORE")]
    pub(crate) store: Option<PathBuf>,
    /// Use this IPFS node's RPC API instead (Kubo's, js-ipfs's or a `confide storage serve`:
    /// `http://127.0.0.1:5001`); the CID is checked against ours, reads are verified.
    #[arg(long, env = "CONFIDE_IPFS_API")]
    pub(crate) ipfs: Option<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ChainCommand {
    /// Run a local dev chain (like anvil) with Confide's protocol deployed and funded dev
    /// accounts, serving Ethereum JSON-RPC until SIGINT/SIGTERM. Its state is persisted and
    /// reloaded at the next start.
    #[command(after_help = "Example:\n  confide chain dev --port 8545 --ephemeral")]
    Dev(ChainDevArgs),
    /// Deploy and configure the protocol on any EVM node (anvil, geth, reth, an L2, a dev
    /// chain) from a keystore, and write a deployment file.
    #[command(
        after_help = "Example:\n  confide chain deploy --rpc http://127.0.0.1:8545 --keystore deployer.json"
    )]
    Deploy(ChainDeployArgs),
    /// Print where the protocol lives: chain id, block height, node, contract addresses.
    #[command(after_help = "Example:\n  confide chain info --rpc http://127.0.0.1:8545")]
    Info(ChainInfoArgs),
}

/// `confide chain deploy`.
#[derive(Debug, Args)]
pub(crate) struct ChainDeployArgs {
    /// JSON-RPC URL of the node.
    #[arg(long, env = "CONFIDE_RPC", default_value = "http://127.0.0.1:8545")]
    pub(crate) rpc: String,
    #[command(flatten)]
    pub(crate) keystore: KeystoreArgs,
    /// The deployment file to write.
    #[arg(long, short, default_value = "deployment.json")]
    pub(crate) out: PathBuf,
    /// Replace an existing deployment file.
    #[arg(long)]
    pub(crate) force: bool,
}

/// `confide chain info`.
#[derive(Debug, Args)]
pub(crate) struct ChainInfoArgs {
    #[command(flatten)]
    pub(crate) chain: ChainConnection,
}

/// `confide chain dev`.
#[derive(Debug, Args)]
pub(crate) struct ChainDevArgs {
    /// Address to listen on (the dev keys are public: keep it on loopback).
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: IpAddr,
    /// Port to listen on; 0 picks a free one (printed).
    #[arg(short, long, default_value_t = 8545)]
    pub(crate) port: u16,
    /// Where the chain is persisted and reloaded from [default: $CONFIDE_HOME/devchain, else
    /// ~/.confide/devchain].
    #[arg(long, conflicts_with = "ephemeral")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Keep the chain in memory only: nothing is read or written, the state is lost at exit.
    #[arg(long)]
    pub(crate) ephemeral: bool,
    /// Mine a block every SECS seconds with the pending transactions [default: a block per
    /// transaction, at once].
    #[arg(short, long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) block_time: Option<u64>,
    /// Chain id (part of the genesis: a data directory keeps the one it was created with).
    #[arg(long, default_value_t = 31_337)]
    pub(crate) chain_id: u64,
    /// Number of funded dev accounts (part of the genesis).
    #[arg(short, long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub(crate) accounts: u32,
    /// BIP-39 mnemonic the dev accounts derive from (part of the genesis; anvil's by default).
    #[arg(short, long, default_value = confide_chain::devchain::DEFAULT_MNEMONIC)]
    pub(crate) mnemonic: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// Gas of the protocol's scenarios (TEE task, replicated task, bulk deal), on Confide and
    /// on the reference PoCo side by side, in fresh in-process EVMs.
    #[command(after_help = "Example:\n  confide bench gas --json")]
    Gas {
        /// The extracted reference PoCo npm package (get it with scripts/reference-poco).
        #[arg(
            long,
            env = confide_chain::deploy::REFERENCE_POCO_ENV,
            default_value = confide_chain::deploy::REFERENCE_POCO_DIR
        )]
        reference: PathBuf,
    },
}

/// The EIP-712 domain of a PoCo deployment.
#[derive(Debug, Args)]
pub(crate) struct DomainArgs {
    /// Chain id of the deployment (decimal or 0x-hex).
    #[arg(long, env = "CONFIDE_CHAIN_ID", value_parser = parse_u256)]
    pub(crate) chain_id: U256,
    /// Address of the PoCo contract (the EIP-712 verifying contract).
    #[arg(long, env = "CONFIDE_VERIFYING_CONTRACT")]
    pub(crate) verifying_contract: Address,
}

/// An order document.
#[derive(Debug, Args)]
pub(crate) struct OrderInput {
    /// Order JSON file, or `-` for standard input.
    #[arg(default_value = "-")]
    pub(crate) file: PathBuf,
    /// Order kind; inferred from the fields when omitted.
    #[arg(long, value_parser = parse_kind)]
    pub(crate) kind: Option<OrderKind>,
}

/// The key a service signs transactions with: a keystore, or a dev chain's public dev account.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct ServiceWallet {
    /// Ethereum JSON keystore (v3) of the service's account (password from --password-file,
    /// else $CONFIDE_PASSWORD).
    #[arg(long, env = "CONFIDE_KEYSTORE")]
    pub(crate) keystore: Option<PathBuf>,
    /// Use dev account N of a local dev chain (its keys are public: refused on other chains).
    #[arg(long, value_name = "N")]
    pub(crate) dev_account: Option<u32>,
}

/// `confide scheduler`.
#[derive(Debug, Args)]
pub(crate) struct SchedulerArgs {
    /// Address of the workers' API (port 0 picks a free one, printed).
    #[arg(long, default_value = "127.0.0.1:13600")]
    pub(crate) listen: std::net::SocketAddr,
    #[command(flatten)]
    pub(crate) chain: ChainConnection,
    #[command(flatten)]
    pub(crate) wallet: ServiceWallet,
    /// File holding the keystore password (else $CONFIDE_PASSWORD).
    #[arg(long)]
    pub(crate) password_file: Option<PathBuf>,
    /// The workerpool to run (owned by the wallet) [default: the one recorded in the data
    /// directory, else a new one registered now and recorded].
    #[arg(long)]
    pub(crate) workerpool: Option<alloy_primitives::Address>,
    /// The SMS of TEE tasks (enclave challenges); without it (and without a network file)
    /// TEE deals are not run.
    #[arg(long, env = "CONFIDE_SMS")]
    pub(crate) sms: Option<String>,
    /// The market the pool's workerpool order is kept on sale in; without it (and without a
    /// network file) none is published.
    #[arg(long, env = "CONFIDE_MARKET")]
    pub(crate) market: Option<String>,
    /// Price per task of the pool's order, nRLC.
    #[arg(long, default_value_t = 1_000_000_000)]
    pub(crate) price: u64,
    /// Tasks per workerpool order.
    #[arg(long, default_value_t = 100)]
    pub(crate) volume: u64,
    /// Tag of the pool's order, comma-separated (tee, tdx, scone, gramine, gpu) [default:
    /// tee,tdx with --sms, else none].
    #[arg(long)]
    pub(crate) tag: Option<String>,
    /// The largest trust the pool's order accepts (replicated tasks need enough workers).
    #[arg(long, default_value_t = 0)]
    pub(crate) trust: u64,
    /// Category of the pool's order (0: XS).
    #[arg(long, default_value_t = 0)]
    pub(crate) category: u64,
    /// Storage node (IPFS RPC API) replicated tasks' results are stored in [default: the
    /// network file's, else http://127.0.0.1:5001].
    #[arg(long, env = "CONFIDE_IPFS_API")]
    pub(crate) ipfs: Option<String>,
    /// Where the database and the pool's address live by default [default:
    /// $CONFIDE_HOME/scheduler, else ~/.confide/scheduler].
    #[arg(long)]
    pub(crate) data_dir: Option<PathBuf>,
    /// Database URL: `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB` [default: SQLite in
    /// the data directory].
    #[arg(long, env = "CONFIDE_SCHEDULER_DATABASE")]
    pub(crate) database: Option<String>,
    /// Confirmations before a deal is taken (1: once mined).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) confirmations: u64,
    /// Seconds between a worker's heartbeats.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) heartbeat_interval: u64,
    /// Seconds of silence after which a worker is lost and its tasks go to others.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) worker_timeout: u64,
    /// Milliseconds between two looks at the chain (new deals, task states); a local dev chain
    /// mines at once and can take a shorter one than a real chain's block time.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(10..))]
    pub(crate) poll_interval_ms: u64,
}

/// Which TEE a worker attests with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum TeeBackendArg {
    /// No TEE: only replicated (non-TEE) tasks.
    None,
    /// Intel TDX, through the Linux configfs-tsm interface.
    Tdx,
    /// The simulator (no hardware; accepted only by an SMS in dev mode).
    Sim,
}

/// `confide worker`.
#[derive(Debug, Args)]
pub(crate) struct WorkerArgs {
    /// The scheduler of the workerpool to work for [default: the network file's, else
    /// http://127.0.0.1:13600].
    #[arg(long, env = "CONFIDE_SCHEDULER")]
    pub(crate) scheduler: Option<String>,
    /// Address of the worker's status endpoint (port 0 picks a free one, printed).
    #[arg(long, default_value = "127.0.0.1:13700")]
    pub(crate) listen: std::net::SocketAddr,
    #[command(flatten)]
    pub(crate) chain: ChainConnection,
    #[command(flatten)]
    pub(crate) wallet: ServiceWallet,
    /// File holding the keystore password (else $CONFIDE_PASSWORD).
    #[arg(long)]
    pub(crate) password_file: Option<PathBuf>,
    /// Storage node (IPFS RPC API: Kubo's or a `confide storage serve`) apps and datasets are
    /// fetched from and results stored in [default: the network file's, else
    /// http://127.0.0.1:5001].
    #[arg(long, env = "CONFIDE_IPFS_API")]
    pub(crate) ipfs: Option<String>,
    /// Where tasks are run [default: $CONFIDE_HOME/worker, else ~/.confide/worker].
    #[arg(long)]
    pub(crate) work_dir: Option<PathBuf>,
    /// Tasks run at once.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub(crate) capacity: u32,
    /// The TEE to attest with.
    #[arg(long, value_enum, default_value = "none")]
    pub(crate) tee: TeeBackendArg,
    /// Free stake to keep deposited, nRLC: replicated tasks are only given to workers whose
    /// stake covers the deal's worker stake. Topped up from the wallet at start.
    #[arg(long, default_value_t = 0)]
    pub(crate) stake: u64,
}

/// A keystore and its password.
#[derive(Debug, Args)]
pub(crate) struct KeystoreArgs {
    /// Ethereum JSON keystore (v3) of the signer.
    #[arg(long, env = "CONFIDE_KEYSTORE")]
    pub(crate) keystore: PathBuf,
    /// File holding the keystore password (else $CONFIDE_PASSWORD, else a prompt).
    #[arg(long)]
    pub(crate) password_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum OrderCommand {
    /// Print an order's EIP-712 hash (its id on-chain and in the order book).
    #[command(
        after_help = "Example:\n  confide order hash order.json --chain-id 31337 --verifying-contract 0xC0FF…EE01"
    )]
    Hash {
        #[command(flatten)]
        domain: DomainArgs,
        #[command(flatten)]
        input: OrderInput,
    },
    /// Sign an order and print it with its `sign` field.
    #[command(
        after_help = "Example:\n  confide order sign order.json --chain-id 31337 --verifying-contract 0xC0FF…EE01 --keystore alice.json"
    )]
    Sign {
        #[command(flatten)]
        domain: DomainArgs,
        #[command(flatten)]
        input: OrderInput,
        #[command(flatten)]
        keystore: KeystoreArgs,
        /// Write the signed order here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Exit 0 if the order's `sign` is a valid signature by --signer, 3 otherwise.
    #[command(
        after_help = "Example:\n  confide order verify signed.json --chain-id 31337 --verifying-contract 0xC0FF…EE01 --signer 0x3C44…93BC"
    )]
    Verify {
        #[command(flatten)]
        domain: DomainArgs,
        #[command(flatten)]
        input: OrderInput,
        /// The address that must have signed (asset owner or requester).
        #[arg(long)]
        signer: Address,
    },
}

/// Sealing format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SealFormatArg {
    /// Confide's authenticated format: AES-256-GCM in chunks (default).
    Confide,
    /// iExec's legacy AES-256-CBC format (IV then PKCS#7 ciphertext), unauthenticated.
    IexecCbc,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DataCommand {
    #[command(flatten)]
    User(UserDataCommand),
    /// Encrypt a file; prints the on-chain checksum. Streams: constant memory.
    #[command(after_help = "Example:\n  confide data seal record.zip record.sealed")]
    Seal {
        /// Plaintext file.
        input: PathBuf,
        /// Sealed file to write.
        output: PathBuf,
        /// Sealing format.
        #[arg(long, value_enum, default_value_t = SealFormatArg::Confide)]
        format: SealFormatArg,
        /// Key file (base64 of 32 bytes, iExec's format). Created with a fresh key when it does
        /// not exist; defaults to OUTPUT.key.
        #[arg(long)]
        key_file: Option<PathBuf>,
    },
    /// Decrypt a sealed file (format detected). Nothing is written unless all of it authenticates.
    #[command(
        after_help = "Example:\n  confide data unseal record.sealed record.zip --key-file record.sealed.key"
    )]
    Unseal {
        /// Sealed file.
        input: PathBuf,
        /// Plaintext file to write.
        output: PathBuf,
        /// Key file (base64 or 0x-hex of 32 bytes).
        #[arg(long)]
        key_file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum WalletCommand {
    /// Create a new key in a keystore file.
    #[command(after_help = "Example:\n  confide wallet create --keystore alice.json")]
    Create(NewKeystoreArgs),
    /// Put an existing private key in a keystore file.
    #[command(
        after_help = "Example:\n  confide wallet import --private-key-file key.txt --keystore alice.json"
    )]
    Import {
        /// File holding the private key as hex (0x optional).
        #[arg(long)]
        private_key_file: PathBuf,
        #[command(flatten)]
        target: NewKeystoreArgs,
    },
    /// Print a keystore's address (no password needed).
    #[command(after_help = "Example:\n  confide wallet show --keystore alice.json")]
    Show {
        /// The keystore file.
        #[arg(long, env = "CONFIDE_KEYSTORE")]
        keystore: PathBuf,
    },
}

/// Where and how to write a new keystore.
#[derive(Debug, Args)]
pub(crate) struct NewKeystoreArgs {
    /// Keystore file to write; defaults to ~/.confide/keystore/UTC--<time>--<address>.
    #[arg(long)]
    pub(crate) keystore: Option<PathBuf>,
    /// File holding the password (else $CONFIDE_PASSWORD, else a prompt).
    #[arg(long)]
    pub(crate) password_file: Option<PathBuf>,
    /// Faster, weaker key derivation (scrypt n=4096, p=6) for throwaway test keys.
    #[arg(long)]
    pub(crate) light_kdf: bool,
}

/// Result encryption format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ResultFormatArg {
    /// HPKE (X25519, HKDF-SHA256, AES-256-GCM): Confide's default.
    Confide,
    /// iExec's layout: AES-256-CBC zip + RSA-encrypted key in encrypted-iexec_out.zip.
    Iexec,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ResultCommand {
    /// Download a completed task's result, decrypt it with the requester's result key and
    /// unzip it into a directory.
    #[command(after_help = "Example:\n  confide result get 0x3f…e1 --out ./result --account 4")]
    Get {
        /// The task id.
        task: alloy_primitives::B256,
        /// Directory to write the result's files to (created).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        user: UserArgs,
    },
    /// Generate an X25519 result key pair as PEM files: FILE (private) and FILE.pub.
    #[command(after_help = "Example:\n  confide result keygen --out result-key.pem")]
    Keygen {
        /// Private key file to write (the public key goes to <file>.pub).
        #[arg(long)]
        out: PathBuf,
    },
    /// Encrypt a result archive for a beneficiary's public key.
    #[command(
        after_help = "Example:\n  confide result encrypt result.zip result.enc --public-key result-key.pem.pub"
    )]
    Encrypt {
        /// Result zip.
        input: PathBuf,
        /// Encrypted result to write.
        output: PathBuf,
        /// Beneficiary public key (X25519 or RSA, PEM).
        #[arg(long)]
        public_key: PathBuf,
        /// Encryption format; follows the key when omitted (X25519 → confide, RSA → iexec).
        #[arg(long, value_enum)]
        format: Option<ResultFormatArg>,
    },
    /// Decrypt an encrypted result (Confide HPKE or iExec RSA layout, detected).
    #[command(
        after_help = "Example:\n  confide result decrypt result.enc result.zip --key result-key.pem"
    )]
    Decrypt {
        /// Encrypted result.
        input: PathBuf,
        /// Decrypted result zip to write.
        output: PathBuf,
        /// Private key (X25519 or RSA, PEM).
        #[arg(long)]
        key: PathBuf,
    },
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Working directory for the demo's files (a temporary directory by default).
    #[arg(long)]
    pub(crate) dir: Option<PathBuf>,
}

fn parse_u256(text: &str) -> Result<U256, String> {
    confide_protocol::parse_uint(text).map_err(|e| e.to_string())
}

fn parse_kind(text: &str) -> Result<OrderKind, String> {
    text.parse()
        .map_err(|e: confide_protocol::order::OrderJsonError| e.to_string())
}

/// `confide dev`.
#[derive(Debug, Args)]
pub(crate) struct DevArgs {
    /// Where every service keeps its state (chain, databases, workerpool, SMS master key)
    /// [default: $CONFIDE_HOME/dev, else ~/.confide/dev].
    #[arg(long)]
    pub(crate) data_dir: Option<PathBuf>,
    /// Wipe the state of earlier runs first: a new chain, empty databases, a new workerpool.
    #[arg(long)]
    pub(crate) reset: bool,
    /// Workers run in the node (dev accounts 5 onwards).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=5))]
    pub(crate) workers: u8,
    /// Address every service listens on (the dev keys are public: keep it on loopback).
    #[arg(long, default_value = "127.0.0.1")]
    pub(crate) host: IpAddr,
    /// Accept a --host beyond loopback: anyone reaching it can spend the dev accounts.
    #[arg(long)]
    pub(crate) allow_remote: bool,
    /// The chain's JSON-RPC port (0 picks a free one, like every port flag).
    #[arg(long, default_value_t = 8545)]
    pub(crate) chain_port: u16,
    /// The storage gateway's port (`/ipfs/CID` and the IPFS RPC API `/api/v0`).
    #[arg(long, default_value_t = 13200)]
    pub(crate) storage_port: u16,
    /// The SMS's port.
    #[arg(long, default_value_t = 13300)]
    pub(crate) sms_port: u16,
    /// The market's port.
    #[arg(long, default_value_t = 13400)]
    pub(crate) market_port: u16,
    /// The indexer's port.
    #[arg(long, default_value_t = 13500)]
    pub(crate) indexer_port: u16,
    /// The scheduler's port (its workers' and operators' API).
    #[arg(long, default_value_t = 13600)]
    pub(crate) scheduler_port: u16,
}

#[cfg(test)]
mod tests {
    use super::json_object_as_flag;
    use std::ffi::OsString;

    fn rewrite(args: &[&str]) -> Vec<String> {
        json_object_as_flag(args.iter().map(OsString::from))
            .into_iter()
            .map(|arg| arg.into_string().unwrap())
            .collect()
    }

    #[test]
    fn a_json_object_after_json_is_the_data_to_protect() {
        assert_eq!(
            rewrite(&[
                "confide",
                "data",
                "protect",
                "--json",
                r#"{"a":1}"#,
                "--json"
            ]),
            [
                "confide",
                "data",
                "protect",
                "--object",
                r#"{"a":1}"#,
                "--json"
            ]
        );
        assert_eq!(
            rewrite(&["confide", "--json", "data", "list"]),
            ["confide", "--json", "data", "list"]
        );
        assert_eq!(
            rewrite(&["confide", "data", "protect", r#"--json={"a":1}"#]),
            ["confide", "data", "protect", r#"--object={"a":1}"#]
        );
    }
}

#[cfg(test)]
mod help {
    use super::Cli;
    use clap::CommandFactory;

    /// The commands users run, by path, that lack an example in their `--help`.
    fn without_example(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
        let path = format!("{path} {}", command.get_name()).trim().to_owned();
        if command.has_subcommands() {
            for sub in command.get_subcommands() {
                without_example(sub, &path, missing);
            }
            return;
        }
        let help = command
            .get_after_help()
            .map(ToString::to_string)
            .unwrap_or_default();
        if !help.contains("Example") {
            missing.push(path);
        }
    }

    #[test]
    fn every_command_has_an_example() {
        let mut missing = Vec::new();
        without_example(&Cli::command(), "", &mut missing);
        assert!(missing.is_empty(), "no example in --help of: {missing:#?}");
    }
}
