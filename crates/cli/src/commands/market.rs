//! `confide market`: the order book over HTTP until SIGINT/SIGTERM.

use std::io::Write as _;
use std::sync::Arc;

use anyhow::Context;
use confide_market::store::Store;
use confide_market::{Market, MarketConfig};
use serde_json::json;

use crate::cli::MarketArgs;
use crate::output::Output;

pub(crate) fn run(args: MarketArgs, out: &Output) -> anyhow::Result<()> {
    super::service::run(serve_until_stopped(args, out))
}

async fn serve_until_stopped(args: MarketArgs, out: &Output) -> anyhow::Result<()> {
    let mut signals = crate::commands::chain::dev::StopSignals::install()?;
    let database =
        super::service::database_url(args.database.as_deref(), args.data_dir.as_deref(), "market")?;
    let store = Store::open(&database)
        .await
        .context("cannot open the market database")?;
    let chain = super::service::connect_chain(&args.chain).await?;
    let chain_id = chain.chain_id();
    let market = Market::new(
        store,
        chain,
        MarketConfig {
            confirmations: args.confirmations,
            start_block: args.start_block,
            ..MarketConfig::default()
        },
    );
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let server = confide_market::serve(listener, Arc::new(market))
        .await
        .context("cannot serve")?;
    let url = format!("http://{}", server.local_addr());
    let shown_database = super::service::redact_password(&database);
    out.result(
        &format!(
            "Market: {url} (chain {chain_id}, {} confirmation(s))\nDatabase: {shown_database}\n\
             OpenAPI: {url}/openapi.json\nListening on {}",
            args.confirmations,
            server.local_addr()
        ),
        json!({
            "url": url,
            "listen": server.local_addr().to_string(),
            "chainId": chain_id,
            "confirmations": args.confirmations,
            "database": shown_database,
            "openapi": format!("{url}/openapi.json"),
        }),
    );
    // Scripts and tests wait for this line through a pipe.
    std::io::stdout()
        .flush()
        .context("cannot write to standard output")?;
    let signal = signals.wait().await;
    tracing::info!(signal, "stopping the market");
    server.shutdown().await;
    Ok(())
}
