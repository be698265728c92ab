//! The checks of `matchOrders` and the codes they revert with (`"iExecV5-matchOrders-0xNN"`,
//! poco.md §2.1), named so that clients, the order book and users see *why* orders do not match.

use std::fmt;

/// Prefix of `matchOrders`' revert reasons; the check's code follows in hex (`0x1b`).
pub const MATCH_ORDERS_REASON_PREFIX: &str = "iExecV5-matchOrders-";

macro_rules! match_checks {
    ($($code:literal => $variant:ident, $description:literal;)*) => {
        /// A check of `matchOrders`, in contract order; its code is the one of the revert reason.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum MatchCheck {
            $(
                #[doc = $description]
                $variant,
            )*
        }

        impl MatchCheck {
            /// Every check, in the order the contract runs them.
            pub const ALL: &'static [MatchCheck] = &[$(MatchCheck::$variant),*];

            /// The check's code (`0x00`–`0x60`).
            pub const fn code(self) -> u8 {
                match self {
                    $(MatchCheck::$variant => $code,)*
                }
            }

            /// The check with this code.
            pub const fn from_code(code: u8) -> Option<Self> {
                match code {
                    $($code => Some(MatchCheck::$variant),)*
                    _ => None,
                }
            }

            /// What the check requires, in words.
            pub const fn description(self) -> &'static str {
                match self {
                    $(MatchCheck::$variant => $description,)*
                }
            }
        }
    };
}

match_checks! {
    0x00 => CategoryMismatch, "the request's category is the workerpool's";
    0x01 => UnknownCategory, "the request's category exists";
    0x02 => TrustTooHigh, "the request's trust is at most the workerpool's";
    0x03 => AppPriceTooHigh, "the app price is at most the request's appmaxprice";
    0x04 => DatasetPriceTooHigh, "the dataset price is at most the request's datasetmaxprice";
    0x05 => WorkerpoolPriceTooHigh, "the workerpool price is at most the request's workerpoolmaxprice";
    0x06 => TagNotOffered, "the workerpool offers every tag the app, dataset and request ask";
    0x07 => TeeAppRequired, "a TEE task (tag asked by the dataset or request) runs a TEE app";
    0x10 => AppMismatch, "the request names the app of the app order";
    0x11 => DatasetMismatch, "the request names the dataset of the dataset order";
    0x12 => RequestWorkerpoolRestriction, "the request's workerpool restriction allows the workerpool";
    0x13 => AppDatasetRestriction, "the app order's dataset restriction allows the dataset";
    0x14 => AppWorkerpoolRestriction, "the app order's workerpool restriction allows the workerpool";
    0x15 => AppRequesterRestriction, "the app order's requester restriction allows the requester";
    0x16 => DatasetAppRestriction, "the dataset order's app restriction allows the app";
    0x17 => DatasetWorkerpoolRestriction, "the dataset order's workerpool restriction allows the workerpool";
    0x18 => DatasetRequesterRestriction, "the dataset order's requester restriction allows the requester";
    0x19 => WorkerpoolAppRestriction, "the workerpool order's app restriction allows the app";
    0x1a => WorkerpoolDatasetRestriction, "the workerpool order's dataset restriction allows the dataset";
    0x1b => WorkerpoolRequesterRestriction, "the workerpool order's requester restriction allows the requester";
    0x20 => AppNotRegistered, "the app is registered";
    0x21 => AppOrderNotSigned, "the app order is signed or presigned by the app's owner";
    0x30 => DatasetNotRegistered, "the dataset is registered";
    0x31 => DatasetOrderNotSigned, "the dataset order is signed or presigned by the dataset's owner";
    0x40 => WorkerpoolNotRegistered, "the workerpool is registered";
    0x41 => WorkerpoolOrderNotSigned, "the workerpool order is signed or presigned by the workerpool's owner";
    0x50 => RequestOrderNotSigned, "the request order is signed or presigned by the requester";
    0x60 => VolumeExhausted, "every order has volume left";
}

impl MatchCheck {
    /// The check a revert reason names (`"iExecV5-matchOrders-0x12"`), if it is one.
    pub fn from_reason(reason: &str) -> Option<Self> {
        let hex = reason
            .strip_prefix(MATCH_ORDERS_REASON_PREFIX)?
            .strip_prefix("0x")?;
        if hex.len() != 2 {
            return None;
        }
        Self::from_code(u8::from_str_radix(hex, 16).ok()?)
    }

    /// The revert reason of this check.
    pub fn reason(self) -> String {
        format!("{MATCH_ORDERS_REASON_PREFIX}{:#04x}", self.code())
    }
}

impl fmt::Display for MatchCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#04x} {:?}: {}", self.code(), self, self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_for_every_check() {
        for check in MatchCheck::ALL {
            assert_eq!(MatchCheck::from_reason(&check.reason()), Some(*check));
        }
        assert_eq!(MatchCheck::ALL.len(), 28);
        assert_eq!(
            MatchCheck::from_reason("iExecV5-matchOrders-0x1b"),
            Some(MatchCheck::WorkerpoolRequesterRestriction)
        );
    }

    #[test]
    fn other_reasons_are_not_checks() {
        for reason in [
            "iExecV5-matchOrders-0x08",
            "iExecV5-matchOrders-0x1",
            "iExecV5-matchOrders-0x123",
            "iExecV5-matchOrders-1b",
            "iExecV5-matchOrders-0xzz",
            "IexecEscrow: Transfer amount exceeds balance",
            "",
        ] {
            assert_eq!(MatchCheck::from_reason(reason), None, "{reason}");
        }
    }
}
