//! Zipkin v2 JSON: a top-level array of spans.
//!
//! Times are microseconds; tags are strings only. The mapping follows the OpenTelemetry ↔ Zipkin
//! transformation: internal spans have no `kind`; the status goes to the `otel.status_code` and
//! `error` tags; events become annotations (`"name": {attributes as JSON}` when they have
//! attributes); client and producer spans get a `remoteEndpoint` named after `peer.service` or
//! `server.address`. The host name travels in a `host.name` tag.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use super::common::{
    Draft, IdAllocator, IdParser, JsonInt, Seen, Site, Warnings, attribute_from_json, attribute_text, finish,
    ns_to_us, parse, us_to_ns,
};
use super::json_out::JsonOut;
use super::{Format, ImportError, Imported, WarningKind};
use crate::ids::{SpanId, TraceId};
use crate::text::Text;
use crate::trace::{AttributeValue, Event, KeyValue, Span, SpanKind, Status, StatusCode};

// ---------------------------------------------------------------------------------------------
// Export

/// A remote or local endpoint (members left out when unknown).
#[derive(Default)]
struct Endpoint<'a> {
    service_name: Option<&'a str>,
    ipv4: Option<&'a str>,
    ipv6: Option<&'a str>,
    port: Option<u16>,
}

impl Endpoint<'_> {
    fn write(&self, out: &mut JsonOut) {
        out.open(b'{');
        for (key, value) in [("serviceName", self.service_name), ("ipv4", self.ipv4), ("ipv6", self.ipv6)] {
            if let Some(value) = value {
                out.key(key);
                out.string(value);
            }
        }
        if let Some(port) = self.port {
            out.key("port");
            out.raw(port);
        }
        out.close(b'}');
    }
}

/// Attributes that name the remote service, by the OpenTelemetry → Zipkin ranking.
const REMOTE_SERVICE_KEYS: [&str; 5] =
    ["peer.service", "server.address", "net.peer.name", "peer.hostname", "db.name"];

fn remote_endpoint(span: &Span) -> Option<Endpoint<'_>> {
    if !matches!(span.kind, SpanKind::Client | SpanKind::Producer) {
        return None;
    }
    let text_attribute = |key: &str| match span.attribute(key) {
        Some(AttributeValue::Str(text)) if !text.is_empty() => Some(text.as_str()),
        _ => None,
    };
    let service_name = REMOTE_SERVICE_KEYS.iter().find_map(|key| text_attribute(key));
    let address = text_attribute("network.peer.address");
    let ipv4 = address.filter(|address| address.parse::<std::net::Ipv4Addr>().is_ok());
    let ipv6 = address.filter(|address| address.parse::<std::net::Ipv6Addr>().is_ok());
    let port = match span.attribute("network.peer.port") {
        Some(AttributeValue::Int(port)) => u16::try_from(*port).ok(),
        _ => None,
    };
    (service_name.is_some() || ipv4.is_some() || ipv6.is_some()).then_some(Endpoint {
        service_name,
        ipv4,
        ipv6,
        port,
    })
}

/// Sets a tag, replacing an earlier one with the same key (Zipkin tags are a map).
fn set_tag<'a>(tags: &mut Vec<(&'a str, String)>, key: &'a str, value: String) {
    match tags.iter_mut().find(|(existing, _)| *existing == key) {
        Some(slot) => slot.1 = value,
        None => tags.push((key, value)),
    }
}

