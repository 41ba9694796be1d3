//! Zipkin v2 JSON: a top-level array of spans.
//!
//! Times are microseconds; tags are strings only. The mapping follows the OpenTelemetry ↔ Zipkin
//! transformation: internal spans have no `kind`; the status goes to the `otel.status_code` and
//! `error` tags; events become annotations (`"name": {attributes as JSON}` when they have
//! attributes); client and producer spans get a `remoteEndpoint` named after `peer.service` or
//! `server.address`. The host name travels in a `host.name` tag.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use std::borrow::Cow;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use super::common::{
    Draft, Drafts, Field, IdAllocator, IdParser, JsonInt, NO_REF, Resources, Seen, Site, SpanFields,
    Warnings, attribute_from_json, attribute_text, finish, micros, ns_to_us, parse, strip_bom,
    take_scope_tags, unknown_service,
};
use super::json_in::JsonValue;
use super::json_out::{self, Array, Layout, Object};
use super::{Format, ImportError, Imported, WarningKind};
use reqflow_core::ids::{SpanId, TraceId};
use reqflow_core::text::{Interner, Text};
use reqflow_core::trace::{
    AttributeValue, Event, KeyValue, Resource, ResourceData, Span, SpanKind, Status, StatusCode,
};

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
    fn write(&self, out: &mut Object<'_>) {
        for (key, value) in [("serviceName", self.service_name), ("ipv4", self.ipv4), ("ipv6", self.ipv6)] {
            if let Some(value) = value {
                out.string(key, value);
            }
        }
        if let Some(port) = self.port {
            out.int("port", port);
        }
    }
}

/// The local endpoint: the service, and the address and port the span's resource keeps as
/// `host.ip` (one address, or a list of them: the first IPv4 and the first IPv6 one are written)
/// and `host.port`.
fn local_endpoint(span: &Span) -> Endpoint<'_> {
    let mut endpoint = Endpoint { service_name: Some(&span.service), ..Endpoint::default() };
    if let Some(AttributeValue::Str(ips)) = span.resource.attribute(HOST_IP) {
        for address in addresses(ips) {
            // As the OpenTelemetry Collector tells them apart (addresses are written as given,
            // even `10.0.0.04`).
            if address.contains(':') {
                endpoint.ipv6 = endpoint.ipv6.or(Some(address));
            } else {
                endpoint.ipv4 = endpoint.ipv4.or(Some(address));
            }
        }
    }
    endpoint.port = match span.resource.attribute(HOST_PORT) {
        Some(AttributeValue::Int(port)) => u16::try_from(*port).ok(),
        Some(AttributeValue::Str(port)) => port.parse().ok(),
        _ => None,
    };
    endpoint
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

