//! What the Jaeger and Zipkin readers share on top of the OTLP reader's [`Scanner`]: JSON values
//! read the way serde_json reads them (so that the fast readers and the serde readers, which
//! remain for a file the fast readers refuse, give the same spans), and the pieces of a step
//! reader (see `otlp/scan/stream.rs`: a document read a step at a time, as it arrives).
//!
//! The Jaeger and Zipkin readers read a file with the [`Scanner`] first. When that fails, for
//! whatever reason (the JSON is broken, a value has the wrong type, or the document is laid out
//! in a way the step reader does not follow), the same document is read again by serde's
//! derived readers into the same structs: their error messages are serde_json's, which the
//! import policy quotes, and a document only they accept still loads. The conversion to spans
//! after reading is one and the same code.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

use super::common::{JsonInt, parse_int_text, whole_f64};
use super::otlp::scan::{Key, Scan, Scanner, Seen, Stop};

/// A JSON value as a Jaeger tag value or a Zipkin tag holds it: the scalars as such (a string
/// borrowed from the file unless it has escapes), arrays and objects as serde_json values (rare).
/// Numbers are serde_json's, read by serde_json's own number parser, so that a value converts
/// and prints exactly as it did when the readers were serde's.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) enum JsonValue<'a> {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    Str(Cow<'a, str>),
    /// An array or an object.
    Other(Value),
}

impl JsonValue<'_> {
    /// As a serde_json value (for the rare conversions that take one, and for warnings).
    pub(crate) fn to_value(&self) -> Value {
        match self {
            JsonValue::Null => Value::Null,
            JsonValue::Bool(flag) => Value::Bool(*flag),
            JsonValue::Number(number) => Value::Number(number.clone()),
            JsonValue::Str(text) => Value::String(text.clone().into_owned()),
            JsonValue::Other(value) => value.clone(),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JsonValue<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsonValue<'a>, D::Error> {
        deserializer.deserialize_any(JsonValueVisitor(std::marker::PhantomData))
    }
}

