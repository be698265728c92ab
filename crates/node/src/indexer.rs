//! The indexer: follows the chain into its SQLite database and serves it, like
//! `confide indexer`.

use std::path::Path;
use std::sync::Arc;

use crate::{Background, NodeError};
use alloy_provider::RootProvider;
use confide_chain::client::Client;
use confide_indexer::{FollowConfig, Follower, Indexer, IndexerServer, Store};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const SERVICE: &str = "indexer";

/// The running indexer: its API and the follower feeding it.
#[derive(Debug)]
pub(crate) struct IndexerService {
    url: String,
    server: IndexerServer,
    stop: oneshot::Sender<()>,
    following: Background<()>,
}

impl IndexerService {
    /// Opens the database in `dir` (refusing one of another deployment), serves on `listener`
    /// and follows the chain from where the database stopped.
    pub(crate) async fn start(
        dir: &Path,
        listener: TcpListener,
        chain: Client<RootProvider>,
    ) -> Result<Self, NodeError> {
        let failed =
            |error: confide_indexer::IndexerError| NodeError::service(SERVICE)(Box::new(error));
        let database = format!("sqlite://{}", dir.join("indexer.db").display());
        let store = Store::open(&database)
            .await
            .map_err(|error| NodeError::service(SERVICE)(Box::new(error)))?;
        let follower = Arc::new(Follower::new(
            Arc::new(chain),
            store,
            FollowConfig::default(),
        ));
        follower.start().await.map_err(failed)?;
        let url = crate::url_of(&listener);
        let server = confide_indexer::serve(listener, Arc::new(Indexer::new(&follower)))
            .await
            .map_err(|error| NodeError::service(SERVICE)(Box::new(error)))?;
        let (stop, stopped) = oneshot::channel::<()>();
        let following = Background::spawn(async move {
            follower
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Self {
            url,
            server,
            stop,
            following,
        })
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) async fn shutdown(self) {
        let _ = self.stop.send(());
        self.following.join().await;
        self.server.shutdown().await;
    }
}