fn write_span(out: &mut JsonOut, span: &Span) {
    let mut tags: Vec<(&str, String)> = Vec::new();
    for kv in &span.attributes {
        set_tag(&mut tags, &kv.key, attribute_text(&kv.value));
    }
    if !span.host.is_empty() {
        set_tag(&mut tags, "host.name", span.host.to_string());
    }
    match span.status.code {
        StatusCode::Unset => {}
        StatusCode::Ok => set_tag(&mut tags, "otel.status_code", "OK".to_owned()),
        StatusCode::Error => {
            set_tag(&mut tags, "otel.status_code", "ERROR".to_owned());
            set_tag(&mut tags, "error", span.status.message.to_string());
        }
    }
    let start_us = ns_to_us(span.start_ns);
    let duration_us = ns_to_us(span.end_ns) - start_us;
    out.item();
    out.open(b'{');
    out.key("traceId");
    out.text(span.trace_id);
    if let Some(parent) = span.parent_span_id {
        out.key("parentId");
        out.text(parent);
    }
    out.key("id");
    out.text(span.span_id);
    let kind = match span.kind {
        SpanKind::Internal => None,
        SpanKind::Server => Some("SERVER"),
        SpanKind::Client => Some("CLIENT"),
        SpanKind::Producer => Some("PRODUCER"),
        SpanKind::Consumer => Some("CONSUMER"),
    };
    if let Some(kind) = kind {
        out.key("kind");
        out.string(kind);
    }
    out.key("name");
    out.string(&span.name);
    out.key("timestamp");
    out.raw(start_us);
    // A span shorter than a microsecond has no duration, as Zipkin writes it.
    if duration_us > 0 {
        out.key("duration");
        out.raw(duration_us);
    }
    out.key("localEndpoint");
    Endpoint { service_name: Some(&span.service), ..Endpoint::default() }.write(out);
    if let Some(remote) = remote_endpoint(span) {
        out.key("remoteEndpoint");
        remote.write(out);
    }
    if !span.events.is_empty() {
        out.objects("annotations", &span.events, |out, event| {
            out.key("timestamp");
            out.raw(ns_to_us(event.time_ns));
            out.key("value");
            out.string(&annotation_value(event));
        });
    }
    if !tags.is_empty() {
        out.key("tags");
        out.open(b'{');
        for (key, value) in &tags {
            out.key(key);
            out.string(value);
        }
        out.close(b'}');
    }
    out.close(b'}');
}

/// `name`, or `"name": {"key": value...}` when the event has attributes.
fn annotation_value(event: &Event) -> String {
    if event.attributes.is_empty() {
        return event.name.to_string();
    }
    let mut out = JsonOut::compact();
    out.string(&event.name);
    out.literal(": ");
    out.open(b'{');
    for kv in &event.attributes {
        out.key(&kv.key);
        match &kv.value {
            AttributeValue::Str(text) => out.string(text),
            AttributeValue::Bool(flag) => out.literal(if *flag { "true" } else { "false" }),
            AttributeValue::Int(int) => out.raw(int),
            AttributeValue::Float(float) => out.float(*float),
        }
    }
    out.close(b'}');
    out.finish()
}

/// Writes Zipkin v2 JSON: an array of spans in the given order, times in microseconds (rounded
/// down; a span shorter than a microsecond has no `duration`, as Zipkin writes it). Zipkin has no
/// links: they are not written. Attribute values become strings.
pub fn export(spans: &[Span]) -> String {
    let mut out = JsonOut::pretty();
    out.open(b'[');
    for span in spans {
        write_span(&mut out, span);
    }
    out.close(b']');
    out.finish()
}

// ---------------------------------------------------------------------------------------------
// Import

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpanIn {
    #[serde(default)]
    trace_id: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    parent_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    timestamp: Option<JsonInt>,
    #[serde(default)]
    duration: Option<JsonInt>,
    #[serde(default)]
    local_endpoint: Option<EndpointIn>,
    #[serde(default)]
    remote_endpoint: Option<EndpointIn>,
    #[serde(default)]
    annotations: Option<Vec<AnnotationIn>>,
    #[serde(default)]
    tags: Option<Pairs>,
    #[serde(default)]
    shared: Option<bool>,
    /// Only Zipkin v1 has these.
    #[serde(default)]
    binary_annotations: Seen,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EndpointIn {
    #[serde(default)]
    service_name: Option<String>,
    #[serde(default)]
    ipv4: Option<String>,
    #[serde(default)]
    ipv6: Option<String>,
    #[serde(default)]
    port: Option<JsonInt>,
}

#[derive(Deserialize)]
struct AnnotationIn {
    #[serde(default)]
    timestamp: Option<JsonInt>,
    #[serde(default)]
    value: Option<String>,
}

/// A JSON object's entries in file order.
struct Pairs(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Pairs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Pairs, D::Error> {
        struct PairsVisitor;

        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = Pairs;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("an object of tags")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs, A::Error> {
                let mut pairs = Vec::new();
                while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
                    pairs.push(entry);
                }
                Ok(Pairs(pairs))
            }
        }

        deserializer.deserialize_map(PairsVisitor)
    }
}

