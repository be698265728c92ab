//! A real PostgreSQL server for the store's tests: one per test run, initialized in a temporary
//! directory, listening on 127.0.0.1 only, and gone with its files when the test process exits
//! however it exits. Each test gets a database of its own.
//!
//! PostgreSQL refuses to run as root: under root the server runs as `nobody` (the data directory
//! is handed to that user, and `Command::uid`/`gid` drop the privileges and the supplementary
//! groups before exec).
//!
//! Test support only (feature `testing`): a failure here panics, which is the test's report.
#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    missing_debug_implementations
)]

use sqlx::Connection;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

struct Server {
    port: u16,
    /// Its end of the pipe that keeps the server alive: closed when this process exits, and the
    /// supervising shell then stops the server and removes its directory.
    _lifeline: Mutex<ChildStdin>,
    _supervisor: Mutex<Child>,
}

/// Where `scripts/postgres` leaves the server binaries, in its order.
fn binaries() -> Option<PathBuf> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .collect();
    // Newest major version first.
    debian.sort_by_key(|dir| {
        std::cmp::Reverse(
            dir.parent()
                .and_then(|version| version.file_name()?.to_str()?.parse::<u32>().ok()),
        )
    });
    let path = std::env::var_os("PATH").unwrap_or_default();
    let candidates = std::env::var_os("CONFIDE_POSTGRES_BIN")
        .map(PathBuf::from)
        .into_iter()
        .chain(std::env::split_paths(&path))
        .chain(debian)
        .chain([workspace.join("target/postgres/bin")]);
    let mut looked = Vec::new();
    for dir in candidates {
        if has_server(&dir) {
            return Some(dir);
        }
        looked.push(dir.display().to_string());
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "no PostgreSQL server under CI (run scripts/postgres); looked in {}",
        looked.join(", ")
    );
    println!(
        "skipped: no PostgreSQL server (initdb, postgres) on PATH, in /usr/lib/postgresql/*/bin \
         or target/postgres/bin (run scripts/postgres)"
    );
    None
}

/// A fresh database on the shared server (`None`, with a message, when there is no server).
pub async fn postgres_database() -> Option<String> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let server = SERVER.get_or_init(|| binaries().map(start)).as_ref()?;
    let name = format!("test_{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let base = format!("postgres://postgres@127.0.0.1:{}", server.port);
    sqlx::any::install_default_drivers();
    let mut admin = sqlx::AnyConnection::connect(&format!("{base}/postgres"))
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.unwrap();
    Some(format!("{base}/{name}"))
}

/// Initializes the cluster, then serves until stdin closes; then stops the server (fast
/// shutdown) and deletes everything. `$1` binaries, `$2` the directory, `$3` the port.
const SUPERVISOR: &str = r#"
"$1/initdb" -D "$2/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$2/initdb.log" 2>&1 ||
  { cat "$2/initdb.log"; rm -rf "$2"; exit 1; }
"$1/postgres" -D "$2/data" -k "$2" -h 127.0.0.1 -p "$3" -c max_connections=300 \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off 2>&1 &
server=$!
cat >/dev/null
kill -INT "$server" 2>/dev/null
wait "$server"
rm -rf "$2"
"#;

/// The uid and gid of `nobody`, from /etc/passwd.
fn nobody() -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|fields| fields.first() == Some(&"nobody") && fields.len() > 3)
        .and_then(|fields| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
        .unwrap_or((65534, 65534))
}

fn start(binaries: PathBuf) -> Server {
    let running_as_root = std::fs::metadata("/proc/self").unwrap().uid() == 0;
    let mut failures = Vec::new();
    // The port is free when chosen but could be taken before the server binds it: retried.
    for _ in 0..3 {
        let root = tempfile::tempdir().unwrap().keep();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(SUPERVISOR)
            .arg("postgres-supervisor")
            .arg(&binaries)
            .arg(&root)
            .arg(port.to_string())
            .current_dir(&root)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if running_as_root {
            let (uid, gid) = nobody();
            std::os::unix::fs::chown(&root, Some(uid), Some(gid)).unwrap();
            command.uid(uid).gid(gid);
        }
        let mut child = command.spawn().unwrap();
        let lifeline = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = Vec::new();
        let ready = loop {
            match lines.next() {
                Some(Ok(line)) if line.contains("ready to accept connections") => break true,
                Some(Ok(line)) => seen.push(line),
                _ => break false,
            }
        };
        if ready {
            // The server logs on: keep draining its output so it never blocks.
            std::thread::spawn(move || lines.for_each(drop));
            return Server {
                port,
                _lifeline: Mutex::new(lifeline),
                _supervisor: Mutex::new(child),
            };
        }
        drop(lifeline);
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&root);
        failures.push(seen.join("\n"));
    }
    panic!(
        "PostgreSQL from {} did not start:\n{}",
        binaries.display(),
        failures.join("\n---\n")
    );
}
