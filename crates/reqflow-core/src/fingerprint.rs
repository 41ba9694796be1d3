//! A short, stable fingerprint of simulated traces: the same scenario and seed give the same
//! fingerprint in the CLI and in the browser.

use crate::ids::hash_str;
use crate::sim::RequestTrace;

/// FNV-1a 64 of the canonical JSON of the traces, as 16 hex digits.
pub fn fingerprint(traces: &[RequestTrace]) -> String {
    let canonical = serde_json::to_string(traces).unwrap_or_default();
    format!("{:016x}", hash_str(&canonical))
}
