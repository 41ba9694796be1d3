//! Jaeger JSON read a step at a time, as the OTLP reader reads its files (`otlp/scan/stream.rs`),
//! so that a file can be read while it is still arriving: the document's skeleton
//! (`{"data":[{"traceID":…,"spans":[…],"processes":{…}}],"errors":…}`, or a bare trace object,
//! members in any order) one step at a time — a key, a trace, a span and its separator, a
//! trace's processes — each step's values read with the OTLP reader's [`Scanner`] into the
//! structs serde would fill.
//!
//! A trace's spans are converted as they are read; their processes, which usually come after
//! them, are given to them when the trace ends ([`TraceReader`](super::TraceReader)).
//!
//! While the file is still arriving, a step that fails may only lack the rest of the file: it is
//! tried again from its start when more has arrived. Once the file is complete, a failure is
//! left to serde's reading of the whole file, which says what is wrong (or reads a layout this
//! reader does not follow).

use std::borrow::Cow;

use super::{LogIn, ProcessIn, Reader, ReferenceIn, SpanIn, TagIn, TraceReader};
use crate::Imported;
use crate::common::Drafts;
use crate::json_in::JsonValue;
use crate::json_in::{
    self, Place, Progress, StepReader, ahead, field, integer, key, list, objects, value, values,
};
use crate::otlp::scan::{Key, Scan, Scanner, Seen};
use reqflow_core::text::Text;

macro_rules! keys {
    ($($name:ident = $text:literal;)*) => {
        $(const $name: Key = Key::new($text);)*
    };
}

keys! {
    DATA = "data";
    ERRORS = "errors";
    TRACE_ID = "traceID";
    SPANS = "spans";
    PROCESSES = "processes";
    WARNINGS = "warnings";
    SPAN_ID = "spanID";
    PARENT_SPAN_ID = "parentSpanID";
    OPERATION_NAME = "operationName";
    REFERENCES = "references";
    START_TIME = "startTime";
    DURATION = "duration";
    TAGS = "tags";
    LOGS = "logs";
    PROCESS_ID = "processID";
    PROCESS = "process";
    REF_TYPE = "refType";
    KEY = "key";
    TYPE = "type";
    VALUE = "value";
    TIMESTAMP = "timestamp";
    FIELDS = "fields";
    SERVICE_NAME = "serviceName";
}

/// Where the reader is in the document: what the next step reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    Start,
    /// A key of the document, or `,` / `}` after a member.
    DocKey,
    DocNext,
    /// A trace of `data`, or `,` / `]` after one.
    Trace,
    TracesNext,
    /// A key of a trace, or `,` / `}` after a member.
    TraceKey,
    TraceNext,
    /// A span and the `,` or `]` after it.
    Span,
    End,
}

/// The Jaeger JSON reader: [`Stream::read`] as the file arrives, [`Stream::finish`] at the end.
pub(crate) struct Stream {
    reader: Reader,
    /// The file's size, if known (to reserve room for its spans).
    size_hint: usize,
    place: Place,
    at: At,
    /// Reading the file as it arrives for `ImportStream`: a document that does not start like
    /// Jaeger JSON is left to the whole-file import.
    streaming: bool,
    doc_seen: Seen,
    trace_seen: Seen,
    /// Whether the document has a `data` list, or members of a bare trace.
    data: bool,
    bare: bool,
    trace_idx: usize,
    trace: Option<TraceReader>,
}

impl StepReader for Stream {
    /// The document's and the trace's keys seen so far: a failed step may have marked some.
    type Undo = (Seen, Seen);

    fn place(&self) -> &Place {
        &self.place
    }

    fn place_mut(&mut self) -> &mut Place {
        &mut self.place
    }

    fn begin(&mut self, scanner: &mut Scanner<'_>) -> (Seen, Seen) {
        scanner.depth = self.depth();
        (self.doc_seen, self.trace_seen)
    }

    fn step(&mut self, scanner: &mut Scanner<'_>, complete: bool) -> Scan<bool> {
        let next = self.next_step(scanner, complete)?;
        if let Some(at) = next {
            self.at = at;
        }
        Ok(next.is_some())
    }

    fn undo(&mut self, (doc_seen, trace_seen): (Seen, Seen)) {
        (self.doc_seen, self.trace_seen) = (doc_seen, trace_seen);
    }
}