/// Service name used when a span has no `localEndpoint.serviceName`.
const UNKNOWN_SERVICE: &str = "unknown_service";

const SHARED_SALT: u64 = 0x7368_6172_6564;

struct Pending {
    draft: Draft,
    shared: bool,
    local: EndpointIn,
}

/// Reads Zipkin v2 JSON. Shared spans (a SERVER span reusing its CLIENT's id) get a derived id
/// and become children of the client span; spans below the server side are re-attached to it
/// (matching by local endpoint, then by service name, as Zipkin does).
pub fn import(text: &str, origin: &str) -> Result<Imported, ImportError> {
    let spans_in: Vec<SpanIn> = parse(text, origin)?;
    let mut warnings = Warnings::default();
    let mut ids = IdParser::default();
    let mut pending = Vec::with_capacity(spans_in.len());
    let root = Text::from_static("$");
    for (span_idx, span) in spans_in.into_iter().enumerate() {
        if span.binary_annotations.0 {
            return Err(ImportError::invalid(
                origin,
                format!("$[{span_idx}]"),
                "this is Zipkin v1 JSON (binaryAnnotations); only Zipkin v2 is supported",
            ));
        }
        pending.push(convert_span(span, &root, span_idx, &mut ids, &mut warnings));
    }
    resolve_shared_spans(&mut pending, &mut warnings);
    let drafts = pending.into_iter().map(|pending| pending.draft).collect();
    let (spans, parents) = finish(drafts, &mut warnings);
    Ok(Imported { format: Format::Zipkin, spans, warnings: warnings.list, parents })
}

fn resolve_shared_spans(pending: &mut [Pending], warnings: &mut Warnings) {
    let mut groups: BTreeMap<(TraceId, SpanId), Vec<usize>> = BTreeMap::new();
    for (span_idx, item) in pending.iter().enumerate() {
        groups.entry((item.draft.span.trace_id, item.draft.span.span_id)).or_default().push(span_idx);
    }
    let mut allocator =
        IdAllocator::new(pending.iter().map(|item| (item.draft.span.trace_id, item.draft.span.span_id)));
    // Server sides, by the id they share: (index, derived id).
    let mut servers: BTreeMap<(TraceId, SpanId), Vec<usize>> = BTreeMap::new();
    let mut moved = vec![false; pending.len()];
    for ((trace_id, span_id), members) in &groups {
        if members.len() < 2 {
            continue;
        }
        let primary = members.iter().copied().find(|&member| !pending[member].shared).unwrap_or(members[0]);
        let primary_is_client = pending[primary].draft.span.kind == SpanKind::Client;
        let server_sides: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&member| {
                member != primary
                    && (pending[member].shared
                        || (primary_is_client && pending[member].draft.span.kind == SpanKind::Server))
            })
            .collect();
        for (n_moved, member) in server_sides.into_iter().enumerate() {
            let fresh = allocator.derive(*trace_id, *span_id, SHARED_SALT + n_moved as u64);
            let draft = &mut pending[member].draft;
            draft.span.span_id = fresh;
            draft.span.parent_span_id = Some(*span_id);
            warnings.push(
                &draft.site,
                WarningKind::SharedSpanId { written: span_id.to_string(), id: fresh.to_string() },
            );
            servers.entry((*trace_id, *span_id)).or_default().push(member);
            moved[member] = true;
        }
    }
    if servers.is_empty() {
        return;
    }
    // Children of a shared id belong to the server side in their own service.
    for span_idx in 0..pending.len() {
        if moved[span_idx] {
            continue;
        }
        let span = &pending[span_idx].draft.span;
        let Some(parent) = span.parent_span_id else {
            continue;
        };
        let Some(candidates) = servers.get(&(span.trace_id, parent)) else {
            continue;
        };
        let local = &pending[span_idx].local;
        let chosen = candidates.iter().find(|&&server| pending[server].local == *local).or_else(|| {
            candidates.iter().find(|&&server| {
                local.service_name.is_some() && pending[server].local.service_name == local.service_name
            })
        });
        if let Some(&server) = chosen {
            let server_id = pending[server].draft.span.span_id;
            pending[span_idx].draft.span.parent_span_id = Some(server_id);
        }
    }
}

