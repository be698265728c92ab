//! The protocol's events of an outcome as a comparable list.
//!
//! Two deployments of the protocol emit the same events with different addresses (the
//! protocol, registries, assets) and ids (order hashes, deals and tasks depend on the EIP-712
//! verifying contract). [`normalize`] decodes the logs the protocol address emitted as
//! `IConfide` events and renders every field, replacing the addresses and 32-byte words a
//! [`Symbols`] table knows by their symbolic names (`protocol`, `app:tee-app`, `deal:0`,
//! `task:0/3`...), so that the lists of two deployments compare equal when the protocols behave
//! alike.

use crate::artifacts::bindings::{IConfide::IConfideEvents, Types};
use crate::evm::{Revert, TxOutcome};
use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolEventInterface;
use std::collections::HashMap;
use std::fmt;

/// Symbolic names of the addresses and 32-byte words (hashes, ids) of one deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Symbols {
    addresses: HashMap<Address, String>,
    words: HashMap<B256, String>,
}

impl Symbols {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Names `address` (the first name given wins).
    pub fn name_address(&mut self, address: Address, name: impl Into<String>) {
        self.addresses.entry(address).or_insert_with(|| name.into());
    }

    /// Names a 32-byte word such as an order hash or a deal id (the first name given wins).
    pub fn name_word(&mut self, word: B256, name: impl Into<String>) {
        self.words.entry(word).or_insert_with(|| name.into());
    }

    /// The name of `address`, if any.
    pub fn address_name(&self, address: Address) -> Option<&str> {
        self.addresses.get(&address).map(String::as_str)
    }

    /// The name of `word`, if any.
    pub fn word_name(&self, word: B256) -> Option<&str> {
        self.words.get(&word).map(String::as_str)
    }

    /// `address` rendered: its name, else its checksummed hex.
    pub fn address(&self, address: Address) -> String {
        self.address_name(address)
            .map_or_else(|| address.to_string(), str::to_owned)
    }

    /// `word` rendered: its name, else its hex.
    pub fn word(&self, word: B256) -> String {
        self.word_name(word)
            .map_or_else(|| word.to_string(), str::to_owned)
    }
}

/// One protocol event with its fields rendered through [`Symbols`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedEvent {
    /// The event name (`"Transfer"`, `"TaskFinalize"`...); `"?"` for a log that is not an
    /// `IConfide` event.
    pub name: &'static str,
    /// `(field name, rendered value)` in declaration order.
    pub fields: Vec<(&'static str, String)>,
}

impl fmt::Display for NormalizedEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name)?;
        for (i, (name, value)) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}={value}")?;
        }
        f.write_str(")")
    }
}

/// The events `protocol` emitted in `outcome`, in emission order, rendered through `symbols`.
/// Logs of other contracts (the RLC token, the registries) are left out.
pub fn normalize(
    outcome: &TxOutcome,
    protocol: Address,
    symbols: &Symbols,
) -> Vec<NormalizedEvent> {
    outcome
        .logs
        .iter()
        .filter(|log| log.address == protocol)
        .map(
            |log| match IConfideEvents::decode_raw_log(log.topics(), &log.data.data) {
                Ok(event) => render_event(&event, symbols),
                Err(_) => NormalizedEvent {
                    name: "?",
                    fields: vec![
                        ("topics", format!("{:?}", log.topics())),
                        ("data", log.data.data.to_string()),
                    ],
                },
            },
        )
        .collect()
}

/// Why a call reverted, rendered through `symbols`: `Error("reason")`, `Panic(0x11)`,
/// `revert()` (no data), `halt: <why>`, or for a custom error `0x<selector>(<words>)` whose
/// 32-byte argument words are rendered as the names of the addresses or words `symbols` knows
/// (others in hex), so that the reverts of two deployments compare equal.
pub fn normalize_revert(revert: &Revert, symbols: &Symbols) -> String {
    match revert {
        Revert::Error(reason) => format!("Error({reason:?})"),
        Revert::Panic(code) => format!("Panic({code:#x})"),
        Revert::Empty => "revert()".to_owned(),
        Revert::Halt(why) => format!("halt: {why}"),
        Revert::Malformed(data) => format!("malformed({data})"),
        Revert::Custom { selector, data } => {
            let words: Vec<String> = data
                .chunks(32)
                .map(|chunk| {
                    let Ok(word) = B256::try_from(chunk) else {
                        return Bytes::copy_from_slice(chunk).to_string();
                    };
                    if let Some(name) = symbols.word_name(word) {
                        return name.to_owned();
                    }
                    if word[..12].iter().all(|b| *b == 0) {
                        let address = Address::from_slice(&word[12..]);
                        if let Some(name) = symbols.address_name(address) {
                            return name.to_owned();
                        }
                    }
                    word.to_string()
                })
                .collect();
            format!("{selector}({})", words.join(", "))
        }
    }
}

