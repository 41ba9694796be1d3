//! Jaeger JSON: the query API / UI model (`{"data":[trace...]}`, or a bare trace object).
//!
//! Times are microseconds. The span kind travels in the `span.kind` tag and the status in the
//! `error`, `otel.status_code` and `otel.status_description` tags, as Jaeger's OTLP translator
//! writes them; the parent is a `CHILD_OF` reference and links are further references.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::common::{
    Draft, Drafts, IdParser, JsonInt, Site, Warnings, attribute_from_json, finish, ns_to_us, parse,
    parse_float_text, parse_int_text, us_to_ns,
};
use super::json_out::JsonOut;
use super::{Format, ImportError, Imported, WarningKind};
use crate::ids::{SpanId, TraceId};
use crate::text::Text;
use crate::trace::{AttributeValue, Event, KeyValue, Link, Span, SpanKind, Status, StatusCode};

/// The link attribute that records an OpenTracing reference type (`child_of`, `follows_from`).
pub const REF_TYPE_ATTRIBUTE: &str = "opentracing.ref_type";

// ---------------------------------------------------------------------------------------------
// Export

const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// A tag: `{"key": …, "type": …, "value": …}`.
fn write_tag(out: &mut JsonOut, key: &str, value: &AttributeValue) {
    out.item();
    out.open(b'{');
    out.key("key");
    out.string(key);
    out.key("type");
    out.string(match value {
        AttributeValue::Str(_) => "string",
        AttributeValue::Bool(_) => "bool",
        AttributeValue::Int(_) => "int64",
        AttributeValue::Float(_) => "float64",
    });
    out.key("value");
    match value {
        AttributeValue::Str(text) => out.string(text),
        AttributeValue::Bool(flag) => out.literal(if *flag { "true" } else { "false" }),
        AttributeValue::Int(int) if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(int) => out.raw(int),
        // int64 beyond 2^53 (JavaScript numbers would round it), as Jaeger writes it.
        AttributeValue::Int(int) => out.text(int),
        AttributeValue::Float(float) => out.float(*float),
    }
    out.close(b'}');
}

fn write_str_tag(out: &mut JsonOut, key: &str, value: &str) {
    write_tag(out, key, &AttributeValue::Str(Text::from(value.to_owned())));
}

fn write_reference(out: &mut JsonOut, ref_type: &str, trace_id: TraceId, span_id: SpanId) {
    out.item();
    out.open(b'{');
    out.key("refType");
    out.string(ref_type);
    out.key("traceID");
    out.text(trace_id);
    out.key("spanID");
    out.text(span_id);
    out.close(b'}');
}

fn write_span(out: &mut JsonOut, span: &Span, process_number: usize) {
    out.item();
    out.open(b'{');
    out.key("traceID");
    out.text(span.trace_id);
    out.key("spanID");
    out.text(span.span_id);
    out.key("operationName");
    out.string(&span.name);
    out.key("references");
    out.open(b'[');
    if let Some(parent) = span.parent_span_id {
        write_reference(out, "CHILD_OF", span.trace_id, parent);
    }
    for link in &span.links {
        let child_of = link.attributes.iter().any(|kv| {
            kv.key == REF_TYPE_ATTRIBUTE
                && matches!(&kv.value, AttributeValue::Str(text) if text == "child_of")
        });
        write_reference(out, if child_of { "CHILD_OF" } else { "FOLLOWS_FROM" }, link.trace_id, link.span_id);
    }
    out.close(b']');
    let start_us = ns_to_us(span.start_ns);
    out.key("startTime");
    out.raw(start_us);
    out.key("duration");
    out.raw(ns_to_us(span.end_ns) - start_us);
    out.key("tags");
    out.open(b'[');
    for kv in &span.attributes {
        write_tag(out, &kv.key, &kv.value);
    }
    write_str_tag(out, "span.kind", span.kind.as_str());
    match span.status.code {
        StatusCode::Unset => {}
        StatusCode::Ok => write_str_tag(out, "otel.status_code", "OK"),
        StatusCode::Error => {
            write_str_tag(out, "otel.status_code", "ERROR");
            write_tag(out, "error", &AttributeValue::Bool(true));
        }
    }
    if !span.status.message.is_empty() {
        write_str_tag(out, "otel.status_description", &span.status.message);
    }
    out.close(b']');
    out.objects("logs", &span.events, |out, event| {
        out.key("timestamp");
        out.raw(ns_to_us(event.time_ns));
        out.key("fields");
        out.open(b'[');
        write_str_tag(out, "event", &event.name);
        for kv in &event.attributes {
            write_tag(out, &kv.key, &kv.value);
        }
        out.close(b']');
    });
    out.key("processID");
    out.text(format_args!("p{process_number}"));
    out.key("warnings");
    out.literal("null");
    out.close(b'}');
}

