//! Jaeger JSON: the query API / UI model (`{"data":[trace...]}`, or a bare trace object).
//!
//! Times are microseconds. The span kind travels in the `span.kind` tag and the status in the
//! `error`, `otel.status_code` and `otel.status_description` tags, as Jaeger's OTLP translator
//! writes them; the parent is a `CHILD_OF` reference and links are further references.

use std::collections::BTreeMap;

use serde::Deserialize;

use std::borrow::Cow;

use super::common::{
    Draft, Drafts, Field, IdParser, JsonInt, NO_REF, Resources, Site, SpanFields, Warnings,
    attribute_from_json, finish, micros, ns_to_us, parse, parse_float_text, parse_int_text, strip_bom,
    take_scope_tags, unknown_service,
};
use super::json_in::JsonValue;
use super::json_out::{Array, Object};
use super::{Format, ImportError, ImportWarning, Imported, WarningKind};
use reqflow_core::ids::{SpanId, TraceId};
use reqflow_core::text::{Interner, Text};
use reqflow_core::trace::{
    AttributeValue, Event, KeyValue, Link, Resource, ResourceData, Span, SpanKind, Status, StatusCode,
};

/// The link attribute that records an OpenTracing reference type (`child_of`, `follows_from`).
pub const REF_TYPE_ATTRIBUTE: &str = "opentracing.ref_type";

// ---------------------------------------------------------------------------------------------
// Export

const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// A tag: `{"key": …, "type": …, "value": …}`.
fn write_tag(out: &mut Array<'_>, key: &str, value: &AttributeValue) {
    out.object(|out| {
        out.string("key", key);
        out.string(
            "type",
            match value {
                AttributeValue::Str(_) => "string",
                AttributeValue::Bool(_) => "bool",
                AttributeValue::Int(_) => "int64",
                AttributeValue::Float(_) => "float64",
            },
        );
        match value {
            AttributeValue::Str(text) => out.string("value", text),
            AttributeValue::Bool(flag) => out.bool("value", *flag),
            AttributeValue::Int(int) if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(int) => {
                out.int("value", *int);
            }
            // int64 beyond 2^53 (JavaScript numbers would round it), as Jaeger writes it.
            AttributeValue::Int(int) => out.display("value", int),
            AttributeValue::Float(float) => out.float("value", *float),
        }
    });
}

/// A string tag: `{"key": …, "type": "string", "value": …}`.
fn write_str_tag(out: &mut Array<'_>, key: &str, value: &str) {
    out.object(|out| {
        out.string("key", key);
        out.string("type", "string");
        out.string("value", value);
    });
}

fn write_reference(out: &mut Array<'_>, ref_type: &str, trace_id: TraceId, span_id: SpanId) {
    out.object(|out| {
        out.string("refType", ref_type);
        out.display("traceID", trace_id);
        out.display("spanID", span_id);
    });
}

