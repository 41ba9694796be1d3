//! Building spans: the attributes of server, client, producer and consumer spans (OpenTelemetry
//! semantic conventions for HTTP, gRPC, databases and messaging), a new span's fixed fields, and
//! what a span says when it ends (status, error attributes, exception events).

use super::compile::{CompiledOp, CompiledPublish, CompiledService};
use crate::ids::{SpanId, TraceId};
use crate::scenario::{Operation, Protocol, Service};
use crate::text::Text;
use crate::trace::{Event, KeyValue, Span, SpanKind, Status, StatusCode, Truth};

/// How a call attempt ended, as its client span reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AttemptOutcome {
    /// The callee answered with success.
    Succeeded,
    /// The callee answered with an error.
    Failed,
    /// The caller stopped waiting (the call's timeout) before an answer came.
    TimedOut,
}

impl AttemptOutcome {
    pub(super) fn failed(self) -> bool {
        self != AttemptOutcome::Succeeded
    }
}

/// Why an operation failed, as its server span reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Failure {
    /// Its own error (the operation's error rate); this wins over a failed dependency.
    Own,
    /// A call it made failed and its `on_error` propagates.
    Dependency,
}

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

/// The attributes of the consumer span of an operation handling the message of `publish`: the
/// messaging attributes, then the operation's server attributes without the HTTP request line.
pub(super) fn consumer_attributes(
    server_attributes: &[KeyValue],
    publish: &CompiledPublish,
) -> Vec<KeyValue> {
    let mut attributes = server_attributes.to_vec();
    attributes.retain(|kv| kv.key != "http.request.method" && kv.key != "http.route");
    attributes.insert(0, KeyValue::new("messaging.system", publish.system.clone()));
    attributes.insert(1, KeyValue::new("messaging.destination.name", publish.queue.clone()));
    attributes.insert(2, KeyValue::new("messaging.operation.type", "process"));
    attributes
}

/// The attributes of the producer span of `publish`.
pub(super) fn producer_attributes(publish: &CompiledPublish) -> Vec<KeyValue> {
    vec![
        KeyValue::new("messaging.system", publish.system.clone()),
        KeyValue::new("messaging.destination.name", publish.queue.clone()),
        KeyValue::new("messaging.operation.type", "send"),
    ]
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

/// Ends a client span at `observed` (true time `truth`) with the attempt's outcome: the response
/// status code, or the error and an event for a timeout.
pub(super) fn end_client_span(client: &mut Span, outcome: AttemptOutcome, observed: i64, truth: i64) {
    client.end_ns = observed;
    if let Some(t) = client.truth.as_mut() {
        t.end_ns = truth;
    }
    match outcome {
        AttemptOutcome::TimedOut => {
            let reason = "timeout";
            client.status = Status {
                code: StatusCode::Error,
                message: Text::from(format!("{reason}: no response in time")),
            };
            client.attributes.push(KeyValue::new("error.type", reason));
            client.events.push(Event {
                time_ns: observed,
                name: Text::from_static(reason),
                attributes: Vec::new(),
            });
        }
        AttemptOutcome::Failed => {
            client.status = Status { code: StatusCode::Error, message: "upstream returned an error".into() };
            client.attributes.push(KeyValue::new("http.response.status_code", 500));
            client.attributes.push(KeyValue::new("error.type", "500"));
        }
        AttemptOutcome::Succeeded => {
            client.attributes.push(KeyValue::new("http.response.status_code", 200));
        }
    }
}

/// Ends the server (or consumer) span of `op` at `observed` (true time `truth`): an HTTP server
/// span gets its response status code; a failure gets an exception event, `error.type` and an
/// error status.
pub(super) fn end_server_span(
    server: &mut Span,
    protocol: Protocol,
    op: &CompiledOp,
    failure: Option<Failure>,
    observed: i64,
    truth: i64,
) {
    server.end_ns = observed;
    if let Some(t) = server.truth.as_mut() {
        t.end_ns = truth;
    }
    if server.kind == SpanKind::Server && protocol == Protocol::Http {
        server
            .attributes
            .push(KeyValue::new("http.response.status_code", if failure.is_some() { 500 } else { 200 }));
    }
    let Some(failure) = failure else {
        return;
    };
    let (error_type, message) = match failure {
        Failure::Own => (
            op.error_type.clone().unwrap_or(Text::from_static("InternalError")),
            Text::from(format!("{} failed", op.name)),
        ),
        Failure::Dependency => (
            Text::from_static("DependencyFailed"),
            Text::from_static("a call this operation depends on failed"),
        ),
    };
    server.events.push(Event {
        time_ns: observed,
        name: "exception".into(),
        attributes: vec![
            KeyValue::new("exception.type", error_type.clone()),
            KeyValue::new("exception.message", message.clone()),
        ],
    });
    server.attributes.push(KeyValue::new("error.type", error_type));
    server.status = Status { code: StatusCode::Error, message };
}
