//! One import policy for every importer (tests/fixtures/FORMATS.md, "Import policy"): the same
//! problem, written in OTLP/JSON (read whole and as it arrives), Jaeger JSON and Zipkin v2 JSON,
//! gives the same spans and the same warnings, each naming the field in its format's terms.

use reqflow_core::trace::Span;
use reqflow_formats::{self as formats, Format, ImportStream, Imported};

/// A span as a test writes it: ids as text (so a problem can be written into them), the service
/// (`None`: not given), times in microseconds (`None`: not given).
#[derive(Clone)]
struct Written {
    trace: String,
    id: String,
    parent: Option<String>,
    name: &'static str,
    service: Option<&'static str>,
    start_us: Option<i64>,
    duration_us: Option<i64>,
}

/// A healthy trace: a root, its child in another service and a grandchild.
fn trace() -> Vec<Written> {
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736".to_owned();
    let span = |id: &str, parent: Option<&str>, name, service, start_us, duration_us| Written {
        trace: trace.clone(),
        id: id.to_owned(),
        parent: parent.map(str::to_owned),
        name,
        service: Some(service),
        start_us: Some(start_us),
        duration_us: Some(duration_us),
    };
    vec![
        span("00f067aa0ba902b7", None, "GET /orders", "api", 1_700_000_000_000_000, 50_000),
        span("00f067aa0ba902b8", Some("00f067aa0ba902b7"), "SELECT", "db", 1_700_000_000_010_000, 20_000),
        span("00f067aa0ba902b9", Some("00f067aa0ba902b8"), "read", "db", 1_700_000_000_012_000, 5_000),
    ]
}

fn json(text: &str) -> serde_json::Value {
    serde_json::Value::String(text.to_owned())
}

