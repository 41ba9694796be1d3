//! OTLP/JSON: `ExportTraceServiceRequest` (the same JSON as `TracesData`) following the OTLP
//! specification's JSON mapping: lowerCamelCase keys, trace and span ids as hex (not base64, as
//! protobuf's own JSON mapping would write them; ids in base64 are read too, with a warning),
//! enums as integers, 64-bit integers as decimal strings.
//!
//! Export goes through serde; import through a hand-written scanner (`scan`), which is several
//! times faster than serde's generic visitors in the size-optimised browser build (a 100,000-span
//! file is 48 MB of JSON) and smaller in the bundle.

use std::borrow::Cow;
use std::ops::Range;

use super::common::{
    Draft, Field, IdParser, JsonFloat, JsonInt, NO_REF, Site, SpanFields, Warnings, finish, strip_bom,
    unknown_service,
};
use super::json_out::JsonOut;
use super::{Format, ImportError, Imported, WarningKind};
use crate::text::{Interner, Text};
use crate::trace::{
    AttributeValue, Event, KeyValue, Link, Resource, ResourceData, Span, SpanKind, Status, StatusCode,
};

pub(super) mod scan;

pub(crate) use scan::stream::Stream;

/// The instrumentation scope written on export.
pub const SCOPE_NAME: &str = "reqflow";
/// The scope version written on export: this crate's version.
pub const SCOPE_VERSION: &str = env!("CARGO_PKG_VERSION");

// ---------------------------------------------------------------------------------------------
// Export

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

/// uint64 nanoseconds (as a decimal string): times before the epoch (not representable) become 0.
fn nanos(ns: i64) -> i64 {
    ns.max(0)
}

/// `"key": [attributes]`, unless there are none (`always`: even then).
fn write_attributes(out: &mut JsonOut, key: &str, attributes: &[KeyValue], always: bool) {
    if attributes.is_empty() && !always {
        return;
    }
    out.objects(key, attributes, |out, kv| {
        out.key("key");
        out.string(&kv.key);
        out.key("value");
        out.open(b'{');
        match &kv.value {
            AttributeValue::Str(text) => {
                out.key("stringValue");
                out.string(text);
            }
            AttributeValue::Bool(flag) => {
                out.key("boolValue");
                out.literal(if *flag { "true" } else { "false" });
            }
            AttributeValue::Int(int) => {
                out.key("intValue");
                out.text(int);
            }
            AttributeValue::Float(float) => {
                out.key("doubleValue");
                out.float(*float);
            }
        }
        out.close(b'}');
    });
}

fn write_span(out: &mut JsonOut, span: &Span) {
    out.open(b'{');
    out.key("traceId");
    out.text(span.trace_id);
    out.key("spanId");
    out.text(span.span_id);
    if let Some(parent) = span.parent_span_id {
        out.key("parentSpanId");
        out.text(parent);
    }
    out.key("name");
    out.string(&span.name);
    out.key("kind");
    out.raw(kind_number(span.kind));
    out.key("startTimeUnixNano");
    out.text(nanos(span.start_ns));
    out.key("endTimeUnixNano");
    out.text(nanos(span.end_ns));
    write_attributes(out, "attributes", &span.attributes, false);
    if !span.events.is_empty() {
        out.objects("events", &span.events, |out, event| {
            out.key("timeUnixNano");
            out.text(nanos(event.time_ns));
            out.key("name");
            out.string(&event.name);
            write_attributes(out, "attributes", &event.attributes, false);
        });
    }
    if !span.links.is_empty() {
        out.objects("links", &span.links, |out, link| {
            out.key("traceId");
            out.text(link.trace_id);
            out.key("spanId");
            out.text(link.span_id);
            write_attributes(out, "attributes", &link.attributes, false);
        });
    }
    if span.status.code != StatusCode::Unset || !span.status.message.is_empty() {
        out.key("status");
        out.open(b'{');
        if span.status.code != StatusCode::Unset {
            out.key("code");
            out.raw(status_code_number(span.status.code));
        }
        if !span.status.message.is_empty() {
            out.key("message");
            out.string(&span.status.message);
        }
        out.close(b'}');
    }
    out.close(b'}');
}

