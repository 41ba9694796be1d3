//! What the three importers share: format detection, lenient JSON numbers, id normalisation,
//! and the final pass (duplicate ids, missing parents, missing times).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, Unexpected, Visitor};

use super::{Format, IdField, ImportError, ImportWarning, WarningKind};
use reqflow_core::hex;
use reqflow_core::ids::{SpanId, TraceId, hash_str, mix_all};
use reqflow_core::text::Text;
use reqflow_core::trace::{AttributeValue, KeyValue, Resource, ResourceData, Span, SpanKind};

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

/// Parses the whole document as `T`, with file/line/column errors; a value of the wrong type
/// also names its field (`..., in `spanID``), as the OTLP reader's errors do.
pub(crate) fn parse<'de, T: Deserialize<'de>>(text: &'de str, origin: &str) -> Result<T, ImportError> {
    let text = strip_bom(text);
    serde_json::from_str(text).map_err(|error| {
        let mut found = ImportError::json(origin, &error);
        if let ImportError::Json { message, .. } = &mut found
            && matches!(error.classify(), serde_json::error::Category::Data)
            && let Some(key) = key_before(text, error.line(), error.column())
        {
            message.push_str(&format!(", in `{key}`"));
        }
        found
    })
}

/// The key of the member whose value ends at (1-based) `line` and `column`: the quoted text
/// before the last `:` there. serde_json reports a wrong value just after it.
fn key_before(text: &str, line: usize, column: usize) -> Option<&str> {
    let line_start =
        if line <= 1 { 0 } else { text.match_indices('\n').nth(line - 2).map(|(at, _)| at + 1)? };
    let mut at = (line_start + column).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let colon = before.rfind(':')?;
    let key_end = before[..colon].trim_end();
    let key_end = key_end.strip_suffix('"')?;
    let key_start = key_end.rfind('"')?;
    let key = &key_end[key_start + 1..];
    (!key.is_empty() && !key.contains('\\')).then_some(key)
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

/// A time in microseconds (Jaeger, Zipkin) as nanoseconds, `None` (with a warning) when it does
/// not fit.
pub(crate) fn micros(
    value: Option<JsonInt>,
    what: &'static str,
    site: &Site,
    field: Field,
    warnings: &mut Warnings,
) -> Option<i64> {
    let JsonInt(us) = value?;
    let ns = us_to_ns(us);
    if ns.is_none() {
        warnings.push(site, field, WarningKind::TimeOutOfRange { what, written: us.to_string() });
    }
    ns
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
            match hex::decode_exact(digits, &mut bytes) {
                Some(()) => WrittenId::Canonical(SpanId(bytes)),
                None => WrittenId::Other(written.to_owned()),
            }
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

/// Which field, below a [`Site`], a warning is about: `.parentSpanId`, `.links[2].spanId`,
/// `.tags`, or none (the span as a whole). Formatted only when a warning is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Field {
    list: &'static str,
    index: Option<usize>,
    name: &'static str,
}

impl Field {
    /// The span (or resource) itself.
    pub(crate) const NONE: Field = Field { list: "", index: None, name: "" };

    /// A member: `Field::new(".parentSpanId")`.
    pub(crate) const fn new(name: &'static str) -> Field {
        Field { list: "", index: None, name }
    }

    /// A member of the `index`-th element of a list: `Field::item(".links", 2, ".spanId")`.
    pub(crate) const fn item(list: &'static str, index: usize, name: &'static str) -> Field {
        Field { list, index: Some(index), name }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.list)?;
        if let Some(index) = self.index {
            write!(f, "[{index}]")?;
        }
        f.write_str(self.name)
    }
}

/// Collects warnings in the order they are found.
#[derive(Debug, Default)]
pub(crate) struct Warnings {
    pub list: Vec<ImportWarning>,
}

impl Warnings {
    /// A warning about `field` of the thing at `site` (its path is the site's, then the field's).
    pub(crate) fn push(&mut self, site: &Site, field: Field, kind: WarningKind) {
        let mut path = site.path();
        if field != Field::NONE {
            use std::fmt::Write as _;
            write!(path, "{field}").ok();
        }
        self.list.push(ImportWarning { path, span_id: site.span_id(), kind });
    }
}

