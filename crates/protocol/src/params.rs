//! Deal parameters: the request order's `params` string (poco.md §1.9, devtools.md §2.4).
//!
//! A JSON object is read key by key; anything else (plain text, or JSON that is not an object)
//! is the app's command line, `iexec_args`.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Where the worker stores the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StorageProvider {
    /// IPFS (or Confide's content-addressed storage). The default.
    Ipfs,
    /// Dropbox, with the requester's token.
    Dropbox,
}

impl StorageProvider {
    /// The name in params.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ipfs => "ipfs",
            Self::Dropbox => "dropbox",
        }
    }
}

/// Why params are invalid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    /// A known key with a value of the wrong JSON type.
    #[error("params `{key}` must be {expected}")]
    WrongType {
        /// The key.
        key: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// An `iexec_secrets` index that is not a positive integer.
    #[error("iexec_secrets key `{0}` must be a positive integer")]
    BadSecretIndex(String),
    /// A requester secret name outside `[A-Za-z0-9_-]{1,64}`.
    #[error("secret name `{0}` must be 1 to 64 characters among A-Z a-z 0-9 - _")]
    BadSecretName(String),
    /// An input file that is not an http(s) URL.
    #[error("input file `{0}` must be an http:// or https:// URL")]
    BadInputFileUrl(String),
    /// A storage provider other than ipfs or dropbox.
    #[error("unknown result storage provider `{0}` (expected ipfs or dropbox)")]
    UnknownStorageProvider(String),
    /// A key the reference SDK does not accept.
    #[error("unknown params key `{0}`")]
    UnknownKey(String),
}

/// Parsed deal parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DealParams {
    /// Command-line arguments of the app.
    pub iexec_args: Option<String>,
    /// URLs downloaded into `iexec_in` before the app runs.
    pub iexec_input_files: Vec<String>,
    /// App secret index → requester secret name (TEE only).
    pub iexec_secrets: BTreeMap<u32, String>,
    /// Encrypt the result for the beneficiary.
    pub iexec_result_encryption: bool,
    /// Where to store the result (`None` = the default, ipfs).
    pub iexec_result_storage_provider: Option<StorageProvider>,
    /// Result proxy URL (legacy).
    pub iexec_result_storage_proxy: Option<String>,
    /// CID of a bulk-processing manifest.
    pub bulk_cid: Option<String>,
    /// Keys the reference does not know, kept so that re-serializing loses nothing.
    pub extra: Map<String, Value>,
}