struct JsonValueVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for JsonValueVisitor<'a> {
    type Value = JsonValue<'a>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any valid JSON value")
    }

    fn visit_bool<E: de::Error>(self, flag: bool) -> Result<JsonValue<'a>, E> {
        Ok(JsonValue::Bool(flag))
    }

    fn visit_i64<E: de::Error>(self, int: i64) -> Result<JsonValue<'a>, E> {
        Ok(JsonValue::Number(int.into()))
    }

    fn visit_u64<E: de::Error>(self, int: u64) -> Result<JsonValue<'a>, E> {
        Ok(JsonValue::Number(int.into()))
    }

    fn visit_f64<E: de::Error>(self, float: f64) -> Result<JsonValue<'a>, E> {
        // (What serde_json's `Value` does with a float: JSON has no NaN or infinities.)
        Ok(Number::from_f64(float).map_or(JsonValue::Null, JsonValue::Number))
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<JsonValue<'a>, E> {
        Ok(JsonValue::Str(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<JsonValue<'a>, E> {
        Ok(JsonValue::Str(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<JsonValue<'a>, E> {
        Ok(JsonValue::Str(Cow::Owned(text)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<JsonValue<'a>, E> {
        Ok(JsonValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<JsonValue<'a>, E> {
        Ok(JsonValue::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<JsonValue<'a>, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(JsonValue::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<JsonValue<'a>, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(JsonValue::Other)
    }
}

// ---------------------------------------------------------------------------------------------
// Values, read with the scanner as serde reads the same types (`null` is `None` for an
// `Option`; anything else of the wrong kind stops the reader, and serde then says what is wrong)

/// Any JSON value.
pub(crate) fn value<'a>(scanner: &mut Scanner<'a>) -> Scan<JsonValue<'a>> {
    Ok(match scanner.peek_value()? {
        b'"' => JsonValue::Str(scanner.string()?),
        b't' | b'f' => JsonValue::Bool(scanner.boolean()?.unwrap_or_default()),
        b'-' | b'0'..=b'9' => JsonValue::Number(number(scanner)?),
        b'n' => {
            scanner.null()?;
            JsonValue::Null
        }
        _ => JsonValue::Other(scanner.any_json()?.unwrap_or_default()),
    })
}

/// A JSON number as serde_json reads it: a plain non-negative integer directly, anything else
/// through serde_json's own parser (its float parsing is not std's, and `-0` is a float there).
fn number(scanner: &mut Scanner<'_>) -> Scan<Number> {
    let at = scanner.pos;
    let text = scanner.number_text()?;
    if text.len() <= 19 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        let int = text.bytes().fold(0u64, |int, digit| int * 10 + u64::from(digit - b'0'));
        return Ok(int.into());
    }
    serde_json::from_str(text).map_err(|_| Stop::Json { at, message: "number out of range".into() })
}

/// An integer as [`JsonInt`] reads it (a number, whole floats too, or a decimal string), or
/// `null`.
pub(crate) fn integer(scanner: &mut Scanner<'_>) -> Scan<Option<JsonInt>> {
    let at = scanner.pos;
    let refused = || Stop::Value { at, message: "not an integer".to_owned(), field: None };
    match scanner.peek_value()? {
        b'n' => scanner.null().map(|_| None),
        b'"' => parse_int_text(&scanner.string()?).map(|int| Some(JsonInt(int))).ok_or_else(refused),
        b'-' | b'0'..=b'9' => {
            let number = number(scanner)?;
            let int = match (number.as_u64(), number.as_i64()) {
                (Some(int), _) => Some(i128::from(int)),
                (None, Some(int)) => Some(i128::from(int)),
                (None, None) => number.as_f64().and_then(whole_f64),
            };
            int.map(|int| Some(JsonInt(int))).ok_or_else(refused)
        }
        _ => Err(scanner.unexpected("an integer")),
    }
}

/// A list of anything (`null`: none), as serde_json values.
pub(crate) fn values(scanner: &mut Scanner<'_>) -> Scan<Option<Vec<Value>>> {
    if scanner.null()? {
        return Ok(None);
    }
    let mut values = Vec::new();
    scanner.list("a list", &mut |scanner, _| {
        values.push(scanner.any_json()?.unwrap_or_default());
        Ok(())
    })?;
    Ok(Some(values))
}

/// A list of objects (`null`: none), each read into a `T` whose fields `member` sets.
pub(crate) fn objects<'a, T: Default>(
    scanner: &mut Scanner<'a>,
    member: fn(&mut Scanner<'a>, &mut T, &mut Seen, Key) -> Scan<()>,
) -> Scan<Option<Vec<T>>> {
    if scanner.null()? {
        return Ok(None);
    }
    let mut items = Vec::new();
    scanner.list("a list of objects", &mut |scanner, _| {
        items.push(object(scanner, member)?);
        Ok(())
    })?;
    Ok(Some(items))
}

/// An object, read into a `T` whose fields `member` sets.
pub(crate) fn object<'a, T: Default>(
    scanner: &mut Scanner<'a>,
    member: fn(&mut Scanner<'a>, &mut T, &mut Seen, Key) -> Scan<()>,
) -> Scan<T> {
    let (mut value, mut seen) = (T::default(), Seen::default());
    scanner.object("an object", &mut |scanner, key| member(scanner, &mut value, &mut seen, key))?;
    Ok(value)
}

/// One field of an object: `$slot = $value` (a `Scan`), unless the field was given already
/// (serde refuses a duplicate field).
macro_rules! field {
    ($scanner:ident, $seen:ident, $bit:literal, $key:ident, $slot:expr => $value:expr) => {{
        $seen.first($bit, $key, $scanner.pos)?;
        $slot = $value?;
        Ok(())
    }};
}
pub(crate) use field;

// ---------------------------------------------------------------------------------------------
// Steps

/// Whether a step may end here: a step that reached the end of what has arrived might read
/// differently with more, so it must end before it, unless the file is complete.
pub(crate) fn ahead(scanner: &Scanner<'_>, complete: bool) -> Scan<()> {
    if scanner.pos < scanner.bytes.len() || complete { Ok(()) } else { Err(scanner.error("")) }
}

/// An object key and its colon (the position is before the key).
pub(crate) fn key(scanner: &mut Scanner<'_>) -> Scan<Key> {
    if scanner.peek_value()? != b'"' {
        return Err(scanner.error("key must be a string"));
    }
    let key = scanner.text()?.map_or(Key::LONG, |text| Key::pack(text.as_bytes()));
    scanner.expect(b':', "expected `:`")?;
    Ok(key)
}

/// The key of an object's member as text (the position is before the key), and its colon.
pub(crate) fn key_text<'a>(scanner: &mut Scanner<'a>) -> Scan<Cow<'a, str>> {
    if scanner.peek_value()? != b'"' {
        return Err(scanner.error("key must be a string"));
    }
    let key = scanner.string()?;
    scanner.expect(b':', "expected `:`")?;
    Ok(key)
}

/// Opens a list, or reads `null` as none: whether an element follows.
pub(crate) fn list(scanner: &mut Scanner<'_>) -> Scan<bool> {
    if scanner.null()? {
        return Ok(false);
    }
    scanner.open(b'[', b']', "a list")
}

/// About how many spans a file of `size` bytes holds, to reserve room for them up front (growing
/// a list of 100,000 spans copies them all and leaves room for twice as many): `compact` bytes a
/// span, or `pretty` when the file's start is indented.
pub(crate) fn spans_in(size: usize, start: &str, compact: usize, pretty: usize) -> usize {
    let indented = start.bytes().take(256).any(|byte| byte == b'\n');
    (size / if indented { pretty } else { compact }).min(1 << 20)
}

/// Where a step reader stands with a file: still reading it, read to its end, or refusing it
/// (the whole-file import then reads it with serde, which gives the spans or says what is
/// wrong).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Progress {
    #[default]
    Reading,
    Done,
    GaveUp,
}

