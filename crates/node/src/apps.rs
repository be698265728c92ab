//! The example iApps (`apps/`), built reproducibly into `apps/dist` and embedded here, so
//! `confide dev` and `confide demo` need nothing but the `confide` binary. A node deploys
//! them at its first start (dev account 1, the app developer) and records them.

use std::collections::BTreeMap;
use std::path::Path;

use alloy_primitives::{Address, U256};
use confide_sdk::{Confide, Network, dev_account};

use crate::NodeError;

/// `hello`: greets the `name` field of its protected data.
pub const HELLO: &[u8] = include_bytes!("../../../apps/dist/hello.wasm");
/// `stats`: count, mean, median, stddev, min, max of a numeric column of a protected CSV.
pub const STATS: &[u8] = include_bytes!("../../../apps/dist/stats.wasm");

/// Where a node records the apps it deployed, by name.
pub const APPS_FILE: &str = "apps.json";

/// The dev account that deploys the example apps.
pub const APP_DEVELOPER_ACCOUNT: u32 = 1;

/// Tasks each example app's order sells.
const VOLUME: u64 = 1_000_000;

/// The example apps of `network`, deployed now unless `dir` records them already.
pub(crate) async fn deploy_examples(
    network: &Network,
    dir: &Path,
) -> Result<BTreeMap<String, Address>, NodeError> {
    let file = dir.join(APPS_FILE);
    if let Ok(text) = std::fs::read_to_string(&file) {
        return serde_json::from_str(&text).map_err(failed);
    }
    let developer = Confide::connect(
        network.clone(),
        dev_account(APP_DEVELOPER_ACCOUNT).map_err(failed)?,
    )
    .await
    .map_err(failed)?;
    let mut apps = BTreeMap::new();
    for (name, module) in [("hello", HELLO), ("stats", STATS)] {
        let app = developer
            .deploy_app(module.to_vec(), name, U256::ZERO, U256::from(VOLUME))
            .await
            .map_err(failed)?;
        apps.insert(name.to_owned(), app.address);
    }
    let text = serde_json::to_string_pretty(&apps).map_err(failed)?;
    std::fs::write(&file, text).map_err(failed)?;
    Ok(apps)
}

fn failed(error: impl Into<crate::BoxError>) -> NodeError {
    NodeError::Service {
        service: "apps",
        source: error.into(),
    }
}
