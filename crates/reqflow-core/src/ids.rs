//! Trace and span identifiers, and the deterministic id derivation used by the simulator.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 16-byte W3C / OpenTelemetry trace id. Displayed as 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TraceId(pub [u8; 16]);

/// An 8-byte span id. Displayed as 16 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SpanId(pub [u8; 8]);

impl TraceId {
    /// The id as one big-endian number: it orders like the bytes.
    pub fn to_u128(self) -> u128 {
        u128::from_be_bytes(self.0)
    }

    /// Builds an id from two 64-bit halves (high half first, as the bytes are written).
    pub fn from_u64_pair(high: u64, low: u64) -> TraceId {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&high.to_be_bytes());
        bytes[8..].copy_from_slice(&low.to_be_bytes());
        TraceId(bytes)
    }

    pub fn is_zero(&self) -> bool {
        self.0 == [0; 16]
    }

    /// Parses exactly 32 hex digits (either case).
    pub fn from_hex(text: &str) -> Option<TraceId> {
        let mut bytes = [0u8; 16];
        crate::hex::decode_exact(text.as_bytes(), &mut bytes)?;
        Some(TraceId(bytes))
    }
}

impl SpanId {
    pub fn from_u64(value: u64) -> SpanId {
        SpanId(value.to_be_bytes())
    }

    pub fn to_u64(self) -> u64 {
        u64::from_be_bytes(self.0)
    }

    pub fn is_zero(&self) -> bool {
        self.0 == [0; 8]
    }

    /// Parses exactly 16 hex digits (either case).
    pub fn from_hex(text: &str) -> Option<SpanId> {
        let mut bytes = [0u8; 8];
        crate::hex::decode_exact(text.as_bytes(), &mut bytes)?;
        Some(SpanId(bytes))
    }
}

fn write_hex(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(crate::hex::encode(bytes, &mut [0u8; 32]))
}

macro_rules! hex_id_impls {
    ($ty:ident, $what:literal) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_hex(&self.0, f)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($ty), self)
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                $ty::from_hex(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!(concat!("invalid ", $what, " {:?}"), text))
                })
            }
        }
    };
}

hex_id_impls!(TraceId, "trace id");
hex_id_impls!(SpanId, "span id");

pub use crate::hash::{hash_str, mix_all, mix64};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_hex() {
        let trace_id = TraceId::from_u64_pair(0x4bf9_2f35_77b3_4da6, 0xa3ce_929d_0e0e_4736);
        assert_eq!(trace_id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(TraceId::from_hex("4BF92F3577B34DA6A3CE929D0E0E4736"), Some(trace_id));
        let span_id = SpanId::from_u64(0x00f0_67aa_0ba9_02b7);
        assert_eq!(span_id.to_string(), "00f067aa0ba902b7");
        assert_eq!(SpanId::from_hex(&span_id.to_string()), Some(span_id));
        assert_eq!(SpanId::from_hex("00f067aa0ba902b"), None);
        assert_eq!(SpanId::from_hex("00f067aa0ba902bg"), None);
    }
}