impl Stream {
    pub(crate) fn new(size_hint: usize, streaming: bool) -> Stream {
        Stream {
            reader: Reader::default(),
            size_hint,
            place: Place::default(),
            at: At::Start,
            streaming,
            doc_seen: Seen::default(),
            trace_seen: Seen::default(),
            data: false,
            bare: false,
            trace_idx: 0,
            trace: None,
        }
    }

    /// The whole file (without byte order mark): its spans, or `None` when it is left to serde.
    pub(crate) fn read_all(&mut self, text: &str) -> Option<Imported> {
        self.read_text(text, true);
        std::mem::take(self).finish()
    }

    /// The spans, once the document has been read to its end.
    pub(crate) fn finish(self) -> Option<Imported> {
        (self.place.progress == Progress::Done).then(|| self.reader.finish())
    }

    /// How many arrays and objects enclose the step.
    fn depth(&self) -> usize {
        match self.at {
            At::Start | At::End => 0,
            At::DocKey | At::DocNext => 1,
            At::Trace | At::TracesNext => 2,
            At::TraceKey | At::TraceNext => 3,
            At::Span if self.bare => 2,
            At::Span => 4,
        }
    }

    /// One step from the scanner's position: the place after it, or `None` at the document's
    /// end.
    fn next_step(&mut self, scanner: &mut Scanner<'_>, complete: bool) -> Scan<Option<At>> {
        let next = match self.at {
            At::Start => {
                if scanner.text.starts_with('\u{feff}') {
                    scanner.pos += '\u{feff}'.len_utf8();
                }
                if self.streaming && scanner.peek_value()? != b'{' {
                    return self.give_up(scanner);
                }
                // Compact Jaeger JSON (Jaeger UI's download) takes 600 bytes a span or more,
                // pretty-printed (Reqflow's export) 1,200.
                let capacity = json_in::spans_in(self.size_hint, scanner.text, 550, 1_100);
                self.reader.drafts = Drafts::with_capacity(capacity);
                let more = scanner.open(b'{', b'}', "a Jaeger JSON object")?;
                if self.streaming {
                    // Another format: left to the whole-file import.
                    let start = scanner.pos;
                    if !more || !matches!(key(scanner)?, DATA | TRACE_ID | SPANS | PROCESSES) {
                        return self.give_up(scanner);
                    }
                    scanner.pos = start;
                }
                ahead(scanner, complete)?;
                if more { At::DocKey } else { self.doc_end() }
            }
            At::DocKey | At::TraceKey => self.member(scanner, complete)?,
            At::DocNext | At::TraceNext | At::TracesNext => {
                let (close, eof) = match self.at {
                    At::TracesNext => (b']', "EOF while parsing a list"),
                    _ => (b'}', "EOF while parsing an object"),
                };
                let more = scanner.separator_or(close, eof)?;
                ahead(scanner, complete)?;
                match (self.at, more) {
                    (At::DocNext, true) => At::DocKey,
                    (At::DocNext, false) => self.doc_end(),
                    (At::TraceNext, true) => At::TraceKey,
                    (At::TraceNext, false) => {
                        if let Some(trace) = self.trace.take() {
                            trace.end(&mut self.reader);
                        }
                        self.trace_idx += 1;
                        At::TracesNext
                    }
                    (_, true) => At::Trace,
                    (_, false) => At::DocNext,
                }
            }
            At::Trace => {
                let more = scanner.open(b'{', b'}', "a trace object")?;
                ahead(scanner, complete)?;
                self.trace_seen = Seen::default();
                let path = Text::from(format!("$.data[{}]", self.trace_idx));
                self.trace = Some(TraceReader::new(path, &self.reader));
                if more {
                    At::TraceKey
                } else {
                    if let Some(trace) = self.trace.take() {
                        trace.end(&mut self.reader);
                    }
                    self.trace_idx += 1;
                    At::TracesNext
                }
            }
            At::Span => {
                let span = json_in::object(scanner, span_member)?;
                let more = scanner.separator_or(b']', "EOF while parsing a list")?;
                ahead(scanner, complete)?;
                let Some(trace) = self.trace.as_mut() else { return self.give_up(scanner) };
                if trace.span(span, &mut self.reader).is_err() {
                    return self.give_up(scanner);
                }
                match (more, self.bare) {
                    (true, _) => At::Span,
                    (false, true) => At::DocNext,
                    (false, false) => At::TraceNext,
                }
            }
            At::End => {
                scanner.whitespace();
                if scanner.pos != scanner.bytes.len() {
                    return Err(scanner.error("trailing characters"));
                }
                return Ok(None);
            }
        };
        Ok(Some(next))
    }