/// Turns ids as written into [`TraceId`]/[`SpanId`], warning once per distinct written id.
///
/// Hex is what every format writes, and wins whenever the text is hex: of the right length it is
/// read silently; shorter (leading zeros stripped, as older Jaeger did) it is left-padded; longer
/// only by leading zeros, they are dropped. Text that is not hex but decodes as base64 (what
/// protobuf's standard JSON mapping writes for `bytes` fields, e.g. a Jaeger API or a
/// hand-made OTLP file) to exactly the id's bytes is decoded. Anything else (empty, all zeros,
/// too long, `span-1`) is mapped to an id by a stable hash of its text, so references written
/// the same way still match. Every case but the first is a warning that says what was done.
#[derive(Debug, Default)]
pub(crate) struct IdParser {
    reported: BTreeSet<(IdField, String)>,
}

/// How an id's text was read.
#[derive(Debug, PartialEq, Eq)]
enum Normalized {
    Exact,
    /// Fewer hex digits than the id has: left-padded.
    Padded {
        n_digits: u32,
    },
    /// More hex digits than the id has, the extra ones leading zeros: dropped.
    Trimmed {
        n_digits: u32,
    },
    /// Base64 of the id's bytes.
    Base64,
    /// An id of zeros (hex or base64): no id.
    Zero,
    /// Not an id: hashed.
    Invalid,
}

impl IdParser {
    pub(crate) fn trace_id(
        &mut self,
        written: &str,
        site: &Site,
        field: Field,
        warnings: &mut Warnings,
    ) -> TraceId {
        let mut bytes = [0u8; 16];
        let how = normalize_id(written, &mut bytes, &[16, 32]);
        let trace_id = match how {
            Normalized::Zero | Normalized::Invalid => {
                let hash = hash_str(written);
                TraceId::from_u64_pair(mix_all(&[hash, 0x0074_7261_6365]), mix_all(&[hash, 0x0074_7261_6366]))
            }
            _ => TraceId(bytes),
        };
        self.report(IdField::Trace, written, &how, || trace_id.to_string(), site, field, warnings);
        trace_id
    }

    pub(crate) fn span_id(
        &mut self,
        written: &str,
        site: &Site,
        field: Field,
        warnings: &mut Warnings,
    ) -> SpanId {
        let span_id = self.read_span_id(written, site, field, warnings, false);
        span_id.unwrap_or_default()
    }

    /// A reference to a parent: absent, empty or all zeros (in hex or base64) means none.
    pub(crate) fn parent_span_id(
        &mut self,
        written: Option<&str>,
        site: &Site,
        field: Field,
        warnings: &mut Warnings,
    ) -> Option<SpanId> {
        let written = written?.trim();
        if written.is_empty() || written.bytes().all(|b| b == b'0') {
            return None;
        }
        self.read_span_id(written, site, field, warnings, true)
    }

    /// A span id; an id of zeros is `None` when `zero_is_none` (a parent), else hashed.
    #[inline(always)]
    fn read_span_id(
        &mut self,
        written: &str,
        site: &Site,
        field: Field,
        warnings: &mut Warnings,
        zero_is_none: bool,
    ) -> Option<SpanId> {
        let mut bytes = [0u8; 8];
        let how = normalize_id(written, &mut bytes, &[16]);
        let span_id = match how {
            Normalized::Zero if zero_is_none => return None,
            Normalized::Zero | Normalized::Invalid => {
                SpanId::from_u64(mix_all(&[hash_str(written), 0x7370_616e]).max(1))
            }
            _ => SpanId(bytes),
        };
        self.report(IdField::Span, written, &how, || span_id.to_string(), site, field, warnings);
        Some(span_id)
    }

