//! The OTLP/JSON reader: a hand-written scanner that reads the document straight into the
//! structs `convert_span` takes, one span at a time.
//!
//! serde's derived readers were most of the time of a 100,000-span import in the browser, where
//! the build optimises for size and does not inline their generic visitors. This reader walks the
//! bytes itself: strings are found eight bytes at a time and borrowed from the file unless they
//! have escapes, object keys are matched as packed words, and every span's attribute lists go into
//! one reused list. It reads everything the OTLP JSON mapping allows (escapes, `null` for absent,
//! integers as numbers or strings, enum names, the rarer value kinds) and checks the JSON as it
//! goes: an error names its line and column, like serde_json's.

use std::borrow::Cow;

use serde_json::Value;

use super::{
    AnyValueIn, EventIn, KeyValueIn, KeyValuesIn, LinkIn, Reader, ResourceIn, ScopeIn, SpanIn, StatusIn,
    ValueIn,
};
use crate::ImportError;
use crate::common::{Drafts, JsonFloat, JsonInt, parse_float_text, parse_int_text, whole_f64};
use reqflow_core::text::same_bytes;

pub(super) mod stream;

/// Why reading stopped.
pub(crate) enum Stop {
    /// Not JSON: what, at which byte.
    Json { at: usize, message: Cow<'static, str> },
    /// A value of the wrong kind or range, at which byte, for which field (the innermost one).
    Value { at: usize, message: String, field: Option<Key> },
}

pub(crate) type Scan<T> = Result<T, Stop>;

/// How deeply arrays and objects may nest (serde_json's limit too): deeper files are refused
/// rather than risking the stack.
const MAX_DEPTH: usize = 128;

/// Reads a whole OTLP/JSON document (without byte order mark) into converted spans.
pub(super) fn read(text: &str, origin: &str) -> Result<(Reader, Drafts), ImportError> {
    let mut stream = stream::Stream::new(text.len(), false);
    match stream.read_text(text, true) {
        // (Given the whole text, the reader stops only at the document's end or at an error.)
        Ok(()) => stream
            .into_parts()
            .ok_or_else(|| json_error(text, origin, text.len(), "EOF while parsing a value".to_owned())),
        Err(Stop::Json { at, message }) => Err(json_error(text, origin, at, message.into_owned())),
        Err(Stop::Value { at, message, field }) => {
            let message = match field {
                Some(field) => format!("{message}, in `{}`", field.name()),
                None => message,
            };
            Err(json_error(text, origin, at, message))
        }
    }
}

/// A JSON error at byte `at`, with its line and column (1-based, columns in bytes).
fn json_error(text: &str, origin: &str, at: usize, message: String) -> ImportError {
    let before = &text.as_bytes()[..at.min(text.len())];
    let line_start = before.iter().rposition(|&byte| byte == b'\n').map_or(0, |newline| newline + 1);
    let line = before.iter().filter(|&&byte| byte == b'\n').count() + 1;
    let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    ImportError::Json {
        origin: origin.to_owned(),
        line: narrow(line),
        column: narrow(at - line_start + 1),
        message,
    }
}

impl Stop {
    /// Names the field a wrong value was given for, unless a field inside it is named already.
    fn in_field(self, key: Key) -> Stop {
        match self {
            Stop::Value { at, message, field: None } => Stop::Value { at, message, field: Some(key) },
            other => other,
        }
    }

    fn in_field_if(self, key: Option<Key>) -> Stop {
        match key {
            Some(key) => self.in_field(key),
            None => self,
        }
    }
}

/// Which fields of an object were seen (one bit each), to refuse a field given twice.
#[derive(Clone, Copy, Default)]
pub(crate) struct Seen(u32);

impl Seen {
    pub(crate) fn first(&mut self, bit: u32, key: Key, at: usize) -> Scan<()> {
        if self.0 & (1 << bit) != 0 {
            return Err(Stop::Json { at, message: format!("duplicate field `{}`", key.name()).into() });
        }
        self.0 |= 1 << bit;
        Ok(())
    }
}

/// An object key packed into four words (little-endian, zero-padded), so that finding which
/// field a key names compares words instead of calling `memcmp` per candidate (a function call in
/// wasm). JSON keys cannot hold a raw NUL byte, so keys of up to 32 bytes pack differently; longer
/// ones pack as [`Key::LONG`], which names no field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Key([u64; 4]);

impl Key {
    pub(crate) const LONG: Key = Key([u64::MAX; 4]);

    pub(crate) const fn new(text: &str) -> Key {
        let bytes = text.as_bytes();
        assert!(bytes.len() <= 32, "field names are short");
        let mut words = [0u64; 4];
        let mut idx = 0;
        while idx < bytes.len() {
            words[idx / 8] |= (bytes[idx] as u64) << (8 * (idx % 8));
            idx += 1;
        }
        Key(words)
    }

