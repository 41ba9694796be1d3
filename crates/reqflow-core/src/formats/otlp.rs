//! OTLP/JSON: `ExportTraceServiceRequest` (the same JSON as `TracesData`) following the OTLP
//! specification's JSON mapping: lowerCamelCase keys, trace and span ids as hex (not base64),
//! enums as integers, 64-bit integers as decimal strings.

use serde::{Deserialize, Serialize};

use super::common::{Draft, FloatOut, IdParser, JsonFloat, JsonInt, Site, Warnings, finish, parse, to_json};
use super::{Format, ImportError, Imported, WarningKind};
use crate::ids::{SpanId, TraceId};
use crate::trace::{AttributeValue, Event, KeyValue, Link, Span, SpanKind, Status, StatusCode};

/// The instrumentation scope written on export.
pub const SCOPE_NAME: &str = "reqflow";
/// The scope version written on export: this crate's version.
pub const SCOPE_VERSION: &str = env!("CARGO_PKG_VERSION");

// ---------------------------------------------------------------------------------------------
// Export

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestOut<'a> {
    resource_spans: Vec<ResourceSpansOut<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpansOut<'a> {
    resource: ResourceOut<'a>,
    scope_spans: Vec<ScopeSpansOut<'a>>,
}

#[derive(Serialize)]
struct ResourceOut<'a> {
    attributes: Vec<KeyValueOut<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScopeSpansOut<'a> {
    scope: ScopeOut,
    spans: Vec<SpanOut<'a>>,
}

#[derive(Serialize)]
struct ScopeOut {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpanOut<'a> {
    trace_id: TraceId,
    span_id: SpanId,
    #[serde(skip_serializing_if = "Option::is_none")]
    parent_span_id: Option<SpanId>,
    name: &'a str,
    kind: u8,
    start_time_unix_nano: String,
    end_time_unix_nano: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attributes: Vec<KeyValueOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    events: Vec<EventOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<LinkOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<StatusOut<'a>>,
}

#[derive(Serialize)]
struct KeyValueOut<'a> {
    key: &'a str,
    value: AnyValueOut<'a>,
}

/// An `AnyValue`: an object with exactly one of these keys.
#[derive(Serialize)]
enum AnyValueOut<'a> {
    #[serde(rename = "stringValue")]
    Str(&'a str),
    #[serde(rename = "boolValue")]
    Bool(bool),
    #[serde(rename = "intValue")]
    Int(String),
    #[serde(rename = "doubleValue")]
    Double(FloatOut),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventOut<'a> {
    time_unix_nano: String,
    name: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attributes: Vec<KeyValueOut<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LinkOut<'a> {
    trace_id: TraceId,
    span_id: SpanId,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attributes: Vec<KeyValueOut<'a>>,
}

#[derive(Serialize)]
struct StatusOut<'a> {
    #[serde(skip_serializing_if = "is_zero")]
    code: u8,
    #[serde(skip_serializing_if = "str::is_empty")]
    message: &'a str,
}

fn is_zero(code: &u8) -> bool {
    *code == 0
}

/// OTLP's `SpanKind` number.
pub fn kind_number(kind: SpanKind) -> u8 {
    match kind {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

/// OTLP's `Status.StatusCode` number.
pub fn status_code_number(code: StatusCode) -> u8 {
    match code {
        StatusCode::Unset => 0,
        StatusCode::Ok => 1,
        StatusCode::Error => 2,
    }
}

/// uint64 nanoseconds as a decimal string; times before the epoch (not representable) become 0.
fn nanos_text(ns: i64) -> String {
    ns.max(0).to_string()
}

fn key_values(attributes: &[KeyValue]) -> Vec<KeyValueOut<'_>> {
    attributes
        .iter()
        .map(|kv| KeyValueOut {
            key: &kv.key,
            value: match &kv.value {
                AttributeValue::Str(text) => AnyValueOut::Str(text),
                AttributeValue::Bool(flag) => AnyValueOut::Bool(*flag),
                AttributeValue::Int(int) => AnyValueOut::Int(int.to_string()),
                AttributeValue::Float(float) => AnyValueOut::Double(FloatOut(*float)),
            },
        })
        .collect()
}

fn span_out(span: &Span) -> SpanOut<'_> {
    let status = (span.status.code != StatusCode::Unset || !span.status.message.is_empty())
        .then(|| StatusOut { code: status_code_number(span.status.code), message: &span.status.message });
    SpanOut {
        trace_id: span.trace_id,
        span_id: span.span_id,
        parent_span_id: span.parent_span_id,
        name: &span.name,
        kind: kind_number(span.kind),
        start_time_unix_nano: nanos_text(span.start_ns),
        end_time_unix_nano: nanos_text(span.end_ns),
        attributes: key_values(&span.attributes),
        events: span
            .events
            .iter()
            .map(|event| EventOut {
                time_unix_nano: nanos_text(event.time_ns),
                name: &event.name,
                attributes: key_values(&event.attributes),
            })
            .collect(),
        links: span
            .links
            .iter()
            .map(|link| LinkOut {
                trace_id: link.trace_id,
                span_id: link.span_id,
                attributes: key_values(&link.attributes),
            })
            .collect(),
        status,
    }
}

