//! Zipkin v2 JSON read a step at a time, as the OTLP reader reads its files
//! (`otlp/scan/stream.rs`), so that a file can be read while it is still arriving: the array's
//! opening, then a span and its separator per step, each span read with the OTLP reader's
//! [`Scanner`] into the structs serde would fill and kept as a piece. Pieces of one span are
//! merged, and shared spans resolved, once the file has been read.
//!
//! While the file is still arriving, a step that fails may only lack the rest of the file: it is
//! tried again from its start when more has arrived. Once the file is complete, a failure (or a
//! Zipkin v1 span) is left to serde's reading of the whole file, which says what is wrong.

use super::{AnnotationIn, EndpointIn, Pairs, Reader, SpanIn};
use crate::Imported;
use crate::json_in::{self, Place, Progress, StepReader, ahead, field, integer, objects, value};
use crate::otlp::scan::{Key, Scan, Scanner, Seen};

macro_rules! keys {
    ($($name:ident = $text:literal;)*) => {
        $(const $name: Key = Key::new($text);)*
    };
}

keys! {
    TRACE_ID = "traceId";
    ID = "id";
    PARENT_ID = "parentId";
    NAME = "name";
    KIND = "kind";
    TIMESTAMP = "timestamp";
    DURATION = "duration";
    LOCAL_ENDPOINT = "localEndpoint";
    REMOTE_ENDPOINT = "remoteEndpoint";
    ANNOTATIONS = "annotations";
    TAGS = "tags";
    SHARED = "shared";
    BINARY_ANNOTATIONS = "binaryAnnotations";
    SERVICE_NAME = "serviceName";
    IPV4 = "ipv4";
    IPV6 = "ipv6";
    PORT = "port";
    VALUE = "value";
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    Start,
    /// A span and the `,` or `]` after it.
    Span,
    End,
}

/// The Zipkin v2 JSON reader: [`Stream::read`] as the file arrives, [`Stream::finish`] at the end.
pub(crate) struct Stream {
    reader: Reader,
    /// The file's size, if known (to reserve room for its spans).
    size_hint: usize,
    place: Place,
    at: At,
    /// Reading the file as it arrives for `ImportStream`: a document that is not an array is
    /// left to the whole-file import.
    streaming: bool,
}

impl StepReader for Stream {
    type Undo = ();

    fn place(&self) -> &Place {
        &self.place
    }

    fn place_mut(&mut self) -> &mut Place {
        &mut self.place
    }

    fn begin(&mut self, scanner: &mut Scanner<'_>) {
        scanner.depth = if self.at == At::Span { 1 } else { 0 };
    }

    fn step(&mut self, scanner: &mut Scanner<'_>, complete: bool) -> Scan<bool> {
        let next = self.next_step(scanner, complete)?;
        if let Some(at) = next {
            self.at = at;
        }
        Ok(next.is_some())
    }

    fn undo(&mut self, (): ()) {}
}

impl Stream {
    pub(crate) fn new(size_hint: usize, streaming: bool) -> Stream {
        Stream { reader: Reader::default(), size_hint, place: Place::default(), at: At::Start, streaming }
    }

    /// The whole file (without byte order mark): its spans, or `None` when it is left to serde.
    pub(crate) fn read_all(&mut self, text: &str) -> Option<Imported> {
        self.read_text(text, true);
        std::mem::replace(self, Stream::new(0, false)).finish()
    }

    /// The spans, once the document has been read to its end.
    pub(crate) fn finish(self) -> Option<Imported> {
        (self.place.progress == Progress::Done).then(|| self.reader.finish())
    }

