//! One link for any scenario: `#s=<scenario>&seed=…&knobs=…`, the scenario's JSON compressed
//! ([`crate::lz`]) and written in base64url, so an instructor's own system opens the same for
//! every student. A built-in needs no such link ([`crate::share::ShareLink`] names it).
//!
//! Links longer than [`MAX_LINK_CHARS`] are refused when made (chat tools and some browsers cut
//! longer addresses): the scenario file is the way to share those. Reading never panics: a
//! damaged or hostile link is an error that says what is wrong, and a scenario in a link is
//! validated like one in a file.

use crate::lz;
use crate::scenario::Scenario;

/// The longest link made: 8,000 characters after the `#`.
pub const MAX_LINK_CHARS: usize = 8000;
/// The largest scenario text a link may unpack to.
const MAX_SCENARIO_BYTES: usize = 1 << 20;

/// A scenario carried whole in a link, with the seed and knobs to run it with.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioLink {
    pub scenario: Scenario,
    pub seed: u64,
    pub knobs: String,
}

impl ScenarioLink {
    /// The link's hash (`#s=…&seed=…`), or why it cannot be made.
    pub fn to_hash(&self) -> Result<String, String> {
        let json = serde_json::to_string(&self.scenario).map_err(|error| error.to_string())?;
        let mut hash = format!("#s={}&seed={}", base64url(&lz::compress(json.as_bytes())), self.seed);
        if !self.knobs.is_empty() {
            hash.push_str("&knobs=");
            hash.push_str(&self.knobs.replace('&', "%26").replace('#', "%23"));
        }
        let chars = hash.len() - 1;
        if chars > MAX_LINK_CHARS {
            return Err(format!(
                "the scenario is too big for a link ({chars} characters, the limit is {MAX_LINK_CHARS}): share the scenario file instead"
            ));
        }
        Ok(hash)
    }

    /// Reads a link's hash. `Ok(None)` when it carries no scenario (no `s=` part).
    pub fn parse(hash: &str) -> Result<Option<ScenarioLink>, String> {
        let hash = hash.trim_start_matches('#');
        if !hash.split('&').any(|pair| pair.starts_with("s=")) {
            return Ok(None);
        }
        let mut packed = None;
        let mut seed = 1;
        let mut knobs = String::new();
        for pair in hash.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "s" => packed = Some(value),
                "seed" => {
                    seed = value
                        .parse()
                        .map_err(|_| format!("the seed {:?} is not a whole number", cut(value)))?
                }
                "knobs" => knobs = value.replace("%26", "&").replace("%23", "#").replace("%2C", ","),
                _ => return Err(format!("the link has an unknown part {:?}", cut(key))),
            }
        }
        let Some(packed) = packed else { return Ok(None) };
        if hash.len() > 2 * MAX_LINK_CHARS {
            return Err("the link is too long".to_owned());
        }
        let bytes = from_base64url(packed).ok_or("the scenario in the link is damaged (not base64url)")?;
        let text = lz::decompress(&bytes, MAX_SCENARIO_BYTES)
            .map_err(|error| format!("the scenario in the link is damaged: {error}"))?;
        let text = String::from_utf8(text)
            .map_err(|_| "the scenario in the link is damaged (not UTF-8)".to_owned())?;
        let scenario =
            Scenario::from_json(&text, "the link's scenario").map_err(|error| error.to_string())?;
        Ok(Some(ScenarioLink { scenario, seed, knobs }))
    }
}

fn cut(text: &str) -> String {
    text.chars().take(40).collect()
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding.
fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let word = chunk
            .iter()
            .enumerate()
            .fold(0u32, |word, (idx, &byte)| word | u32::from(byte) << (16 - 8 * idx));
        for idx in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(word >> (18 - 6 * idx) & 63) as usize]));
        }
    }
    out
}

fn from_base64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let digits: Vec<u32> = text
        .bytes()
        .map(|byte| ALPHABET.iter().position(|&c| c == byte).map(|idx| idx as u32))
        .collect::<Option<_>>()?;
    for chunk in digits.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let word = chunk.iter().enumerate().fold(0u32, |word, (idx, &digit)| word | digit << (18 - 6 * idx));
        for idx in 0..chunk.len() - 1 {
            out.push((word >> (16 - 8 * idx)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtins;

    #[test]
    fn every_builtin_round_trips_through_a_link() {
        for name in builtins::names() {
            let scenario = builtins::load(name).expect("built in");
            let link = ScenarioLink { scenario, seed: 42, knobs: "database.latency=fixed:5".into() };
            match link.to_hash() {
                Ok(hash) => assert_eq!(ScenarioLink::parse(&hash), Ok(Some(link)), "{name}"),
                Err(error) => assert!(error.contains("too big for a link"), "{name}: {error}"),
            }
        }
        let try_it = ScenarioLink {
            scenario: builtins::load("try-it").expect("built in"),
            seed: 1,
            knobs: String::new(),
        };
        let hash = try_it.to_hash().expect("try-it fits");
        assert!(hash.len() < 1500, "try-it's link is {} characters", hash.len());
    }

    #[test]
    fn base64url_round_trips_every_length() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|n| (n * 37 + 11) as u8).collect();
            assert_eq!(from_base64url(&base64url(&bytes)), Some(bytes));
        }
        assert_eq!(from_base64url("a"), None);
        assert_eq!(from_base64url("ab$d"), None);
    }

    #[test]
    fn damaged_and_hostile_links_are_errors() {
        let cases = [
            ("#s=!!!", "not base64url"),
            ("#s=_w", "damaged: the data ends in the middle of a token"),
            ("#s=AAAA", "the link's scenario:1:0: EOF while parsing a value"),
            ("#s=CGFiY2Q&seed=x", "not a whole number"),
            ("#s=CGFiY2Q&what=1", "unknown part"),
        ];
        for (hash, expected) in cases {
            let error = ScenarioLink::parse(hash).expect_err(hash);
            assert!(error.contains(expected), "{hash}: {error}");
        }
        // Valid compression of text that is not a scenario: the scenario's own error.
        let hash = format!("#s={}", base64url(&lz::compress(b"{\"name\": 3}")));
        let error = ScenarioLink::parse(&hash).expect_err("not a scenario");
        assert!(error.starts_with("the link's scenario:"), "{error}");
        assert_eq!(
            ScenarioLink::parse("#scenario=try-it&seed=1"),
            Ok(None),
            "a built-in's link is not this kind"
        );
        assert_eq!(ScenarioLink::parse(""), Ok(None));
    }
}