/// Writes an OTLP/JSON `ExportTraceServiceRequest`: one `resourceSpans` entry per
/// (`service.name`, `host.name`) in order of first appearance, each with one scope
/// ([`SCOPE_NAME`], [`SCOPE_VERSION`]) holding its spans in the given order. Times are uint64 in
/// OTLP: a time before the epoch is written as 0.
pub fn export(spans: &[Span]) -> String {
    let mut resources: Vec<((&str, &str), Vec<SpanOut<'_>>)> = Vec::new();
    for span in spans {
        let key = (span.service.as_str(), span.host.as_str());
        let group_idx = match resources.iter().position(|(group, _)| *group == key) {
            Some(group_idx) => group_idx,
            None => {
                resources.push((key, Vec::new()));
                resources.len() - 1
            }
        };
        resources[group_idx].1.push(span_out(span));
    }
    let request = RequestOut {
        resource_spans: resources
            .into_iter()
            .map(|((service, host), spans)| {
                let mut attributes =
                    vec![KeyValueOut { key: "service.name", value: AnyValueOut::Str(service) }];
                if !host.is_empty() {
                    attributes.push(KeyValueOut { key: "host.name", value: AnyValueOut::Str(host) });
                }
                ResourceSpansOut {
                    resource: ResourceOut { attributes },
                    scope_spans: vec![ScopeSpansOut {
                        scope: ScopeOut { name: SCOPE_NAME, version: SCOPE_VERSION },
                        spans,
                    }],
                }
            })
            .collect(),
    };
    to_json(&request)
}

// ---------------------------------------------------------------------------------------------
// Import

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestIn {
    #[serde(default)]
    resource_spans: Option<Vec<ResourceSpansIn>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpansIn {
    #[serde(default)]
    resource: Option<ResourceIn>,
    /// `instrumentationLibrarySpans` is the name before OTLP 0.15.
    #[serde(default, alias = "instrumentationLibrarySpans")]
    scope_spans: Option<Vec<ScopeSpansIn>>,
}

#[derive(Deserialize)]
struct ResourceIn {
    #[serde(default)]
    attributes: Option<Vec<KeyValueIn>>,
}

#[derive(Deserialize)]
struct ScopeSpansIn {
    #[serde(default)]
    spans: Option<Vec<SpanIn>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpanIn {
    #[serde(default)]
    trace_id: Option<String>,
    #[serde(default)]
    span_id: Option<String>,
    #[serde(default)]
    parent_span_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    kind: Option<serde_json::Value>,
    #[serde(default)]
    start_time_unix_nano: Option<JsonInt>,
    #[serde(default)]
    end_time_unix_nano: Option<JsonInt>,
    #[serde(default)]
    attributes: Option<Vec<KeyValueIn>>,
    #[serde(default)]
    events: Option<Vec<EventIn>>,
    #[serde(default)]
    links: Option<Vec<LinkIn>>,
    #[serde(default)]
    status: Option<StatusIn>,
}

#[derive(Deserialize)]
struct KeyValueIn {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    value: Option<AnyValueIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AnyValueIn {
    #[serde(default)]
    string_value: Option<String>,
    #[serde(default)]
    bool_value: Option<bool>,
    #[serde(default)]
    int_value: Option<JsonInt>,
    #[serde(default)]
    double_value: Option<JsonFloat>,
    #[serde(default)]
    bytes_value: Option<String>,
    #[serde(default)]
    array_value: Option<serde_json::Value>,
    #[serde(default)]
    kvlist_value: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventIn {
    #[serde(default)]
    time_unix_nano: Option<JsonInt>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    attributes: Option<Vec<KeyValueIn>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkIn {
    #[serde(default)]
    trace_id: Option<String>,
    #[serde(default)]
    span_id: Option<String>,
    #[serde(default)]
    attributes: Option<Vec<KeyValueIn>>,
}

#[derive(Deserialize)]
struct StatusIn {
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
}

fn convert_value(
    key: &str,
    value: Option<AnyValueIn>,
    site: &Site,
    warnings: &mut Warnings,
) -> AttributeValue {
    let as_text = |what: &'static str, text: String, warnings: &mut Warnings| {
        warnings.push(site, WarningKind::AttributeAsText { key: key.to_owned(), what });
        AttributeValue::Str(text.into())
    };
    let Some(value) = value else {
        return as_text("an empty value", String::new(), warnings);
    };
    if let Some(text) = value.string_value {
        AttributeValue::Str(text.into())
    } else if let Some(flag) = value.bool_value {
        AttributeValue::Bool(flag)
    } else if let Some(JsonInt(int)) = value.int_value {
        match i64::try_from(int) {
            Ok(int) => AttributeValue::Int(int),
            Err(_) => as_text("an integer beyond the int64 range", int.to_string(), warnings),
        }
    } else if let Some(JsonFloat(float)) = value.double_value {
        AttributeValue::Float(float)
    } else if let Some(base64) = value.bytes_value {
        as_text("bytes (base64)", base64, warnings)
    } else if let Some(array) = value.array_value {
        as_text("an array (as JSON)", array.to_string(), warnings)
    } else if let Some(kvlist) = value.kvlist_value {
        as_text("a key-value list (as JSON)", kvlist.to_string(), warnings)
    } else {
        as_text("an empty value", String::new(), warnings)
    }
}

fn convert_attributes(
    attributes: Option<Vec<KeyValueIn>>,
    site: &Site,
    warnings: &mut Warnings,
) -> Vec<KeyValue> {
    attributes
        .unwrap_or_default()
        .into_iter()
        .map(|kv| {
            let key = kv.key.unwrap_or_default();
            let value = convert_value(&key, kv.value, site, warnings);
            KeyValue { key: key.into(), value }
        })
        .collect()
}

fn convert_kind(kind: Option<&serde_json::Value>, site: &Site, warnings: &mut Warnings) -> SpanKind {
    let Some(kind) = kind.filter(|kind| !kind.is_null()) else {
        return SpanKind::Internal;
    };
    let number = match kind {
        serde_json::Value::Number(number) => number.as_u64(),
        serde_json::Value::String(name) => match name.as_str() {
            "SPAN_KIND_UNSPECIFIED" => Some(0),
            "SPAN_KIND_INTERNAL" => Some(1),
            "SPAN_KIND_SERVER" => Some(2),
            "SPAN_KIND_CLIENT" => Some(3),
            "SPAN_KIND_PRODUCER" => Some(4),
            "SPAN_KIND_CONSUMER" => Some(5),
            _ => None,
        },
        _ => None,
    };
    match number {
        Some(0 | 1) => SpanKind::Internal,
        Some(2) => SpanKind::Server,
        Some(3) => SpanKind::Client,
        Some(4) => SpanKind::Producer,
        Some(5) => SpanKind::Consumer,
        _ => {
            warnings.push(site, WarningKind::UnknownSpanKind { written: kind.to_string() });
            SpanKind::Internal
        }
    }
}

fn convert_status(status: Option<StatusIn>, site: &Site, warnings: &mut Warnings) -> Status {
    let Some(status) = status else {
        return Status::default();
    };
    let code = match status.code.as_ref().filter(|code| !code.is_null()) {
        None => StatusCode::Unset,
        Some(code) => {
            let number = match code {
                serde_json::Value::Number(number) => number.as_u64(),
                serde_json::Value::String(name) => match name.as_str() {
                    "STATUS_CODE_UNSET" => Some(0),
                    "STATUS_CODE_OK" => Some(1),
                    "STATUS_CODE_ERROR" => Some(2),
                    _ => None,
                },
                _ => None,
            };
            match number {
                Some(0) => StatusCode::Unset,
                Some(1) => StatusCode::Ok,
                Some(2) => StatusCode::Error,
                _ => {
                    warnings.push(site, WarningKind::UnknownStatusCode { written: code.to_string() });
                    StatusCode::Unset
                }
            }
        }
    };
    Status { code, message: status.message.unwrap_or_default().into() }
}

/// A uint64 time in nanoseconds; 0 means unknown in OTLP.
fn convert_time(
    time: Option<JsonInt>,
    what: &'static str,
    site: &Site,
    warnings: &mut Warnings,
) -> Option<i64> {
    let JsonInt(ns) = time?;
    if ns == 0 {
        return None;
    }
    match i64::try_from(ns) {
        Ok(ns) if ns > 0 => Some(ns),
        _ => {
            warnings.push(site, WarningKind::TimeOutOfRange { what, written: ns.to_string() });
            None
        }
    }
}

/// Reads OTLP/JSON (`ExportTraceServiceRequest` / `TracesData`). Every resource must have a
/// `service.name` attribute.
pub fn import(text: &str, origin: &str) -> Result<Imported, ImportError> {
    let request: RequestIn = parse(text, origin)?;
    let mut warnings = Warnings::default();
    let mut ids = IdParser::default();
    let mut drafts = Vec::new();
    for (resource_idx, resource_spans) in request.resource_spans.unwrap_or_default().into_iter().enumerate() {
        let resource_path = format!("$.resourceSpans[{resource_idx}]");
        let (service, host) =
            resource_identity(resource_spans.resource, &resource_path, origin, &mut warnings)?;
        for (scope_idx, scope_spans) in resource_spans.scope_spans.unwrap_or_default().into_iter().enumerate()
        {
            for (span_idx, span) in scope_spans.spans.unwrap_or_default().into_iter().enumerate() {
                let path = format!("{resource_path}.scopeSpans[{scope_idx}].spans[{span_idx}]");
                drafts.push(convert_span(span, path, &service, &host, &mut ids, &mut warnings));
            }
        }
    }
    let spans = finish(drafts, &mut warnings);
    Ok(Imported { format: Format::Otlp, spans, warnings: warnings.list })
}

/// `service.name` (required) and `host.name` of a resource; other attributes are reported.
fn resource_identity(
    resource: Option<ResourceIn>,
    path: &str,
    origin: &str,
    warnings: &mut Warnings,
) -> Result<(String, String), ImportError> {
    let resource_path = format!("{path}.resource");
    let site = Site::new(resource_path.clone(), None);
    let attributes = convert_attributes(resource.and_then(|resource| resource.attributes), &site, warnings);
    let mut service = None;
    let mut host = String::new();
    let mut dropped = Vec::new();
    for kv in attributes {
        match kv.key.as_str() {
            "service.name" if service.is_none() => service = Some(kv.value.to_string()),
            "host.name" if host.is_empty() => host = kv.value.to_string(),
            _ => dropped.push(kv.key.to_string()),
        }
    }
    let service = service.filter(|service| !service.is_empty()).ok_or_else(|| {
        ImportError::MissingServiceName { origin: origin.to_owned(), path: resource_path.clone() }
    })?;
    if !dropped.is_empty() {
        warnings.push_at(&resource_path, WarningKind::DroppedResourceAttributes { keys: dropped });
    }
    Ok((service, host))
}

fn convert_span(
    span: SpanIn,
    path: String,
    service: &str,
    host: &str,
    ids: &mut IdParser,
    warnings: &mut Warnings,
) -> Draft {
    let written_id = span.span_id.unwrap_or_default();
    let site = Site::new(path, Some(&written_id));
    let trace_id = ids.trace_id(span.trace_id.as_deref().unwrap_or(""), &site, warnings);
    let span_id = ids.span_id(&written_id, &site, warnings);
    let parent_span_id = ids.parent_span_id(span.parent_span_id.as_deref(), &site, warnings);
    let kind = convert_kind(span.kind.as_ref(), &site, warnings);
    let start_ns = convert_time(span.start_time_unix_nano, "start time", &site, warnings);
    let end_ns = convert_time(span.end_time_unix_nano, "end time", &site, warnings);
    let attributes = convert_attributes(span.attributes, &site, warnings);
    let events = span
        .events
        .unwrap_or_default()
        .into_iter()
        .map(|event| Event {
            time_ns: convert_time(event.time_unix_nano, "event time", &site, warnings)
                .or(start_ns)
                .unwrap_or(0),
            name: event.name.unwrap_or_default().into(),
            attributes: convert_attributes(event.attributes, &site, warnings),
        })
        .collect();
    let links = span
        .links
        .unwrap_or_default()
        .into_iter()
        .map(|link| Link {
            trace_id: ids.trace_id(link.trace_id.as_deref().unwrap_or(""), &site, warnings),
            span_id: ids.span_id(link.span_id.as_deref().unwrap_or(""), &site, warnings),
            attributes: convert_attributes(link.attributes, &site, warnings),
        })
        .collect();
    let status = convert_status(span.status, &site, warnings);
    Draft {
        span: Span {
            trace_id,
            span_id,
            parent_span_id,
            name: span.name.unwrap_or_default().into(),
            kind,
            service: service.to_owned().into(),
            host: host.to_owned().into(),
            start_ns: 0,
            end_ns: 0,
            status,
            attributes,
            events,
            links,
            traceparent: None,
            truth: None,
        },
        site,
        start_ns,
        duration_ns: start_ns.zip(end_ns).map(|(start, end)| end - start),
    }
}