fn write_span(out: &mut Object<'_>, span: &Span) {
    let mut tags: Vec<(&str, String)> = Vec::new();
    for kv in &span.attributes {
        set_tag(&mut tags, &kv.key, attribute_text(&kv.value));
    }
    if !span.host.is_empty() {
        set_tag(&mut tags, "host.name", span.host.to_string());
    }
    let resource = span.resource.data();
    if !resource.scope_name.is_empty() {
        set_tag(&mut tags, "otel.scope.name", resource.scope_name.to_string());
    }
    if !resource.scope_version.is_empty() {
        set_tag(&mut tags, "otel.scope.version", resource.scope_version.to_string());
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
    out.display("traceId", span.trace_id);
    if let Some(parent) = span.parent_span_id {
        out.display("parentId", parent);
    }
    out.display("id", span.span_id);
    let kind = match span.kind {
        SpanKind::Internal => None,
        SpanKind::Server => Some("SERVER"),
        SpanKind::Client => Some("CLIENT"),
        SpanKind::Producer => Some("PRODUCER"),
        SpanKind::Consumer => Some("CONSUMER"),
    };
    if let Some(kind) = kind {
        out.string("kind", kind);
    }
    out.string("name", &span.name);
    out.int("timestamp", start_us);
    // A span shorter than a microsecond has no duration, as Zipkin writes it.
    if duration_us > 0 {
        out.int("duration", duration_us);
    }
    out.object("localEndpoint", |out| local_endpoint(span).write(out));
    if let Some(remote) = remote_endpoint(span) {
        out.object("remoteEndpoint", |out| remote.write(out));
    }
    if !span.events.is_empty() {
        out.array("annotations", |out| {
            for event in &span.events {
                out.object(|out| {
                    out.int("timestamp", ns_to_us(event.time_ns));
                    out.string("value", &annotation_value(event));
                });
            }
        });
    }
    if !tags.is_empty() {
        out.object("tags", |out| {
            for (key, value) in &tags {
                out.string(key, value);
            }
        });
    }
}

/// `name`, or `"name": {"key": value...}` when the event has attributes.
fn annotation_value(event: &Event) -> String {
    if event.attributes.is_empty() {
        return event.name.to_string();
    }
    let mut text = String::new();
    json_out::write(&mut text, Layout::Compact, |value| value.string(&event.name));
    text.push_str(": ");
    json_out::write(&mut text, Layout::Compact, |value| {
        value.object(|out| {
            for kv in &event.attributes {
                match &kv.value {
                    AttributeValue::Str(value) => out.string(&kv.key, value),
                    AttributeValue::Bool(flag) => out.bool(&kv.key, *flag),
                    AttributeValue::Int(int) => out.int(&kv.key, *int),
                    AttributeValue::Float(float) => out.float(&kv.key, *float),
                }
            }
        })
    });
    text
}

/// Writes Zipkin v2 JSON: an array of spans in the given order, times in microseconds (rounded
/// down; a span shorter than a microsecond has no `duration`, as Zipkin writes it). Zipkin has no
/// links: they are not written. Attribute values become strings. Pretty-printed;
/// [`export_compact`](crate::export_compact) writes it without whitespace.
pub fn export(spans: &[Span]) -> String {
    crate::export(spans, Format::Zipkin)
}

/// The spans of the document's array (see [`export`]).
pub(crate) fn write_spans(out: &mut Array<'_>, spans: &[Span]) {
    for span in spans {
        out.object(|out| write_span(out, span));
    }
}

// ---------------------------------------------------------------------------------------------
// Import

// A span is read into these structs (strings borrowed from the file unless they have escapes,
// tag values as typed scalars) by the step reader in `zipkin/stream.rs`, or, when that refuses
// the file, by serde's derived readers (`read_with_serde`): serde's error messages are the ones
// the import policy quotes. Either way, the same code converts them into spans.

mod stream;

pub(crate) use stream::Stream;

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpanIn<'a> {
    #[serde(default, borrow)]
    trace_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    parent_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(default)]
    timestamp: Option<JsonInt>,
    #[serde(default)]
    duration: Option<JsonInt>,
    #[serde(default, borrow)]
    local_endpoint: Option<EndpointIn<'a>>,
    #[serde(default, borrow)]
    remote_endpoint: Option<EndpointIn<'a>>,
    #[serde(default, borrow)]
    annotations: Option<Vec<AnnotationIn<'a>>>,
    #[serde(default, borrow)]
    tags: Option<Pairs<'a>>,
    #[serde(default)]
    shared: Option<bool>,
    /// Only Zipkin v1 has these.
    #[serde(default)]
    binary_annotations: Seen,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EndpointIn<'a> {
    #[serde(default, borrow)]
    service_name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    ipv4: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    ipv6: Option<Cow<'a, str>>,
    #[serde(default)]
    port: Option<JsonInt>,
}

#[derive(Default, Deserialize)]
struct AnnotationIn<'a> {
    #[serde(default)]
    timestamp: Option<JsonInt>,
    #[serde(default, borrow)]
    value: Option<Cow<'a, str>>,
}

/// A JSON object's entries in file order.
#[derive(Default)]
struct Pairs<'a>(Vec<(Cow<'a, str>, JsonValue<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Pairs<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Pairs<'a>, D::Error> {
        struct PairsVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for PairsVisitor<'a> {
            type Value = Pairs<'a>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("an object of tags")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pairs<'a>, A::Error> {
                let mut pairs = Vec::new();
                while let Some(key) = map.next_key::<Cow<'a, str>>()? {
                    pairs.push((key, map.next_value::<JsonValue<'a>>()?));
                }
                Ok(Pairs(pairs))
            }
        }

        deserializer.deserialize_map(PairsVisitor(std::marker::PhantomData))
    }
}

/// An endpoint as read, its texts shared (`Option`: whether the file gives the field).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct EndpointText {
    service_name: Option<Text>,
    ipv4: Option<Text>,
    ipv6: Option<Text>,
    port: Option<JsonInt>,
}

impl EndpointText {
    fn new(endpoint: EndpointIn<'_>, texts: &mut Interner) -> EndpointText {
        let mut text = |written: Option<Cow<'_, str>>| written.map(|written| texts.intern(&written));
        EndpointText {
            service_name: text(endpoint.service_name),
            ipv4: text(endpoint.ipv4),
            ipv6: text(endpoint.ipv6),
            port: endpoint.port,
        }
    }
}

const SHARED_SALT: u64 = 0x7368_6172_6564;

/// The names of a span's fields in Zipkin v2 JSON, for warnings.
const SPAN_FIELDS: SpanFields = SpanFields {
    span_id: Field::new(".id"),
    parent: Field::new(".parentId"),
    parent_ref: None,
    start: Field::new(".timestamp"),
    end: Field::new(".duration"),
};

const TAGS: Field = Field::new(".tags");