/// Whether two spans come from the same resource (service, host and the other attributes).
fn same_resource(a: &Span, b: &Span) -> bool {
    a.service == b.service
        && a.host == b.host
        && (a.resource.same_allocation(&b.resource) || a.resource.attributes() == b.resource.attributes())
}

/// Whether two spans of one resource come from the same instrumentation scope.
fn same_scope(a: &Span, b: &Span) -> bool {
    if a.resource.same_allocation(&b.resource) {
        return true;
    }
    let (a, b) = (a.resource.data(), b.resource.data());
    a.scope_name == b.scope_name
        && a.scope_version == b.scope_version
        && a.scope_attributes == b.scope_attributes
}

/// Spans grouped by resource, then by scope, each in order of first appearance.
type Groups<'a> = Vec<Vec<Vec<&'a Span>>>;

fn group(spans: &[Span]) -> Groups<'_> {
    let mut groups: Groups<'_> = Vec::new();
    // Neighbouring spans mostly share their resource and scope: try the last group first.
    let mut last: Option<(usize, usize)> = None;
    for span in spans {
        if let Some((resource_idx, scope_idx)) = last {
            let members = &mut groups[resource_idx][scope_idx];
            if same_resource(members[0], span) && same_scope(members[0], span) {
                members.push(span);
                continue;
            }
        }
        let resource_idx = match groups.iter().position(|scopes| same_resource(scopes[0][0], span)) {
            Some(resource_idx) => resource_idx,
            None => {
                groups.push(Vec::new());
                groups.len() - 1
            }
        };
        let scopes = &mut groups[resource_idx];
        let scope_idx = match scopes.iter().position(|members| same_scope(members[0], span)) {
            Some(scope_idx) => {
                scopes[scope_idx].push(span);
                scope_idx
            }
            None => {
                scopes.push(vec![span]);
                scopes.len() - 1
            }
        };
        last = Some((resource_idx, scope_idx));
    }
    groups
}

/// Writes an OTLP/JSON `ExportTraceServiceRequest`: one `resourceSpans` entry per resource
/// (`service.name`, `host.name` and the span's other resource attributes) in order of first
/// appearance, and in it one `scopeSpans` entry per instrumentation scope holding its spans in
/// the given order. Spans without a resource (simulated ones) are written under the scope
/// [`SCOPE_NAME`], [`SCOPE_VERSION`]. Times are uint64 in OTLP: a time before the epoch is written
/// as 0.
pub fn export(spans: &[Span]) -> String {
    write(spans, JsonOut::pretty())
}

/// [`export`]'s document, written into `out` (pretty or compact).
pub(super) fn write(spans: &[Span], mut out: JsonOut) -> String {
    out.open(b'{');
    out.key("resourceSpans");
    out.open(b'[');
    for scopes in group(spans) {
        let first = scopes[0][0];
        let mut attributes = vec![KeyValue::new("service.name", first.service.clone())];
        if !first.host.is_empty() {
            attributes.push(KeyValue::new("host.name", first.host.clone()));
        }
        attributes.extend_from_slice(first.resource.attributes());
        out.item();
        out.open(b'{');
        out.key("resource");
        out.open(b'{');
        write_attributes(&mut out, "attributes", &attributes, true);
        out.close(b'}');
        out.key("scopeSpans");
        out.open(b'[');
        for members in scopes {
            out.item();
            out.open(b'{');
            out.key("scope");
            out.open(b'{');
            let resource = &members[0].resource;
            let data = resource.data();
            let (name, version) = if resource.is_empty() {
                (SCOPE_NAME, SCOPE_VERSION)
            } else {
                (data.scope_name.as_str(), data.scope_version.as_str())
            };
            for (key, value) in [("name", name), ("version", version)] {
                if !value.is_empty() {
                    out.key(key);
                    out.string(value);
                }
            }
            write_attributes(&mut out, "attributes", &data.scope_attributes, false);
            out.close(b'}');
            out.key("spans");
            out.open(b'[');
            for span in members {
                out.item();
                write_span(&mut out, span);
            }
            out.close(b']');
            out.close(b'}');
        }
        out.close(b']');
        out.close(b'}');
    }
    out.close(b']');
    out.close(b'}');
    out.finish()
}

