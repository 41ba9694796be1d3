//! Trace files: export spans to, and import spans from, OTLP/JSON, Jaeger JSON and Zipkin v2 JSON.
//!
//! Everything is hand-written on serde/serde_json, except the OTLP reader, which scans the JSON
//! itself for speed (no protobuf crates: the core also runs in the browser, where bundle size
//! matters).
//!
//! # Export
//!
//! [`export`] (or [`otlp::export`], [`jaeger::export`], [`zipkin::export`]) writes pretty-printed
//! JSON. The output is deterministic: the same spans give the same bytes. [`ExportWriter`] writes
//! the same documents a batch of spans at a time, for runs too large to hold. Simulator-only data
//! ([`Span::truth`](crate::trace::Span::truth), [`Span::traceparent`](crate::trace::Span::traceparent))
//! is not written. Jaeger and Zipkin store microseconds: start and end are rounded down to the
//! microsecond, so both survive a round trip at that precision. Zipkin has no links and only
//! string tags; Jaeger references carry no attributes.
//!
//! A span's [`Resource`](crate::trace::Resource) is written wherever the format has a place for
//! it: OTLP groups spans by resource (service, host and the other attributes) and, within one,
//! by instrumentation scope; Jaeger writes a process per (service, host, attributes) with the
//! attributes as its tags, and the scope as the span tags `otel.scope.name`/`otel.scope.version`;
//! Zipkin writes the local endpoint's address and port (`host.ip`, `host.port`) and the scope
//! tags, and has no place for the other resource attributes.
//!
//! # Import
//!
//! [`import`] detects the format and returns the spans in file order, plus warnings. Every
//! importer follows one policy (tests/fixtures/FORMATS.md, "Import policy"): an
//! [`ImportError`] only for what cannot be shown (not JSON, not UTF-8, not a trace, truncated,
//! a value of the wrong JSON type for a field of the format, beyond the size limits in
//! [`limits`]), always with the file, the position and, for a wrong value, the field; anything
//! else loads with an [`ImportWarning`] that names the JSON path of the field and says what was
//! done, and no structure is made up. Parsing never panics, and no span is dropped:
//!
//! * ids are hex; shorter ones (stripped leading zeros) are left-padded, longer ones lose only
//!   leading zeros; ids written in base64 (protobuf's JSON mapping of bytes) are decoded to their
//!   bytes; anything else ('span-1', zeros) is mapped to an id by a stable hash, so references
//!   to it still match;
//! * duplicate span ids: the first span keeps the id, later ones get a derived id;
//! * Zipkin pieces of one span (same trace id, span id and `shared` flag) are merged into one as
//!   Zipkin merges them; shared spans (a `shared` SERVER span reusing its CLIENT's id) get a
//!   derived id and become children of the client span, and spans below them are re-attached
//!   the way Zipkin does it;
//! * Jaeger references: the parent is the first CHILD_OF in the same trace, else the first
//!   FOLLOWS_FROM in the same trace; every other reference becomes a link;
//! * a resource (or process, or local endpoint) without a service name is `unknown_service`, as
//!   the OpenTelemetry SDK names it;
//! * spans without a start or a duration (incomplete spans) are kept and placed next to their
//!   relatives: at their parent's or earliest child's start, ending when their last child ends;
//!   the analysis never reads a trace from a root that lasts no time while another root lasts;
//! * attribute values the span model cannot hold (binary, arrays, maps) are kept as text.
//!
//! Resource attributes (OTLP), process tags (Jaeger) and the local endpoint's address and port
//! (Zipkin, as `host.ip` and `host.port`), with the instrumentation scope (OTLP's `scope`, the
//! `otel.scope.*` or `otel.library.*` tags), are kept in the span's
//! [`Resource`](crate::trace::Resource); `service.name` and `host.name` are its service and
//! host; spans of one resource share one allocation. A Zipkin remote endpoint becomes the span
//! attributes `peer.service`, `network.peer.address` and `network.peer.port`. Imported spans
//! have no [`Truth`](crate::trace::Truth) and no traceparent. OTLP's unspecified span kind
//! becomes [`SpanKind::Internal`](crate::trace::SpanKind::Internal).

mod common;
pub mod jaeger;
mod json_in;
mod json_out;
pub mod limits;
pub mod otlp;
pub mod stream_out;
pub mod zipkin;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::trace::Span;
use json_in::StepReader;

pub use stream_out::ExportWriter;