/// One piece of a span as read: Zipkin reporters may send one span in several pieces (one with
/// the endpoint, one with annotations...), merged before the spans are made.
struct Piece {
    site: Site,
    trace_id: TraceId,
    span_id: SpanId,
    parent_span_id: Option<SpanId>,
    name: Text,
    kind: Option<SpanKind>,
    start_ns: Option<i64>,
    duration_ns: Option<i64>,
    /// Shared with the pieces before it that have the same one (most do): a piece is held
    /// until the file has been read.
    local: Arc<EndpointText>,
    /// (Boxed: many spans have none, and a piece is held until the file has been read.)
    remote: Option<Box<EndpointText>>,
    tags: Vec<KeyValue>,
    events: Vec<Event>,
    shared: bool,
}

/// The merged pieces as drafts of spans, with what resolving shared spans needs besides.
#[derive(Default)]
struct Pending {
    drafts: Drafts,
    shared: Vec<bool>,
    /// Each span's local endpoint, by index into `endpoints` (neighbouring spans mostly share
    /// one: a new one is kept only when it differs from the last). A copy per span was 8 MB
    /// more held at the import's peak for 100,000 spans.
    locals: Vec<u32>,
    endpoints: Vec<EndpointText>,
}

impl Pending {
    fn push_local(&mut self, local: Arc<EndpointText>) {
        if self.endpoints.last() != Some(&*local) {
            self.endpoints.push(Arc::unwrap_or_clone(local));
        }
        self.locals.push(self.endpoints.len() as u32 - 1);
    }

    fn local(&self, span_idx: usize) -> &EndpointText {
        &self.endpoints[self.locals[span_idx] as usize]
    }
}

/// What reading a file's spans needs: the warnings so far, the id parser, the string interner,
/// and the pieces read so far.
#[derive(Default)]
struct Reader {
    warnings: Warnings,
    ids: IdParser,
    texts: Interner,
    pieces: Vec<Piece>,
    /// The key and string value last read at each position of a span's tags: files repeat the
    /// same tags in the same order span after span (a comparison instead of a lookup).
    recent: Vec<(Text, Text)>,
    /// The last piece's local endpoint.
    last_local: Option<Arc<EndpointText>>,
}

/// Reads Zipkin v2 JSON. Pieces of one span (same trace id, span id and `shared` flag) are merged
/// as Zipkin merges them; shared spans (a SERVER span reusing its CLIENT's id) get a derived id
/// and become children of the client span; spans below the server side are re-attached to it
/// (matching by local endpoint, then by service name, as Zipkin does).
pub fn import(text: &str, origin: &str) -> Result<Imported, ImportError> {
    let text = strip_bom(text);
    let mut stream = Stream::new(text.len(), false);
    if let Some(imported) = stream.read_all(text) {
        return Ok(imported);
    }
    read_with_serde(text, origin)
}

/// [`import`] with serde's derived readers: for a file the step reader refuses (serde says what
/// is wrong with it, in the words the import policy quotes).
pub(super) fn read_with_serde(text: &str, origin: &str) -> Result<Imported, ImportError> {
    let spans_in: Vec<SpanIn<'_>> = parse(text, origin)?;
    let mut reader = Reader::default();
    reader.pieces.reserve(spans_in.len());
    for (span_idx, span) in spans_in.into_iter().enumerate() {
        if span.binary_annotations.0 {
            return Err(ImportError::invalid(
                origin,
                format!("$[{span_idx}].binaryAnnotations"),
                "this is Zipkin v1 JSON (binaryAnnotations); only Zipkin v2 is supported",
            ));
        }
        reader.piece(span);
    }
    Ok(reader.finish())
}

impl Reader {
    /// The next span of the file, as a piece.
    fn piece(&mut self, span: SpanIn<'_>) {
        let span_idx = self.pieces.len();
        let piece = read_piece(span, span_idx, self);
        self.pieces.push(piece);
    }

    fn finish(self) -> Imported {
        let Reader { mut warnings, texts, pieces, .. } = self;
        let pieces = merge_pieces(pieces, &mut warnings);
        let mut converter = Converter { resources: Resources::default(), last: None, texts };
        let mut pending = Pending {
            drafts: Drafts::with_capacity(pieces.len()),
            shared: Vec::with_capacity(pieces.len()),
            locals: Vec::with_capacity(pieces.len()),
            endpoints: Vec::new(),
        };
        for piece in pieces {
            converter.convert(piece, &mut pending, &mut warnings);
        }
        resolve_shared_spans(&mut pending, &mut warnings);
        let (spans, parents) = finish(pending.drafts, &mut warnings, &SPAN_FIELDS);
        Imported { format: Format::Zipkin, spans, warnings: warnings.list, parents }
    }
}