// ---------------------------------------------------------------------------------------------
// Import

// The scanner (`scan`) reads each span into these structs, which hold what the file says, before
// converting it: a warning names the span by its id, which may come after the fields it is about.
// Strings borrow from the file unless they have escapes; attribute lists are ranges into the
// scanner's list of key-value pairs for the span, which is reused from span to span.

/// Attributes: `range` in the scanner's key-value list.
type KeyValuesIn = Range<usize>;

#[derive(Default)]
struct ResourceIn {
    attributes: Option<KeyValuesIn>,
}

#[derive(Default)]
struct ScopeIn<'a> {
    name: Option<Cow<'a, str>>,
    version: Option<Cow<'a, str>>,
    attributes: Option<KeyValuesIn>,
}

#[derive(Default)]
struct SpanIn<'a> {
    trace_id: Option<Cow<'a, str>>,
    span_id: Option<Cow<'a, str>>,
    parent_span_id: Option<Cow<'a, str>>,
    name: Option<Cow<'a, str>>,
    kind: Option<serde_json::Value>,
    start_time_unix_nano: Option<JsonInt>,
    end_time_unix_nano: Option<JsonInt>,
    attributes: Option<KeyValuesIn>,
    events: Option<Vec<EventIn<'a>>>,
    links: Option<Vec<LinkIn<'a>>>,
    status: Option<StatusIn<'a>>,
}

#[derive(Default)]
struct KeyValueIn<'a> {
    key: Option<Cow<'a, str>>,
    value: ValueIn<'a>,
}

/// An attribute's value as read: the usual kinds directly, anything else as the whole `AnyValue`
/// (boxed: rare, and large).
#[derive(Default)]
enum ValueIn<'a> {
    /// No value, or `null`.
    #[default]
    Absent,
    Str(Cow<'a, str>),
    Bool(bool),
    Int(i64),
    Other(Box<AnyValueIn<'a>>),
}

impl<'a> From<AnyValueIn<'a>> for ValueIn<'a> {
    /// The value that counts: a string first, then a bool, then an integer (as in
    /// [`Reader::value`]).
    fn from(mut value: AnyValueIn<'a>) -> ValueIn<'a> {
        if let Some(text) = value.string_value.take() {
            return ValueIn::Str(text);
        }
        if let Some(flag) = value.bool_value {
            return ValueIn::Bool(flag);
        }
        match value.int_value.map(|JsonInt(int)| i64::try_from(int)) {
            Some(Ok(int)) => ValueIn::Int(int),
            _ => ValueIn::Other(Box::new(value)),
        }
    }
}

/// An `AnyValue`: one of these is expected; when there are several, the first in this order
/// counts.
#[derive(Default)]
struct AnyValueIn<'a> {
    string_value: Option<Cow<'a, str>>,
    bool_value: Option<bool>,
    int_value: Option<JsonInt>,
    double_value: Option<JsonFloat>,
    bytes_value: Option<Cow<'a, str>>,
    array_value: Option<serde_json::Value>,
    kvlist_value: Option<serde_json::Value>,
}

#[derive(Default)]
struct EventIn<'a> {
    time_unix_nano: Option<JsonInt>,
    name: Option<Cow<'a, str>>,
    attributes: Option<KeyValuesIn>,
}

