//! Why a call failed: revert data decoded into Solidity's three kinds of errors.

use alloy_primitives::{Bytes, Selector, U256};
use alloy_sol_types::{Panic, PanicKind, Revert as ErrorString, SolError, SolInterface};
use confide_protocol::matching::MatchCheck;
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

    /// The check of `matchOrders` this revert reports (`"iExecV5-matchOrders-0xNN"`).
    pub fn match_check(&self) -> Option<MatchCheck> {
        MatchCheck::from_reason(self.reason()?)
    }

    /// This revert in the protocol's terms: the `matchOrders` check, or the custom error named
    /// from the contracts' ABIs.
    pub fn explain(&self) -> ProtocolRevert {
        if let Some(check) = self.match_check() {
            return ProtocolRevert::MatchOrders(check);
        }
        match self {
            Self::Error(reason) => ProtocolRevert::Reason(reason.clone()),
            Self::Custom { selector, .. } => {
                match crate::artifacts::custom_error_signature(*selector) {
                    Some(signature) => ProtocolRevert::Custom {
                        signature,
                        revert: self.clone(),
                    },
                    None => ProtocolRevert::Other(self.clone()),
                }
            }
            _ => ProtocolRevert::Other(self.clone()),
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

/// A revert in the protocol's terms ([`Revert::explain`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolRevert {
    /// A check of `matchOrders` failed (`"iExecV5-matchOrders-0xNN"`).
    MatchOrders(MatchCheck),
    /// Another reason string.
    Reason(String),
    /// A custom error of one of the protocol's contracts, named from their ABIs; decode its
    /// arguments with [`Revert::custom`].
    Custom {
        /// The error's signature, such as `InvalidTaskStatus()`.
        signature: &'static str,
        /// The revert, selector and arguments.
        revert: Revert,
    },
    /// Anything else: a panic, a bare revert, an unknown custom error, a halt.
    Other(Revert),
}

impl fmt::Display for ProtocolRevert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MatchOrders(check) => write!(
                f,
                "matchOrders check {:#04x} ({check:?}) failed: {} is required",
                check.code(),
                check.description()
            ),
            Self::Reason(reason) => write!(f, "reverted with reason {reason:?}"),
            Self::Custom {
                signature,
                revert: Revert::Custom { data, .. },
            } if !data.is_empty() => write!(f, "reverted with {signature} (arguments {data})"),
            Self::Custom { signature, .. } => write!(f, "reverted with {signature}"),
            Self::Other(revert) => revert.fmt(f),
        }
    }
}
