//! The market (order book), its SQLite database in the data directory, like `confide market`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use alloy_provider::RootProvider;
use confide_chain::client::Client;
use confide_market::store::Store;
use confide_market::{Market, MarketConfig, MarketServer};
use tokio::net::TcpListener;

use crate::NodeError;

const SERVICE: &str = "market";

/// The running market.
#[derive(Debug)]
pub(crate) struct MarketService {
    url: String,
    server: MarketServer,
}

impl MarketService {
    /// Opens the database in `dir`, serves on `listener`; the book follows the chain every
    /// `poll_interval`.
    pub(crate) async fn start(
        dir: &Path,
        listener: TcpListener,
        chain: Client<RootProvider>,
        poll_interval: Duration,
    ) -> Result<Self, NodeError> {
        let database = format!("sqlite://{}", dir.join("market.db").display());
        let store = Store::open(&database)
            .await
            .map_err(|error| NodeError::service(SERVICE)(Box::new(error)))?;
        let market = Market::new(
            store,
            chain,
            MarketConfig {
                poll_interval,
                ..MarketConfig::default()
            },
        );
        let url = crate::url_of(&listener);
        let server = confide_market::serve(listener, Arc::new(market))
            .await
            .map_err(|error| NodeError::service(SERVICE)(Box::new(error)))?;
        Ok(Self { url, server })
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