#[derive(Default)]
struct LinkIn<'a> {
    trace_id: Option<Cow<'a, str>>,
    span_id: Option<Cow<'a, str>>,
    attributes: Option<KeyValuesIn>,
}

#[derive(Default)]
struct StatusIn<'a> {
    code: Option<serde_json::Value>,
    message: Option<Cow<'a, str>>,
}

/// What converting spans needs besides the span: the warnings so far, the id parser and the
/// string interner.
#[derive(Default)]
struct Reader {
    warnings: Warnings,
    ids: IdParser,
    texts: Interner,
    /// The key and string value last read at each position of an attribute list: files repeat
    /// the same keys (and often values) in the same order span after span, and comparing with
    /// the last one is cheaper than looking the text up.
    recent: Vec<(Text, Text)>,
}

impl Reader {
    fn text(&mut self, text: Option<Cow<'_, str>>) -> Text {
        text.map_or_else(Text::default, |text| self.texts.intern(&text))
    }

    fn value(&mut self, key: &str, value: ValueIn<'_>, site: &Site, field: Field) -> AttributeValue {
        let warnings = &mut self.warnings;
        let mut as_text = |what: &'static str, text: String| {
            warnings.push(site, field, WarningKind::AttributeAsText { key: key.to_owned(), what });
            AttributeValue::Str(Text::from(text))
        };
        let value = match value {
            ValueIn::Str(text) => return AttributeValue::Str(self.texts.intern(&text)),
            ValueIn::Bool(flag) => return AttributeValue::Bool(flag),
            ValueIn::Int(int) => return AttributeValue::Int(int),
            ValueIn::Absent => return as_text("an empty value", String::new()),
            ValueIn::Other(value) => *value,
        };
        if let Some(text) = value.string_value {
            AttributeValue::Str(self.texts.intern(&text))
        } else if let Some(flag) = value.bool_value {
            AttributeValue::Bool(flag)
        } else if let Some(JsonInt(int)) = value.int_value {
            match i64::try_from(int) {
                Ok(int) => AttributeValue::Int(int),
                Err(_) => as_text("an integer beyond the int64 range", int.to_string()),
            }
        } else if let Some(JsonFloat(float)) = value.double_value {
            AttributeValue::Float(float)
        } else if let Some(base64) = value.bytes_value {
            as_text("bytes (base64)", base64.into_owned())
        } else if let Some(array) = value.array_value {
            as_text("an array (as JSON)", array.to_string())
        } else if let Some(kvlist) = value.kvlist_value {
            as_text("a key-value list (as JSON)", kvlist.to_string())
        } else {
            as_text("an empty value", String::new())
        }
    }

    /// The attributes at `list` in `kvs` (taken from there); `field` names the list in warnings.
    fn attributes(
        &mut self,
        list: Option<KeyValuesIn>,
        kvs: &mut [KeyValueIn<'_>],
        site: &Site,
        field: Field,
    ) -> Vec<KeyValue> {
        let Some(range) = list else { return Vec::new() };
        if self.recent.len() < range.len() {
            self.recent.resize(range.len(), Default::default());
        }
        kvs[range]
            .iter_mut()
            .zip(0..)
            .map(|(kv, position)| {
                let (recent_key, recent_value) = &mut self.recent[position];
                let key = match kv.key.take() {
                    Some(key) => self.texts.intern_like(&key, recent_key),
                    None => Text::default(),
                };
                let value = match std::mem::take(&mut kv.value) {
                    ValueIn::Str(text) => AttributeValue::Str(self.texts.intern_like(&text, recent_value)),
                    other => self.value(&key, other, site, field),
                };
                KeyValue { key, value }
            })
            .collect()
    }
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
            warnings.push(
                site,
                Field::new(".kind"),
                WarningKind::UnknownSpanKind { written: kind.to_string() },
            );
            SpanKind::Internal
        }
    }
}