fn otlp(spans: &[Written]) -> String {
    let mut resources = Vec::new();
    for span in spans {
        let mut members = vec![
            format!(r#""traceId":{}"#, json(&span.trace)),
            format!(r#""spanId":{}"#, json(&span.id)),
            format!(r#""name":{}"#, json(span.name)),
            r#""kind":1"#.to_owned(),
        ];
        if let Some(parent) = &span.parent {
            members.push(format!(r#""parentSpanId":{}"#, json(parent)));
        }
        if let Some(start) = span.start_us {
            members.push(format!(r#""startTimeUnixNano":"{}""#, start * 1_000));
            if let Some(duration) = span.duration_us {
                members.push(format!(r#""endTimeUnixNano":"{}""#, (start + duration) * 1_000));
            }
        }
        let attributes = match span.service {
            Some(service) => {
                format!(r#"{{"key":"service.name","value":{{"stringValue":{}}}}}"#, json(service))
            }
            None => String::new(),
        };
        resources.push(format!(
            r#"{{"resource":{{"attributes":[{attributes}]}},"scopeSpans":[{{"scope":{{"name":"lib"}},"spans":[{{{}}}]}}]}}"#,
            members.join(",")
        ));
    }
    format!(r#"{{"resourceSpans":[{}]}}"#, resources.join(","))
}

fn jaeger(spans: &[Written]) -> String {
    let mut written = Vec::new();
    let mut processes = Vec::new();
    for (span_idx, span) in spans.iter().enumerate() {
        let mut members = vec![
            format!(r#""traceID":{}"#, json(&span.trace)),
            format!(r#""spanID":{}"#, json(&span.id)),
            format!(r#""operationName":{}"#, json(span.name)),
            format!(r#""processID":"p{span_idx}""#),
        ];
        if let Some(parent) = &span.parent {
            members.push(format!(
                r#""references":[{{"refType":"CHILD_OF","traceID":{},"spanID":{}}}]"#,
                json(&span.trace),
                json(parent)
            ));
        }
        if let Some(start) = span.start_us {
            members.push(format!(r#""startTime":{start}"#));
        }
        if let Some(duration) = span.duration_us.filter(|_| span.start_us.is_some()) {
            members.push(format!(r#""duration":{duration}"#));
        }
        written.push(format!("{{{}}}", members.join(",")));
        let service =
            span.service.map(|service| format!(r#""serviceName":{},"#, json(service))).unwrap_or_default();
        processes.push(format!(r#""p{span_idx}":{{{service}"tags":[]}}"#));
    }
    format!(
        r#"{{"data":[{{"traceID":{},"spans":[{}],"processes":{{{}}}}}]}}"#,
        json(&spans[0].trace),
        written.join(","),
        processes.join(",")
    )
}

fn zipkin(spans: &[Written]) -> String {
    let written: Vec<String> = spans
        .iter()
        .map(|span| {
            let mut members = vec![
                format!(r#""traceId":{}"#, json(&span.trace)),
                format!(r#""id":{}"#, json(&span.id)),
                format!(r#""name":{}"#, json(span.name)),
            ];
            if let Some(parent) = &span.parent {
                members.push(format!(r#""parentId":{}"#, json(parent)));
            }
            if let Some(start) = span.start_us {
                members.push(format!(r#""timestamp":{start}"#));
            }
            if let Some(duration) = span.duration_us.filter(|_| span.start_us.is_some()) {
                members.push(format!(r#""duration":{duration}"#));
            }
            if let Some(service) = span.service {
                members.push(format!(r#""localEndpoint":{{"serviceName":{}}}"#, json(service)));
            }
            members.push(r#""tags":{"otel.scope.name":"lib"}"#.to_owned());
            format!("{{{}}}", members.join(","))
        })
        .collect();
    format!("[{}]", written.join(","))
}

/// The file's field, in the format's terms, under its generic name (every format names them
/// differently).
fn generic_field(path: &str) -> String {
    // (Longer suffixes first: `.references[0].spanID` ends like `.spanID`.)
    const NAMES: [(&str, &str); 12] = [
        (".references[0].spanID", "parent"),
        (".parentSpanId", "parent"),
        (".parentId", "parent"),
        (".traceId", "trace id"),
        (".traceID", "trace id"),
        (".spanId", "span id"),
        (".spanID", "span id"),
        (".id", "span id"),
        (".endTimeUnixNano", "end"),
        (".duration", "end"),
        (".resource.attributes", "service"),
        (".serviceName", "service"),
    ];
    let path = path.strip_suffix(".localEndpoint.serviceName").map_or(path, |_| ".serviceName");
    NAMES
        .iter()
        .find(|(suffix, _)| path.ends_with(suffix))
        .map_or_else(|| format!("unnamed field: {path}"), |(_, name)| (*name).to_owned())
}

/// What must not depend on the format: each span's ids, parent, name and service, and each
/// warning's kind (variant and contents) and field.
fn outcome(imported: &Imported) -> (Vec<String>, Vec<String>) {
    let mut spans: Vec<String> = imported
        .spans
        .iter()
        .map(|span: &Span| {
            format!(
                "{} {} parent {:?} {} ({}) {}..{}",
                span.trace_id,
                span.span_id,
                span.parent_span_id.map(|id| id.to_string()),
                span.name,
                span.service,
                span.start_ns,
                span.end_ns
            )
        })
        .collect();
    spans.sort();
    let mut warnings: Vec<String> = imported
        .warnings
        .iter()
        .map(|warning| format!("{}: {:?}", generic_field(&warning.path), warning.kind))
        .collect();
    warnings.sort();
    (spans, warnings)
}

/// Imports `spans` written in every format (OTLP also as it arrives, 7 bytes at a time) and
/// checks every import gives the same outcome; returns it.
fn same_everywhere(problem: &str, spans: &[Written]) -> (Vec<String>, Vec<String>) {
    let files =
        [(Format::Otlp, otlp(spans)), (Format::Jaeger, jaeger(spans)), (Format::Zipkin, zipkin(spans))];
    let mut outcomes = Vec::new();
    for (format, text) in &files {
        let imported = formats::import(text, "policy.json")
            .unwrap_or_else(|error| panic!("{problem}: the {format} file does not load: {error}\n{text}"));
        assert_eq!(imported.format, *format, "{problem}");
        outcomes.push((format.to_string(), outcome(&imported)));
        if *format == Format::Otlp {
            let mut stream = ImportStream::new("policy.json", text.len());
            for chunk in text.as_bytes().chunks(7) {
                stream.push(chunk);
            }
            assert!(stream.streaming(), "{problem}: read as it arrived");
            let streamed = stream.finish().expect("no second reading").expect("loads");
            outcomes.push(("otlp streamed".to_owned(), outcome(&streamed)));
        }
    }
    let (first_name, first) = &outcomes[0];
    for (name, other) in &outcomes[1..] {
        assert_eq!(other.0, first.0, "{problem}: the spans from {name} differ from those from {first_name}");
        assert_eq!(
            other.1, first.1,
            "{problem}: the warnings from {name} differ from those from {first_name}"
        );
    }
    outcomes.swap_remove(0).1
}

fn healthy_outcome() -> Vec<String> {
    same_everywhere("a healthy trace", &trace()).0
}

#[test]
fn a_healthy_trace_loads_the_same_everywhere_without_warnings() {
    let (spans, warnings) = same_everywhere("a healthy trace", &trace());
    assert_eq!(spans.len(), 3);
    assert_eq!(warnings, Vec::<String>::new());
}

fn base64(hex: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: Vec<u8> =
        (0..hex.len()).step_by(2).map(|at| u8::from_str_radix(&hex[at..at + 2], 16).expect("hex")).collect();
    let mut text = String::new();
    for chunk in bytes.chunks(3) {
        let bits = chunk
            .iter()
            .enumerate()
            .fold(0u32, |bits, (idx, &byte)| bits | u32::from(byte) << (16 - 8 * idx));
        for idx in 0..4 {
            if idx <= chunk.len() {
                text.push(char::from(ALPHABET[(bits >> (18 - 6 * idx) & 63) as usize]));
            } else {
                text.push('=');
            }
        }
    }
    text
}

#[test]
fn base64_ids_are_decoded_to_their_bytes_and_the_tree_stays_linked() {
    assert_eq!(base64("00f067aa0ba902b7"), "APBnqgupArc=");
    let mut spans = trace();
    for span in &mut spans {
        span.trace = base64(&span.trace);
        span.id = base64(&span.id);
        span.parent = span.parent.as_deref().map(base64);
    }
    let (decoded, warnings) = same_everywhere("base64 ids", &spans);
    assert_eq!(decoded, healthy_outcome(), "the same ids and parents as written in hex");
    assert_eq!(warnings.len(), 4, "one per distinct id: {warnings:#?}");
    assert!(warnings.iter().all(|warning| warning.contains("Base64Id")), "{warnings:#?}");
    assert!(
        warnings[0].starts_with(
            "span id: Base64Id { field: Span, written: \"APBnqgupArc=\", id: \"00f067aa0ba902b7\""
        ),
        "{warnings:#?}"
    );
    assert!(warnings.iter().any(|warning| warning.starts_with("trace id: Base64Id")), "{warnings:#?}");
}

#[test]
fn ids_with_stripped_or_extra_leading_zeros_are_kept_and_flagged() {
    let mut spans = trace();
    for span in &mut spans {
        span.id = span.id.trim_start_matches('0').to_owned();
        span.parent = span.parent.as_deref().map(|parent| format!("0000{parent}"));
    }
    let (kept, warnings) = same_everywhere("short and long ids", &spans);
    assert_eq!(kept, healthy_outcome());
    let kinds: Vec<&str> = warnings.iter().map(|warning| warning.split(" {").next().unwrap_or("")).collect();
    assert_eq!(
        kinds,
        [
            "parent: TrimmedId",
            "parent: TrimmedId",
            "span id: PaddedId",
            "span id: PaddedId",
            "span id: PaddedId"
        ],
        "{warnings:#?}"
    );
}

#[test]
fn ids_that_are_neither_hex_nor_base64_map_to_stable_ids_and_keep_the_tree() {
    let mut spans = trace();
    for (span_idx, span) in spans.iter_mut().enumerate() {
        span.id = format!("span-{span_idx}");
        span.parent = span_idx.checked_sub(1).map(|parent| format!("span-{parent}"));
    }
    let (hashed, warnings) = same_everywhere("non-hex ids", &spans);
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    assert!(warnings.iter().all(|warning| warning.starts_with("span id: HashedId")), "{warnings:#?}");
    let roots = hashed.iter().filter(|span| span.contains("parent None")).count();
    assert_eq!(roots, 1, "the tree is still linked: {hashed:#?}");
}

#[test]
fn a_missing_service_name_is_unknown_service_with_a_warning() {
    let mut spans = trace();
    spans[1].service = None;
    let (loaded, warnings) = same_everywhere("no service name", &spans);
    assert!(loaded.iter().any(|span| span.contains("SELECT (unknown_service)")), "{loaded:#?}");
    assert_eq!(warnings, ["service: MissingServiceName { service: \"unknown_service\" }"]);
}

#[test]
fn missing_parents_durations_and_duplicate_ids_are_warnings() {
    let mut spans = trace();
    spans[1].parent = Some("00000000000000aa".to_owned());
    spans[2].duration_us = None;
    let mut copy = spans[2].clone();
    copy.service = Some("cache");
    copy.name = "read again";
    spans.push(copy);
    let (loaded, warnings) = same_everywhere("orphan, no duration, duplicate id", &spans);
    assert_eq!(loaded.len(), 4);
    let kinds: Vec<&str> = warnings.iter().map(|warning| warning.split(" {").next().unwrap_or("")).collect();
    assert_eq!(
        kinds,
        ["end: MissingDuration", "end: MissingDuration", "parent: MissingParent", "span id: DuplicateSpanId"],
        "{warnings:#?}"
    );
}