    #[allow(clippy::too_many_arguments)]
    fn report(
        &mut self,
        id_field: IdField,
        written: &str,
        how: &Normalized,
        id: impl FnOnce() -> String,
        site: &Site,
        field: Field,
        warnings: &mut Warnings,
    ) {
        let field_kind = id_field;
        let kind = match *how {
            Normalized::Exact => return,
            Normalized::Padded { n_digits } => {
                WarningKind::PaddedId { field: field_kind, written: written.to_owned(), n_digits, id: id() }
            }
            Normalized::Trimmed { n_digits } => {
                WarningKind::TrimmedId { field: field_kind, written: written.to_owned(), n_digits, id: id() }
            }
            Normalized::Base64 => {
                WarningKind::Base64Id { field: field_kind, written: written.to_owned(), id: id() }
            }
            Normalized::Zero | Normalized::Invalid => {
                WarningKind::HashedId { field: field_kind, written: written.to_owned(), id: id() }
            }
        };
        if self.reported.insert((id_field, written.to_owned())) {
            warnings.push(site, field, kind);
        }
    }
}

/// Reads an id's text into `out` (see [`IdParser`]). Hex lengths in `silent` pad without a
/// warning. (Inlined: ids of the usual length are most of an import's work on ids; the rarer
/// cases are [`normalize_other_id`].)
#[inline(always)]
fn normalize_id(written: &str, out: &mut [u8], silent: &[usize]) -> Normalized {
    let digits = written.as_bytes();
    let max_digits = out.len() * 2;
    if digits.is_empty() || digits.len() > max_digits {
        return normalize_other_id(digits, out);
    }
    match hex::decode_right_aligned(digits, out) {
        Some(0) => Normalized::Zero,
        Some(_) if digits.len() == max_digits || silent.contains(&digits.len()) => Normalized::Exact,
        Some(_) => Normalized::Padded { n_digits: digits.len() as u32 },
        None => normalize_other_id(digits, out),
    }
}

/// [`normalize_id`] of text that is not hex of at most the id's length: hex longer only by
/// leading zeros, or base64 of the id's bytes, or not an id.
#[cold]
#[inline(never)]
fn normalize_other_id(digits: &[u8], out: &mut [u8]) -> Normalized {
    let max_digits = out.len() * 2;
    if digits.is_empty() {
        return Normalized::Invalid;
    }
    if digits.len() > max_digits && digits.iter().all(|&digit| hex::value(digit).is_some()) {
        let (extra, rest) = digits.split_at(digits.len() - max_digits);
        if !extra.iter().all(|&digit| digit == b'0') {
            return Normalized::Invalid;
        }
        return match hex::decode_right_aligned(rest, out) {
            Some(0) => Normalized::Zero,
            _ => Normalized::Trimmed { n_digits: digits.len() as u32 },
        };
    }
    // Not hex: base64 of exactly the id's bytes (a 64-bit trace id right-aligned)?
    let mut decoded = [0u8; 16];
    match decode_base64(digits, &mut decoded) {
        Some(len) if len == out.len() || (out.len() == 16 && len == 8) => {
            out.fill(0);
            let at = out.len() - len;
            out[at..].copy_from_slice(&decoded[..len]);
            if out.iter().all(|&byte| byte == 0) { Normalized::Zero } else { Normalized::Base64 }
        }
        _ => Normalized::Invalid,
    }
}

/// Decodes base64 (the standard or the URL-safe alphabet, padded or not) into `out`: the number
/// of bytes, or `None` when the text is not base64 or decodes to more than `out` holds.
fn decode_base64(text: &[u8], out: &mut [u8]) -> Option<usize> {
    let text = text.strip_suffix(b"==").or_else(|| text.strip_suffix(b"=")).unwrap_or(text);
    if text.len() % 4 == 1 || text.len() / 4 * 3 + (text.len() % 4).saturating_sub(1) > out.len() {
        return None;
    }
    let value = |char: u8| match char {
        b'A'..=b'Z' => Some(char - b'A'),
        b'a'..=b'z' => Some(char - b'a' + 26),
        b'0'..=b'9' => Some(char - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    };
    let mut len = 0;
    for chunk in text.chunks(4) {
        let mut bits = 0u32;
        for (idx, &char) in chunk.iter().enumerate() {
            bits |= u32::from(value(char)?) << (18 - 6 * idx);
        }
        for byte_idx in 0..chunk.len() - 1 {
            out[len] = (bits >> (16 - 8 * byte_idx)) as u8;
            len += 1;
        }
    }
    Some(len)
}

/// A span whose ids are resolved but whose times may still be missing.
#[derive(Debug)]
pub(crate) struct Draft {
    /// `start_ns`/`end_ns` are filled in by [`finish`].
    pub span: Span,
    pub site: Site,
    pub start_ns: Option<i64>,
    pub duration_ns: Option<i64>,
    /// Which of its references named the parent ([`SpanFields::parent_ref`]), or [`NO_REF`].
    pub parent_ref: u32,
}

/// [`Draft::parent_ref`] when the parent comes from the format's own parent field.
pub(crate) const NO_REF: u32 = u32::MAX;

/// What [`finish`] still needs about a span besides the span itself.
#[derive(Debug)]
pub(crate) struct Mark {
    pub site: Site,
    pub start_ns: Option<i64>,
    pub duration_ns: Option<i64>,
    pub parent_ref: u32,
}

/// The fields of a span in a format, as warnings name them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SpanFields {
    pub span_id: Field,
    pub parent: Field,
    /// A list of references whose `n`-th may name the parent (Jaeger's `references[n].spanID`).
    pub parent_ref: Option<(&'static str, &'static str)>,
    pub start: Field,
    /// The end time or the duration.
    pub end: Field,
}