/// A trace file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// OTLP/JSON: an `ExportTraceServiceRequest` as the OTLP specification's JSON mapping writes it.
    #[default]
    Otlp,
    /// Jaeger JSON, as the Jaeger UI's "Download JSON" writes it (`{"data":[trace...]}`).
    Jaeger,
    /// Zipkin v2 JSON: an array of spans.
    Zipkin,
}

impl Format {
    /// Every format, in a stable order.
    pub const ALL: [Format; 3] = [Format::Otlp, Format::Jaeger, Format::Zipkin];

    /// The short name used on command lines and in [`Display`](fmt::Display).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Otlp => "otlp",
            Format::Jaeger => "jaeger",
            Format::Zipkin => "zipkin",
        }
    }

    /// A human-readable name ("OTLP/JSON", "Jaeger JSON", "Zipkin v2 JSON").
    pub fn title(self) -> &'static str {
        match self {
            Format::Otlp => "OTLP/JSON",
            Format::Jaeger => "Jaeger JSON",
            Format::Zipkin => "Zipkin v2 JSON",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not `otlp`, `jaeger` or `zipkin`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown trace format {text:?}: expected otlp, jaeger or zipkin")]
pub struct ParseFormatError {
    pub text: String,
}

impl FromStr for Format {
    type Err = ParseFormatError;

    /// Accepts the short names, case-insensitively.
    fn from_str(text: &str) -> Result<Format, ParseFormatError> {
        Format::ALL
            .into_iter()
            .find(|format| format.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| ParseFormatError { text: text.to_owned() })
    }
}

/// Writes `spans` in `format` (pretty-printed JSON).
pub fn export(spans: &[Span], format: Format) -> String {
    match format {
        Format::Otlp => otlp::export(spans),
        Format::Jaeger => jaeger::export(spans),
        Format::Zipkin => zipkin::export(spans),
    }
}

/// Writes `spans` in `format` as [`export`] does, but compact (no whitespace between tokens),
/// as collectors, Jaeger UI's "Download JSON" and Zipkin's API write files: the same document
/// as [`export`]'s with its whitespace removed.
pub fn export_compact(spans: &[Span], format: Format) -> String {
    let out = json_out::JsonOut::compact();
    match format {
        Format::Otlp => otlp::write(spans, out),
        Format::Jaeger => jaeger::write(spans, out),
        Format::Zipkin => zipkin::write(spans, out),
    }
}

/// The result of an import: the spans in file order, and what had to be repaired or left out.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    pub format: Format,
    pub spans: Vec<Span>,
    pub warnings: Vec<ImportWarning>,
    /// Each span's parent, by index into `spans`, as the import resolved the parent ids (after
    /// giving duplicate ids fresh ones). `analysis::analyze_linked` takes these instead of
    /// matching 100,000 ids again.
    pub parents: Vec<Option<u32>>,
}

/// Which kind of id a warning is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IdField {
    Trace,
    Span,
}

impl fmt::Display for IdField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdField::Trace => "trace id",
            IdField::Span => "span id",
        })
    }
}

/// A recoverable problem found while importing: the trace still loads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportWarning {
    /// Where in the file, as a JSON path (`$.data[0].spans[3]`, `$[12]`).
    pub path: String,
    /// The span concerned, its id as written in the file, when the warning is about one span.
    pub span_id: Option<String>,
    pub kind: WarningKind,
}

impl fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.span_id {
            Some(span_id) => write!(f, "{} (span {span_id}): {}", self.path, self.kind),
            None => write!(f, "{}: {}", self.path, self.kind),
        }
    }
}