    /// The key's text (for error messages).
    fn name(self) -> String {
        let bytes: Vec<u8> =
            self.0.iter().flat_map(|word| word.to_le_bytes()).take_while(|&byte| byte != 0).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    #[inline(always)]
    pub(crate) fn pack(bytes: &[u8]) -> Key {
        if bytes.len() > 32 {
            return Key::LONG;
        }
        // Plain loops: the browser build does not inline closures or `copy_from_slice`.
        let mut words = [0u64; 4];
        let mut chunks = bytes.chunks_exact(8);
        let mut idx = 0;
        for chunk in &mut chunks {
            if let Some(&word) = chunk.first_chunk::<8>() {
                words[idx] = u64::from_le_bytes(word);
            }
            idx += 1;
        }
        if idx < 4 {
            for (shift, &byte) in chunks.remainder().iter().enumerate() {
                words[idx] |= u64::from(byte) << (8 * shift);
            }
        }
        Key(words)
    }
}

macro_rules! keys {
    ($($name:ident = $text:literal;)*) => {
        $(const $name: Key = Key::new($text);)*
    };
}

keys! {
    RESOURCE_SPANS = "resourceSpans";
    RESOURCE = "resource";
    SCOPE = "scope";
    VERSION = "version";
    SCOPE_SPANS = "scopeSpans";
    INSTRUMENTATION_LIBRARY_SPANS = "instrumentationLibrarySpans";
    SPANS = "spans";
    TRACE_ID = "traceId";
    SPAN_ID = "spanId";
    PARENT_SPAN_ID = "parentSpanId";
    NAME = "name";
    KIND = "kind";
    START_TIME_UNIX_NANO = "startTimeUnixNano";
    END_TIME_UNIX_NANO = "endTimeUnixNano";
    ATTRIBUTES = "attributes";
    EVENTS = "events";
    LINKS = "links";
    STATUS = "status";
    KEY = "key";
    VALUE = "value";
    STRING_VALUE = "stringValue";
    BOOL_VALUE = "boolValue";
    INT_VALUE = "intValue";
    DOUBLE_VALUE = "doubleValue";
    BYTES_VALUE = "bytesValue";
    ARRAY_VALUE = "arrayValue";
    KVLIST_VALUE = "kvlistValue";
    TIME_UNIX_NANO = "timeUnixNano";
    CODE = "code";
    MESSAGE = "message";
}

/// One field of an object: `$slot = $value` (a `Scan`), unless the field was given already.
macro_rules! field {
    ($seen:ident, $bit:literal, $key:ident, $at:ident, $slot:expr => $value:expr) => {{
        $seen.first($bit, $key, $at)?;
        $slot = $value?;
        Ok(())
    }};
}

pub(crate) struct Scanner<'a> {
    pub(crate) text: &'a str,
    pub(crate) bytes: &'a [u8],
    pub(crate) pos: usize,
    /// How many arrays and objects enclose the position.
    pub(crate) depth: usize,
    /// The key-value pairs of the span being read (its attributes, then its events' and links'),
    /// emptied after each span.
    kvs: Vec<KeyValueIn<'a>>,
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `text`, at depth 0 (the Jaeger and Zipkin readers use it too).
    pub(crate) fn new(text: &'a str) -> Scanner<'a> {
        Scanner { text, bytes: text.as_bytes(), pos: 0, depth: 0, kvs: Vec::new() }
    }

    // -----------------------------------------------------------------------------------------
    // Resources and spans (the document around them is read by `stream`)

    fn resource(&mut self) -> Scan<Option<ResourceIn>> {
        if self.null()? {
            return Ok(None);
        }
        let mut resource = ResourceIn::default();
        let mut seen = Seen::default();
        self.object("a Resource object", &mut |scanner, key| match key {
            ATTRIBUTES => {
                seen.first(0, key, scanner.pos)?;
                resource.attributes = scanner.key_values()?;
                Ok(())
            }
            _ => scanner.skip(),
        })?;
        Ok(Some(resource))
    }

    fn scope(&mut self) -> Scan<Option<ScopeIn<'a>>> {
        if self.null()? {
            return Ok(None);
        }
        let mut scope = ScopeIn::default();
        let mut seen = Seen::default();
        self.object("an InstrumentationScope object", &mut |scanner, key| {
            let at = scanner.pos;
            match key {
                NAME => field!(seen, 0, key, at, scope.name => scanner.text()),
                VERSION => field!(seen, 1, key, at, scope.version => scanner.text()),
                ATTRIBUTES => field!(seen, 2, key, at, scope.attributes => scanner.key_values()),
                _ => scanner.skip(),
            }
        })?;
        Ok(Some(scope))
    }

    fn span(&mut self) -> Scan<SpanIn<'a>> {
        let mut span = SpanIn::default();
        let mut seen = Seen::default();
        let compact = self.compact_span_start(&mut span, &mut seen)?;
        let mut member = |scanner: &mut Self, key| {
            let at = scanner.pos;
            match key {
                TRACE_ID => field!(seen, 0, key, at, span.trace_id => scanner.text()),
                SPAN_ID => field!(seen, 1, key, at, span.span_id => scanner.text()),
                PARENT_SPAN_ID => field!(seen, 2, key, at, span.parent_span_id => scanner.text()),
                NAME => field!(seen, 3, key, at, span.name => scanner.text()),
                KIND => field!(seen, 4, key, at, span.kind => scanner.any_json()),
                START_TIME_UNIX_NANO => {
                    field!(seen, 5, key, at, span.start_time_unix_nano => scanner.integer())
                }
                END_TIME_UNIX_NANO => {
                    field!(seen, 6, key, at, span.end_time_unix_nano => scanner.integer())
                }
                ATTRIBUTES => field!(seen, 7, key, at, span.attributes => scanner.key_values()),
                EVENTS => field!(seen, 8, key, at, span.events => scanner.events()),
                LINKS => field!(seen, 9, key, at, span.links => scanner.links()),
                STATUS => field!(seen, 10, key, at, span.status => scanner.status()),
                _ => scanner.skip(),
            }
        };
        match compact {
            Some(more) => self.members(more, &mut member)?,
            None => self.object("a span object", &mut member)?,
        }
        Ok(span)
    }

    /// The first fields of a span, when it is written compactly with them in the usual order
    /// (`traceId`, `spanId`, `parentSpanId`, `name`, `kind`, `startTimeUnixNano`,
    /// `endTimeUnixNano`, any of them missing): read as whole words, as the general reader would
    /// read them. Stops before the first field it does not expect (or cannot read this way), and
    /// says whether another member follows: the general reader goes on from there. `None` (the
    /// position unchanged) when the span does not start with `{"traceId":"`.
    fn compact_span_start(&mut self, span: &mut SpanIn<'a>, seen: &mut Seen) -> Scan<Option<bool>> {
        let start = self.pos;
        if self.ahead(b"{\"traceId\":\"").is_none() {
            return Ok(None);
        }
        let Some(trace_id) = self.plain_string() else {
            self.pos = start;
            return Ok(None);
        };
        span.trace_id = Some(Cow::Borrowed(trace_id));
        seen.0 |= 1;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        // Each field: the words that start it, its bit in `seen`, and its value read this way.
        let fields: [(&[u8], u32); 6] = [
            (b",\"spanId\":\"", 1),
            (b",\"parentSpanId\":\"", 2),
            (b",\"name\":\"", 3),
            (b",\"kind\":", 4),
            (b",\"startTimeUnixNano\":\"", 5),
            (b",\"endTimeUnixNano\":\"", 6),
        ];
        for (words, bit) in fields {
            let before = self.pos;
            if self.ahead(words).is_none() {
                continue;
            }
            let read = match bit {
                1 => self.plain_string().map(|text| span.span_id = Some(Cow::Borrowed(text))),
                2 => self.plain_string().map(|text| span.parent_span_id = Some(Cow::Borrowed(text))),
                3 => self.plain_string().map(|text| span.name = Some(Cow::Borrowed(text))),
                4 => self.one_digit().map(|kind| span.kind = Some(serde_json::Value::from(kind))),
                5 => self.plain_decimal().map(|ns| span.start_time_unix_nano = Some(JsonInt(ns))),
                _ => self.plain_decimal().map(|ns| span.end_time_unix_nano = Some(JsonInt(ns))),
            };
            if read.is_none() {
                self.pos = before;
                break;
            }
            seen.0 |= 1 << bit;
        }
        self.separator_or(b'}', "EOF while parsing an object").map(Some)
    }

    /// A one-digit JSON number (an enum), when the member ends right after it.
    fn one_digit(&mut self) -> Option<u8> {
        match self.bytes.get(self.pos..self.pos + 2)? {
            &[digit @ b'0'..=b'9', b',' | b'}'] => {
                self.pos += 1;
                Some(digit - b'0')
            }
            _ => None,
        }
    }