/// Writes Jaeger JSON as the UI's "Download JSON" does: `{"data":[...]}` with one entry per trace
/// id (in order of first appearance), processes `p1`, `p2`... per (service, host), times in
/// microseconds (rounded down). Links become `FOLLOWS_FROM` references (`CHILD_OF` when their
/// `opentracing.ref_type` attribute says `child_of`); references carry no attributes. A root span
/// with a link into its own trace comes back with that link as its parent: Jaeger has no other
/// way to tell them apart.
pub fn export(spans: &[Span]) -> String {
    let mut traces: Vec<(TraceId, Vec<&Span>)> = Vec::new();
    for span in spans {
        match traces.iter_mut().find(|(trace_id, _)| *trace_id == span.trace_id) {
            Some((_, members)) => members.push(span),
            None => traces.push((span.trace_id, vec![span])),
        }
    }
    let mut out = JsonOut::pretty();
    out.open(b'{');
    out.key("data");
    out.open(b'[');
    for (trace_id, members) in traces {
        out.item();
        out.open(b'{');
        out.key("traceID");
        out.text(trace_id);
        out.key("spans");
        out.open(b'[');
        let mut processes: Vec<(&str, &str)> = Vec::new();
        for span in members {
            let key = (span.service.as_str(), span.host.as_str());
            let process_idx = match processes.iter().position(|process| *process == key) {
                Some(process_idx) => process_idx,
                None => {
                    processes.push(key);
                    processes.len() - 1
                }
            };
            write_span(&mut out, span, process_idx + 1);
        }
        out.close(b']');
        out.key("processes");
        out.open(b'{');
        for (process_idx, (service, host)) in processes.into_iter().enumerate() {
            out.key(&format!("p{}", process_idx + 1));
            out.open(b'{');
            out.key("serviceName");
            out.string(service);
            out.key("tags");
            out.open(b'[');
            if !host.is_empty() {
                write_str_tag(&mut out, "host.name", host);
            }
            out.close(b']');
            out.close(b'}');
        }
        out.close(b'}');
        out.key("warnings");
        out.literal("null");
        out.close(b'}');
    }
    out.close(b']');
    out.close(b'}');
    out.finish()
}

// ---------------------------------------------------------------------------------------------
// Import

