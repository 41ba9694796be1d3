use super::*;
use serde_json::json;

/// Writes `json` with the typed writer: every kind of value, through the member and item
/// closures.
fn write_json<'v>(slot: Value<'v>, json: &serde_json::Value) -> Written<'v> {
    match json {
        serde_json::Value::Null => slot.null(),
        serde_json::Value::Bool(flag) => slot.bool(*flag),
        serde_json::Value::Number(number) => match (number.as_u64(), number.as_i64(), number.as_f64()) {
            (Some(int), _, _) => slot.int(int),
            (None, Some(int), _) => slot.int(int),
            (None, None, Some(float)) => slot.float(float),
            (None, None, None) => panic!("{number} is neither an integer nor a float"),
        },
        serde_json::Value::String(text) => slot.string(text),
        serde_json::Value::Array(items) => slot.array(|array| {
            for item in items {
                array.item(|slot| write_json(slot, item));
            }
        }),
        serde_json::Value::Object(members) => slot.object(|object| {
            for (key, value) in members {
                object.member(key, |slot| write_json(slot, value));
            }
        }),
    }
}

fn written(layout: Layout, json: &serde_json::Value) -> String {
    let mut text = String::new();
    write(&mut text, layout, |slot| write_json(slot, json));
    text
}

/// The typed writer's pretty and compact text against serde_json's, for each value.
fn check_against_serde_json(values: &[serde_json::Value]) {
    for value in values {
        let pretty = serde_json::to_string_pretty(value).expect("serde_json writes it");
        assert_eq!(written(Layout::Pretty, value), pretty, "pretty layout of {value}");
        let compact = serde_json::to_string(value).expect("serde_json writes it");
        assert_eq!(written(Layout::Compact, value), compact, "compact layout of {value}");
    }
}

#[test]
fn writes_what_serde_json_writes() {
    check_against_serde_json(&[
        json!({
            "a": [1, -2, {"b": []}, {}, "x\"y\\z\n\t\u{1}\u{7f}é"],
            "c": {"d": true, "e": null, "f": 1.5, "g": 1e21},
        }),
        json!(null),
        json!("top-level string"),
        json!(0),
        json!([]),
        json!({}),
    ]);
}

#[test]
fn nested_empty_containers_are_written_on_one_line() {
    check_against_serde_json(&[
        json!([[]]),
        json!([{}]),
        json!({"a": {}}),
        json!({"a": []}),
        json!([[[], {}], {"a": [{}], "b": {"c": []}}, []]),
        json!({"outer": {"inner": {"innermost": {}}}, "list": [[], [[]]]}),
    ]);
}

#[test]
fn escapes_strings_and_keys_as_serde_json_does() {
    let every_control: String = (0u8..0x20).map(char::from).collect();
    check_against_serde_json(&[
        json!(every_control),
        json!({"quote\"key": "back\\slash", "tab\tkey": "\u{8}\u{c}\r\n"}),
        json!(["\u{7f} is not escaped", "é, 漢字 and 🦀 are written as they are", "", "\"", "\\"]),
        json!({"": ""}),
    ]);
}

#[test]
fn floats_and_integers_are_written_as_serde_json_writes_them() {
    check_against_serde_json(&[
        json!([0.0, -0.0, 1.0, -1.5, 0.1, 1e-7, 1e21, 1.7976931348623157e308, 5e-324, 123456.789]),
        json!([u64::MAX, i64::MIN, i64::MAX, 0, -1, 9_007_199_254_740_993_u64]),
        json!({"float": 2.5e-10, "int": 42}),
    ]);
}

#[test]
fn deep_nesting_is_indented_like_serde_json() {
    let mut value = json!("bottom");
    for depth in 0..40 {
        value = if depth % 2 == 0 { json!([value, depth]) } else { json!({"level": value}) };
    }
    check_against_serde_json(&[value]);
}

#[test]
fn non_finite_floats_are_strings_as_the_otlp_mapping_writes_them() {
    let mut text = String::new();
    write(&mut text, Layout::Compact, |slot| {
        slot.array(|array| {
            for float in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                array.item(|slot| slot.float(float));
            }
        })
    });
    assert_eq!(text, r#"["NaN","Infinity","-Infinity"]"#);
}

