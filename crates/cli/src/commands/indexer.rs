//! `confide indexer`: follows the chain into the database and serves the API until
//! SIGINT/SIGTERM.

use std::io::Write as _;
use std::sync::Arc;

use anyhow::Context;
use confide_indexer::{FollowConfig, Follower, Indexer, Store};
use serde_json::json;

use crate::cli::IndexerArgs;
use crate::output::Output;

pub(crate) fn run(args: IndexerArgs, out: &Output) -> anyhow::Result<()> {
    super::service::run(serve_until_stopped(args, out))
}

async fn serve_until_stopped(args: IndexerArgs, out: &Output) -> anyhow::Result<()> {
    let mut signals = crate::commands::chain::dev::StopSignals::install()?;
    let database = super::service::database_url(
        args.database.as_deref(),
        args.data_dir.as_deref(),
        "indexer",
    )?;
    let store = Store::open(&database)
        .await
        .context("cannot open the indexer database")?;
    let chain = super::service::connect_chain(&args.chain).await?;
    let follower = Arc::new(Follower::new(
        Arc::new(chain),
        store,
        FollowConfig {
            start_block: args.start_block,
            confirmations: args.confirmations,
            ..FollowConfig::default()
        },
    ));
    // Refuses a database of another deployment before serving anything.
    let next_block = follower
        .start()
        .await
        .context("cannot start indexing")?
        .next_block();

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let server = confide_indexer::serve(listener, Arc::new(Indexer::new(&follower)))
        .await
        .context("cannot serve")?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let following = tokio::spawn({
        let follower = follower.clone();
        async move {
            follower
                .run(async {
                    let _ = stopped.await;
                })
                .await;
        }
    });
    let url = server.url();
    let redacted = super::service::redact_password(&database);
    out.result(
        &format!(
            "Indexer: {url} (from block {next_block}, {} confirmation(s))\nDatabase: {redacted}\nOpenAPI: {url}/openapi.json\nListening on {}",
            args.confirmations,
            server.local_addr()
        ),
        json!({
            "url": url,
            "listen": server.local_addr().to_string(),
            "database": redacted,
            "nextBlock": next_block,
            "confirmations": args.confirmations,
            "openapi": format!("{url}/openapi.json"),
        }),
    );
    // Scripts and tests wait for this line through a pipe.
    std::io::stdout()
        .flush()
        .context("cannot write to standard output")?;
    let signal = signals.wait().await;
    tracing::info!(signal, "stopping the indexer");
    let _ = stop.send(());
    let _ = following.await;
    server.shutdown().await;
    Ok(())
}
