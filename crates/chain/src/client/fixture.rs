//! The assets a TEE task needs, registered on a fresh chain: what the tests of every service
//! and the dev stack start from.

use super::{Client, ClientError};
use crate::artifacts::bindings::{IAppRegistry, IDatasetRegistry, IERC20, IWorkerpoolRegistry};
use crate::scenario::{Assets, RLC};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_provider::Provider;

/// Who registers and funds what in [`Client::register_tee_fixture`] (each must be a signer of
/// the client).
#[derive(Debug, Clone, Copy)]
pub struct FixtureRoles {
    /// Holds RLC (the deployer on a dev chain) and funds the requester and the scheduler.
    pub funder: Address,
    /// Owns the app.
    pub app_developer: Address,
    /// Owns the dataset.
    pub data_owner: Address,
    /// Owns the workerpool.
    pub scheduler: Address,
    /// Buys tasks.
    pub requester: Address,
}

/// RLC sent to the requester and the scheduler; a tenth of it is deposited.
const FUNDING_RLC: u64 = 1_000;

impl<P: Provider> Client<P> {
    /// Registers a TEE app whose checksum is `app_checksum` (the digest its enclave attests), a
    /// dataset and a workerpool, each by its owner; sends the requester and the scheduler
    /// 1 000 RLC and deposits 100 of them.
    pub async fn register_tee_fixture(
        &self,
        roles: &FixtureRoles,
        app_checksum: B256,
    ) -> Result<Assets, ClientError> {
        let app = self
            .create_app(
                roles.app_developer,
                &IAppRegistry::createAppCall {
                    owner: roles.app_developer,
                    name: "hello".into(),
                    appType: "WASM".into(),
                    multiaddr: Bytes::from_static(b"/p2p/bafkreihello"),
                    checksum: app_checksum,
                    mrenclave: Bytes::new(),
                },
            )
            .await?;
        let dataset = self
            .create_dataset(
                roles.data_owner,
                &IDatasetRegistry::createDatasetCall {
                    owner: roles.data_owner,
                    name: "dataset".into(),
                    multiaddr: Bytes::from_static(b"/p2p/bafkreidataset"),
                    checksum: keccak256("dataset"),
                },
            )
            .await?;
        let workerpool = self
            .create_workerpool(
                roles.scheduler,
                &IWorkerpoolRegistry::createWorkerpoolCall {
                    owner: roles.scheduler,
                    description: "pool".into(),
                },
            )
            .await?;
        for who in [roles.requester, roles.scheduler] {
            let value = U256::from(FUNDING_RLC * RLC);
            self.send(
                roles.funder,
                self.deployment.token,
                &IERC20::transferCall { to: who, value },
            )
            .await?;
            self.deposit(who, value / U256::from(10)).await?;
        }
        Ok(Assets {
            app,
            dataset: Some(dataset),
            workerpool,
        })
    }
}