fn write_span(out: &mut Object<'_>, span: &Span, process_number: usize) {
    out.display("traceID", span.trace_id);
    out.display("spanID", span.span_id);
    out.string("operationName", &span.name);
    out.array("references", |out| {
        if let Some(parent) = span.parent_span_id {
            write_reference(out, "CHILD_OF", span.trace_id, parent);
        }
        for link in &span.links {
            let child_of = link.attributes.iter().any(|kv| {
                kv.key == REF_TYPE_ATTRIBUTE
                    && matches!(&kv.value, AttributeValue::Str(text) if text == "child_of")
            });
            let ref_type = if child_of { "CHILD_OF" } else { "FOLLOWS_FROM" };
            write_reference(out, ref_type, link.trace_id, link.span_id);
        }
    });
    let start_us = ns_to_us(span.start_ns);
    out.int("startTime", start_us);
    out.int("duration", ns_to_us(span.end_ns) - start_us);
    out.array("tags", |out| {
        for kv in &span.attributes {
            write_tag(out, &kv.key, &kv.value);
        }
        let resource = span.resource.data();
        if !resource.scope_name.is_empty() {
            write_str_tag(out, "otel.scope.name", &resource.scope_name);
        }
        if !resource.scope_version.is_empty() {
            write_str_tag(out, "otel.scope.version", &resource.scope_version);
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
    });
    out.array("logs", |out| {
        for event in &span.events {
            out.object(|out| {
                out.int("timestamp", ns_to_us(event.time_ns));
                out.array("fields", |out| {
                    write_str_tag(out, "event", &event.name);
                    for kv in &event.attributes {
                        write_tag(out, &kv.key, &kv.value);
                    }
                });
            });
        }
    });
    out.display("processID", format_args!("p{process_number}"));
    out.null("warnings");
}

/// Whether two spans run in the same process: service, host and resource attributes.
fn same_process(a: &Span, b: &Span) -> bool {
    a.service == b.service
        && a.host == b.host
        && (a.resource.same_allocation(&b.resource) || a.resource.attributes() == b.resource.attributes())
}

/// A process's tags: `host.name` (unless a `hostname` tag, as Jaeger clients write it, says the
/// same), then the resource attributes.
fn write_process_tags(out: &mut Array<'_>, span: &Span) {
    let attributes = span.resource.attributes();
    let named = attributes.iter().any(|kv| {
        kv.key == "hostname" && matches!(&kv.value, AttributeValue::Str(host) if *host == span.host)
    });
    if !span.host.is_empty() && !named {
        write_str_tag(out, "host.name", &span.host);
    }
    for kv in attributes {
        write_tag(out, &kv.key, &kv.value);
    }
}

/// Writes Jaeger JSON as the UI's "Download JSON" does: `{"data":[...]}` with one entry per trace
/// id (in order of first appearance), processes `p1`, `p2`... per (service, host, resource
/// attributes), the instrumentation scope as the span tags `otel.scope.name` and
/// `otel.scope.version`, times in microseconds (rounded down). Links become `FOLLOWS_FROM`
/// references (`CHILD_OF` when their `opentracing.ref_type` attribute says `child_of`);
/// references carry no attributes. A root span with a link into its own trace comes back with
/// that link as its parent: Jaeger has no other way to tell them apart. Pretty-printed;
/// [`export_compact`](crate::export_compact) writes it without whitespace.
pub fn export(spans: &[Span]) -> String {
    crate::export(spans, Format::Jaeger)
}

/// The `data` entries of `spans`, one per trace id (see [`export`]).
pub(crate) fn write_traces(out: &mut Array<'_>, spans: &[Span]) {
    let mut traces: Vec<(TraceId, Vec<&Span>)> = Vec::new();
    for span in spans {
        match traces.iter_mut().find(|(trace_id, _)| *trace_id == span.trace_id) {
            Some((_, members)) => members.push(span),
            None => traces.push((span.trace_id, vec![span])),
        }
    }
    for (trace_id, members) in traces {
        out.object(|out| write_trace(out, trace_id, &members));
    }
}

/// A trace: its spans, then its processes.
fn write_trace(out: &mut Object<'_>, trace_id: TraceId, members: &[&Span]) {
    out.display("traceID", trace_id);
    // One span of each process, in order of first appearance.
    let mut processes: Vec<&Span> = Vec::new();
    out.array("spans", |out| {
        let mut last = 0;
        for span in members {
            let process_idx = if processes.get(last).is_some_and(|process| same_process(process, span)) {
                last
            } else {
                match processes.iter().position(|process| same_process(process, span)) {
                    Some(process_idx) => process_idx,
                    None => {
                        processes.push(span);
                        processes.len() - 1
                    }
                }
            };
            last = process_idx;
            out.object(|out| write_span(out, span, process_idx + 1));
        }
    });
    out.object("processes", |out| {
        for (process_idx, process) in processes.iter().enumerate() {
            out.object(&format!("p{}", process_idx + 1), |out| {
                out.string("serviceName", &process.service);
                out.array("tags", |out| write_process_tags(out, process));
            });
        }
    });
    out.null("warnings");
}

// ---------------------------------------------------------------------------------------------
// Import

// The file is read into these structs (strings borrowed from the file unless they have escapes,
// tag values as typed scalars) by the step reader in `jaeger/stream.rs`, or, when that refuses
// the file, by serde's derived readers (`read_with_serde`): serde's error messages are the ones
// the import policy quotes. Either way, the same code converts them into spans.

mod stream;

pub(crate) use stream::Stream;

/// Either the query API envelope (`data`, `errors`) or a bare trace.
#[derive(Deserialize)]
struct DocumentIn<'a> {
    #[serde(default, borrow)]
    data: Option<Vec<TraceIn<'a>>>,
    #[serde(default)]
    errors: Option<Vec<serde_json::Value>>,
    #[serde(default, borrow, rename = "traceID")]
    trace_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    spans: Option<Vec<SpanIn<'a>>>,
    #[serde(default, borrow)]
    processes: Option<BTreeMap<String, ProcessIn<'a>>>,
    #[serde(default)]
    warnings: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
struct TraceIn<'a> {
    #[serde(default, borrow, rename = "traceID")]
    trace_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    spans: Option<Vec<SpanIn<'a>>>,
    #[serde(default, borrow)]
    processes: Option<BTreeMap<String, ProcessIn<'a>>>,
    #[serde(default)]
    warnings: Option<Vec<serde_json::Value>>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpanIn<'a> {
    #[serde(default, borrow, rename = "traceID")]
    trace_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, rename = "spanID")]
    span_id: Option<Cow<'a, str>>,
    /// Deprecated field of old Jaeger JSON, used when there are no references.
    #[serde(default, borrow, rename = "parentSpanID")]
    parent_span_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    operation_name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    references: Option<Vec<ReferenceIn<'a>>>,
    #[serde(default)]
    start_time: Option<JsonInt>,
    #[serde(default)]
    duration: Option<JsonInt>,
    #[serde(default, borrow)]
    tags: Option<Vec<TagIn<'a>>>,
    #[serde(default, borrow)]
    logs: Option<Vec<LogIn<'a>>>,
    #[serde(default, borrow, rename = "processID")]
    process_id: Option<Cow<'a, str>>,
    /// The UI embeds the process in each span it has loaded.
    #[serde(default, borrow)]
    process: Option<ProcessIn<'a>>,
    #[serde(default)]
    warnings: Option<Vec<serde_json::Value>>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReferenceIn<'a> {
    #[serde(default, borrow)]
    ref_type: Option<Cow<'a, str>>,
    #[serde(default, borrow, rename = "traceID")]
    trace_id: Option<Cow<'a, str>>,
    #[serde(default, borrow, rename = "spanID")]
    span_id: Option<Cow<'a, str>>,
}

