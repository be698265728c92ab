//! `confide bench gas`: the gas of the protocol's scenarios on Confide and on the reference
//! PoCo, side by side.
//!
//! Each implementation is deployed once in an in-process EVM; every scenario runs on a fresh
//! copy of that freshly deployed chain (`confide_chain::scenario`): a TEE task, replicated
//! tasks of trust 3 and 5 (two and three honest workers contribute and reveal) and a bulk deal
//! of 100 TEE tasks.

use crate::cli::BenchCommand;
use crate::output::Output;
use anyhow::{Context, bail};
use confide_chain::deploy::{REFERENCE_POCO_VERSION, deploy_confide, deploy_reference_poco};
use confide_chain::scenario::{self, Actors, GasReport, ScenarioError};
use confide_chain::{Evm, EvmConfig, Protocol, Snapshot};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::Path;

/// The scenarios, in the order of the report.
const SCENARIOS: [Scenario; 4] = [
    Scenario::Tee,
    Scenario::Replicated { trust: 3 },
    Scenario::Replicated { trust: 5 },
    Scenario::Bulk { tasks: 100 },
];

#[derive(Debug, Clone, Copy)]
enum Scenario {
    Tee,
    Replicated { trust: u64 },
    Bulk { tasks: u64 },
}

impl Scenario {
    fn run(self, evm: &mut Evm, protocol: &Protocol) -> Result<GasReport, ScenarioError> {
        match self {
            Self::Tee => scenario::tee_task(evm, protocol),
            Self::Replicated { trust } => scenario::replicated_task(evm, protocol, trust),
            Self::Bulk { tasks } => scenario::bulk_deal(evm, protocol, tasks),
        }
    }
}

pub(crate) fn run(command: BenchCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        BenchCommand::Gas { reference } => gas(&reference, out),
    }
}

/// A freshly deployed chain to run scenarios on copies of.
struct Deployed {
    evm: Evm,
    snapshot: Snapshot,
    protocol: Protocol,
}

impl Deployed {
    fn new(deploy: impl FnOnce(&mut Evm) -> anyhow::Result<Protocol>) -> anyhow::Result<Self> {
        let mut evm = Evm::new(EvmConfig::default());
        let protocol = deploy(&mut evm)?;
        let snapshot = evm.snapshot();
        Ok(Self {
            evm,
            snapshot,
            protocol,
        })
    }

    /// Runs `scenario` on a fresh copy of the deployment.
    fn run(
        &mut self,
        scenario: impl FnOnce(&mut Evm, &Protocol) -> Result<GasReport, ScenarioError>,
    ) -> Result<GasReport, ScenarioError> {
        self.evm.restore(&self.snapshot);
        scenario(&mut self.evm, &self.protocol)
    }
}

fn gas(reference: &Path, out: &Output) -> anyhow::Result<()> {
    if !reference.join("package.json").is_file() {
        bail!(
            "the reference PoCo package is not at {}: run scripts/reference-poco from the \
             repository root to fetch it (or pass --reference DIR, or set \
             CONFIDE_REFERENCE_POCO)",
            reference.display()
        );
    }
    let owner = Actors::default().owner.address();
    let mut ours =
        Deployed::new(|evm| Ok(deploy_confide(evm, owner)?)).context("cannot deploy Confide")?;
    let mut theirs = Deployed::new(|evm| {
        deploy_reference_poco(evm, owner, reference).with_context(|| {
            format!(
                "cannot deploy the reference PoCo from {}",
                reference.display()
            )
        })
    })?;

    let mut rows = Vec::new();
    for scenario in SCENARIOS {
        let confide = ours
            .run(|evm, p| scenario.run(evm, p))
            .with_context(|| format!("{scenario:?} on Confide"))?;
        let reference = theirs
            .run(|evm, p| scenario.run(evm, p))
            .with_context(|| format!("{scenario:?} on the reference PoCo"))?;
        rows.push((confide, reference));
    }
    out.result(&table(&rows), document(&rows));
    Ok(())
}

/// `confide / reference`, rounded to 4 decimals.
fn ratio(confide: u64, reference: u64) -> Option<f64> {
    (reference > 0).then(|| (confide as f64 / reference as f64 * 1e4).round() / 1e4)
}

/// The reference's calls labelled like `call` (setup or task alike).
fn counterpart<'a>(
    reference: &'a GasReport,
    call: &scenario::CallGas,
) -> Option<&'a scenario::CallGas> {
    reference
        .calls
        .iter()
        .find(|c| c.label == call.label && c.task == call.task)
}

fn document(rows: &[(GasReport, GasReport)]) -> Value {
    let scenarios: Vec<Value> = rows
        .iter()
        .map(|(confide, reference)| {
            let calls: Vec<Value> = confide
                .calls
                .iter()
                .map(|call| {
                    json!({
                        "label": call.label,
                        "count": call.count,
                        "task": call.task,
                        "confide": call.per_call(),
                        "reference": counterpart(reference, call).map(|c| c.per_call()),
                    })
                })
                .collect();
            json!({
                "name": confide.name,
                "tasks": confide.tasks,
                "calls": calls,
                "perTask": {
                    "confide": confide.per_task(),
                    "reference": reference.per_task(),
                    "ratio": ratio(confide.per_task(), reference.per_task()),
                },
            })
        })
        .collect();
    json!({ "scenarios": scenarios })
}

fn percent(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn table(rows: &[(GasReport, GasReport)]) -> String {
    let mut text = format!(
        "Gas per call: Confide / reference PoCo {REFERENCE_POCO_VERSION} / ratio (mean per call \
         when a call repeats; the tasks' calls are marked *)\n"
    );
    for (confide, reference) in rows {
        let _ = writeln!(
            text,
            "\n{}\n  {:<36} {:>11} {:>11} {:>7}",
            confide.name, "call", "Confide", "PoCo", "ratio"
        );
        for call in &confide.calls {
            let theirs = counterpart(reference, call).map(|c| c.per_call());
            let label = match call.count {
                1 => call.label.clone(),
                n => format!("{} ×{n}", call.label),
            };
            let _ = writeln!(
                text,
                "{} {:<36} {:>11} {:>11} {:>7}",
                if call.task { "*" } else { " " },
                label,
                call.per_call(),
                theirs.map_or_else(|| "-".to_owned(), |g| g.to_string()),
                percent(theirs.and_then(|g| ratio(call.per_call(), g))),
            );
        }
        let _ = writeln!(
            text,
            "  {:<36} {:>11} {:>11} {:>7}",
            format!("per task ({} task(s))", confide.tasks),
            confide.per_task(),
            reference.per_task(),
            percent(ratio(confide.per_task(), reference.per_task())),
        );
    }
    if let Some((confide, reference)) = rows.first() {
        let _ = write!(
            text,
            "\nTEE task: Confide costs {} of the reference's gas (target: at most 50%).",
            percent(ratio(confide.per_task(), reference.per_task()))
        );
    }
    text
}
