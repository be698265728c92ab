//! Deterministic keys for every role of a scenario.

use alloy_primitives::{Address, B256, keccak256};
use alloy_signer_local::PrivateKeySigner;

/// The people and machines of a scenario, each with a deterministic key (derived from the
/// role's name), so that runs are reproducible and two deployments see the same accounts.
#[derive(Debug, Clone)]
pub struct Actors {
    /// Deploys and owns the protocol; holds the RLC supply and funds the others.
    pub owner: PrivateKeySigner,
    /// Owns the apps.
    pub app_developer: PrivateKeySigner,
    /// Owns the datasets.
    pub data_owner: PrivateKeySigner,
    /// Signs request orders and pays for deals.
    pub requester: PrivateKeySigner,
    /// Pays for sponsored deals.
    pub sponsor: PrivateKeySigner,
    /// Owns the workerpool: signs workerpool orders and worker authorizations, finalizes.
    pub scheduler: PrivateKeySigner,
    /// The workerpool's workers.
    pub workers: Vec<PrivateKeySigner>,
    /// The TEE broker (signs TEE authorizations once `setTeeBroker` names it).
    pub tee_broker: PrivateKeySigner,
    /// The enclave-challenge key of TEE tasks (one for every task of a scenario).
    pub enclave: PrivateKeySigner,
}

impl Default for Actors {
    /// The actors with four workers.
    fn default() -> Self {
        Self::new(4)
    }
}

impl Actors {
    /// The actors with `workers` workers.
    pub fn new(workers: usize) -> Self {
        Self {
            owner: derive("owner"),
            app_developer: derive("app-developer"),
            data_owner: derive("data-owner"),
            requester: derive("requester"),
            sponsor: derive("sponsor"),
            scheduler: derive("scheduler"),
            workers: (0..workers)
                .map(|i| derive(&format!("worker-{i}")))
                .collect(),
            tee_broker: derive("tee-broker"),
            enclave: derive("enclave"),
        }
    }

    /// Worker `index` (modulo the number of workers).
    ///
    /// # Panics
    ///
    /// If there is no worker at all.
    pub fn worker(&self, index: usize) -> &PrivateKeySigner {
        &self.workers[index % self.workers.len()]
    }

    /// Every actor with its role name (`"worker-0"`...), owner first.
    pub fn named(&self) -> Vec<(String, &PrivateKeySigner)> {
        let mut named = vec![
            ("owner".to_owned(), &self.owner),
            ("app-developer".to_owned(), &self.app_developer),
            ("data-owner".to_owned(), &self.data_owner),
            ("requester".to_owned(), &self.requester),
            ("sponsor".to_owned(), &self.sponsor),
            ("scheduler".to_owned(), &self.scheduler),
            ("tee-broker".to_owned(), &self.tee_broker),
            ("enclave".to_owned(), &self.enclave),
        ];
        named.extend(
            self.workers
                .iter()
                .enumerate()
                .map(|(i, w)| (format!("worker-{i}"), w)),
        );
        named
    }

    /// The actor whose address is `address`.
    pub fn find(&self, address: Address) -> Option<&PrivateKeySigner> {
        self.named()
            .into_iter()
            .map(|(_, signer)| signer)
            .find(|signer| signer.address() == address)
    }
}

/// The key of role `name`: `keccak256("confide.scenario." ‖ name)`, rehashed in the
/// (negligible) case it is not a valid secp256k1 scalar.
fn derive(name: &str) -> PrivateKeySigner {
    let mut seed: B256 = keccak256(format!("confide.scenario.{name}"));
    loop {
        if let Ok(signer) = PrivateKeySigner::from_bytes(&seed) {
            return signer;
        }
        seed = keccak256(seed);
    }
}
