//! Share links: the part of the page's address after `#` that reproduces a trace exactly
//! (`#scenario=<name>&seed=<n>&knobs=<knobs>`). Parsing is here, in the core, so that it is
//! tested natively and fuzzed (`fuzz/`); the page reads and writes its address with it.
//!
//! A link is read strictly: an unknown part, a scenario that is not built in, a seed that is not
//! a whole number or text that does not decode is an error that says which, and the page then
//! falls back to the default request with a notice. Links longer than 8 KiB are refused.

use crate::builtins;

/// What a share link (`#scenario=<name>&seed=<n>&knobs=<knobs>`) asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct ShareLink {
    pub scenario: String,
    pub seed: u64,
    pub knobs: String,
}

impl ShareLink {
    /// Parses a location hash. `Ok(None)` for an empty hash; `Err` says what was wrong.
    pub fn parse(hash: &str) -> Result<Option<ShareLink>, String> {
        let hash = hash.trim_start_matches('#');
        if hash.is_empty() {
            return Ok(None);
        }
        if hash.len() > 8192 {
            return Err("the link is too long".to_owned());
        }
        let mut link = ShareLink { scenario: builtins::DEFAULT.to_owned(), seed: 1, knobs: String::new() };
        for pair in hash.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value =
                percent_decode(value).ok_or_else(|| format!("{:?} is not valid text", truncate(value)))?;
            match key {
                "scenario" if builtins::names().any(|name| name == value) => link.scenario = value,
                "scenario" => return Err(format!("there is no built-in scenario {:?}", truncate(&value))),
                "seed" => {
                    link.seed = value
                        .parse::<u64>()
                        .map_err(|_| format!("the seed {:?} is not a whole number", truncate(&value)))?
                }
                "knobs" => link.knobs = value,
                _ => return Err(format!("it has an unknown part {:?}", truncate(key))),
            }
        }
        Ok(Some(link))
    }

    pub fn to_hash(&self) -> String {
        let mut hash = format!("#scenario={}&seed={}", self.scenario, self.seed);
        if !self.knobs.is_empty() {
            hash.push_str("&knobs=");
            hash.push_str(&percent_encode(&self.knobs));
        }
        hash
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}

fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b':' | b'=' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while idx < bytes.len() {
        if bytes[idx] == b'%' {
            let [high, low] = *bytes.get(idx + 1..idx + 3)? else { return None };
            out.push((crate::hex::value(high)? << 4) | crate::hex::value(low)?);
            idx += 3;
        } else {
            out.push(bytes[idx]);
            idx += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_round_trips_and_bad_links_say_what_is_wrong() {
        let link = ShareLink {
            scenario: "db-pool".into(),
            seed: 42,
            knobs: "database.latency=normal:12.5 x".into(),
        };
        assert_eq!(ShareLink::parse(&link.to_hash()), Ok(Some(link)));
        assert_eq!(ShareLink::parse(""), Ok(None));
        assert_eq!(ShareLink::parse("#"), Ok(None));
        for (hash, expected) in [
            ("#scenario=nope", "there is no built-in scenario \"nope\""),
            ("#seed=-1", "the seed \"-1\" is not a whole number"),
            ("#knobs=%ZZ", "\"%ZZ\" is not valid text"),
            ("#knobs=%C3", "\"%C3\" is not valid text"),
            ("#knobs=%", "\"%\" is not valid text"),
            ("#evil=1", "it has an unknown part \"evil\""),
        ] {
            assert_eq!(ShareLink::parse(hash), Err(expected.to_owned()), "{hash}");
        }
        assert_eq!(
            ShareLink::parse(&format!("#knobs={}", "a".repeat(9000))),
            Err("the link is too long".to_owned())
        );
        // A multi-byte character cut by a stray '%': no panic on the char boundary.
        assert!(ShareLink::parse("#knobs=%é").is_err());
    }
}
