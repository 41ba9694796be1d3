//! The OTLP/JSON document, read a step at a time, so that a file can be read while it is still
//! arriving.
//!
//! A browser reads a 50 MB file in chunks over 100 ms or more; reading each chunk's spans as it
//! arrives hides most of that time behind the parse. The reader here follows the document's
//! skeleton (`{"resourceSpans":[{"resource":…,"scopeSpans":[{"scope":…,"spans":[…]}]}]}`, in
//! any order, other members skipped) one small step at a time — a key, a resource, a span and
//! the separator after it — reading each step's values with the [`Scanner`]. The whole-file
//! import is the same reader given the whole file at once.
//!
//! While the file is still arriving, a step that fails may only lack the rest of the file: it is
//! tried again from its start when more has arrived (when the bytes after its start have
//! doubled, so a long wait costs little). Only once the file is complete is a failure an error.

use super::{
    INSTRUMENTATION_LIBRARY_SPANS, Key, RESOURCE, RESOURCE_SPANS, SCOPE, SCOPE_SPANS, SPANS, Scan, Scanner,
    Seen,
};
use crate::common::{Drafts, Site, finish};
use crate::json_in;
use crate::otlp::{Identity, Reader, SPAN_FIELDS, ScopeData, convert_span, resource_identity, scope_data};
use crate::{Format, Imported};
use reqflow_core::text::Text;
use reqflow_core::trace::Resource;

/// Where the reader is in the document: what the next step reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    /// The document's start.
    Start,
    /// A key of the document.
    DocKey,
    /// `,` or `}` after a member of the document.
    DocNext,
    /// A `ResourceSpans` object.
    Resource,
    /// A key in a `ResourceSpans` object.
    ResourceKey,
    /// `,` or `}` after a member of a `ResourceSpans`.
    ResourceNext,
    /// `,` or `]` after a `ResourceSpans`.
    ResourcesNext,
    /// A `ScopeSpans` object, a key in one, `,` or `}` after a member, `,` or `]` after one.
    Scope,
    ScopeKey,
    ScopeNext,
    ScopesNext,
    /// A span and the `,` or `]` after it.
    Span,
    /// After the document: only whitespace may follow.
    End,
}

impl At {
    /// How many arrays and objects enclose the step (for the nesting limit).
    fn depth(self) -> usize {
        match self {
            At::Start | At::End => 0,
            At::DocKey | At::DocNext => 1,
            At::Resource | At::ResourcesNext => 2,
            At::ResourceKey | At::ResourceNext => 3,
            At::Scope | At::ScopesNext => 4,
            At::ScopeKey | At::ScopeNext => 5,
            At::Span => 6,
        }
    }
}

/// The OTLP/JSON reader: [`Stream::read`] as the file arrives, [`Stream::finish`] at the end.
pub(crate) struct Stream {
    reader: Reader,
    drafts: Drafts,
    /// The file's size, if known (to reserve room for its spans).
    size_hint: usize,
    /// Where the next step starts, in the bytes [`Stream::read`] is given (see
    /// [`Stream::take_read`]).
    pos: usize,
    /// After a failed step: how many bytes from `pos` must have arrived before it is tried again.
    wait_for: usize,
    at: At,
    /// Reading the file as it arrives for [`ImportStream`](crate::ImportStream): a
    /// document whose first key is not `resourceSpans` may be another format, and is left to
    /// the whole-file import.
    streaming: bool,
    gave_up: bool,
    /// Fields of the document, of the `ResourceSpans` and of the `ScopeSpans` being read.
    doc_seen: Seen,
    resource_seen: Seen,
    scope_seen: Seen,
    /// The `ResourceSpans` being read: its index, JSON path, service, host and attributes once
    /// its resource is read, its first span, whether spans came before the resource, and the
    /// spans and scope of each of its `ScopeSpans` read so far (to give them the resource once it
    /// is read).
    resource_idx: usize,
    path: String,
    identity: Option<Identity>,
    first_draft: usize,
    spans_before_resource: bool,
    scopes: Vec<(usize, usize, Option<ScopeData>)>,
    /// The `ScopeSpans` being read: its scope once read, the span resource its spans share
    /// (made at its first span), its first span, and whether spans came before the scope.
    scope: Option<ScopeData>,
    current: Option<Resource>,
    scope_first_draft: usize,
    spans_before_scope: bool,
    /// The key its `ScopeSpans` list was given under (`scopeSpans`, or the older
    /// `instrumentationLibrarySpans`).
    scopes_key: Key,
    /// The `ScopeSpans` being read: its index and the path prefix of its spans.
    scope_idx: usize,
    scope_prefix: Text,
    span_idx: usize,
}

