//! `confide storage add|get|serve`: the local content-addressed store, and its HTTP gateway.
//!
//! `serve` prints `Listening on ADDR` (with `--json`: `{"url", "gateway", "api", "listen",
//! "store", "maxUpload"}`) once the socket is bound, then serves until SIGINT or SIGTERM.

use crate::cli::{StorageCommand, StoreArgs};
use crate::output::Output;
use anyhow::Context;
use confide_storage::gateway::{GatewayConfig, serve};
use confide_storage::{Cid, LocalStore, Storage};
use serde_json::json;
use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long requests in flight may take to finish once a stop signal arrived.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

pub(crate) fn run(command: StorageCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        StorageCommand::Add { file, store } => {
            let store = open(&store)?;
            let dag = if file.as_os_str() == "-" {
                store.put(std::io::stdin().lock())
            } else {
                let input = std::fs::File::open(&file)
                    .with_context(|| format!("cannot open {}", file.display()))?;
                store.put(input)
            }
            .with_context(|| format!("cannot store {}", file.display()))?;
            out.result(
                &dag.root.to_string(),
                json!({
                    "cid": dag.root.to_string(),
                    "size": dag.file_size,
                    "dagSize": dag.dag_size,
                    "blocks": dag.blocks,
                }),
            );
        }
        StorageCommand::Get {
            cid,
            out: path,
            store,
        } => {
            let cid: Cid = cid
                .parse()
                .with_context(|| format!("invalid CID {cid:?}"))?;
            let store = open(&store)?;
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            // Written beside OUT, renamed when complete and verified: a failure leaves nothing.
            let temp = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("cannot write in {}", dir.display()))?;
            let mut writer = BufWriter::new(temp);
            let size = store
                .get(&cid, &mut writer)
                .with_context(|| format!("cannot get {cid}"))?;
            writer.flush()?;
            let temp = writer.into_inner().map_err(|e| e.into_error())?;
            temp.persist(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            out.result(
                &format!("{cid} → {} ({size} bytes, verified)", path.display()),
                json!({ "cid": cid.to_string(), "out": path, "size": size }),
            );
        }
        StorageCommand::Serve {
            listen,
            max_upload,
            store,
        } => {
            let dir = store_dir(&store)?;
            let store = open_dir(&dir)?;
            if !listen.ip().is_loopback() {
                tracing::warn!(
                    %listen,
                    "listening beyond loopback: anyone reaching this address can upload and pin"
                );
            }
            let config = GatewayConfig {
                max_upload,
                ..GatewayConfig::default()
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let result = runtime.block_on(serve_until_stopped(store, &dir, listen, config, out));
            runtime.shutdown_timeout(SHUTDOWN_GRACE);
            result?;
        }
    }
    Ok(())
}

/// Serves `store` on `listen` until SIGINT or SIGTERM.
async fn serve_until_stopped(
    store: LocalStore,
    dir: &Path,
    listen: SocketAddr,
    config: GatewayConfig,
    out: &Output,
) -> anyhow::Result<()> {
    // Installed before the ready line, so a signal sent right after it is not lost.
    let mut signals = crate::commands::chain::dev::StopSignals::install()?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener
        .local_addr()
        .with_context(|| format!("cannot listen on {listen}"))?;
    let url = format!("http://{addr}");
    out.result(
        &format!(
            "Store: {}\nGateway: {url}/ipfs/CID\nKubo RPC: {url}/api/v0\nListening on {addr}",
            dir.display()
        ),
        json!({
            "url": url,
            "gateway": format!("{url}/ipfs/"),
            "api": format!("{url}/api/v0/"),
            "listen": addr.to_string(),
            "store": dir,
            "maxUpload": config.max_upload,
        }),
    );
    // Scripts and tests wait for this line through a pipe.
    std::io::stdout()
        .flush()
        .context("cannot write to standard output")?;
    tracing::info!(%addr, "storage gateway ready");
    let (stop, stopped) = tokio::sync::oneshot::channel::<&'static str>();
    let storage: Arc<dyn Storage> = Arc::new(store);
    let server = tokio::spawn(serve(listener, storage, config, async move {
        if let Ok(signal) = stopped.await {
            tracing::info!(signal, "stopping the storage gateway");
        }
    }));
    let _ = stop.send(signals.wait().await);
    match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
        Ok(Ok(served)) => served.context("the gateway failed")?,
        Ok(Err(panicked)) => return Err(anyhow::Error::new(panicked).context("the gateway failed")),
        Err(_) => {
            tracing::warn!("requests still in flight after the grace period; stopping anyway")
        }
    }
    Ok(())
}

fn store_dir(args: &StoreArgs) -> anyhow::Result<PathBuf> {
    match &args.store {
        Some(dir) => Ok(dir.clone()),
        None => crate::home::default_dir("storage", "pass --store DIR"),
    }
}

fn open_dir(dir: &Path) -> anyhow::Result<LocalStore> {
    LocalStore::open(dir).with_context(|| format!("cannot open the store {}", dir.display()))
}

fn open(args: &StoreArgs) -> anyhow::Result<LocalStore> {
    open_dir(&store_dir(args)?)
}
