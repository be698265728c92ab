//! The services of a local deployment as real `confide` processes on loopback ports: dev chain,
//! storage, SMS, market, indexer, then a scheduler and workers. Each process logs to a file in
//! the stack's directory (shown when a test fails); every process is killed when the stack is
//! dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::path;

/// One service process.
pub(crate) struct Service {
    name: String,
    args: Vec<String>,
    child: Option<Child>,
    log: PathBuf,
    /// `http://127.0.0.1:<port>`.
    pub(crate) url: String,
}

impl Service {
    /// Starts `confide args`, logging to `<dir>/<name>.log`, and waits for its
    /// `Listening on HOST:PORT` line.
    pub(crate) fn start(dir: &Path, name: &str, args: Vec<String>) -> Self {
        let log = dir.join(format!("{name}.log"));
        let mut service = Self {
            name: name.to_owned(),
            args,
            child: None,
            log,
            url: String::new(),
        };
        service.spawn();
        service
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_confide"))
            .args(&self.args)
            .env_remove("CONFIDE_HOME")
            .env("CONFIDE_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(addr) = line.strip_prefix("Listening on ") {
                        break addr.trim().to_owned();
                    }
                }
                _ => {
                    let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                    panic!("{} exited before listening:\n{log}", self.name);
                }
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        self.url = format!("http://{addr}");
        self.child = Some(child);
    }

    /// Kills the process with SIGKILL (no clean-up of any kind) and waits for it.
    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the process again with the same arguments, on the same address.
    pub(crate) fn restart(&mut self) {
        self.kill();
        let addr = self.url.trim_start_matches("http://").to_owned();
        for arg in &mut self.args {
            if arg == "127.0.0.1:0" {
                arg.clone_from(&addr);
            }
        }
        self.spawn();
    }

    /// The process's log so far.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The services every test needs, and the ones it adds.
pub(crate) struct Stack {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) chain: Service,
    pub(crate) storage: Service,
    pub(crate) sms: Service,
    pub(crate) market: Service,
    pub(crate) indexer: Service,
    pub(crate) scheduler: Option<Service>,
    pub(crate) workers: Vec<Service>,
}

/// Arguments as owned strings.
pub(crate) fn args(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| (*item).to_owned()).collect()
}

impl Stack {
    /// Chain, storage, SMS (dev mode: simulated evidence accepted), market and indexer.
    pub(crate) fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let chain = Service::start(
            root,
            "chain",
            args(&["chain", "dev", "--port", "0", "--ephemeral"]),
        );
        let store = root.join("store");
        let storage = Service::start(
            root,
            "storage",
            args(&[
                "storage",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--store",
                path(&store),
            ]),
        );
        let service = |name: &str, extra: &[&str]| {
            let data = root.join(name);
            let mut all = args(&[
                name,
                "--listen",
                "127.0.0.1:0",
                "--rpc",
                &chain.url,
                "--data-dir",
                path(&data),
            ]);
            all.extend(args(extra));
            Service::start(root, name, all)
        };
        let sms = service("sms", &["--dev"]);
        let market = service("market", &["--confirmations", "1"]);
        let indexer = service("indexer", &["--confirmations", "1"]);
        Self {
            dir,
            chain,
            storage,
            sms,
            market,
            indexer,
            scheduler: None,
            workers: Vec::new(),
        }
    }

    /// The storage node's Kubo-compatible RPC API.
    pub(crate) fn storage_api(&self) -> String {
        self.storage.url.clone()
    }

    /// Starts the scheduler of the dev account `account`, which owns `workerpool`, with
    /// `extra` arguments.
    pub(crate) fn start_scheduler(&mut self, account: u32, workerpool: &str, extra: &[&str]) {
        let data = self.dir.path().join("scheduler");
        let mut all = args(&[
            "scheduler",
            "--listen",
            "127.0.0.1:0",
            "--rpc",
            &self.chain.url,
            "--dev-account",
            &account.to_string(),
            "--workerpool",
            workerpool,
            "--sms",
            &self.sms.url,
            "--market",
            &self.market.url,
            "--ipfs",
            &self.storage.url,
            "--data-dir",
            path(&data),
            "--confirmations",
            "1",
        ]);
        all.extend(args(extra));
        self.scheduler = Some(Service::start(self.dir.path(), "scheduler", all));
    }

    /// Starts a worker of the dev account `account` (TEE through the simulator unless `extra`
    /// says `--tee`).
    pub(crate) fn start_worker(&mut self, account: u32, extra: &[&str]) -> usize {
        let scheduler = self.scheduler.as_ref().expect("start the scheduler first");
        let name = format!("worker-{account}");
        let work = self.dir.path().join(&name);
        let mut all = args(&[
            "worker",
            "--listen",
            "127.0.0.1:0",
            "--scheduler",
            &scheduler.url,
            "--rpc",
            &self.chain.url,
            "--dev-account",
            &account.to_string(),
            "--ipfs",
            &self.storage.url,
            "--work-dir",
            path(&work),
            "--stake",
            "10000000000",
        ]);
        if !extra.contains(&"--tee") {
            all.extend(args(&["--tee", "sim"]));
        }
        all.extend(args(extra));
        self.workers
            .push(Service::start(self.dir.path(), &name, all));
        self.workers.len() - 1
    }

    /// Every service's log, for a failing test's report.
    fn logs(&self) -> String {
        let mut all = String::new();
        let services = [
            &self.chain,
            &self.storage,
            &self.sms,
            &self.market,
            &self.indexer,
        ];
        for service in services
            .into_iter()
            .chain(self.scheduler.as_ref())
            .chain(self.workers.iter())
        {
            let log = service.log();
            let tail: String = log
                .lines()
                .rev()
                .take(60)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n");
            all.push_str(&format!("\n===== {} =====\n{tail}\n", service.name));
        }
        all
    }
}

impl Drop for Stack {
    #[allow(clippy::print_stderr)]
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
    }
}

/// Polls `check` every 100 ms until it gives a value, for at most `limit`.
pub(crate) async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