/// What an [`ImportWarning`] is about.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WarningKind {
    /// An id had fewer hex digits than it should (older Jaeger stripped leading zeros).
    #[error("{field} {written:?} has {n_digits} hex digits: left-padded with zeros to {id}")]
    PaddedId { field: IdField, written: String, n_digits: u32, id: String },
    /// An id with more hex digits than it should have, the extra ones leading zeros: dropped.
    #[error("{field} {written:?} has {n_digits} hex digits: its leading zeros dropped, read as {id}")]
    TrimmedId { field: IdField, written: String, n_digits: u32, id: String },
    /// An id written in base64 (what protobuf's standard JSON mapping writes for bytes fields)
    /// rather than hex: decoded to its bytes.
    #[error("{field} {written:?} is base64, not hex (protobuf's JSON mapping of bytes): decoded to {id}")]
    Base64Id { field: IdField, written: String, id: String },
    /// An id that is neither hex nor base64 of the right length ('span-1', empty, all zeros,
    /// significant digits beyond the id's length), mapped to an id by a stable hash of its text:
    /// every reference written the same way still matches.
    #[error("{field} {written:?} is not a valid hex id: mapped to {id} by a stable hash")]
    HashedId { field: IdField, written: String, id: String },
    /// Another span earlier in the file has the same trace and span id.
    #[error("span id {written} is already used by another span in this trace: this span was given id {id}")]
    DuplicateSpanId { written: String, id: String },
    /// A Zipkin server span sharing its client span's id.
    #[error(
        "server span shares span id {written} with its client span: it was given id {id} and made a child of the client span"
    )]
    SharedSpanId { written: String, id: String },
    /// The span names itself as its parent; it is made a root.
    #[error("span is its own parent: made a root")]
    SelfParent,
    /// The parent span is not in the file; the span is shown as a root.
    #[error("parent span {parent} is not in the file")]
    MissingParent { parent: String },
    /// No start time (an incomplete span, e.g. a late or partial Zipkin report): the span was
    /// placed at `placed_at_ns`.
    #[error("incomplete span: no start time, placed at {placed_at_ns} ns ({reason})")]
    MissingStart { placed_at_ns: i64, reason: &'static str },
    /// No duration or end time (an incomplete span): `shown` says how it is drawn (ending when
    /// its last child ends, or with zero duration). It never becomes the trace's root while a
    /// span with a duration can.
    #[error("incomplete span: no duration, {shown}")]
    MissingDuration { shown: &'static str },
    /// The span ends before it starts: its end was moved to its start.
    #[error("span ends {by_ns} ns before it starts: shown with zero duration")]
    NegativeDuration { by_ns: i64 },
    /// An attribute value the span model cannot hold as such, kept as text.
    #[error("attribute {key:?}: {what} kept as text")]
    AttributeAsText { key: String, what: &'static str },
    /// An attribute value that does not match its declared type.
    #[error("attribute {key:?}: value {value} is not a valid {declared}: kept as text")]
    AttributeTypeMismatch { key: String, declared: String, value: String },
    /// A span kind the format does not define; the span is treated as internal.
    #[error("unknown span kind {written}: treated as internal")]
    UnknownSpanKind { written: String },
    /// A status code the format does not define; the status is left unset.
    #[error("unknown status code {written}: status left unset")]
    UnknownStatusCode { written: String },
    /// A Jaeger reference type other than CHILD_OF / FOLLOWS_FROM; kept as a link.
    #[error("unknown reference type {written:?}: kept as a link")]
    UnknownReferenceType { written: String },
    /// No service name; the span is attributed to `unknown_service`, as the OpenTelemetry SDK
    /// does (`unknown_service:` and the executable's name when the resource gives it).
    #[error("no service name: attributed to {service:?}, as the OpenTelemetry SDK does")]
    MissingServiceName { service: String },
    /// Zipkin: pieces of one span (same trace id, span id and `shared` flag, reported
    /// separately) merged into one, as Zipkin does; `others` are the paths of the later pieces.
    #[error(
        "{n_pieces} pieces of this span (same trace id, span id and shared flag) merged into one, as Zipkin does: the others are at {}",
        others.join(", ")
    )]
    MergedPieces { n_pieces: usize, others: Vec<String> },
    /// A time that does not fit nanoseconds since the epoch in an i64.
    #[error("{what} {written} is out of range: treated as missing")]
    TimeOutOfRange { what: &'static str, written: String },
    /// A warning written in the file itself (Jaeger span or trace `warnings`).
    #[error("the file says: {text}")]
    InFile { text: String },
    /// An error reported in the file (Jaeger query API `errors`).
    #[error("the file reports an error: {text}")]
    ErrorInFile { text: String },
}

/// Why a file could not be imported at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The text is not JSON, or a value has the wrong JSON type for the detected format.
    #[error("{origin}:{line}:{column}: {message}")]
    Json { origin: String, line: u32, column: u32, message: String },
    /// Valid JSON, but not in any of the formats.
    #[error(
        "{origin}: not a trace file: {found}; expected OTLP/JSON (an object with resourceSpans), Jaeger JSON (an object with data, or with traceID and spans) or Zipkin v2 JSON (an array of spans)"
    )]
    UnknownFormat { origin: String, found: String },
    /// A value of the right JSON type that cannot be used (an unparsable number, an unsupported
    /// variant of a format).
    #[error("{origin}: {path}: {message}")]
    Invalid { origin: String, path: String, message: String },
    /// The file is not UTF-8 text from byte `offset` on.
    #[error("{origin}: not a text file: the bytes at offset {offset} are not UTF-8")]
    NotText { origin: String, offset: usize },
    /// Beyond the import's limits ([`limits`]): the message states the limit.
    #[error("{origin}: too large: {message}")]
    TooLarge { origin: String, message: String },
}

