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
        decode_hex_into(text, &mut bytes)?;
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
        decode_hex_into(text, &mut bytes)?;
        Some(SpanId(bytes))
    }
}

pub(crate) fn decode_hex_into(text: &str, out: &mut [u8]) -> Option<()> {
    let digits = text.as_bytes();
    if digits.len() != out.len() * 2 {
        return None;
    }
    for (byte_idx, pair) in digits.chunks_exact(2).enumerate() {
        out[byte_idx] = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
    }
    Some(())
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

fn write_hex(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = [0u8; 32];
    for (byte_idx, byte) in bytes.iter().enumerate() {
        text[byte_idx * 2] = DIGITS[(byte >> 4) as usize];
        text[byte_idx * 2 + 1] = DIGITS[(byte & 0xf) as usize];
    }
    // Only ASCII hex digits were written.
    f.write_str(std::str::from_utf8(&text[..bytes.len() * 2]).expect("hex is ascii"))
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

/// SplitMix64 finalizer: a fast, well-distributed, portable 64-bit mixing function.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Combines values into one well-mixed 64-bit key (order matters).
pub(crate) fn mix_all(parts: &[u64]) -> u64 {
    parts.iter().fold(0x5265_7166_6c6f_7721, |acc, part| mix64(acc.rotate_left(23) ^ *part))
}

/// FNV-1a over a string: a stable (platform-independent) hash for names.
pub(crate) fn hash_str(text: &str) -> u64 {
    text.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |acc, byte| (acc ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

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

    #[test]
    fn mixing_is_order_sensitive_and_stable() {
        assert_ne!(mix_all(&[1, 2]), mix_all(&[2, 1]));
        // Published FNV-1a 64 test vectors.
        assert_eq!(hash_str(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash_str("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
