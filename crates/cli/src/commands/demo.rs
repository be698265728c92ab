//! `confide demo`: the whole platform on this machine, and one story played on it by two
//! users.
//!
//! The embedded stack starts in a temporary directory (free ports: a running `confide dev` is
//! not disturbed), with the `stats` iApp deployed by its developer. Alice protects a CSV of salaries
//! and grants the app to Bob for 3 uses at 2 RLC each. Bob runs it three times, each result
//! decrypted by him alone; Alice's account shows the payment; a 4th use is refused. Alice
//! grants one more use and revokes it: Bob is refused again. Every step is printed with its
//! time; the exit code is 0 only if the whole story happened as told.

use std::time::Instant;

use alloy_primitives::U256;
use anyhow::{Context as _, ensure};
use confide_crypto::protected_data::{DataObject, DataValue};
use confide_node::{Node, NodeConfig, Ports};
use confide_sdk::{Confide, Grant, MaxPrices, ProcessRequest, SdkError, dev_account, rlc};
use serde_json::{Value, json};

use super::user::format_rlc;
use crate::cli::DemoArgs;
use crate::output::Output;

/// Alice's data.
const SALARIES: &str = "name,age,salary,bonus\n\
Alice,42,61000,5000\nBruno,35,52000,3000\nChloé,29,48500,2500\nDmitri,51,73000,8000\n\
Emma,38,58000,4000\n\"Fox, Jr.\",45,64500,6000\nGrace,27,45000,1500\nHugo,33,51000,2000\n";
/// Dev accounts of the story.
const ALICE: u32 = 2;
const BOB: u32 = 4;

pub(crate) fn run(args: DemoArgs, out: &Output) -> anyhow::Result<()> {
    super::service::run(async {
        let temp;
        let dir = match args.dir {
            Some(dir) => dir,
            None => {
                temp = tempfile::tempdir().context("cannot create a temporary directory")?;
                temp.path().to_owned()
            }
        };
        let mut story = Story::new(out);
        story.say(
            &format!("Starting the local stack in {}", dir.display()),
            json!({}),
        );
        let node = Node::start(NodeConfig {
            ports: Ports::any(),
            ..NodeConfig::new(dir.join("node"))
        })
        .await
        .context("the local stack did not start")?;
        let played = play(&node, &mut story).await;
        node.shutdown().await;
        played?;
        story.finish();
        Ok(())
    })
}