/// Whether `next`'s local endpoint can be the same as `merged`'s (no field differs where both
/// have one), as Zipkin decides whether two pieces come from the same host; if so, `merged`
/// takes the fields it lacked.
fn merge_endpoint(merged: &mut EndpointText, next: &EndpointText) -> bool {
    fn clash<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
        matches!((a, b), (Some(a), Some(b)) if a != b)
    }
    let port = |endpoint: &EndpointText| endpoint.port.filter(|port| port.0 != 0);
    if clash(&merged.service_name, &next.service_name)
        || clash(&merged.ipv4, &next.ipv4)
        || clash(&merged.ipv6, &next.ipv6)
        || clash(&port(merged), &port(next))
    {
        return false;
    }
    fill(merged, next);
    true
}

/// The fields `merged` lacks, from `next`.
fn fill(merged: &mut EndpointText, next: &EndpointText) {
    if merged.service_name.as_deref().is_none_or(str::is_empty) {
        merged.service_name.clone_from(&next.service_name);
    }
    if merged.ipv4.is_none() {
        merged.ipv4.clone_from(&next.ipv4);
    }
    if merged.ipv6.is_none() {
        merged.ipv6.clone_from(&next.ipv6);
    }
    if merged.port.is_none_or(|port| port.0 == 0) {
        merged.port = next.port;
    }
}

/// Merges the pieces of each span the way Zipkin's span merger does: pieces with the same trace
/// id, span id and `shared` flag whose local endpoints do not contradict each other become one,
/// with the earliest timestamp, the longest duration, the union of tags (a later piece's value
/// wins) and of annotations, the endpoints' fields from whichever piece has them, and the name,
/// kind and parent from a piece that has one. As in Zipkin, the pieces of one id are ordered by
/// local endpoint (pieces without one first) and each run that fits together is merged. One
/// difference: pieces of two different kinds (a CLIENT and a SERVER without the `shared` flag)
/// are not merged, but told apart like shared spans. The merged span is where its first piece
/// in the file was, with one warning naming the others.
fn merge_pieces(pieces: Vec<Piece>, warnings: &mut Warnings) -> Vec<Piece> {
    let same_span = |a: &(TraceId, SpanId, bool, usize), b: &(TraceId, SpanId, bool, usize)| {
        (a.0, a.1, a.2) == (b.0, b.1, b.2)
    };
    let mut sorted: Vec<(TraceId, SpanId, bool, usize)> = pieces
        .iter()
        .enumerate()
        .map(|(idx, piece)| (piece.trace_id, piece.span_id, piece.shared, idx))
        .collect();
    sorted.sort_unstable();
    if !sorted.windows(2).any(|pair| same_span(&pair[0], &pair[1])) {
        return pieces;
    }
    let mut slots: Vec<Option<Piece>> = pieces.into_iter().map(Some).collect();
    for group in sorted.chunk_by(|a, b| same_span(a, b)).filter(|group| group.len() > 1) {
        let mut members: Vec<usize> = group.iter().map(|entry| entry.3).collect();
        let endpoint = |idx: usize| {
            let local = &slots[idx].as_ref().expect("not merged yet").local;
            let given = local.service_name.is_some() || local.ipv4.is_some() || local.ipv6.is_some();
            (given, local.service_name.clone(), local.ipv4.clone(), local.ipv6.clone(), idx)
        };
        members.sort_by_cached_key(|&idx| endpoint(idx));
        // Runs of pieces that fit together, each merged in file order into its first piece.
        let mut runs: Vec<Vec<usize>> = Vec::new();
        let mut tracker = EndpointText::default();
        let mut kind = None;
        for idx in members {
            let piece = slots[idx].as_ref().expect("not merged yet");
            let fits = runs.last().is_some()
                && !matches!((kind, piece.kind), (Some(a), Some(b)) if a != b)
                && merge_endpoint(&mut tracker.clone(), &piece.local);
            if fits {
                merge_endpoint(&mut tracker, &piece.local);
                kind = kind.or(piece.kind);
                runs.last_mut().expect("a run").push(idx);
            } else {
                tracker = EndpointText::clone(&piece.local);
                kind = piece.kind;
                runs.push(vec![idx]);
            }
        }
        for mut run in runs.into_iter().filter(|run| run.len() > 1) {
            run.sort_unstable();
            let mut merged = slots[run[0]].take().expect("not merged yet");
            let mut others = Vec::with_capacity(run.len() - 1);
            for &idx in &run[1..] {
                let piece = slots[idx].take().expect("not merged yet");
                others.push(piece.site.path());
                merge_into(&mut merged, piece);
            }
            warnings.push(
                &merged.site,
                Field::NONE,
                WarningKind::MergedPieces { n_pieces: run.len(), others },
            );
            slots[run[0]] = Some(merged);
        }
    }
    slots.into_iter().flatten().collect()
}