    /// A list of `KeyValue`s, into [`Scanner::kvs`].
    fn key_values(&mut self) -> Scan<Option<KeyValuesIn>> {
        if self.null()? {
            return Ok(None);
        }
        let start = self.kvs.len();
        self.list("a list of KeyValue objects", &mut |scanner, _| {
            if let Some(kv) = scanner.compact_key_value() {
                scanner.kvs.push(kv);
                return Ok(());
            }
            let mut kv = KeyValueIn::default();
            let mut seen = Seen::default();
            scanner.object("a KeyValue object", &mut |scanner, key| {
                let at = scanner.pos;
                match key {
                    KEY => field!(seen, 0, key, at, kv.key => scanner.text()),
                    VALUE => field!(seen, 1, key, at, kv.value => scanner.any_value()),
                    _ => scanner.skip(),
                }
            })?;
            scanner.kvs.push(kv);
            Ok(())
        })?;
        Ok(Some(start..self.kvs.len()))
    }

    /// The compact form nearly every exporter writes, `{"key":"…","value":{"stringValue":"…"}}`
    /// (or an `intValue` as a decimal string, or a `boolValue`), matched as whole words instead
    /// of key by key. Anything else (whitespace, another order, escapes, other kinds) gives `None`
    /// with the position unchanged, and the general reader takes it from there: the result is
    /// the same either way, this is only faster (four attributes a span are most of a file).
    fn compact_key_value(&mut self) -> Option<KeyValueIn<'a>> {
        let start = self.pos;
        let kv = self.try_compact_key_value();
        if kv.is_none() {
            self.pos = start;
        }
        kv
    }

    fn try_compact_key_value(&mut self) -> Option<KeyValueIn<'a>> {
        self.ahead(b"{\"key\":\"")?;
        let key = self.plain_string()?;
        self.ahead(b",\"value\":{\"")?;
        let value = if self.ahead(b"stringValue\":\"").is_some() {
            ValueIn::Str(Cow::Borrowed(self.plain_string()?))
        } else if self.ahead(b"intValue\":\"").is_some() {
            ValueIn::Int(i64::try_from(self.plain_decimal()?).ok()?)
        } else if self.ahead(b"boolValue\":true").is_some() {
            ValueIn::Bool(true)
        } else {
            self.ahead(b"boolValue\":false")?;
            ValueIn::Bool(false)
        };
        self.ahead(b"}}")?;
        Some(KeyValueIn { key: Some(Cow::Borrowed(key)), value })
    }

    /// Steps over `literal` if the text continues with it.
    #[inline(always)]
    pub(crate) fn ahead(&mut self, literal: &[u8]) -> Option<()> {
        let next = self.bytes.get(self.pos..self.pos + literal.len())?;
        same_bytes(next, literal).then(|| self.pos += literal.len())
    }

    /// The rest of a string without escapes (just after its opening quote), and its closing
    /// quote.
    fn plain_string(&mut self) -> Option<&'a str> {
        let start = self.pos;
        let len = string_end(&self.bytes[start..]).filter(|&len| self.bytes[start + len] == b'"')?;
        self.pos = start + len + 1;
        // Both ends are ASCII quotes, so the slice is on character boundaries.
        self.text.get(start..start + len)
    }

    /// The rest of a decimal string written the canonical way (`0`, or up to 19 digits not
    /// starting with 0, maybe after `-`), and its closing quote.
    fn plain_decimal(&mut self) -> Option<i128> {
        let negative = self.ahead(b"-").is_some();
        let digits_start = self.pos;
        let mut value: u64 = 0;
        while let Some(&byte) = self.bytes.get(self.pos).filter(|byte| byte.is_ascii_digit()) {
            // (Wrapping: more than 19 digits are refused below, after the loop; 19 always fit.)
            value = value.wrapping_mul(10).wrapping_add(u64::from(byte - b'0'));
            self.pos += 1;
        }
        let n_digits = self.pos - digits_start;
        let canonical = match self.bytes.get(digits_start) {
            Some(b'0') => n_digits == 1 && !negative,
            _ => (1..=19).contains(&n_digits),
        };
        let value = i128::from(value);
        (canonical && self.ahead(b"\"").is_some()).then_some(if negative { -value } else { value })
    }

    fn any_value(&mut self) -> Scan<ValueIn<'a>> {
        if self.null()? {
            return Ok(ValueIn::Absent);
        }
        let mut value = AnyValueIn::default();
        let mut seen = Seen::default();
        self.object("an AnyValue object", &mut |scanner, key| {
            let at = scanner.pos;
            match key {
                STRING_VALUE => field!(seen, 0, key, at, value.string_value => scanner.text()),
                BOOL_VALUE => field!(seen, 1, key, at, value.bool_value => scanner.boolean()),
                INT_VALUE => field!(seen, 2, key, at, value.int_value => scanner.integer()),
                DOUBLE_VALUE => field!(seen, 3, key, at, value.double_value => scanner.float()),
                BYTES_VALUE => field!(seen, 4, key, at, value.bytes_value => scanner.text()),
                ARRAY_VALUE => field!(seen, 5, key, at, value.array_value => scanner.any_json()),
                KVLIST_VALUE => field!(seen, 6, key, at, value.kvlist_value => scanner.any_json()),
                _ => scanner.skip(),
            }
        })?;
        Ok(ValueIn::from(value))
    }

    fn events(&mut self) -> Scan<Option<Vec<EventIn<'a>>>> {
        self.objects("a list of events", "an event object", |scanner, event: &mut EventIn<'a>, seen, key| {
            let at = scanner.pos;
            match key {
                TIME_UNIX_NANO => field!(seen, 0, key, at, event.time_unix_nano => scanner.integer()),
                NAME => field!(seen, 1, key, at, event.name => scanner.text()),
                ATTRIBUTES => field!(seen, 2, key, at, event.attributes => scanner.key_values()),
                _ => scanner.skip(),
            }
        })
    }

    fn links(&mut self) -> Scan<Option<Vec<LinkIn<'a>>>> {
        self.objects("a list of links", "a link object", |scanner, link: &mut LinkIn<'a>, seen, key| {
            let at = scanner.pos;
            match key {
                TRACE_ID => field!(seen, 0, key, at, link.trace_id => scanner.text()),
                SPAN_ID => field!(seen, 1, key, at, link.span_id => scanner.text()),
                ATTRIBUTES => field!(seen, 2, key, at, link.attributes => scanner.key_values()),
                _ => scanner.skip(),
            }
        })
    }

    /// A list of objects (or `null`), each read into a `T` whose fields `member` sets.
    fn objects<T: Default>(
        &mut self,
        list: &str,
        item: &str,
        member: fn(&mut Self, &mut T, &mut Seen, Key) -> Scan<()>,
    ) -> Scan<Option<Vec<T>>> {
        if self.null()? {
            return Ok(None);
        }
        let mut items = Vec::new();
        self.list(list, &mut |scanner, _| {
            let (mut value, mut seen) = (T::default(), Seen::default());
            scanner.object(item, &mut |scanner, key| member(scanner, &mut value, &mut seen, key))?;
            items.push(value);
            Ok(())
        })?;
        Ok(Some(items))
    }

    fn status(&mut self) -> Scan<Option<StatusIn<'a>>> {
        if self.null()? {
            return Ok(None);
        }
        let mut status = StatusIn::default();
        let mut seen = Seen::default();
        self.object("a status object", &mut |scanner, key| {
            let at = scanner.pos;
            match key {
                CODE => field!(seen, 0, key, at, status.code => scanner.any_json()),
                MESSAGE => field!(seen, 1, key, at, status.message => scanner.text()),
                _ => scanner.skip(),
            }
        })?;
        Ok(Some(status))
    }

    // -----------------------------------------------------------------------------------------
    // Values (`null` reads as absent throughout, as the JSON mapping allows)

    /// A string, or `null`.
    pub(crate) fn text(&mut self) -> Scan<Option<Cow<'a, str>>> {
        match self.peek_value()? {
            b'n' => self.null_literal().map(|()| None),
            b'"' => self.string().map(Some),
            _ => Err(self.unexpected("a string")),
        }
    }

    /// An integer written as a decimal string or a JSON number (whole floats too), or `null`.
    fn integer(&mut self) -> Scan<Option<JsonInt>> {
        const EXPECTED: &str = "an integer (a JSON number or a decimal string)";
        let at = self.pos;
        let value = match self.peek_value()? {
            b'n' => return self.null_literal().map(|()| None),
            b'"' => {
                let text = self.string()?;
                parse_int_text(&text).ok_or_else(|| invalid(at, format!("string {text:?}"), EXPECTED))?
            }
            b'-' | b'0'..=b'9' => {
                let number = self.number_text()?;
                number_as_int(number).ok_or_else(|| invalid(at, format!("number {number}"), EXPECTED))?
            }
            _ => return Err(self.unexpected(EXPECTED)),
        };
        Ok(Some(JsonInt(value)))
    }

    /// A float written as a JSON number or a string (`"NaN"`, `"Infinity"`, decimal), or `null`.
    fn float(&mut self) -> Scan<Option<JsonFloat>> {
        const EXPECTED: &str = "a number (or \"NaN\", \"Infinity\", \"-Infinity\")";
        let at = self.pos;
        let value = match self.peek_value()? {
            b'n' => return self.null_literal().map(|()| None),
            b'"' => {
                let text = self.string()?;
                parse_float_text(&text).ok_or_else(|| invalid(at, format!("string {text:?}"), EXPECTED))?
            }
            b'-' | b'0'..=b'9' => {
                let number = self.number_text()?;
                number.parse::<f64>().map_err(|_| invalid(at, format!("number {number}"), EXPECTED))?
            }
            _ => return Err(self.unexpected(EXPECTED)),
        };
        Ok(Some(JsonFloat(value)))
    }

    pub(crate) fn boolean(&mut self) -> Scan<Option<bool>> {
        match self.peek_value()? {
            b'n' => self.null_literal().map(|()| None),
            b't' => self.literal(b"true").map(|()| Some(true)),
            b'f' => self.literal(b"false").map(|()| Some(false)),
            _ => Err(self.unexpected("a boolean")),
        }
    }

    /// Any JSON value (enum numbers and names, nested values kept as JSON text), or `null`.
    pub(crate) fn any_json(&mut self) -> Scan<Option<Value>> {
        let start = self.pos;
        if self.null()? {
            return Ok(None);
        }
        self.skip()?;
        let json = &self.text[start..self.pos];
        // The usual case, a one-digit enum, without serde.
        if let &[digit @ b'0'..=b'9'] = json.trim_start().as_bytes() {
            return Ok(Some(Value::from(u64::from(digit - b'0'))));
        }
        serde_json::from_str(json)
            .map(Some)
            .map_err(|error| Stop::Json { at: start, message: error.to_string().into() })
    }

    // -----------------------------------------------------------------------------------------
    // JSON

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Steps over whitespace. Compact files have none between tokens: one comparison; the
    /// rest is out of line ([`Scanner::whitespace_run`]).
    #[inline(always)]
    pub(crate) fn whitespace(&mut self) {
        if let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.whitespace_run();
        }
    }

    /// Steps over a run of whitespace. A pretty-printed file is up to half indentation (a
    /// newline, then two spaces a level), so spaces are skipped eight at a time: with `x` the
    /// word XOR eight spaces, the lowest non-zero byte of `x` is the first byte that is not a
    /// space.
    #[inline(never)]
    fn whitespace_run(&mut self) {
        const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
        loop {
            while let Some(&word) = self.bytes.get(self.pos..).and_then(|rest| rest.first_chunk::<8>()) {
                let others = u64::from_le_bytes(word) ^ SPACES;
                if others != 0 {
                    self.pos += others.trailing_zeros() as usize / 8;
                    break;
                }
                self.pos += 8;
            }
            match self.peek() {
                Some(b' ' | b'\n' | b'\r' | b'\t') => self.pos += 1,
                _ => return,
            }
        }
    }

    /// The first byte of the next value (after whitespace).
    #[inline(always)]
    pub(crate) fn peek_value(&mut self) -> Scan<u8> {
        self.whitespace();
        self.peek().ok_or_else(|| self.error("EOF while parsing a value"))
    }

    pub(crate) fn error(&self, message: &'static str) -> Stop {
        Stop::Json { at: self.pos, message: message.into() }
    }

    /// The value here is of the wrong kind.
    pub(crate) fn unexpected(&mut self, expected: &str) -> Stop {
        let found = match self.peek_value() {
            Err(stop) => return stop,
            Ok(b'{') => "an object",
            Ok(b'[') => "a list",
            Ok(b'"') => "a string",
            Ok(b'-' | b'0'..=b'9') => "a number",
            Ok(b't' | b'f') => "a boolean",
            Ok(b'n') => "null",
            Ok(_) => return self.error("expected value"),
        };
        Stop::Value {
            at: self.pos,
            message: format!("invalid type: {found}, expected {expected}"),
            field: None,
        }
    }

    /// Consumes `byte` after whitespace.
    #[inline(always)]
    pub(crate) fn expect(&mut self, byte: u8, message: &'static str) -> Scan<()> {
        self.whitespace();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(message))
        }
    }

    fn literal(&mut self, word: &[u8]) -> Scan<()> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error("expected value"))
        }
    }

    fn null_literal(&mut self) -> Scan<()> {
        self.literal(b"null")
    }

    /// Consumes a `null` if that is what comes next.
    pub(crate) fn null(&mut self) -> Scan<bool> {
        if self.peek_value()? == b'n' {
            self.null_literal()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Opens an object or array (`open` … `close`; `expected` names it in the error when something
    /// else is there). `false` when it is empty (and already closed).
    pub(crate) fn open(&mut self, open: u8, close: u8, expected: &str) -> Scan<bool> {
        if self.peek_value()? != open {
            return Err(self.unexpected(expected));
        }
        self.pos += 1;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        self.whitespace();
        Ok(!self.close(close))
    }

    /// Consumes `close` if it is next, leaving the container.
    #[inline(always)]
    fn close(&mut self, close: u8) -> bool {
        let closing = self.peek() == Some(close);
        if closing {
            self.pos += 1;
            self.depth -= 1;
        }
        closing
    }

    /// After a member or element: `true` at a comma (another one follows), `false` at `close`
    /// (consumed, and the container left).
    #[inline(always)]
    pub(crate) fn separator_or(&mut self, close: u8, eof: &'static str) -> Scan<bool> {
        self.whitespace();
        if self.close(close) {
            return Ok(false);
        }
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) if close == b'}' => Err(self.error("expected `,` or `}`")),
            Some(_) => Err(self.error("expected `,` or `]`")),
            None => Err(self.error(eof)),
        }
    }

    /// An object (`expected` names it in the error when something else is there): `member`
    /// reads the value of each key.
    ///
    /// (Closures are passed as `dyn`: one copy of the loop instead of one per caller keeps the
    /// browser bundle small.)
    pub(crate) fn object(
        &mut self,
        expected: &str,
        member: &mut dyn FnMut(&mut Self, Key) -> Scan<()>,
    ) -> Scan<()> {
        let more = self.open(b'{', b'}', expected)?;
        self.members(more, member)
    }

    /// The members of an object already opened (`more`: whether one follows).
    fn members(&mut self, mut more: bool, member: &mut dyn FnMut(&mut Self, Key) -> Scan<()>) -> Scan<()> {
        while more {
            if self.peek_value()? != b'"' {
                return Err(self.error("key must be a string"));
            }
            let key = self.key()?;
            self.expect(b':', "expected `:`")?;
            if let Err(stop) = member(self, key) {
                return Err(stop.in_field(key));
            }
            more = self.separator_or(b'}', "EOF while parsing an object")?;
        }
        Ok(())
    }

    /// An array: `element` reads each element, given its index.
    pub(crate) fn list(
        &mut self,
        expected: &str,
        element: &mut dyn FnMut(&mut Self, usize) -> Scan<()>,
    ) -> Scan<()> {
        let mut more = self.open(b'[', b']', expected)?;
        let mut idx = 0;
        while more {
            element(self, idx)?;
            idx += 1;
            more = self.separator_or(b']', "EOF while parsing a list")?;
        }
        Ok(())
    }

    /// Skips any JSON value, checking it.
    pub(crate) fn skip(&mut self) -> Scan<()> {
        match self.peek_value()? {
            b'"' => self.string().map(drop),
            b'{' => self.object("", &mut |scanner, _| scanner.skip()),
            b'[' => self.list("", &mut |scanner, _| scanner.skip()),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.null_literal(),
            b'-' | b'0'..=b'9' => self.number_text().map(drop),
            _ => Err(self.error("expected value")),
        }
    }

    /// An object key (the position is at its opening quote), packed.
    #[inline(always)]
    fn key(&mut self) -> Scan<Key> {
        let start = self.pos + 1;
        let rest = &self.bytes[start..];
        if let Some(len) = string_end(rest).filter(|&len| rest[len] == b'"') {
            self.pos = start + len + 1;
            return Ok(Key::pack(&rest[..len]));
        }
        Ok(Key::pack(self.escaped_string(start)?.as_bytes()))
    }

    /// A string (the position is at its opening quote): borrowed from the file, or decoded when
    /// it has escapes.
    #[inline(always)]
    pub(crate) fn string(&mut self) -> Scan<Cow<'a, str>> {
        let start = self.pos + 1;
        let rest = &self.bytes[start..];
        match string_end(rest).map(|len| (len, rest[len])) {
            Some((len, b'"')) => {
                self.pos = start + len + 1;
                // Both ends are ASCII quotes, so the slice is on character boundaries.
                Ok(Cow::Borrowed(&self.text[start..start + len]))
            }
            _ => self.escaped_string(start).map(Cow::Owned),
        }
    }

    /// The slow path of [`Scanner::string`]: decodes escapes, reports what is wrong.
    fn escaped_string(&mut self, start: usize) -> Scan<String> {
        let mut text = String::new();
        self.pos = start;
        loop {
            let len = string_end(&self.bytes[self.pos..]).ok_or_else(|| Stop::Json {
                at: self.bytes.len(),
                message: "EOF while parsing a string".into(),
            })?;
            // Runs between escapes start and end at ASCII bytes: on character boundaries.
            text.push_str(&self.text[self.pos..self.pos + len]);
            self.pos += len;
            match self.bytes[self.pos] {
                b'"' => {
                    self.pos += 1;
                    return Ok(text);
                }
                b'\\' => {
                    self.pos += 1;
                    let escaped = self.peek().ok_or_else(|| self.error("EOF while parsing a string"))?;
                    self.pos += 1;
                    text.push(match escaped {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(Stop::Json { at: self.pos - 1, message: "invalid escape".into() }),
                    });
                }
                _ => {
                    return Err(
                        self.error("control character (\\u0000-\\u001F) found while parsing a string")
                    );
                }
            }
        }
    }

    /// The character of a `\uXXXX` escape (the position is after `\u`), joining surrogate pairs.
    fn unicode_escape(&mut self) -> Scan<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.bytes[self.pos..].starts_with(b"\\u") {
                    return Err(self.error("lone leading surrogate in hex escape"));
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("lone leading surrogate in hex escape"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error("lone trailing surrogate in hex escape")),
            other => other,
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid unicode code point"))
    }

    fn hex4(&mut self) -> Scan<u32> {
        let digits =
            self.bytes.get(self.pos..self.pos + 4).ok_or_else(|| self.error("EOF while parsing a string"))?;
        let mut value = 0;
        for &digit in digits {
            let digit = reqflow_core::hex::value(digit).ok_or_else(|| self.error("invalid escape"))?;
            value = (value << 4) | u32::from(digit);
        }
        self.pos += 4;
        Ok(value)
    }

    /// A JSON number (RFC 8259 grammar), as written.
    pub(crate) fn number_text(&mut self) -> Scan<&'a str> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.at_least_one_digit()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            self.at_least_one_digit()?;
        }
        Ok(&self.text[start..self.pos])
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }

    fn at_least_one_digit(&mut self) -> Scan<()> {
        let start = self.pos;
        self.digits();
        if self.pos == start { Err(self.error("invalid number")) } else { Ok(()) }
    }
}