async fn play(node: &Node, story: &mut Story<'_>) -> anyhow::Result<()> {
    let network = node.network().clone();
    story.say(
        &format!(
            "Ready: chain {}, storage, SMS, market, indexer, a workerpool with {} workers",
            network.rpc,
            node.workers().len()
        ),
        json!({ "network": network }),
    );
    let connect = |index| {
        let network = network.clone();
        async move { Confide::connect(network, dev_account(index)?).await }
    };
    let alice = connect(ALICE).await?;
    let bob = connect(BOB).await?;
    let app = network
        .app("stats")
        .context("the stack did not deploy the stats app")?;
    story.say(
        &format!("The developer's stats iApp is deployed: {app} (its wasm module's SHA-256 registered on-chain)"),
        json!({ "app": app }),
    );

    let mut csv = DataObject::new();
    csv.insert("file", DataValue::Binary(SALARIES.as_bytes().to_vec()));
    let data = alice
        .protect_data(&csv, "salaries.csv", &mut |_| {})
        .await?;
    story.say(
        &format!(
            "Alice protected salaries.csv: {} (encrypted, stored, key at the SMS)",
            data.address
        ),
        json!({ "protectedData": data }),
    );

    let grant = Grant {
        protected_data: data.address,
        authorized_app: app,
        authorized_user: bob.address(),
        price_per_access: rlc(2),
        number_of_access: U256::from(3),
    };
    alice.grant_access(&grant, &mut |_| {}).await?;
    story.say(
        &format!(
            "Alice granted stats to Bob: 3 uses at {} each",
            format_rlc(grant.price_per_access)
        ),
        json!({ "uses": 3, "price": grant.price_per_access.to_string() }),
    );

    bob.deposit(rlc(20)).await?;
    story.say(
        "Bob deposited 20 RLC to pay for tasks",
        json!({ "deposit": rlc(20).to_string() }),
    );

    let alice_before = alice.balance(None).await?.stake;
    let request = |column: &str| ProcessRequest {
        protected_data: data.address,
        app,
        args: Some(column.to_owned()),
        max_price: MaxPrices::total(rlc(5)),
        wait: true,
        ..ProcessRequest::default()
    };
    for column in ["salary", "age", "bonus"] {
        let processed = bob
            .process_protected_data(&request(column), &mut |_| {})
            .await?;
        let result = processed.result.context("the task has no result")?;
        let summary: Value = serde_json::from_slice(&result.file("result.json")?)
            .context("the app's result.json is not JSON")?;
        story.say(
            &format!(
                "Bob ran stats on the {column} column for {}: mean {}, median {}, stddev {:.1} (decrypted by Bob only)",
                format_rlc(processed.price),
                summary["mean"],
                summary["median"],
                summary["stddev"].as_f64().unwrap_or_default()
            ),
            json!({ "taskId": processed.task_id, "column": column, "result": summary }),
        );
    }

    let alice_after = alice.balance(None).await?.stake;
    let earned = alice_after - alice_before;
    ensure!(
        earned == rlc(6),
        "Alice earned {} instead of 6 RLC",
        format_rlc(earned)
    );
    story.say(
        &format!(
            "Alice was paid {}: her account went from {} to {}",
            format_rlc(earned),
            format_rlc(alice_before),
            format_rlc(alice_after)
        ),
        json!({ "earned": earned.to_string() }),
    );

    let refused = refusal(&bob, &request("salary")).await?;
    story.say(
        &format!("A 4th use is refused: {refused}"),
        json!({ "refused": refused }),
    );

    let one_more = Grant {
        number_of_access: U256::from(1),
        ..grant
    };
    alice.grant_access(&one_more, &mut |_| {}).await?;
    let revoked = alice
        .revoke_all_access(data.address, Some(app), None, &mut |_| {})
        .await?;
    ensure!(
        revoked.len() == 1,
        "{} accesses revoked instead of 1",
        revoked.len()
    );
    story.say(
        &format!(
            "Alice granted Bob one more use, then revoked it (tx {})",
            revoked[0].transaction_hash
        ),
        json!({ "revoked": revoked[0].transaction_hash }),
    );
    let refused = refusal(&bob, &request("salary")).await?;
    story.say(
        &format!("Bob is refused after the revocation: {refused}"),
        json!({ "refused": refused }),
    );
    Ok(())
}

/// Bob's request, which must be refused for want of access; returns why.
async fn refusal(bob: &Confide, request: &ProcessRequest) -> anyhow::Result<String> {
    match bob.process_protected_data(request, &mut |_| {}).await {
        Err(error @ SdkError::NoAccess { .. }) => Ok(error.to_string()),
        Err(error) => Err(error.into()),
        Ok(processed) => anyhow::bail!("task {} ran without access", processed.task_id),
    }
}

/// The story's steps, each with the time it ended at.
struct Story<'a> {
    out: &'a Output,
    started: Instant,
    steps: Vec<Value>,
}

impl<'a> Story<'a> {
    fn new(out: &'a Output) -> Self {
        out.note("Confide demo: the whole platform on this machine, two users, one story.");
        Self {
            out,
            started: Instant::now(),
            steps: Vec::new(),
        }
    }

    fn say(&mut self, text: &str, mut details: Value) {
        let seconds = self.started.elapsed().as_secs_f64();
        if !self.out.is_json() {
            self.out
                .result(&format!("[{seconds:6.2}s] {text}"), Value::Null);
        }
        details["step"] = json!(text);
        details["seconds"] = json!((seconds * 1000.0).round() / 1000.0);
        self.steps.push(details);
    }

    fn finish(self) {
        let seconds = self.started.elapsed().as_secs_f64();
        self.out.result(
            &format!("Done in {seconds:.1} s: every step happened as told."),
            json!({ "success": true, "seconds": seconds, "steps": self.steps }),
        );
    }
}
