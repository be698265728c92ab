//! Tags: the bytes32 feature bitmask of orders and deals (poco.md §1.6).
//!
//! Bit 0 is the least significant bit of the last byte. In app, dataset and request orders a set
//! bit is a requirement; in a workerpool order it is an offer.

use crate::order::OrderKind;
use alloy_primitives::{B256, U256};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de};
use std::fmt;

/// A named feature bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagBit {
    /// Bit 0: TEE execution.
    Tee,
    /// Bit 1: SCONE (legacy SGX framework).
    Scone,
    /// Bit 2: Gramine (legacy SGX framework).
    Gramine,
    /// Bit 3: Intel TDX.
    Tdx,
    /// Bit 8: GPU.
    Gpu,
}

impl TagBit {
    /// Every known bit, lowest first.
    pub const ALL: [Self; 5] = [Self::Tee, Self::Scone, Self::Gramine, Self::Tdx, Self::Gpu];

    /// Bit index (0 = least significant).
    pub const fn index(self) -> usize {
        match self {
            Self::Tee => 0,
            Self::Scone => 1,
            Self::Gramine => 2,
            Self::Tdx => 3,
            Self::Gpu => 8,
        }
    }

    /// Name as the SDK writes it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Tee => "tee",
            Self::Scone => "scone",
            Self::Gramine => "gramine",
            Self::Tdx => "tdx",
            Self::Gpu => "gpu",
        }
    }

    /// Looks a name up (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|bit| bit.name().eq_ignore_ascii_case(name))
    }
}

/// The TEE framework a tag designates: its low nibble must be exactly one of these values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TeeFramework {
    /// `0b0011`.
    Scone,
    /// `0b0101`.
    Gramine,
    /// `0b1001`.
    Tdx,
}

impl TeeFramework {
    /// Upper-case name as the SMS reports it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Scone => "SCONE",
            Self::Gramine => "GRAMINE",
            Self::Tdx => "TDX",
        }
    }
}

/// Why a tag is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TagError {
    /// A name that is not a known bit.
    #[error("unknown tag `{0}` (known: tee, scone, gramine, tdx, gpu)")]
    UnknownName(String),
    /// Not `0x` followed by 1 to 64 hex digits.
    #[error("`{0}` is not a bytes32 hex tag")]
    BadHex(String),
    /// A set bit with no meaning.
    #[error("tag has unknown bit {0} set")]
    UnknownBit(usize),
    /// A framework bit without the `tee` bit.
    #[error("tag sets a TEE framework without `tee`")]
    FrameworkWithoutTee,
    /// App and workerpool orders must name exactly one framework with `tee`.
    #[error("{kind} order tag with `tee` must also name exactly one framework (tdx)")]
    MissingFramework {
        /// The order kind.
        kind: OrderKind,
    },
    /// More than one framework bit.
    #[error("tag names more than one TEE framework")]
    SeveralFrameworks,
    /// SCONE and Gramine are only accepted in dataset orders, for orders signed in the SGX era.
    #[error("legacy framework `{framework}` is only accepted in dataset orders")]
    LegacyFramework {
        /// Framework name.
        framework: &'static str,
    },
}

/// A bytes32 tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Tag(pub B256);

/// Clears the framework bits 1..=3 of dataset tags, as matchOrders does since PoCo v6.2.
const FRAMEWORK_MASK: u8 = 0b1110;

impl Tag {
    /// The empty tag.
    pub const NONE: Self = Self(B256::ZERO);

    /// A tag with the given bits set.
    pub fn from_bits(bits: &[TagBit]) -> Self {
        let mut tag = Self::NONE;
        for bit in bits {
            tag = tag.with(*bit);
        }
        tag
    }

    /// Parses names as the SDK accepts them (`["tee", "tdx"]`).
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> Result<Self, TagError> {
        let mut tag = Self::NONE;
        for name in names {
            let name = name.as_ref();
            let bit =
                TagBit::from_name(name).ok_or_else(|| TagError::UnknownName(name.to_owned()))?;
            tag = tag.with(bit);
        }
        Ok(tag)
    }

    /// Parses `0x` + 1..=64 hex digits (left-padded to 32 bytes).
    pub fn from_hex(text: &str) -> Result<Self, TagError> {
        let bad = || TagError::BadHex(text.to_owned());
        let digits = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .ok_or_else(bad)?;
        if digits.is_empty() || digits.len() > 64 {
            return Err(bad());
        }
        let value = U256::from_str_radix(digits, 16).map_err(|_| bad())?;
        Ok(Self(B256::from(value)))
    }