/// Either the query API envelope (`data`, `errors`) or a bare trace.
#[derive(Deserialize)]
struct DocumentIn {
    #[serde(default)]
    data: Option<Vec<TraceIn>>,
    #[serde(default)]
    errors: Option<Vec<serde_json::Value>>,
    #[serde(default, rename = "traceID")]
    trace_id: Option<String>,
    #[serde(default)]
    spans: Option<Vec<SpanIn>>,
    #[serde(default)]
    processes: Option<BTreeMap<String, ProcessIn>>,
    #[serde(default)]
    warnings: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
struct TraceIn {
    #[serde(default, rename = "traceID")]
    trace_id: Option<String>,
    #[serde(default)]
    spans: Option<Vec<SpanIn>>,
    #[serde(default)]
    processes: Option<BTreeMap<String, ProcessIn>>,
    #[serde(default)]
    warnings: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpanIn {
    #[serde(default, rename = "traceID")]
    trace_id: Option<String>,
    #[serde(default, rename = "spanID")]
    span_id: Option<String>,
    /// Deprecated field of old Jaeger JSON, used when there are no references.
    #[serde(default, rename = "parentSpanID")]
    parent_span_id: Option<String>,
    #[serde(default)]
    operation_name: Option<String>,
    #[serde(default)]
    references: Option<Vec<ReferenceIn>>,
    #[serde(default)]
    start_time: Option<JsonInt>,
    #[serde(default)]
    duration: Option<JsonInt>,
    #[serde(default)]
    tags: Option<Vec<TagIn>>,
    #[serde(default)]
    logs: Option<Vec<LogIn>>,
    #[serde(default, rename = "processID")]
    process_id: Option<String>,
    /// The UI embeds the process in each span it has loaded.
    #[serde(default)]
    process: Option<ProcessIn>,
    #[serde(default)]
    warnings: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReferenceIn {
    #[serde(default)]
    ref_type: Option<String>,
    #[serde(default, rename = "traceID")]
    trace_id: Option<String>,
    #[serde(default, rename = "spanID")]
    span_id: Option<String>,
}

#[derive(Deserialize)]
struct TagIn {
    #[serde(default)]
    key: Option<String>,
    #[serde(default, rename = "type")]
    value_type: Option<String>,
    #[serde(default)]
    value: serde_json::Value,
}

#[derive(Deserialize)]
struct LogIn {
    #[serde(default)]
    timestamp: Option<JsonInt>,
    #[serde(default)]
    fields: Option<Vec<TagIn>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProcessIn {
    #[serde(default)]
    service_name: Option<String>,
    #[serde(default)]
    tags: Option<Vec<TagIn>>,
}

/// Service name used when a span's process is unknown.
const UNKNOWN_SERVICE: &str = "unknown_service";

/// A tag as a typed attribute, honouring the declared `type` and Jaeger's quirks (int64 as a
/// string, bools as strings, binary as base64).
fn convert_tag(tag: TagIn, site: &Site, warnings: &mut Warnings) -> KeyValue {
    let key = tag.key.unwrap_or_default();
    let declared = tag.value_type.map(|declared| declared.to_ascii_lowercase());
    let value = tag.value;
    let converted = match (declared.as_deref(), &value) {
        (Some("string"), serde_json::Value::String(text)) => Some(AttributeValue::Str(text.clone().into())),
        (Some("bool"), serde_json::Value::Bool(flag)) => Some(AttributeValue::Bool(*flag)),
        (Some("bool"), serde_json::Value::String(text)) => match text.to_ascii_lowercase().as_str() {
            "true" => Some(AttributeValue::Bool(true)),
            "false" => Some(AttributeValue::Bool(false)),
            _ => None,
        },
        (Some("int64"), serde_json::Value::Number(number)) => number.as_i64().map(AttributeValue::Int),
        (Some("int64"), serde_json::Value::String(text)) => {
            parse_int_text(text).and_then(|int| i64::try_from(int).ok()).map(AttributeValue::Int)
        }
        (Some("float64"), serde_json::Value::Number(number)) => number.as_f64().map(AttributeValue::Float),
        (Some("float64"), serde_json::Value::String(text)) => {
            parse_float_text(text).map(AttributeValue::Float)
        }
        (Some("binary"), serde_json::Value::String(base64)) => {
            warnings.push(site, WarningKind::AttributeAsText { key: key.clone(), what: "binary (base64)" });
            Some(AttributeValue::Str(base64.clone().into()))
        }
        (Some("string" | "bool" | "int64" | "float64" | "binary"), _) => None,
        // No type, or one Jaeger does not define: go by the JSON value.
        _ => Some(attribute_from_json(&key, &value, site, warnings)),
    };
    let value = converted.unwrap_or_else(|| {
        let text = match &value {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        warnings.push(
            site,
            WarningKind::AttributeTypeMismatch {
                key: key.clone(),
                declared: declared.unwrap_or_default(),
                value: value.to_string(),
            },
        );
        AttributeValue::Str(text.into())
    });
    KeyValue { key: key.into(), value }
}

fn take(attributes: &mut Vec<KeyValue>, key: &str) -> Option<AttributeValue> {
    let position = attributes.iter().position(|kv| kv.key == key)?;
    Some(attributes.remove(position).value)
}

/// Moves `span.kind` and the status tags out of the attributes.
fn kind_and_status(
    attributes: &mut Vec<KeyValue>,
    site: &Site,
    warnings: &mut Warnings,
) -> (SpanKind, Status) {
    let kind = match take(attributes, "span.kind") {
        None => SpanKind::Internal,
        Some(value) => match value.to_string().to_ascii_lowercase().as_str() {
            "client" => SpanKind::Client,
            "server" => SpanKind::Server,
            "producer" => SpanKind::Producer,
            "consumer" => SpanKind::Consumer,
            "internal" => SpanKind::Internal,
            _ => {
                warnings.push(site, WarningKind::UnknownSpanKind { written: value.to_string() });
                SpanKind::Internal
            }
        },
    };
    let error_tag = attributes
        .iter()
        .position(|kv| {
            kv.key == "error"
                && match &kv.value {
                    AttributeValue::Bool(_) => true,
                    AttributeValue::Str(text) => {
                        text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false")
                    }
                    _ => false,
                }
        })
        .map(|position| attributes.remove(position).value);
    let error_flag = matches!(&error_tag, Some(AttributeValue::Bool(true)))
        || matches!(&error_tag, Some(AttributeValue::Str(text)) if text.eq_ignore_ascii_case("true"));
    let mut code = if error_flag { StatusCode::Error } else { StatusCode::Unset };
    if let Some(written) = take(attributes, "otel.status_code") {
        match written.to_string().to_ascii_uppercase().as_str() {
            "OK" => code = StatusCode::Ok,
            "ERROR" => code = StatusCode::Error,
            "UNSET" => {}
            _ => warnings.push(site, WarningKind::UnknownStatusCode { written: written.to_string() }),
        }
    }
    let message =
        take(attributes, "otel.status_description").map(|value| value.to_string()).unwrap_or_default();
    (kind, Status { code, message: message.into() })
}

/// Service, host and the attribute keys that have no place, of a process.
struct Process {
    service: Option<String>,
    host: String,
    dropped: Vec<String>,
}

fn convert_process(process: ProcessIn, site: &Site, warnings: &mut Warnings) -> Process {
    let mut host = String::new();
    let mut dropped = Vec::new();
    for tag in process.tags.into_iter().flatten() {
        let kv = convert_tag(tag, site, warnings);
        match kv.key.as_str() {
            "host.name" | "hostname" if host.is_empty() => host = kv.value.to_string(),
            _ => dropped.push(kv.key.to_string()),
        }
    }
    Process { service: process.service_name.filter(|service| !service.is_empty()), host, dropped }
}

fn file_warnings(written: Option<Vec<serde_json::Value>>, site: &Site, warnings: &mut Warnings, error: bool) {
    for value in written.into_iter().flatten() {
        let text = match value {
            serde_json::Value::String(text) => text,
            other => other.to_string(),
        };
        let kind = if error { WarningKind::ErrorInFile { text } } else { WarningKind::InFile { text } };
        warnings.push(site, kind);
    }
}

/// Reads Jaeger JSON: the query API / UI download envelope `{"data":[trace...]}` or a bare trace
/// object `{traceID, spans, processes}`.
pub fn import(text: &str, origin: &str) -> Result<Imported, ImportError> {
    let document: DocumentIn = parse(text, origin)?;
    let mut warnings = Warnings::default();
    let mut ids = IdParser::default();
    let mut drafts = Drafts::default();
    let traces: Vec<(String, TraceIn)> = match document.data {
        Some(data) => {
            for (error_idx, error) in document.errors.into_iter().flatten().enumerate() {
                file_warnings(
                    Some(vec![error]),
                    &Site::new(format!("$.errors[{error_idx}]"), None),
                    &mut warnings,
                    true,
                );
            }
            data.into_iter()
                .enumerate()
                .map(|(trace_idx, trace)| (format!("$.data[{trace_idx}]"), trace))
                .collect()
        }
        None => {
            file_warnings(document.errors, &Site::new("$.errors".to_owned(), None), &mut warnings, true);
            vec![(
                "$".to_owned(),
                TraceIn {
                    trace_id: document.trace_id,
                    spans: document.spans,
                    processes: document.processes,
                    warnings: document.warnings,
                },
            )]
        }
    };
    for (trace_path, trace) in traces {
        import_trace(trace, &trace_path, &mut ids, &mut warnings, &mut drafts);
    }
    let (spans, parents) = finish(drafts, &mut warnings);
    Ok(Imported { format: Format::Jaeger, spans, warnings: warnings.list, parents })
}

fn import_trace(
    trace: TraceIn,
    trace_path: &str,
    ids: &mut IdParser,
    warnings: &mut Warnings,
    drafts: &mut Drafts,
) {
    let trace_site = Site::new(trace_path.to_owned(), None);
    file_warnings(trace.warnings, &trace_site, warnings, false);
    // Service and host as shared text: every span of a process clones them without copying.
    let mut processes: BTreeMap<String, (Option<Text>, Text)> = BTreeMap::new();
    for (process_id, process) in trace.processes.unwrap_or_default() {
        let site = Site::new(format!("{trace_path}.processes.{process_id}"), None);
        let process = convert_process(process, &site, warnings);
        if !process.dropped.is_empty() {
            warnings.push(&site, WarningKind::DroppedResourceAttributes { keys: process.dropped.clone() });
        }
        processes.insert(process_id, (process.service.map(Text::from), Text::from(process.host)));
    }
    let spans_prefix = Text::new(trace_path);
    let trace_level_id = trace.trace_id.unwrap_or_default();
    for (span_idx, mut span) in trace.spans.unwrap_or_default().into_iter().enumerate() {
        let written_id = span.span_id.clone().unwrap_or_default();
        let site = Site::item(&spans_prefix, ".spans", span_idx, &written_id);
        let written_trace_id = span.trace_id.clone().unwrap_or_else(|| trace_level_id.clone());
        let trace_id = ids.trace_id(&written_trace_id, &site, warnings);
        let span_id = ids.span_id(&written_id, &site, warnings);
        let process = match span.process_id.as_ref().and_then(|process_id| processes.get(process_id)) {
            Some((service, host)) => Some((service.clone(), host.clone())),
            None => span.process.take().map(|embedded| {
                let process = convert_process(embedded, &site, warnings);
                (process.service.map(Text::from), Text::from(process.host))
            }),
        };
        let (service, host) = match process {
            Some((Some(service), host)) => (service, host),
            Some((None, host)) => (missing_service(&site, warnings), host),
            None => (missing_service(&site, warnings), Text::default()),
        };
        drafts.push(convert_span(span, site, trace_id, span_id, service, host, ids, warnings));
    }
}

fn missing_service(site: &Site, warnings: &mut Warnings) -> Text {
    warnings.push(site, WarningKind::MissingServiceName { service: UNKNOWN_SERVICE.to_owned() });
    Text::from_static(UNKNOWN_SERVICE)
}

/// A time in microseconds as nanoseconds, `None` (with a warning) when it does not fit.
fn micros(value: Option<JsonInt>, what: &'static str, site: &Site, warnings: &mut Warnings) -> Option<i64> {
    let JsonInt(us) = value?;
    let ns = us_to_ns(us);
    if ns.is_none() {
        warnings.push(site, WarningKind::TimeOutOfRange { what, written: us.to_string() });
    }
    ns
}

#[allow(clippy::too_many_arguments)]
fn convert_span(
    span: SpanIn,
    site: Site,
    trace_id: TraceId,
    span_id: SpanId,
    service: Text,
    host: Text,
    ids: &mut IdParser,
    warnings: &mut Warnings,
) -> Draft {
    // References: the parent is the first same-trace CHILD_OF, else the first same-trace
    // FOLLOWS_FROM; the others become links.
    struct Reference {
        ref_type: String,
        trace_id: TraceId,
        span_id: SpanId,
    }
    let references: Vec<Reference> = span
        .references
        .unwrap_or_default()
        .into_iter()
        .map(|reference| Reference {
            ref_type: reference.ref_type.unwrap_or_default().to_ascii_lowercase(),
            trace_id: reference.trace_id.map_or(trace_id, |written| ids.trace_id(&written, &site, warnings)),
            span_id: ids.span_id(reference.span_id.as_deref().unwrap_or(""), &site, warnings),
        })
        .collect();
    let parent_idx = ["child_of", "follows_from"].iter().find_map(|wanted| {
        references
            .iter()
            .position(|reference| reference.ref_type == *wanted && reference.trace_id == trace_id)
    });
    let mut parent_span_id = parent_idx.map(|ref_idx| references[ref_idx].span_id);
    if references.is_empty() {
        parent_span_id = ids.parent_span_id(span.parent_span_id.as_deref(), &site, warnings);
    }
    let mut links = Vec::new();
    for (ref_idx, reference) in references.into_iter().enumerate() {
        if Some(ref_idx) == parent_idx {
            continue;
        }
        if !matches!(reference.ref_type.as_str(), "child_of" | "follows_from") {
            warnings.push(&site, WarningKind::UnknownReferenceType { written: reference.ref_type.clone() });
        }
        links.push(Link {
            trace_id: reference.trace_id,
            span_id: reference.span_id,
            attributes: vec![KeyValue::new(REF_TYPE_ATTRIBUTE, reference.ref_type)],
        });
    }

    let mut attributes: Vec<KeyValue> =
        span.tags.unwrap_or_default().into_iter().map(|tag| convert_tag(tag, &site, warnings)).collect();
    let (kind, status) = kind_and_status(&mut attributes, &site, warnings);
    let start_ns = micros(span.start_time, "start time", &site, warnings);
    let duration_ns = micros(span.duration, "duration", &site, warnings);
    let events = span
        .logs
        .unwrap_or_default()
        .into_iter()
        .map(|log| {
            let mut fields: Vec<KeyValue> = log
                .fields
                .unwrap_or_default()
                .into_iter()
                .map(|tag| convert_tag(tag, &site, warnings))
                .collect();
            let name = take(&mut fields, "event").map(|value| value.to_string()).unwrap_or_default();
            Event {
                time_ns: micros(log.timestamp, "log timestamp", &site, warnings).or(start_ns).unwrap_or(0),
                name: name.into(),
                attributes: fields,
            }
        })
        .collect();
    file_warnings(span.warnings, &site, warnings, false);
    Draft {
        span: Span {
            trace_id,
            span_id,
            parent_span_id,
            name: span.operation_name.unwrap_or_default().into(),
            kind,
            service,
            host,
            resource: Default::default(),
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
        duration_ns,
    }
}
