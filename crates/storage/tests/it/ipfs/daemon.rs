//! A real js-ipfs daemon (offline, on 127.0.0.1, ports chosen by the system), one per test run.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// The running daemon's endpoints.
pub(crate) struct Daemon {
    /// The RPC API (`http://127.0.0.1:<port>`).
    pub(crate) api: String,
    /// The read-only gateway.
    pub(crate) gateway: String,
    /// Its end of the pipe that keeps the daemon alive: closed when this process exits, however
    /// it exits, and the daemon's shell then stops it and removes its repository.
    _lifeline: Mutex<ChildStdin>,
    /// The shell supervising the daemon (reaped by the system when this process exits).
    _supervisor: Mutex<Child>,
}

/// Where `scripts/ipfs` puts the launcher.
fn jsipfs() -> Option<PathBuf> {
    let path = std::env::var_os("CONFIDE_JSIPFS").map_or_else(
        || {
            PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap())
                .join("../../target/ipfs/bin/jsipfs")
        },
        PathBuf::from,
    );
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing under CI (run scripts/ipfs)",
        path.display()
    );
    println!(
        "skipped: js-ipfs not found at {} (run scripts/ipfs to install it from npm)",
        path.display()
    );
    None
}

/// The shared daemon, started on first use; `None` (with a message) when js-ipfs is absent.
pub(crate) fn daemon() -> Option<&'static Daemon> {
    static DAEMON: OnceLock<Option<Daemon>> = OnceLock::new();
    DAEMON.get_or_init(|| jsipfs().map(start)).as_ref()
}

/// Stops the daemon when its stdin closes (the test process is gone), then deletes its files.
const SUPERVISOR: &str = r#"
"$0" daemon --offline --init-config "$1" --init-profile test 2>&1 &
daemon=$!
cat >/dev/null
kill "$daemon" 2>/dev/null
wait "$daemon"
rm -rf "$2"
"#;

fn start(jsipfs: PathBuf) -> Daemon {
    let root = tempfile::tempdir().unwrap().keep();
    let config = root.join("config.json");
    // Port 0 everywhere: the daemon prints the ports it got. No swarm, no bootstrap peers.
    std::fs::write(
        &config,
        r#"{"Addresses":{"API":"/ip4/127.0.0.1/tcp/0","Gateway":"/ip4/127.0.0.1/tcp/0",
            "RPC":"/ip4/127.0.0.1/tcp/0","Swarm":[],"Delegates":[]},"Bootstrap":[]}"#,
    )
    .unwrap();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(SUPERVISOR)
        .arg(&jsipfs)
        .arg(&config)
        .arg(&root)
        .env("IPFS_PATH", root.join("repo"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lifeline = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut api, mut gateway, mut seen) = (None, None, Vec::new());
    let port = |line: &str| {
        let rest = line.split("/tcp/").nth(1)?;
        rest.split('/').next().map(str::to_owned)
    };
    loop {
        let Some(Ok(line)) = lines.next() else {
            panic!("js-ipfs exited before it was ready:\n{}", seen.join("\n"));
        };
        if line.starts_with("HTTP API listening on") {
            api = port(&line).map(|port| format!("http://127.0.0.1:{port}"));
        } else if line.starts_with("Gateway (read only) listening on") {
            gateway = port(&line).map(|port| format!("http://127.0.0.1:{port}"));
        } else if line.contains("Daemon is ready") {
            break;
        }
        seen.push(line);
    }
    // The daemon logs on: keep draining its output so it never blocks.
    std::thread::spawn(move || lines.for_each(drop));
    Daemon {
        api: api.expect("the daemon did not print its API address"),
        gateway: gateway.expect("the daemon did not print its gateway address"),
        _lifeline: Mutex::new(lifeline),
        _supervisor: Mutex::new(child),
    }
}