    /// Whether `bit` is set.
    pub fn has(self, bit: TagBit) -> bool {
        self.bit(bit.index())
    }

    fn bit(self, index: usize) -> bool {
        self.0[31 - index / 8] & (1 << (index % 8)) != 0
    }

    /// This tag with `bit` set.
    #[must_use]
    pub fn with(mut self, bit: TagBit) -> Self {
        let index = bit.index();
        self.0[31 - index / 8] |= 1 << (index % 8);
        self
    }

    /// Bitwise OR.
    #[must_use]
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether every bit of `required` is set here (a workerpool offer covering a requirement).
    pub fn covers(self, required: Self) -> bool {
        required.0 & !self.0 == B256::ZERO
    }

    /// Whether the TEE bit is set.
    pub fn is_tee(self) -> bool {
        self.has(TagBit::Tee)
    }

    /// The framework designated by the low nibble, if it is exactly one of the known values.
    pub fn framework(self) -> Option<TeeFramework> {
        match self.0[31] & 0x0f {
            0b0011 => Some(TeeFramework::Scone),
            0b0101 => Some(TeeFramework::Gramine),
            0b1001 => Some(TeeFramework::Tdx),
            _ => None,
        }
    }

    /// The tag without the framework bits 1..=3 (how matchOrders reads dataset tags).
    #[must_use]
    pub fn without_framework(mut self) -> Self {
        self.0[31] &= !FRAMEWORK_MASK;
        self
    }

    /// Names of the known bits set, lowest first, and indices of unknown set bits.
    pub fn names(self) -> (Vec<&'static str>, Vec<usize>) {
        let known: Vec<_> = TagBit::ALL
            .into_iter()
            .filter(|b| self.has(*b))
            .map(TagBit::name)
            .collect();
        let unknown = (0..256)
            .filter(|i| self.bit(*i) && !TagBit::ALL.iter().any(|b| b.index() == *i))
            .collect();
        (known, unknown)
    }

    /// The SDK's rules for a tag in an order of `kind`: known bits only; a framework needs `tee`;
    /// at most one framework; app and workerpool orders with `tee` name one framework; the legacy
    /// SGX frameworks only in dataset orders.
    pub fn validate_for(self, kind: OrderKind) -> Result<(), TagError> {
        let (_, unknown) = self.names();
        if let Some(bit) = unknown.first() {
            return Err(TagError::UnknownBit(*bit));
        }
        let frameworks: Vec<_> = [TagBit::Scone, TagBit::Gramine, TagBit::Tdx]
            .into_iter()
            .filter(|b| self.has(*b))
            .collect();
        if !frameworks.is_empty() && !self.is_tee() {
            return Err(TagError::FrameworkWithoutTee);
        }
        if frameworks.len() > 1 {
            return Err(TagError::SeveralFrameworks);
        }
        let names_framework = matches!(kind, OrderKind::App | OrderKind::Workerpool);
        if names_framework && self.is_tee() && frameworks.is_empty() {
            return Err(TagError::MissingFramework { kind });
        }
        if let Some(legacy) = frameworks
            .iter()
            .find(|b| matches!(b, TagBit::Scone | TagBit::Gramine))
            && kind != OrderKind::Dataset
        {
            return Err(TagError::LegacyFramework {
                framework: legacy.name(),
            });
        }
        Ok(())
    }
}

/// The deal tag formed by matchOrders: `app | (dataset without framework bits) | request`.
pub fn deal_tag(app: Tag, dataset: Tag, request: Tag) -> Tag {
    app.union(dataset.without_framework()).union(request)
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<B256> for Tag {
    fn from(value: B256) -> Self {
        Self(value)
    }
}

impl From<Tag> for B256 {
    fn from(value: Tag) -> Self {
        value.0
    }
}

impl Serialize for Tag {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_tag::serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_tag::deserialize(deserializer).map(Self)
    }
}

/// `#[serde(with = "serde_tag")]` for `bytes32 tag` fields: a `0x` bytes32 hex string out; a hex
/// string or a list of names (`["tee","tdx"]`) in.
pub(crate) mod serde_tag {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(tag: &B256, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&tag.to_string())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<B256, D::Error> {
        deserializer.deserialize_any(TagVisitor)
    }

    struct TagVisitor;

