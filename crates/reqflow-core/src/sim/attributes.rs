//! Building spans: the attributes of server and client spans (OpenTelemetry semantic
//! conventions for HTTP, gRPC, databases and messaging), and a new span's fixed fields.

use super::compile::CompiledService;
use crate::ids::{SpanId, TraceId};
use crate::scenario::{Operation, Protocol, Service};
use crate::text::Text;
use crate::trace::{KeyValue, Span, SpanKind, Status, Truth};

/// The attributes of the server span of `operation` of `service`.
pub(super) fn server_attributes(service: &Service, operation: &Operation) -> Vec<KeyValue> {
    let mut attributes = Vec::new();
    match service.protocol {
        Protocol::Http => {
            let (method, route) = split_http_name(&operation.name);
            attributes.push(KeyValue::new("http.request.method", Text::new(method)));
            attributes.push(KeyValue::new("http.route", Text::new(route)));
        }
        Protocol::Grpc => {
            attributes.push(KeyValue::new("rpc.system", "grpc"));
            attributes.push(KeyValue::new("rpc.method", Text::new(&operation.name)));
        }
        Protocol::Database | Protocol::Cache => {
            let default_system = if service.protocol == Protocol::Cache { "redis" } else { "postgresql" };
            let system = if service.system.is_empty() { default_system } else { service.system.as_str() };
            let query = operation.query.as_deref().unwrap_or(&operation.name);
            attributes.push(KeyValue::new("db.system.name", Text::new(system)));
            attributes.push(KeyValue::new("db.query.text", Text::new(query)));
            if let Some(verb) = query.split_whitespace().next() {
                attributes.push(KeyValue::new("db.operation.name", verb.to_ascii_uppercase()));
            }
        }
    }
    attributes.push(KeyValue::new("server.address", Text::new(&service.name)));
    for (key, value) in &operation.attributes {
        attributes.push(KeyValue::new(Text::new(key), Text::new(value)));
    }
    attributes
}

/// The attributes of a client span calling `operation` of `service` (the target).
pub(super) fn client_attributes(
    service: &Service,
    operation: &Operation,
    server_attributes: &[KeyValue],
) -> Vec<KeyValue> {
    let mut attributes = match service.protocol {
        Protocol::Http => {
            let (method, route) = split_http_name(&operation.name);
            vec![
                KeyValue::new("http.request.method", Text::new(method)),
                KeyValue::new("url.path", Text::new(route)),
            ]
        }
        Protocol::Grpc => {
            vec![KeyValue::new("rpc.system", "grpc"), KeyValue::new("rpc.method", Text::new(&operation.name))]
        }
        Protocol::Database | Protocol::Cache => {
            server_attributes.iter().filter(|kv| kv.key.starts_with("db.")).cloned().collect()
        }
    };
    attributes.push(KeyValue::new("server.address", Text::new(&service.name)));
    attributes
}

/// `"GET /orders/{id}"` → `("GET", "/orders/{id}")`; names without a method default to GET.
fn split_http_name(name: &str) -> (&str, &str) {
    const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
    match name.split_once(' ') {
        Some((method, route)) if METHODS.contains(&method) => (method, route),
        _ => ("GET", name),
    }
}

/// When a span starts and ends, as its host recorded it and truly (epoch ns).
#[derive(Clone, Copy)]
pub(super) struct SpanTimes {
    pub(super) observed: (i64, i64),
    pub(super) truth: (i64, i64),
}

/// A span of `service` with ids (trace, span, parent); the end, status and events of spans that
/// are still open are filled in when they finish.
pub(super) fn new_span(
    service: &CompiledService,
    (trace_id, span_id, parent_span_id): (TraceId, SpanId, Option<SpanId>),
    name: Text,
    kind: SpanKind,
    attributes: Vec<KeyValue>,
    times: SpanTimes,
) -> Span {
    Span {
        trace_id,
        span_id,
        parent_span_id,
        name,
        kind,
        service: service.name.clone(),
        host: service.host.clone(),
        resource: Default::default(),
        start_ns: times.observed.0,
        end_ns: times.observed.1,
        status: Status::default(),
        attributes,
        events: Vec::new(),
        links: Vec::new(),
        traceparent: None,
        truth: Some(Truth { start_ns: times.truth.0, end_ns: times.truth.1, queued_ns: 0 }),
    }
}
