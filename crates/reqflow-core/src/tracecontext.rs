//! W3C Trace Context (`traceparent`, `tracestate`): <https://www.w3.org/TR/trace-context/>.

use crate::ids::{SpanId, TraceId};

/// The fields of a `traceparent` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceParent {
    pub version: u8,
    pub trace_id: TraceId,
    pub parent_id: SpanId,
    pub trace_flags: u8,
}

impl TraceParent {
    /// A version-00 header for the given ids.
    pub fn new(trace_id: TraceId, parent_id: SpanId, sampled: bool) -> TraceParent {
        TraceParent {
            version: 0,
            trace_id,
            parent_id,
            trace_flags: u8::from(sampled),
        }
    }

    /// Bit 0 of the flags.
    pub fn sampled(&self) -> bool {
        self.trace_flags & 1 == 1
    }
}

impl std::fmt::Display for TraceParent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:02x}-{}-{}-{:02x}",
            self.version, self.trace_id, self.parent_id, self.trace_flags
        )
    }
}
