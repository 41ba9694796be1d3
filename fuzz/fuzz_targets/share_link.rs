//! Share-link hashes: parse; a link that parses writes back to a link that parses the same.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reqflow_core::share::ShareLink;

fuzz_target!(|hash: &str| {
    if let Ok(Some(link)) = ShareLink::parse(hash) {
        assert_eq!(ShareLink::parse(&link.to_hash()), Ok(Some(link.clone())), "{hash:?}");
    }
});