    fn next_step(&mut self, scanner: &mut Scanner<'_>, complete: bool) -> Scan<Option<At>> {
        let next = match self.at {
            At::Start => {
                if scanner.text.starts_with('\u{feff}') {
                    scanner.pos += '\u{feff}'.len_utf8();
                }
                if self.streaming && scanner.peek_value()? != b'[' {
                    return self.give_up(scanner);
                }
                // Compact Zipkin JSON (as Zipkin's API writes it) takes 400 bytes a span or more,
                // pretty-printed (Reqflow's export) 550.
                let capacity = json_in::spans_in(self.size_hint, scanner.text, 380, 520);
                self.reader.pieces = Vec::with_capacity(capacity);
                let more = scanner.open(b'[', b']', "a list of spans")?;
                ahead(scanner, complete)?;
                if more { At::Span } else { At::End }
            }
            At::Span => {
                let span = json_in::object(scanner, span_member)?;
                let more = scanner.separator_or(b']', "EOF while parsing a list")?;
                ahead(scanner, complete)?;
                if span.binary_annotations.0 {
                    // Zipkin v1: serde's reading says so.
                    return self.give_up(scanner);
                }
                self.reader.piece(span);
                if more { At::Span } else { At::End }
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
}

fn span_member<'a>(scanner: &mut Scanner<'a>, span: &mut SpanIn<'a>, seen: &mut Seen, key: Key) -> Scan<()> {
    match key {
        TRACE_ID => field!(scanner, seen, 0, key, span.trace_id => scanner.text()),
        ID => field!(scanner, seen, 1, key, span.id => scanner.text()),
        PARENT_ID => field!(scanner, seen, 2, key, span.parent_id => scanner.text()),
        NAME => field!(scanner, seen, 3, key, span.name => scanner.text()),
        KIND => field!(scanner, seen, 4, key, span.kind => scanner.text()),
        TIMESTAMP => field!(scanner, seen, 5, key, span.timestamp => integer(scanner)),
        DURATION => field!(scanner, seen, 6, key, span.duration => integer(scanner)),
        LOCAL_ENDPOINT => field!(scanner, seen, 7, key, span.local_endpoint => endpoint(scanner)),
        REMOTE_ENDPOINT => field!(scanner, seen, 8, key, span.remote_endpoint => endpoint(scanner)),
        ANNOTATIONS => field!(scanner, seen, 9, key, span.annotations => objects(scanner, annotation_member)),
        TAGS => field!(scanner, seen, 10, key, span.tags => tags(scanner)),
        SHARED => field!(scanner, seen, 11, key, span.shared => scanner.boolean()),
        BINARY_ANNOTATIONS => {
            seen.first(12, key, scanner.pos)?;
            scanner.skip()?;
            span.binary_annotations.0 = true;
            Ok(())
        }
        _ => scanner.skip(),
    }
}

fn endpoint<'a>(scanner: &mut Scanner<'a>) -> Scan<Option<EndpointIn<'a>>> {
    if scanner.null()? {
        return Ok(None);
    }
    json_in::object(scanner, endpoint_member).map(Some)
}

fn endpoint_member<'a>(
    scanner: &mut Scanner<'a>,
    endpoint: &mut EndpointIn<'a>,
    seen: &mut Seen,
    key: Key,
) -> Scan<()> {
    match key {
        SERVICE_NAME => field!(scanner, seen, 0, key, endpoint.service_name => scanner.text()),
        IPV4 => field!(scanner, seen, 1, key, endpoint.ipv4 => scanner.text()),
        IPV6 => field!(scanner, seen, 2, key, endpoint.ipv6 => scanner.text()),
        PORT => field!(scanner, seen, 3, key, endpoint.port => integer(scanner)),
        _ => scanner.skip(),
    }
}

fn annotation_member<'a>(
    scanner: &mut Scanner<'a>,
    annotation: &mut AnnotationIn<'a>,
    seen: &mut Seen,
    key: Key,
) -> Scan<()> {
    match key {
        TIMESTAMP => field!(scanner, seen, 0, key, annotation.timestamp => integer(scanner)),
        VALUE => field!(scanner, seen, 1, key, annotation.value => scanner.text()),
        _ => scanner.skip(),
    }
}

/// A span's `tags` (`null`: none): its entries in file order.
fn tags<'a>(scanner: &mut Scanner<'a>) -> Scan<Option<Pairs<'a>>> {
    if scanner.null()? {
        return Ok(None);
    }
    let mut pairs = Vec::new();
    let mut more = scanner.open(b'{', b'}', "an object of tags")?;
    while more {
        let key = json_in::key_text(scanner)?;
        pairs.push((key, value(scanner)?));
        more = scanner.separator_or(b'}', "EOF while parsing an object")?;
    }
    Ok(Some(Pairs(pairs)))
}
