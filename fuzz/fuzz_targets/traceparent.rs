//! `traceparent` headers: parse and explain; a parsed header writes back and parses the same.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reqflow_core::tracecontext::TraceParent;

fuzz_target!(|header: &str| {
    match TraceParent::parse(header) {
        Ok(parent) => {
            let _ = parent.explain();
            assert_eq!(TraceParent::parse(&parent.to_string()).as_ref(), Ok(&parent), "{header:?}");
        }
        Err(error) => {
            let _ = (error.to_string(), error.position());
        }
    }
});
