//! The client: one account on one network, with the clients of its services.

use std::time::Duration;

use alloy_primitives::Address;
use alloy_provider::RootProvider;
use alloy_signer_local::PrivateKeySigner;
use confide_chain::client::{Client, ClientConfig, ClientError, RetryPolicy, http_provider};
use confide_crypto::result::ResultKeyPair;
use confide_indexer::IndexerClient;
use confide_market::MarketClient;
use confide_sms::SmsClient;
use confide_storage::{IpfsConfig, IpfsStore};

use crate::{Network, SdkError};

/// What a [`Confide`] client does while it waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// How often a task's state is read while waiting for it.
    pub poll_interval: Duration,
    /// How long [`Confide::process_protected_data`] waits for its task by default.
    pub task_timeout: Duration,
    /// How long a new protected data may take to appear in the indexer.
    pub index_timeout: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_millis(250),
            task_timeout: Duration::from_secs(300),
            index_timeout: Duration::from_secs(10),
        }
    }
}

/// One account on one network: DataProtector's methods, the account's RLC and its apps.
#[derive(Debug)]
pub struct Confide {
    pub(crate) network: Network,
    pub(crate) chain: Client<RootProvider>,
    pub(crate) signer: PrivateKeySigner,
    pub(crate) storage: IpfsStore,
    pub(crate) sms: SmsClient,
    pub(crate) market: MarketClient,
    pub(crate) indexer: IndexerClient,
    pub(crate) result_key: ResultKeyPair,
    pub(crate) timing: Timing,
}

impl Confide {
    /// Connects `signer`'s account to `network`; fails fast when its chain does not answer.
    pub async fn connect(network: Network, signer: PrivateKeySigner) -> Result<Self, SdkError> {
        let unreachable = |service, url: &str| SdkError::Unreachable {
            service,
            url: url.to_owned(),
        };
        let provider =
            http_provider(&network.rpc).map_err(|_| unreachable("chain", &network.rpc))?;
        // A stopped stack is told in a second rather than after the default retries.
        let probe = ClientConfig {
            retry: RetryPolicy {
                attempts: 2,
                ..RetryPolicy::default()
            },
            ..ClientConfig::default()
        };
        let mut chain = match Client::new(provider, network.deployment.clone(), probe).await {
            Ok(_) => {
                Client::connect_http(
                    &network.rpc,
                    network.deployment.clone(),
                    ClientConfig {
                        poll_interval: Duration::from_millis(50),
                        ..ClientConfig::default()
                    },
                )
                .await?
            }
            Err(ClientError::Rpc { .. }) => return Err(unreachable("chain", &network.rpc)),
            Err(error) => return Err(error.into()),
        };
        chain.add_signer(signer.clone());
        let storage = IpfsStore::new(IpfsConfig::new(network.storage.clone()))
            .map_err(|e| SdkError::service("storage", e))?;
        let sms = SmsClient::new(&network.sms).map_err(|e| SdkError::service("SMS", e))?;
        let market = MarketClient::new(&network.market, network.chain_id())
            .map_err(|e| SdkError::service("market", e))?;
        let indexer =
            IndexerClient::new(&network.indexer).map_err(|e| SdkError::service("indexer", e))?;
        Ok(Self {
            network,
            chain,
            signer,
            storage,
            sms,
            market,
            indexer,
            result_key: ResultKeyPair::generate()
                .map_err(|e| SdkError::Invalid(format!("cannot make a result key: {e}")))?,
            timing: Timing::default(),
        })
    }

    /// Results of this client's requests are encrypted for `key` (pushed to the SMS with each
    /// request); without one, a fresh key is made per client.
    pub fn with_result_key(mut self, key: ResultKeyPair) -> Self {
        self.result_key = key;
        self
    }

    /// Changes how long and how often the client waits.
    pub fn with_timing(mut self, timing: Timing) -> Self {
        self.timing = timing;
        self
    }

    /// The account's address.
    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// The network.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The chain client, for what the SDK does not wrap.
    pub fn chain(&self) -> &Client<RootProvider> {
        &self.chain
    }
}
