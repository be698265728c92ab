//! The typed client against two nodes: the dev chain's JSON-RPC server and anvil (npm
//! `@foundry-rs/anvil`, installed by `scripts/foundry`). Every test in [`cases`] runs on both;
//! [`dev_only`] and [`anvil_only`] hold what one node cannot do (restart in place; reorgs).

mod anvil_only;
mod cases;
mod dev_only;
mod nodes;

/// Runs each case of [`cases`] on the dev chain and on anvil.
macro_rules! on_both_nodes {
    ($($case:ident),* $(,)?) => {
        mod on_dev_chain {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let node = super::nodes::Node::dev_chain().await;
                    super::cases::$case(&node).await;
                }
            )*
        }
        mod on_anvil {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    let Some(node) = super::nodes::Node::anvil() else { return };
                    super::cases::$case(&node).await;
                }
            )*
        }
    };
}

on_both_nodes!(
    deploys_the_protocol_from_the_in_process_plan,
    runs_a_tee_task_end_to_end,
    names_match_orders_reverts_and_keeps_the_nonce,
    names_custom_errors_and_failed_transactions,
    lands_32_concurrent_transactions_from_one_signer,
    delivers_events_after_n_confirmations,
    refuses_a_node_of_another_chain,
);
