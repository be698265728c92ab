//! What to do with one task, from its stored state and its on-chain state (pure: tested
//! without a chain).

use crate::chain::status;
use crate::store::TaskRow;
use alloy_primitives::B256;
use confide_protocol::workerpool::{TaskMode, TaskState};

/// What the reconciler needs of a task's on-chain record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnChain {
    pub status: u8,
    pub contribution_deadline: u64,
    pub reveal_deadline: u64,
    pub final_deadline: u64,
    pub consensus_value: B256,
    pub reveal_counter: u64,
    pub winner_counter: u64,
}

/// The next step for a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Nothing to do now.
    Wait,
    /// Only a state change.
    Move(TaskState),
    /// `initialize` (batched), after moving to Initializing.
    Initialize,
    /// Obtain the enclave challenge from the SMS, then Running.
    FetchChallenge,
    /// `reopen`, after moving to Reopening.
    Reopen,
    /// `finalize` with the uploaded result, after moving to Finalizing.
    Finalize,
    /// `claim` (batched), after moving to FinalDeadlineReached.
    Claim,
    /// `initializeAndClaim` (batched), after moving to FinalDeadlineReached.
    InitializeAndClaim,
}

/// The next step for `task` at chain time `now`.
pub fn decide(task: &TaskRow, chain: &OnChain, now: u64) -> Decision {
    use Decision::*;
    use TaskState::*;
    let state = task.state;
    if state.is_terminal() {
        return Wait;
    }
    let initialized = chain.status != status::UNSET;
    let final_deadline = if initialized {
        chain.final_deadline
    } else {
        task.final_deadline
    };
    match chain.status {
        status::COMPLETED => return Move(Completed),
        status::FAILED => return Move(Failed),
        _ if now >= final_deadline => {
            return if initialized {
                Claim
            } else {
                InitializeAndClaim
            };
        }
        _ => {}
    }
    let contribution_deadline = if initialized {
        chain.contribution_deadline
    } else {
        task.contribution_deadline
    };
    let contributions_closed = now >= contribution_deadline;
    match chain.status {
        status::UNSET => match state {
            Received | Initializing if contributions_closed => Move(ContributionTimeout),
            Received | Initializing => Initialize,
            _ => Wait,
        },
        status::ACTIVE => match state {
            Received | Initializing => Move(Initialized),
            Initialized | Running if contributions_closed => Move(ContributionTimeout),
            Initialized if task.mode == TaskMode::Tee && task.enclave_challenge.is_none() => {
                FetchChallenge
            }
            Initialized => Move(Running),
            // Reopened: contributions are wanted again.
            Reopening | ConsensusReached => Move(Running),
            _ => Wait,
        },
        status::REVEALING => {
            let every_winner_revealed = chain.reveal_counter == chain.winner_counter;
            let reveals_closed = now >= chain.reveal_deadline;
            match state {
                Initialized | Running | RunningFailed | ContributionTimeout | Reopening => {
                    Move(ConsensusReached)
                }
                ConsensusReached if reveals_closed && chain.reveal_counter == 0 => Reopen,
                ResultUploaded | Finalizing
                    if every_winner_revealed || (chain.reveal_counter > 0 && reveals_closed) =>
                {
                    if task.results.is_some() {
                        Finalize
                    } else {
                        Wait
                    }
                }
                Finalizing => Move(ResultUploaded),
                _ => Wait,
            }
        }
        _ => Wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;
    use TaskState::*;
    use alloy_primitives::{Address, U256};

    fn task(state: TaskState, mode: TaskMode) -> TaskRow {
        TaskRow {
            task_id: B256::repeat_byte(1),
            deal_id: B256::repeat_byte(2),
            task_index: 0,
            block: 1,
            state,
            mode,
            trust: 1,
            callback: Address::ZERO,
            worker_stake: U256::ZERO,
            contribution_deadline: 700,
            final_deadline: 1_000,
            enclave_challenge: None,
            consensus_value: None,
            result_digest: None,
            result_location: None,
            results: None,
            results_callback: None,
            pending_tx: None,
            last_error: None,
            updated_at_ms: 0,
        }
    }

    fn chain(status: u8) -> OnChain {
        OnChain {
            status,
            contribution_deadline: if status == 0 { 0 } else { 700 },
            reveal_deadline: 0,
            final_deadline: if status == 0 { 0 } else { 1_000 },
            consensus_value: B256::ZERO,
            reveal_counter: 0,
            winner_counter: 0,
        }
    }

    #[test]
    fn a_tee_task_is_initialized_challenged_and_run() {
        let mut row = task(Received, TaskMode::Tee);
        assert_eq!(decide(&row, &chain(status::UNSET), 100), Initialize);
        row.state = Initializing;
        assert_eq!(decide(&row, &chain(status::UNSET), 100), Initialize);
        assert_eq!(decide(&row, &chain(status::ACTIVE), 100), Move(Initialized));
        row.state = Initialized;
        assert_eq!(decide(&row, &chain(status::ACTIVE), 100), FetchChallenge);
        row.enclave_challenge = Some(Address::repeat_byte(9));
        assert_eq!(decide(&row, &chain(status::ACTIVE), 100), Move(Running));
        row.state = Running;
        assert_eq!(decide(&row, &chain(status::ACTIVE), 100), Wait);
        assert_eq!(
            decide(&row, &chain(status::COMPLETED), 100),
            Move(Completed)
        );
    }

    #[test]
    fn a_replicated_task_reveals_uploads_and_finalizes() {
        let mut row = task(Running, TaskMode::Replicated);
        let mut revealing = OnChain {
            reveal_deadline: 500,
            winner_counter: 2,
            ..chain(status::REVEALING)
        };
        assert_eq!(decide(&row, &revealing, 100), Move(ConsensusReached));
        row.state = ConsensusReached;
        assert_eq!(decide(&row, &revealing, 100), Wait);
        row.state = ResultUploaded;
        row.results = Some(b"{}".to_vec());
        revealing.reveal_counter = 1;
        // One of two winners revealed, reveal window open: wait for the other.
        assert_eq!(decide(&row, &revealing, 100), Wait);
        // Window closed with one reveal: finalize.
        assert_eq!(decide(&row, &revealing, 500), Finalize);
        revealing.reveal_counter = 2;
        assert_eq!(decide(&row, &revealing, 100), Finalize);
        row.state = Finalizing;
        assert_eq!(decide(&row, &revealing, 100), Finalize);
        revealing.reveal_counter = 1;
        assert_eq!(decide(&row, &revealing, 100), Move(ResultUploaded));
    }

    #[test]
    fn no_reveal_before_the_deadline_reopens() {
        let mut row = task(ConsensusReached, TaskMode::Replicated);
        let revealing = OnChain {
            reveal_deadline: 500,
            winner_counter: 1,
            ..chain(status::REVEALING)
        };
        assert_eq!(decide(&row, &revealing, 499), Wait);
        assert_eq!(decide(&row, &revealing, 500), Reopen);
        row.state = Reopening;
        assert_eq!(decide(&row, &chain(status::ACTIVE), 501), Move(Running));
        // A reveal landed first: the reopen is refused, back to waiting.
        assert_eq!(decide(&row, &revealing, 501), Move(ConsensusReached));
    }

    #[test]
    fn deadlines_end_every_unfinished_task() {
        for state in TaskState::ALL.into_iter().filter(|s| !s.is_terminal()) {
            let row = task(state, TaskMode::Replicated);
            assert_eq!(
                decide(&row, &chain(status::ACTIVE), 1_000),
                Claim,
                "{state}"
            );
            assert_eq!(
                decide(&row, &chain(status::REVEALING), 1_000),
                Claim,
                "{state}"
            );
            assert_eq!(
                decide(&row, &chain(status::UNSET), 1_000),
                InitializeAndClaim,
                "{state}"
            );
            assert_eq!(decide(&row, &chain(status::FAILED), 1), Move(Failed));
        }
        // Past the contribution deadline, before the final one: nothing runs any more.
        let row = task(Received, TaskMode::Tee);
        assert_eq!(
            decide(&row, &chain(status::UNSET), 700),
            Move(ContributionTimeout)
        );
        let row = task(Running, TaskMode::Tee);
        assert_eq!(
            decide(&row, &chain(status::ACTIVE), 700),
            Move(ContributionTimeout)
        );
        let row = task(Skipped, TaskMode::Tee);
        assert_eq!(decide(&row, &chain(status::UNSET), 999), Wait);
        assert_eq!(decide(&row, &chain(status::ACTIVE), 999), Wait);
    }

    #[test]
    fn every_move_decided_is_allowed() {
        let statuses = [
            status::UNSET,
            status::ACTIVE,
            status::REVEALING,
            status::COMPLETED,
            status::FAILED,
        ];
        for state in TaskState::ALL {
            for mode in [TaskMode::Tee, TaskMode::Replicated] {
                for status in statuses {
                    for now in [0, 500, 700, 1_000] {
                        let mut row = task(state, mode);
                        row.results = Some(Vec::new());
                        let onchain = OnChain {
                            reveal_deadline: 500,
                            reveal_counter: 1,
                            winner_counter: 1,
                            ..chain(status)
                        };
                        let target = match decide(&row, &onchain, now) {
                            Move(to) => Some(to),
                            Initialize if state == Received => Some(Initializing),
                            Reopen => Some(Reopening),
                            Finalize if state != Finalizing => Some(Finalizing),
                            Claim | InitializeAndClaim if state != FinalDeadlineReached => {
                                Some(FinalDeadlineReached)
                            }
                            _ => None,
                        };
                        if let Some(to) = target {
                            assert!(
                                crate::state::allowed(state, to),
                                "{state} → {to} (status {status}, now {now})"
                            );
                        }
                    }
                }
            }
        }
    }
}