impl Stream {
    /// `size_hint`: the file's size, if known (to reserve room for its spans).
    pub(crate) fn new(size_hint: usize, streaming: bool) -> Stream {
        Stream {
            reader: Reader::default(),
            // Room for the spans is reserved at the document's start, once it is known to be
            // OTLP/JSON and how it is laid out (a file of another format gets none).
            drafts: Drafts::default(),
            size_hint,
            pos: 0,
            wait_for: 0,
            at: At::Start,
            streaming,
            gave_up: false,
            doc_seen: Seen::default(),
            resource_seen: Seen::default(),
            scope_seen: Seen::default(),
            resource_idx: 0,
            path: String::new(),
            identity: None,
            first_draft: 0,
            spans_before_resource: false,
            scopes: Vec::new(),
            scope: None,
            current: None,
            scope_first_draft: 0,
            spans_before_scope: false,
            scopes_key: SCOPE_SPANS,
            scope_idx: 0,
            scope_prefix: Text::default(),
            span_idx: 0,
        }
    }

    /// Whether this reader stopped, leaving the file to the whole-file import: not OTLP/JSON
    /// with `resourceSpans` first, or not UTF-8.
    pub(crate) fn gave_up(&self) -> bool {
        self.gave_up
    }

    /// Reads what it can of `bytes`: the file from where the last reading stopped (less the
    /// bytes [`Stream::take_read`] gave back) to what has arrived, to the end when `complete`.
    /// `false` when the file has an error, which is known only once it is complete (the
    /// whole-file import then says where).
    pub(crate) fn read(&mut self, bytes: &[u8], complete: bool) -> bool {
        if self.gave_up {
            return true;
        }
        let rest = bytes.get(self.pos..).unwrap_or_default();
        if rest.len() < self.wait_for && !complete {
            return true;
        }
        // The complete characters that have arrived (a chunk may end inside one).
        let text = match std::str::from_utf8(rest) {
            Ok(text) => text,
            Err(error) if error.error_len().is_none() && !complete => {
                std::str::from_utf8(&rest[..error.valid_up_to()]).unwrap_or_default()
            }
            Err(_) => {
                self.gave_up = true;
                return true;
            }
        };
        self.read_text(text, complete).is_ok()
    }

    /// [`Stream::read`] of text (the whole-file import).
    pub(super) fn read_text(&mut self, text: &str, complete: bool) -> Scan<()> {
        let mut scanner = Scanner { text, bytes: text.as_bytes(), pos: 0, depth: 0, kvs: Vec::new() };
        let result = loop {
            let start = scanner.pos;
            // (The only state a step changes before it knows it can complete.)
            let seen = (self.doc_seen, self.resource_seen, self.scope_seen);
            scanner.depth = self.at.depth();
            match self.step(&mut scanner, complete) {
                Ok(Some(next)) => {
                    self.at = next;
                    self.wait_for = 0;
                }
                Ok(None) => break Ok(()),
                Err(stop) => {
                    // Back to the step's start: it is tried again with more of the file, or it
                    // is the error (and reading again stops at it again).
                    scanner.pos = start;
                    scanner.kvs.clear();
                    (self.doc_seen, self.resource_seen, self.scope_seen) = seen;
                    if complete && !self.gave_up {
                        break Err(stop.in_field_if(self.context()));
                    }
                    self.wait_for = 2 * (text.len() - start);
                    break Ok(());
                }
            }
        };
        self.pos += scanner.pos;
        result
    }

    /// How many of the bytes given to [`Stream::read`] are read: the caller may drop them, and
    /// then gives the next `read` the bytes after them.
    pub(crate) fn take_read(&mut self) -> usize {
        std::mem::take(&mut self.pos)
    }

    /// What was read, once the document has been read to its end.
    pub(super) fn into_parts(self) -> Option<(Reader, Drafts)> {
        (!self.gave_up && self.at == At::End).then_some((self.reader, self.drafts))
    }

    /// The spans, once the document has been read to its end.
    pub(crate) fn finish(self) -> Option<Imported> {
        let (reader, drafts) = self.into_parts()?;
        let mut warnings = reader.warnings;
        let (spans, parents) = finish(drafts, &mut warnings, &SPAN_FIELDS);
        Some(Imported { format: Format::Otlp, spans, warnings: warnings.list, parents })
    }

