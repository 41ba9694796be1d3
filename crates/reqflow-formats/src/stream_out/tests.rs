use super::*;
use crate::export;
use reqflow_core::{Simulation, builtins};

fn spans_per_request(name: &str, seed: u64, requests: u64) -> Vec<Vec<Span>> {
    let simulation = Simulation::new(&builtins::load(name).expect("built-in")).expect("compiles");
    let mut traces = Vec::new();
    simulation.run(seed, requests, |trace| traces.push(trace.spans)).expect("runs");
    traces
}

/// The document written a batch at a time, each batch's text into a fresh `String` (as the
/// CLI writes each out and empties it).
fn written_in(format: Format, layout: Layout, batches: &[&[Span]]) -> String {
    let mut pieces = Vec::new();
    let mut out = String::new();
    let mut writer = ExportWriter::with_layout(format, layout, &mut out);
    for batch in batches {
        pieces.push(std::mem::take(&mut out));
        writer.batch(batch, &mut out);
    }
    pieces.push(std::mem::take(&mut out));
    writer.finish(&mut out);
    pieces.push(out);
    pieces.concat()
}

fn written(format: Format, batches: &[&[Span]]) -> String {
    written_in(format, Layout::Pretty, batches)
}

#[test]
fn one_batch_is_the_whole_export_byte_for_byte() {
    for format in Format::ALL {
        for name in builtins::names() {
            let spans = spans_per_request(name, 3, 1).concat();
            assert_eq!(written(format, &[&spans]), export(&spans, format), "{name} as {format}");
            assert_eq!(
                written_in(format, Layout::Compact, &[&spans]),
                crate::export_compact(&spans, format),
                "{name} as compact {format}"
            );
        }
        assert_eq!(written(format, &[]), export(&[], format), "no spans as {format}");
        assert_eq!(written(format, &[&[], &[]]), export(&[], format), "empty batches as {format}");
    }
}

#[test]
fn empty_documents_are_what_serde_json_writes_for_them() {
    let cases = [
        (Format::Otlp, serde_json::json!({"resourceSpans": []})),
        (Format::Jaeger, serde_json::json!({"data": []})),
        (Format::Zipkin, serde_json::json!([])),
    ];
    for (format, empty) in cases {
        let pretty = serde_json::to_string_pretty(&empty).expect("JSON");
        assert_eq!(written(format, &[&[]]), pretty, "{format}");
        let compact = serde_json::to_string(&empty).expect("JSON");
        assert_eq!(written_in(format, Layout::Compact, &[]), compact, "compact {format}");
    }
}

#[test]
fn zipkin_and_jaeger_batches_of_whole_requests_are_the_whole_export() {
    let requests = spans_per_request("async-queue", 5, 6);
    let all = requests.concat();
    let batches: Vec<&[Span]> = requests.iter().map(Vec::as_slice).collect();
    for format in [Format::Zipkin, Format::Jaeger] {
        assert_eq!(written(format, &batches), export(&all, format), "{format}");
        assert_eq!(
            written_in(format, Layout::Compact, &batches),
            crate::export_compact(&all, format),
            "compact {format}"
        );
    }
}

#[test]
fn zipkin_is_the_same_bytes_however_the_spans_are_cut() {
    let all = spans_per_request("netflix-fanout", 2, 3).concat();
    for size in [1, 2, 7, 100, all.len() - 1] {
        let batches: Vec<&[Span]> = all.chunks(size).collect();
        assert!(batches.len() > 1, "{} spans in batches of {size}", all.len());
        assert_eq!(written(Format::Zipkin, &batches), export(&all, Format::Zipkin), "batches of {size}");
        assert_eq!(
            written_in(Format::Zipkin, Layout::Compact, &batches),
            crate::export_compact(&all, Format::Zipkin),
            "compact batches of {size}"
        );
    }
}