fn convert_status(status: Option<StatusIn<'_>>, site: &Site, reader: &mut Reader) -> Status {
    let warnings = &mut reader.warnings;
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
                    warnings.push(
                        site,
                        Field::new(".status.code"),
                        WarningKind::UnknownStatusCode { written: code.to_string() },
                    );
                    StatusCode::Unset
                }
            }
        }
    };
    Status { code, message: reader.text(status.message) }
}

/// A uint64 time in nanoseconds; 0 means unknown in OTLP.
fn convert_time(
    time: Option<JsonInt>,
    what: &'static str,
    site: &Site,
    field: Field,
    warnings: &mut Warnings,
) -> Option<i64> {
    let JsonInt(ns) = time?;
    if ns == 0 {
        return None;
    }
    match i64::try_from(ns) {
        Ok(ns) if ns > 0 => Some(ns),
        _ => {
            warnings.push(site, field, WarningKind::TimeOutOfRange { what, written: ns.to_string() });
            None
        }
    }
}

/// The names of a span's fields in OTLP/JSON, for warnings.
pub(crate) const SPAN_FIELDS: SpanFields = SpanFields {
    span_id: Field::new(".spanId"),
    parent: Field::new(".parentSpanId"),
    parent_ref: None,
    start: Field::new(".startTimeUnixNano"),
    end: Field::new(".endTimeUnixNano"),
};

/// Reads OTLP/JSON (`ExportTraceServiceRequest` / `TracesData`). A resource without
/// `service.name` is attributed to `unknown_service` with a warning, as the OpenTelemetry SDK
/// does.
pub fn import(text: &str, origin: &str) -> Result<Imported, ImportError> {
    let (reader, drafts) = scan::read(strip_bom(text), origin)?;
    let mut warnings = reader.warnings;
    let (spans, parents) = finish(drafts, &mut warnings, &SPAN_FIELDS);
    Ok(Imported { format: Format::Otlp, spans, warnings: warnings.list, parents })
}

/// A resource as read: `service.name` and `host.name` (the span's service and host), and its
/// other attributes.
#[derive(Clone, Debug, Default)]
struct Identity {
    service: Text,
    host: Text,
    attributes: Vec<KeyValue>,
}

/// An instrumentation scope as read.
#[derive(Clone, Debug, Default)]
struct ScopeData {
    name: Text,
    version: Text,
    attributes: Vec<KeyValue>,
}

impl Identity {
    /// The span resource of this resource's spans in `scope`.
    fn resource(&self, scope: Option<&ScopeData>) -> Resource {
        let scope = scope.cloned().unwrap_or_default();
        Resource::new(ResourceData {
            attributes: self.attributes.clone(),
            scope_name: scope.name,
            scope_version: scope.version,
            scope_attributes: scope.attributes,
        })
    }
}

