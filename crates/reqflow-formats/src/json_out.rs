//! A small JSON writer for the exports: pretty-printed the way `serde_json::to_string_pretty`
//! prints (two-space indent, `"key": value`, empty containers as `[]` and `{}`), or compact.
//!
//! The exports were serde structs; writing the JSON directly is a fraction of the code in the
//! browser bundle (serde's generated serialisers for three formats were ≈ 25 KB of wasm), and
//! the bytes are the same (a test compares them with serde_json's output).

use std::fmt::Write as _;

/// JSON text being written. Containers are opened and closed explicitly; [`JsonOut::key`]
/// (in objects) and [`JsonOut::item`] (in arrays) place the separators.
pub(crate) struct JsonOut {
    out: String,
    pretty: bool,
    depth: usize,
    /// Whether the innermost open container has nothing in it yet.
    empty: bool,
}

impl JsonOut {
    pub(crate) fn pretty() -> JsonOut {
        JsonOut { out: String::new(), pretty: true, depth: 0, empty: true }
    }

    pub(crate) fn compact() -> JsonOut {
        JsonOut { out: String::new(), pretty: false, depth: 0, empty: true }
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }

    /// Opens an object (`b'{'`) or array (`b'['`).
    pub(crate) fn open(&mut self, bracket: u8) {
        self.out.push(char::from(bracket));
        self.depth += 1;
        self.empty = true;
    }

    /// Closes the innermost container (`b'}'` or `b']'`).
    pub(crate) fn close(&mut self, bracket: u8) {
        self.depth -= 1;
        if !self.empty {
            self.newline();
        }
        self.out.push(char::from(bracket));
        self.empty = false;
    }

    /// Before each element of an array.
    pub(crate) fn item(&mut self) {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        self.newline();
    }

    /// An object member's key; its value is written next.
    pub(crate) fn key(&mut self, key: &str) {
        self.item();
        self.string(key);
        self.out.push_str(if self.pretty { ": " } else { ":" });
    }

    /// `"key": [{…}, {…}]`: an object per item, whose members `members` writes.
    pub(crate) fn objects<T>(&mut self, key: &str, items: &[T], mut members: impl FnMut(&mut JsonOut, &T)) {
        self.key(key);
        self.open(b'[');
        for item in items {
            self.item();
            self.open(b'{');
            members(self, item);
            self.close(b'}');
        }
        self.close(b']');
    }

    fn newline(&mut self) {
        if self.pretty {
            self.out.push('\n');
            for _ in 0..self.depth {
                self.out.push_str("  ");
            }
        }
    }

    /// A string, escaped as serde_json escapes it.
    pub(crate) fn string(&mut self, text: &str) {
        self.out.push('"');
        let mut start = 0;
        for (idx, byte) in text.bytes().enumerate() {
            let escape = match byte {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0..0x20 => "",
                _ => continue,
            };
            self.out.push_str(&text[start..idx]);
            if escape.is_empty() {
                let _ = write!(self.out, "\\u{byte:04x}");
            } else {
                self.out.push_str(escape);
            }
            start = idx + 1;
        }
        self.out.push_str(&text[start..]);
        self.out.push('"');
    }

    /// Anything written with `Display` as it is (numbers, ids as strings are [`JsonOut::text`]).
    pub(crate) fn raw(&mut self, value: impl std::fmt::Display) {
        let _ = write!(self.out, "{value}");
    }

    /// `Display` output as a JSON string (ids, decimal strings: nothing to escape).
    pub(crate) fn text(&mut self, value: impl std::fmt::Display) {
        let _ = write!(self.out, "\"{value}\"");
    }

    /// A float as the OTLP JSON mapping writes doubles: a number, or `"NaN"`, `"Infinity"`,
    /// `"-Infinity"`.
    pub(crate) fn float(&mut self, value: f64) {
        if value.is_nan() {
            self.out.push_str("\"NaN\"");
        } else if value.is_infinite() {
            self.out.push_str(if value > 0.0 { "\"Infinity\"" } else { "\"-Infinity\"" });
        } else {
            // serde_json's shortest round-trip form (`1.0`, `1e21`), which `Display` is not.
            self.out.push_str(&serde_json::to_string(&value).unwrap_or_default());
        }
    }

    /// `null`, `true` or `false`.
    pub(crate) fn literal(&mut self, word: &str) {
        self.out.push_str(word);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_serde_json_writes() {
        let value = serde_json::json!({
            "a": [1, -2, {"b": []}, {}, "x\"y\\z\n\t\u{1}\u{7f}é"],
            "c": {"d": true, "e": null, "f": 1.5, "g": 1e21},
        });
        let write = |mut out: JsonOut| {
            out.open(b'{');
            out.key("a");
            out.open(b'[');
            out.item();
            out.raw(1);
            out.item();
            out.raw(-2);
            out.item();
            out.open(b'{');
            out.key("b");
            out.open(b'[');
            out.close(b']');
            out.close(b'}');
            out.item();
            out.open(b'{');
            out.close(b'}');
            out.item();
            out.string("x\"y\\z\n\t\u{1}\u{7f}é");
            out.close(b']');
            out.key("c");
            out.open(b'{');
            out.key("d");
            out.literal("true");
            out.key("e");
            out.literal("null");
            out.key("f");
            out.float(1.5);
            out.key("g");
            out.float(1e21);
            out.close(b'}');
            out.close(b'}');
            out.finish()
        };
        assert_eq!(write(JsonOut::pretty()), serde_json::to_string_pretty(&value).expect("JSON"));
        assert_eq!(write(JsonOut::compact()), serde_json::to_string(&value).expect("JSON"));
        let mut out = JsonOut::compact();
        for float in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            out.float(float);
        }
        assert_eq!(out.finish(), r#""NaN""Infinity""-Infinity""#);
    }
}
