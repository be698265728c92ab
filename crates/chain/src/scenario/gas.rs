//! Gas accounting: the [`Recorder`] of a session and the [`GasReport`] of a scenario.

use super::events::NormalizedEvent;

/// One recorded transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GasEntry {
    /// The call's label.
    pub label: String,
    /// Gas used (as a receipt reports it).
    pub gas: u64,
    /// Whether it succeeded.
    pub success: bool,
    /// The protocol's events it emitted, normalized (see [`super::events`]).
    pub events: Vec<NormalizedEvent>,
    /// Why it reverted, normalized (see [`super::events::normalize_revert`]); `None` when it
    /// succeeded.
    pub revert: Option<String>,
}

/// Keeps `(label, gas)` — and the outcome's normalized events — of every transaction a
/// [`Session`](super::Session) sends, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorder {
    entries: Vec<GasEntry>,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends an entry.
    pub fn push(&mut self, entry: GasEntry) {
        self.entries.push(entry);
    }

    /// Every entry, in order.
    pub fn entries(&self) -> &[GasEntry] {
        &self.entries
    }

    /// The number of entries (a mark for [`Self::since`]).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries recorded after `mark` (a former [`Self::len`]).
    pub fn since(&self, mark: usize) -> &[GasEntry] {
        self.entries.get(mark..).unwrap_or_default()
    }

    /// Σ gas of the entries recorded after `mark`.
    pub fn gas_since(&self, mark: usize) -> u64 {
        self.since(mark).iter().map(|e| e.gas).sum()
    }

    /// `(label, gas)` of every entry.
    pub fn gas(&self) -> Vec<(&str, u64)> {
        self.entries
            .iter()
            .map(|e| (e.label.as_str(), e.gas))
            .collect()
    }
}

/// The gas of the calls sharing one label in a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallGas {
    /// The label.
    pub label: String,
    /// How many calls had it.
    pub count: u64,
    /// Σ of their gas.
    pub gas: u64,
    /// Whether these calls are part of the tasks' cost (else: setup — assets, deposits).
    pub task: bool,
}

impl CallGas {
    /// Mean gas of one call (rounded down).
    pub fn per_call(&self) -> u64 {
        self.gas.checked_div(self.count).unwrap_or(0)
    }
}

/// The gas of a whole scenario: every call (grouped by label, in first-call order), and the
/// cost of its tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GasReport {
    /// The scenario's name.
    pub name: String,
    /// The calls, grouped by label.
    pub calls: Vec<CallGas>,
    /// The number of tasks completed.
    pub tasks: u64,
}

impl GasReport {
    /// A report over `entries`: entries after `task_mark` (a [`Recorder::len`] taken before
    /// the first call of the tasks: the match) count as the tasks' cost.
    pub fn from_entries(
        name: impl Into<String>,
        entries: &[GasEntry],
        task_mark: usize,
        tasks: u64,
    ) -> Self {
        let mut calls: Vec<CallGas> = Vec::new();
        for (index, entry) in entries.iter().enumerate() {
            let task = index >= task_mark;
            match calls
                .iter_mut()
                .find(|c| c.label == entry.label && c.task == task)
            {
                Some(call) => {
                    call.count += 1;
                    call.gas += entry.gas;
                }
                None => calls.push(CallGas {
                    label: entry.label.clone(),
                    count: 1,
                    gas: entry.gas,
                    task,
                }),
            }
        }
        Self {
            name: name.into(),
            calls,
            tasks,
        }
    }

    /// Σ gas of the tasks' calls (match, initialization, contributions, finalization).
    pub fn total(&self) -> u64 {
        self.calls.iter().filter(|c| c.task).map(|c| c.gas).sum()
    }

    /// [`Self::total`] per task (rounded down).
    pub fn per_task(&self) -> u64 {
        self.total().checked_div(self.tasks).unwrap_or(0)
    }

    /// Σ gas of every call, setup included.
    pub fn total_with_setup(&self) -> u64 {
        self.calls.iter().map(|c| c.gas).sum()
    }

    /// The calls labelled `label`.
    pub fn call(&self, label: &str) -> Option<&CallGas> {
        self.calls.iter().find(|c| c.label == label)
    }
}
