//! What the three importers share: format detection, lenient JSON numbers, id normalisation,
//! and the final pass (duplicate ids, missing parents, missing times).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Unexpected, Visitor};

use super::{Format, IdField, ImportError, ImportWarning, WarningKind};
use crate::ids::{SpanId, TraceId, hash_str, mix_all};
use crate::text::Text;
use crate::trace::{AttributeValue, Span};

/// The text without a leading byte order mark (serde_json rejects it).
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Whether a key was present, whatever its value (even `null`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Seen(pub bool);

impl<'de> Deserialize<'de> for Seen {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Seen, D::Error> {
        deserializer.deserialize_ignored_any(IgnoredAny)?;
        Ok(Seen(true))
    }
}

/// The top-level keys that tell the formats apart.
#[derive(Deserialize)]
struct Sniff {
    #[serde(default, rename = "resourceSpans")]
    resource_spans: Seen,
    #[serde(default, rename = "resource_spans")]
    resource_spans_snake: Seen,
    #[serde(default)]
    data: Seen,
    #[serde(default)]
    spans: Seen,
    #[serde(default, rename = "traceID")]
    trace_id: Seen,
    #[serde(default, rename = "traceId")]
    zipkin_trace_id: Seen,
}

pub(crate) fn detect(text: &str, origin: &str) -> Result<Format, ImportError> {
    let text = strip_bom(text);
    let first = text.trim_start().chars().next();
    match first {
        Some('[') => Ok(Format::Zipkin),
        Some('{') => {
            // Fast path: the first key usually names the format; only otherwise read it all.
            match first_key(text) {
                Some("resourceSpans") => return Ok(Format::Otlp),
                Some("data" | "traceID" | "spans" | "processes") => return Ok(Format::Jaeger),
                _ => {}
            }
            let sniff: Sniff =
                serde_json::from_str(text).map_err(|error| ImportError::json(origin, &error))?;
            if sniff.resource_spans.0 {
                Ok(Format::Otlp)
            } else if sniff.data.0 || sniff.spans.0 || sniff.trace_id.0 {
                Ok(Format::Jaeger)
            } else {
                let found = if sniff.resource_spans_snake.0 {
                    "an object with resource_spans (OTLP/JSON keys are lowerCamelCase: resourceSpans)"
                } else if sniff.zipkin_trace_id.0 {
                    "a single object with traceId (Zipkin v2 files are arrays of spans)"
                } else {
                    "an object without resourceSpans, data or spans"
                };
                Err(ImportError::UnknownFormat { origin: origin.to_owned(), found: found.to_owned() })
            }
        }
        _ => {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|error| ImportError::json(origin, &error))?;
            let found = match value {
                serde_json::Value::Null => "null",
                serde_json::Value::Bool(_) => "a boolean",
                serde_json::Value::Number(_) => "a number",
                serde_json::Value::String(_) => "a string",
                serde_json::Value::Array(_) | serde_json::Value::Object(_) => "JSON",
            };
            Err(ImportError::UnknownFormat { origin: origin.to_owned(), found: found.to_owned() })
        }
    }
}

/// The first key of a JSON object, when it is a plain string without escapes.
fn first_key(text: &str) -> Option<&str> {
    let rest = text.trim_start().strip_prefix('{')?.trim_start().strip_prefix('"')?;
    let end = rest.find('"')?;
    let key = &rest[..end];
    (!key.contains('\\')).then_some(key)
}

/// Parses the whole document as `T`, with file/line/column errors.
pub(crate) fn parse<'de, T: Deserialize<'de>>(text: &'de str, origin: &str) -> Result<T, ImportError> {
    serde_json::from_str(strip_bom(text)).map_err(|error| ImportError::json(origin, &error))
}

/// An integer written as a JSON number or as a decimal string (OTLP's uint64 times, Jaeger's
/// int64 tags past 2^53). Floats are accepted when they are whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct JsonInt(pub i128);

impl<'de> Deserialize<'de> for JsonInt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsonInt, D::Error> {
        deserializer.deserialize_any(JsonIntVisitor)
    }
}

struct JsonIntVisitor;