impl SpanFields {
    fn parent_of(&self, mark: &Mark) -> Field {
        match self.parent_ref {
            Some((list, name)) if mark.parent_ref != NO_REF => {
                Field::item(list, mark.parent_ref as usize, name)
            }
            _ => self.parent,
        }
    }
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
        let Draft { span, site, start_ns, duration_ns, parent_ref } = draft;
        self.spans.push(span);
        self.marks.push(Mark { site, start_ns, duration_ns, parent_ref });
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

/// The last pass of every importer: gives duplicate span ids fresh ids, reports missing parents,
/// and places spans without times. Returns the spans and each one's parent (by index). `fields`
/// names the span's fields in the format, for the warnings.
pub(crate) fn finish(
    drafts: Drafts,
    warnings: &mut Warnings,
    fields: &SpanFields,
) -> (Vec<Span>, Vec<Option<u32>>) {
    let Drafts { mut spans, mut marks } = drafts;
    let index = reqflow_core::index::link(&spans);

    // Duplicate ids: the first span keeps its id (and the children that name it); later copies
    // get fresh ids, in file order.
    if !index.duplicates.is_empty() {
        let mut allocator = IdAllocator::new(spans.iter().map(|span| (span.trace_id, span.span_id)));
        let mut n_duplicates: BTreeMap<(TraceId, SpanId), u64> = BTreeMap::new();
        for duplicate in &index.duplicates {
            let span_idx = duplicate.span as usize;
            let span = &mut spans[span_idx];
            let key = (span.trace_id, span.span_id);
            let count = n_duplicates.entry(key).or_insert(0);
            *count += 1;
            let fresh = allocator.derive(key.0, key.1, DUPLICATE_SALT + *count);
            span.span_id = fresh;
            warnings.push(
                &marks[span_idx].site,
                fields.span_id,
                WarningKind::DuplicateSpanId { written: key.1.to_string(), id: fresh.to_string() },
            );
        }
    }

    // Parents, in file order: a span naming its own id has none; one naming an id no span has
    // is reported.
    let mut parent_of: Vec<Option<usize>> = vec![None; spans.len()];
    let mut orphans = index.orphans.iter().peekable();
    for (span_idx, parent) in index.parents.iter().enumerate() {
        let mark = &marks[span_idx];
        match *parent {
            Some(parent) if parent as usize == span_idx => {
                spans[span_idx].parent_span_id = None;
                warnings.push(&mark.site, fields.parent_of(mark), WarningKind::SelfParent);
            }
            Some(parent) => parent_of[span_idx] = Some(parent as usize),
            None if orphans.next_if_eq(&&(span_idx as u32)).is_some() => {
                let parent = spans[span_idx].parent_span_id.unwrap_or_default();
                warnings.push(
                    &mark.site,
                    fields.parent_of(mark),
                    WarningKind::MissingParent { parent: parent.to_string() },
                );
            }
            None => {}
        }
    }

    let incomplete = marks.iter().any(|mark| mark.start_ns.is_none() || mark.duration_ns.is_none());
    let children = if incomplete { children_of(&parent_of) } else { Vec::new() };
    if marks.iter().any(|mark| mark.start_ns.is_none()) {
        place_missing_starts(&spans, &mut marks, &parent_of, &children, warnings, fields);
    }
    let ends = if incomplete { ends_of_timeless(&spans, &marks, &children) } else { Vec::new() };

    let parents = parent_of.iter().map(|parent| parent.map(|parent| parent as u32)).collect();
    for (span_idx, (span, mark)) in spans.iter_mut().zip(&marks).enumerate() {
        let start_ns = mark.start_ns.unwrap_or(0);
        let duration_ns = match mark.duration_ns {
            Some(duration_ns) if duration_ns < 0 => {
                warnings.push(
                    &mark.site,
                    fields.end,
                    WarningKind::NegativeDuration { by_ns: duration_ns.saturating_neg() },
                );
                0
            }
            Some(duration_ns) => duration_ns,
            None => {
                let until_children = ends[span_idx].map_or(0, |end| end.saturating_sub(start_ns).max(0));
                let shown = if until_children > 0 {
                    "shown ending when its last child ends"
                } else {
                    "shown with zero duration"
                };
                warnings.push(&mark.site, fields.end, WarningKind::MissingDuration { shown });
                until_children
            }
        };
        span.start_ns = start_ns;
        span.end_ns = start_ns.saturating_add(duration_ns);
    }
    (spans, parents)
}

/// Each span's children, by index.
fn children_of(parent_of: &[Option<usize>]) -> Vec<Vec<usize>> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); parent_of.len()];
    for (span_idx, parent) in parent_of.iter().enumerate() {
        if let Some(parent_idx) = parent {
            children[*parent_idx].push(span_idx);
        }
    }
    children
}