#[test]
fn otlp_batches_make_one_document_with_the_same_spans() {
    let requests = spans_per_request("clock-skew", 9, 5);
    let all = requests.concat();
    let batches: Vec<&[Span]> = requests.iter().map(Vec::as_slice).collect();
    let text = written(Format::Otlp, &batches);
    let document: serde_json::Value = serde_json::from_str(&text).expect("one JSON document");
    let n_entries = document["resourceSpans"].as_array().expect("resourceSpans").len();
    // One entry per resource per batch: what each batch exported alone has.
    let entries_alone = |spans: &[Span]| {
        let alone: serde_json::Value = serde_json::from_str(&export(spans, Format::Otlp)).expect("JSON");
        alone["resourceSpans"].as_array().expect("resourceSpans").len()
    };
    let per_batch: usize = batches.iter().map(|batch| entries_alone(batch)).sum();
    assert_eq!(n_entries, per_batch, "resourceSpans entries, one per resource and batch");
    assert!(n_entries > entries_alone(&all), "a resource repeats in several batches");
    let imported = crate::import(&text, "batched.json").expect("imports");
    let direct = crate::import(&export(&all, Format::Otlp), "whole.json").expect("imports");
    assert!(imported.warnings.is_empty(), "{:?}", imported.warnings);
    let ids = |spans: &[Span]| spans.iter().map(|span| span.span_id).collect::<Vec<_>>();
    let mut batched_ids = ids(&imported.spans);
    let mut whole_ids = ids(&direct.spans);
    batched_ids.sort_unstable();
    whole_ids.sort_unstable();
    assert_eq!(batched_ids, whole_ids);
    assert_eq!(imported.spans.len(), all.len());
}

/// A JSON value that keeps its members in the order of the text (serde_json's own `Value` sorts
/// them), read and written by serde_json: `serde_json::to_string` of one is serde_json's compact
/// text of the document it was read from.
enum Ordered {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Ordered>),
    Object(Vec<(String, Ordered)>),
}

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Ordered, D::Error> {
        struct OrderedVisitor;
        impl<'de> serde::de::Visitor<'de> for OrderedVisitor {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered::Null)
            }
            fn visit_bool<E>(self, flag: bool) -> Result<Ordered, E> {
                Ok(Ordered::Bool(flag))
            }
            fn visit_u64<E>(self, int: u64) -> Result<Ordered, E> {
                Ok(Ordered::Number(int.into()))
            }
            fn visit_i64<E>(self, int: i64) -> Result<Ordered, E> {
                Ok(Ordered::Number(int.into()))
            }
            fn visit_f64<E: serde::de::Error>(self, float: f64) -> Result<Ordered, E> {
                serde_json::Number::from_f64(float)
                    .map(Ordered::Number)
                    .ok_or_else(|| E::custom("not finite"))
            }
            fn visit_str<E>(self, text: &str) -> Result<Ordered, E> {
                Ok(Ordered::String(text.to_owned()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Ordered::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Ordered::Object(members))
            }
        }
        deserializer.deserialize_any(OrderedVisitor)
    }
}