fn micros(value: Option<JsonInt>, what: &'static str, site: &Site, warnings: &mut Warnings) -> Option<i64> {
    let JsonInt(us) = value?;
    // Zipkin treats 0 as absent.
    if us == 0 {
        return None;
    }
    let ns = us_to_ns(us);
    if ns.is_none() {
        warnings.push(site, WarningKind::TimeOutOfRange { what, written: us.to_string() });
    }
    ns
}

fn take(attributes: &mut Vec<KeyValue>, key: &str) -> Option<AttributeValue> {
    let position = attributes.iter().position(|kv| kv.key == key)?;
    Some(attributes.remove(position).value)
}

fn status_from_tags(attributes: &mut Vec<KeyValue>, site: &Site, warnings: &mut Warnings) -> Status {
    let error = take(attributes, "error").map(|value| value.to_string());
    let code_tag = take(attributes, "otel.status_code").map(|value| value.to_string());
    let description = take(attributes, "otel.status_description").map(|value| value.to_string());
    let error_set = error.as_deref().is_some_and(|text| !text.eq_ignore_ascii_case("false"));
    let code = match code_tag.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("OK") => StatusCode::Ok,
        Some("ERROR") => StatusCode::Error,
        Some("UNSET") => StatusCode::Unset,
        Some(_) => {
            warnings
                .push(site, WarningKind::UnknownStatusCode { written: code_tag.clone().unwrap_or_default() });
            if error_set { StatusCode::Error } else { StatusCode::Unset }
        }
        None if error_set => StatusCode::Error,
        None => StatusCode::Unset,
    };
    let message = match description {
        Some(description) => description,
        None if code == StatusCode::Error => {
            error.filter(|text| !text.eq_ignore_ascii_case("true")).unwrap_or_default()
        }
        None => String::new(),
    };
    Status { code, message: message.into() }
}

/// Parses an annotation written as `"name": {attributes}`; other values are plain names.
fn parse_annotation(value: &str, site: &Site, warnings: &mut Warnings) -> (String, Vec<KeyValue>) {
    if value.starts_with('"') && value.ends_with('}') {
        if let Ok(serde_json::Value::Object(object)) =
            serde_json::from_str::<serde_json::Value>(&format!("{{{value}}}"))
        {
            if let Some((name, serde_json::Value::Object(attributes))) = object.iter().next() {
                if object.len() == 1 {
                    let attributes = attributes
                        .iter()
                        .map(|(key, value)| KeyValue {
                            key: key.clone().into(),
                            value: attribute_from_json(key, value, site, warnings),
                        })
                        .collect();
                    return (name.clone(), attributes);
                }
            }
        }
    }
    (value.to_owned(), Vec::new())
}