#[derive(Default, Deserialize)]
struct TagIn<'a> {
    #[serde(default, borrow)]
    key: Option<Cow<'a, str>>,
    #[serde(default, borrow, rename = "type")]
    value_type: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    value: JsonValue<'a>,
}

#[derive(Default, Deserialize)]
struct LogIn<'a> {
    #[serde(default)]
    timestamp: Option<JsonInt>,
    #[serde(default, borrow)]
    fields: Option<Vec<TagIn<'a>>>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProcessIn<'a> {
    #[serde(default, borrow)]
    service_name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    tags: Option<Vec<TagIn<'a>>>,
}

/// A tag's declared `type`, matched without regard to case.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Declared {
    String,
    Bool,
    Int64,
    Float64,
    Binary,
    /// No type, or one Jaeger does not define.
    Other,
}

impl Declared {
    fn of(written: Option<&str>) -> Declared {
        let Some(written) = written else { return Declared::Other };
        [
            ("string", Declared::String),
            ("bool", Declared::Bool),
            ("int64", Declared::Int64),
            ("float64", Declared::Float64),
            ("binary", Declared::Binary),
        ]
        .into_iter()
        .find_map(|(name, declared)| written.eq_ignore_ascii_case(name).then_some(declared))
        .unwrap_or(Declared::Other)
    }
}

