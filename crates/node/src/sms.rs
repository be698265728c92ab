//! The Secret Management Service in dev mode (simulated TEE evidence accepted), its SQLite
//! database and master key in the data directory, like `confide sms --dev`.

use std::path::Path;
use std::sync::Arc;

use alloy_provider::RootProvider;
use confide_chain::client::Client;
use confide_sms::store::{MasterKey, Store};
use confide_sms::{Sms, SmsConfig, SmsServer};
use confide_tee::dcap::{CollateralCache, DcapVerifier};
use confide_tee_sim::SimVerifier;
use tokio::net::TcpListener;

use crate::NodeError;

const SERVICE: &str = "SMS";

/// The running SMS.
#[derive(Debug)]
pub(crate) struct SmsService {
    url: String,
    server: SmsServer,
}

impl SmsService {
    /// Opens (or creates) the master key and the database in `dir`, serves on `listener`.
    pub(crate) async fn start(
        dir: &Path,
        listener: TcpListener,
        chain: Client<RootProvider>,
    ) -> Result<Self, NodeError> {
        let failed = NodeError::service(SERVICE);
        let master_key = MasterKey::load_or_create(&dir.join("master.key"))
            .map_err(|error| NodeError::service(SERVICE)(Box::new(error)))?;
        let database = format!("sqlite://{}", dir.join("sms.db").display());
        let store = Store::open(&database, &master_key)
            .await
            .map_err(|error| NodeError::service(SERVICE)(Box::new(error)))?;
        tracing::info!(
            "SMS in dev mode: simulated evidence is accepted; never run this in production"
        );
        let sms = Sms::new(
            store,
            chain,
            SmsConfig {
                dev_mode: true,
                ..SmsConfig::default()
            },
        )
        .with_verifier(Arc::new(DcapVerifier::new(
            Arc::new(CollateralCache::new()),
        )))
        .with_verifier(Arc::new(SimVerifier::new([
            confide_tee_sim::dev_simulator().address(),
        ])));
        let url = crate::url_of(&listener);
        let server = confide_sms::serve(listener, Arc::new(sms))
            .await
            .map_err(|error| failed(Box::new(error)))?;
        Ok(Self { url, server })
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) async fn shutdown(self) {
        self.server.shutdown().await;
    }
}
