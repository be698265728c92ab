//! Order-book queries: the query parameters of iExec's market API, read strictly (an unknown
//! parameter or a malformed value is refused, naming it).
//!
//! Restrictions: an app, dataset, workerpool or requester filter on an order's *restriction*
//! (an app order's `datasetrestrict`...) matches orders restricted to exactly that address and,
//! unless `is<Party>Strict=true`, orders restricted to nobody (`0x0`). ERC-734 groups are not
//! resolved: an order restricted to a group matches a filter on the group's address only.
//! A filter on the order's own asset (an app order's `app`; a request order's `app`, `dataset`
//! and `requester`) is exact. `any` (or no value) means no filter.

use alloy_primitives::{Address, U256};
use confide_protocol::order::OrderKind;
use confide_protocol::{Tag, parse_uint};

/// Page size when none is asked.
pub const DEFAULT_PAGE_SIZE: u64 = 20;
/// Smallest page size accepted (the SDK's).
pub const MIN_PAGE_SIZE: u64 = 10;
/// Largest page size accepted.
pub const MAX_PAGE_SIZE: u64 = 1000;
/// Deepest page accepted: deeper pages cost a scan of every row before them.
pub const MAX_PAGE_INDEX: u64 = 100_000;
/// Orders with at least this volume are bulk-grade (`Number.MAX_SAFE_INTEGER − 1`, as the SMS
/// and DataProtector's bulk processing accept them; devtools.md §1.8).
pub const BULK_MIN_VOLUME: u64 = (1 << 53) - 2;

/// A query of the orders of one kind. `Default` lists every open order, best price first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderQuery {
    /// The app (an app order's own, a request order's, else the app restriction).
    pub app: Option<Address>,
    /// The dataset (own, the request's, else the dataset restriction).
    pub dataset: Option<Address>,
    /// The workerpool (own, else the workerpool restriction, a request order's included).
    pub workerpool: Option<Address>,
    /// The requester (a request order's own, else the requester restriction).
    pub requester: Option<Address>,
    /// Request orders: the beneficiary.
    pub beneficiary: Option<Address>,
    /// The owner of the orders' asset when they were published (`appOwner`, `datasetOwner`,
    /// `workerpoolOwner`).
    pub owner: Option<Address>,
    /// Only orders restricted to exactly `app` (not those open to any app).
    pub app_strict: bool,
    /// Only orders restricted to exactly `dataset`.
    pub dataset_strict: bool,
    /// Only orders restricted to exactly `workerpool`.
    pub workerpool_strict: bool,
    /// Only orders restricted to exactly `requester`.
    pub requester_strict: bool,
    /// Every bit of this tag must be set in the order's.
    pub min_tag: Option<Tag>,
    /// No bit outside this tag may be set in the order's.
    pub max_tag: Option<Tag>,
    /// Remaining volume at least this.
    pub min_volume: Option<U256>,
    /// App, dataset, workerpool orders: price at most this.
    pub max_price: Option<U256>,
    /// Request orders: `workerpoolmaxprice` at least this.
    pub min_price: Option<U256>,
    /// Workerpool and request orders: this category.
    pub category: Option<U256>,
    /// Workerpool orders: trust at least this.
    pub min_trust: Option<U256>,
    /// Request orders: trust at most this.
    pub max_trust: Option<U256>,
    /// Dataset orders: bulk-grade only (volume ≥ 2^53 − 2, price 0).
    pub bulk_only: bool,
    /// Page index, from 0.
    pub page: u64,
    /// Orders per page.
    pub page_size: u64,
}