/// A value of the wrong kind or range.
fn invalid(at: usize, found: String, expected: &str) -> Stop {
    Stop::Value { at, message: format!("invalid value: {found}, expected {expected}"), field: None }
}

/// A JSON number as an integer: exactly when it is written as one and fits 64 bits, otherwise
/// through `f64` when that is whole (as serde_json reads integers too big for 64 bits).
fn number_as_int(number: &str) -> Option<i128> {
    if !number.contains(['.', 'e', 'E']) {
        if let Ok(int) = number.parse::<i64>() {
            return Some(i128::from(int));
        }
        if let Ok(int) = number.parse::<u64>() {
            return Some(i128::from(int));
        }
    }
    whole_f64(number.parse::<f64>().ok()?)
}

/// Where a string's text ends: the first quote, backslash or control character.
///
/// Strings are most of a trace file (ids, times, names), so this looks at eight bytes at a time:
/// with `x` a byte of the word, `(x - n) & !x & 0x80` is set when `x < n` (n ≤ 0x80), and a byte
/// equal to `c` is one that is below 1 after `^ c`. A borrow can only mark bytes above a real
/// match, so the lowest marked byte is the first match.
#[inline(always)]
fn string_end(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        // (`first_chunk` rather than `try_into().expect()`: no panic path to keep in the loop.)
        let Some(&word) = chunk.first_chunk::<8>() else { continue };
        let word = u64::from_le_bytes(word);
        let marks = below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1)
            | below(word, 0x20);
        if marks != 0 {
            return Some(offset + marks.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    let tail = chunks.remainder().iter().position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)?;
    Some(offset + tail)
}

