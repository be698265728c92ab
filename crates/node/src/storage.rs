//! The content-addressed store and its gateway (`/ipfs/CID` and the Kubo-compatible `/api/v0`
//! that `IpfsStore` clients talk to), like `confide storage serve`.

use std::path::Path;
use std::sync::Arc;

use crate::{Background, NodeError};
use confide_storage::gateway::{GatewayConfig, serve};
use confide_storage::{LocalStore, Storage};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// The running gateway, and the store the in-process services share with it.
#[derive(Debug)]
pub(crate) struct StorageService {
    url: String,
    store: Arc<dyn Storage>,
    stop: oneshot::Sender<()>,
    task: Background<std::io::Result<()>>,
}

impl StorageService {
    /// Opens the store in `dir` and serves it on `listener`.
    pub(crate) fn start(dir: &Path, listener: TcpListener) -> Result<Self, NodeError> {
        let store = LocalStore::open(dir)
            .map_err(|error| NodeError::service("storage")(Box::new(error)))?;
        let store: Arc<dyn Storage> = Arc::new(store);
        let url = crate::url_of(&listener);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = Background::spawn(serve(
            listener,
            store.clone(),
            GatewayConfig::default(),
            async move {
                let _ = stopped.await;
            },
        ));
        Ok(Self {
            url,
            store,
            stop,
            task,
        })
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// The store itself (the scheduler and the workers read and write it without HTTP).
    pub(crate) fn store(&self) -> Arc<dyn Storage> {
        self.store.clone()
    }

    /// Stops accepting; requests in flight finish.
    pub(crate) async fn shutdown(self) {
        let _ = self.stop.send(());
        if let Some(Err(error)) = self.task.join().await {
            tracing::warn!(%error, "the storage gateway failed");
        }
    }
}
