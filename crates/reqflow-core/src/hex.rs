//! Hex digits, one way everywhere: ids, `traceparent` headers, share links, JSON `\u` escapes and
//! the ids of imported files all read and write hex here.

/// Marks a byte that is not a hex digit in [`VALUE`].
pub const NOT_HEX: u8 = 0xff;

/// The value of each byte as a hex digit (either case), or [`NOT_HEX`]. A table lookup is one load
/// in the importers' hot loop, where a `match` is a chain of comparisons.
pub const VALUE: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut digit = 0;
    while digit < 16 {
        table[LOWER[digit] as usize] = digit as u8;
        table[b"0123456789ABCDEF"[digit] as usize] = digit as u8;
        digit += 1;
    }
    table
};

/// The lowercase digits, which is how Reqflow writes hex (W3C Trace Context requires it).
const LOWER: &[u8; 16] = b"0123456789abcdef";

/// The value of a hex digit (either case).
#[inline(always)]
pub fn value(digit: u8) -> Option<u8> {
    let value = VALUE[usize::from(digit)];
    (value != NOT_HEX).then_some(value)
}

/// Appends `bytes` as lowercase hex, two digits a byte.
pub fn push(bytes: &[u8], out: &mut Vec<u8>) {
    for byte in bytes {
        out.extend_from_slice(&[LOWER[usize::from(byte >> 4)], LOWER[usize::from(byte & 0xf)]]);
    }
}

/// Writes `bytes` (at most 16) as lowercase hex into `out` and returns the text.
pub fn encode<'a>(bytes: &[u8], out: &'a mut [u8; 32]) -> &'a str {
    let n_bytes = bytes.len().min(16);
    for (pair, byte) in out.chunks_exact_mut(2).zip(&bytes[..n_bytes]) {
        pair[0] = LOWER[usize::from(byte >> 4)];
        pair[1] = LOWER[usize::from(byte & 0xf)];
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&out[..n_bytes * 2]).unwrap_or_default()
}

/// Decodes exactly `2 * out.len()` hex digits (either case) into `out`.
pub fn decode_exact(digits: &[u8], out: &mut [u8]) -> Option<()> {
    if digits.len() != out.len() * 2 {
        return None;
    }
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = (value(pair[0])? << 4) | value(pair[1])?;
    }
    Some(())
}

/// Decodes hex digits right-aligned into `out` (left-padding with zeros; at most two digits per
/// byte of `out` are read, from the end): the OR of the bytes (0 for all zeros), or `None` when a
/// digit is not hex. One pass decodes and validates.
#[inline(always)]
pub fn decode_right_aligned(digits: &[u8], out: &mut [u8]) -> Option<u8> {
    out.fill(0);
    let mut any_set = 0u8;
    for (byte, pair) in out.iter_mut().rev().zip(digits.rchunks(2)) {
        let (high, low) = match *pair {
            [high, low] => (VALUE[usize::from(high)], VALUE[usize::from(low)]),
            [low] => (0, VALUE[usize::from(low)]),
            _ => return None,
        };
        if high > 15 || low > 15 {
            return None;
        }
        *byte = (high << 4) | low;
        any_set |= *byte;
    }
    Some(any_set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_is_a_digit_of_either_case_or_not_hex() {
        for byte in 0..=255u8 {
            let expected = char::from(byte).to_digit(16).map(|digit| digit as u8);
            assert_eq!(value(byte), expected, "byte {byte:#04x}");
        }
    }

    #[test]
    fn encode_and_decode_round_trip_in_lowercase() {
        let bytes = [0x00, 0x0f, 0xa5, 0xff];
        let mut text = [0u8; 32];
        assert_eq!(encode(&bytes, &mut text), "000fa5ff");
        let mut pushed = b"x".to_vec();
        push(&bytes, &mut pushed);
        assert_eq!(pushed, b"x000fa5ff");
        let mut back = [0u8; 4];
        assert_eq!(decode_exact(b"000FA5ff", &mut back), Some(()));
        assert_eq!(back, bytes);
        assert_eq!(decode_exact(b"000fa5f", &mut back), None, "one digit short");
        assert_eq!(decode_exact(b"000fa5fg", &mut back), None, "not a digit");
    }

    #[test]
    fn right_aligned_decoding_pads_on_the_left() {
        let mut out = [0xeeu8; 4];
        assert_eq!(decode_right_aligned(b"abc", &mut out), Some(0x0a | 0xbc));
        assert_eq!(out, [0, 0, 0x0a, 0xbc]);
        assert_eq!(decode_right_aligned(b"000", &mut out), Some(0), "all zeros");
        assert_eq!(decode_right_aligned(b"0x1", &mut out), None);
    }
}
