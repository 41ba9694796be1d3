//! A compact binary form of spans, for handing them between the page and its worker (the page
//! imports and exports files in a Web Worker, so that the importers and exporters are not part
//! of the page's first download and a big file never blocks the page).
//!
//! Everything a [`Span`] holds survives the trip, including the simulator's ground truth and the
//! `traceparent`; each distinct text is written once (a string table) and spans that shared a
//! [`Resource`] share one again after decoding, so a decoded 100,000-span trace costs what the
//! imported one did. Decoding checks every length against the bytes that are left and never
//! panics: damaged input is a [`WireError`] that says where.
//!
//! The form is private to one build of Reqflow (the page and its worker come from the same
//! build); it is not a file format and has no compatibility promise beyond its magic number.

use std::collections::BTreeMap;

use crate::{Format, Imported};
use reqflow_core::ids::{SpanId, TraceId};
use reqflow_core::text::Text;
use reqflow_core::trace::{
    AttributeValue, Event, KeyValue, Link, Resource, ResourceData, Span, SpanKind, Status, StatusCode, Truth,
};
use reqflow_core::view::ImportedTrace;

const MAGIC: &[u8; 4] = b"RQW1";

/// Why bytes could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("damaged span data at byte {offset}: {what}")]
pub struct WireError {
    pub offset: usize,
    pub what: &'static str,
}

/// What an import hands from the worker to the page: [`Imported`] with its warnings as text.
#[derive(Clone, Debug, PartialEq)]
pub struct WireImport {
    pub format: Format,
    pub spans: Vec<Span>,
    /// As [`Imported::parents`].
    pub parents: Vec<Option<u32>>,
    /// Each import warning as it is shown.
    pub warnings: Vec<String>,
}

impl From<WireImport> for ImportedTrace {
    fn from(imported: WireImport) -> ImportedTrace {
        ImportedTrace {
            format: imported.format.title().to_owned(),
            spans: imported.spans,
            parents: imported.parents,
            warnings: imported.warnings,
        }
    }
}

/// Encodes spans.
pub fn encode_spans(spans: &[Span]) -> Vec<u8> {
    let mut writer = Writer::default();
    writer.body.reserve_exact(spans_size(spans) + TABLES_ROOM);
    writer.spans(spans);
    writer.finish()
}

/// Decodes what [`encode_spans`] wrote.
pub fn decode_spans(bytes: &[u8]) -> Result<Vec<Span>, WireError> {
    let mut reader = Reader::new(bytes)?;
    let spans = reader.spans()?;
    reader.end()?;
    Ok(spans)
}

/// Encodes an import's result.
pub fn encode_import(imported: &Imported) -> Vec<u8> {
    let mut writer = Writer::default();
    // (Warnings, usually few, are not counted: the body grows for them if it must.)
    let parents = 4 * (1 + imported.parents.len());
    writer.body.reserve_exact(8 + spans_size(&imported.spans) + parents + 4 + TABLES_ROOM);
    writer.text(imported.format.as_str());
    writer.spans(&imported.spans);
    writer.u32(imported.parents.len() as u32);
    for parent in &imported.parents {
        writer.u32(parent.unwrap_or(u32::MAX));
    }
    writer.u32(imported.warnings.len() as u32);
    for warning in &imported.warnings {
        writer.text(&warning.to_string());
    }
    writer.finish()
}

/// Decodes what [`encode_import`] wrote.
pub fn decode_import(bytes: &[u8]) -> Result<WireImport, WireError> {
    let mut reader = Reader::new(bytes)?;
    let at = reader.pos;
    let format = reader.text()?.parse().map_err(|_| WireError { offset: at, what: "unknown format" })?;
    let spans = reader.spans()?;
    let n_parents = reader.count(4)?;
    let mut parents = Vec::with_capacity(n_parents);
    for _ in 0..n_parents {
        let at = reader.pos;
        let parent = reader.u32()?;
        if parent != u32::MAX && parent as usize >= spans.len() {
            return Err(WireError { offset: at, what: "parent index out of range" });
        }
        parents.push((parent != u32::MAX).then_some(parent));
    }
    if parents.len() != spans.len() {
        return Err(WireError { offset: reader.pos, what: "one parent per span expected" });
    }
    let n_warnings = reader.count(4)?;
    let mut warnings = Vec::with_capacity(n_warnings);
    for _ in 0..n_warnings {
        warnings.push(reader.text()?.as_str().to_owned());
    }
    reader.end()?;
    Ok(WireImport { format, spans, parents, warnings })
}