impl Default for OrderQuery {
    fn default() -> Self {
        Self {
            app: None,
            dataset: None,
            workerpool: None,
            requester: None,
            beneficiary: None,
            owner: None,
            app_strict: false,
            dataset_strict: false,
            workerpool_strict: false,
            requester_strict: false,
            min_tag: None,
            max_tag: None,
            min_volume: None,
            max_price: None,
            min_price: None,
            category: None,
            min_trust: None,
            max_trust: None,
            bulk_only: false,
            page: 0,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

/// A query parameter that is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("query parameter `{param}`: {reason}")]
pub struct QueryError {
    /// The parameter.
    pub param: String,
    /// What is wrong.
    pub reason: String,
}

fn error(param: &str, reason: impl Into<String>) -> QueryError {
    QueryError {
        param: param.to_owned(),
        reason: reason.into(),
    }
}

/// The owner parameter of orders of `kind` (`appOwner`...), none for request orders.
const fn owner_param(kind: OrderKind) -> Option<&'static str> {
    match kind {
        OrderKind::App => Some("appOwner"),
        OrderKind::Dataset => Some("datasetOwner"),
        OrderKind::Workerpool => Some("workerpoolOwner"),
        OrderKind::Request => None,
    }
}

/// Whether orders of `kind` take parameter `name` (besides those every kind takes).
fn kind_takes(kind: OrderKind, name: &str) -> bool {
    use OrderKind::{Dataset, Request, Workerpool};
    match name {
        "maxPrice" => kind != Request,
        "minPrice" | "beneficiary" | "maxTrust" => kind == Request,
        "category" => matches!(kind, Workerpool | Request),
        "minTrust" => kind == Workerpool,
        "bulkOnly" => kind == Dataset,
        _ => owner_param(kind) == Some(name),
    }
}

impl OrderQuery {
    /// Reads the query parameters of `GET /<kind>orders` (`chainId` is left to the caller).
    pub fn from_params(kind: OrderKind, params: &[(String, String)]) -> Result<Self, QueryError> {
        let mut query = Self::default();
        let mut seen: Vec<&str> = Vec::new();
        for (name, value) in params {
            if seen.contains(&name.as_str()) {
                return Err(error(name, "given more than once"));
            }
            seen.push(name);
            let value = value.as_str();
            match name.as_str() {
                "chainId" => {}
                "app" => query.app = address_or_any(name, value)?,
                "dataset" => query.dataset = address_or_any(name, value)?,
                "workerpool" => query.workerpool = address_or_any(name, value)?,
                "requester" => query.requester = address_or_any(name, value)?,
                "isAppStrict" => query.app_strict = boolean(name, value)?,
                "isDatasetStrict" => query.dataset_strict = boolean(name, value)?,
                "isWorkerpoolStrict" => query.workerpool_strict = boolean(name, value)?,
                "isRequesterStrict" => query.requester_strict = boolean(name, value)?,
                "minTag" => query.min_tag = Some(tag(name, value)?),
                "maxTag" => query.max_tag = Some(tag(name, value)?),
                "minVolume" => query.min_volume = Some(uint(name, value)?),
                "page" | "pageIndex" => {
                    if seen.contains(&"page") && seen.contains(&"pageIndex") {
                        return Err(error(name, "give page or pageIndex, not both"));
                    }
                    query.page = small_uint(name, value, 0, MAX_PAGE_INDEX)?;
                }
                "pageSize" => {
                    query.page_size = small_uint(name, value, MIN_PAGE_SIZE, MAX_PAGE_SIZE)?;
                }
                other if kind_takes(kind, other) => match other {
                    "maxPrice" => query.max_price = Some(uint(name, value)?),
                    "minPrice" => query.min_price = Some(uint(name, value)?),
                    "beneficiary" => query.beneficiary = address_or_any(name, value)?,
                    "category" => query.category = Some(uint(name, value)?),
                    "minTrust" => query.min_trust = Some(uint(name, value)?),
                    "maxTrust" => query.max_trust = Some(uint(name, value)?),
                    "bulkOnly" => query.bulk_only = boolean(name, value)?,
                    _ => query.owner = address_or_any(name, value)?,
                },
                other => {
                    return Err(error(other, format!("not a parameter of {kind} orders")));
                }
            }
        }
        Ok(query)
    }

    /// The query parameters that ask this query of orders of `kind` (defaults left out).
    pub fn to_params(&self, kind: OrderKind) -> Vec<(String, String)> {
        let mut params: Vec<(String, String)> = Vec::new();
        let mut push = |name: &str, value: String| params.push((name.to_owned(), value));
        let addresses = [
            ("app", self.app),
            ("dataset", self.dataset),
            ("workerpool", self.workerpool),
            ("requester", self.requester),
            ("beneficiary", self.beneficiary),
        ];
        for (name, value) in addresses {
            if let Some(address) = value {
                push(name, address.to_string());
            }
        }
        if let (Some(owner), Some(name)) = (self.owner, owner_param(kind)) {
            push(name, owner.to_string());
        }
        let flags = [
            ("isAppStrict", self.app_strict),
            ("isDatasetStrict", self.dataset_strict),
            ("isWorkerpoolStrict", self.workerpool_strict),
            ("isRequesterStrict", self.requester_strict),
            ("bulkOnly", self.bulk_only),
        ];
        for (name, value) in flags {
            if value {
                push(name, "true".into());
            }
        }
        for (name, value) in [("minTag", self.min_tag), ("maxTag", self.max_tag)] {
            if let Some(tag) = value {
                push(name, tag.to_string());
            }
        }
        let numbers = [
            ("minVolume", self.min_volume),
            ("maxPrice", self.max_price),
            ("minPrice", self.min_price),
            ("category", self.category),
            ("minTrust", self.min_trust),
            ("maxTrust", self.max_trust),
        ];
        for (name, value) in numbers {
            if let Some(number) = value {
                push(name, number.to_string());
            }
        }
        if self.page != 0 {
            push("pageIndex", self.page.to_string());
        }
        if self.page_size != DEFAULT_PAGE_SIZE {
            push("pageSize", self.page_size.to_string());
        }
        params
    }
}

fn address_or_any(name: &str, value: &str) -> Result<Option<Address>, QueryError> {
    if value.is_empty() || value.eq_ignore_ascii_case("any") {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|_| error(name, format!("{value:?} is not an address nor `any`")))
}

fn boolean(name: &str, value: &str) -> Result<bool, QueryError> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(error(name, format!("{value:?} is not true or false"))),
    }
}

