//! A whole file given to the importer (format detected), then everything a loaded trace goes
//! through (common.rs). The corpus holds otlp files, so most inputs are detected as otlp.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reqflow_formats as formats;

#[path = "common.rs"]
mod common;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(imported) = formats::import_bytes(bytes.to_vec(), "fuzz.json") {
        common::exercise(&imported);
    }
});