#[test]
fn display_values_are_strings_escaped_when_they_need_it() {
    let mut text = String::new();
    write(&mut text, Layout::Compact, |slot| {
        slot.object(|object| {
            object.display("id", format_args!("{:016x}", 0xabc_u64));
            object.display("decimal", -17_i64);
            object.display("quoted", format_args!("say \"{}\"\n", "hi"));
        })
    });
    assert_eq!(text, r#"{"id":"0000000000000abc","decimal":"-17","quoted":"say \"hi\"\n"}"#);
    let parsed: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(parsed["quoted"], "say \"hi\"\n");
}

#[test]
fn member_helpers_write_what_member_writes() {
    let mut helpers = String::new();
    write(&mut helpers, Layout::Pretty, |slot| {
        slot.object(|object| {
            object.string("s", "text");
            object.display("d", 7);
            object.int("i", -3_i32);
            object.float("f", 0.25);
            object.bool("b", false);
            object.null("n");
            object.object("o", |inner| inner.int("x", 1_u8));
            object.array("a", |array| {
                array.string("item");
                array.object(|inner| inner.bool("y", true));
            });
        })
    });
    let expected = json!({
        "s": "text", "d": "7", "i": -3, "f": 0.25, "b": false, "n": null,
        "o": {"x": 1}, "a": ["item", {"y": true}],
    });
    // serde_json's map is ordered by key; compare values, and the layout of a known order.
    assert_eq!(serde_json::from_str::<serde_json::Value>(&helpers).expect("valid JSON"), expected);
    assert!(helpers.starts_with("{\n  \"s\": \"text\",\n  \"d\": \"7\",\n  \"i\": -3,"), "{helpers}");
    assert!(
        helpers.ends_with("  \"a\": [\n    \"item\",\n    {\n      \"y\": true\n    }\n  ]\n}"),
        "{helpers}"
    );
}

/// A document written whole, and the same written through an [`OpenDocument`] in pieces of the
/// given sizes, each piece into a fresh `String` (as a streaming caller flushes them).
fn whole_and_in_pieces(
    layout: Layout,
    frame: Frame,
    items: &[serde_json::Value],
    cuts: &[usize],
) -> (String, String) {
    let mut whole = String::new();
    let write_items = |array: &mut Array<'_>, items: &[serde_json::Value]| {
        for item in items {
            array.item(|slot| write_json(slot, item));
        }
    };
    write(&mut whole, layout, |slot| match frame {
        Frame::Array => slot.array(|array| write_items(array, items)),
        Frame::ArrayIn(key) => slot.object(|object| object.array(key, |array| write_items(array, items))),
    });
    let mut pieces = Vec::new();
    let mut piece = String::new();
    let mut document = OpenDocument::open(&mut piece, layout, frame);
    pieces.push(std::mem::take(&mut piece));
    let mut rest = items;
    for &cut in cuts {
        let (now, later) = rest.split_at(cut.min(rest.len()));
        document.items(&mut piece, |array| write_items(array, now));
        pieces.push(std::mem::take(&mut piece));
        rest = later;
    }
    document.items(&mut piece, |array| write_items(array, rest));
    document.close(&mut piece);
    pieces.push(piece);
    (whole, pieces.concat())
}

#[test]
fn an_open_document_written_in_pieces_is_the_document_written_at_once() {
    let items = [json!({"a": 1}), json!([]), json!("two"), json!({"nested": [{"b": null}]}), json!(3.5)];
    for layout in [Layout::Pretty, Layout::Compact] {
        for frame in [Frame::Array, Frame::ArrayIn("resourceSpans")] {
            for cuts in [&[][..], &[0, 0], &[1, 1, 1, 1, 1], &[2, 0, 3], &[5], &[0, 5, 0]] {
                let (whole, pieces) = whole_and_in_pieces(layout, frame, &items, cuts);
                assert_eq!(pieces, whole, "{layout:?} {frame:?} cut {cuts:?}");
            }
            let (whole, pieces) = whole_and_in_pieces(layout, frame, &[], &[0, 0]);
            assert_eq!(pieces, whole, "{layout:?} {frame:?} without items");
        }
    }
    let (whole, _) = whole_and_in_pieces(Layout::Pretty, Frame::ArrayIn("data"), &[], &[]);
    assert_eq!(whole, "{\n  \"data\": []\n}");
}

#[test]
fn escapes_are_found_at_every_position_of_long_strings() {
    // The writer looks at eight bytes at a time: put each escaped byte at each position of
    // strings around that size, among ASCII and multi-byte characters.
    let mut values = Vec::new();
    for escaped in ['"', '\\', '\n', '\u{0}', '\u{1f}', '\u{7f}', 'é'] {
        for filler in ["a", "é", "🦀"] {
            for len in 0..20 {
                for position in 0..=len {
                    let mut text: String = std::iter::repeat_n(filler, len).collect();
                    let at = text.char_indices().nth(position).map_or(text.len(), |(idx, _)| idx);
                    text.insert(at, escaped);
                    values.push(json!(text));
                }
            }
        }
    }
    check_against_serde_json(&[serde_json::Value::Array(values)]);
}
