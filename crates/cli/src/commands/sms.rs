//! `confide sms`: the Secret Management Service over HTTP until SIGINT/SIGTERM.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use confide_sms::store::{MasterKey, Store};
use confide_sms::{Sms, SmsConfig};
use confide_tee::Policy;
use confide_tee::dcap::{CollateralCache, DcapVerifier};
use confide_tee_sim::SimVerifier;
use serde_json::json;

use crate::cli::SmsArgs;
use crate::output::Output;

pub(crate) fn run(args: SmsArgs, out: &Output) -> anyhow::Result<()> {
    super::service::run(serve_until_stopped(args, out))
}

async fn serve_until_stopped(args: SmsArgs, out: &Output) -> anyhow::Result<()> {
    let mut signals = crate::commands::chain::dev::StopSignals::install()?;
    let policy = match &args.policy {
        Some(path) => read_policy(path)?,
        None => Policy::default(),
    };
    let collateral = Arc::new(CollateralCache::new());
    for path in &args.collateral {
        let loaded = if path.is_dir() {
            collateral.load_dir(path)?.len()
        } else {
            collateral.load_file(path).map(|_| 1)?
        };
        tracing::info!(path = %path.display(), loaded, "collateral loaded");
    }
    if args.dev {
        tracing::warn!("dev mode: simulated evidence is accepted; never run this in production");
    }
    let home = match &args.data_dir {
        Some(dir) => dir.clone(),
        None => crate::home::default_dir("sms", "pass --data-dir DIR")?,
    };
    std::fs::create_dir_all(&home).with_context(|| format!("cannot create {}", home.display()))?;
    let master_key_path = args
        .master_key
        .clone()
        .unwrap_or_else(|| home.join("master.key"));
    let master_key = MasterKey::load_or_create(&master_key_path)
        .with_context(|| format!("master key {}", master_key_path.display()))?;
    let database = args
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", home.join("sms.db").display()));
    let store = Store::open(&database, &master_key)
        .await
        .context("cannot open the SMS database")?;

    let chain = super::service::connect_chain(&args.chain).await?;

    let mut sms = Sms::new(
        store,
        chain,
        SmsConfig {
            dev_mode: args.dev,
            policy,
            ..SmsConfig::default()
        },
    );
    sms = sms.with_verifier(Arc::new(DcapVerifier::new(collateral)));
    if args.dev {
        let mut trusted = args.simulator.clone();
        if trusted.is_empty() {
            trusted.push(confide_tee_sim::dev_simulator().address());
        }
        sms = sms.with_verifier(Arc::new(SimVerifier::new(trusted)));
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let server = confide_sms::serve(listener, Arc::new(sms))
        .await
        .context("cannot serve")?;
    let url = format!("http://{}", server.local_addr());
    out.result(
        &format!(
            "SMS: {url} (dev mode: {})\nDatabase: {}\nOpenAPI: {url}/openapi.json\nListening on {}",
            args.dev,
            super::service::redact_password(&database),
            server.local_addr()
        ),
        json!({
            "url": url,
            "listen": server.local_addr().to_string(),
            "devMode": args.dev,
            "database": super::service::redact_password(&database),
            "openapi": format!("{url}/openapi.json"),
        }),
    );
    // Scripts and tests wait for this line through a pipe.
    std::io::stdout()
        .flush()
        .context("cannot write to standard output")?;
    let signal = signals.wait().await;
    tracing::info!(signal, "stopping the SMS");
    server.shutdown().await;
    Ok(())
}

fn read_policy(path: &PathBuf) -> anyhow::Result<Policy> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the policy {}", path.display()))?;
    let policy: Policy = serde_json::from_str(&text)
        .with_context(|| format!("invalid policy {}", path.display()))?;
    if policy.allow_simulated {
        bail!("a policy file cannot allow simulated evidence: use --dev");
    }
    Ok(policy)
}
