//! [`Text`]: the immutable strings spans are made of (names, services, hosts, attribute keys and
//! values). A 100,000-span trace repeats a few dozen distinct names; with `String` every span owned
//! a copy of each, and allocating and freeing those copies was half of the time it took to
//! simulate such a trace. A `Text` is either a `&'static str` (the semantic-convention keys the
//! simulator writes) or a reference-counted `Arc<str>`, so cloning one never copies the text.
//!
//! It compares, orders and hashes by content, and serializes as a plain JSON string.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};

/// Immutable text that is cheap to clone (see the module docs).
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
}

impl Text {
    /// Text that lives for the whole program: no allocation, ever.
    pub const fn from_static(text: &'static str) -> Text {
        Text(Repr::Static(text))
    }

    /// A shared copy of `text` (one allocation; clones of the result share it).
    pub fn new(text: &str) -> Text {
        if text.is_empty() { Text::default() } else { Text(Repr::Shared(Arc::from(text))) }
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(text) => text,
            Repr::Shared(text) => text,
        }
    }

    /// Whether both point at the same memory (then they are equal without comparing bytes).
    pub fn same_allocation(&self, other: &Text) -> bool {
        let (mine, theirs) = (self.as_str(), other.as_str());
        std::ptr::eq(mine.as_ptr(), theirs.as_ptr()) && mine.len() == theirs.len()
    }
}