fn uint(name: &str, value: &str) -> Result<U256, QueryError> {
    parse_uint(value).map_err(|e| error(name, e.to_string()))
}

fn small_uint(name: &str, value: &str, min: u64, max: u64) -> Result<u64, QueryError> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            error(
                name,
                format!("{value:?} is not an integer in {min}..={max}"),
            )
        })
}

/// A tag as bytes32 hex (`0x…09`) or names (`tee,tdx`).
fn tag(name: &str, value: &str) -> Result<Tag, QueryError> {
    let parsed = if value.starts_with("0x") || value.starts_with("0X") {
        Tag::from_hex(value)
    } else {
        let names: Vec<&str> = value.split(',').map(str::trim).collect();
        Tag::from_names(&names)
    };
    parsed.map_err(|e| error(name, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use confide_protocol::tag::TagBit;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn reads_what_the_sdk_sends() {
        let app = Address::repeat_byte(0xab);
        let query = OrderQuery::from_params(
            OrderKind::Dataset,
            &params(&[
                ("chainId", "134"),
                ("dataset", &Address::repeat_byte(1).to_string()),
                ("app", &app.to_string()),
                ("isAppStrict", "true"),
                ("requester", "any"),
                ("isRequesterStrict", "false"),
                (
                    "minTag",
                    "0x0000000000000000000000000000000000000000000000000000000000000001",
                ),
                ("bulkOnly", "true"),
                ("pageIndex", "2"),
                ("pageSize", "10"),
            ]),
        )
        .unwrap();
        assert_eq!(query.app, Some(app));
        assert!(query.app_strict && query.bulk_only);
        assert_eq!(query.requester, None);
        assert_eq!(query.min_tag, Some(Tag::from_bits(&[TagBit::Tee])));
        assert_eq!((query.page, query.page_size), (2, 10));
        let back =
            OrderQuery::from_params(OrderKind::Dataset, &query.to_params(OrderKind::Dataset));
        assert_eq!(back.unwrap(), query);
    }

    #[test]
    fn tags_by_name_and_kind_specific_parameters() {
        let query = OrderQuery::from_params(
            OrderKind::Workerpool,
            &params(&[("minTag", "tee,tdx"), ("category", "0"), ("minTrust", "3")]),
        )
        .unwrap();
        assert_eq!(
            query.min_tag,
            Some(Tag::from_bits(&[TagBit::Tee, TagBit::Tdx]))
        );
        assert_eq!(query.min_trust, Some(U256::from(3)));
        let refused = |kind, pairs: &[(&str, &str)]| {
            OrderQuery::from_params(kind, &params(pairs))
                .unwrap_err()
                .param
        };
        assert_eq!(refused(OrderKind::App, &[("bulkOnly", "true")]), "bulkOnly");
        assert_eq!(
            refused(OrderKind::Request, &[("maxPrice", "1")]),
            "maxPrice"
        );
        assert_eq!(
            refused(OrderKind::App, &[("workerpoolOwner", "any")]),
            "workerpoolOwner"
        );
        assert_eq!(refused(OrderKind::App, &[("pageSize", "5")]), "pageSize");
        assert_eq!(refused(OrderKind::App, &[("pageSize", "1001")]), "pageSize");
        assert_eq!(refused(OrderKind::App, &[("app", "0x12")]), "app");
        assert_eq!(refused(OrderKind::App, &[("minTag", "sgx")]), "minTag");
        assert_eq!(
            refused(OrderKind::App, &[("isAppStrict", "yes")]),
            "isAppStrict"
        );
        assert_eq!(refused(OrderKind::App, &[("minVolume", "-1")]), "minVolume");
        assert_eq!(
            refused(OrderKind::App, &[("app", "any"), ("app", "any")]),
            "app"
        );
        assert_eq!(
            refused(OrderKind::App, &[("page", "1"), ("pageIndex", "1")]),
            "pageIndex"
        );
        assert_eq!(refused(OrderKind::App, &[("sort", "price")]), "sort");
    }
}
