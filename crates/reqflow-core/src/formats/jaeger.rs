//! Jaeger JSON: the query API / UI model (`{"data":[trace...]}`, or a bare trace object).
//!
//! Times are microseconds. The span kind travels in the `span.kind` tag and the status in the
//! `error`, `otel.status_code` and `otel.status_description` tags, as Jaeger's OTLP translator
//! writes them; the parent is a `CHILD_OF` reference and links are further references.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::common::{
    Draft, Drafts, Field, IdParser, JsonInt, NO_REF, Resources, Site, SpanFields, Warnings,
    attribute_from_json, finish, micros, ns_to_us, parse, parse_float_text, parse_int_text, take_scope_tags,
    unknown_service,
};
use super::json_out::JsonOut;
use super::{Format, ImportError, Imported, WarningKind};
use crate::ids::{SpanId, TraceId};
use crate::text::Text;
use crate::trace::{
    AttributeValue, Event, KeyValue, Link, Resource, ResourceData, Span, SpanKind, Status, StatusCode,
};

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

/// Whether two spans run in the same process: service, host and resource attributes.
fn same_process(a: &Span, b: &Span) -> bool {
    a.service == b.service
        && a.host == b.host
        && (a.resource.same_allocation(&b.resource) || a.resource.attributes() == b.resource.attributes())
}

/// A process's tags: `host.name` (unless a `hostname` tag, as Jaeger clients write it, says the
/// same), then the resource attributes.
fn write_process_tags(out: &mut JsonOut, span: &Span) {
    out.key("tags");
    out.open(b'[');
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
    out.close(b']');
}