    /// The end of the document: a bare trace ends with it.
    fn doc_end(&mut self) -> At {
        if let Some(trace) = self.trace.take() {
            trace.end(&mut self.reader);
        }
        At::End
    }

    /// A member of the document or of a trace. The document's `traceID`, `spans`, `processes`
    /// and `warnings` are those of a bare trace; with a `data` list as well, serde reads the
    /// file.
    fn member(&mut self, scanner: &mut Scanner<'_>, complete: bool) -> Scan<At> {
        let key = key(scanner)?;
        let at = scanner.pos;
        let in_doc = self.at == At::DocKey;
        let next = if in_doc { At::DocNext } else { At::TraceNext };
        if in_doc && key == DATA {
            self.doc_seen.first(0, key, at)?;
            let more = list(scanner)?;
            ahead(scanner, complete)?;
            if scanner.text[at..scanner.pos].trim_start().starts_with('[') {
                if self.bare {
                    return self.give_up(scanner);
                }
                self.data = true;
            }
            return Ok(if more { At::Trace } else { At::DocNext });
        }
        if in_doc && key == ERRORS {
            self.doc_seen.first(1, key, at)?;
            let errors = values(scanner)?;
            ahead(scanner, complete)?;
            self.reader.errors(errors);
            return Ok(At::DocNext);
        }
        if !matches!(key, TRACE_ID | SPANS | PROCESSES | WARNINGS) {
            scanner.skip()?;
            ahead(scanner, complete)?;
            return Ok(next);
        }
        if in_doc {
            if self.data {
                return self.give_up(scanner);
            }
            if !self.bare {
                self.bare = true;
                self.trace = Some(TraceReader::new(Text::from_static("$"), &self.reader));
            }
        }
        let seen = if in_doc { &mut self.doc_seen } else { &mut self.trace_seen };
        let Some(trace) = self.trace.as_mut() else { return self.give_up(scanner) };
        match key {
            TRACE_ID => {
                seen.first(2, key, at)?;
                let trace_id = scanner.text()?;
                ahead(scanner, complete)?;
                trace.trace_id(trace_id);
                Ok(next)
            }
            SPANS => {
                seen.first(3, key, at)?;
                let more = list(scanner)?;
                ahead(scanner, complete)?;
                Ok(if more { At::Span } else { next })
            }
            PROCESSES => {
                seen.first(4, key, at)?;
                let processes = processes(scanner)?;
                ahead(scanner, complete)?;
                for (process_id, process) in processes {
                    trace.process(process_id, process, &mut self.reader);
                }
                Ok(next)
            }
            _ => {
                seen.first(5, key, at)?;
                let warnings = values(scanner)?;
                ahead(scanner, complete)?;
                trace.warnings = warnings;
                Ok(next)
            }
        }
    }
}

impl Default for Stream {
    fn default() -> Stream {
        Stream::new(0, false)
    }
}

/// A trace's `processes` (`null`: none): the processes by id, in the order written.
fn processes<'a>(scanner: &mut Scanner<'a>) -> Scan<Vec<(Cow<'a, str>, ProcessIn<'a>)>> {
    let mut processes = Vec::new();
    if scanner.null()? {
        return Ok(processes);
    }
    let more = scanner.open(b'{', b'}', "a map of processes")?;
    let mut more = more;
    while more {
        let process_id = json_in::key_text(scanner)?;
        processes.push((process_id, json_in::object(scanner, process_member)?));
        more = scanner.separator_or(b'}', "EOF while parsing an object")?;
    }
    Ok(processes)
}

fn span_member<'a>(scanner: &mut Scanner<'a>, span: &mut SpanIn<'a>, seen: &mut Seen, key: Key) -> Scan<()> {
    match key {
        TRACE_ID => field!(scanner, seen, 0, key, span.trace_id => scanner.text()),
        SPAN_ID => field!(scanner, seen, 1, key, span.span_id => scanner.text()),
        PARENT_SPAN_ID => field!(scanner, seen, 2, key, span.parent_span_id => scanner.text()),
        OPERATION_NAME => field!(scanner, seen, 3, key, span.operation_name => scanner.text()),
        REFERENCES => field!(scanner, seen, 4, key, span.references => objects(scanner, reference_member)),
        START_TIME => field!(scanner, seen, 5, key, span.start_time => integer(scanner)),
        DURATION => field!(scanner, seen, 6, key, span.duration => integer(scanner)),
        TAGS => field!(scanner, seen, 7, key, span.tags => tags(scanner)),
        LOGS => field!(scanner, seen, 8, key, span.logs => objects(scanner, log_member)),
        PROCESS_ID => field!(scanner, seen, 9, key, span.process_id => scanner.text()),
        PROCESS => {
            seen.first(10, key, scanner.pos)?;
            if !scanner.null()? {
                span.process = Some(json_in::object(scanner, process_member)?);
            }
            Ok(())
        }
        WARNINGS => field!(scanner, seen, 11, key, span.warnings => values(scanner)),
        _ => scanner.skip(),
    }
}

