//! Logs as the events the indexer cares about.

use alloy_primitives::{Address, B256, U256};
use alloy_rpc_types_eth::Log;
use alloy_sol_types::SolEvent;
use confide_chain::artifacts::bindings::{IAppRegistry, IConfide, IDataProtector};
use confide_chain::deploy::Deployment;

use crate::model::{AssetKind, TaskEventKind};
use crate::store::{EscrowEvent, TaskEventRecord};

/// A log's event, as far as the indexer cares.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Event {
    AssetTransfer {
        kind: AssetKind,
        asset: Address,
        from: Address,
        to: Address,
    },
    DatasetSchema {
        dataset: Address,
        schema: String,
    },
    EscrowTransfer {
        from: Address,
        to: Address,
        value: U256,
    },
    Escrow {
        account: Address,
        event: EscrowEvent,
        amount: U256,
        reference: Option<B256>,
    },
    OrdersMatched {
        deal: B256,
        hashes: [B256; 4],
        volume: U256,
    },
    Task(TaskEventRecord),
}

/// The event of `log`, if the indexer cares (other logs and logs that do not decode as
/// their topic says are skipped).
pub(super) fn decode(deployment: &Deployment, log: &Log) -> Option<Event> {
    let address = log.address();
    let topic = *log.topic0()?;
    let registry = [
        (deployment.app_registry, AssetKind::App),
        (deployment.dataset_registry, AssetKind::Dataset),
        (deployment.workerpool_registry, AssetKind::Workerpool),
    ]
    .into_iter()
    .find(|(registry, _)| *registry == address);
    if let Some((_, kind)) = registry {
        let transfer = event_of::<IAppRegistry::Transfer>(log)?;
        return Some(Event::AssetTransfer {
            kind,
            asset: Address::from_word(transfer.tokenId.into()),
            from: transfer.from,
            to: transfer.to,
        });
    }
    if Some(address) == deployment.data_protector {
        let event = event_of::<IDataProtector::DatasetSchema>(log)?;
        return Some(Event::DatasetSchema {
            dataset: event.dataset,
            schema: event.schema,
        });
    }
    if address != deployment.protocol {
        return None;
    }
    let escrow = |account, event, amount, reference| {
        Some(Event::Escrow {
            account,
            event,
            amount,
            reference,
        })
    };
    let task = |task_id, event, worker, value, results| {
        Some(Event::Task(TaskEventRecord {
            task_id,
            event,
            worker,
            value,
            results,
        }))
    };
    match topic {
        IConfide::Transfer::SIGNATURE_HASH => {
            let e = event_of::<IConfide::Transfer>(log)?;
            Some(Event::EscrowTransfer {
                from: e.from,
                to: e.to,
                value: e.value,
            })
        }
        IConfide::Lock::SIGNATURE_HASH => {
            let e = event_of::<IConfide::Lock>(log)?;
            escrow(e.owner, EscrowEvent::Lock, e.amount, None)
        }
        IConfide::Unlock::SIGNATURE_HASH => {
            let e = event_of::<IConfide::Unlock>(log)?;
            escrow(e.owner, EscrowEvent::Unlock, e.amount, None)
        }
        IConfide::Reward::SIGNATURE_HASH => {
            let e = event_of::<IConfide::Reward>(log)?;
            escrow(e.owner, EscrowEvent::Reward, e.amount, Some(e.r#ref))
        }
        IConfide::Seize::SIGNATURE_HASH => {
            let e = event_of::<IConfide::Seize>(log)?;
            escrow(e.owner, EscrowEvent::Seize, e.amount, Some(e.r#ref))
        }
        IConfide::OrdersMatched::SIGNATURE_HASH => {
            let e = event_of::<IConfide::OrdersMatched>(log)?;
            Some(Event::OrdersMatched {
                deal: e.dealid,
                hashes: [e.appHash, e.datasetHash, e.workerpoolHash, e.requestHash],
                volume: e.volume,
            })
        }
        IConfide::TaskInitialize::SIGNATURE_HASH => {
            let e = event_of::<IConfide::TaskInitialize>(log)?;
            task(e.taskid, TaskEventKind::Initialize, None, None, None)
        }
        IConfide::TaskContribute::SIGNATURE_HASH => {
            let e = event_of::<IConfide::TaskContribute>(log)?;
            task(
                e.taskid,
                TaskEventKind::Contribute,
                Some(e.worker),
                Some(e.hash),
                None,
            )
        }
        IConfide::TaskConsensus::SIGNATURE_HASH => {
            let e = event_of::<IConfide::TaskConsensus>(log)?;
            task(
                e.taskid,
                TaskEventKind::Consensus,
                None,
                Some(e.consensus),
                None,
            )
        }
        IConfide::TaskReveal::SIGNATURE_HASH => {
            let e = event_of::<IConfide::TaskReveal>(log)?;
            task(
                e.taskid,
                TaskEventKind::Reveal,
                Some(e.worker),
                Some(e.digest),
                None,
            )
        }
        IConfide::TaskReopen::SIGNATURE_HASH => {
            let e = event_of::<IConfide::TaskReopen>(log)?;
            task(e.taskid, TaskEventKind::Reopen, None, None, None)
        }
        IConfide::TaskFinalize::SIGNATURE_HASH => {
            let e = event_of::<IConfide::TaskFinalize>(log)?;
            task(
                e.taskid,
                TaskEventKind::Finalize,
                None,
                None,
                Some(e.results),
            )
        }
        IConfide::TaskClaimed::SIGNATURE_HASH => {
            let e = event_of::<IConfide::TaskClaimed>(log)?;
            task(e.taskid, TaskEventKind::Claimed, None, None, None)
        }
        _ => None,
    }
}

fn event_of<E: SolEvent>(log: &Log) -> Option<E> {
    E::decode_log(&log.inner).ok().map(|decoded| decoded.data)
}