/// Room left in the body for the string and resource tables, which [`Writer::finish`] moves in
/// front of it (more only costs a reallocation).
const TABLES_ROOM: usize = 16 * 1024;

/// How many bytes [`Writer::spans`] writes for `spans`: the body is allocated once at its size.
/// For 100,000 spans the body is ≈ 12 MB; grown by doubling it held 16 MB and left 16 MB of
/// freed blocks behind, and a browser worker's memory never shrinks. (Only a size: a wrong one
/// costs a reallocation, never a wrong encoding.)
fn spans_size(spans: &[Span]) -> usize {
    let attributes = |attributes: &[KeyValue]| {
        4 + attributes
            .iter()
            .map(|kv| match kv.value {
                AttributeValue::Bool(_) => 4 + 2,
                AttributeValue::Int(_) | AttributeValue::Float(_) => 4 + 9,
                AttributeValue::Str(_) => 4 + 5,
            })
            .sum::<usize>()
    };
    let span_size = |span: &Span| {
        // Ids and parent, name, kind, service, host, resource, times, status, traceparent, truth.
        let fixed = 16 + 8 + 1 + 4 + 1 + 4 + 4 + 4 + 16 + 1 + 4 + 1 + 1;
        let parent = if span.parent_span_id.is_some() { 8 } else { 0 };
        let traceparent = if span.traceparent.is_some() { 4 } else { 0 };
        let truth = if span.truth.is_some() { 24 } else { 0 };
        let events: usize = span.events.iter().map(|event| 8 + 4 + attributes(&event.attributes)).sum();
        let links: usize = span.links.iter().map(|link| 16 + 8 + attributes(&link.attributes)).sum();
        fixed + parent + traceparent + truth + attributes(&span.attributes) + 4 + events + 4 + links
    };
    4 + spans.iter().map(span_size).sum::<usize>()
}

/// Writes the body while collecting the string and resource tables that go before it.
#[derive(Default)]
struct Writer<'a> {
    body: Vec<u8>,
    strings: Vec<&'a str>,
    string_index: BTreeMap<&'a str, u32>,
    /// By address first: spans share one allocation per distinct text, so most look-ups never
    /// compare text. Only a cache: indices follow the text.
    string_at: BTreeMap<(usize, usize), u32>,
    /// Owned strings (warnings, the format name) live in the body directly.
    resources: Vec<&'a ResourceData>,
    /// By address: spans of one resource share one allocation.
    resource_index: BTreeMap<usize, u32>,
}

impl<'a> Writer<'a> {
    fn u8(&mut self, value: u8) {
        self.body.push(value);
    }

    fn u32(&mut self, value: u32) {
        self.body.extend_from_slice(&value.to_le_bytes());
    }

    fn i64(&mut self, value: i64) {
        self.body.extend_from_slice(&value.to_le_bytes());
    }

    /// Text written in place (not in the table).
    fn text(&mut self, text: &str) {
        self.u32(text.len() as u32);
        self.body.extend_from_slice(text.as_bytes());
    }

    fn string_ref(&mut self, text: &'a str) -> u32 {
        let address = (text.as_ptr() as usize, text.len());
        if let Some(index) = self.string_at.get(&address) {
            return *index;
        }
        let index = self.string_by_content(text);
        self.string_at.insert(address, index);
        index
    }

    fn string_by_content(&mut self, text: &'a str) -> u32 {
        let next = self.strings.len() as u32;
        let index = *self.string_index.entry(text).or_insert(next);
        if index == next {
            self.strings.push(text);
        }
        index
    }

    /// A reference into the string table.
    fn string(&mut self, text: &'a str) {
        let index = self.string_ref(text);
        self.u32(index);
    }

    fn attributes(&mut self, attributes: &'a [KeyValue]) {
        self.u32(attributes.len() as u32);
        for attribute in attributes {
            self.string(&attribute.key);
            match &attribute.value {
                AttributeValue::Bool(value) => {
                    self.u8(0);
                    self.u8(u8::from(*value));
                }
                AttributeValue::Int(value) => {
                    self.u8(1);
                    self.i64(*value);
                }
                AttributeValue::Float(value) => {
                    self.u8(2);
                    self.body.extend_from_slice(&value.to_bits().to_le_bytes());
                }
                AttributeValue::Str(value) => {
                    self.u8(3);
                    self.string(value);
                }
            }
        }
    }