fn reference_member<'a>(
    scanner: &mut Scanner<'a>,
    reference: &mut ReferenceIn<'a>,
    seen: &mut Seen,
    key: Key,
) -> Scan<()> {
    match key {
        REF_TYPE => field!(scanner, seen, 0, key, reference.ref_type => scanner.text()),
        TRACE_ID => field!(scanner, seen, 1, key, reference.trace_id => scanner.text()),
        SPAN_ID => field!(scanner, seen, 2, key, reference.span_id => scanner.text()),
        _ => scanner.skip(),
    }
}

fn tag_member<'a>(scanner: &mut Scanner<'a>, tag: &mut TagIn<'a>, seen: &mut Seen, key: Key) -> Scan<()> {
    match key {
        KEY => field!(scanner, seen, 0, key, tag.key => scanner.text()),
        TYPE => field!(scanner, seen, 1, key, tag.value_type => scanner.text()),
        VALUE => field!(scanner, seen, 2, key, tag.value => value(scanner)),
        _ => scanner.skip(),
    }
}

fn log_member<'a>(scanner: &mut Scanner<'a>, log: &mut LogIn<'a>, seen: &mut Seen, key: Key) -> Scan<()> {
    match key {
        TIMESTAMP => field!(scanner, seen, 0, key, log.timestamp => integer(scanner)),
        FIELDS => field!(scanner, seen, 1, key, log.fields => tags(scanner)),
        _ => scanner.skip(),
    }
}

fn process_member<'a>(
    scanner: &mut Scanner<'a>,
    process: &mut ProcessIn<'a>,
    seen: &mut Seen,
    key: Key,
) -> Scan<()> {
    match key {
        SERVICE_NAME => field!(scanner, seen, 0, key, process.service_name => scanner.text()),
        TAGS => field!(scanner, seen, 1, key, process.tags => tags(scanner)),
        _ => scanner.skip(),
    }
}

/// A tag's list (`null`: none): each tag read as [`compact_tag`] when it can be, else by the
/// general reader.
fn tags<'a>(scanner: &mut Scanner<'a>) -> Scan<Option<Vec<TagIn<'a>>>> {
    if scanner.null()? {
        return Ok(None);
    }
    let mut tags = Vec::new();
    scanner.list("a list of tags", &mut |scanner, _| {
        let start = scanner.pos;
        match compact_tag(scanner) {
            Some(tag) => tags.push(tag),
            None => {
                scanner.pos = start;
                tags.push(json_in::object(scanner, tag_member)?);
            }
        }
        Ok(())
    })?;
    Ok(Some(tags))
}

/// The compact form Jaeger writes a tag in, `{"key":…,"type":…,"value":…}` without whitespace,
/// matched as whole words instead of key by key; anything else (whitespace, another order,
/// another member, a broken value) gives `None`, and the general reader reads the tag from the
/// same position: the result is the same either way, this is only faster (tags are most of a
/// Jaeger file).
fn compact_tag<'a>(scanner: &mut Scanner<'a>) -> Option<TagIn<'a>> {
    scanner.ahead(b"{\"key\":")?;
    let key = compact_string(scanner)?;
    scanner.ahead(b",\"type\":")?;
    let value_type = compact_string(scanner)?;
    scanner.ahead(b",\"value\":")?;
    let value = match scanner.bytes.get(scanner.pos)? {
        b'"' => JsonValue::Str(scanner.string().ok()?),
        b'{' | b'[' | b' ' | b'\n' | b'\r' | b'\t' => return None,
        _ => value(scanner).ok()?,
    };
    scanner.ahead(b"}")?;
    Some(TagIn { key: Some(key), value_type: Some(value_type), value })
}

/// A string right here (no whitespace before it).
fn compact_string<'a>(scanner: &mut Scanner<'a>) -> Option<std::borrow::Cow<'a, str>> {
    if scanner.bytes.get(scanner.pos) != Some(&b'"') {
        return None;
    }
    scanner.string().ok()
}
