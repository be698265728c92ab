//! What can go wrong, each error saying what to do about it.

use alloy_primitives::{Address, B256, U256};
use confide_chain::client::ClientError;

use crate::NetworkError;

/// An SDK failure. Inputs refused before anything is sent are [`SdkError::Invalid`]; the other
/// variants come from the network's state or its services.
#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    /// The network configuration is missing or unreadable.
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// A service of the network does not answer.
    #[error(
        "the {service} at {url} does not answer: is the stack running? (start it with `confide dev`)"
    )]
    Unreachable { service: &'static str, url: String },
    /// An input is refused before anything is sent.
    #[error("{0}")]
    Invalid(String),
    /// No protected data at this address.
    #[error("{0} is not a protected data of this network")]
    UnknownData(Address),
    /// No app at this address.
    #[error("{0} is not an app of this network: deploy one with `confide app deploy`")]
    UnknownApp(Address),
    /// The caller does not own what it tries to change.
    #[error("{what} {address} belongs to {owner}, not to {caller}")]
    NotOwner {
        what: &'static str,
        address: Address,
        owner: Address,
        caller: Address,
    },
    /// No task with this id on-chain.
    #[error("task {0} does not exist (yet): check the id, or wait for the workerpool to start it")]
    UnknownTask(B256),
    /// The app is not offered at an acceptable price.
    #[error("app {app} is not offered{}: ask its developer to publish an app order{}", price_note(*cheapest, *max_price), raise_note(*cheapest))]
    NoAppOrder {
        app: Address,
        max_price: U256,
        cheapest: Option<U256>,
    },
    /// The requester has no access to the protected data for this app.
    #[error("no access to protected data {data} for app {app} by this account{}: ask its owner to grant it (`confide data grant`){}", price_note(*cheapest, *max_price), raise_note(*cheapest))]
    NoAccess {
        data: Address,
        app: Address,
        max_price: U256,
        cheapest: Option<U256>,
    },
    /// No workerpool sells what the task needs.
    #[error("no workerpool offers {tag} tasks{}: start one (`confide dev` runs one){}", price_note(*cheapest, *max_price), raise_note(*cheapest))]
    NoWorkerpool {
        tag: String,
        max_price: U256,
        cheapest: Option<U256>,
    },
    /// The account cannot pay.
    #[error("insufficient balance: {needed} nRLC needed, {available} nRLC deposited in the account of {account}; deposit the difference with `confide account deposit {}`", needed - available)]
    InsufficientBalance {
        account: Address,
        needed: U256,
        available: U256,
    },
    /// The task ended without a result.
    #[error("task {task} ended {status}: no result")]
    TaskFailed { task: B256, status: &'static str },
    /// The task did not end in time.
    #[error(
        "task {task} is still {status} after {waited_secs} s; `confide task wait {task}` goes on waiting"
    )]
    Timeout {
        task: B256,
        status: &'static str,
        waited_secs: u64,
    },
    /// The result cannot be read: wrong key, corrupt or refused archive.
    #[error("the result of task {task} cannot be read: {reason}")]
    Result { task: B256, reason: String },
    /// The chain refused or failed a call.
    #[error("{0}")]
    Chain(#[from] ClientError),
    /// Another service refused or failed a request.
    #[error("{service}: {message}")]
    Service {
        service: &'static str,
        message: String,
    },
}

fn price_note(cheapest: Option<U256>, max_price: U256) -> String {
    match cheapest {
        Some(price) => format!(" at {max_price} nRLC or less (the cheapest costs {price} nRLC)"),
        None => String::new(),
    }
}

fn raise_note(cheapest: Option<U256>) -> String {
    match cheapest {
        Some(price) => format!(", or pass --max-price {price}"),
        None => String::new(),
    }
}

impl SdkError {
    pub(crate) fn service(service: &'static str, error: impl std::fmt::Display) -> Self {
        Self::Service {
            service,
            message: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_say_what_to_do() {
        let too_cheap = SdkError::NoAccess {
            data: Address::repeat_byte(1),
            app: Address::repeat_byte(2),
            max_price: U256::from(1),
            cheapest: Some(U256::from(5)),
        };
        let text = too_cheap.to_string();
        assert!(text.contains("the cheapest costs 5 nRLC"), "{text}");
        assert!(text.contains("--max-price 5"), "{text}");
        let none = SdkError::NoAccess {
            data: Address::repeat_byte(1),
            app: Address::repeat_byte(2),
            max_price: U256::ZERO,
            cheapest: None,
        };
        assert!(!none.to_string().contains("--max-price"), "{none}");
        assert!(none.to_string().contains("confide data grant"), "{none}");
        let poor = SdkError::InsufficientBalance {
            account: Address::repeat_byte(3),
            needed: U256::from(10),
            available: U256::from(4),
        };
        assert!(
            poor.to_string().ends_with("`confide account deposit 6`"),
            "{poor}"
        );
    }
}