impl DealParams {
    /// Parses on-chain params by the reference rules. Known keys are type-checked; unknown keys
    /// are kept in [`Self::extra`] (a worker must not fail a task for them; use
    /// [`Self::validate`] to apply the SDK's stricter rules when creating an order).
    pub fn parse(text: &str) -> Result<Self, ParamsError> {
        if text.is_empty() {
            return Ok(Self::default());
        }
        match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(fields)) => Self::from_fields(fields),
            _ => Ok(Self {
                iexec_args: Some(text.to_owned()),
                ..Self::default()
            }),
        }
    }

    fn from_fields(fields: Map<String, Value>) -> Result<Self, ParamsError> {
        let mut params = Self::default();
        for (key, value) in fields {
            match key.as_str() {
                "iexec_args" => params.iexec_args = Some(string(value, "iexec_args")?),
                "iexec_input_files" => {
                    let Value::Array(items) = value else {
                        return Err(wrong("iexec_input_files", "an array of URLs"));
                    };
                    params.iexec_input_files = items
                        .into_iter()
                        .map(|item| string(item, "iexec_input_files"))
                        .collect::<Result<_, _>>()?;
                }
                "iexec_secrets" => {
                    let Value::Object(secrets) = value else {
                        return Err(wrong("iexec_secrets", "an object of index → secret name"));
                    };
                    for (index, name) in secrets {
                        let position = parse_secret_index(&index)?;
                        params
                            .iexec_secrets
                            .insert(position, string(name, "iexec_secrets")?);
                    }
                }
                "iexec_result_encryption" => {
                    let Value::Bool(flag) = value else {
                        return Err(wrong("iexec_result_encryption", "a boolean"));
                    };
                    params.iexec_result_encryption = flag;
                }
                "iexec_result_storage_provider" => {
                    let name = string(value, "iexec_result_storage_provider")?;
                    params.iexec_result_storage_provider = Some(match name.as_str() {
                        "ipfs" => StorageProvider::Ipfs,
                        "dropbox" => StorageProvider::Dropbox,
                        _ => return Err(ParamsError::UnknownStorageProvider(name)),
                    });
                }
                "iexec_result_storage_proxy" => {
                    params.iexec_result_storage_proxy =
                        Some(string(value, "iexec_result_storage_proxy")?);
                }
                "bulk_cid" => params.bulk_cid = Some(string(value, "bulk_cid")?),
                _ => {
                    params.extra.insert(key, value);
                }
            }
        }
        Ok(params)
    }

    /// The SDK's rules for params one is about to sign: no unknown keys, secret names and input
    /// file URLs well-formed.
    pub fn validate(&self) -> Result<(), ParamsError> {
        if let Some(key) = self.extra.keys().next() {
            return Err(ParamsError::UnknownKey(key.clone()));
        }
        for name in self.iexec_secrets.values() {
            let valid_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
            if name.is_empty() || name.len() > 64 || !name.chars().all(valid_char) {
                return Err(ParamsError::BadSecretName(name.clone()));
            }
        }
        for url in &self.iexec_input_files {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(ParamsError::BadInputFileUrl(url.clone()));
            }
        }
        Ok(())
    }

    /// The storage provider in effect (ipfs unless dropbox was asked for).
    pub fn storage_provider(&self) -> StorageProvider {
        self.iexec_result_storage_provider
            .unwrap_or(StorageProvider::Ipfs)
    }

    /// The on-chain form: a compact JSON object with only non-empty, non-default values, in a
    /// fixed key order; `{}` when nothing is set.
    pub fn to_json_string(&self) -> String {
        let mut fields = Map::new();
        if let Some(args) = self.iexec_args.as_ref().filter(|a| !a.is_empty()) {
            fields.insert("iexec_args".into(), args.clone().into());
        }
        if !self.iexec_input_files.is_empty() {
            fields.insert(
                "iexec_input_files".into(),
                self.iexec_input_files.clone().into(),
            );
        }
        if !self.iexec_secrets.is_empty() {
            let secrets: Map<String, Value> = self
                .iexec_secrets
                .iter()
                .map(|(i, name)| (i.to_string(), name.clone().into()))
                .collect();
            fields.insert("iexec_secrets".into(), secrets.into());
        }
        if self.iexec_result_encryption {
            fields.insert("iexec_result_encryption".into(), true.into());
        }
        if let Some(provider) = self.iexec_result_storage_provider {
            fields.insert(
                "iexec_result_storage_provider".into(),
                provider.name().into(),
            );
        }
        if let Some(proxy) = self
            .iexec_result_storage_proxy
            .as_ref()
            .filter(|p| !p.is_empty())
        {
            fields.insert("iexec_result_storage_proxy".into(), proxy.clone().into());
        }
        if let Some(cid) = self.bulk_cid.as_ref().filter(|c| !c.is_empty()) {
            fields.insert("bulk_cid".into(), cid.clone().into());
        }
        fields.extend(self.extra.clone());
        Value::Object(fields).to_string()
    }
}

fn wrong(key: &'static str, expected: &'static str) -> ParamsError {
    ParamsError::WrongType { key, expected }
}

fn string(value: Value, key: &'static str) -> Result<String, ParamsError> {
    match value {
        Value::String(text) => Ok(text),
        _ => Err(wrong(key, "a string")),
    }
}

fn parse_secret_index(index: &str) -> Result<u32, ParamsError> {
    let bad = || ParamsError::BadSecretIndex(index.to_owned());
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    match index.parse::<u32>() {
        Ok(position) if position > 0 => Ok(position),
        _ => Err(bad()),
    }
}