/// A value of an event field, rendered.
trait Render {
    fn render(&self, symbols: &Symbols) -> String;
}

impl Render for Address {
    fn render(&self, symbols: &Symbols) -> String {
        symbols.address(*self)
    }
}

impl Render for B256 {
    fn render(&self, symbols: &Symbols) -> String {
        symbols.word(*self)
    }
}

impl Render for U256 {
    fn render(&self, _: &Symbols) -> String {
        self.to_string()
    }
}

impl Render for Bytes {
    fn render(&self, _: &Symbols) -> String {
        self.to_string()
    }
}

impl Render for String {
    fn render(&self, _: &Symbols) -> String {
        format!("{self:?}")
    }
}

/// `(field, rendered value)` pairs of `$value`'s fields.
macro_rules! fields {
    ($symbols:expr, $value:expr; $($field:ident),* $(,)?) => {
        vec![$((field_name(stringify!($field)), $value.$field.render($symbols))),*]
    };
}

/// Renders a struct as `{field=value, ...}`.
macro_rules! render_struct {
    ($type:ty; $($field:ident),* $(,)?) => {
        impl Render for $type {
            fn render(&self, symbols: &Symbols) -> String {
                let fields: Vec<(&str, String)> = fields!(symbols, self; $($field),*);
                let inner: Vec<String> =
                    fields.into_iter().map(|(name, value)| format!("{name}={value}")).collect();
                format!("{{{}}}", inner.join(", "))
            }
        }
    };
}

render_struct!(Types::AppOrder; app, appprice, volume, tag, datasetrestrict, workerpoolrestrict,
    requesterrestrict, salt, sign);
render_struct!(Types::DatasetOrder; dataset, datasetprice, volume, tag, apprestrict,
    workerpoolrestrict, requesterrestrict, salt, sign);
render_struct!(Types::WorkerpoolOrder; workerpool, workerpoolprice, volume, tag, category, trust,
    apprestrict, datasetrestrict, requesterrestrict, salt, sign);
render_struct!(Types::RequestOrder; app, appmaxprice, dataset, datasetmaxprice, workerpool,
    workerpoolmaxprice, requester, volume, tag, category, trust, beneficiary, callback, params,
    salt, sign);

/// `r#ref` → `ref`.
fn field_name(raw: &'static str) -> &'static str {
    raw.strip_prefix("r#").unwrap_or(raw)
}

/// The event's name and fields.
macro_rules! render_events {
    ($event:expr, $symbols:expr; $($name:ident { $($field:ident),* $(,)? }),* $(,)?) => {
        match $event {
            $(IConfideEvents::$name(e) => NormalizedEvent {
                name: stringify!($name),
                fields: fields!($symbols, e; $($field),*),
            },)*
        }
    };
}

fn render_event(event: &IConfideEvents, symbols: &Symbols) -> NormalizedEvent {
    // Every variant is listed: a new event in the ABI fails to compile here.
    render_events!(event, symbols;
        AccurateContribution { worker, taskid },
        Approval { owner, spender, value },
        BroadcastAppOrder { apporder },
        BroadcastDatasetOrder { datasetorder },
        BroadcastRequestOrder { requestorder },
        BroadcastWorkerpoolOrder { workerpoolorder },
        ClosedAppOrder { appHash },
        ClosedDatasetOrder { datasetHash },
        ClosedRequestOrder { requestHash },
        ClosedWorkerpoolOrder { workerpoolHash },
        CreateCategory { catid, name, description, workClockTimeRef },
        DealSponsored { dealId, sponsor },
        FaultyContribution { worker, taskid },
        Lock { owner, amount },
        OrdersMatched { dealid, appHash, datasetHash, workerpoolHash, requestHash, volume },
        OwnershipTransferred { previousOwner, newOwner },
        Reward { owner, amount, r#ref },
        SchedulerNotice { workerpool, dealid },
        Seize { owner, amount, r#ref },
        SignedAppOrder { appHash },
        SignedDatasetOrder { datasetHash },
        SignedRequestOrder { requestHash },
        SignedWorkerpoolOrder { workerpoolHash },
        TaskClaimed { taskid },
        TaskConsensus { taskid, consensus },
        TaskContribute { taskid, worker, hash },
        TaskFinalize { taskid, results },
        TaskInitialize { taskid, workerpool },
        TaskReopen { taskid },
        TaskReveal { taskid, worker, digest },
        Transfer { from, to, value },
        Unlock { owner, amount },
    )
}
