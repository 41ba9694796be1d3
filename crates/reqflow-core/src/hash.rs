//! Stable, platform-independent hashes: the same value on every platform and in every build, so
//! ids derived from them and fingerprints printed with them agree between the CLI and the page.
//!
//! - [`WordHash`]: a multiply–rotate hash over 64-bit words (the FxHash step), finished with a
//!   SplitMix64 round: fingerprints ([`crate::fingerprint`]) and the interner's string hash.
//! - [`mix64`] / [`mix_all`]: SplitMix64 mixing of a few words into one, for derived ids.
//! - [`hash_str`]: FNV-1a over a name, for ids made from text.

/// The FxHash multiplier.
const MULTIPLIER: u64 = 0x517c_c1b7_2722_0a95;

/// A multiply–rotate hash fed 64-bit words; bytes are read 8 at a time (little-endian, the last
/// word zero-padded).
#[derive(Clone, Copy, Debug)]
pub struct WordHash {
    hash: u64,
}

impl WordHash {
    pub fn new(seed: u64) -> WordHash {
        WordHash { hash: seed }
    }

    #[inline(always)]
    pub fn word(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(MULTIPLIER);
    }

    /// The bytes as words; nothing for no bytes (callers that need the length hash it first).
    pub fn bytes(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.word(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.word(u64::from_le_bytes(last));
        }
    }

    /// The hash, finished with a [`mix64`] round so every input bit reaches every output bit.
    pub fn finish(self) -> u64 {
        mix64(self.hash)
    }
}

/// SplitMix64 finalizer: a fast, well-distributed, portable 64-bit mixing function.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Combines values into one well-mixed 64-bit key (order matters).
pub fn mix_all(parts: &[u64]) -> u64 {
    parts.iter().fold(0x5265_7166_6c6f_7721, |acc, part| mix64(acc.rotate_left(23) ^ *part))
}

/// FNV-1a over a string: a stable hash for names.
pub fn hash_str(text: &str) -> u64 {
    text.bytes()
        .fold(0xcbf2_9ce4_8422_2325, |acc, byte| (acc ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pinned values (computed independently from the algorithms' definitions, and `mix64(0)` is
    /// SplitMix64's published first output for state 0): ids derived from these hashes are in golden files and share links, and
    /// fingerprints are printed; a change of any of them must show here first.
    #[test]
    fn the_hashes_are_pinned() {
        assert_eq!(mix64(0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(mix_all(&[1, 2, 3]), 0x8daf_6240_fe97_4c22);
        assert_eq!(hash_str("gateway"), 0x9d27_17bf_e2cf_a019);
        let mut hash = WordHash::new(7);
        hash.bytes(b"0123456789");
        assert_eq!(hash.finish(), 0x7470_6f2a_be98_688c);
    }

    #[test]
    fn mixing_is_order_sensitive() {
        assert_ne!(mix_all(&[1, 2]), mix_all(&[2, 1]));
        assert_ne!(hash_str("ab"), hash_str("ba"));
        // Published FNV-1a 64 test vectors.
        assert_eq!(hash_str(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash_str("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn bytes_are_read_as_padded_little_endian_words() {
        let mut by_bytes = WordHash::new(1);
        by_bytes.bytes(&[1, 2, 3, 4, 5, 6, 7, 8, 9]);
        let mut by_words = WordHash::new(1);
        by_words.word(0x0807_0605_0403_0201);
        by_words.word(9);
        assert_eq!(by_bytes.finish(), by_words.finish());
        let mut empty = WordHash::new(1);
        empty.bytes(&[]);
        assert_eq!(empty.finish(), WordHash::new(1).finish(), "no bytes, no words");
    }
}