impl ImportError {
    pub(crate) fn invalid(origin: &str, path: impl Into<String>, message: impl Into<String>) -> ImportError {
        ImportError::Invalid { origin: origin.to_owned(), path: path.into(), message: message.into() }
    }

    pub(crate) fn json(origin: &str, error: &serde_json::Error) -> ImportError {
        let line = u32::try_from(error.line()).unwrap_or(u32::MAX);
        let column = u32::try_from(error.column()).unwrap_or(u32::MAX);
        let text = error.to_string();
        let suffix = format!(" at line {} column {}", error.line(), error.column());
        let message = text.strip_suffix(&suffix).unwrap_or(&text).to_owned();
        ImportError::Json { origin: origin.to_owned(), line, column, message }
    }
}

/// Recognises the format from the document's shape. `origin` names the file in errors.
pub fn detect(text: &str, origin: &str) -> Result<Format, ImportError> {
    common::detect(text, origin)
}

/// Reads a trace file in any of the formats (detected from its shape). `origin` names the file in
/// errors.
pub fn import(text: &str, origin: &str) -> Result<Imported, ImportError> {
    match detect(text, origin)? {
        Format::Otlp => otlp::import(text, origin),
        Format::Jaeger => jaeger::import(text, origin),
        Format::Zipkin => zipkin::import(text, origin),
    }
}

/// Reads a trace file given as bytes: [`import`] once they are checked to be UTF-8 text.
pub fn import_bytes(bytes: Vec<u8>, origin: &str) -> Result<Imported, ImportError> {
    let text = String::from_utf8(bytes).map_err(|error| ImportError::NotText {
        origin: origin.to_owned(),
        offset: error.utf8_error().valid_up_to(),
    })?;
    import(&text, origin)
}

/// A trace file read as it arrives, chunk by chunk (a browser reads a big file in pieces over
/// 100 ms or more). OTLP/JSON, Jaeger JSON and Zipkin v2 JSON are read while the rest of the file
/// is still coming, and only the bytes not read yet are kept; a file none of their step readers
/// follows (another shape, an error) is kept whole and read at the end. The result is the same
/// as [`import_bytes`]'s on the whole file, errors included, however the file is cut.
///
/// When the file turns out to have an error (or bytes that are not UTF-8) after bytes were
/// dropped, it has to be read again, whole, for the error to say where it is:
/// [`ImportStream::finish`] then says so. A broken file costs a second reading; a good big file
/// is never held whole.
pub struct ImportStream {
    origin: String,
    size_hint: usize,
    /// While streaming: the bytes not read yet. Once the streaming reader gave up without having
    /// dropped any: the whole file so far.
    bytes: Vec<u8>,
    /// How many bytes were read and dropped from the front of `bytes`.
    dropped: usize,
    /// How many bytes have arrived.
    len: usize,
    reader: StreamReader,
}

/// The step reader following a file as it arrives: the OTLP reader first; when it gives up
/// before any byte was dropped (the file does not start like OTLP/JSON), the Jaeger reader, then
/// the Zipkin one, each from the file's first byte.
enum StreamReader {
    Otlp(otlp::Stream),
    Jaeger(jaeger::Stream),
    Zipkin(zipkin::Stream),
}

impl StreamReader {
    fn read(&mut self, bytes: &[u8], complete: bool) -> bool {
        match self {
            StreamReader::Otlp(stream) => stream.read(bytes, complete),
            StreamReader::Jaeger(stream) => stream.read(bytes, complete),
            StreamReader::Zipkin(stream) => stream.read(bytes, complete),
        }
    }

    fn gave_up(&self) -> bool {
        match self {
            StreamReader::Otlp(stream) => stream.gave_up(),
            StreamReader::Jaeger(stream) => stream.gave_up(),
            StreamReader::Zipkin(stream) => stream.gave_up(),
        }
    }

    fn take_read(&mut self) -> usize {
        match self {
            StreamReader::Otlp(stream) => stream.take_read(),
            StreamReader::Jaeger(stream) => stream.take_read(),
            StreamReader::Zipkin(stream) => stream.take_read(),
        }
    }

