//! `confide data protect|list|grant|access|revoke|transfer|process`: DataProtector's methods
//! from the command line.

use alloy_primitives::U256;
use anyhow::Context as _;
use confide_crypto::protected_data::DataValue;
use confide_sdk::{
    AccessQuery, DataObject, DataQuery, Grant, GrantedAccess, MaxPrices, ProcessRequest,
    ProtectedData,
};
use serde_json::json;

use super::user::{format_rlc, progress, run, show_result, write_result};
use crate::cli::UserDataCommand;
use crate::output::Output;

pub(crate) fn run_command(command: UserDataCommand, out: &Output) -> anyhow::Result<()> {
    match command {
        UserDataCommand::Protect {
            file,
            object,
            name,
            user,
        } => run(&user, async |sdk| {
            let (data, default_name) = match (file, object) {
                (Some(path), _) => {
                    let bytes = read_bounded(&path)?;
                    let name = path
                        .file_name()
                        .map(|name| name.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let mut object = DataObject::new();
                    object.insert("file", DataValue::Binary(bytes));
                    (object, name)
                }
                (None, Some(json)) => (
                    DataObject::from_json_str(&json)
                        .context("the --json value is not a JSON object DataProtector accepts")?,
                    String::new(),
                ),
                (None, None) => anyhow::bail!("pass a FILE or --json '{{...}}'"),
            };
            let (bar, mut report) = progress(out);
            let protected = sdk
                .protect_data(&data, name.as_deref().unwrap_or(&default_name), &mut report)
                .await;
            bar.finish_and_clear();
            let protected = protected?;
            out.result(
                &format!(
                    "Protected {} \"{}\", owned by {}\nschema   {}\nstored   {}\nchecksum {}",
                    protected.address,
                    protected.name,
                    protected.owner,
                    protected.schema,
                    protected.location.as_deref().unwrap_or("?"),
                    protected.checksum
                ),
                json!(protected),
            );
            Ok(())
        }),
        UserDataCommand::List {
            owner,
            schema,
            user,
        } => run(&user, async |sdk| {
            let found = sdk
                .get_protected_data(&DataQuery {
                    owner,
                    schema,
                    ..DataQuery::default()
                })
                .await?;
            out.result(&list_text(&found), json!(found));
            Ok(())
        }),
        UserDataCommand::Grant {
            data,
            app,
            user,
            price,
            uses,
            user_args,
        } => run(&user_args, async |sdk| {
            let (bar, mut report) = progress(out);
            let granted = sdk
                .grant_access(
                    &Grant {
                        protected_data: data,
                        authorized_app: app_of(&sdk, &app)?,
                        authorized_user: user,
                        price_per_access: price,
                        number_of_access: U256::from(uses),
                    },
                    &mut report,
                )
                .await;
            bar.finish_and_clear();
            let granted = granted?;
            out.result(
                &format!(
                    "Granted {}\norder {}",
                    access_text(&granted),
                    granted.order_hash
                ),
                json!(granted),
            );
            Ok(())
        }),
        UserDataCommand::Access {
            data,
            app,
            user,
            user_args,
        } => run(&user_args, async |sdk| {
            let accesses = sdk
                .get_granted_access(&AccessQuery {
                    protected_data: Some(data),
                    authorized_app: app.as_deref().map(|app| app_of(&sdk, app)).transpose()?,
                    authorized_user: user,
                    page: 0,
                })
                .await?;
            let text = if accesses.is_empty() {
                format!("No open access to {data}")
            } else {
                accesses
                    .iter()
                    .map(access_text)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            out.result(&text, json!(accesses));
            Ok(())
        }),
        UserDataCommand::Revoke {
            data,
            app,
            user,
            all,
            user_args,
        } => run(&user_args, async |sdk| {
            let (app, user) = if all { (None, None) } else { (app, user) };
            let app = app.as_deref().map(|app| app_of(&sdk, app)).transpose()?;
            let (bar, mut report) = progress(out);
            let revoked = sdk.revoke_all_access(data, app, user, &mut report).await;
            bar.finish_and_clear();
            let revoked = revoked?;
            let mut text = format!("Revoked {} access(es) to {data}", revoked.len());
            for one in &revoked {
                text.push_str(&format!(
                    "\n  {} (tx {})",
                    access_text(&one.access),
                    one.transaction_hash
                ));
            }
            out.result(&text, json!(revoked));
            Ok(())
        }),
        UserDataCommand::Transfer { data, to, user } => run(&user, async |sdk| {
            let done = sdk.transfer_ownership(data, to).await?;
            out.result(
                &format!("{data} now belongs to {to} (tx {})", done.transaction_hash),
                json!(done),
            );
            Ok(())
        }),
        UserDataCommand::Process {
            data,
            app,
            args,
            secret,
            max_price,
            workerpool,
            wait,
            out: dir,
            user,
        } => run(&user, async |sdk| {
            let request = ProcessRequest {
                protected_data: data,
                app: app_of(&sdk, &app)?,
                args,
                secrets: crate::cli::secrets_by_index(secret),
                max_price: MaxPrices::total(max_price),
                workerpool,
                wait,
            };
            let (bar, mut report) = progress(out);
            let processed = sdk.process_protected_data(&request, &mut report).await;
            bar.finish_and_clear();
            let processed = processed?;
            let mut text = format!(
                "Task {} (deal {}) bought for {}",
                processed.task_id,
                processed.deal_id,
                format_rlc(processed.price)
            );
            let mut files = None;
            match &processed.result {
                Some(result) => {
                    if let Some(dir) = &dir {
                        files = Some(write_result(result, dir)?);
                        text.push_str(&format!("\nResult written to {}", dir.display()));
                    }
                    text.push_str(&format!("\n{}", show_result(result)?));
                }
                None => text.push_str(&format!(
                    "\nWait for it with `confide task wait {0}`, then `confide result get {0} --out DIR`",
                    processed.task_id
                )),
            }
            let mut value = json!(processed);
            if let Some(result) = &processed.result {
                value["status"] = json!("COMPLETED");
                value["files"] = json!(files.unwrap_or_else(|| {
                    result
                        .files()
                        .map(|files| files.into_keys().collect())
                        .unwrap_or_default()
                }));
            }
            out.result(text.trim_end(), value);
            Ok(())
        }),
    }
}

/// The app `name_or_address` names on the network.
fn app_of(
    sdk: &confide_sdk::Confide,
    name_or_address: &str,
) -> anyhow::Result<alloy_primitives::Address> {
    let network = sdk.network();
    network.app(name_or_address).with_context(|| {
        let known: Vec<&str> = network.apps.keys().map(String::as_str).collect();
        format!(
            "{name_or_address:?} is neither an address nor an app of this network (it knows: {})",
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        )
    })
}

/// A file to protect, refused when larger than what can be protected.
fn read_bounded(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    anyhow::ensure!(
        size <= confide_sdk::MAX_PROTECTED_BYTES as u64,
        "{} is {size} bytes, at most {} can be protected",
        path.display(),
        confide_sdk::MAX_PROTECTED_BYTES
    );
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn list_text(found: &[ProtectedData]) -> String {
    if found.is_empty() {
        return "No protected data found".to_owned();
    }
    found
        .iter()
        .map(|data| {
            format!(
                "{}  {:<20} owner {}  {}",
                data.address, data.name, data.owner, data.schema
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn access_text(access: &GrantedAccess) -> String {
    let order = &access.order.order;
    let user = if order.requesterrestrict.is_zero() {
        "anyone".to_owned()
    } else {
        order.requesterrestrict.to_string()
    };
    format!(
        "{}: app {} for {user}, {} use(s) left at {} each",
        order.dataset,
        order.apprestrict,
        access.remaining_access,
        format_rlc(order.datasetprice)
    )
}