/// A tag as a typed attribute, honouring the declared `type` and Jaeger's quirks (int64 as a
/// string, bools as strings, binary as base64).
///
/// `recent` is the key and string value last read at the same position of a tag list (files
/// repeat the same tags in the same order span after span: a comparison instead of a lookup).
fn convert_tag(
    tag: TagIn<'_>,
    site: &Site,
    field: Field,
    warnings: &mut Warnings,
    texts: &mut Interner,
    recent: &mut (Text, Text),
) -> KeyValue {
    let key = tag.key.as_deref().map_or_else(Text::default, |key| texts.intern_like(key, &mut recent.0));
    let declared = Declared::of(tag.value_type.as_deref());
    let value = tag.value;
    let converted = match (declared, &value) {
        (Declared::String | Declared::Other, JsonValue::Str(text)) => {
            Some(AttributeValue::Str(texts.intern_like(text, &mut recent.1)))
        }
        (Declared::Bool, JsonValue::Bool(flag)) => Some(AttributeValue::Bool(*flag)),
        (Declared::Bool, JsonValue::Str(text)) => {
            if text.eq_ignore_ascii_case("true") {
                Some(AttributeValue::Bool(true))
            } else if text.eq_ignore_ascii_case("false") {
                Some(AttributeValue::Bool(false))
            } else {
                None
            }
        }
        (Declared::Int64, JsonValue::Number(number)) => number.as_i64().map(AttributeValue::Int),
        (Declared::Int64, JsonValue::Str(text)) => {
            parse_int_text(text).and_then(|int| i64::try_from(int).ok()).map(AttributeValue::Int)
        }
        (Declared::Float64, JsonValue::Number(number)) => number.as_f64().map(AttributeValue::Float),
        (Declared::Float64, JsonValue::Str(text)) => parse_float_text(text).map(AttributeValue::Float),
        (Declared::Binary, JsonValue::Str(base64)) => {
            warnings.push(
                site,
                field,
                WarningKind::AttributeAsText { key: key.to_string(), what: "binary (base64)" },
            );
            Some(AttributeValue::Str(Text::new(base64)))
        }
        (Declared::Other, JsonValue::Bool(flag)) => Some(AttributeValue::Bool(*flag)),
        // No type, or one Jaeger does not define: go by the JSON value.
        (Declared::Other, other) => Some(attribute_from_json(&key, &other.to_value(), site, field, warnings)),
        _ => None,
    };
    let value = converted.unwrap_or_else(|| {
        let json = value.to_value();
        let text = match &value {
            JsonValue::Str(text) => text.to_string(),
            _ => json.to_string(),
        };
        warnings.push(
            site,
            field,
            WarningKind::AttributeTypeMismatch {
                key: key.to_string(),
                declared: tag.value_type.as_deref().unwrap_or_default().to_ascii_lowercase(),
                value: json.to_string(),
            },
        );
        AttributeValue::Str(text.into())
    });
    KeyValue { key, value }
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
        Some(value) => {
            // (Only a string can name a kind: a bool or number never does.)
            let named =
                |name: &str| matches!(&value, AttributeValue::Str(text) if text.eq_ignore_ascii_case(name));
            if named("client") {
                SpanKind::Client
            } else if named("server") {
                SpanKind::Server
            } else if named("producer") {
                SpanKind::Producer
            } else if named("consumer") {
                SpanKind::Consumer
            } else if named("internal") {
                SpanKind::Internal
            } else {
                warnings.push(site, TAGS, WarningKind::UnknownSpanKind { written: value.to_string() });
                SpanKind::Internal
            }
        }
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
            _ => warnings.push(site, TAGS, WarningKind::UnknownStatusCode { written: written.to_string() }),
        }
    }
    let message = match take(attributes, "otel.status_description") {
        Some(AttributeValue::Str(text)) => text,
        Some(other) => Text::from(other.to_string()),
        None => Text::default(),
    };
    (kind, Status { code, message })
}

/// A span's (or a process's) tags, in warnings.
const TAGS: Field = Field::new(".tags");

/// A process: its service (if it names one), host (`host.name` or the Jaeger clients'
/// `hostname` tag) and the rest of its tags (`hostname` among them), and the span resources made
/// of it so far, by scope.
#[derive(Default)]
struct Process {
    service: Option<Text>,
    host: Text,
    attributes: Vec<KeyValue>,
    resources: Vec<(Text, Text, Resource)>,
}

impl Process {
    /// The resource of this process's spans of the scope `(name, version)`.
    fn resource(&mut self, scope: (Text, Text)) -> Resource {
        if let Some((_, _, resource)) =
            self.resources.iter().find(|(name, version, _)| (name, version) == (&scope.0, &scope.1))
        {
            return resource.clone();
        }
        let resource = Resource::new(ResourceData {
            attributes: self.attributes.clone(),
            scope_name: scope.0.clone(),
            scope_version: scope.1.clone(),
            scope_attributes: Vec::new(),
        });
        self.resources.push((scope.0, scope.1, resource.clone()));
        resource
    }
}

fn convert_process(
    process: ProcessIn<'_>,
    site: &Site,
    warnings: &mut Warnings,
    texts: &mut Interner,
) -> Process {
    let mut host = Text::default();
    let mut attributes = Vec::new();
    for (tag_idx, tag) in process.tags.into_iter().flatten().enumerate() {
        let kv = convert_tag(
            tag,
            site,
            Field::item(".tags", tag_idx, ""),
            warnings,
            texts,
            &mut Default::default(),
        );
        match kv.key.as_str() {
            "host.name" if host.is_empty() => host = texts.intern(&kv.value.to_string()),
            "hostname" => {
                if host.is_empty() {
                    host = texts.intern(&kv.value.to_string());
                }
                attributes.push(kv);
            }
            _ => attributes.push(kv),
        }
    }
    let service =
        process.service_name.filter(|service| !service.is_empty()).map(|service| texts.intern(&service));
    Process { service, host, attributes, resources: Vec::new() }
}

