//! A typed JSON writer for the exports: pretty-printed the way `serde_json::to_string_pretty`
//! prints (two-space indent, `"key": value`, empty containers as `[]` and `{}`), or compact, as
//! `serde_json::to_string` prints.
//!
//! The exports were serde structs; writing the JSON directly is a fraction of the code in the
//! browser bundle (serde's generated serialisers for three formats were ≈ 25 KB of wasm), and
//! the bytes are the same (a test compares them with serde_json's output).
//!
//! # Well-formed by construction
//!
//! Containers are scoped by closures: [`Value::object`] and [`Value::array`] write the brackets
//! around the closure that fills them, so a container is always closed, and closed with its own
//! bracket. An [`Object`] only takes members (a key *and* its value), an [`Array`] only items.
//! A [`Value`] is one slot for one value: every method consumes it and returns a [`Written`]
//! proof, which [`Object::member`] and [`Array::item`] require of their closure, so a member
//! cannot be left without a value or given two. The proof's lifetime is the slot's own
//! (invariant, and universally quantified in the closure's type), so a proof from another
//! writer does not fit:
//!
//! ```compile_fail,E0308
//! # use reqflow_formats::json_out::{Layout, write};
//! let mut text = String::new();
//! // A member whose closure writes nothing: there is no `Written` to return.
//! write(&mut text, Layout::Compact, |value| value.object(|object| object.member("key", |_value| ())));
//! ```
//!
//! ```compile_fail,E0382
//! # use reqflow_formats::json_out::{Layout, write};
//! let mut text = String::new();
//! // Two values in one slot: the first call consumed it.
//! write(&mut text, Layout::Compact, |value| {
//!     let _ = value.bool(true);
//!     value.bool(false)
//! });
//! ```
//!
//! ```compile_fail,E0521
//! # use reqflow_formats::json_out::{Layout, write};
//! let mut text = String::new();
//! let mut other = String::new();
//! // The proof of another writer's value does not fit this slot.
//! write(&mut text, Layout::Compact, |value| {
//!     value.object(|object| object.member("key", |_value| {
//!         let mut proof = None;
//!         write(&mut other, Layout::Compact, |other| { let written = other.null(); proof = Some(written); todo!() });
//!         proof.unwrap()
//!     }))
//! });
//! ```
//!
//! ```compile_fail,E0599
//! # use reqflow_formats::json_out::{Layout, write};
//! let mut text = String::new();
//! // A key in an array: arrays have no members.
//! write(&mut text, Layout::Compact, |value| value.array(|array| array.member("key", |value| value.null())));
//! ```
//!
//! A document written a piece at a time (the exports' batches) keeps its span container open
//! between calls as an [`OpenDocument`], whose only operations are writing more items and
//! closing it, once, with the brackets it opened.

use std::fmt::{self, Write as _};
use std::marker::PhantomData;

/// How JSON is laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Layout {
    /// As `serde_json::to_string_pretty` writes it: a line per member or item, indented by two
    /// spaces per level, `"key": value`, empty containers as `{}` and `[]`.
    #[default]
    Pretty,
    /// As `serde_json::to_string` writes it: no whitespace at all.
    Compact,
}

/// Writes one JSON value at the end of `out`, which `value` writes into its slot.
pub fn write(out: &mut String, layout: Layout, value: impl for<'v> FnOnce(Value<'v>) -> Written<'v>) {
    let _written = value(Value { out, layout, depth: 0 });
}

/// Proof that a [`Value`] slot was filled: every `Value` method returns one, and the closures
/// that write a member's or an item's value must return the one of the slot they were given.
#[must_use = "return it from the closure that was given the value's slot"]
pub struct Written<'v>(PhantomData<fn(&'v ()) -> &'v ()>);

impl Written<'_> {
    fn new() -> Self {
        Written(PhantomData)
    }
}

/// The slot of exactly one JSON value: each method writes a value and consumes the slot.
pub struct Value<'v> {
    out: &'v mut String,
    layout: Layout,
    /// The nesting depth of this value: its container's members are one deeper.
    depth: u32,
}