/// Spans without a start go to their parent's start, else their earliest child's, else the
/// trace's earliest start.
fn place_missing_starts(
    spans: &[Span],
    marks: &mut [Mark],
    parent_of: &[Option<usize>],
    children: &[Vec<usize>],
    warnings: &mut Warnings,
    fields: &SpanFields,
) {
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
            warnings.push(&mark.site, fields.start, WarningKind::MissingStart { placed_at_ns, reason });
        }
    }
}

/// For each span without a duration, when its children (those it waits for: not the consumers
/// of a message it produced) end: the latest end among them, theirs found the same way when
/// they have no duration either. A span waits for its children, so it ended no earlier; drawn
/// that way, a span reported without its end (Zipkin's late or partial reports) still covers
/// its subtree, and a trace whose root lacks a duration keeps a critical path. `None` for
/// spans with a duration, and for those without children that end later than they start.
fn ends_of_timeless(spans: &[Span], marks: &[Mark], children: &[Vec<usize>]) -> Vec<Option<i64>> {
    const UNSEEN: u8 = 0;
    const OPEN: u8 = 1;
    const DONE: u8 = 2;
    let own_end = |span_idx: usize| -> Option<i64> {
        let mark = &marks[span_idx];
        let start = mark.start_ns.unwrap_or(0);
        mark.duration_ns.map(|duration| start.saturating_add(duration.max(0)))
    };
    let mut ends: Vec<Option<i64>> = vec![None; marks.len()];
    let mut state = vec![UNSEEN; marks.len()];
    let mut stack: Vec<usize> = Vec::new();
    for first in 0..marks.len() {
        if marks[first].duration_ns.is_some() || state[first] != UNSEEN {
            continue;
        }
        // Depth first, without recursion: a span is finished once its children are (a loop of
        // parents is cut where it closes).
        stack.push(first);
        while let Some(&span_idx) = stack.last() {
            if state[span_idx] == UNSEEN {
                state[span_idx] = OPEN;
                for &child in &children[span_idx] {
                    if marks[child].duration_ns.is_none() && state[child] == UNSEEN {
                        stack.push(child);
                    }
                }
                continue;
            }
            stack.pop();
            if state[span_idx] == DONE {
                continue;
            }
            state[span_idx] = DONE;
            let producer = spans[span_idx].kind == SpanKind::Producer;
            ends[span_idx] = children[span_idx]
                .iter()
                .filter(|&&child| !(producer && spans[child].kind == SpanKind::Consumer))
                .filter_map(|&child| own_end(child).or(ends[child]).or(marks[child].start_ns))
                .max();
        }
    }
    ends
}