/// A process without a service name gets `unknown_service` (with a warning at `site`/`field`).
fn name_service(process: &mut Process, site: &Site, field: Field, warnings: &mut Warnings) {
    if process.service.is_none() {
        let service = unknown_service(&process.attributes);
        warnings.push(site, field, WarningKind::MissingServiceName { service: service.clone() });
        process.service = Some(Text::from(service));
    }
}

fn file_warnings(
    written: Option<Vec<serde_json::Value>>,
    site: &Site,
    list: &'static str,
    warnings: &mut Warnings,
    error: bool,
) {
    for (idx, value) in written.into_iter().flatten().enumerate() {
        let text = match value {
            serde_json::Value::String(text) => text,
            other => other.to_string(),
        };
        let kind = if error { WarningKind::ErrorInFile { text } } else { WarningKind::InFile { text } };
        warnings.push(site, Field::item(list, idx, ""), kind);
    }
}

/// The names of a span's fields in Jaeger JSON, for warnings.
const SPAN_FIELDS: SpanFields = SpanFields {
    span_id: Field::new(".spanID"),
    parent: Field::new(".parentSpanID"),
    parent_ref: Some((".references", ".spanID")),
    start: Field::new(".startTime"),
    end: Field::new(".duration"),
};

/// Reads Jaeger JSON: the query API / UI download envelope `{"data":[trace...]}` or a bare trace
/// object `{traceID, spans, processes}`.
pub fn import(text: &str, origin: &str) -> Result<Imported, ImportError> {
    let text = strip_bom(text);
    let mut stream = Stream::new(text.len(), false);
    if let Some(imported) = stream.read_all(text) {
        return Ok(imported);
    }
    read_with_serde(text, origin)
}

/// [`import`] with serde's derived readers: for a file the step reader refuses (serde says what
/// is wrong with it, in the words the import policy quotes, or reads a layout the step reader
/// does not follow).
pub(super) fn read_with_serde(text: &str, origin: &str) -> Result<Imported, ImportError> {
    let document: DocumentIn<'_> = parse(text, origin)?;
    let mut reader = Reader::default();
    reader.errors(document.errors);
    let traces: Vec<(String, TraceIn<'_>)> = match document.data {
        Some(data) => data
            .into_iter()
            .enumerate()
            .map(|(trace_idx, trace)| (format!("$.data[{trace_idx}]"), trace))
            .collect(),
        None => vec![(
            "$".to_owned(),
            TraceIn {
                trace_id: document.trace_id,
                spans: document.spans,
                processes: document.processes,
                warnings: document.warnings,
            },
        )],
    };
    for (trace_path, trace) in traces {
        let mut reading = TraceReader::new(Text::from(trace_path), &reader);
        reading.trace_id(trace.trace_id);
        reading.warnings = trace.warnings;
        for (process_id, process) in trace.processes.unwrap_or_default() {
            reading.process(Cow::Owned(process_id), process, &mut reader);
        }
        for span in trace.spans.unwrap_or_default() {
            // (Never gives up: the trace's own id is known.)
            reading.span(span, &mut reader).ok();
        }
        reading.end(&mut reader);
    }
    Ok(reader.finish())
}

/// The step reader cannot go on (a layout it does not follow): the file is left to serde.
#[derive(Debug)]
pub(crate) struct GiveUp;

/// What converting a file's spans needs besides the spans: the warnings so far, the id parser,
/// the string interner, the resources shared across processes, and the spans read so far.
#[derive(Default)]
struct Reader {
    warnings: Warnings,
    /// The errors the file itself reports (its `errors`): the first warnings, wherever they are.
    errors: Warnings,
    ids: IdParser,
    texts: Interner,
    resources: Resources,
    drafts: Drafts,
    /// The key and string value last read at each position of a span's tags.
    recent: Vec<(Text, Text)>,
    /// The trace id last read (the spans of a trace and their references repeat it).
    last_trace_id: LastTraceId,
    /// The references of the span being converted (a list reused from span to span).
    references: Vec<Reference>,
    /// The tags of the span being converted, before its kind, status and scope are taken out of
    /// them (a list reused from span to span: the span keeps a list of its attributes' size,
    /// where converting into its own list left room for 3–5 tags more in every span).
    tags: Vec<KeyValue>,
}

