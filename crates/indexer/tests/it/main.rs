//! The indexer against the dev chain (anvil for reorgs): a Confide dev chain on 127.0.0.1,
//! followers on SQLite and PostgreSQL, the API on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

/// Runs each named `async fn(&str)` on a fresh SQLite file and a fresh PostgreSQL database
/// (skipped with a message when there is no PostgreSQL server; a failure under `CI=true`).
macro_rules! on_both_databases {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}/indexer.db", dir.path().display());
                super::$test(&url).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(url) = confide_db::testing::postgres_database().await else { return };
                super::$test(&url).await;
            }
        }
    )*};
}

mod errors;
mod market;
mod openapi;
mod protected_data;
mod reorg;
mod resume;
mod views;
mod world;
