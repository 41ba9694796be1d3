//! The streaming reader (what the page's worker uses) with the file cut into chunks at places the
//! fuzzer chooses: the first byte picks the chunk sizes. Whatever the cuts, the result equals the
//! whole-file import's (same spans or an error), and a successful import goes through common.rs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reqflow_formats::{self as formats, ImportStream};

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&seed, bytes)) = data.split_first() else { return };
    let mut stream = ImportStream::new("fuzz.json", bytes.len());
    let mut rest = bytes;
    let mut step = usize::from(seed) + 1;
    while !rest.is_empty() {
        let take = step.min(rest.len());
        stream.push(&rest[..take]);
        rest = &rest[take..];
        step = (step * 7 + 3) % 4099 + 1;
    }
    let streamed = stream.finish().unwrap_or_else(|| formats::import_bytes(bytes.to_vec(), "fuzz.json"));
    let whole = formats::import_bytes(bytes.to_vec(), "fuzz.json");
    match (&streamed, &whole) {
        (Ok(streamed), Ok(whole)) => {
            assert_eq!(streamed.spans, whole.spans, "chunked and whole reads agree");
            common::exercise(streamed);
        }
        (Err(_), Err(_)) => {}
        _ => panic!("chunked and whole reads disagree: {:?} vs {:?}", streamed.as_ref().err(), whole.as_ref().err()),
    }
});
