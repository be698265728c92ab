//! `confide storage add|get|serve`: the local content-addressed store (or an IPFS node's, with
//! `--ipfs URL`; or any gateway's for `get --gateway URL`), and the HTTP gateway a node serves.
//!
//! `serve` prints `Listening on ADDR` (with `--json`: `{"url", "gateway", "api", "listen",
//! "store", "maxUpload"}`) once the socket is bound, then serves until SIGINT or SIGTERM.

use crate::cli::{StorageCommand, StoreArgs};
use crate::output::Output;
use anyhow::Context;
use confide_storage::backend::reader_stream;
use confide_storage::gateway::{GatewayConfig, serve};
use confide_storage::{
    ByteRange, Cid, GatewayReader, IpfsConfig, IpfsStore, LocalStore, Storage, Timeouts,
};
use futures_util::StreamExt;
use serde_json::json;
use std::io::{BufWriter, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long requests in flight may take to finish once a stop signal arrived.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

pub(crate) fn run(command: StorageCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        StorageCommand::Add { file, store } => add(&file, &store, out),
        StorageCommand::Get {
            cid,
            out: path,
            gateway,
            store,
        } => get(&cid, &path, gateway.as_deref(), &store, out),
        StorageCommand::Serve {
            listen,
            max_upload,
            store,
        } => {
            let store = open(&store)?;
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
            let runtime = runtime()?;
            let result = runtime.block_on(serve_until_stopped(store, listen, config, out));
            runtime.shutdown_timeout(SHUTDOWN_GRACE);
            result
        }
    }
}

/// The store the arguments name.
enum Store {
    Local { dir: PathBuf, store: LocalStore },
    Ipfs { api: String, store: IpfsStore },
}

impl Store {
    /// Where it is, for people and for JSON.
    fn describe(&self) -> String {
        match self {
            Self::Local { dir, .. } => dir.display().to_string(),
            Self::Ipfs { api, .. } => api.clone(),
        }
    }
}

fn add(file: &Path, args: &StoreArgs, out: &Output) -> anyhow::Result<()> {
    let input: Box<dyn Read + Send> = if file.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?,
        )
    };
    let cannot = || format!("cannot store {}", file.display());
    match open(args)? {
        Store::Local { store, .. } => {
            let dag = store.put(input).with_context(cannot)?;
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
        Store::Ipfs { api, store } => {
            let counted = Arc::new(AtomicU64::new(0));
            let reader = Counted {
                inner: input,
                count: counted.clone(),
            };
            let cid = runtime()?
                .block_on(store.put(reader_stream(reader)))
                .with_context(cannot)?;
            out.result(
                &cid.to_string(),
                json!({
                    "cid": cid.to_string(),
                    "size": counted.load(Ordering::Relaxed),
                    "ipfs": api,
                }),
            );
        }
    }
    Ok(())
}

fn get(
    cid: &str,
    path: &Path,
    gateway: Option<&str>,
    args: &StoreArgs,
    out: &Output,
) -> anyhow::Result<()> {
    let cid: Cid = cid
        .parse()
        .with_context(|| format!("invalid CID {cid:?}"))?;
    let cannot = || format!("cannot get {cid}");
    let size = match (gateway, open(args)?) {
        (None, Store::Local { store, .. }) => {
            write_atomically(path, |writer| store.get(&cid, writer).with_context(cannot))?
        }
        (gateway, store) => {
            let runtime = runtime()?;
            let stream = runtime.block_on(async {
                match (gateway, &store) {
                    (Some(url), _) => {
                        let reader = GatewayReader::new(url, Timeouts::default())?;
                        reader.get(cid, ByteRange::ALL).await
                    }
                    (None, Store::Ipfs { store, .. }) => store.get(cid, ByteRange::ALL).await,
                    (None, Store::Local { store, .. }) => {
                        Storage::get(store, cid, ByteRange::ALL).await
                    }
                }
            });
            let mut stream = stream.with_context(cannot)?;
            write_atomically(path, |writer| {
                let mut written = 0;
                while let Some(piece) = runtime.block_on(stream.next()) {
                    let piece = piece.with_context(cannot)?;
                    writer.write_all(&piece)?;
                    written += piece.len() as u64;
                }
                Ok(written)
            })?
        }
    };
    out.result(
        &format!("{cid} → {} ({size} bytes, verified)", path.display()),
        json!({ "cid": cid.to_string(), "out": path, "size": size }),
    );
    Ok(())
}

/// Runs `write` on a temporary file beside `path`, renamed to `path` only when it succeeded:
/// a failure leaves nothing.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<tempfile::NamedTempFile>) -> anyhow::Result<u64>,
) -> anyhow::Result<u64> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    let mut writer = BufWriter::new(temp);
    let size = write(&mut writer)?;
    writer.flush()?;
    let temp = writer.into_inner().map_err(|e| e.into_error())?;
    temp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(size)
}

/// A reader that counts the bytes it gave.
struct Counted {
    inner: Box<dyn Read + Send>,
    count: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Serves `store` on `listen` until SIGINT or SIGTERM.
async fn serve_until_stopped(
    store: Store,
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
            store.describe()
        ),
        json!({
            "url": url,
            "gateway": format!("{url}/ipfs/"),
            "api": format!("{url}/api/v0/"),
            "listen": addr.to_string(),
            "store": store.describe(),
            "maxUpload": config.max_upload,
        }),
    );
    // Scripts and tests wait for this line through a pipe.
    std::io::stdout()
        .flush()
        .context("cannot write to standard output")?;
    tracing::info!(%addr, "storage gateway ready");
    let (stop, stopped) = tokio::sync::oneshot::channel::<&'static str>();
    let storage: Arc<dyn Storage> = match store {
        Store::Local { store, .. } => Arc::new(store),
        Store::Ipfs { store, .. } => Arc::new(store),
    };
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

/// The IPFS node `--ipfs` names, else the local store.
fn open(args: &StoreArgs) -> anyhow::Result<Store> {
    if let Some(api) = &args.ipfs {
        let store = IpfsStore::new(IpfsConfig::new(api.clone()))
            .with_context(|| format!("cannot use the IPFS node {api}"))?;
        return Ok(Store::Ipfs {
            api: api.clone(),
            store,
        });
    }
    let dir = store_dir(args)?;
    let store = LocalStore::open(&dir)
        .with_context(|| format!("cannot open the store {}", dir.display()))?;
    Ok(Store::Local { dir, store })
}