/// `service.name` and `host.name` of a resource, and the rest of its attributes. Without a
/// `service.name`, the service is `unknown_service` (with a warning).
fn resource_identity(
    resource: Option<ResourceIn>,
    kvs: &mut [KeyValueIn<'_>],
    path: &str,
    reader: &mut Reader,
) -> Identity {
    let site = Site::new(format!("{path}.resource"), None);
    let given = resource.is_some();
    let list = resource.and_then(|resource| resource.attributes);
    let mut attributes = reader.attributes(list, kvs, &site, Field::new(".attributes"));
    let mut service = None;
    let mut host = Text::default();
    attributes.retain(|kv| match kv.key.as_str() {
        "service.name" if service.is_none() => {
            service = Some(reader.texts.intern(&kv.value.to_string()));
            false
        }
        "host.name" if host.is_empty() => {
            host = reader.texts.intern(&kv.value.to_string());
            false
        }
        _ => true,
    });
    let service = match service.filter(|service| !service.is_empty()) {
        Some(service) => service,
        None => {
            let fallback = unknown_service(&attributes);
            let (site, field) = if given {
                (site, Field::new(".attributes"))
            } else {
                (Site::new(path.to_owned(), None), Field::new(".resource"))
            };
            reader.warnings.push(&site, field, WarningKind::MissingServiceName { service: fallback.clone() });
            reader.texts.intern(&fallback)
        }
    };
    Identity { service, host, attributes }
}

/// An instrumentation scope (`scope` of a `ScopeSpans`), at `path`. The scope Reqflow's export
/// writes for spans without one ([`SCOPE_NAME`]) reads as none, so that its spans come back as
/// they were.
fn scope_data(scope: ScopeIn<'_>, kvs: &mut [KeyValueIn<'_>], path: &str, reader: &mut Reader) -> ScopeData {
    let site = Site::new(format!("{path}.scope"), None);
    let data = ScopeData {
        name: reader.text(scope.name),
        version: reader.text(scope.version),
        attributes: reader.attributes(scope.attributes, kvs, &site, Field::new(".attributes")),
    };
    if data.name == SCOPE_NAME && data.attributes.is_empty() { ScopeData::default() } else { data }
}

fn convert_span(
    span: SpanIn<'_>,
    kvs: &mut [KeyValueIn<'_>],
    site: Site,
    identity: &Identity,
    resource: Resource,
    reader: &mut Reader,
) -> Draft {
    let warnings = &mut reader.warnings;
    let trace_id =
        reader.ids.trace_id(span.trace_id.as_deref().unwrap_or(""), &site, Field::new(".traceId"), warnings);
    let span_id =
        reader.ids.span_id(span.span_id.as_deref().unwrap_or(""), &site, Field::new(".spanId"), warnings);
    let parent_span_id = reader.ids.parent_span_id(
        span.parent_span_id.as_deref(),
        &site,
        Field::new(".parentSpanId"),
        warnings,
    );
    let kind = convert_kind(span.kind.as_ref(), &site, warnings);
    let start_ns = convert_time(span.start_time_unix_nano, "start time", &site, SPAN_FIELDS.start, warnings);
    let end_ns = convert_time(span.end_time_unix_nano, "end time", &site, SPAN_FIELDS.end, warnings);
    let attributes = reader.attributes(span.attributes, kvs, &site, Field::new(".attributes"));
    let events = span
        .events
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(event_idx, event)| Event {
            time_ns: convert_time(
                event.time_unix_nano,
                "event time",
                &site,
                Field::item(".events", event_idx, ".timeUnixNano"),
                &mut reader.warnings,
            )
            .or(start_ns)
            .unwrap_or(0),
            name: reader.text(event.name),
            attributes: reader.attributes(
                event.attributes,
                kvs,
                &site,
                Field::item(".events", event_idx, ".attributes"),
            ),
        })
        .collect();
    let links = span
        .links
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(link_idx, link)| Link {
            trace_id: reader.ids.trace_id(
                link.trace_id.as_deref().unwrap_or(""),
                &site,
                Field::item(".links", link_idx, ".traceId"),
                &mut reader.warnings,
            ),
            span_id: reader.ids.span_id(
                link.span_id.as_deref().unwrap_or(""),
                &site,
                Field::item(".links", link_idx, ".spanId"),
                &mut reader.warnings,
            ),
            attributes: reader.attributes(
                link.attributes,
                kvs,
                &site,
                Field::item(".links", link_idx, ".attributes"),
            ),
        })
        .collect();
    let status = convert_status(span.status, &site, reader);
    Draft {
        span: Span {
            trace_id,
            span_id,
            parent_span_id,
            name: reader.text(span.name),
            kind,
            service: identity.service.clone(),
            host: identity.host.clone(),
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
        duration_ns: start_ns.zip(end_ns).map(|(start, end)| end - start),
        parent_ref: NO_REF,
    }
}