/// A trace id as written and as read: the next one written the same way is the same id, and
/// the id parser has nothing new to say about it (it warns once per id as written).
#[derive(Default)]
struct LastTraceId {
    written: String,
    trace_id: Option<TraceId>,
}

impl LastTraceId {
    fn read(
        &mut self,
        written: &str,
        ids: &mut IdParser,
        site: &Site,
        field: Field,
        warnings: &mut Warnings,
    ) -> TraceId {
        if let Some(trace_id) = self.trace_id.filter(|_| self.written == written) {
            return trace_id;
        }
        let trace_id = ids.trace_id(written, site, field, warnings);
        self.written.clear();
        self.written.push_str(written);
        self.trace_id = Some(trace_id);
        trace_id
    }
}

/// A span's reference, read.
struct Reference {
    ref_type: Text,
    trace_id: TraceId,
    span_id: SpanId,
}

impl Reader {
    fn errors(&mut self, errors: Option<Vec<serde_json::Value>>) {
        file_warnings(errors, &Site::new("$".to_owned(), None), ".errors", &mut self.errors, true);
    }

    fn finish(self) -> Imported {
        let Reader { mut warnings, errors, drafts, .. } = self;
        if !errors.list.is_empty() {
            warnings.list.splice(0..0, errors.list);
        }
        let (spans, parents) = finish(drafts, &mut warnings, &SPAN_FIELDS);
        Imported { format: Format::Jaeger, spans, warnings: warnings.list, parents }
    }
}

/// A span of the trace being read, converted but for its process (service, host and resource).
struct Pending {
    process_id: Option<Text>,
    /// A process embedded in the span (as the UI writes it), converted, with the warnings that
    /// gave: used when `process_id` names no process of the trace.
    embedded: Option<(Process, Vec<ImportWarning>)>,
    /// Where the warnings about its process go (after those about its ids).
    warn_at: usize,
    scope: (Text, Text),
}

/// One trace of the file being read. Its spans are converted as they are read, except for their
/// process, which is only known once the trace's `processes` have been read (they usually come
/// after the spans): the spans wait for it in the drafts, and the warnings about the processes
/// are put where a reading of the whole trace at once would have written them (the trace's own
/// warnings, then its processes' in the order of their ids, then each span's).
struct TraceReader {
    path: Text,
    /// The trace-level `traceID` as written (for spans without their own), once read.
    trace_id: Option<Option<String>>,
    warnings: Option<Vec<serde_json::Value>>,
    /// By id as written, in the order read, with the warnings their tags gave.
    processes: Vec<(String, Process, Vec<ImportWarning>)>,
    first_draft: usize,
    first_warning: usize,
    pending: Vec<Pending>,
}

impl TraceReader {
    fn new(path: Text, reader: &Reader) -> TraceReader {
        TraceReader {
            path,
            trace_id: None,
            warnings: None,
            processes: Vec::new(),
            first_draft: reader.drafts.len(),
            first_warning: reader.warnings.list.len(),
            pending: Vec::new(),
        }
    }

    fn trace_id(&mut self, written: Option<Cow<'_, str>>) {
        self.trace_id = Some(written.map(Cow::into_owned));
    }

    fn process(&mut self, process_id: Cow<'_, str>, process: ProcessIn<'_>, reader: &mut Reader) {
        let site = Site::new(format!("{}.processes.{process_id}", self.path), None);
        let mut warnings = Warnings::default();
        let process = convert_process(process, &site, &mut warnings, &mut reader.texts);
        self.processes.push((process_id.into_owned(), process, warnings.list));
    }

    /// Converts a span but for its process. `GiveUp` when the span has no trace id of its own
    /// and the trace's has not been read yet.
    fn span(&mut self, mut span: SpanIn<'_>, reader: &mut Reader) -> Result<(), GiveUp> {
        let trace_id = match (&span.trace_id, &self.trace_id) {
            (Some(written), _) => written.as_ref(),
            (None, Some(written)) => written.as_deref().unwrap_or(""),
            (None, None) => return Err(GiveUp),
        };
        let written_id = span.span_id.as_deref().unwrap_or("");
        let site = Site::item(&self.path, ".spans", self.pending.len(), written_id);
        let warnings = &mut reader.warnings;
        let trace_id =
            reader.last_trace_id.read(trace_id, &mut reader.ids, &site, Field::new(".traceID"), warnings);
        let span_id = reader.ids.span_id(written_id, &site, SPAN_FIELDS.span_id, warnings);
        let warn_at = warnings.list.len();
        let embedded = span.process.take().map(|process| {
            let mut warnings = Warnings::default();
            let process = convert_process(process, &site, &mut warnings, &mut reader.texts);
            (process, warnings.list)
        });
        let process_id = span.process_id.take().map(|process_id| reader.texts.intern(&process_id));
        let (draft, scope) = convert_span(span, site, trace_id, span_id, reader);
        reader.drafts.push(draft);
        self.pending.push(Pending { process_id, embedded, warn_at, scope });
        Ok(())
    }