#[cfg(test)]
pub(super) mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::{Format, ImportWarning, Imported, WarningKind, import};
    use reqflow_core::trace::{AttributeValue, SpanKind, StatusCode};

    fn read_ok(text: &str) -> Imported {
        import(text, "t.json").unwrap_or_else(|error| panic!("{error}: {text}"))
    }

    fn json_error(text: &str) -> (u32, u32, String) {
        match import(text, "t.json") {
            Err(ImportError::Json { line, column, message, .. }) => (line, column, message),
            other => panic!("expected a JSON error for {text}, got {other:?}"),
        }
    }

    /// One span in a file, with `members` added to it.
    fn one_span(members: &str) -> String {
        format!(
            r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc"}}}}]}},
              "scopeSpans":[{{"spans":[{{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",
              "startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000"{members}}}]}}]}}]}}"#
        )
    }

    fn kinds(warnings: &[ImportWarning]) -> Vec<&WarningKind> {
        warnings.iter().map(|warning| &warning.kind).collect()
    }

    #[test]
    fn compact_spans_read_like_spaced_ones() {
        let ids = r#""traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174""#;
        let times = r#""startTimeUnixNano":"1544712660000000000","endTimeUnixNano":"1544712661000000000""#;
        let cases = [
            format!(
                r#"{{{ids},"parentSpanId":"eee19b7ec3c1b175","name":"GET /","kind":2,{times},"attributes":[]}}"#
            ),
            format!(r#"{{{ids},"name":"no parent","kind":3,{times}}}"#),
            format!(r#"{{{ids},"name":"esc\"aped","kind":1,{times}}}"#),
            format!(r#"{{{ids},"name":"named kind","kind":"SPAN_KIND_SERVER",{times}}}"#),
            format!(r#"{{{ids},"name":"odd kind","kind":7,{times}}}"#),
            format!(r#"{{{ids},"name":"two digits","kind":12,{times}}}"#),
            format!(r#"{{{ids},"name":"minus","kind":-1,{times}}}"#),
            format!(
                r#"{{{ids},"name":"numbers","startTimeUnixNano":1544712660000000000,"endTimeUnixNano":"1544712661000000000"}}"#
            ),
            format!(
                r#"{{{ids},"name":"twenty digits","startTimeUnixNano":"15447126600000000000","endTimeUnixNano":"1"}}"#
            ),
            format!(r#"{{{ids},"name":"zero","startTimeUnixNano":"0","endTimeUnixNano":"007"}}"#),
            format!(r#"{{{ids},"kind":2,"name":"kind first",{times}}}"#),
            format!(
                r#"{{"spanId":"eee19b7ec3c1b174","traceId":"5b8efff798038103d269b633813fc60c","name":"ids swapped",{times}}}"#
            ),
            format!(r#"{{{ids},"name":"status","kind":2,{times},"status":{{"code":2,"message":"boom"}}}}"#),
            format!(r#"{{{ids},"name":null,"kind":null,{times}}}"#),
            r#"{"traceId":"5b8efff798038103d269b633813fc60c"}"#.to_owned(),
        ];
        let spaced = |case: &str| case.replace("\":", "\": ").replace(",\"", ", \"");
        let document = |span: &str| {
            format!(
                r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc"}}}}]}},"scopeSpans":[{{"spans":[{span}]}}]}}]}}"#
            )
        };
        for case in &cases {
            let compact = import(&document(case), "t.json");
            let general = import(&document(&spaced(case)), "t.json");
            match (compact, general) {
                (Ok(compact), Ok(general)) => {
                    assert_eq!(compact.spans, general.spans, "{case}");
                    assert_eq!(compact.warnings, general.warnings, "{case}");
                }
                (compact, general) => assert_eq!(compact.is_err(), general.is_err(), "{case}"),
            }
        }
        let read = read_ok(&document(&cases[0]));
        assert_eq!(read.spans[0].name, "GET /");
        assert_eq!(read.spans[0].kind, SpanKind::Server);
        assert_eq!(read.spans[0].end_ns - read.spans[0].start_ns, 1_000_000_000);
        // Duplicates and broken values are errors either way, naming the field.
        let duplicate = format!(r#"{{{ids},"traceId":"5b8efff798038103d269b633813fc60c"}}"#);
        let error = import(&document(&duplicate), "t.json").expect_err("duplicate").to_string();
        assert!(error.contains("duplicate field `traceId`"), "{error}");
        let broken = format!(r#"{{{ids},"name":5}}"#);
        let error = import(&document(&broken), "t.json").expect_err("a number for a name").to_string();
        assert!(error.contains("in `name`"), "{error}");
        let unclosed = format!(r#"{{{ids},"name":"x""#);
        assert!(import(&document(&unclosed), "t.json").is_err());
    }

    #[test]
    fn compact_attributes_read_like_spaced_ones() {
        // Each attribute written compactly (the fast path, or a near miss it must hand back to
        // the general reader) and with spaces (always the general reader): same span, same notes.
        let cases = [
            r#"{"key":"s","value":{"stringValue":"GET /a"}}"#,
            r#"{"key":"i","value":{"intValue":"200"}}"#,
            r#"{"key":"z","value":{"intValue":"0"}}"#,
            r#"{"key":"n","value":{"intValue":"-42"}}"#,
            r#"{"key":"t","value":{"boolValue":true}}"#,
            r#"{"key":"f","value":{"boolValue":false}}"#,
            r#"{"key":"big","value":{"intValue":"123456789012345678"}}"#,
            r#"{"key":"bigger","value":{"intValue":"9223372036854775807"}}"#,
            r#"{"key":"huge","value":{"intValue":"99999999999999999999"}}"#,
            r#"{"key":"lead","value":{"intValue":"007"}}"#,
            r#"{"key":"minus0","value":{"intValue":"-0"}}"#,
            r#"{"key":"num","value":{"intValue":12}}"#,
            r#"{"key":"esc","value":{"stringValue":"a\"b"}}"#,
            r#"{"key":"k\u0041","value":{"stringValue":"x"}}"#,
            r#"{"key":"two","value":{"stringValue":"x","intValue":"1"}}"#,
            r#"{"key":"dbl","value":{"doubleValue":1.5}}"#,
            r#"{"key":"null","value":null}"#,
            r#"{"value":{"stringValue":"first"},"key":"swapped"}"#,
            r#"{"key":"extra","value":{"stringValue":"x"},"other":1}"#,
        ];
        let spaced = |case: &str| case.replace(":", ": ").replace(",\"", ", \"");
        for case in cases {
            let compact = read_ok(&one_span(&format!(r#","attributes":[{case},{case}]"#)));
            let general =
                read_ok(&one_span(&format!(r#","attributes":[{}, {}]"#, spaced(case), spaced(case))));
            assert_eq!(compact.spans, general.spans, "{case}");
            assert_eq!(compact.warnings, general.warnings, "{case}");
        }
        let sample = read_ok(&one_span(&format!(r#","attributes":[{}]"#, cases[..7].join(","))));
        let values: Vec<String> =
            sample.spans[0].attributes.iter().map(|kv| format!("{}={}", kv.key, kv.value)).collect();
        assert_eq!(
            values,
            ["s=GET /a", "i=200", "z=0", "n=-42", "t=true", "f=false", "big=123456789012345678"]
        );
        // Broken compact attributes are errors, as they are when spaced.
        for broken in [
            r#"{"key":"s","value":{"stringValue":"x"}"#,
            r#"{"key":"s","value":{"intValue":"1"#,
            r#"{"key":"#,
        ] {
            let text = one_span(&format!(r#","attributes":[{broken}]"#));
            assert!(import(&text, "t.json").is_err(), "{broken}");
        }
    }

    #[test]
    fn strings_with_escapes_are_decoded() {
        let imported = read_ok(&one_span(r#","name":"say \"hi\"\n\/ caf\u00e9 \ud83d\ude00 \\ end""#));
        assert_eq!(&*imported.spans[0].name, "say \"hi\"\n/ café 😀 \\ end");
        // Keys may be escaped too.
        let imported = read_ok(&one_span(r#","n\u0061me":"escaped key""#));
        assert_eq!(&*imported.spans[0].name, "escaped key");
    }

    #[test]
    fn broken_strings_are_errors_that_say_where() {
        let (line, _, message) = json_error(&one_span(r#","name":"\ud83d alone""#));
        assert_eq!((line, message.as_str()), (3, "lone leading surrogate in hex escape"));
        assert_eq!(json_error(&one_span(r#","name":"\q""#)).2, "invalid escape");
        assert_eq!(json_error(&one_span(r#","name":"\u12""#)).2, "invalid escape");
        assert_eq!(
            json_error(&one_span(",\"name\":\"tab\there\"")).2,
            "control character (\\u0000-\\u001F) found while parsing a string"
        );
        assert_eq!(
            json_error(r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name"#).2,
            "EOF while parsing a string"
        );
    }

    #[test]
    fn null_reads_as_absent_everywhere() {
        let imported = read_ok(&one_span(
            r#","parentSpanId":null,"name":null,"kind":null,"attributes":null,"events":null,"links":null,
               "status":null,"traceState":null"#,
        ));
        let span = &imported.spans[0];
        assert_eq!((&*span.name, span.kind, span.parent_span_id), ("", SpanKind::Internal, None));
        assert!(span.attributes.is_empty() && span.events.is_empty() && span.links.is_empty());
        let imported = read_ok(&one_span(
            r#","attributes":[{"key":"k","value":null}],"status":{"code":null,"message":null},
               "events":[{"timeUnixNano":null,"name":null,"attributes":null}]"#,
        ));
        assert_eq!(imported.spans[0].attributes[0].value, AttributeValue::Str("".into()));
        assert_eq!(imported.spans[0].events[0].time_ns, imported.spans[0].start_ns);
        assert_eq!(
            kinds(&imported.warnings),
            [&WarningKind::AttributeAsText { key: "k".to_owned(), what: "an empty value" }]
        );
    }

    #[test]
    fn numbers_and_enum_names_are_read_as_the_json_mapping_allows() {
        let imported = read_ok(&one_span(
            r#","kind":"SPAN_KIND_PRODUCER","status":{"code":2,"message":"boom"},
               "attributes":[{"key":"n","value":{"intValue":-12}},{"key":"big","value":{"intValue":"9007199254740993"}},
                 {"key":"r","value":{"doubleValue":0.25}},{"key":"nan","value":{"doubleValue":"-Infinity"}},
                 {"key":"b","value":{"boolValue":true}}],
               "events":[{"timeUnixNano":1.5446e18,"name":"e"}]"#,
        ));
        let span = &imported.spans[0];
        assert_eq!(
            (span.kind, span.status.code, &*span.status.message),
            (SpanKind::Producer, StatusCode::Error, "boom")
        );
        let values: Vec<&AttributeValue> = span.attributes.iter().map(|kv| &kv.value).collect();
        assert_eq!(
            values,
            [
                &AttributeValue::Int(-12),
                &AttributeValue::Int(9_007_199_254_740_993),
                &AttributeValue::Float(0.25),
                &AttributeValue::Float(f64::NEG_INFINITY),
                &AttributeValue::Bool(true)
            ]
        );
        assert_eq!(span.events[0].time_ns, 1_544_600_000_000_000_000);
        assert_eq!(imported.warnings, []);
        // Times must be whole.
        let (_, _, message) = json_error(&one_span(r#","events":[{"timeUnixNano":1.5}]"#));
        assert_eq!(
            message,
            "invalid value: number 1.5, expected an integer (a JSON number or a decimal string), in `timeUnixNano`"
        );
        let (_, _, message) = json_error(&one_span(r#","events":[{"timeUnixNano":"soon"}]"#));
        assert!(message.starts_with("invalid value: string \"soon\""), "{message}");
    }

    #[test]
    fn unknown_enums_and_rare_values_are_warnings() {
        let imported = read_ok(&one_span(
            r#","kind":"SPAN_KIND_ODD","status":{"code":[2]},
               "attributes":[{"key":"raw","value":{"bytesValue":"AAEC"}},
                 {"key":"map","value":{"kvlistValue":{"values":[{"key":"a","value":{"intValue":"1"}}]}}}]"#,
        ));
        assert_eq!(
            kinds(&imported.warnings),
            [
                &WarningKind::UnknownSpanKind { written: "\"SPAN_KIND_ODD\"".to_owned() },
                &WarningKind::AttributeAsText { key: "raw".to_owned(), what: "bytes (base64)" },
                &WarningKind::AttributeAsText { key: "map".to_owned(), what: "a key-value list (as JSON)" },
                &WarningKind::UnknownStatusCode { written: "[2]".to_owned() },
            ]
        );
        assert_eq!(
            imported.spans[0].attributes[1].value,
            AttributeValue::Str(r#"{"values":[{"key":"a","value":{"intValue":"1"}}]}"#.into())
        );
    }

    #[test]
    fn wrong_shapes_and_duplicates_are_errors_that_say_what() {
        assert_eq!(json_error(&one_span(r#","name":"a","name":"b""#)).2, "duplicate field `name`");
        assert_eq!(json_error(&one_span(r#","name":null,"name":"b""#)).2, "duplicate field `name`");
        assert_eq!(
            json_error(&one_span(r#","name":7"#)).2,
            "invalid type: a number, expected a string, in `name`"
        );
        assert_eq!(
            json_error(&one_span(r#","attributes":{}"#)).2,
            "invalid type: an object, expected a list of KeyValue objects, in `attributes`"
        );
        assert_eq!(json_error(&one_span(r#","kind":1,}"#)).2, "key must be a string");
        let text = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}]},
            "scopeSpans":[],"instrumentationLibrarySpans":[]}]}"#;
        assert_eq!(json_error(text).2, "duplicate field `scopeSpans`");
    }

    #[test]
    fn deep_nesting_is_refused_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let (_, _, message) = json_error(&one_span(&format!(r#","deep":{deep}"#)));
        assert_eq!(message, "recursion limit exceeded");
    }

    /// A small file with a bit of everything, for the corruption test.
    pub(super) const SAMPLE: &str = r#"{"resourceSpans":[{"resource":{"attributes":[
        {"key":"service.name","value":{"stringValue":"orders"}},
        {"key":"telemetry.sdk.name","value":{"stringValue":"opentelemetry"}}],"droppedAttributesCount":0},
      "scopeSpans":[{"scope":{"name":"io.opentelemetry","version":"1.2"},"spans":[
        {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","parentSpanId":"",
         "name":"GET /orders","kind":2,"startTimeUnixNano":"1544712660000000000",
         "endTimeUnixNano":"1544712661000000000","traceState":"","flags":1,
         "attributes":[{"key":"http.method","value":{"stringValue":"GET"}},
           {"key":"http.status_code","value":{"intValue":"200"}},
           {"key":"retry","value":{"boolValue":false}},{"key":"n","value":{"intValue":-12}}],
         "events":[{"timeUnixNano":"1544712660300000000","name":"cache miss",
           "attributes":[{"key":"k","value":{"stringValue":"v"}}]}],
         "links":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b173"}],
         "status":{"code":"STATUS_CODE_ERROR","message":"timeout"}},
        {"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b175",
         "parentSpanId":"eee19b7ec3c1b174","name":"SELECT","kind":"SPAN_KIND_CLIENT",
         "startTimeUnixNano":"1544712660100000000","endTimeUnixNano":"1544712660900000000",
         "status":{}}]}],"schemaUrl":"https://opentelemetry.io/schemas/1.4.0"}]}"#;

    /// A number in `0..n`.
    pub(super) fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
        (rng.next_u64() % n as u64) as usize
    }

    /// A copy of `text` with one or two random changes: a character removed, a piece of JSON
    /// inserted, a run copied elsewhere, or a character replaced.
    pub(super) fn corrupted(text: &str, rng: &mut ChaCha8Rng) -> String {
        const PIECES: [&str; 22] = [
            "\"",
            "\\",
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            " ",
            "null",
            "0",
            "-",
            "1e5",
            ".5",
            "\"x\"",
            "\\u00e9",
            "\\n",
            "true",
            "é",
            "\u{1}",
            "\"kind\":1,",
            "\"name\":\"n\",",
        ];
        let mut text: Vec<char> = text.chars().collect();
        for _ in 0..1 + below(rng, 2) {
            let at = below(rng, text.len());
            match below(rng, 4) {
                0 => {
                    text.remove(at);
                }
                1 => {
                    let piece = PIECES[below(rng, PIECES.len())];
                    text.splice(at..at, piece.chars());
                }
                2 => {
                    let end = (at + 1 + below(rng, 39)).min(text.len());
                    let copy: Vec<char> = text[at..end].to_vec();
                    let to = below(rng, text.len());
                    text.splice(to..to, copy);
                }
                _ => text[at] = char::from(b"0123456789abcdefxz\"{"[below(rng, 20)]),
            }
        }
        text.into_iter().collect()
    }

    /// Thousands of corrupted copies of the sample: reading never panics, nothing serde_json finds
    /// is not JSON is read as a trace, and JSON errors point at a line within the file.
    #[test]
    fn corrupted_files_are_errors_never_panics() {
        assert_eq!(Format::Otlp, crate::detect(SAMPLE, "t.json").expect("otlp"));
        read_ok(SAMPLE);
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let (mut read, mut refused) = (0, 0);
        for _ in 0..3_000 {
            let text = corrupted(SAMPLE, &mut rng);
            let valid_json = serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok();
            match super::read(&text, "t.json") {
                Ok(_) => {
                    assert!(valid_json, "read what is not JSON: {text}");
                    read += 1;
                }
                Err(ImportError::Json { line, .. }) => {
                    assert!((1..=20).contains(&line), "line {line}");
                    refused += 1;
                }
                Err(_) => {}
            }
        }
        // Both outcomes are well exercised.
        assert!(read > 600 && refused > 600, "read {read}, refused {refused}");
    }

    #[test]
    fn numbers_as_integers_follow_serde_json() {
        assert_eq!(number_as_int("-12"), Some(-12));
        assert_eq!(number_as_int("18446744073709551615"), Some(i128::from(u64::MAX)));
        assert_eq!(number_as_int("99999999999999999999"), Some(100_000_000_000_000_000_000));
        assert_eq!(number_as_int("2.0e3"), Some(2_000));
        assert_eq!(number_as_int("2.5"), None);
    }

    #[test]
    fn a_string_ends_at_the_first_quote_backslash_or_control_character() {
        let bytes_before_the_end = |text: &[u8]| {
            let expected = text.iter().position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20);
            assert_eq!(string_end(text), expected, "{text:?}");
            expected
        };
        assert_eq!(bytes_before_the_end(b"GET /orders\", tail"), Some(11));
        assert_eq!(bytes_before_the_end("café ünïcode \\n".as_bytes()), Some(16));
        assert_eq!(bytes_before_the_end(b"no end in sight"), None);
        // Every position within and across words, every kind of end, after every byte value.
        for len in 0..20 {
            for end in [b'"', b'\\', 0x00, 0x1f, 0x7f, 0x80, 0x20, 0xff] {
                for filler in 0..=255u8 {
                    let mut text = vec![filler; len];
                    text.push(end);
                    text.extend_from_slice(b"\"xx");
                    bytes_before_the_end(&text);
                }
            }
        }
    }

    #[test]
    fn keys_pack_like_the_field_names_they_match() {
        assert_eq!(Key::pack(b"traceId"), TRACE_ID);
        assert_eq!(Key::pack(b"instrumentationLibrarySpans"), INSTRUMENTATION_LIBRARY_SPANS);
        assert_ne!(Key::pack(b"traceI"), TRACE_ID);
        assert_ne!(Key::pack(b"traceIdx"), TRACE_ID);
        assert_eq!(Key::pack(&[b'k'; 33]), Key::LONG);
        assert_ne!(Key::pack(&[b'k'; 32]), Key::LONG);
    }
}