fn convert_span(
    span: SpanIn,
    root: &Text,
    span_idx: usize,
    ids: &mut IdParser,
    warnings: &mut Warnings,
) -> Pending {
    let written_id = span.id.unwrap_or_default();
    let site = Site::item(root, "", span_idx, &written_id);
    let trace_id = ids.trace_id(span.trace_id.as_deref().unwrap_or(""), &site, warnings);
    let span_id = ids.span_id(&written_id, &site, warnings);
    let parent_span_id = ids.parent_span_id(span.parent_id.as_deref(), &site, warnings);
    let kind = match span.kind.as_deref().map(str::to_ascii_uppercase).as_deref() {
        None => SpanKind::Internal,
        Some("CLIENT") => SpanKind::Client,
        Some("SERVER") => SpanKind::Server,
        Some("PRODUCER") => SpanKind::Producer,
        Some("CONSUMER") => SpanKind::Consumer,
        Some(_) => {
            warnings
                .push(&site, WarningKind::UnknownSpanKind { written: span.kind.clone().unwrap_or_default() });
            SpanKind::Internal
        }
    };
    let mut attributes: Vec<KeyValue> = span
        .tags
        .map(|pairs| pairs.0)
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                serde_json::Value::String(text) => AttributeValue::Str(text.into()),
                other => attribute_from_json(&key, &other, &site, warnings),
            };
            KeyValue { key: key.into(), value }
        })
        .collect();
    let status = status_from_tags(&mut attributes, &site, warnings);
    let host = match take(&mut attributes, "host.name") {
        Some(value) => value.to_string(),
        None => String::new(),
    };
    let local = span.local_endpoint.unwrap_or_default();
    let service = match local.service_name.as_deref() {
        Some(service) if !service.is_empty() => service.to_owned(),
        _ => {
            warnings.push(&site, WarningKind::MissingServiceName { service: UNKNOWN_SERVICE.to_owned() });
            UNKNOWN_SERVICE.to_owned()
        }
    };
    push_endpoint(&mut attributes, &local, "network.local");
    if let Some(remote) = &span.remote_endpoint {
        if let Some(remote_service) = remote.service_name.as_deref().filter(|name| !name.is_empty()) {
            let named = attributes.iter().any(|kv| {
                kv.key == "peer.service"
                    || (kv.key == "server.address"
                        && matches!(&kv.value, AttributeValue::Str(text) if text == remote_service))
            });
            if !named {
                attributes.push(KeyValue::new("peer.service", Text::new(remote_service)));
            }
        }
        push_endpoint(&mut attributes, remote, "network.peer");
    }
    let start_ns = micros(span.timestamp, "timestamp", &site, warnings);
    let duration_ns = micros(span.duration, "duration", &site, warnings);
    let events = span
        .annotations
        .unwrap_or_default()
        .into_iter()
        .map(|annotation| {
            let (name, attributes) =
                parse_annotation(annotation.value.as_deref().unwrap_or(""), &site, warnings);
            Event {
                time_ns: micros(annotation.timestamp, "annotation timestamp", &site, warnings)
                    .or(start_ns)
                    .unwrap_or(0),
                name: name.into(),
                attributes,
            }
        })
        .collect();
    Pending {
        draft: Draft {
            span: Span {
                trace_id,
                span_id,
                parent_span_id,
                name: span.name.unwrap_or_default().into(),
                kind,
                service: service.into(),
                host: host.into(),
                resource: Default::default(),
                start_ns: 0,
                end_ns: 0,
                status,
                attributes,
                events,
                links: Vec::new(),
                traceparent: None,
                truth: None,
            },
            site,
            start_ns,
            duration_ns,
        },
        shared: span.shared.unwrap_or(false),
        local,
    }
}