    /// The trace is read: its spans get their processes, and the warnings about the trace and
    /// its processes go where they belong.
    fn end(self, reader: &mut Reader) {
        let TraceReader { path, warnings, mut processes, first_draft, first_warning, pending, .. } = self;
        let mut head = Warnings::default();
        file_warnings(warnings, &Site::new(path.to_string(), None), ".warnings", &mut head, false);
        // As a map: the last of one id counts, in the order of the ids.
        processes.reverse();
        processes.sort_by(|a, b| a.0.cmp(&b.0));
        processes.dedup_by(|later, first| later.0 == first.0);
        let mut by_id: Vec<(String, Process)> = Vec::with_capacity(processes.len());
        for (process_id, mut process, tag_warnings) in processes {
            head.list.extend(tag_warnings);
            let site = Site::new(format!("{path}.processes.{process_id}"), None);
            name_service(&mut process, &site, Field::new(".serviceName"), &mut head);
            by_id.push((process_id, process));
        }
        let mut inserts: Vec<(usize, Vec<ImportWarning>)> = vec![(first_warning, head.list)];
        let mut last: Option<(Text, usize)> = None;
        for (pending_idx, pending) in pending.into_iter().enumerate() {
            let span_idx = first_draft + pending_idx;
            let found = pending.process_id.as_ref().and_then(|process_id| match &last {
                Some((last_id, process_idx)) if last_id.same_allocation(process_id) => Some(*process_idx),
                _ => by_id.binary_search_by(|(id, _)| id.as_str().cmp(process_id.as_str())).ok(),
            });
            let mut embedded = None;
            let process = match found {
                Some(process_idx) => {
                    last = pending.process_id.map(|process_id| (process_id, process_idx));
                    &mut by_id[process_idx].1
                }
                None => {
                    // The UI embeds the process in the span; without one, the service is unknown.
                    let site = &reader.drafts.marks[span_idx].site;
                    let field =
                        if pending.embedded.is_some() { ".process.serviceName" } else { ".processID" };
                    let (mut process, mut warnings) = pending.embedded.unwrap_or_default();
                    let mut named = Warnings::default();
                    name_service(&mut process, site, Field::new(field), &mut named);
                    warnings.extend(named.list);
                    inserts.push((pending.warn_at, warnings));
                    embedded.insert(process)
                }
            };
            let resource = if process.resources.len() < 8 {
                process.resource(pending.scope)
            } else {
                // Many scopes in one process: shared through the file-wide table instead.
                reader.resources.get(ResourceData {
                    attributes: process.attributes.clone(),
                    scope_name: pending.scope.0,
                    scope_version: pending.scope.1,
                    scope_attributes: Vec::new(),
                })
            };
            let span = &mut reader.drafts.spans[span_idx];
            span.service = process.service.clone().unwrap_or_default();
            span.host = process.host.clone();
            span.resource = resource;
        }
        insert_warnings(&mut reader.warnings.list, inserts);
    }
}

/// Inserts each list of `inserts` at its position in `list` (positions in `list` as it is, in
/// increasing order).
fn insert_warnings(list: &mut Vec<ImportWarning>, inserts: Vec<(usize, Vec<ImportWarning>)>) {
    if inserts.iter().all(|(_, warnings)| warnings.is_empty()) {
        return;
    }
    let from = inserts[0].0;
    let mut tail = list.split_off(from).into_iter();
    let mut at = from;
    for (position, warnings) in inserts {
        while at < position {
            list.extend(tail.next());
            at += 1;
        }
        list.extend(warnings);
    }
    list.extend(tail);
}

