//! The off-chain task state machine: which moves are allowed.
//!
//! The reconciler derives the next state from the chain (the task's on-chain status, its
//! deadlines and counters) and the stored state; the API moves a task only on a worker's report
//! (a failure of the task itself) or a checked result upload. Any move not listed here is a bug
//! and is refused. The chain is the truth: a COMPLETED or FAILED task on-chain is Completed or
//! Failed here from any state, and the final deadline ends every unfinished task.

use confide_protocol::workerpool::TaskState;

/// A move the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("task state cannot go from {from} to {to}")]
pub struct InvalidTransition {
    /// The current state.
    pub from: TaskState,
    /// The refused next state.
    pub to: TaskState,
}

/// Whether a task may go from `from` to `to`.
pub fn allowed(from: TaskState, to: TaskState) -> bool {
    use TaskState::*;
    if from.is_terminal() {
        return false;
    }
    if matches!(to, Completed | Failed) {
        return true;
    }
    if to == FinalDeadlineReached {
        return from != FinalDeadlineReached;
    }
    match from {
        // Initialized by us, or by anyone (initialize is permissionless); or never initialized
        // and too late to run.
        Received => matches!(to, Initializing | Initialized | ContributionTimeout),
        Initializing => matches!(to, Initialized | ContributionTimeout),
        Initialized => matches!(to, Running | ContributionTimeout | ConsensusReached),
        Running => matches!(to, RunningFailed | ContributionTimeout | ConsensusReached),
        // Replicates already out may still reach consensus.
        RunningFailed | ContributionTimeout => to == ConsensusReached,
        ConsensusReached => matches!(to, ResultUploaded | Reopening | Running),
        // A reveal landed before the reopen: back to waiting for the result.
        Reopening => matches!(to, Running | ConsensusReached),
        ResultUploaded => to == Finalizing,
        // The finalize did not land (its condition was not met yet): wait again.
        Finalizing => to == ResultUploaded,
        // Someone else initialized a skipped task: it stays skipped.
        Skipped | FinalDeadlineReached | Completed | Failed => false,
    }
}

/// `to` if the move is allowed.
pub fn transition(from: TaskState, to: TaskState) -> Result<TaskState, InvalidTransition> {
    if allowed(from, to) {
        Ok(to)
    } else {
        Err(InvalidTransition { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use TaskState::*;

    #[test]
    fn the_tee_path() {
        for (from, to) in [
            (Received, Initializing),
            (Initializing, Initialized),
            (Initialized, Running),
            (Running, Completed),
        ] {
            assert_eq!(transition(from, to), Ok(to), "{from} → {to}");
        }
    }

    #[test]
    fn the_replicated_path_with_a_reopen() {
        for (from, to) in [
            (Received, Initializing),
            (Initializing, Initialized),
            (Initialized, Running),
            (Running, ConsensusReached),
            (ConsensusReached, Reopening),
            (Reopening, Running),
            (Running, ConsensusReached),
            (ConsensusReached, ResultUploaded),
            (ResultUploaded, Finalizing),
            (Finalizing, Completed),
        ] {
            assert!(allowed(from, to), "{from} → {to}");
        }
    }

    #[test]
    fn every_unfinished_state_has_a_way_out() {
        for from in TaskState::ALL {
            if from.is_terminal() {
                assert!(TaskState::ALL.iter().all(|&to| !allowed(from, to)));
                continue;
            }
            assert!(allowed(from, Completed) && allowed(from, Failed), "{from}");
            assert_eq!(
                allowed(from, FinalDeadlineReached),
                from != FinalDeadlineReached
            );
        }
    }

    #[test]
    fn nothing_skips_the_chain() {
        // No result before consensus, no finalize before an upload, no running before
        // initialization, no resurrection of a skipped task.
        for (from, to) in [
            (Running, ResultUploaded),
            (ConsensusReached, Finalizing),
            (Received, Running),
            (Skipped, Running),
            (Skipped, Initializing),
            (FinalDeadlineReached, Running),
            (RunningFailed, Running),
            (Completed, Failed),
        ] {
            assert_eq!(
                transition(from, to),
                Err(InvalidTransition { from, to }),
                "{from} → {to}"
            );
        }
    }
}