/// Endpoint address and port as `{prefix}.address` / `{prefix}.port` attributes.
fn push_endpoint(attributes: &mut Vec<KeyValue>, endpoint: &EndpointIn, prefix: &str) {
    if let Some(address) = endpoint.ipv4.as_ref().or(endpoint.ipv6.as_ref()) {
        attributes.push(KeyValue::new(format!("{prefix}.address"), Text::new(address)));
    }
    if let Some(port) = endpoint.port.and_then(|JsonInt(port)| i64::try_from(port).ok()) {
        attributes.push(KeyValue::new(format!("{prefix}.port"), port));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning_kinds(imported: &Imported) -> Vec<&WarningKind> {
        imported.warnings.iter().map(|warning| &warning.kind).collect()
    }

    #[test]
    fn spans_without_timestamp_or_duration_are_kept_and_placed() {
        let text = r#"[
          {"traceId":"0000000000000001","id":"0000000000000001","name":"root",
           "timestamp":1000,"duration":500,"localEndpoint":{"serviceName":"a"}},
          {"traceId":"0000000000000001","id":"0000000000000002","parentId":"0000000000000001",
           "name":"no-times","localEndpoint":{"serviceName":"a"}},
          {"traceId":"0000000000000001","id":"0000000000000003","parentId":"0000000000000002",
           "name":"grandchild","timestamp":1200,"localEndpoint":{"serviceName":"a"}}
        ]"#;
        let imported = import(text, "inline.json").expect("imports");
        assert_eq!(imported.spans.len(), 3);
        let no_times = &imported.spans[1];
        assert_eq!(no_times.start_ns, 1_000_000, "placed at its parent's start");
        assert_eq!(no_times.end_ns, no_times.start_ns);
        let grandchild = &imported.spans[2];
        assert_eq!(grandchild.start_ns, 1_200_000);
        assert_eq!(grandchild.end_ns, 1_200_000);
        let kinds = warning_kinds(&imported);
        assert!(kinds.contains(&&WarningKind::MissingStart {
            placed_at_ns: 1_000_000,
            reason: "at its parent's start",
        }));
        assert_eq!(kinds.iter().filter(|kind| ***kind == WarningKind::MissingDuration).count(), 2);
    }

    #[test]
    fn orphan_without_timestamp_is_placed_at_its_childs_start() {
        let text = r#"[
          {"traceId":"0000000000000001","id":"000000000000000a","name":"no-times",
           "localEndpoint":{"serviceName":"a"}},
          {"traceId":"0000000000000001","id":"000000000000000b","parentId":"000000000000000a",
           "name":"child","timestamp":7,"duration":3,"localEndpoint":{"serviceName":"a"}}
        ]"#;
        let imported = import(text, "inline.json").expect("imports");
        assert_eq!(imported.spans[0].start_ns, 7_000);
        assert!(imported.warnings.iter().any(|warning| warning.kind
            == WarningKind::MissingStart { placed_at_ns: 7_000, reason: "at its earliest child's start" }
            && warning.path == "$[0]"
            && warning.span_id.as_deref() == Some("000000000000000a")));
    }

    #[test]
    fn shared_server_span_becomes_child_of_client_and_takes_its_children() {
        let text = r#"[
          {"traceId":"00000000000000aa","id":"0000000000000002","parentId":"0000000000000001",
           "kind":"SERVER","shared":true,"name":"serve","timestamp":20,"duration":5,
           "localEndpoint":{"serviceName":"backend"}},
          {"traceId":"00000000000000aa","id":"0000000000000001","name":"root","kind":"SERVER",
           "timestamp":1,"duration":100,"localEndpoint":{"serviceName":"frontend"}},
          {"traceId":"00000000000000aa","id":"0000000000000002","parentId":"0000000000000001",
           "kind":"CLIENT","name":"call","timestamp":10,"duration":30,
           "localEndpoint":{"serviceName":"frontend"}},
          {"traceId":"00000000000000aa","id":"0000000000000003","parentId":"0000000000000002",
           "name":"work","timestamp":21,"duration":2,"localEndpoint":{"serviceName":"backend"}},
          {"traceId":"00000000000000aa","id":"0000000000000004","parentId":"0000000000000002",
           "name":"client-side-work","timestamp":11,"duration":2,
           "localEndpoint":{"serviceName":"frontend"}}
        ]"#;
        let imported = import(text, "inline.json").expect("imports");
        let spans = &imported.spans;
        let client = &spans[2];
        let server = &spans[0];
        assert_eq!(client.span_id, SpanId::from_u64(2), "the client keeps the id");
        assert_ne!(server.span_id, client.span_id);
        assert_eq!(server.parent_span_id, Some(client.span_id));
        assert_eq!(spans[3].parent_span_id, Some(server.span_id));
        assert_eq!(spans[4].parent_span_id, Some(client.span_id));
        assert!(matches!(
            &imported.warnings[0].kind,
            WarningKind::SharedSpanId { written, .. } if written == "0000000000000002"
        ));
        assert_eq!(imported.warnings.len(), 1, "{:?}", imported.warnings);
    }

    #[test]
    fn status_and_remote_endpoint_map_to_attributes() {
        let text = r#"[
          {"traceId":"0000000000000001","id":"0000000000000001","name":"call","kind":"CLIENT",
           "timestamp":1,"duration":1,"localEndpoint":{"serviceName":"a","ipv4":"10.0.0.1"},
           "remoteEndpoint":{"serviceName":"b","port":8080},
           "tags":{"error":"connection refused","http.method":"GET","count":3},
           "annotations":[{"timestamp":1,"value":"ws"},
                          {"timestamp":2,"value":"\"retry\": {\"attempt\": 2}"}]}
        ]"#;
        let imported = import(text, "inline.json").expect("imports");
        let span = &imported.spans[0];
        assert_eq!(span.status.code, StatusCode::Error);
        assert_eq!(span.status.message, "connection refused");
        assert_eq!(span.attribute("http.method"), Some(&AttributeValue::from("GET")));
        assert_eq!(span.attribute("count"), Some(&AttributeValue::Int(3)));
        assert_eq!(span.attribute("peer.service"), Some(&AttributeValue::from("b")));
        assert_eq!(span.attribute("network.peer.port"), Some(&AttributeValue::Int(8080)));
        assert_eq!(span.attribute("network.local.address"), Some(&AttributeValue::from("10.0.0.1")));
        assert_eq!(span.events[0].name, "ws");
        assert_eq!(span.events[1].name, "retry");
        assert_eq!(span.events[1].attributes, vec![KeyValue::new("attempt", 2)]);
    }

    #[test]
    fn zipkin_v1_is_rejected_with_the_span_path() {
        let text = r#"[{"traceId":"0000000000000001","id":"0000000000000001","name":"x",
                        "binaryAnnotations":[]}]"#;
        let error = import(text, "v1.json").expect_err("v1 is not v2");
        let message = error.to_string();
        assert!(message.starts_with("v1.json: $[0]: "), "{message}");
        assert!(message.contains("Zipkin v1"), "{message}");
    }

    #[test]
    fn export_writes_microseconds_and_omits_internal_kind() {
        let span = Span {
            trace_id: TraceId::from_u64_pair(1, 2),
            span_id: SpanId::from_u64(3),
            parent_span_id: None,
            name: "work".to_owned().into(),
            kind: SpanKind::Internal,
            service: "svc".to_owned().into(),
            host: String::new().into(),
            resource: Default::default(),
            start_ns: 1_999,
            end_ns: 5_000,
            status: Status::default(),
            attributes: Vec::new(),
            events: Vec::new(),
            links: Vec::new(),
            traceparent: None,
            truth: None,
        };
        let json: serde_json::Value =
            serde_json::from_str(&export(std::slice::from_ref(&span))).expect("json");
        let out = &json[0];
        assert_eq!(out["timestamp"], 1);
        assert_eq!(out["duration"], 4);
        assert!(out.get("kind").is_none());
        assert!(out.get("parentId").is_none());
        assert_eq!(out["traceId"], "00000000000000010000000000000002");
        assert_eq!(out["localEndpoint"]["serviceName"], "svc");
    }
}