/// A span of a trace, but for its process: the draft, and the span's scope (from its tags).
fn convert_span(
    span: SpanIn<'_>,
    site: Site,
    trace_id: TraceId,
    span_id: SpanId,
    reader: &mut Reader,
) -> (Draft, (Text, Text)) {
    let Reader { warnings, ids, texts, recent, last_trace_id, references, tags: converted, .. } = reader;
    // References: the parent is the first same-trace CHILD_OF, else the first same-trace
    // FOLLOWS_FROM; the others become links.
    references.clear();
    for (ref_idx, reference) in span.references.unwrap_or_default().into_iter().enumerate() {
        let ref_type = match reference.ref_type.as_deref() {
            Some(written) if written.bytes().any(|byte| byte.is_ascii_uppercase()) => {
                texts.intern(&written.to_ascii_lowercase())
            }
            Some(written) => texts.intern(written),
            None => Text::default(),
        };
        let ref_trace_id = reference.trace_id.map_or(trace_id, |written| {
            let field = Field::item(".references", ref_idx, ".traceID");
            last_trace_id.read(&written, ids, &site, field, warnings)
        });
        let ref_span_id = ids.span_id(
            reference.span_id.as_deref().unwrap_or(""),
            &site,
            Field::item(".references", ref_idx, ".spanID"),
            warnings,
        );
        references.push(Reference { ref_type, trace_id: ref_trace_id, span_id: ref_span_id });
    }
    let parent_idx = ["child_of", "follows_from"].iter().find_map(|wanted| {
        references
            .iter()
            .position(|reference| reference.ref_type == *wanted && reference.trace_id == trace_id)
    });
    let mut parent_span_id = parent_idx.map(|ref_idx| references[ref_idx].span_id);
    if references.is_empty() {
        parent_span_id =
            ids.parent_span_id(span.parent_span_id.as_deref(), &site, SPAN_FIELDS.parent, warnings);
    }
    let parent_ref = parent_idx.map_or(NO_REF, |ref_idx| ref_idx as u32);
    let mut links = Vec::new();
    for (ref_idx, reference) in references.drain(..).enumerate() {
        if Some(ref_idx) == parent_idx {
            continue;
        }
        if !matches!(reference.ref_type.as_str(), "child_of" | "follows_from") {
            warnings.push(
                &site,
                Field::item(".references", ref_idx, ".refType"),
                WarningKind::UnknownReferenceType { written: reference.ref_type.to_string() },
            );
        }
        links.push(Link {
            trace_id: reference.trace_id,
            span_id: reference.span_id,
            attributes: vec![KeyValue::new(REF_TYPE_ATTRIBUTE, reference.ref_type)],
        });
    }

    let tags = span.tags.unwrap_or_default();
    if recent.len() < tags.len() {
        recent.resize(tags.len(), Default::default());
    }
    converted.clear();
    converted.extend(tags.into_iter().zip(recent.iter_mut()).enumerate().map(|(tag_idx, (tag, recent))| {
        convert_tag(tag, &site, Field::item(".tags", tag_idx, ""), warnings, texts, recent)
    }));
    let (kind, status) = kind_and_status(converted, &site, warnings);
    let scope = take_scope_tags(converted);
    let mut attributes = Vec::with_capacity(converted.len());
    attributes.append(converted);
    let start_ns = micros(span.start_time, "start time", &site, SPAN_FIELDS.start, warnings);
    let duration_ns = micros(span.duration, "duration", &site, SPAN_FIELDS.end, warnings);
    let events = span
        .logs
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(log_idx, log)| {
            let mut fields: Vec<KeyValue> = log
                .fields
                .unwrap_or_default()
                .into_iter()
                .map(|tag| {
                    let field = Field::item(".logs", log_idx, ".fields");
                    convert_tag(tag, &site, field, warnings, texts, &mut Default::default())
                })
                .collect();
            let name = match take(&mut fields, "event") {
                Some(AttributeValue::Str(text)) => text,
                Some(other) => texts.intern(&other.to_string()),
                None => Text::default(),
            };
            let time = micros(
                log.timestamp,
                "log timestamp",
                &site,
                Field::item(".logs", log_idx, ".timestamp"),
                warnings,
            );
            Event { time_ns: time.or(start_ns).unwrap_or(0), name, attributes: fields }
        })
        .collect();
    file_warnings(span.warnings, &site, ".warnings", warnings, false);
    let name = span.operation_name.as_deref().map_or_else(Text::default, |name| texts.intern(name));
    let draft = Draft {
        span: Span {
            trace_id,
            span_id,
            parent_span_id,
            name,
            kind,
            service: Text::default(),
            host: Text::default(),
            resource: Resource::default(),
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
        parent_ref,
    };
    (draft, scope)
}
