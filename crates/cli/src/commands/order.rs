//! `confide order hash|sign|verify`.

use crate::cli::{DomainArgs, OrderCommand, OrderInput};
use crate::commands::wallet::load_signer;
use crate::exit::check_failed;
use crate::input::read_document;
use crate::output::Output;
use anyhow::{Context, bail};
use confide_protocol::order::{AnyOrder, OrderIdentity};
use confide_protocol::{Domain, Order, SignedOrder};
use serde_json::{Value, json};

pub(crate) fn run(command: OrderCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        OrderCommand::Hash { domain, input } => {
            let (order, domain) = (read_order(&input)?, to_domain(&domain));
            let hash = order.hash(&domain);
            out.result(
                &hash.to_string(),
                json!({
                    "kind": order.order.kind(),
                    "hash": hash,
                    "structHash": order.order.struct_hash(),
                    "domainSeparator": domain.separator(),
                }),
            );
            Ok(())
        }
        OrderCommand::Sign {
            domain,
            input,
            keystore,
            output,
        } => {
            let (order, domain) = (read_order(&input)?, to_domain(&domain));
            let signer = load_signer(&keystore)?;
            if let OrderIdentity::Requester(requester) = order.order.order_identity()
                && requester != signer.address()
            {
                bail!(
                    "the request order's requester is {requester} but the keystore holds {}; the signature would not verify",
                    signer.address()
                );
            }
            let signed =
                SignedOrder::sign(order.order, &domain, &signer).context("signing failed")?;
            let hash = signed.hash(&domain);
            let document = serde_json::to_string_pretty(&signed)?;
            match output {
                Some(path) => {
                    std::fs::write(&path, format!("{document}\n"))
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    out.result(
                        &format!(
                            "signed {} order {hash} by {} → {}",
                            signed.order.kind(),
                            signer.address(),
                            path.display()
                        ),
                        json!({ "hash": hash, "signer": signer.address(), "file": path }),
                    );
                }
                None => out.result(
                    &document,
                    json!({ "hash": hash, "signer": signer.address(), "order": signed }),
                ),
            }
            Ok(())
        }
        OrderCommand::Verify {
            domain,
            input,
            signer,
        } => {
            let (order, domain) = (read_order(&input)?, to_domain(&domain));
            let hash = order.hash(&domain);
            order.verify(&domain, signer).map_err(|error| {
                check_failed(
                    anyhow::Error::new(error)
                        .context(format!("order {hash} is not validly signed")),
                )
            })?;
            out.result(
                &format!("valid: {} order {hash} is signed by {signer}", order.order.kind()),
                json!({ "valid": true, "kind": order.order.kind(), "hash": hash, "signer": signer }),
            );
            Ok(())
        }
    }
}

fn to_domain(args: &DomainArgs) -> Domain {
    Domain::new(args.chain_id, args.verifying_contract)
}

/// Reads an order; also accepts the order book's envelope `{"order": {...}, ...}`.
fn read_order(input: &OrderInput) -> anyhow::Result<SignedOrder<Order>> {
    let text = read_document(&input.file)?;
    let mut value: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", input.file.display()))?;
    if let Some(inner) = value.get_mut("order").filter(|inner| inner.is_object()) {
        value = inner.take();
    }
    SignedOrder::from_json_value_as(input.kind, value)
        .with_context(|| format!("{} is not a valid order", input.file.display()))
}