impl Visitor<'_> for JsonIntVisitor {
    type Value = JsonInt;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an integer (a JSON number or a decimal string)")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<JsonInt, E> {
        Ok(JsonInt(i128::from(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<JsonInt, E> {
        Ok(JsonInt(i128::from(value)))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<JsonInt, E> {
        whole_f64(value).map(JsonInt).ok_or_else(|| E::invalid_value(Unexpected::Float(value), &self))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<JsonInt, E> {
        parse_int_text(value).map(JsonInt).ok_or_else(|| E::invalid_value(Unexpected::Str(value), &self))
    }
}

/// A whole float within ±2^100 as an integer.
pub(crate) fn whole_f64(value: f64) -> Option<i128> {
    const LIMIT: f64 = 1.267_650_600_228_229_4e30; // 2^100
    (value.is_finite() && value.fract() == 0.0 && value.abs() < LIMIT).then_some(value as i128)
}

/// A decimal integer, optionally signed.
pub(crate) fn parse_int_text(text: &str) -> Option<i128> {
    // Times are 19-digit decimal strings. Up to 19 digits cannot overflow a u64, so add them up
    // without overflow checks (those, and i128 arithmetic, are slow in wasm).
    if text.len() <= 19 && !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let value = text.bytes().fold(0u64, |value, digit| value * 10 + u64::from(digit - b'0'));
        return Some(i128::from(value));
    }
    let text = text.trim();
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i128>().ok()
}

/// A float written as a JSON number or a string (`"NaN"`, `"Infinity"`, `"-Infinity"`, decimal).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct JsonFloat(pub f64);

impl<'de> Deserialize<'de> for JsonFloat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsonFloat, D::Error> {
        deserializer.deserialize_any(JsonFloatVisitor)
    }
}

struct JsonFloatVisitor;

impl Visitor<'_> for JsonFloatVisitor {
    type Value = JsonFloat;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a number (or \"NaN\", \"Infinity\", \"-Infinity\")")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<JsonFloat, E> {
        Ok(JsonFloat(value as f64))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<JsonFloat, E> {
        Ok(JsonFloat(value as f64))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<JsonFloat, E> {
        Ok(JsonFloat(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<JsonFloat, E> {
        parse_float_text(value).map(JsonFloat).ok_or_else(|| E::invalid_value(Unexpected::Str(value), &self))
    }
}

pub(crate) fn parse_float_text(text: &str) -> Option<f64> {
    match text.trim() {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        other => other.parse::<f64>().ok(),
    }
}

/// Nanoseconds to microseconds, rounding down (also before the epoch).
pub(crate) fn ns_to_us(ns: i64) -> i64 {
    ns.div_euclid(1_000)
}

/// Microseconds to nanoseconds, if that fits.
pub(crate) fn us_to_ns(us: i128) -> Option<i64> {
    us.checked_mul(1_000).and_then(|ns| i64::try_from(ns).ok())
}

/// Where a warning points: a JSON path, and the span's id as written. Built for every span of a
/// file but read only when a warning is written, so the path is kept in parts (a prefix shared by
/// the spans of one resource or trace, and the span's own index) and formatted on demand.
#[derive(Clone, Debug, Default)]
pub(crate) struct Site {
    prefix: Text,
    /// The last path segment: `(".spans", 3)` → `.spans[3]`; `("", 12)` → `[12]`.
    item: Option<(&'static str, usize)>,
    span_id: Option<WrittenId>,
}

/// A span id as written: most files write the canonical 16 lowercase hex digits, which are kept
/// as the decoded id (no allocation); anything else is kept as text.
#[derive(Clone, Debug)]
enum WrittenId {
    Canonical(SpanId),
    Other(String),
}

impl WrittenId {
    fn new(written: &str) -> WrittenId {
        let digits = written.as_bytes();
        if digits.len() == 16 && digits.iter().all(|digit| matches!(digit, b'0'..=b'9' | b'a'..=b'f')) {
            let mut bytes = [0u8; 8];
            for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
                *byte = (hex_digit(pair[0]) << 4) | hex_digit(pair[1]);
            }
            WrittenId::Canonical(SpanId(bytes))
        } else {
            WrittenId::Other(written.to_owned())
        }
    }
}

impl Site {
    pub(crate) fn new(path: String, span_id: Option<&str>) -> Site {
        Site { prefix: Text::from(path), item: None, span_id: span_id.map(WrittenId::new) }
    }

    /// The `index`-th element of the array `field` under `prefix`, about the span written with
    /// id `span_id`.
    pub(crate) fn item(prefix: &Text, field: &'static str, index: usize, span_id: &str) -> Site {
        Site { prefix: prefix.clone(), item: Some((field, index)), span_id: Some(WrittenId::new(span_id)) }
    }

    pub(crate) fn path(&self) -> String {
        match self.item {
            Some((field, index)) => format!("{}{field}[{index}]", self.prefix),
            None => self.prefix.to_string(),
        }
    }

    fn span_id(&self) -> Option<String> {
        self.span_id.as_ref().map(|written| match written {
            WrittenId::Canonical(span_id) => span_id.to_string(),
            WrittenId::Other(text) => text.clone(),
        })
    }
}

/// Collects warnings in the order they are found.
#[derive(Debug, Default)]
pub(crate) struct Warnings {
    pub list: Vec<ImportWarning>,
}

impl Warnings {
    pub(crate) fn push(&mut self, site: &Site, kind: WarningKind) {
        self.list.push(ImportWarning { path: site.path(), span_id: site.span_id(), kind });
    }

    pub(crate) fn push_at(&mut self, path: &str, kind: WarningKind) {
        self.list.push(ImportWarning { path: path.to_owned(), span_id: None, kind });
    }
}

/// Turns ids as written into [`TraceId`]/[`SpanId`], warning once per distinct written id.
#[derive(Debug, Default)]
pub(crate) struct IdParser {
    reported: BTreeSet<(IdField, String)>,
}

enum Normalized {
    Exact,
    Padded { n_digits: u32 },
    Hashed,
}

impl IdParser {
    pub(crate) fn trace_id(&mut self, written: &str, site: &Site, warnings: &mut Warnings) -> TraceId {
        let mut bytes = [0u8; 16];
        let how = normalize_hex(written, &mut bytes, &[16, 32]);
        let trace_id = match how {
            Normalized::Hashed => {
                let hash = hash_str(written);
                TraceId::from_u64_pair(mix_all(&[hash, 0x0074_7261_6365]), mix_all(&[hash, 0x0074_7261_6366]))
            }
            _ => TraceId(bytes),
        };
        self.report(IdField::Trace, written, &how, || trace_id.to_string(), site, warnings);
        trace_id
    }

    pub(crate) fn span_id(&mut self, written: &str, site: &Site, warnings: &mut Warnings) -> SpanId {
        let mut bytes = [0u8; 8];
        let how = normalize_hex(written, &mut bytes, &[16]);
        let span_id = match how {
            Normalized::Hashed => SpanId::from_u64(mix_all(&[hash_str(written), 0x7370_616e]).max(1)),
            _ => SpanId(bytes),
        };
        self.report(IdField::Span, written, &how, || span_id.to_string(), site, warnings);
        span_id
    }

    /// A reference to a parent: absent, empty or all zeros means none.
    pub(crate) fn parent_span_id(
        &mut self,
        written: Option<&str>,
        site: &Site,
        warnings: &mut Warnings,
    ) -> Option<SpanId> {
        let written = written?.trim();
        if written.is_empty() || written.bytes().all(|b| b == b'0') {
            return None;
        }
        Some(self.span_id(written, site, warnings))
    }

    fn report(
        &mut self,
        field: IdField,
        written: &str,
        how: &Normalized,
        id: impl FnOnce() -> String,
        site: &Site,
        warnings: &mut Warnings,
    ) {
        let kind = match *how {
            Normalized::Exact => return,
            Normalized::Padded { n_digits } => {
                WarningKind::PaddedId { field, written: written.to_owned(), n_digits, id: id() }
            }
            Normalized::Hashed => WarningKind::HashedId { field, written: written.to_owned(), id: id() },
        };
        if self.reported.insert((field, written.to_owned())) {
            warnings.push(site, kind);
        }
    }
}

/// Decodes hex digits right-aligned into `out` (left-padding with zeros). Lengths in `silent` pad
/// without a warning. Empty, non-hex, too long or all-zero ids are `Hashed`.
fn normalize_hex(written: &str, out: &mut [u8], silent: &[usize]) -> Normalized {
    let digits = written.as_bytes();
    let max_digits = out.len() * 2;
    if digits.is_empty() || digits.len() > max_digits {
        return Normalized::Hashed;
    }
    // Right-aligned, two digits per byte from the end; one pass decodes and validates.
    out.fill(0);
    let mut any_set = 0u8;
    for (byte, pair) in out.iter_mut().rev().zip(digits.rchunks(2)) {
        let (high, low) = match *pair {
            [high, low] => (HEX_VALUE[usize::from(high)], HEX_VALUE[usize::from(low)]),
            [low] => (0, HEX_VALUE[usize::from(low)]),
            _ => unreachable!("rchunks(2) yields one or two digits"),
        };
        if high > 15 || low > 15 {
            return Normalized::Hashed;
        }
        *byte = (high << 4) | low;
        any_set |= *byte;
    }
    if any_set == 0 {
        return Normalized::Hashed;
    }
    if digits.len() == max_digits || silent.contains(&digits.len()) {
        Normalized::Exact
    } else {
        Normalized::Padded { n_digits: digits.len() as u32 }
    }
}

/// Marks a byte that is not a hex digit in [`HEX_VALUE`].
const NOT_HEX: u8 = 0xff;

/// The value of each byte as a hex digit (either case), or [`NOT_HEX`].
const HEX_VALUE: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut digit = 0;
    while digit < 16 {
        table[b"0123456789abcdef"[digit] as usize] = digit as u8;
        table[b"0123456789ABCDEF"[digit] as usize] = digit as u8;
        digit += 1;
    }
    table
};

fn hex_digit(digit: u8) -> u8 {
    HEX_VALUE[usize::from(digit)]
}

/// A span whose ids are resolved but whose times may still be missing.
#[derive(Debug)]
pub(crate) struct Draft {
    /// `start_ns`/`end_ns` are filled in by [`finish`].
    pub span: Span,
    pub site: Site,
    pub start_ns: Option<i64>,
    pub duration_ns: Option<i64>,
}

/// What [`finish`] still needs about a span besides the span itself.
#[derive(Debug)]
pub(crate) struct Mark {
    pub site: Site,
    pub start_ns: Option<i64>,
    pub duration_ns: Option<i64>,
}

/// The drafts of a file: the spans in one list and their marks in another, so that [`finish`]
/// hands the spans on as they are (for 100,000 spans, building a second list of them meant
/// copying 18 MB into memory the page had not touched yet).
#[derive(Debug, Default)]
pub(crate) struct Drafts {
    pub spans: Vec<Span>,
    pub marks: Vec<Mark>,
}

impl Drafts {
    pub(crate) fn with_capacity(capacity: usize) -> Drafts {
        Drafts { spans: Vec::with_capacity(capacity), marks: Vec::with_capacity(capacity) }
    }

    pub(crate) fn push(&mut self, draft: Draft) {
        let Draft { span, site, start_ns, duration_ns } = draft;
        self.spans.push(span);
        self.marks.push(Mark { site, start_ns, duration_ns });
    }

    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }
}

impl FromIterator<Draft> for Drafts {
    fn from_iter<I: IntoIterator<Item = Draft>>(drafts: I) -> Drafts {
        let mut all = Drafts::default();
        for draft in drafts {
            all.push(draft);
        }
        all
    }
}

/// Hands out span ids derived from an existing one, unused within the trace.
pub(crate) struct IdAllocator {
    used: BTreeSet<(TraceId, SpanId)>,
}

impl IdAllocator {
    pub(crate) fn new<'a>(ids: impl Iterator<Item = (TraceId, SpanId)> + 'a) -> IdAllocator {
        IdAllocator { used: ids.collect() }
    }

    /// A stable id derived from `(trace_id, base, salt)`, distinct from every id handed out or
    /// present in the file.
    pub(crate) fn derive(&mut self, trace_id: TraceId, base: SpanId, salt: u64) -> SpanId {
        let mut high = [0u8; 8];
        let mut low = [0u8; 8];
        high.copy_from_slice(&trace_id.0[..8]);
        low.copy_from_slice(&trace_id.0[8..]);
        let mut attempt = 0u64;
        loop {
            let candidate = SpanId::from_u64(mix_all(&[
                u64::from_be_bytes(high),
                u64::from_be_bytes(low),
                base.to_u64(),
                salt,
                attempt,
            ]));
            if !candidate.is_zero() && self.used.insert((trace_id, candidate)) {
                return candidate;
            }
            attempt += 1;
        }
    }
}

const DUPLICATE_SALT: u64 = 0x6475_705f;

/// Each span's trace numbered by first appearance (spans of a trace usually come together, so the
/// map is consulted only when the trace changes).
fn number_traces(spans: &[Span]) -> Vec<u32> {
    let mut numbers: BTreeMap<TraceId, u32> = BTreeMap::new();
    let mut last: Option<(TraceId, u32)> = None;
    spans
        .iter()
        .map(|span| {
            let trace_id = span.trace_id;
            match last {
                Some((last_id, number)) if last_id == trace_id => number,
                _ => {
                    let next = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
                    let number = *numbers.entry(trace_id).or_insert(next);
                    last = Some((trace_id, number));
                    number
                }
            }
        })
        .collect()
}

/// The last pass of every importer: gives duplicate span ids fresh ids, reports missing parents,
/// and places spans without times. Returns the spans and each one's parent (by index).
pub(crate) fn finish(drafts: Drafts, warnings: &mut Warnings) -> (Vec<Span>, Vec<Option<u32>>) {
    let Drafts { mut spans, mut marks } = drafts;
    // Each span as one 128-bit key (trace number, span id, index), sorted: equal ids are
    // neighbours, the first copy first. Sorting flat integer keys is much faster than a map of
    // 100,000 entries, and faster than tuples holding the 128-bit trace id (in wasm, comparing a
    // `u128` is two instructions; a tuple of three fields is a chain of branches). Traces are
    // numbered in order of appearance: any order works for finding equal ids.
    let trace_numbers = number_traces(&spans);
    let key = |trace_number: u32, span_id: SpanId, span_idx: u32| {
        (u128::from(trace_number) << 96) | (u128::from(span_id.to_u64()) << 32) | u128::from(span_idx)
    };
    let sorted_ids = |spans: &[Span]| {
        let mut ids: Vec<u128> = spans
            .iter()
            .zip(&trace_numbers)
            .zip(0u32..)
            .map(|((span, &trace_number), span_idx)| key(trace_number, span.span_id, span_idx))
            .collect();
        ids.sort_unstable();
        ids
    };
    let id_of = |key: u128| key >> 32;
    let index_of = |key: u128| (key & u128::from(u32::MAX)) as usize;

    // Duplicate ids: the first span keeps its id; later copies get fresh ones, in file order.
    let mut ids = sorted_ids(&spans);
    let mut copies: Vec<usize> = ids
        .windows(2)
        .filter(|pair| id_of(pair[0]) == id_of(pair[1]))
        .map(|pair| index_of(pair[1]))
        .collect();
    if !copies.is_empty() {
        copies.sort_unstable();
        let mut allocator = IdAllocator::new(spans.iter().map(|span| (span.trace_id, span.span_id)));
        let mut n_duplicates: BTreeMap<(TraceId, SpanId), u64> = BTreeMap::new();
        for span_idx in copies {
            let span = &mut spans[span_idx];
            let key = (span.trace_id, span.span_id);
            let count = n_duplicates.entry(key).or_insert(0);
            *count += 1;
            let fresh = allocator.derive(key.0, key.1, DUPLICATE_SALT + *count);
            span.span_id = fresh;
            warnings.push(
                &marks[span_idx].site,
                WarningKind::DuplicateSpanId { written: key.1.to_string(), id: fresh.to_string() },
            );
        }
        // Sort again with the fresh ids (files without duplicates skip this).
        ids = sorted_ids(&spans);
    }

    // Parents: ids are unique now. The wanted (trace, parent id) keys, sorted, are matched
    // against the sorted ids in one merge pass; warnings then follow the file's order.
    let mut wanted: Vec<u128> = spans
        .iter()
        .zip(&trace_numbers)
        .zip(0u32..)
        .filter_map(|((span, &trace_number), span_idx)| {
            let parent = span.parent_span_id.filter(|parent| *parent != span.span_id)?;
            Some(key(trace_number, parent, span_idx))
        })
        .collect();
    wanted.sort_unstable();
    let mut parent_of: Vec<Option<usize>> = vec![None; spans.len()];
    let mut position = 0;
    for &want in &wanted {
        while ids.get(position).is_some_and(|&id| id_of(id) < id_of(want)) {
            position += 1;
        }
        if let Some(&id) = ids.get(position)
            && id_of(id) == id_of(want)
        {
            parent_of[index_of(want)] = Some(index_of(id));
        }
    }
    for (span_idx, span) in spans.iter_mut().enumerate() {
        let Some(parent) = span.parent_span_id else {
            continue;
        };
        if parent == span.span_id {
            span.parent_span_id = None;
            warnings.push(&marks[span_idx].site, WarningKind::SelfParent);
        } else if parent_of[span_idx].is_none() {
            warnings.push(&marks[span_idx].site, WarningKind::MissingParent { parent: parent.to_string() });
        }
    }

    place_missing_starts(&spans, &mut marks, &parent_of, warnings);

    let parents = parent_of.iter().map(|parent| parent.map(|parent| parent as u32)).collect();
    for (span, mark) in spans.iter_mut().zip(&marks) {
        let start_ns = mark.start_ns.unwrap_or(0);
        let duration_ns = match mark.duration_ns {
            Some(duration_ns) if duration_ns < 0 => {
                warnings
                    .push(&mark.site, WarningKind::NegativeDuration { by_ns: duration_ns.saturating_neg() });
                0
            }
            Some(duration_ns) => duration_ns,
            None => {
                warnings.push(&mark.site, WarningKind::MissingDuration);
                0
            }
        };
        span.start_ns = start_ns;
        span.end_ns = start_ns.saturating_add(duration_ns);
    }
    (spans, parents)
}

/// Spans without a start go to their parent's start, else their earliest child's, else the
/// trace's earliest start.
fn place_missing_starts(
    spans: &[Span],
    marks: &mut [Mark],
    parent_of: &[Option<usize>],
    warnings: &mut Warnings,
) {
    let n_missing = marks.iter().filter(|mark| mark.start_ns.is_none()).count();
    if n_missing == 0 {
        return;
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); marks.len()];
    for (span_idx, parent) in parent_of.iter().enumerate() {
        if let Some(parent_idx) = parent {
            children[*parent_idx].push(span_idx);
        }
    }
    let mut placed: Vec<Option<(i64, &'static str)>> = vec![None; marks.len()];
    // Each round places at least one span or stops; chains of unplaced spans resolve in turn.
    loop {
        let mut progress = false;
        for span_idx in 0..marks.len() {
            if marks[span_idx].start_ns.is_some() {
                continue;
            }
            let from_parent = parent_of[span_idx]
                .and_then(|parent_idx| marks[parent_idx].start_ns)
                .map(|start| (start, "at its parent's start"));
            let from_children = || {
                children[span_idx]
                    .iter()
                    .filter_map(|&child_idx| marks[child_idx].start_ns)
                    .min()
                    .map(|start| (start, "at its earliest child's start"))
            };
            if let Some(choice) = from_parent.or_else(from_children) {
                marks[span_idx].start_ns = Some(choice.0);
                placed[span_idx] = Some(choice);
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    let mut trace_start: BTreeMap<TraceId, i64> = BTreeMap::new();
    for (span, mark) in spans.iter().zip(marks.iter()) {
        if let Some(start) = mark.start_ns {
            let entry = trace_start.entry(span.trace_id).or_insert(start);
            *entry = (*entry).min(start);
        }
    }
    let file_start = trace_start.values().copied().min();
    for (span_idx, (span, mark)) in spans.iter().zip(marks.iter_mut()).enumerate() {
        if mark.start_ns.is_some() {
            continue;
        }
        let choice = match (trace_start.get(&span.trace_id), file_start) {
            (Some(&start), _) => (start, "at the trace's earliest start"),
            (None, Some(start)) => (start, "at the file's earliest start"),
            (None, None) => (0, "no span in the file has a time"),
        };
        mark.start_ns = Some(choice.0);
        placed[span_idx] = Some(choice);
    }
    for (mark, choice) in marks.iter().zip(placed) {
        if let Some((placed_at_ns, reason)) = choice {
            warnings.push(&mark.site, WarningKind::MissingStart { placed_at_ns, reason });
        }
    }
}

/// A JSON value (Jaeger tag/field value without a usable type) as an attribute value.
pub(crate) fn attribute_from_json(
    key: &str,
    value: &serde_json::Value,
    site: &Site,
    warnings: &mut Warnings,
) -> AttributeValue {
    match value {
        serde_json::Value::Bool(flag) => AttributeValue::Bool(*flag),
        serde_json::Value::String(text) => AttributeValue::Str(text.clone().into()),
        serde_json::Value::Number(number) => {
            if let Some(int) = number.as_i64() {
                AttributeValue::Int(int)
            } else if number.is_u64() {
                warnings.push(
                    site,
                    WarningKind::AttributeAsText {
                        key: key.to_owned(),
                        what: "an integer beyond the int64 range",
                    },
                );
                AttributeValue::Str(number.to_string().into())
            } else {
                AttributeValue::Float(number.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::Null => {
            warnings.push(site, WarningKind::AttributeAsText { key: key.to_owned(), what: "null" });
            AttributeValue::Str(String::new().into())
        }
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
            warnings.push(
                site,
                WarningKind::AttributeAsText { key: key.to_owned(), what: "a JSON array or object" },
            );
            AttributeValue::Str(value.to_string().into())
        }
    }
}

/// An attribute value as text (Zipkin tags are strings).
pub(crate) fn attribute_text(value: &AttributeValue) -> String {
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(written: &str) -> (String, [u8; 8]) {
        let mut out = [0u8; 8];
        let how = match normalize_hex(written, &mut out, &[16]) {
            Normalized::Exact => "exact".to_owned(),
            Normalized::Padded { n_digits } => format!("padded {n_digits}"),
            Normalized::Hashed => "hashed".to_owned(),
        };
        (how, out)
    }

    #[test]
    fn decimal_integers_parse_on_the_fast_path_and_off_it() {
        assert_eq!(parse_int_text("1767225600001184291"), Some(1_767_225_600_001_184_291));
        assert_eq!(parse_int_text("9999999999999999999"), Some(9_999_999_999_999_999_999));
        assert_eq!(parse_int_text("18446744073709551616"), Some(18_446_744_073_709_551_616));
        assert_eq!(parse_int_text("0"), Some(0));
        assert_eq!(parse_int_text("-5"), Some(-5));
        assert_eq!(parse_int_text(" 7 "), Some(7));
        for bad in ["", "1e3", "12a", "-", "1234567890123456789012345678901"] {
            assert_eq!(parse_int_text(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn hex_ids_decode_right_aligned_in_either_case() {
        assert_eq!(
            decode("00f067aa0ba902b7"),
            ("exact".to_owned(), [0, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7])
        );
        assert_eq!(decode("00F067AA0BA902B7").1, decode("00f067aa0ba902b7").1);
        assert_eq!(decode("abc"), ("padded 3".to_owned(), [0, 0, 0, 0, 0, 0, 0x0a, 0xbc]));
        assert_eq!(decode("1"), ("padded 1".to_owned(), [0, 0, 0, 0, 0, 0, 0, 1]));
        for hashed in ["", "0000", "12g4", "00f067aa0ba902b7a", "-1", "é1"] {
            assert_eq!(decode(hashed).0, "hashed", "{hashed:?}");
        }
        let mut trace = [0u8; 16];
        assert!(matches!(
            normalize_hex("4bf92f3577b34da6a3ce929d0e0e4736", &mut trace, &[16, 32]),
            Normalized::Exact
        ));
        assert_eq!(TraceId(trace).to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert!(matches!(normalize_hex("a3ce929d0e0e4736", &mut trace, &[16, 32]), Normalized::Exact));
        assert_eq!(TraceId(trace).to_string(), "0000000000000000a3ce929d0e0e4736");
    }
}