    /// The member whose value the step reads: a wrong value in it names it.
    fn context(&self) -> Option<Key> {
        match self.at {
            At::Start | At::DocKey | At::DocNext | At::End => None,
            At::Resource | At::ResourceKey | At::ResourceNext | At::ResourcesNext => Some(RESOURCE_SPANS),
            At::Scope | At::ScopeKey | At::ScopeNext | At::ScopesNext => Some(self.scopes_key),
            At::Span => Some(SPANS),
        }
    }

    /// One step from the scanner's position: the place after it, or `None` at the end of the
    /// document.
    fn step(&mut self, scanner: &mut Scanner<'_>, complete: bool) -> Scan<Option<At>> {
        let next = match self.at {
            At::Start => {
                if self.streaming {
                    if scanner.text.starts_with('\u{feff}') {
                        scanner.pos += '\u{feff}'.len_utf8();
                    }
                    if scanner.peek_value()? != b'{' {
                        self.gave_up = true;
                        return Err(scanner.error(""));
                    }
                }
                let more = scanner.open(b'{', b'}', "an OTLP/JSON object with resourceSpans")?;
                if self.streaming {
                    // Another format (the whole-file import tells which), or keys in an unusual
                    // order: left to the whole-file import.
                    let start = scanner.pos;
                    if !more || key(scanner)? != RESOURCE_SPANS {
                        self.gave_up = true;
                        return Err(scanner.error(""));
                    }
                    scanner.pos = start;
                }
                ahead(scanner, complete)?;
                // Compact OTLP/JSON takes 400–500 bytes a span, pretty-printed (Reqflow's export)
                // 1,000–1,100: reserving for that many spans up front saves moving 100,000
                // converted spans as the list grows (and reserving for the compact count in an
                // indented file held room for 2.7 times its spans).
                let capacity = json_in::spans_in(self.size_hint, scanner.text, 400, 900);
                self.drafts = Drafts::with_capacity(capacity);
                if more { At::DocKey } else { At::End }
            }
            At::DocKey | At::ResourceKey | At::ScopeKey => {
                let next = self.member(scanner, complete)?;
                ahead(scanner, complete)?;
                next
            }
            At::DocNext | At::ResourceNext | At::ResourcesNext | At::ScopeNext | At::ScopesNext => {
                let (close, eof) = match self.at {
                    At::ResourcesNext | At::ScopesNext => (b']', "EOF while parsing a list"),
                    _ => (b'}', "EOF while parsing an object"),
                };
                let more = scanner.separator_or(close, eof)?;
                ahead(scanner, complete)?;
                match (self.at, more) {
                    (At::DocNext, true) => At::DocKey,
                    (At::DocNext, false) => At::End,
                    (At::ResourceNext, true) => At::ResourceKey,
                    (At::ResourceNext, false) => self.resource_end(scanner)?,
                    (At::ResourcesNext, true) => At::Resource,
                    (At::ResourcesNext, false) => At::DocNext,
                    (At::ScopeNext, true) => At::ScopeKey,
                    (At::ScopeNext, false) => self.scope_end(),
                    (_, true) => At::Scope,
                    (_, false) => At::ResourceNext,
                }
            }
            At::Resource => {
                let more = scanner.open(b'{', b'}', "a ResourceSpans object")?;
                ahead(scanner, complete)?;
                self.path = format!("$.resourceSpans[{}]", self.resource_idx);
                self.identity = None;
                self.resource_seen = Seen::default();
                self.first_draft = self.drafts.len();
                self.spans_before_resource = false;
                self.scopes.clear();
                self.scope_idx = 0;
                if more { At::ResourceKey } else { self.resource_end(scanner)? }
            }
            At::Scope => {
                let more = scanner.open(b'{', b'}', "a ScopeSpans object")?;
                ahead(scanner, complete)?;
                let list =
                    if self.scopes_key == SCOPE_SPANS { "scopeSpans" } else { "instrumentationLibrarySpans" };
                self.scope_prefix = Text::from(format!("{}.{list}[{}]", self.path, self.scope_idx));
                self.scope_seen = Seen::default();
                self.scope = None;
                self.current = None;
                self.scope_first_draft = self.drafts.len();
                self.spans_before_scope = false;
                self.span_idx = 0;
                if more { At::ScopeKey } else { self.scope_end() }
            }
            At::Span => {
                let span = scanner.span()?;
                let more = scanner.separator_or(b']', "EOF while parsing a list")?;
                ahead(scanner, complete)?;
                let written_id = span.span_id.as_deref().unwrap_or("");
                let site = Site::item(&self.scope_prefix, ".spans", self.span_idx, written_id);
                let unknown = Identity::default();
                let identity = self.identity.as_ref().unwrap_or(&unknown);
                let resource = match &self.current {
                    Some(resource) => resource.clone(),
                    None => {
                        let resource = identity.resource(self.scope.as_ref());
                        self.current = Some(resource.clone());
                        resource
                    }
                };
                let draft = convert_span(span, &mut scanner.kvs, site, identity, resource, &mut self.reader);
                self.drafts.push(draft);
                scanner.kvs.clear();
                self.span_idx += 1;
                if more { At::Span } else { At::ScopeNext }
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

    /// A member of the document, of a `ResourceSpans` or of a `ScopeSpans`: the lists of
    /// resources, scopes and spans are opened, the resource read, anything else skipped. (Every
    /// step checks [`ahead`] before changing what a second try would not set the same way.)
    fn member(&mut self, scanner: &mut Scanner<'_>, complete: bool) -> Scan<At> {
        let key = key(scanner)?;
        let at = scanner.pos;
        let (seen, bit, expected) = match (self.at, key) {
            (At::DocKey, RESOURCE_SPANS) => (&mut self.doc_seen, 0, "a list of ResourceSpans"),
            (At::ResourceKey, RESOURCE) => {
                self.resource_seen.first(0, key, at)?;
                let resource = scanner.resource().map_err(|stop| stop.in_field(key))?;
                ahead(scanner, complete)?;
                let found = resource_identity(resource, &mut scanner.kvs, &self.path, &mut self.reader);
                scanner.kvs.clear();
                self.identity = Some(found);
                return Ok(At::ResourceNext);
            }
            (At::ScopeKey, SCOPE) => {
                self.scope_seen.first(1, key, at)?;
                let scope = scanner.scope().map_err(|stop| stop.in_field(key))?;
                ahead(scanner, complete)?;
                let found = scope
                    .map(|scope| scope_data(scope, &mut scanner.kvs, &self.scope_prefix, &mut self.reader));
                scanner.kvs.clear();
                self.scope = Some(found.unwrap_or_default());
                self.current = None;
                self.spans_before_scope = self.drafts.len() > self.scope_first_draft;
                return Ok(At::ScopeNext);
            }
            (At::ResourceKey, SCOPE_SPANS | INSTRUMENTATION_LIBRARY_SPANS) => {
                (&mut self.resource_seen, 1, "a list of ScopeSpans")
            }
            (At::ScopeKey, SPANS) => (&mut self.scope_seen, 0, "a list of spans"),
            _ => {
                scanner.skip().map_err(|stop| stop.in_field(key))?;
                return Ok(match self.at {
                    At::DocKey => At::DocNext,
                    At::ResourceKey => At::ResourceNext,
                    _ => At::ScopeNext,
                });
            }
        };
        // (Both names of the scopes' list count as one field.)
        seen.first(bit, if bit == 1 { SCOPE_SPANS } else { key }, at)?;
        let more = list(scanner, expected).map_err(|stop| stop.in_field(key))?;
        Ok(match (self.at, more) {
            (At::DocKey, true) => At::Resource,
            (At::DocKey, false) => At::DocNext,
            (At::ResourceKey, more) => {
                self.scopes_key = key;
                // Spans before their resource are given its service once it is read.
                self.spans_before_resource = self.identity.is_none();
                if more { At::Scope } else { At::ResourceNext }
            }
            (_, true) => At::Span,
            (_, false) => At::ScopeNext,
        })
    }

    /// The end of a `ResourceSpans`: its spans get its service, host and attributes (a missing
    /// resource is reported as one without `service.name`).
    fn resource_end(&mut self, scanner: &mut Scanner<'_>) -> Scan<At> {
        let identity = match self.identity.take() {
            Some(found) => found,
            None => resource_identity(None, &mut scanner.kvs, &self.path, &mut self.reader),
        };
        if self.spans_before_resource {
            for (from, to, scope) in self.scopes.drain(..) {
                let resource = identity.resource(scope.as_ref());
                for span in &mut self.drafts.spans[from..to] {
                    span.service = identity.service.clone();
                    span.host = identity.host.clone();
                    span.resource = resource.clone();
                }
            }
        }
        self.scopes.clear();
        self.resource_idx += 1;
        Ok(At::ResourcesNext)
    }

    /// The end of a `ScopeSpans`: spans read before its scope get it.
    fn scope_end(&mut self) -> At {
        if self.spans_before_scope {
            let unknown = Identity::default();
            let resource = self.identity.as_ref().unwrap_or(&unknown).resource(self.scope.as_ref());
            for span in &mut self.drafts.spans[self.scope_first_draft..] {
                span.resource = resource.clone();
            }
        }
        self.scopes.push((self.scope_first_draft, self.drafts.len(), self.scope.take()));
        self.current = None;
        self.scope_idx += 1;
        At::ScopesNext
    }
}

/// Whether the step may end here: a step that reached the end of what has arrived might read
/// differently with more, so it must end before it, unless the file is complete.
fn ahead(scanner: &Scanner<'_>, complete: bool) -> Scan<()> {
    if scanner.pos < scanner.bytes.len() || complete { Ok(()) } else { Err(scanner.error("")) }
}

/// An object key and its colon (the position is before the key). (Read as text, not with the
/// inlined key reader of the hot loops: the skeleton has few keys, and the bundle stays smaller.)
fn key(scanner: &mut Scanner<'_>) -> Scan<Key> {
    if scanner.peek_value()? != b'"' {
        return Err(scanner.error("key must be a string"));
    }
    let key = scanner.text()?.map_or(Key::LONG, |text| Key::pack(text.as_bytes()));
    scanner.expect(b':', "expected `:`")?;
    Ok(key)
}

/// Opens a list (`expected` names it in the error when something else is there), or reads
/// `null` as an empty one: whether an element follows.
fn list(scanner: &mut Scanner<'_>, expected: &str) -> Scan<bool> {
    if scanner.null()? {
        return Ok(false);
    }
    scanner.open(b'[', b']', expected)
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::super::tests::{SAMPLE, below, corrupted};
    use super::*;
    use crate::{Format, ImportError, ImportStream, export, import, import_bytes};
    use reqflow_core::{Simulation, builtins};

    /// `bytes` pushed in pieces of the sizes `size` gives: the result, and whether the file was
    /// read as it arrived (to the end, not by the whole-file reader).
    fn streamed(bytes: &[u8], mut size: impl FnMut() -> usize) -> (Result<Imported, ImportError>, bool) {
        let mut stream = ImportStream::new("t.json", bytes.len());
        let mut rest = bytes;
        while !rest.is_empty() {
            let (chunk, after) = rest.split_at(size().clamp(1, rest.len()));
            stream.push(chunk);
            rest = after;
        }
        assert_eq!(stream.len(), bytes.len());
        let streamed = stream.reader.read(&stream.bytes, true) && !stream.reader.gave_up();
        assert_eq!(stream.streaming(), !stream.reader.gave_up());
        let result = stream.finish().unwrap_or_else(|| {
            assert!(!streamed, "a file read to the end needs no second reading");
            // As the browser does: the file read again, whole.
            import_bytes(bytes.to_vec(), "t.json")
        });
        (result, streamed)
    }

    /// Chunk sizes: a byte (for small files: each step is tried again at every byte), a few
    /// bytes, a browser's 64 KiB, the whole file, and random.
    fn chunkings(rng: &mut ChaCha8Rng, small: bool) -> Vec<Box<dyn FnMut() -> usize>> {
        let mut random = ChaCha8Rng::seed_from_u64(rng.next_u64());
        vec![
            Box::new(move || if small { 1 } else { 3 }),
            Box::new(|| 7),
            Box::new(|| 65_536),
            Box::new(|| usize::MAX),
            Box::new(move || 1 + below(&mut random, 300)),
        ]
    }

    /// Traces of every built-in as OTLP/JSON: pretty (as exported) and compact (as tools write).
    fn exports() -> Vec<(String, String)> {
        let mut files = Vec::new();
        for name in builtins::names() {
            let scenario = builtins::load(name).expect("built-in");
            let spans = Simulation::new(&scenario).and_then(|simulation| simulation.simulate_one(7));
            let text = export(&spans.expect("runs").spans, Format::Otlp);
            let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            files.push((format!("{name}, compact"), value.to_string()));
            files.push((name.to_owned(), text));
        }
        files
    }

    #[test]
    fn a_file_read_in_pieces_reads_like_the_whole_file() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut files = exports();
        files.push(("sample".to_owned(), SAMPLE.to_owned()));
        files.push(("with a byte order mark".to_owned(), format!("\u{feff}{SAMPLE}")));
        for (name, text) in &files {
            let whole = import(text, "t.json");
            assert!(whole.as_ref().is_ok_and(|imported| !imported.spans.is_empty()), "{name}: {whole:?}");
            for size in chunkings(&mut rng, text.len() < 10_000) {
                let (result, streaming) = streamed(text.as_bytes(), size);
                assert!(streaming, "{name}: read whole instead of as it arrived");
                assert_eq!(result, whole, "{name}");
            }
        }
    }

    #[test]
    fn corrupted_files_read_in_pieces_give_the_whole_file_answer() {
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let (mut streamed_ok, mut read_whole) = (0, 0);
        for _ in 0..2_000 {
            let text = corrupted(SAMPLE, &mut rng);
            let whole = import(&text, "t.json");
            let mut random = ChaCha8Rng::seed_from_u64(rng.next_u64());
            let (result, streaming) = streamed(text.as_bytes(), move || 1 + below(&mut random, 40));
            assert_eq!(result, whole, "{text}");
            if streaming {
                streamed_ok += 1;
                assert!(whole.is_ok(), "streamed to the end, yet the whole file is refused: {text}");
            } else {
                read_whole += 1;
            }
        }
        // Both ways are well exercised.
        assert!(streamed_ok > 400 && read_whole > 400, "streamed {streamed_ok}, read whole {read_whole}");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_an_error_wherever_the_file_is_cut() {
        let mut bytes = SAMPLE.as_bytes().to_vec();
        let at = SAMPLE.find("GET /orders").expect("in the sample");
        bytes[at] = 0xff;
        for size in [1, 5, usize::MAX] {
            assert_eq!(
                streamed(&bytes, || size).0,
                Err(ImportError::NotText { origin: "t.json".to_owned(), offset: at })
            );
        }
        let message = streamed(&bytes, || 9).0.expect_err("not UTF-8").to_string();
        assert_eq!(message, format!("t.json: not a text file: the bytes at offset {at} are not UTF-8"));
        // A character cut in two by a chunk is whole again.
        let accented = SAMPLE.replace("GET /orders", "GET /commandés/ü/€/𝄞");
        for size in [1, 2, 3] {
            let (result, streaming) = streamed(accented.as_bytes(), || size);
            assert!(streaming);
            assert_eq!(result, import(&accented, "t.json"));
        }
    }

    #[test]
    fn jaeger_and_zipkin_are_read_as_they_arrive_and_other_shapes_whole_at_the_end() {
        let scenario = builtins::load(builtins::DEFAULT).expect("built-in");
        let spans = Simulation::new(&scenario).and_then(|simulation| simulation.simulate_one(1));
        let spans = spans.expect("runs").spans;
        for format in [Format::Jaeger, Format::Zipkin] {
            let text = export(&spans, format);
            let mut stream = ImportStream::new("t.json", 0);
            stream.push(&text.as_bytes()[..100]);
            assert!(stream.streaming(), "{format}");
            stream.push(&text.as_bytes()[100..]);
            assert_eq!(stream.finish(), Some(import(&text, "t.json")), "{format}");
        }
        // Jaeger JSON whose first key does not say so: read whole.
        let text = export(&spans, Format::Jaeger).replacen('{', "{\"_comment\": \"x\",", 1);
        let mut stream = ImportStream::new("t.json", 0);
        stream.push(text.as_bytes());
        assert!(!stream.streaming());
        assert_eq!(stream.finish(), Some(import(&text, "t.json")));
    }

    #[test]
    fn spans_are_read_as_the_file_arrives() {
        let text = &exports()[0].1;
        let bytes = text.as_bytes();
        let mut stream = Stream::new(bytes.len(), true);
        stream.read(&bytes[..bytes.len() / 2], false).then_some(()).expect("no error before the end");
        let halfway = stream.drafts.len();
        let read = stream.take_read();
        assert!(read > bytes.len() / 3, "{read} of {} bytes read", bytes.len() / 2);
        stream.read(&bytes[read..], false).then_some(()).expect("no error before the end");
        let before_the_end = stream.drafts.len();
        assert!(halfway > 0 && before_the_end > halfway, "{halfway}, {before_the_end}");
        assert!(stream.read(&bytes[read..], true));
        let imported = stream.finish().expect("streamed");
        assert_eq!(imported.spans.len(), before_the_end);
        assert_eq!(Ok(imported), import(text, "t.json"));
    }
}