impl Default for Text {
    fn default() -> Self {
        Text::from_static("")
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for Text {
    fn from(text: &'static str) -> Self {
        Text::from_static(text)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        if text.is_empty() { Text::default() } else { Text(Repr::Shared(Arc::from(text))) }
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Self {
        Text::new(text)
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.as_str().to_owned()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.same_allocation(other) || self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialOrd for Text {
    fn partial_cmp(&self, other: &Text) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Text {
    fn cmp(&self, other: &Text) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        deserializer.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = Text;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a string")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Text, E> {
        Ok(Text::new(text))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Text, E> {
        Ok(Text::from(text))
    }
}

/// Gives equal strings one shared [`Text`]: an importer reading 100,000 spans from a file sees
/// the same service, host, operation and attribute names over and over. Lookups go through a
/// small open-addressing table keyed by a hash of the bytes; it is only ever looked up, never
/// iterated, so the results do not depend on the hash.
#[derive(Default)]
pub struct Interner {
    /// Power-of-two sized; `None` marks a free slot.
    slots: Vec<Option<(u64, Text)>>,
    len: usize,
}

/// Strings longer than this are not worth remembering (they are rarely repeated: SQL text with
/// ids in it, stack traces).
const MAX_INTERNED_LEN: usize = 128;

impl Interner {
    /// [`Interner::intern`], checking `recent` first (and remembering the result there): for
    /// text that tends to repeat at the same place, such as the keys of successive spans'
    /// attributes, one comparison instead of a lookup.
    pub fn intern_like(&mut self, text: &str, recent: &mut Text) -> Text {
        if same_bytes(recent.as_bytes(), text.as_bytes()) && !text.is_empty() {
            return recent.clone();
        }
        let interned = self.intern(text);
        *recent = interned.clone();
        interned
    }

    pub fn intern(&mut self, text: &str) -> Text {
        if text.is_empty() {
            return Text::default();
        }
        if text.len() > MAX_INTERNED_LEN {
            return Text::new(text);
        }
        if self.len * 2 >= self.slots.len() {
            self.grow();
        }
        let hash = hash_bytes(text.as_bytes());
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            match &self.slots[slot] {
                Some((slot_hash, known))
                    if *slot_hash == hash && same_bytes(known.as_bytes(), text.as_bytes()) =>
                {
                    return known.clone();
                }
                Some(_) => slot = (slot + 1) & mask,
                None => {
                    let fresh = Text::new(text);
                    self.slots[slot] = Some((hash, fresh.clone()));
                    self.len += 1;
                    return fresh;
                }
            }
        }
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, vec![None; size]);
        let mask = size - 1;
        for (hash, text) in old.into_iter().flatten() {
            let mut slot = hash as usize & mask;
            while self.slots[slot].is_some() {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = Some((hash, text));
        }
    }
}

/// Byte equality eight bytes at a time: in wasm, `==` on strings calls a `memcmp` that compares
/// byte by byte, and interning compares every name of a big file once.
#[inline(always)]
pub fn same_bytes(left: &[u8], right: &[u8]) -> bool {
    let len = left.len();
    if len != right.len() {
        return false;
    }
    // Plain loops: the browser build (optimised for size) does not inline closures or iterator
    // adapters well, and a call per word would cost more than the comparison.
    if len < 8 {
        let mut idx = 0;
        while idx < len {
            if left[idx] != right[idx] {
                return false;
            }
            idx += 1;
        }
        return true;
    }
    // Whole words, the last one overlapping the one before when the length is not a multiple
    // of eight.
    let mut idx = 0;
    while idx + 8 < len {
        if word_at(left, idx) != word_at(right, idx) {
            return false;
        }
        idx += 8;
    }
    word_at(left, len - 8) == word_at(right, len - 8)
}

/// The eight bytes at `idx` as a word (0 past the end).
#[inline(always)]
fn word_at(bytes: &[u8], idx: usize) -> u64 {
    match bytes.get(idx..).and_then(|rest| rest.first_chunk::<8>()) {
        Some(&word) => u64::from_le_bytes(word),
        None => 0,
    }
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut hash = crate::hash::WordHash::new(bytes.len() as u64);
    hash.bytes(bytes);
    hash.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_like_the_recent_text_reuses_it_and_otherwise_remembers_the_new_one() {
        let mut interner = Interner::default();
        let mut recent = Text::default();
        let first = interner.intern_like("http.method", &mut recent);
        assert_eq!(first, "http.method");
        assert!(recent.same_allocation(&first));
        let again = interner.intern_like("http.method", &mut recent);
        assert!(again.same_allocation(&first));
        let other = interner.intern_like("http.route", &mut recent);
        assert_eq!((other.as_str(), recent.as_str()), ("http.route", "http.route"));
        // What was interned before is still found by content.
        assert!(interner.intern("http.method").same_allocation(&first));
        assert_eq!(interner.intern_like("", &mut recent), "");
    }

    #[test]
    fn same_bytes_compares_every_byte_and_the_length() {
        let text = b"service.name with a tail longer than two words";
        for len in 0..text.len() {
            let (prefix, longer) = (&text[..len], &text[..len + 1]);
            let copy = prefix.to_vec();
            assert!(same_bytes(prefix, &copy));
            assert!(!same_bytes(prefix, longer));
            for idx in 0..len {
                let mut other = prefix.to_vec();
                other[idx] ^= 0x20;
                assert!(!same_bytes(prefix, &other), "{len} {idx}");
            }
        }
    }

    #[test]
    fn compares_by_content_whatever_the_storage() {
        let shared = Text::new("orders");
        let owned = Text::from("orders".to_owned());
        let fixed = Text::from_static("orders");
        assert_eq!(shared, owned);
        assert_eq!(shared, fixed);
        assert!(!shared.same_allocation(&owned));
        assert!(shared.same_allocation(&shared.clone()));
        assert_eq!(shared, "orders");
        assert_eq!("orders", shared);
        assert!(Text::new("a") < Text::from_static("b"));
        assert_eq!(Text::new(""), Text::default());
        assert_eq!(format!("{shared} {shared:?}"), "orders \"orders\"");
    }

    #[test]
    fn serializes_as_a_plain_string() {
        let text = Text::new("GET /orders/{id}");
        let json = serde_json::to_string(&text).expect("serializes");
        assert_eq!(json, "\"GET /orders/{id}\"");
        let back: Text = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, text);
        let escaped: Text = serde_json::from_str("\"a\\nb\"").expect("deserializes");
        assert_eq!(escaped, "a\nb");
        assert!(serde_json::from_str::<Text>("12").is_err());
    }

    #[test]
    fn the_interner_hands_out_one_allocation_per_distinct_string() {
        let mut interner = Interner::default();
        let names: Vec<String> = (0..1000).map(|n| format!("service-{}", n % 37)).collect();
        let texts: Vec<Text> = names.iter().map(|name| interner.intern(name)).collect();
        for (name, text) in names.iter().zip(&texts) {
            assert_eq!(text, name);
        }
        assert_eq!(interner.len, 37);
        assert!(texts[0].same_allocation(&texts[37]));
        assert!(!texts[0].same_allocation(&texts[1]));
        assert_eq!(interner.intern(""), "");
        let long = "x".repeat(MAX_INTERNED_LEN + 1);
        assert!(!interner.intern(&long).same_allocation(&interner.intern(&long)));
    }
}