impl<'v> Value<'v> {
    /// An object, whose members `members` writes.
    pub fn object(self, members: impl FnOnce(&mut Object<'_>)) -> Written<'v> {
        self.out.push('{');
        let mut object = Object { container: Container::new(self.out, self.layout, self.depth + 1) };
        members(&mut object);
        object.container.close('}');
        Written::new()
    }

    /// An array, whose items `items` writes.
    pub fn array(self, items: impl FnOnce(&mut Array<'_>)) -> Written<'v> {
        self.out.push('[');
        let mut array = Array { container: Container::new(self.out, self.layout, self.depth + 1) };
        items(&mut array);
        array.container.close(']');
        Written::new()
    }

    /// A string, escaped as serde_json escapes it.
    pub fn string(self, text: &str) -> Written<'v> {
        write_string(self.out, text);
        Written::new()
    }

    /// What `Display` writes, as a string (ids, 64-bit integers as decimal strings), escaped
    /// like [`Value::string`].
    pub fn display(self, value: impl fmt::Display) -> Written<'v> {
        let start = self.out.len();
        self.out.push('"');
        let _ = write!(self.out, "{value}");
        // Ids and numbers never need escaping: only look.
        if self.out.as_bytes()[start + 1..].iter().any(|&byte| needs_escape(byte)) {
            let text = self.out.split_off(start + 1);
            write_string_body(self.out, &text);
        }
        self.out.push('"');
        Written::new()
    }

    /// An integer, as a JSON number.
    pub fn int(self, value: impl Integer) -> Written<'v> {
        let _ = write!(self.out, "{value}");
        Written::new()
    }

    /// A float as the OTLP JSON mapping writes doubles: a number in serde_json's shortest
    /// round-trip form (`1.0`, `1e21`), or `"NaN"`, `"Infinity"`, `"-Infinity"`.
    pub fn float(self, value: f64) -> Written<'v> {
        if value.is_nan() {
            self.out.push_str("\"NaN\"");
        } else if value.is_infinite() {
            self.out.push_str(if value > 0.0 { "\"Infinity\"" } else { "\"-Infinity\"" });
        } else {
            // serde_json's form, which `Display` is not (`1` for 1.0, no exponents).
            let _ = serde_json::to_writer(StringSink(self.out), &value);
        }
        Written::new()
    }

    /// `true` or `false`.
    pub fn bool(self, value: bool) -> Written<'v> {
        self.out.push_str(if value { "true" } else { "false" });
        Written::new()
    }

    /// `null`.
    pub fn null(self) -> Written<'v> {
        self.out.push_str("null");
        Written::new()
    }
}

/// An integer type [`Value::int`] writes (sealed: the primitive integers).
pub trait Integer: fmt::Display + sealed::Sealed {}

mod sealed {
    pub trait Sealed {}
}

macro_rules! integers {
    ($($int:ty),*) => {
        $(
            impl sealed::Sealed for $int {}
            impl Integer for $int {}
        )*
    };
}

integers!(u8, u16, u32, u64, u128, usize, i8, i16, i32, i64, i128, isize);

/// An object being written: members only, each a key and its value.
pub struct Object<'c> {
    container: Container<'c>,
}

impl Object<'_> {
    /// A member: `key`, and the value `value` writes into its slot.
    pub fn member(&mut self, key: &str, value: impl for<'v> FnOnce(Value<'v>) -> Written<'v>) {
        let slot = self.container.next();
        write_string(slot.out, key);
        slot.out.push_str(match slot.layout {
            Layout::Pretty => ": ",
            Layout::Compact => ":",
        });
        let _written = value(slot);
    }

    /// A member whose value is a string.
    pub fn string(&mut self, key: &str, text: &str) {
        self.member(key, |value| value.string(text));
    }

    /// A member whose value is what `Display` writes, as a string ([`Value::display`]).
    pub fn display(&mut self, key: &str, text: impl fmt::Display) {
        self.member(key, |value| value.display(text));
    }

    /// A member whose value is an integer.
    pub fn int(&mut self, key: &str, int: impl Integer) {
        self.member(key, |value| value.int(int));
    }

    /// A member whose value is a float ([`Value::float`]).
    pub fn float(&mut self, key: &str, float: f64) {
        self.member(key, |value| value.float(float));
    }

    /// A member whose value is `true` or `false`.
    pub fn bool(&mut self, key: &str, flag: bool) {
        self.member(key, |value| value.bool(flag));
    }

    /// A member whose value is `null`.
    pub fn null(&mut self, key: &str) {
        self.member(key, |value| value.null());
    }

    /// A member whose value is an object, with the members `members` writes.
    pub fn object(&mut self, key: &str, members: impl FnOnce(&mut Object<'_>)) {
        self.member(key, |value| value.object(members));
    }

    /// A member whose value is an array, with the items `items` writes.
    pub fn array(&mut self, key: &str, items: impl FnOnce(&mut Array<'_>)) {
        self.member(key, |value| value.array(items));
    }
}

/// An array being written: items only.
pub struct Array<'c> {
    container: Container<'c>,
}

impl Array<'_> {
    /// An item: the value `value` writes into its slot.
    pub fn item(&mut self, value: impl for<'v> FnOnce(Value<'v>) -> Written<'v>) {
        let _written = value(self.container.next());
    }

    /// An item that is an object, with the members `members` writes.
    pub fn object(&mut self, members: impl FnOnce(&mut Object<'_>)) {
        self.item(|value| value.object(members));
    }

    /// An item that is a string.
    pub fn string(&mut self, text: &str) {
        self.item(|value| value.string(text));
    }
}

/// What objects and arrays share: where they write, and whether anything is in them yet.
struct Container<'c> {
    out: &'c mut String,
    layout: Layout,
    /// The depth of the members or items.
    depth: u32,
    empty: bool,
}

impl<'c> Container<'c> {
    fn new(out: &'c mut String, layout: Layout, depth: u32) -> Self {
        Container { out, layout, depth, empty: true }
    }

