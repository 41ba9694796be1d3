//! A tiny span builder for the analysis tests: ids are small numbers, times are milliseconds.

use crate::ids::{SpanId, TraceId};
use crate::sim::RequestTrace;
use crate::trace::{Span, SpanKind, Status, StatusCode};

pub(crate) const MS: i64 = 1_000_000;

/// The trace id every built span gets unless [`SpanBuilder::trace`] says otherwise.
pub(crate) fn trace_id(n: u64) -> TraceId {
    TraceId::from_u64_pair(0x7265_7166_0000_0000, n)
}

pub(crate) fn id(n: u64) -> SpanId {
    SpanId::from_u64(n)
}

/// Starts a span: id `n`, service `service` on host `<service>-1`, named `<service>-op`,
/// from `start_ms` to `end_ms`, a root until [`SpanBuilder::parent`] is called.
pub(crate) fn span(n: u64, service: &str, start_ms: i64, end_ms: i64) -> SpanBuilder {
    SpanBuilder(Span {
        trace_id: trace_id(1),
        span_id: id(n),
        parent_span_id: None,
        name: format!("{service}-op").into(),
        kind: SpanKind::Internal,
        service: service.to_owned().into(),
        host: format!("{service}-1").into(),
        resource: Default::default(),
        start_ns: start_ms * MS,
        end_ns: end_ms * MS,
        status: Status::default(),
        attributes: Vec::new(),
        events: Vec::new(),
        links: Vec::new(),
        traceparent: None,
        truth: None,
    })
}

pub(crate) struct SpanBuilder(Span);

impl SpanBuilder {
    pub(crate) fn parent(mut self, n: u64) -> SpanBuilder {
        self.0.parent_span_id = Some(id(n));
        self
    }

    pub(crate) fn kind(mut self, kind: SpanKind) -> SpanBuilder {
        self.0.kind = kind;
        self
    }

    pub(crate) fn host(mut self, host: &str) -> SpanBuilder {
        self.0.host = host.to_owned().into();
        self
    }

    /// Gives the span a resource with these string attributes (e.g. `host.id`).
    pub(crate) fn resource(mut self, attributes: &[(&str, &str)]) -> SpanBuilder {
        self.0.resource = crate::trace::Resource::new(crate::trace::ResourceData {
            attributes: attributes
                .iter()
                .map(|(key, value)| crate::trace::KeyValue {
                    key: (*key).to_owned().into(),
                    value: crate::trace::AttributeValue::Str((*value).to_owned().into()),
                })
                .collect(),
            ..Default::default()
        });
        self
    }

    pub(crate) fn name(mut self, name: &str) -> SpanBuilder {
        self.0.name = name.to_owned().into();
        self
    }

    pub(crate) fn trace(mut self, n: u64) -> SpanBuilder {
        self.0.trace_id = trace_id(n);
        self
    }

    pub(crate) fn error(mut self) -> SpanBuilder {
        self.0.status = Status { code: StatusCode::Error, message: "failed".to_owned().into() };
        self
    }

    pub(crate) fn build(self) -> Span {
        self.0
    }
}

/// A built-in scenario simulated with `seed`.
pub(crate) fn simulate(name: &str, seed: u64) -> RequestTrace {
    let scenario = crate::builtins::load(name).expect("built-in scenario");
    simulate_scenario(&scenario, seed)
}

pub(crate) fn simulate_scenario(scenario: &crate::Scenario, seed: u64) -> RequestTrace {
    crate::Simulation::new(scenario).expect("scenario compiles").simulate_one(seed).expect("simulation runs")
}

/// The index of the span with id `n` (the first one, for duplicates).
pub(crate) fn idx(spans: &[Span], n: u64) -> u32 {
    spans.iter().position(|span| span.span_id == id(n)).unwrap_or_else(|| panic!("no span {n}")) as u32
}

/// A short name for a span in expected outputs: its small numeric id.
pub(crate) fn short(span: &Span) -> String {
    span.span_id.to_u64().to_string()
}
