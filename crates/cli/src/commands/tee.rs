//! `confide tee verify-quote`: verify an Intel DCAP quote offline against its collateral, then
//! check the verified report with a policy.

use std::io::Read as _;
use std::path::Path;

use alloy_primitives::hex;
use anyhow::{Context, bail};
use confide_tee::dcap::{Collateral, DcapError, DcapVerifier};
use confide_tee::{Measurements, Policy, VerifiedReport};
use serde_json::{Value, json};

use crate::cli::TeeCommand;
use crate::exit::{check_failed, check_failed_with};
use crate::input::read_document;
use crate::output::Output;

/// Largest quote file read (TDX quotes are about 5 KiB; hex doubles that).
const MAX_QUOTE_FILE: u64 = 1 << 20;

pub(crate) fn run(command: TeeCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        TeeCommand::VerifyQuote {
            quote,
            collateral,
            now,
            policy,
        } => verify_quote(&quote, &collateral, now, policy.as_deref(), out),
    }
}

fn verify_quote(
    quote_path: &Path,
    collateral_path: &Path,
    now: Option<u64>,
    policy_path: Option<&Path>,
    out: &Output,
) -> anyhow::Result<()> {
    let quote = read_quote(quote_path)?;
    let collateral = Collateral::from_file(collateral_path)
        .with_context(|| format!("cannot read collateral {}", collateral_path.display()))?;
    let policy: Policy = match policy_path {
        Some(path) => serde_json::from_str(&read_document(path)?)
            .with_context(|| format!("{} is not a policy", path.display()))?,
        None => Policy::default(),
    };
    let now = match now {
        Some(now) => now,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .context("the system clock is before 1970")?
            .as_secs(),
    };
    let verifier = DcapVerifier::new(Default::default()).allow_debug(policy.allow_debug);
    let report = match verifier.verify_with(&quote, &collateral, now) {
        Ok(report) => report,
        Err(
            error @ (DcapError::MalformedQuote { .. }
            | DcapError::UnsupportedQuote { .. }
            | DcapError::MalformedCollateral { .. }),
        ) => {
            return Err(anyhow::Error::new(error)
                .context(format!("cannot verify {}", quote_path.display())));
        }
        Err(error) => {
            return Err(check_failed(anyhow::Error::new(error).context(format!(
                "quote {} does not verify",
                quote_path.display()
            ))));
        }
    };
    let verdict = policy.check(&report);
    let document = report_json(&report, now, verdict.as_ref().err());
    let text = report_text(&report, now);
    match verdict {
        Ok(()) => {
            out.result(&format!("{text}\npolicy: accepted"), document);
            Ok(())
        }
        Err(refusal) => {
            // Humans get the measurements on stdout and the refusal on stderr; JSON gets one
            // document, the error with the report as its details.
            if !out.is_json() {
                out.result(&text, Value::Null);
            }
            Err(check_failed_with(
                anyhow::Error::new(refusal).context("the policy refuses the quote"),
                document,
            ))
        }
    }
}

/// Reads a binary quote, or a text file holding it in hex (`0x` prefix and whitespace allowed).
fn read_quote(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_QUOTE_FILE + 1).read_to_end(&mut bytes))
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() as u64 > MAX_QUOTE_FILE {
        bail!(
            "{} is larger than {MAX_QUOTE_FILE} bytes; is it a quote?",
            path.display()
        );
    }
    let text: Vec<u8> = bytes
        .iter()
        .copied()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    let text = text.strip_prefix(b"0x").unwrap_or(&text);
    if !text.is_empty() && text.iter().all(u8::is_ascii_hexdigit) {
        return hex::decode(text).with_context(|| format!("{} is not valid hex", path.display()));
    }
    Ok(bytes)
}

fn report_json(
    report: &VerifiedReport,
    now: u64,
    refusal: Option<&confide_tee::PolicyError>,
) -> Value {
    json!({
        "platform": report.platform,
        "measurements": report.measurements,
        "reportData": hex::encode(&report.report_data),
        "tcbStatus": report.tcb_status,
        "advisories": report.advisories,
        "debug": report.measurements.is_debug(),
        "now": now,
        "policy": match refusal {
            None => json!({ "accepted": true }),
            Some(refusal) => json!({ "accepted": false, "reason": refusal.to_string() }),
        },
    })
}

fn report_text(report: &VerifiedReport, now: u64) -> String {
    let mut lines = Vec::new();
    let mut field = |name: &str, value: String| lines.push(format!("  {name:<14}{value}"));
    match &report.measurements {
        Measurements::Tdx {
            mr_td,
            rtmr,
            mr_config_id,
            mr_owner,
            td_attributes,
        } => {
            field("mr_td", hex::encode(mr_td));
            for (index, register) in rtmr.iter().enumerate() {
                field(&format!("rtmr{index}"), hex::encode(register));
            }
            field("mr_config_id", hex::encode(mr_config_id));
            field("mr_owner", hex::encode(mr_owner));
            field("td_attributes", hex::encode(td_attributes));
        }
        Measurements::Sgx {
            mr_enclave,
            mr_signer,
            isv_prod_id,
            isv_svn,
            attributes,
        } => {
            field("mr_enclave", hex::encode(mr_enclave));
            field("mr_signer", hex::encode(mr_signer));
            field("isv_prod_id", isv_prod_id.to_string());
            field("isv_svn", isv_svn.to_string());
            field("attributes", hex::encode(attributes));
        }
        Measurements::Simulated { measurement } => field("measurement", hex::encode(measurement)),
    }
    field("report_data", hex::encode(&report.report_data));
    field("tcb_status", report.tcb_status.to_string());
    field(
        "advisories",
        if report.advisories.is_empty() {
            "none".into()
        } else {
            report.advisories.join(", ")
        },
    );
    let platform = match report.platform {
        confide_tee::Platform::Tdx => "TDX",
        confide_tee::Platform::Sgx => "SGX",
        confide_tee::Platform::Simulated => "simulated",
    };
    format!(
        "{platform} quote verified (collateral valid at {now})\n{}",
        lines.join("\n")
    )
}