    /// The separator before the next member or item (a comma after the first, and in the
    /// pretty layout a line break and indent), and the slot at its depth.
    fn next(&mut self) -> Value<'_> {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        newline(self.out, self.layout, self.depth);
        Value { out: &mut *self.out, layout: self.layout, depth: self.depth }
    }

    /// The closing bracket, on its own line at the container's depth unless it is empty.
    fn close(self, bracket: char) {
        if !self.empty {
            newline(self.out, self.layout, self.depth - 1);
        }
        self.out.push(bracket);
    }
}

/// A line break and the indent of `depth` (pretty layout only).
fn newline(out: &mut String, layout: Layout, depth: u32) {
    /// A line break and the indent of up to 15 levels, copied in one piece.
    const LINE: &str = "\n                              ";
    if layout == Layout::Pretty {
        let n_spaces = 2 * depth as usize;
        if n_spaces < LINE.len() {
            out.push_str(&LINE[..1 + n_spaces]);
        } else {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', n_spaces));
        }
    }
}

/// Where a document's open container sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    /// The document is the array (`[…]`).
    Array,
    /// The document is an object whose one member, this key, is the array (`{"key": […]}`).
    ArrayIn(&'static str),
}

/// A document whose array is left open between calls: its items are written a piece at a time
/// ([`OpenDocument::items`]), each into whatever `String` the caller hands over (and may empty
/// between calls), and [`OpenDocument::close`] ends the document. The bytes are those of the
/// same document written at once with [`write()`].
#[derive(Debug)]
#[must_use = "a document is ended by `close`"]
pub struct OpenDocument {
    layout: Layout,
    frame: Frame,
    /// Whether the array has no items yet.
    empty: bool,
}

impl OpenDocument {
    /// Writes the document's opening, up to and with the array's `[`.
    pub fn open(out: &mut String, layout: Layout, frame: Frame) -> OpenDocument {
        if let Frame::ArrayIn(key) = frame {
            out.push('{');
            let mut object = Container::new(&mut *out, layout, 1);
            let slot = object.next();
            write_string(slot.out, key);
            slot.out.push_str(if layout == Layout::Pretty { ": " } else { ":" });
        }
        out.push('[');
        OpenDocument { layout, frame, empty: true }
    }

    /// The depth of the array's items.
    fn depth(&self) -> u32 {
        match self.frame {
            Frame::Array => 1,
            Frame::ArrayIn(_) => 2,
        }
    }

    /// More items, written by `items` after the ones written so far.
    pub fn items(&mut self, out: &mut String, items: impl FnOnce(&mut Array<'_>)) {
        let mut array = Array {
            container: Container { out, layout: self.layout, depth: self.depth(), empty: self.empty },
        };
        items(&mut array);
        self.empty = array.container.empty;
    }

    /// Writes the document's end: the array's `]`, and the object's `}` around it.
    pub fn close(self, out: &mut String) {
        let array = Container { out: &mut *out, layout: self.layout, depth: self.depth(), empty: self.empty };
        array.close(']');
        if let Frame::ArrayIn(_) = self.frame {
            Container { out, layout: self.layout, depth: 1, empty: false }.close('}');
        }
    }
}

/// `text` as a JSON string, escaped as serde_json escapes it.
fn write_string(out: &mut String, text: &str) {
    out.reserve(text.len() + 2);
    out.push('"');
    write_string_body(out, text);
    out.push('"');
}

/// Whether serde_json escapes this byte in a string.
fn needs_escape(byte: u8) -> bool {
    ESCAPED[usize::from(byte)]
}

/// The bytes serde_json escapes in a string: control characters, `"` and `\\`.
const ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// The inside of a JSON string: `"`, `\` and control characters escaped.
fn write_string_body(out: &mut String, text: &str) {
    // Most strings have nothing to escape: one look at every byte (without stopping early, so
    // the compiler checks many bytes an instruction), and one copy.
    if !text.bytes().fold(false, |any, byte| any | needs_escape(byte)) {
        out.push_str(text);
        return;
    }
    let mut start = 0;
    for (idx, byte) in text.bytes().enumerate() {
        if needs_escape(byte) {
            out.push_str(&text[start..idx]);
            push_escape(out, byte);
            start = idx + 1;
        }
    }
    out.push_str(&text[start..]);
}

/// The escape of a byte that [`needs_escape`].
fn push_escape(out: &mut String, byte: u8) {
    match byte {
        b'"' => out.push_str("\\\""),
        b'\\' => out.push_str("\\\\"),
        b'\n' => out.push_str("\\n"),
        b'\r' => out.push_str("\\r"),
        b'\t' => out.push_str("\\t"),
        0x08 => out.push_str("\\b"),
        0x0c => out.push_str("\\f"),
        _ => {
            let _ = write!(out, "\\u{byte:04x}");
        }
    }
}

/// serde_json writing into a `String` (it only ever writes UTF-8).
struct StringSink<'s>(&'s mut String);

impl std::io::Write for StringSink<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let text = std::str::from_utf8(bytes).map_err(std::io::Error::other)?;
        self.0.push_str(text);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