    fn finish(self) -> Option<Imported> {
        match self {
            StreamReader::Otlp(stream) => stream.finish(),
            StreamReader::Jaeger(stream) => stream.finish(),
            StreamReader::Zipkin(stream) => stream.finish(),
        }
    }

    /// The reader to try after this one gave up.
    fn next(&self, size_hint: usize) -> Option<StreamReader> {
        match self {
            StreamReader::Otlp(_) => Some(StreamReader::Jaeger(jaeger::Stream::new(size_hint, true))),
            StreamReader::Jaeger(_) => Some(StreamReader::Zipkin(zipkin::Stream::new(size_hint, true))),
            StreamReader::Zipkin(_) => None,
        }
    }
}

impl ImportStream {
    /// `origin` names the file in errors; `size_hint` is its size if known (to reserve room).
    pub fn new(origin: &str, size_hint: usize) -> ImportStream {
        ImportStream {
            origin: origin.to_owned(),
            size_hint,
            bytes: Vec::new(),
            dropped: 0,
            len: 0,
            reader: StreamReader::Otlp(otlp::Stream::new(size_hint, true)),
        }
    }

    /// The next `chunk` of the file.
    pub fn push(&mut self, chunk: &[u8]) {
        self.push_with(chunk.len(), |room| room.copy_from_slice(chunk));
    }

    /// The next `len` bytes of the file, which `fill` writes (a browser copies its chunk straight
    /// in).
    pub fn push_with(&mut self, len: usize, fill: impl FnOnce(&mut [u8])) {
        self.len += len;
        if self.lost() {
            return;
        }
        let start = self.bytes.len();
        zero_extend(&mut self.bytes, start + len);
        fill(&mut self.bytes[start..]);
        if self.reader.gave_up() {
            return;
        }
        // (No error before the file is complete: a step that fails waits for more.)
        self.read(false);
        if !self.reader.gave_up() {
            let read = self.reader.take_read();
            self.bytes.drain(..read);
            self.dropped += read;
        } else if self.lost() {
            self.bytes = Vec::new();
        } else {
            // A file read whole: room for all of it (a file too big to hold is not refused here:
            // it fails when a chunk no longer fits).
            self.bytes.try_reserve_exact(self.size_hint.saturating_sub(self.bytes.len())).ok();
        }
    }

    /// Whether the file is being read as it arrives: `false` once it will be read whole (another
    /// format, a layout the streaming reader does not follow, or an error).
    pub fn streaming(&self) -> bool {
        !self.reader.gave_up()
    }

    /// Whether bytes needed to read the file whole were dropped (the file must be read again).
    fn lost(&self) -> bool {
        self.reader.gave_up() && self.dropped > 0
    }

    /// Reads what has arrived; a reader that gives up while the file is still whole hands over to
    /// the next one. `false` when the file has an error (see `otlp::Stream::read`).
    fn read(&mut self, complete: bool) -> bool {
        loop {
            let read = self.reader.read(&self.bytes, complete);
            if !self.reader.gave_up() || self.dropped > 0 {
                return read;
            }
            match self.reader.next(self.size_hint) {
                Some(next) => self.reader = next,
                None => return read,
            }
        }
    }

    /// How many bytes have arrived.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing has arrived.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file has arrived: its spans, or why it cannot be imported. `None` when the file must
    /// be read again, whole, with [`import_bytes`] (see [`ImportStream`]).
    pub fn finish(mut self) -> Option<Result<Imported, ImportError>> {
        // An error is left to the whole-file import, which says where it is in the file.
        if self.read(true) && !self.reader.gave_up() {
            let ImportStream { reader, bytes, dropped, origin, .. } = self;
            return match reader.finish() {
                Some(imported) => Some(Ok(imported)),
                None if dropped > 0 => None,
                None => Some(import_bytes(bytes, &origin)),
            };
        }
        if self.dropped > 0 {
            return None;
        }
        Some(import_bytes(self.bytes, &self.origin))
    }
}

/// Grows `vec` to `len` bytes of zeros. Not `resize`: the size-optimised browser build turns that
/// into a loop storing one byte at a time, where copying a block of zeros is one `memory.copy`.
fn zero_extend(vec: &mut Vec<u8>, len: usize) {
    const ZEROS: [u8; 4096] = [0; 4096];
    while vec.len() < len {
        let n = ZEROS.len().min(len - vec.len());
        vec.extend_from_slice(&ZEROS[..n]);
    }
}

#[cfg(test)]
mod tests;
