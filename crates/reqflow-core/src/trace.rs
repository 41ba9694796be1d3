//! The trace model: spans as a tracing backend receives them, plus the simulator's ground truth.
//!
//! Times are integer nanoseconds since the Unix epoch (`i64`), as the emitting host's clock
//! recorded them. Simulated spans also carry [`Span::truth`]: when the work really happened.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::{SpanId, TraceId};
use crate::text::Text;

/// What a span represents in a request's journey (OpenTelemetry span kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SpanKind {
    #[default]
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

impl SpanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Internal => "internal",
            SpanKind::Server => "server",
            SpanKind::Client => "client",
            SpanKind::Producer => "producer",
            SpanKind::Consumer => "consumer",
        }
    }
}

/// Span status code (OpenTelemetry): unset, ok or error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StatusCode {
    #[default]
    Unset,
    Ok,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Status {
    pub code: StatusCode,
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub message: Text,
}

impl Status {
    pub fn is_error(&self) -> bool {
        self.code == StatusCode::Error
    }
}

/// An attribute value. Floats are stored as their IEEE bits in memory but written as JSON numbers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttributeValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Text),
}

impl std::fmt::Display for AttributeValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttributeValue::Bool(value) => write!(f, "{value}"),
            AttributeValue::Int(value) => write!(f, "{value}"),
            AttributeValue::Float(value) => write!(f, "{value}"),
            AttributeValue::Str(value) => f.write_str(value),
        }
    }
}

impl From<&'static str> for AttributeValue {
    fn from(value: &'static str) -> Self {
        AttributeValue::Str(Text::from_static(value))
    }
}

impl From<String> for AttributeValue {
    fn from(value: String) -> Self {
        AttributeValue::Str(Text::from(value))
    }
}

impl From<Text> for AttributeValue {
    fn from(value: Text) -> Self {
        AttributeValue::Str(value)
    }
}

impl From<i64> for AttributeValue {
    fn from(value: i64) -> Self {
        AttributeValue::Int(value)
    }
}

impl From<bool> for AttributeValue {
    fn from(value: bool) -> Self {
        AttributeValue::Bool(value)
    }
}

/// A key-value pair; attribute lists keep insertion order (it reaches the output).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: Text,
    pub value: AttributeValue,
}

impl KeyValue {
    pub fn new(key: impl Into<Text>, value: impl Into<AttributeValue>) -> KeyValue {
        KeyValue { key: key.into(), value: value.into() }
    }
}

/// A timestamped annotation on a span (retry, timeout, exception, queue wait...).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub time_ns: i64,
    pub name: Text,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<KeyValue>,
}

/// A reference to a span, possibly in another trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<KeyValue>,
}

/// When the work of a simulated span really happened (virtual time mapped to the epoch), and
/// how much of it was spent waiting for a pool slot or a queue rather than working.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    pub start_ns: i64,
    pub end_ns: i64,
    /// Time spent queued before work began (pool full, message waiting in a queue).
    #[serde(default)]
    pub queued_ns: i64,
}

/// Where a span came from, beyond [`Span::service`] and [`Span::host`]: the other attributes of
/// its resource (OTLP resource attributes, Jaeger process tags, Zipkin's local endpoint as
/// `host.ip`/`host.port`...) and its instrumentation scope. Jaeger UI shows this as "Process".
///
/// Every span of one resource shares one allocation: cloning a `Resource` is a reference count,
/// and the empty resource (every simulated span) allocates nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resource(Option<Arc<ResourceData>>);

/// The contents of a [`Resource`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceData {
    /// Resource attributes other than `service.name` and `host.name` (those are the span's
    /// `service` and `host`), in the order the file gave them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<KeyValue>,
    /// Instrumentation scope (OTLP `scope.name`, Jaeger `otel.scope.name`).
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub scope_name: Text,
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub scope_version: Text,
    /// Instrumentation scope attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scope_attributes: Vec<KeyValue>,
}

impl ResourceData {
    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty()
            && self.scope_name.is_empty()
            && self.scope_version.is_empty()
            && self.scope_attributes.is_empty()
    }
}

impl Resource {
    /// A resource holding `data` (the empty resource when `data` is empty).
    pub fn new(data: ResourceData) -> Resource {
        if data.is_empty() { Resource(None) } else { Resource(Some(Arc::new(data))) }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The contents (empty for the empty resource).
    pub fn data(&self) -> &ResourceData {
        static EMPTY: ResourceData = ResourceData {
            attributes: Vec::new(),
            scope_name: Text::from_static(""),
            scope_version: Text::from_static(""),
            scope_attributes: Vec::new(),
        };
        self.0.as_deref().unwrap_or(&EMPTY)
    }

    pub fn attributes(&self) -> &[KeyValue] {
        &self.data().attributes
    }

    pub fn attribute(&self, key: &str) -> Option<&AttributeValue> {
        self.attributes().iter().find(|kv| kv.key == key).map(|kv| &kv.value)
    }

    /// Whether both are the same allocation (then they are equal without comparing contents).
    pub fn same_allocation(&self, other: &Resource) -> bool {
        match (&self.0, &other.0) {
            (Some(mine), Some(theirs)) => Arc::ptr_eq(mine, theirs),
            (None, None) => true,
            _ => false,
        }
    }
}

impl Serialize for Resource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.data().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ResourceData::deserialize(deserializer).map(Resource::new)
    }
}

/// One span as a tracing backend would receive it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_span_id: Option<SpanId>,
    pub name: Text,
    pub kind: SpanKind,
    /// Resource attribute `service.name`.
    pub service: Text,
    /// Resource attribute `host.name`.
    #[serde(default, skip_serializing_if = "str::is_empty")]
    pub host: Text,
    /// The rest of the span's resource and its instrumentation scope.
    #[serde(default, skip_serializing_if = "Resource::is_empty")]
    pub resource: Resource,
    /// Start as the emitting host's clock recorded it.
    pub start_ns: i64,
    /// End as the emitting host's clock recorded it.
    pub end_ns: i64,
    #[serde(default)]
    pub status: Status,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<KeyValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// The `traceparent` header this hop received, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// Ground truth; present for simulated spans only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truth: Option<Truth>,
}

impl Span {
    /// `end − start`, saturating: imported times can lie anywhere in `i64`.
    pub fn duration_ns(&self) -> i64 {
        self.end_ns.saturating_sub(self.start_ns)
    }

    pub fn attribute(&self, key: &str) -> Option<&AttributeValue> {
        self.attributes.iter().find(|kv| kv.key == key).map(|kv| &kv.value)
    }
}