fn merge_into(merged: &mut Piece, piece: Piece) {
    merge_endpoint(Arc::make_mut(&mut merged.local), &piece.local);
    match (&mut merged.remote, piece.remote) {
        (Some(remote), Some(next)) => fill(remote, &next),
        (remote @ None, next) => *remote = next,
        (Some(_), None) => {}
    }
    merged.start_ns = match (merged.start_ns, piece.start_ns) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    merged.duration_ns = match (merged.duration_ns, piece.duration_ns) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    if merged.name.is_empty() {
        merged.name = piece.name;
    }
    merged.kind = merged.kind.or(piece.kind);
    merged.parent_span_id = merged.parent_span_id.or(piece.parent_span_id);
    for tag in piece.tags {
        match merged.tags.iter_mut().find(|kv| kv.key == tag.key) {
            Some(existing) => existing.value = tag.value,
            None => merged.tags.push(tag),
        }
    }
    if !piece.events.is_empty() {
        for event in piece.events {
            if !merged.events.contains(&event) {
                merged.events.push(event);
            }
        }
        merged.events.sort_by(|a, b| (a.time_ns, &a.name).cmp(&(b.time_ns, &b.name)));
    }
}

fn resolve_shared_spans(pending: &mut Pending, warnings: &mut Warnings) {
    // Most files have no span id twice in a trace: nothing to do.
    let mut keys: Vec<(TraceId, SpanId)> =
        pending.drafts.spans.iter().map(|span| (span.trace_id, span.span_id)).collect();
    keys.sort_unstable();
    if !keys.windows(2).any(|pair| pair[0] == pair[1]) {
        return;
    }
    let mut groups: BTreeMap<(TraceId, SpanId), Vec<usize>> = BTreeMap::new();
    for (span_idx, span) in pending.drafts.spans.iter().enumerate() {
        groups.entry((span.trace_id, span.span_id)).or_default().push(span_idx);
    }
    let mut allocator = IdAllocator::new(keys.into_iter());
    // Server sides, by the id they share: (index, derived id).
    let mut servers: BTreeMap<(TraceId, SpanId), Vec<usize>> = BTreeMap::new();
    let mut moved = vec![false; pending.drafts.len()];
    for ((trace_id, span_id), members) in &groups {
        if members.len() < 2 {
            continue;
        }
        let primary = members.iter().copied().find(|&member| !pending.shared[member]).unwrap_or(members[0]);
        let primary_is_client = pending.drafts.spans[primary].kind == SpanKind::Client;
        let server_sides: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&member| {
                member != primary
                    && (pending.shared[member]
                        || (primary_is_client && pending.drafts.spans[member].kind == SpanKind::Server))
            })
            .collect();
        for (n_moved, member) in server_sides.into_iter().enumerate() {
            let fresh = allocator.derive(*trace_id, *span_id, SHARED_SALT + n_moved as u64);
            let span = &mut pending.drafts.spans[member];
            span.span_id = fresh;
            span.parent_span_id = Some(*span_id);
            warnings.push(
                &pending.drafts.marks[member].site,
                SPAN_FIELDS.span_id,
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
    for (span_idx, &moved) in moved.iter().enumerate() {
        if moved {
            continue;
        }
        let span = &pending.drafts.spans[span_idx];
        let Some(parent) = span.parent_span_id else {
            continue;
        };
        let Some(candidates) = servers.get(&(span.trace_id, parent)) else {
            continue;
        };
        let local = pending.local(span_idx);
        let chosen = candidates.iter().find(|&&server| pending.local(server) == local).or_else(|| {
            candidates.iter().find(|&&server| {
                local.service_name.is_some() && pending.local(server).service_name == local.service_name
            })
        });
        if let Some(&server) = chosen {
            let server_id = pending.drafts.spans[server].span_id;
            pending.drafts.spans[span_idx].parent_span_id = Some(server_id);
        }
    }
}

/// [`micros`], where Zipkin treats 0 as absent.
fn zipkin_micros(
    value: Option<JsonInt>,
    what: &'static str,
    site: &Site,
    field: Field,
    warnings: &mut Warnings,
) -> Option<i64> {
    micros(value.filter(|JsonInt(us)| *us != 0), what, site, field, warnings)
}

fn take(attributes: &mut Vec<KeyValue>, key: &str) -> Option<AttributeValue> {
    let position = attributes.iter().position(|kv| kv.key == key)?;
    Some(attributes.remove(position).value)
}

fn status_from_tags(attributes: &mut Vec<KeyValue>, site: &Site, warnings: &mut Warnings) -> Status {
    if !attributes.iter().any(|kv| kv.key == "error" || kv.key.starts_with("otel.status_")) {
        return Status::default();
    }
    let error = take(attributes, "error").map(|value| value.to_string());
    let code_tag = take(attributes, "otel.status_code").map(|value| value.to_string());
    let description = take(attributes, "otel.status_description").map(|value| value.to_string());
    let error_set = error.as_deref().is_some_and(|text| !text.eq_ignore_ascii_case("false"));
    let code = match code_tag.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("OK") => StatusCode::Ok,
        Some("ERROR") => StatusCode::Error,
        Some("UNSET") => StatusCode::Unset,
        Some(_) => {
            warnings.push(
                site,
                TAGS,
                WarningKind::UnknownStatusCode { written: code_tag.clone().unwrap_or_default() },
            );
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
fn parse_annotation(
    value: &str,
    site: &Site,
    field: Field,
    warnings: &mut Warnings,
    texts: &mut Interner,
) -> (Text, Vec<KeyValue>) {
    if value.starts_with('"')
        && value.ends_with('}')
        && let Ok(serde_json::Value::Object(object)) =
            serde_json::from_str::<serde_json::Value>(&format!("{{{value}}}"))
        && let Some((name, serde_json::Value::Object(attributes))) = object.iter().next()
        && object.len() == 1
    {
        let attributes = attributes
            .iter()
            .map(|(key, value)| KeyValue {
                key: key.clone().into(),
                value: attribute_from_json(key, value, site, field, warnings),
            })
            .collect();
        return (texts.intern(name), attributes);
    }
    (texts.intern(value), Vec::new())
}

fn read_piece(span: SpanIn<'_>, span_idx: usize, reader: &mut Reader) -> Piece {
    let Reader { warnings, ids, texts, recent, last_local, .. } = reader;
    let written_id = span.id.as_deref().unwrap_or_default();
    let site = Site::item(&Text::from_static("$"), "", span_idx, written_id);
    let trace_id =
        ids.trace_id(span.trace_id.as_deref().unwrap_or(""), &site, Field::new(".traceId"), warnings);
    let span_id = ids.span_id(written_id, &site, SPAN_FIELDS.span_id, warnings);
    let parent_span_id = ids.parent_span_id(span.parent_id.as_deref(), &site, SPAN_FIELDS.parent, warnings);
    let kind = span.kind.as_deref().map(|written| {
        let named = |name: &str| written.eq_ignore_ascii_case(name);
        if named("CLIENT") {
            SpanKind::Client
        } else if named("SERVER") {
            SpanKind::Server
        } else if named("PRODUCER") {
            SpanKind::Producer
        } else if named("CONSUMER") {
            SpanKind::Consumer
        } else {
            warnings.push(
                &site,
                Field::new(".kind"),
                WarningKind::UnknownSpanKind { written: written.to_owned() },
            );
            SpanKind::Internal
        }
    });
    let tags = span.tags.unwrap_or_default().0;
    if recent.len() < tags.len() {
        recent.resize(tags.len(), Default::default());
    }
    let tags: Vec<KeyValue> = tags
        .into_iter()
        .zip(recent.iter_mut())
        .map(|((key, value), (recent_key, recent_value))| {
            let key = texts.intern_like(&key, recent_key);
            let value = match value {
                JsonValue::Str(text) => AttributeValue::Str(texts.intern_like(&text, recent_value)),
                other => attribute_from_json(&key, &other.to_value(), &site, TAGS, warnings),
            };
            KeyValue { key, value }
        })
        .collect();
    let start_ns = zipkin_micros(span.timestamp, "timestamp", &site, SPAN_FIELDS.start, warnings);
    let duration_ns = zipkin_micros(span.duration, "duration", &site, SPAN_FIELDS.end, warnings);
    let events = span
        .annotations
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(annotation_idx, annotation)| {
            let value = annotation.value.as_deref().unwrap_or("");
            let field = Field::item(".annotations", annotation_idx, ".value");
            let (name, attributes) = parse_annotation(value, &site, field, warnings, texts);
            let field = Field::item(".annotations", annotation_idx, ".timestamp");
            let time = zipkin_micros(annotation.timestamp, "annotation timestamp", &site, field, warnings);
            Event { time_ns: time.or(start_ns).unwrap_or(0), name, attributes }
        })
        .collect();
    Piece {
        site,
        trace_id,
        span_id,
        parent_span_id,
        name: span.name.as_deref().map_or_else(Text::default, |name| texts.intern(name)),
        kind,
        start_ns,
        duration_ns,
        local: {
            let local = span.local_endpoint.map(|local| EndpointText::new(local, texts)).unwrap_or_default();
            match last_local.as_ref().filter(|last| ***last == local) {
                Some(last) => Arc::clone(last),
                None => {
                    let local = Arc::new(local);
                    *last_local = Some(Arc::clone(&local));
                    local
                }
            }
        },
        remote: span.remote_endpoint.map(|remote| Box::new(EndpointText::new(remote, texts))),
        tags,
        events,
        shared: span.shared.unwrap_or(false),
    }
}

/// A local endpoint's address and port as resource attributes: `host.ip` (the IPv4 address, or
/// the IPv6 one; when both are given, both, as a list kept the way the OTLP reader keeps array
/// values: `{"values":[{"stringValue":ipv4},{"stringValue":ipv6}]}`) and `host.port`.
fn endpoint_attributes(endpoint: &EndpointText) -> Vec<KeyValue> {
    let mut attributes = Vec::new();
    let ip = match (&endpoint.ipv4, &endpoint.ipv6) {
        (Some(ipv4), Some(ipv6)) => Some(Text::from(
            serde_json::json!({"values": [{"stringValue": ipv4.as_str()}, {"stringValue": ipv6.as_str()}]})
                .to_string(),
        )),
        (Some(ip), None) | (None, Some(ip)) => Some(ip.clone()),
        (None, None) => None,
    };
    if let Some(ip) = ip {
        attributes.push(KeyValue::new(HOST_IP, ip));
    }
    if let Some(port) =
        endpoint.port.and_then(|JsonInt(port)| i64::try_from(port).ok()).filter(|&port| port != 0)
    {
        attributes.push(KeyValue::new(HOST_PORT, port));
    }
    attributes
}

/// The addresses in a `host.ip` value: the text, or the strings of a list kept as JSON text (OTLP's
/// `{"values":[{"stringValue":"10.0.0.1"},…]}` or `["10.0.0.1",…]`): whatever is made of hex
/// digits, dots and colons (IPv4 and IPv6 addresses), without the list's own keys.
fn addresses(text: &str) -> impl Iterator<Item = &str> {
    let quoted = text.contains('"');
    text.split('"').enumerate().filter_map(move |(piece_idx, piece)| {
        let address = piece.trim();
        let between_quotes = !quoted || piece_idx % 2 == 1;
        let kept = between_quotes
            && !address.is_empty()
            && address.bytes().all(|byte| byte.is_ascii_hexdigit() || byte == b'.' || byte == b':');
        kept.then_some(address)
    })
}

/// The resource attributes Zipkin's local endpoint is kept as.
const HOST_IP: &str = "host.ip";
const HOST_PORT: &str = "host.port";

/// Turns merged pieces into drafts of spans.
struct Converter {
    resources: Resources,
    /// The last span's local endpoint and scope, and the resource made of them: neighbouring
    /// spans mostly share theirs.
    last: Option<(EndpointText, (Text, Text), Resource)>,
    texts: Interner,
}

impl Converter {
    fn convert(&mut self, piece: Piece, pending: &mut Pending, warnings: &mut Warnings) {
        let Piece { site, mut tags, local, remote, .. } = piece;
        let status = status_from_tags(&mut tags, &site, warnings);
        let host = match take(&mut tags, "host.name") {
            Some(AttributeValue::Str(text)) => text,
            Some(value) => self.texts.intern(&value.to_string()),
            None => Text::default(),
        };
        let scope = take_scope_tags(&mut tags);
        let resource = match &self.last {
            Some((endpoint, last_scope, resource)) if *endpoint == *local && *last_scope == scope => {
                resource.clone()
            }
            _ => {
                let resource = self.resources.get(ResourceData {
                    attributes: endpoint_attributes(&local),
                    scope_name: scope.0.clone(),
                    scope_version: scope.1.clone(),
                    scope_attributes: Vec::new(),
                });
                self.last = Some((EndpointText::clone(&local), scope, resource.clone()));
                resource
            }
        };
        let service = match &local.service_name {
            Some(service) if !service.is_empty() => service.clone(),
            _ => {
                let service = unknown_service(&[]);
                warnings.push(
                    &site,
                    Field::new(".localEndpoint.serviceName"),
                    WarningKind::MissingServiceName { service: service.clone() },
                );
                Text::from(service)
            }
        };
        let mut attributes = tags;
        if let Some(remote) = &remote {
            if let Some(remote_service) = remote.service_name.as_ref().filter(|name| !name.is_empty()) {
                let named = attributes.iter().any(|kv| {
                    kv.key == "peer.service"
                        || (kv.key == "server.address"
                            && matches!(&kv.value, AttributeValue::Str(text) if text == remote_service))
                });
                if !named {
                    attributes.push(KeyValue::new("peer.service", remote_service.clone()));
                }
            }
            push_endpoint(&mut attributes, remote);
        }
        // Taking tags out and adding the remote endpoint's left room in the list (or doubled
        // it): the span keeps a list of its size.
        if attributes.len() != attributes.capacity() {
            let mut exact = Vec::with_capacity(attributes.len());
            exact.append(&mut attributes);
            attributes = exact;
        }
        pending.drafts.push(Draft {
            span: Span {
                trace_id: piece.trace_id,
                span_id: piece.span_id,
                parent_span_id: piece.parent_span_id,
                name: piece.name,
                kind: piece.kind.unwrap_or(SpanKind::Internal),
                service,
                host,
                resource,
                start_ns: 0,
                end_ns: 0,
                status,
                attributes,
                events: piece.events,
                links: Vec::new(),
                traceparent: None,
                truth: None,
            },
            site,
            start_ns: piece.start_ns,
            duration_ns: piece.duration_ns,
            parent_ref: NO_REF,
        });
        pending.shared.push(piece.shared);
        pending.push_local(local);
    }
}

/// A remote endpoint's address and port as `network.peer.address` / `network.peer.port`
/// attributes (unless the tags already give them).
fn push_endpoint(attributes: &mut Vec<KeyValue>, endpoint: &EndpointText) {
    let mut set = |key: &'static str, value: AttributeValue| {
        if !attributes.iter().any(|kv| kv.key == key) {
            attributes.push(KeyValue { key: Text::from_static(key), value });
        }
    };
    if let Some(address) = endpoint.ipv4.as_ref().or(endpoint.ipv6.as_ref()) {
        set("network.peer.address", AttributeValue::Str(address.clone()));
    }
    if let Some(port) =
        endpoint.port.and_then(|JsonInt(port)| i64::try_from(port).ok()).filter(|&port| port != 0)
    {
        set("network.peer.port", AttributeValue::Int(port));
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
        assert_eq!(no_times.end_ns, 1_200_000, "it waited for its child, which started then");
        let grandchild = &imported.spans[2];
        assert_eq!(grandchild.start_ns, 1_200_000);
        assert_eq!(grandchild.end_ns, 1_200_000);
        let kinds = warning_kinds(&imported);
        assert!(kinds.contains(&&WarningKind::MissingStart {
            placed_at_ns: 1_000_000,
            reason: "at its parent's start",
        }));
        let durations: Vec<(&str, &WarningKind)> = imported
            .warnings
            .iter()
            .filter(|warning| matches!(warning.kind, WarningKind::MissingDuration { .. }))
            .map(|warning| (warning.path.as_str(), &warning.kind))
            .collect();
        assert_eq!(
            durations,
            [
                (
                    "$[1].duration",
                    &WarningKind::MissingDuration { shown: "shown ending when its last child ends" }
                ),
                ("$[2].duration", &WarningKind::MissingDuration { shown: "shown with zero duration" }),
            ]
        );
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
            && warning.path == "$[0].timestamp"
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
        assert_eq!(span.attribute("network.local.address"), None, "the local endpoint is the resource's");
        assert_eq!(span.resource.attribute("host.ip"), Some(&AttributeValue::from("10.0.0.1")));
        assert_eq!(span.events[0].name, "ws");
        assert_eq!(span.events[1].name, "retry");
        assert_eq!(span.events[1].attributes, vec![KeyValue::new("attempt", 2)]);
    }

    #[test]
    fn pieces_merge_when_their_endpoints_agree_and_many_pieces_stay_fast() {
        let piece = |service: &str, extra: &str| {
            format!(
                r#"{{"traceId":"0000000000000001","id":"0000000000000002","name":"p","localEndpoint":{{"serviceName":"{service}"}}{extra}}}"#
            )
        };
        // a, b, a: the two pieces from `a` are one span, `b`'s is another (a duplicate id).
        let text = format!(
            "[{},{},{}]",
            piece("a", r#","timestamp":10,"duration":5,"tags":{"k":"1"}"#),
            piece("b", r#","timestamp":11,"duration":2"#),
            piece("a", r#","timestamp":9,"duration":3,"tags":{"k":"2","j":"x"}"#)
        );
        let imported = import(&text, "pieces.json").expect("imports");
        assert_eq!(imported.spans.len(), 2);
        let merged = &imported.spans[0];
        assert_eq!((merged.start_ns, merged.end_ns), (9_000, 14_000), "earliest start, longest duration");
        assert_eq!(merged.attributes, [KeyValue::new("k", "2"), KeyValue::new("j", "x")]);
        assert_eq!(imported.spans[1].service, "b");
        let kinds = warning_kinds(&imported);
        assert!(kinds.contains(&&WarningKind::MergedPieces { n_pieces: 2, others: vec!["$[2]".to_owned()] }));
        assert!(kinds.iter().any(|kind| matches!(kind, WarningKind::DuplicateSpanId { .. })));
        // 20,000 pieces of one id from 20,000 services, and 20,000 from one: sorted, not compared
        // pairwise.
        let many: Vec<String> = (0..20_000).map(|n| piece(&format!("s{n}"), r#","timestamp":1"#)).collect();
        assert_eq!(
            import(&format!("[{}]", many.join(",")), "many.json").expect("imports").spans.len(),
            20_000
        );
        let same: Vec<String> = (0..20_000).map(|_| piece("s", r#","timestamp":1"#)).collect();
        assert_eq!(import(&format!("[{}]", same.join(",")), "same.json").expect("imports").spans.len(), 1);
    }

    #[test]
    fn zipkin_v1_is_rejected_with_the_span_path() {
        let text = r#"[{"traceId":"0000000000000001","id":"0000000000000001","name":"x",
                        "binaryAnnotations":[]}]"#;
        let error = import(text, "v1.json").expect_err("v1 is not v2");
        let message = error.to_string();
        assert!(message.starts_with("v1.json: $[0].binaryAnnotations: "), "{message}");
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