    impl<'de> de::Visitor<'de> for TagVisitor {
        type Value = B256;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a bytes32 hex tag or a list of tag names")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<B256, E> {
            Tag::from_hex(v).map(|t| t.0).map_err(E::custom)
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<B256, A::Error> {
            let mut names: Vec<String> = Vec::new();
            while let Some(name) = seq.next_element::<String>()? {
                names.push(name);
            }
            Tag::from_names(&names)
                .map(|t| t.0)
                .map_err(de::Error::custom)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_land_where_the_reference_puts_them() {
        assert_eq!(Tag::from_bits(&[TagBit::Tee]).0[31], 0x01);
        assert_eq!(Tag::from_bits(&[TagBit::Tee, TagBit::Tdx]).0[31], 0x09);
        let gpu = Tag::from_bits(&[TagBit::Gpu]);
        assert_eq!((gpu.0[30], gpu.0[31]), (0x01, 0x00));
        assert_eq!(Tag::from_hex("0x100").unwrap(), gpu);
    }

    #[test]
    fn frameworks_need_the_exact_nibble() {
        let tag = |hex: &str| Tag::from_hex(hex).unwrap();
        assert_eq!(tag("0x3").framework(), Some(TeeFramework::Scone));
        assert_eq!(tag("0x5").framework(), Some(TeeFramework::Gramine));
        assert_eq!(tag("0x9").framework(), Some(TeeFramework::Tdx));
        assert_eq!(tag("0x109").framework(), Some(TeeFramework::Tdx));
        for nibble in ["0x0", "0x1", "0x8", "0xb", "0xd", "0xf", "0x7"] {
            assert_eq!(tag(nibble).framework(), None, "{nibble}");
        }
    }

    #[test]
    fn deal_tag_ignores_dataset_frameworks() {
        let app = Tag::from_hex("0x9").unwrap();
        let sgx_dataset = Tag::from_hex("0x3").unwrap();
        let deal = deal_tag(app, sgx_dataset, Tag::from_hex("0x1").unwrap());
        assert_eq!(deal, app);
        assert!(Tag::from_hex("0x109").unwrap().covers(deal));
        assert!(!Tag::from_hex("0x1").unwrap().covers(deal));
    }

    #[test]
    fn sdk_validation_rules() {
        let tag = |names: &[&str]| Tag::from_names(names).unwrap();
        assert!(tag(&["tee", "tdx"]).validate_for(OrderKind::App).is_ok());
        assert!(tag(&["tee"]).validate_for(OrderKind::Dataset).is_ok());
        assert!(tag(&["tee"]).validate_for(OrderKind::Request).is_ok());
        assert_eq!(
            tag(&["tee"]).validate_for(OrderKind::Workerpool),
            Err(TagError::MissingFramework {
                kind: OrderKind::Workerpool
            })
        );
        assert_eq!(
            tag(&["tdx"]).validate_for(OrderKind::Request),
            Err(TagError::FrameworkWithoutTee)
        );
        assert_eq!(
            tag(&["tee", "scone"]).validate_for(OrderKind::App),
            Err(TagError::LegacyFramework { framework: "scone" })
        );
        assert!(
            tag(&["tee", "scone"])
                .validate_for(OrderKind::Dataset)
                .is_ok()
        );
        assert_eq!(
            tag(&["tee", "tdx", "gramine"]).validate_for(OrderKind::Dataset),
            Err(TagError::SeveralFrameworks)
        );
        assert_eq!(
            Tag::from_hex("0x10")
                .unwrap()
                .validate_for(OrderKind::Request),
            Err(TagError::UnknownBit(4))
        );
        assert_eq!(
            Tag::from_names(&["sgx"]),
            Err(TagError::UnknownName("sgx".into()))
        );
    }

    #[test]
    fn hex_parsing_is_strict() {
        for bad in ["", "0x", "1", "0xg", &format!("0x{}", "0".repeat(65))] {
            assert!(Tag::from_hex(bad).is_err(), "{bad}");
        }
        let (names, unknown) =
            Tag::from_hex("0x80000000000000000000000000000000000000000000000000000000000000109")
                .map_or((vec![], vec![]), Tag::names);
        assert!(
            names.is_empty() && unknown.is_empty(),
            "65 digits must not parse"
        );
        let (names, unknown) =
            Tag::from_hex("0x8000000000000000000000000000000000000000000000000000000000000109")
                .unwrap()
                .names();
        assert_eq!(names, ["tee", "tdx", "gpu"]);
        assert_eq!(unknown, [255]);
    }
}
