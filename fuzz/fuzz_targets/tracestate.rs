//! `tracestate` headers: parse with the report of dropped members; what is kept writes back to a
//! header that parses to the same members, with nothing dropped.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reqflow_core::tracecontext::TraceState;

fuzz_target!(|header: &str| {
    match TraceState::parse_with_report(header) {
        Ok(parsed) => {
            let kept = TraceState::parse(header).expect("parse agrees with parse_with_report");
            let _ = kept.explain();
            let again = TraceState::parse(&kept.to_string()).expect("the kept list is a valid header");
            assert_eq!(again, kept, "{header:?}");
            let _ = parsed;
        }
        Err(error) => {
            let _ = (error.to_string(), error.position());
        }
    }
});