/// A JSON value (Jaeger tag/field value without a usable type) as an attribute value.
pub(crate) fn attribute_from_json(
    key: &str,
    value: &serde_json::Value,
    site: &Site,
    field: Field,
    warnings: &mut Warnings,
) -> AttributeValue {
    let mut as_text = |what: &'static str, text: String| {
        warnings.push(site, field, WarningKind::AttributeAsText { key: key.to_owned(), what });
        AttributeValue::Str(text.into())
    };
    match value {
        serde_json::Value::Bool(flag) => AttributeValue::Bool(*flag),
        serde_json::Value::String(text) => AttributeValue::Str(text.clone().into()),
        serde_json::Value::Number(number) => {
            if let Some(int) = number.as_i64() {
                AttributeValue::Int(int)
            } else if number.is_u64() {
                as_text("an integer beyond the int64 range", number.to_string())
            } else {
                AttributeValue::Float(number.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::Null => as_text("null", String::new()),
        serde_json::Value::Array(_) | serde_json::Value::Object(_) => {
            as_text("a JSON array or object", value.to_string())
        }
    }
}

/// An attribute value as text (Zipkin tags are strings).
pub(crate) fn attribute_text(value: &AttributeValue) -> String {
    value.to_string()
}

// ---------------------------------------------------------------------------------------------
// Resources

/// The service of a resource without `service.name`: what the OpenTelemetry SDK falls back to,
/// `unknown_service`, or `unknown_service:` and the `process.executable.name` attribute when the
/// resource has one.
pub(crate) fn unknown_service(attributes: &[KeyValue]) -> String {
    let executable = attributes.iter().find_map(|kv| match &kv.value {
        AttributeValue::Str(name) if kv.key == "process.executable.name" && !name.is_empty() => Some(name),
        _ => None,
    });
    match executable {
        Some(name) => format!("{UNKNOWN_SERVICE}:{name}"),
        None => UNKNOWN_SERVICE.to_owned(),
    }
}

/// The service name of spans whose resource has none (see [`unknown_service`]).
pub(crate) const UNKNOWN_SERVICE: &str = "unknown_service";

/// The scope keys Jaeger and Zipkin carry as span tags: `otel.scope.name` and `.version`, as
/// OpenTelemetry's Jaeger and Zipkin mappings write them (and the older `otel.library.*`).
pub(crate) const SCOPE_NAME_TAGS: [&str; 2] = ["otel.scope.name", "otel.library.name"];
pub(crate) const SCOPE_VERSION_TAGS: [&str; 2] = ["otel.scope.version", "otel.library.version"];

/// Takes the scope tags out of a span's attributes: (name, version).
pub(crate) fn take_scope_tags(attributes: &mut Vec<KeyValue>) -> (Text, Text) {
    if !attributes.iter().any(|kv| kv.key.starts_with("otel.")) {
        return (Text::default(), Text::default());
    }
    let mut take = |keys: [&str; 2]| {
        let mut found = Text::default();
        attributes.retain(|kv| {
            if !keys.contains(&kv.key.as_str()) {
                return true;
            }
            if found.is_empty() {
                found = match &kv.value {
                    AttributeValue::Str(text) => text.clone(),
                    other => Text::from(other.to_string()),
                };
            }
            false
        });
        found
    };
    let name = take(SCOPE_NAME_TAGS);
    let version = take(SCOPE_VERSION_TAGS);
    (name, version)
}

/// Hands out one [`Resource`] per distinct contents, so that spans of one process share one
/// allocation (a Jaeger process, a Zipkin local endpoint).
#[derive(Debug, Default)]
pub(crate) struct Resources {
    by_hash: BTreeMap<u64, Vec<Resource>>,
}

impl Resources {
    pub(crate) fn get(&mut self, data: ResourceData) -> Resource {
        if data.is_empty() {
            return Resource::default();
        }
        let same = self.by_hash.entry(hash_resource(&data)).or_default();
        if let Some(found) = same.iter().find(|resource| *resource.data() == data) {
            return found.clone();
        }
        let resource = Resource::new(data);
        same.push(resource.clone());
        resource
    }
}

fn hash_resource(data: &ResourceData) -> u64 {
    let hash_value = |value: &AttributeValue| match value {
        AttributeValue::Str(text) => hash_str(text),
        AttributeValue::Int(int) => *int as u64,
        AttributeValue::Bool(flag) => u64::from(*flag) + 2,
        AttributeValue::Float(float) => float.to_bits(),
    };
    let mut hash = mix_all(&[hash_str(&data.scope_name), hash_str(&data.scope_version)]);
    for kv in data.attributes.iter().chain(&data.scope_attributes) {
        hash = mix_all(&[hash, hash_str(&kv.key), hash_value(&kv.value)]);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(written: &str) -> (String, [u8; 8]) {
        let mut out = [0u8; 8];
        let how = match normalize_id(written, &mut out, &[16]) {
            Normalized::Exact => "exact".to_owned(),
            Normalized::Padded { n_digits } => format!("padded {n_digits}"),
            Normalized::Trimmed { n_digits } => format!("trimmed {n_digits}"),
            Normalized::Base64 => "base64".to_owned(),
            Normalized::Zero => "zero".to_owned(),
            Normalized::Invalid => "hashed".to_owned(),
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
        for hashed in ["", "12g4", "10f067aa0ba902b7a", "-1", "é1", "span-1", "trace-123"] {
            assert_eq!(decode(hashed).0, "hashed", "{hashed:?}");
        }
        for zero in ["0000", "0000000000000000", "AAAAAAAAAAA=", "000000000000000000000"] {
            assert_eq!(decode(zero).0, "zero", "{zero:?}");
        }
        let mut trace = [0u8; 16];
        assert_eq!(
            normalize_id("4bf92f3577b34da6a3ce929d0e0e4736", &mut trace, &[16, 32]),
            Normalized::Exact
        );
        assert_eq!(TraceId(trace).to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(normalize_id("a3ce929d0e0e4736", &mut trace, &[16, 32]), Normalized::Exact);
        assert_eq!(TraceId(trace).to_string(), "0000000000000000a3ce929d0e0e4736");
    }

    #[test]
    fn longer_ids_lose_only_leading_zeros() {
        assert_eq!(decode("0000f067aa0ba902b7"), ("trimmed 18".to_owned(), decode("f067aa0ba902b7").1));
        assert_eq!(decode("00000000000000000000000000000001").0, "trimmed 32");
        assert_eq!(decode("10000000000000001").0, "hashed", "a significant digit would be lost");
    }

    #[test]
    fn base64_ids_decode_to_their_bytes_and_hex_wins() {
        // protobuf's JSON mapping: 8 bytes as 12 characters, 16 as 24 (padded), or unpadded.
        let span = [0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74];
        assert_eq!(decode("7uGbfsPBsXQ="), ("base64".to_owned(), span));
        assert_eq!(decode("7uGbfsPBsXQ"), ("base64".to_owned(), span));
        let mut trace = [0u8; 16];
        assert_eq!(normalize_id("W47/95gDgQPSabYzgT/GDA==", &mut trace, &[16, 32]), Normalized::Base64);
        assert_eq!(TraceId(trace).to_string(), "5b8efff798038103d269b633813fc60c");
        assert_eq!(normalize_id("W47_95gDgQPSabYzgT_GDA", &mut trace, &[16, 32]), Normalized::Base64);
        assert_eq!(TraceId(trace).to_string(), "5b8efff798038103d269b633813fc60c");
        // A 64-bit trace id in base64 is right-aligned, like 16 hex digits.
        assert_eq!(normalize_id("7uGbfsPBsXQ=", &mut trace, &[16, 32]), Normalized::Base64);
        assert_eq!(TraceId(trace).to_string(), "0000000000000000eee19b7ec3c1b174");
        // Hex text is hex even where it would also be base64; base64 of the wrong length is not
        // an id.
        assert_eq!(decode("deadbeefdeadbeef").0, "exact");
        assert_eq!(decode("deadbee").0, "padded 7");
        assert_eq!(decode("AAECAwQFBgcICQ==").0, "hashed", "10 bytes");
        assert_eq!(decode("7uGbfsPBsX=Q").0, "hashed");
    }
}