    fn resource(&mut self, resource: &'a Resource) {
        if resource.is_empty() {
            self.u32(0);
            return;
        }
        let data = resource.data();
        let next = self.resources.len() as u32;
        let index = *self.resource_index.entry(data as *const ResourceData as usize).or_insert(next);
        if index == next {
            self.resources.push(data);
        }
        self.u32(index + 1);
    }

    fn spans(&mut self, spans: &'a [Span]) {
        self.u32(spans.len() as u32);
        for span in spans {
            self.body.extend_from_slice(&span.trace_id.0);
            self.body.extend_from_slice(&span.span_id.0);
            match span.parent_span_id {
                Some(parent) => {
                    self.u8(1);
                    self.body.extend_from_slice(&parent.0);
                }
                None => self.u8(0),
            }
            self.string(&span.name);
            self.u8(span.kind as u8);
            self.string(&span.service);
            self.string(&span.host);
            self.resource(&span.resource);
            self.i64(span.start_ns);
            self.i64(span.end_ns);
            self.u8(span.status.code as u8);
            self.string(&span.status.message);
            self.attributes(&span.attributes);
            self.u32(span.events.len() as u32);
            for event in &span.events {
                self.i64(event.time_ns);
                self.string(&event.name);
                self.attributes(&event.attributes);
            }
            self.u32(span.links.len() as u32);
            for link in &span.links {
                self.body.extend_from_slice(&link.trace_id.0);
                self.body.extend_from_slice(&link.span_id.0);
                self.attributes(&link.attributes);
            }
            match &span.traceparent {
                Some(header) => {
                    self.u8(1);
                    self.string(header);
                }
                None => self.u8(0),
            }
            match span.truth {
                Some(truth) => {
                    self.u8(1);
                    self.i64(truth.start_ns);
                    self.i64(truth.end_ns);
                    self.i64(truth.queued_ns);
                }
                None => self.u8(0),
            }
        }
    }

    /// Magic, string table, resource table, then the body.
    fn finish(mut self) -> Vec<u8> {
        // Resources refer to strings too: write them into their own buffer first.
        let body = std::mem::take(&mut self.body);
        let resources = std::mem::take(&mut self.resources);
        for data in &resources {
            self.attributes(&data.attributes);
            self.string(&data.scope_name);
            self.string(&data.scope_version);
            self.attributes(&data.scope_attributes);
        }
        let resource_bytes = std::mem::take(&mut self.body);
        let strings: usize = self.strings.iter().map(|text| 4 + text.len()).sum();
        let mut head = Vec::with_capacity(MAGIC.len() + 4 + strings + 4 + resource_bytes.len());
        head.extend_from_slice(MAGIC);
        head.extend_from_slice(&(self.strings.len() as u32).to_le_bytes());
        for text in &self.strings {
            head.extend_from_slice(&(text.len() as u32).to_le_bytes());
            head.extend_from_slice(text.as_bytes());
        }
        head.extend_from_slice(&(resources.len() as u32).to_le_bytes());
        head.extend_from_slice(&resource_bytes);
        // The tables go in front of the body, in the room left for them (not into a copy of the
        // body: that was one more 12 MB buffer for 100,000 spans).
        let mut out = body;
        out.splice(0..0, head);
        out
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    strings: Vec<Text>,
    resources: Vec<Resource>,
}

impl<'a> Reader<'a> {
    /// Checks the magic and reads the string and resource tables.
    fn new(bytes: &'a [u8]) -> Result<Reader<'a>, WireError> {
        let mut reader = Reader { bytes, pos: 0, strings: Vec::new(), resources: Vec::new() };
        if reader.take(4)? != MAGIC {
            return Err(WireError { offset: 0, what: "not Reqflow span data" });
        }
        let n_strings = reader.count(4)?;
        reader.strings.reserve(n_strings);
        for _ in 0..n_strings {
            let text = reader.text()?;
            reader.strings.push(text);
        }
        let n_resources = reader.count(4)?;
        for _ in 0..n_resources {
            let attributes = reader.attributes()?;
            let scope_name = reader.string()?;
            let scope_version = reader.string()?;
            let scope_attributes = reader.attributes()?;
            let data = ResourceData { attributes, scope_name, scope_version, scope_attributes };
            reader.resources.push(Resource::new(data));
        }
        Ok(reader)
    }

    fn fail<T>(&self, what: &'static str) -> Result<T, WireError> {
        Err(WireError { offset: self.pos, what })
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], WireError> {
        match self.bytes.get(self.pos..self.pos.saturating_add(len)) {
            Some(slice) => {
                self.pos += len;
                Ok(slice)
            }
            None => self.fail("ends early"),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let slice = self.take(N)?;
        let mut out = [0; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.array::<1>()?[0])
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64, WireError> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    fn flag(&mut self) -> Result<bool, WireError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => self.fail("a flag other than 0 or 1"),
        }
    }

    /// A count of items at least `min_size` bytes each: never more than the bytes left hold.
    fn count(&mut self, min_size: usize) -> Result<usize, WireError> {
        let count = self.u32()? as usize;
        if count.saturating_mul(min_size) > self.bytes.len() - self.pos {
            return self.fail("a count larger than the data");
        }
        Ok(count)
    }

    /// Text written in place.
    fn text(&mut self) -> Result<Text, WireError> {
        let len = self.u32()? as usize;
        let at = self.pos;
        let bytes = self.take(len)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(Text::new(text)),
            Err(_) => Err(WireError { offset: at, what: "text that is not UTF-8" }),
        }
    }