/// Writes Jaeger JSON as the UI's "Download JSON" does: `{"data":[...]}` with one entry per trace
/// id (in order of first appearance), processes `p1`, `p2`... per (service, host, resource
/// attributes), the instrumentation scope as the span tags `otel.scope.name` and
/// `otel.scope.version`, times in microseconds (rounded down). Links become `FOLLOWS_FROM`
/// references (`CHILD_OF` when their `opentracing.ref_type` attribute says `child_of`);
/// references carry no attributes. A root span with a link into its own trace comes back with
/// that link as its parent: Jaeger has no other way to tell them apart.
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
        // One span of each process, in order of first appearance.
        let mut processes: Vec<&Span> = Vec::new();
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
            write_span(&mut out, span, process_idx + 1);
        }
        out.close(b']');
        out.key("processes");
        out.open(b'{');
        for (process_idx, process) in processes.into_iter().enumerate() {
            out.key(&format!("p{}", process_idx + 1));
            out.open(b'{');
            out.key("serviceName");
            out.string(&process.service);
            write_process_tags(&mut out, process);
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

/// A tag as a typed attribute, honouring the declared `type` and Jaeger's quirks (int64 as a
/// string, bools as strings, binary as base64).
fn convert_tag(tag: TagIn, site: &Site, field: Field, warnings: &mut Warnings) -> KeyValue {
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
            warnings.push(
                site,
                field,
                WarningKind::AttributeAsText { key: key.clone(), what: "binary (base64)" },
            );
            Some(AttributeValue::Str(base64.clone().into()))
        }
        (Some("string" | "bool" | "int64" | "float64" | "binary"), _) => None,
        // No type, or one Jaeger does not define: go by the JSON value.
        _ => Some(attribute_from_json(&key, &value, site, field, warnings)),
    };
    let value = converted.unwrap_or_else(|| {
        let text = match &value {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        warnings.push(
            site,
            field,
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
                warnings.push(site, TAGS, WarningKind::UnknownSpanKind { written: value.to_string() });
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
            _ => warnings.push(site, TAGS, WarningKind::UnknownStatusCode { written: written.to_string() }),
        }
    }
    let message =
        take(attributes, "otel.status_description").map(|value| value.to_string()).unwrap_or_default();
    (kind, Status { code, message: message.into() })
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

fn convert_process(process: ProcessIn, site: &Site, warnings: &mut Warnings) -> Process {
    let mut host = Text::default();
    let mut attributes = Vec::new();
    for (tag_idx, tag) in process.tags.into_iter().flatten().enumerate() {
        let kv = convert_tag(tag, site, Field::item(".tags", tag_idx, ""), warnings);
        match kv.key.as_str() {
            "host.name" if host.is_empty() => host = Text::from(kv.value.to_string()),
            "hostname" => {
                if host.is_empty() {
                    host = Text::from(kv.value.to_string());
                }
                attributes.push(kv);
            }
            _ => attributes.push(kv),
        }
    }
    let service = process.service_name.filter(|service| !service.is_empty()).map(Text::from);
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
    let document: DocumentIn = parse(text, origin)?;
    let mut warnings = Warnings::default();
    let mut ids = IdParser::default();
    let mut drafts = Drafts::default();
    let traces: Vec<(String, TraceIn)> = match document.data {
        Some(data) => {
            file_warnings(document.errors, &Site::new("$".to_owned(), None), ".errors", &mut warnings, true);
            data.into_iter()
                .enumerate()
                .map(|(trace_idx, trace)| (format!("$.data[{trace_idx}]"), trace))
                .collect()
        }
        None => {
            file_warnings(document.errors, &Site::new("$".to_owned(), None), ".errors", &mut warnings, true);
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
    let mut resources = Resources::default();
    for (trace_path, trace) in traces {
        import_trace(trace, &trace_path, &mut ids, &mut resources, &mut warnings, &mut drafts);
    }
    let (spans, parents) = finish(drafts, &mut warnings, &SPAN_FIELDS);
    Ok(Imported { format: Format::Jaeger, spans, warnings: warnings.list, parents })
}

fn import_trace(
    trace: TraceIn,
    trace_path: &str,
    ids: &mut IdParser,
    resources: &mut Resources,
    warnings: &mut Warnings,
    drafts: &mut Drafts,
) {
    let trace_site = Site::new(trace_path.to_owned(), None);
    file_warnings(trace.warnings, &trace_site, ".warnings", warnings, false);
    // Service, host and resource as shared values: every span of a process clones them without
    // copying.
    let mut processes: BTreeMap<String, Process> = BTreeMap::new();
    for (process_id, process) in trace.processes.unwrap_or_default() {
        let site = Site::new(format!("{trace_path}.processes.{process_id}"), None);
        let mut process = convert_process(process, &site, warnings);
        name_service(&mut process, &site, Field::new(".serviceName"), warnings);
        processes.insert(process_id, process);
    }
    let spans_prefix = Text::new(trace_path);
    let trace_level_id = trace.trace_id.unwrap_or_default();
    for (span_idx, mut span) in trace.spans.unwrap_or_default().into_iter().enumerate() {
        let written_id = span.span_id.clone().unwrap_or_default();
        let site = Site::item(&spans_prefix, ".spans", span_idx, &written_id);
        let written_trace_id = span.trace_id.clone().unwrap_or_else(|| trace_level_id.clone());
        let trace_id = ids.trace_id(&written_trace_id, &site, Field::new(".traceID"), warnings);
        let span_id = ids.span_id(&written_id, &site, SPAN_FIELDS.span_id, warnings);
        let mut embedded = None;
        let process = match span.process_id.as_ref().and_then(|process_id| processes.get_mut(process_id)) {
            Some(process) => process,
            None => {
                // The UI embeds the process in the span; without one, the service is unknown.
                let field = if span.process.is_some() { ".process.serviceName" } else { ".processID" };
                let mut process = match span.process.take() {
                    Some(written) => convert_process(written, &site, warnings),
                    None => Process::default(),
                };
                name_service(&mut process, &site, Field::new(field), warnings);
                embedded.insert(process)
            }
        };
        drafts.push(convert_span(span, site, trace_id, span_id, process, resources, ids, warnings));
    }
}

#[allow(clippy::too_many_arguments)]
fn convert_span(
    span: SpanIn,
    site: Site,
    trace_id: TraceId,
    span_id: SpanId,
    process: &mut Process,
    resources: &mut Resources,
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
        .enumerate()
        .map(|(ref_idx, reference)| Reference {
            ref_type: reference.ref_type.unwrap_or_default().to_ascii_lowercase(),
            trace_id: reference.trace_id.map_or(trace_id, |written| {
                ids.trace_id(&written, &site, Field::item(".references", ref_idx, ".traceID"), warnings)
            }),
            span_id: ids.span_id(
                reference.span_id.as_deref().unwrap_or(""),
                &site,
                Field::item(".references", ref_idx, ".spanID"),
                warnings,
            ),
        })
        .collect();
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
    for (ref_idx, reference) in references.into_iter().enumerate() {
        if Some(ref_idx) == parent_idx {
            continue;
        }
        if !matches!(reference.ref_type.as_str(), "child_of" | "follows_from") {
            warnings.push(
                &site,
                Field::item(".references", ref_idx, ".refType"),
                WarningKind::UnknownReferenceType { written: reference.ref_type.clone() },
            );
        }
        links.push(Link {
            trace_id: reference.trace_id,
            span_id: reference.span_id,
            attributes: vec![KeyValue::new(REF_TYPE_ATTRIBUTE, reference.ref_type)],
        });
    }

    let mut attributes: Vec<KeyValue> = span
        .tags
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(tag_idx, tag)| convert_tag(tag, &site, Field::item(".tags", tag_idx, ""), warnings))
        .collect();
    let (kind, status) = kind_and_status(&mut attributes, &site, warnings);
    let scope = take_scope_tags(&mut attributes);
    let resource = if process.resources.len() < 8 {
        process.resource(scope)
    } else {
        // Many scopes in one process: shared through the file-wide table instead.
        resources.get(ResourceData {
            attributes: process.attributes.clone(),
            scope_name: scope.0,
            scope_version: scope.1,
            scope_attributes: Vec::new(),
        })
    };
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
                .map(|tag| convert_tag(tag, &site, Field::item(".logs", log_idx, ".fields"), warnings))
                .collect();
            let name = take(&mut fields, "event").map(|value| value.to_string()).unwrap_or_default();
            let time = micros(
                log.timestamp,
                "log timestamp",
                &site,
                Field::item(".logs", log_idx, ".timestamp"),
                warnings,
            );
            Event { time_ns: time.or(start_ns).unwrap_or(0), name: name.into(), attributes: fields }
        })
        .collect();
    file_warnings(span.warnings, &site, ".warnings", warnings, false);
    Draft {
        span: Span {
            trace_id,
            span_id,
            parent_span_id,
            name: span.operation_name.unwrap_or_default().into(),
            kind,
            service: process.service.clone().unwrap_or_default(),
            host: process.host.clone(),
            resource,
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
    }
}
