//! A small LZ77 compressor for share links: a scenario's text repeats itself (keys, service
//! names, latency tables), so back-references alone shrink it several times, in a few hundred
//! bytes of code in the page.
//!
//! The stream is a sequence of tokens, each starting with a LEB128 number `n`:
//! - `n` even: a literal run of `n / 2` bytes follows;
//! - `n` odd: a back-reference of length `n / 2 + MIN_MATCH`, followed by its distance (LEB128,
//!   ≥ 1: how far back the copy starts; it may overlap what it writes).
//!
//! Decoding checks every length and distance and stops at a size limit: hostile input is an
//! [`LzError`], never a panic or an unbounded allocation.

/// The shortest back-reference worth writing.
const MIN_MATCH: usize = 4;
/// How far back a match may start.
const WINDOW: usize = 1 << 16;
/// Candidates tried per position (the chain of earlier positions with the same hash).
const CHAIN: usize = 32;
const HASH_BITS: u32 = 14;

/// Why compressed bytes could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LzError {
    #[error("the data ends in the middle of a token")]
    Truncated,
    #[error("a back-reference reaches before the start")]
    BadDistance,
    #[error("the data decodes to more than {limit} bytes")]
    TooLarge { limit: usize },
}

/// Compresses `input`.
pub fn compress(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 2 + 8);
    let mut head = vec![u32::MAX; 1 << HASH_BITS];
    let mut prev = vec![u32::MAX; input.len()];
    let mut literal_start = 0;
    let mut pos = 0;
    while pos + MIN_MATCH <= input.len() {
        let (length, distance) = longest_match(input, pos, &head, &prev);
        if length >= MIN_MATCH {
            flush_literals(&mut out, &input[literal_start..pos]);
            write_number(&mut out, ((length - MIN_MATCH) as u64) << 1 | 1);
            write_number(&mut out, distance as u64);
            for at in pos..pos + length {
                insert(input, at, &mut head, &mut prev);
            }
            pos += length;
            literal_start = pos;
        } else {
            insert(input, pos, &mut head, &mut prev);
            pos += 1;
        }
    }
    flush_literals(&mut out, &input[literal_start..]);
    out
}

/// Decompresses what [`compress`] wrote, refusing output larger than `limit` bytes.
pub fn decompress(input: &[u8], limit: usize) -> Result<Vec<u8>, LzError> {
    let mut out: Vec<u8> = Vec::new();
    let mut at = 0;
    while at < input.len() {
        let token = read_number(input, &mut at)?;
        if token & 1 == 0 {
            let len = usize::try_from(token >> 1).map_err(|_| LzError::Truncated)?;
            let end = at.checked_add(len).filter(|end| *end <= input.len()).ok_or(LzError::Truncated)?;
            if out.len() + len > limit {
                return Err(LzError::TooLarge { limit });
            }
            out.extend_from_slice(&input[at..end]);
            at = end;
        } else {
            let len = usize::try_from(token >> 1).map_err(|_| LzError::TooLarge { limit })?;
            let len = len.checked_add(MIN_MATCH).ok_or(LzError::TooLarge { limit })?;
            let distance = usize::try_from(read_number(input, &mut at)?).map_err(|_| LzError::BadDistance)?;
            if distance == 0 || distance > out.len() {
                return Err(LzError::BadDistance);
            }
            if out.len() + len > limit {
                return Err(LzError::TooLarge { limit });
            }
            let start = out.len() - distance;
            // Byte by byte: a copy may overlap what it writes (a run).
            for idx in 0..len {
                let byte = out[start + idx];
                out.push(byte);
            }
        }
    }
    Ok(out)
}

fn hash(input: &[u8], pos: usize) -> usize {
    let word = u32::from_le_bytes([input[pos], input[pos + 1], input[pos + 2], input[pos + 3]]);
    (word.wrapping_mul(0x9e37_79b1) >> (32 - HASH_BITS)) as usize
}

fn insert(input: &[u8], pos: usize, head: &mut [u32], prev: &mut [u32]) {
    if pos + MIN_MATCH <= input.len() {
        let slot = hash(input, pos);
        prev[pos] = head[slot];
        head[slot] = pos as u32;
    }
}

/// The longest earlier match at `pos` within the window: (length, distance).
fn longest_match(input: &[u8], pos: usize, head: &[u32], prev: &[u32]) -> (usize, usize) {
    let mut best = (0, 0);
    let mut candidate = head[hash(input, pos)];
    for _ in 0..CHAIN {
        if candidate == u32::MAX {
            break;
        }
        let from = candidate as usize;
        if pos - from > WINDOW {
            break;
        }
        let length = input[from..].iter().zip(&input[pos..]).take_while(|(a, b)| a == b).count();
        if length > best.0 {
            best = (length, pos - from);
        }
        candidate = prev[from];
    }
    best
}

fn flush_literals(out: &mut Vec<u8>, literals: &[u8]) {
    if !literals.is_empty() {
        write_number(out, (literals.len() as u64) << 1);
        out.extend_from_slice(literals);
    }
}

fn write_number(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn read_number(input: &[u8], at: &mut usize) -> Result<u64, LzError> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *input.get(*at).ok_or(LzError::Truncated)?;
        *at += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(LzError::Truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_text_binary_runs_and_nothing() {
        let scenario = crate::builtins::BUILTINS[0].source.as_bytes();
        let cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"a".to_vec(),
            b"abcabcabcabcabcabcabc".to_vec(),
            vec![7; 10_000],
            (0..5000u32).map(|n| (n.wrapping_mul(2_654_435_761) >> 24) as u8).collect(),
            scenario.to_vec(),
        ];
        for case in cases {
            let packed = compress(&case);
            assert_eq!(decompress(&packed, case.len()).expect("decodes"), case, "{} bytes", case.len());
        }
    }

    #[test]
    fn scenarios_shrink() {
        let (mut before, mut after) = (0, 0);
        for builtin in crate::builtins::BUILTINS {
            let packed = compress(builtin.source.as_bytes());
            let (len, packed_len) = (builtin.source.len(), packed.len());
            assert!(packed_len * 10 < len * 6, "{}: {len} → {packed_len}", builtin.name);
            (before, after) = (before + len, after + packed_len);
        }
        assert!(after * 4 < before, "all built-ins: {before} → {after} bytes");
    }

    #[test]
    fn hostile_input_is_an_error() {
        assert_eq!(decompress(&[0x80], 100), Err(LzError::Truncated));
        assert_eq!(decompress(&[10, b'a'], 100), Err(LzError::Truncated));
        assert_eq!(decompress(&[1, 1], 100), Err(LzError::BadDistance));
        assert_eq!(decompress(&[2, b'a', 1, 0], 100), Err(LzError::BadDistance));
        // A run that would unpack to far more than allowed.
        let mut bomb = vec![2, b'a'];
        write_number(&mut bomb, (1_000_000 << 1) | 1);
        bomb.push(1);
        assert_eq!(decompress(&bomb, 4096), Err(LzError::TooLarge { limit: 4096 }));
        assert_eq!(decompress(&[0xff; 12], 100), Err(LzError::Truncated));
    }
}