    /// A reference into the string table.
    fn string(&mut self) -> Result<Text, WireError> {
        let index = self.u32()? as usize;
        match self.strings.get(index) {
            Some(text) => Ok(text.clone()),
            None => self.fail("a string index out of range"),
        }
    }

    fn attributes(&mut self) -> Result<Vec<KeyValue>, WireError> {
        let count = self.count(6)?;
        let mut attributes = Vec::with_capacity(count);
        for _ in 0..count {
            let key = self.string()?;
            let value = match self.u8()? {
                0 => AttributeValue::Bool(self.flag()?),
                1 => AttributeValue::Int(self.i64()?),
                2 => AttributeValue::Float(f64::from_bits(u64::from_le_bytes(self.array()?))),
                3 => AttributeValue::Str(self.string()?),
                _ => return self.fail("an unknown attribute type"),
            };
            attributes.push(KeyValue { key, value });
        }
        Ok(attributes)
    }

    fn spans(&mut self) -> Result<Vec<Span>, WireError> {
        // The smallest span: ids (24 bytes), parent flag, name, kind, service, host, resource,
        // times (16), status code and message, three counts, two flags: 77 bytes.
        let count = self.count(77)?;
        let mut spans = Vec::with_capacity(count);
        for _ in 0..count {
            spans.push(self.span()?);
        }
        Ok(spans)
    }

    fn span(&mut self) -> Result<Span, WireError> {
        let trace_id = TraceId(self.array()?);
        let span_id = SpanId(self.array()?);
        let parent_span_id = if self.flag()? { Some(SpanId(self.array()?)) } else { None };
        let name = self.string()?;
        let kind = match self.u8()? {
            0 => SpanKind::Internal,
            1 => SpanKind::Server,
            2 => SpanKind::Client,
            3 => SpanKind::Producer,
            4 => SpanKind::Consumer,
            _ => return self.fail("an unknown span kind"),
        };
        let service = self.string()?;
        let host = self.string()?;
        let resource = match self.u32()? as usize {
            0 => Resource::default(),
            index => match self.resources.get(index - 1) {
                Some(resource) => resource.clone(),
                None => return self.fail("a resource index out of range"),
            },
        };
        let start_ns = self.i64()?;
        let end_ns = self.i64()?;
        let code = match self.u8()? {
            0 => StatusCode::Unset,
            1 => StatusCode::Ok,
            2 => StatusCode::Error,
            _ => return self.fail("an unknown status code"),
        };
        let status = Status { code, message: self.string()? };
        let attributes = self.attributes()?;
        let n_events = self.count(16)?;
        let mut events = Vec::with_capacity(n_events);
        for _ in 0..n_events {
            let time_ns = self.i64()?;
            let name = self.string()?;
            events.push(Event { time_ns, name, attributes: self.attributes()? });
        }
        let n_links = self.count(28)?;
        let mut links = Vec::with_capacity(n_links);
        for _ in 0..n_links {
            let trace_id = TraceId(self.array()?);
            let span_id = SpanId(self.array()?);
            links.push(Link { trace_id, span_id, attributes: self.attributes()? });
        }
        let traceparent = if self.flag()? { Some(self.string()?.as_str().to_owned()) } else { None };
        let truth = if self.flag()? {
            Some(Truth { start_ns: self.i64()?, end_ns: self.i64()?, queued_ns: self.i64()? })
        } else {
            None
        };
        Ok(Span {
            trace_id,
            span_id,
            parent_span_id,
            name,
            kind,
            service,
            host,
            resource,
            start_ns,
            end_ns,
            status,
            attributes,
            events,
            links,
            traceparent,
            truth,
        })
    }

