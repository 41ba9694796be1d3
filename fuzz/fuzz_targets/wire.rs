//! The page's wire form (worker → page): any bytes decode or fail cleanly; what decodes encodes
//! back to bytes that decode the same.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reqflow_formats::wire;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(spans) = wire::decode_spans(bytes) {
        let again = wire::encode_spans(&spans);
        let decoded = wire::decode_spans(&again).expect("re-encoded spans decode");
        assert_eq!(wire::encode_spans(&decoded), again);
    }
    let _ = wire::decode_import(bytes);
});