impl serde::Serialize for Ordered {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self {
            Ordered::Null => serializer.serialize_unit(),
            Ordered::Bool(flag) => serializer.serialize_bool(*flag),
            Ordered::Number(number) => number.serialize(serializer),
            Ordered::String(text) => serializer.serialize_str(text),
            Ordered::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Ordered::Object(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (key, value) in members {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

/// serde_json's compact text of the document `pretty` (members in their order).
fn serde_json_compact(pretty: &str) -> String {
    let document: Ordered = serde_json::from_str(pretty).expect("the pretty export is JSON");
    serde_json::to_string(&document).expect("serde_json writes it")
}

/// Spans with what is hard to write: escapes in every kind of string, non-finite and large
/// numbers, events with attributes (Zipkin writes them as JSON inside a string), links, and a
/// resource with attributes and a scope.
fn awkward_spans() -> Vec<Span> {
    use reqflow_core::trace::{
        AttributeValue, Event, KeyValue, Link, Resource, ResourceData, Status, StatusCode,
    };
    let mut spans = spans_per_request("try-it", 11, 1).concat();
    let resource = Resource::new(ResourceData {
        attributes: vec![KeyValue::new("k8s.pod.name", "api \"blue\"\n"), KeyValue::new("host.port", 8080)],
        scope_name: "io.opentelemetry/\\okhttp".to_owned().into(),
        scope_version: "2.0\t".to_owned().into(),
        scope_attributes: vec![KeyValue::new("library.kind", "http")],
    });
    let first = &mut spans[0];
    first.name = "GET /a\"b\"\\c\n\u{1}é🦀".to_owned().into();
    first.resource = resource;
    first.attributes = vec![
        KeyValue { key: "nan".to_owned().into(), value: AttributeValue::Float(f64::NAN) },
        KeyValue { key: "inf".to_owned().into(), value: AttributeValue::Float(f64::NEG_INFINITY) },
        KeyValue { key: "big float".to_owned().into(), value: AttributeValue::Float(1e21) },
        KeyValue { key: "tenth".to_owned().into(), value: AttributeValue::Float(0.1) },
        KeyValue::new("big int", i64::MAX),
        KeyValue::new("negative", -42),
        KeyValue::new("quote\"key", "tab\tvalue"),
    ];
    first.events = vec![Event {
        time_ns: first.start_ns + 1_000,
        name: "exception \"x\"".to_owned().into(),
        attributes: vec![KeyValue::new("exception.message", "line 1\nline 2"), KeyValue::new("ok", false)],
    }];
    first.links = vec![Link { trace_id: first.trace_id, span_id: first.span_id, attributes: Vec::new() }];
    first.status = Status { code: StatusCode::Error, message: "failed: \"\\\"".to_owned().into() };
    spans
}

#[test]
fn compact_export_is_serde_json_compact_text_of_the_pretty_export() {
    let mut cases: Vec<(String, Vec<Span>)> =
        builtins::names().map(|name| (name.to_owned(), spans_per_request(name, 3, 1).concat())).collect();
    cases.push(("awkward spans".to_owned(), awkward_spans()));
    cases.push(("no spans".to_owned(), Vec::new()));
    for (name, spans) in &cases {
        for format in Format::ALL {
            let pretty = export(spans, format);
            let compact = crate::export_compact(spans, format);
            assert_eq!(compact, serde_json_compact(&pretty), "{name} as compact {format}");
            assert!(compact.len() < pretty.len() || spans.is_empty(), "{name} as {format}: smaller");
        }
    }
}

#[test]
fn compact_and_pretty_exports_are_the_same_json_value() {
    for name in builtins::names() {
        let spans = spans_per_request(name, 8, 4).concat();
        for format in Format::ALL {
            let pretty: serde_json::Value =
                serde_json::from_str(&export(&spans, format)).expect("pretty is JSON");
            let compact: serde_json::Value =
                serde_json::from_str(&crate::export_compact(&spans, format)).expect("compact is JSON");
            assert_eq!(compact, pretty, "{name} as {format}");
        }
    }
}

#[test]
fn compact_exports_import_as_the_pretty_ones_do() {
    let spans = awkward_spans();
    for format in Format::ALL {
        let pretty = crate::import(&export(&spans, format), "pretty.json").expect("pretty imports");
        let compact =
            crate::import(&crate::export_compact(&spans, format), "compact.json").expect("compact imports");
        assert_eq!(compact.format, format);
        assert_eq!(compact.spans.len(), pretty.spans.len(), "{format}: spans");
        // Compared as text: a NaN attribute is not equal to itself.
        for (span_idx, (from_compact, from_pretty)) in compact.spans.iter().zip(&pretty.spans).enumerate() {
            assert_eq!(format!("{from_compact:?}"), format!("{from_pretty:?}"), "{format}: span {span_idx}");
        }
        assert_eq!(compact.warnings, pretty.warnings, "{format}");
    }
}
