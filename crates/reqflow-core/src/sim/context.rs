//! The trace context that travels with a simulated request (what `traceparent` carries).

use crate::ids::{SpanId, TraceId};

/// Trace context travelling with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Context {
    pub(super) trace_id: TraceId,
    pub(super) parent: SpanId,
    pub(super) sampled: bool,
}

impl Context {
    /// The version-00 `traceparent` (same text as `TraceParent`'s Display, without the
    /// formatting machinery: this runs once per span).
    pub(super) fn header(&self) -> String {
        let mut text = Vec::with_capacity(55);
        text.extend_from_slice(b"00-");
        crate::hex::push(&self.trace_id.0, &mut text);
        text.push(b'-');
        crate::hex::push(&self.parent.0, &mut text);
        text.extend_from_slice(if self.sampled { b"-01" } else { b"-00" });
        String::from_utf8(text).expect("hex digits and dashes are ASCII")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracecontext::TraceParent;

    #[test]
    fn fast_header_equals_the_traceparent_display() {
        for (trace, parent, sampled) in [(1u64, 2u64, true), (u64::MAX, 0x00f0_67aa_0ba9_02b7, false)] {
            let ctx = Context {
                trace_id: TraceId::from_u64_pair(trace, !trace),
                parent: SpanId::from_u64(parent),
                sampled,
            };
            assert_eq!(ctx.header(), TraceParent::new(ctx.trace_id, ctx.parent, sampled).to_string());
        }
    }
}