    fn end(&self) -> Result<(), WireError> {
        if self.pos == self.bytes.len() { Ok(()) } else { self.fail("bytes after the end") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqflow_core::knobs::Knobs;
    use reqflow_core::{Simulation, builtins};

    fn simulated(name: &str, requests: u64) -> Vec<Span> {
        let scenario = Knobs::default().apply(&builtins::load(name).expect("built-in"));
        let simulation = Simulation::new(&scenario).expect("compiles");
        (0..requests).flat_map(|seed| simulation.simulate_one(seed).expect("runs").spans).collect()
    }

    #[test]
    fn simulated_spans_survive_with_truth_and_traceparent() {
        for name in builtins::names() {
            let spans = simulated(name, 3);
            let decoded = decode_spans(&encode_spans(&spans)).expect("decodes");
            assert_eq!(decoded, spans, "{name}");
        }
        let spans = simulated("async-queue", 1);
        assert!(
            spans.iter().any(|span| span.truth.is_some() && span.traceparent.is_some()),
            "the test covers both"
        );
    }

    #[test]
    fn imported_spans_keep_resources_shared_parents_and_warnings() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/otlp/jaeger_example_trace.json"
        ))
        .expect("fixture");
        let mut imported = crate::import(&text, "example.json").expect("imports");
        // A resource shared by two spans, and one attribute of every type.
        let resource = Resource::new(ResourceData {
            attributes: vec![KeyValue::new("host.id", "i-1"), KeyValue::new("k8s.pod.uid", 7_i64)],
            scope_name: Text::new("io.opentelemetry.jdbc"),
            scope_version: Text::new("1.2"),
            scope_attributes: vec![KeyValue::new("shared", true)],
        });
        imported.spans[0].resource = resource.clone();
        imported.spans[1].resource = resource;
        imported.spans[0]
            .attributes
            .push(KeyValue { key: Text::new("ratio"), value: AttributeValue::Float(0.25) });
        let decoded = decode_import(&encode_import(&imported)).expect("decodes");
        assert_eq!(decoded.format, imported.format);
        assert_eq!(decoded.spans, imported.spans);
        assert_eq!(decoded.parents, imported.parents);
        assert_eq!(decoded.warnings, imported.warnings.iter().map(ToString::to_string).collect::<Vec<_>>());
        assert!(
            decoded.spans[0].resource.same_allocation(&decoded.spans[1].resource),
            "still one allocation"
        );
    }

    #[test]
    fn damaged_data_is_an_error_that_says_where_never_a_panic() {
        let bytes = encode_spans(&simulated("try-it", 1));
        assert_eq!(decode_spans(&bytes[..3]), Err(WireError { offset: 0, what: "ends early" }));
        assert_eq!(decode_spans(b"JSON{}").unwrap_err().what, "not Reqflow span data");
        for cut in [4, 9, bytes.len() / 2, bytes.len() - 1] {
            let error = decode_spans(&bytes[..cut]).expect_err("cut short");
            assert!(error.offset <= cut, "{error} at cut {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode_spans(&longer).unwrap_err().what, "bytes after the end");
        // A count claiming more spans than the data could hold is refused before allocating.
        let mut huge = MAGIC.to_vec();
        huge.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(decode_spans(&huge).unwrap_err().what, "a count larger than the data");
        // Every single-byte change either decodes or fails cleanly.
        for at in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0xa5;
            if let Err(error) = decode_spans(&flipped) {
                assert!(error.offset <= flipped.len(), "{error} with byte {at} changed");
            }
        }
    }
}
