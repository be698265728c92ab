//! Tasks: their state on-chain, and waiting for them to end.

use std::time::Duration;

use alloy_primitives::{Address, B256, U256};
use serde::Serialize;
use serde_json::json;

use crate::status::{OnStatus, Step, done, start};
use confide_chain::artifacts::bindings::Types;

use crate::{Confide, SdkError};

/// A task's state (PoCo's `TaskStatusEnum`; `TIMEOUT` when its final deadline passed without
/// completion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    Unset,
    Active,
    Revealing,
    Completed,
    Failed,
    Timeout,
}

impl TaskStatus {
    fn from_chain(status: u8) -> Self {
        match status {
            1 => Self::Active,
            2 => Self::Revealing,
            3 => Self::Completed,
            4 => Self::Failed,
            _ => Self::Unset,
        }
    }

    /// `COMPLETED`, `FAILED`…
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unset => "UNSET",
            Self::Active => "ACTIVE",
            Self::Revealing => "REVEALING",
            Self::Completed => "COMPLETED",
            Self::Failed => "FAILED",
            Self::Timeout => "TIMEOUT",
        }
    }

    /// Whether the task will not change any more.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Timeout)
    }
}

/// A task and its deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskInfo {
    pub task_id: B256,
    pub deal_id: B256,
    pub status: TaskStatus,
    pub app: Address,
    pub protected_data: Address,
    pub workerpool: Address,
    pub requester: Address,
    pub beneficiary: Address,
    /// App, data and workerpool prices (nRLC).
    #[serde(serialize_with = "crate::decimal::serialize")]
    pub price: U256,
    pub params: String,
    /// UNIX time after which the task can no longer complete.
    pub final_deadline: u64,
    /// Where the result is (`/ipfs/<cid>`), once completed.
    pub result_location: Option<String>,
}

impl Confide {
    /// Task `task` as the chain holds it.
    pub async fn task(&self, task: B256) -> Result<TaskInfo, SdkError> {
        let view = self.chain.task(task).await?;
        if view.dealid.is_zero() {
            return Err(SdkError::UnknownTask(task));
        }
        let deal = self.chain.deal(view.dealid).await?;
        let status = self.status_of(&view).await?;
        let result_location = confide_protocol::result::ResultLocation::from_bytes(&view.results)
            .ok()
            .map(|location| location.location);
        Ok(TaskInfo {
            task_id: task,
            deal_id: view.dealid,
            status,
            app: deal.app.pointer,
            protected_data: deal.dataset.pointer,
            workerpool: deal.workerpool.pointer,
            requester: deal.requester,
            beneficiary: deal.beneficiary,
            price: deal.app.price + deal.dataset.price + deal.workerpool.price,
            params: deal.params,
            final_deadline: view.finalDeadline.saturating_to(),
            result_location,
        })
    }

    /// Waits until `task` is COMPLETED, FAILED or past its final deadline, or `timeout` passed;
    /// reports `TASK_UPDATED` at each change. A task not yet started by its workerpool is
    /// waited for too.
    pub async fn wait_for_task(
        &self,
        task: B256,
        timeout: Duration,
        on_status: OnStatus<'_>,
    ) -> Result<TaskStatus, SdkError> {
        start(on_status, Step::TaskExecution);
        let deadline = tokio::time::Instant::now() + timeout;
        let mut last = None;
        loop {
            // Only the task is read while waiting; its deal does not change.
            let status = self.status_of(&self.chain.task(task).await?).await?;
            if last != Some(status) {
                on_status(crate::Status {
                    title: Step::TaskUpdated,
                    is_done: true,
                    payload: json!({ "taskId": task, "status": status }),
                });
                last = Some(status);
            }
            if status.is_final() {
                done(on_status, Step::TaskExecution, json!({ "status": status }));
                return Ok(status);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(SdkError::Timeout {
                    task,
                    status: status.as_str(),
                    waited_secs: timeout.as_secs(),
                });
            }
            tokio::time::sleep(self.timing.poll_interval).await;
        }
    }

    /// The status of a task as the chain holds it (`UNSET` for one not started yet), TIMEOUT
    /// once its final deadline passed without completion.
    pub(crate) async fn status_of(&self, view: &Types::Task) -> Result<TaskStatus, SdkError> {
        let status = TaskStatus::from_chain(view.status);
        let final_deadline = view.finalDeadline.saturating_to::<u64>();
        if !status.is_final() && final_deadline > 0 && final_deadline < self.chain_time().await? {
            return Ok(TaskStatus::Timeout);
        }
        Ok(status)
    }

    /// The latest block's time.
    async fn chain_time(&self) -> Result<u64, SdkError> {
        use alloy_provider::Provider as _;
        let block = self
            .chain
            .provider()
            .get_block_by_number(alloy_rpc_types_eth::BlockNumberOrTag::Latest)
            .await
            .map_err(|e| SdkError::service("chain", e))?;
        Ok(block.map_or(0, |block| block.header.timestamp))
    }
}
