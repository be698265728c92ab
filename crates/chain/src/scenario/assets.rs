//! Apps, datasets and workerpools, created through the registries.

use super::{ScenarioError, Session};
use crate::artifacts::bindings::{IAppRegistry, IDatasetRegistry, IWorkerpoolRegistry};
use alloy_primitives::{Address, Bytes, keccak256};

/// The `mrenclave` of a TDX app (JSON, as the SDK writes it).
const TDX_MRENCLAVE: &[u8] = br#"{"framework":"TDX","version":"v1","fingerprint":"00"}"#;

impl Session<'_> {
    /// The app developer creates app `name` (a TDX app when `tee`), named `app:<name>`.
    pub fn create_app(&mut self, name: &str, tee: bool) -> Result<Address, ScenarioError> {
        let owner = self.actors().app_developer.address();
        let call = IAppRegistry::createAppCall {
            owner,
            name: name.to_owned(),
            appType: "DOCKER".into(),
            multiaddr: Bytes::from(format!("docker.io/confide/{name}:1.0.0").into_bytes()),
            checksum: keccak256(name),
            mrenclave: if tee {
                Bytes::from_static(TDX_MRENCLAVE)
            } else {
                Bytes::new()
            },
        };
        let registry = self.protocol().app_registry;
        let app = self.send("createApp", owner, registry, &call)?.value()?;
        self.symbols_mut().name_address(app, format!("app:{name}"));
        Ok(app)
    }

    /// The data owner creates dataset `name`, named `dataset:<name>`.
    pub fn create_dataset(&mut self, name: &str) -> Result<Address, ScenarioError> {
        let owner = self.actors().data_owner.address();
        let call = IDatasetRegistry::createDatasetCall {
            owner,
            name: name.to_owned(),
            multiaddr: Bytes::from(format!("/ipfs/confide-scenario-{name}").into_bytes()),
            checksum: keccak256(format!("dataset {name}")),
        };
        let registry = self.protocol().dataset_registry;
        let dataset = self
            .send("createDataset", owner, registry, &call)?
            .value()?;
        self.symbols_mut()
            .name_address(dataset, format!("dataset:{name}"));
        Ok(dataset)
    }

    /// The scheduler creates workerpool `description`, named `workerpool:<description>`.
    pub fn create_workerpool(&mut self, description: &str) -> Result<Address, ScenarioError> {
        let owner = self.actors().scheduler.address();
        let call = IWorkerpoolRegistry::createWorkerpoolCall {
            owner,
            description: description.to_owned(),
        };
        let registry = self.protocol().workerpool_registry;
        let workerpool = self
            .send("createWorkerpool", owner, registry, &call)?
            .value()?;
        self.symbols_mut()
            .name_address(workerpool, format!("workerpool:{description}"));
        Ok(workerpool)
    }
}
