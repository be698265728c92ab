//! Why a call failed: revert data decoded into Solidity's three kinds of errors.

use alloy_primitives::{Bytes, Selector, U256};
use alloy_sol_types::{Panic, PanicKind, Revert as ErrorString, SolError, SolInterface};
use std::fmt;

/// A failed call: what the revert data says, or why execution halted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revert {
    /// `revert("reason")` / `require(cond, "reason")`: `Error(string)`.
    Error(String),
    /// A Solidity panic (`assert`, overflow, division by zero...): `Panic(uint256)`.
    Panic(U256),
    /// A custom error: its selector and ABI-encoded arguments.
    Custom {
        /// The error's selector.
        selector: Selector,
        /// The ABI-encoded arguments (after the selector).
        data: Bytes,
    },
    /// `revert()` without data (PoCo's bare `require`).
    Empty,
    /// Revert data shorter than a selector, or an `Error`/`Panic` that does not decode.
    Malformed(Bytes),
    /// Execution halted without REVERT (out of gas, invalid opcode, stack overflow...), all gas
    /// consumed.
    Halt(String),
}

impl Revert {
    /// Decodes revert data.
    pub fn from_revert_data(data: &[u8]) -> Self {
        if data.is_empty() {
            return Self::Empty;
        }
        let Some(selector) = data.get(..4).and_then(|s| <[u8; 4]>::try_from(s).ok()) else {
            return Self::Malformed(Bytes::copy_from_slice(data));
        };
        match selector {
            ErrorString::SELECTOR => ErrorString::abi_decode(data)
                .map(|e| Self::Error(e.reason))
                .unwrap_or_else(|_| Self::Malformed(Bytes::copy_from_slice(data))),
            Panic::SELECTOR => Panic::abi_decode(data)
                .map(|p| Self::Panic(p.code))
                .unwrap_or_else(|_| Self::Malformed(Bytes::copy_from_slice(data))),
            _ => Self::Custom {
                selector: Selector::from(selector),
                data: Bytes::copy_from_slice(&data[4..]),
            },
        }
    }

    /// The reason string of an `Error(string)` revert.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Error(reason) => Some(reason),
            _ => None,
        }
    }

    /// The kind of a `Panic(uint256)`, when the code is a known one.
    pub fn panic_kind(&self) -> Option<PanicKind> {
        match self {
            Self::Panic(code) => PanicKind::from_number(u32::try_from(*code).ok()?),
            _ => None,
        }
    }

    /// Decodes a custom error as `E` (`None` if it is another error).
    pub fn custom<E: SolError>(&self) -> Option<E> {
        match self {
            Self::Custom { selector, data } if selector.0 == E::SELECTOR => {
                E::abi_decode_raw(data).ok()
            }
            _ => None,
        }
    }

    /// Decodes a custom error as one of the errors of a contract (`C` is the generated
    /// `<Contract>Errors` enum).
    pub fn custom_in<C: SolInterface>(&self) -> Option<C> {
        match self {
            Self::Custom { selector, data } => {
                let mut encoded = Vec::with_capacity(4 + data.len());
                encoded.extend_from_slice(selector.as_slice());
                encoded.extend_from_slice(data);
                C::abi_decode(&encoded).ok()
            }
            _ => None,
        }
    }
}

impl fmt::Display for Revert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Error(reason) => write!(f, "reverted with reason {reason:?}"),
            Self::Panic(code) => match self.panic_kind() {
                Some(kind) => write!(f, "panicked: {kind} (code {code:#x})"),
                None => write!(f, "panicked with code {code:#x}"),
            },
            Self::Custom { selector, data } => {
                write!(f, "reverted with custom error {selector} (data {data})")
            }
            Self::Empty => f.write_str("reverted without reason"),
            Self::Malformed(data) => write!(f, "reverted with undecodable data {data}"),
            Self::Halt(reason) => write!(f, "halted: {reason}"),
        }
    }
}