/// A step reader's place in the bytes it is given.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Place {
    /// Bytes read since the caller last took them ([`StepReader::take_read`]).
    pos: usize,
    /// A step that ran past what had arrived is tried again once this many bytes have.
    wait_for: usize,
    pub(crate) progress: Progress,
}

/// A reader that goes through a document a step at a time (the Jaeger and Zipkin readers): the
/// loop that feeds it what has arrived, retries a step that ran past the end once more has come,
/// and gives up on what it cannot read, is written once here. A reader gives its steps; a step
/// either moves on (`Ok(true)`), reaches the end of the document (`Ok(false)`), or fails, and
/// then whatever it changed is put back with [`StepReader::undo`].
pub(crate) trait StepReader {
    /// What a failed step must put back besides the scanner's position.
    type Undo;

    fn place(&self) -> &Place;
    fn place_mut(&mut self) -> &mut Place;
    /// Before a step: sets the scanner's depth for it and returns what to put back on failure.
    fn begin(&mut self, scanner: &mut Scanner<'_>) -> Self::Undo;
    /// One step (see the trait's docs).
    fn step(&mut self, scanner: &mut Scanner<'_>, complete: bool) -> Scan<bool>;
    fn undo(&mut self, undo: Self::Undo);

    fn gave_up(&self) -> bool {
        self.place().progress == Progress::GaveUp
    }

    /// Reads what it can of `bytes` (see `otlp::Stream::read`). `false` when the file has an
    /// error or a layout this reader does not follow (known only once it is complete, unless it
    /// gave up).
    fn read(&mut self, bytes: &[u8], complete: bool) -> bool {
        let place = *self.place();
        if place.progress != Progress::Reading {
            return place.progress == Progress::Done;
        }
        let rest = bytes.get(place.pos..).unwrap_or_default();
        if rest.len() < place.wait_for && !complete {
            return true;
        }
        let Some(text) = arrived(rest, complete) else {
            self.place_mut().progress = Progress::GaveUp;
            return false;
        };
        self.read_text(text, complete)
    }

    /// Reads every complete step of `text`.
    fn read_text(&mut self, text: &str, complete: bool) -> bool {
        let mut scanner = Scanner::new(text);
        loop {
            let start = scanner.pos;
            let undo = self.begin(&mut scanner);
            match self.step(&mut scanner, complete) {
                Ok(true) => self.place_mut().wait_for = 0,
                // The end of the document; it is done only once the file is complete: bytes
                // that arrive after it are read by the end step again (trailing characters are an
                // error whatever the chunks).
                Ok(false) => {
                    if complete {
                        self.place_mut().progress = Progress::Done;
                    }
                    break;
                }
                Err(_) => {
                    scanner.pos = start;
                    self.undo(undo);
                    let place = self.place_mut();
                    if complete {
                        place.progress = Progress::GaveUp;
                    }
                    place.wait_for = 2 * (text.len() - start);
                    break;
                }
            }
        }
        let place = self.place_mut();
        place.pos += scanner.pos;
        place.progress != Progress::GaveUp
    }

    /// How many of the bytes given to [`StepReader::read`] are read (the caller may drop them).
    fn take_read(&mut self) -> usize {
        std::mem::take(&mut self.place_mut().pos)
    }

    /// Refuses the file (the whole-file import reads it with serde).
    fn give_up<T>(&mut self, scanner: &Scanner<'_>) -> Scan<T> {
        self.place_mut().progress = Progress::GaveUp;
        Err(scanner.error(""))
    }
}

/// The complete characters of `rest` that have arrived (a chunk may end inside one), or `None`
/// when the bytes are not UTF-8.
pub(crate) fn arrived(rest: &[u8], complete: bool) -> Option<&str> {
    match std::str::from_utf8(rest) {
        Ok(text) => Some(text),
        Err(error) if error.error_len().is_none() && !complete => {
            std::str::from_utf8(&rest[..error.valid_up_to()]).ok()
        }
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests;
