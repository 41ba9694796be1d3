use super::*;
use reqflow_core::ids::{SpanId, TraceId};
use reqflow_core::trace::{AttributeValue, Event, KeyValue, Link, SpanKind, Status, StatusCode};

fn span(trace: u64, id: u64, parent: Option<u64>, name: &str, kind: SpanKind) -> Span {
    Span {
        trace_id: TraceId::from_u64_pair(0x0af7_6519_16cd_43dd, trace),
        span_id: SpanId::from_u64(id),
        parent_span_id: parent.map(SpanId::from_u64),
        name: name.to_owned().into(),
        kind,
        service: "frontend".to_owned().into(),
        host: "edge-1".to_owned().into(),
        resource: Default::default(),
        start_ns: 1_700_000_000_000_000_000,
        end_ns: 1_700_000_000_250_000_000,
        status: Status::default(),
        attributes: Vec::new(),
        events: Vec::new(),
        links: Vec::new(),
        traceparent: None,
        truth: None,
    }
}

/// A small trace exercising every field the formats carry.
fn sample_spans() -> Vec<Span> {
    let mut root = span(1, 0x10, None, "GET /checkout", SpanKind::Server);
    root.attributes = vec![
        KeyValue::new("http.request.method", "GET"),
        KeyValue::new("http.response.status_code", 200),
        KeyValue::new("big", 9_223_372_036_854_775_000),
        KeyValue::new("cache.hit", true),
        KeyValue { key: "ratio".to_owned().into(), value: AttributeValue::Float(0.25) },
    ];
    let mut call = span(1, 0x11, Some(0x10), "POST /pay", SpanKind::Client);
    call.start_ns += 1_234_567;
    call.end_ns = call.start_ns + 80_000_999;
    call.status = Status { code: StatusCode::Error, message: "payment declined".to_owned().into() };
    call.attributes = vec![KeyValue::new("server.address", "payments")];
    call.events = vec![Event {
        time_ns: call.start_ns + 5_000,
        name: "retry".to_owned().into(),
        attributes: vec![KeyValue::new("attempt", 2)],
    }];
    let mut serve = span(1, 0x12, Some(0x11), "POST /pay", SpanKind::Server);
    serve.service = "payments".to_owned().into();
    serve.host = String::new().into();
    serve.start_ns += 2_000_000;
    serve.end_ns = serve.start_ns + 70_000_000;
    serve.status.code = StatusCode::Ok;
    let mut publish = span(1, 0x13, Some(0x10), "send orders", SpanKind::Producer);
    publish.start_ns += 100_000_000;
    publish.end_ns = publish.start_ns + 1_000;
    let mut consume = span(2, 0x20, None, "process orders", SpanKind::Consumer);
    consume.service = "worker".to_owned().into();
    consume.start_ns += 150_000_000;
    consume.end_ns = consume.start_ns + 9_000_000;
    consume.links = vec![Link {
        trace_id: publish.trace_id,
        span_id: publish.span_id,
        attributes: vec![KeyValue::new("messaging.operation.type", "send")],
    }];
    let mut internal = span(2, 0x21, Some(0x20), "parse", SpanKind::Internal);
    internal.service = "worker".to_owned().into();
    internal.start_ns = consume.start_ns + 10;
    internal.end_ns = consume.start_ns + 20;
    vec![root, call, serve, publish, consume, internal]
}

fn us(ns: i64) -> i64 {
    ns.div_euclid(1_000)
}

#[test]
fn format_names_round_trip_through_display_and_from_str() {
    for format in Format::ALL {
        assert_eq!(format.to_string().parse::<Format>(), Ok(format));
        assert!(!format.title().is_empty());
    }
    assert_eq!(" Zipkin ".parse::<Format>(), Ok(Format::Zipkin));
    let error = "protobuf".parse::<Format>().expect_err("unknown name");
    assert_eq!(error.to_string(), "unknown trace format \"protobuf\": expected otlp, jaeger or zipkin");
}

#[test]
fn detect_tells_the_formats_apart_by_shape() {
    assert_eq!(detect(r#"{"resourceSpans":[]}"#, "a"), Ok(Format::Otlp));
    assert_eq!(detect(r#"{"data":[]}"#, "a"), Ok(Format::Jaeger));
    assert_eq!(detect(r#"{"data":null,"errors":null}"#, "a"), Ok(Format::Jaeger));
    assert_eq!(detect(r#"{"traceID":"1","spans":[]}"#, "a"), Ok(Format::Jaeger));
    assert_eq!(detect(" \n[]", "a"), Ok(Format::Zipkin));
    assert_eq!(detect("\u{feff}{\"resourceSpans\":[]}", "a"), Ok(Format::Otlp));
}

#[test]
fn syntax_errors_name_the_file_line_and_column() {
    let error = import("{\n  \"resourceSpans\": [\n    {,]\n}", "broken.json").expect_err("bad json");
    match &error {
        ImportError::Json { origin, line, column, message } => {
            assert_eq!(origin, "broken.json");
            assert_eq!(*line, 3);
            assert_eq!(*column, 6);
            assert!(!message.contains(" at line "), "{message}");
        }
        other => panic!("expected a JSON error, got {other:?}"),
    }
    assert!(error.to_string().starts_with("broken.json:3:6: "), "{error}");
    assert!(!error.to_string().ends_with('.'));
}

#[test]
fn type_errors_point_into_the_file() {
    let text = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"s\"}}]},\n\"scopeSpans\":[{\"spans\":[{\"startTimeUnixNano\":\"soon\"}]}]}]}";
    let error = import(text, "times.json").expect_err("not a number");
    let message = error.to_string();
    assert!(message.starts_with("times.json:2:"), "{message}");
    assert!(message.contains("\"soon\""), "{message}");
}

#[test]
fn json_that_is_no_trace_file_is_an_unknown_format() {
    for (text, found) in [
        ("42", "a number"),
        (r#"{"hello":1}"#, "an object without resourceSpans, data or spans"),
        (r#"{"resource_spans":[]}"#, "resource_spans"),
        (r#"{"traceId":"1","id":"2"}"#, "arrays of spans"),
    ] {
        let error = import(text, "x.json").expect_err(text);
        let message = error.to_string();
        assert!(message.starts_with("x.json: not a trace file: "), "{message}");
        assert!(message.contains(found), "{message}");
    }
    assert!(matches!(import("", "empty.json"), Err(ImportError::Json { line: 1, .. })));
}

#[test]
fn otlp_round_trip_keeps_every_field() {
    let spans = sample_spans();
    let imported = import(&export(&spans, Format::Otlp), "otlp.json").expect("imports");
    assert_eq!(imported.format, Format::Otlp);
    assert_eq!(imported.warnings, Vec::new());
    assert_eq!(imported.spans.len(), spans.len());
    // Export groups spans by resource, so the order changes: compare by id.
    for original in &spans {
        let back = imported.spans.iter().find(|span| span.span_id == original.span_id).expect("same ids");
        assert_eq!(back, original);
    }
}

#[test]
fn otlp_export_follows_the_json_mapping() {
    let json: serde_json::Value =
        serde_json::from_str(&export(&sample_spans(), Format::Otlp)).expect("valid json");
    let resources = json["resourceSpans"].as_array().expect("resourceSpans");
    assert_eq!(resources.len(), 3, "frontend@edge-1, payments, worker@edge-1");
    let resource = &resources[0];
    assert_eq!(
        resource["resource"]["attributes"],
        serde_json::json!([
            {"key": "service.name", "value": {"stringValue": "frontend"}},
            {"key": "host.name", "value": {"stringValue": "edge-1"}},
        ])
    );
    let scope_spans = &resource["scopeSpans"][0];
    assert_eq!(scope_spans["scope"]["name"], "reqflow");
    assert_eq!(scope_spans["scope"]["version"], env!("CARGO_PKG_VERSION"));
    let root = &scope_spans["spans"][0];
    assert_eq!(root["traceId"], "0af7651916cd43dd0000000000000001");
    assert_eq!(root["spanId"], "0000000000000010");
    assert!(root.get("parentSpanId").is_none());
    assert_eq!(root["kind"], 2);
    assert_eq!(root["startTimeUnixNano"], "1700000000000000000");
    assert_eq!(root["endTimeUnixNano"], "1700000000250000000");
    assert_eq!(
        root["attributes"][1],
        serde_json::json!({"key": "http.response.status_code", "value": {"intValue": "200"}})
    );
    assert_eq!(root["attributes"][3], serde_json::json!({"key": "cache.hit", "value": {"boolValue": true}}));
    assert_eq!(root["attributes"][4], serde_json::json!({"key": "ratio", "value": {"doubleValue": 0.25}}));
    assert!(root.get("status").is_none(), "unset status is the default");
    let call = &scope_spans["spans"][1];
    assert_eq!(call["parentSpanId"], "0000000000000010");
    assert_eq!(call["kind"], 3);
    assert_eq!(call["status"], serde_json::json!({"code": 2, "message": "payment declined"}));
    assert_eq!(call["events"][0]["name"], "retry");
    assert!(call["events"][0]["timeUnixNano"].is_string());
    let consume = &resources[2]["scopeSpans"][0]["spans"][0];
    assert_eq!(consume["kind"], 5);
    assert_eq!(consume["links"][0]["spanId"], "0000000000000013");
}

#[test]
fn non_finite_doubles_use_the_protobuf_json_strings() {
    let mut only = span(1, 1, None, "x", SpanKind::Internal);
    only.attributes = vec![KeyValue { key: "nan".to_owned().into(), value: AttributeValue::Float(f64::NAN) }];
    let text = export(std::slice::from_ref(&only), Format::Otlp);
    assert!(text.contains("\"doubleValue\": \"NaN\""), "{text}");
    let back = import(&text, "nan.json").expect("imports");
    assert!(matches!(
        back.spans[0].attributes[0].value,
        AttributeValue::Float(value) if value.is_nan()
    ));
}

#[test]
fn jaeger_round_trip_keeps_tree_kinds_status_and_microseconds() {
    let spans = sample_spans();
    let imported = import(&export(&spans, Format::Jaeger), "jaeger.json").expect("imports");
    assert_eq!(imported.format, Format::Jaeger);
    assert_eq!(imported.warnings, Vec::new());
    assert_eq!(imported.spans.len(), spans.len());
    for (original, back) in spans.iter().zip(&imported.spans) {
        assert_eq!(back.trace_id, original.trace_id);
        assert_eq!(back.span_id, original.span_id);
        assert_eq!(back.parent_span_id, original.parent_span_id);
        assert_eq!(back.name, original.name);
        assert_eq!(back.kind, original.kind);
        assert_eq!(back.status, original.status);
        assert_eq!(back.service, original.service);
        assert_eq!(back.host, original.host);
        assert_eq!(back.attributes, original.attributes);
        assert_eq!(back.start_ns, us(original.start_ns) * 1_000);
        assert_eq!(back.end_ns, us(original.end_ns) * 1_000);
        assert_eq!(back.events.len(), original.events.len());
        for (event, event_back) in original.events.iter().zip(&back.events) {
            assert_eq!(event_back.name, event.name);
            assert_eq!(event_back.attributes, event.attributes);
            assert_eq!(event_back.time_ns, us(event.time_ns) * 1_000);
        }
        let link_targets = |span: &Span| -> Vec<(TraceId, SpanId)> {
            span.links.iter().map(|link| (link.trace_id, link.span_id)).collect()
        };
        assert_eq!(link_targets(back), link_targets(original));
    }
}

#[test]
fn jaeger_export_writes_the_ui_download_shape() {
    let json: serde_json::Value =
        serde_json::from_str(&export(&sample_spans(), Format::Jaeger)).expect("valid json");
    let data = json["data"].as_array().expect("data");
    assert_eq!(data.len(), 2, "one entry per trace id");
    let trace = &data[0];
    assert_eq!(trace["traceID"], "0af7651916cd43dd0000000000000001");
    assert!(trace["warnings"].is_null());
    assert_eq!(
        trace["processes"],
        serde_json::json!({
            "p1": {"serviceName": "frontend", "tags": [
                {"key": "host.name", "type": "string", "value": "edge-1"}]},
            "p2": {"serviceName": "payments", "tags": []},
        })
    );
    let call = &trace["spans"][1];
    assert_eq!(call["spanID"], "0000000000000011");
    assert_eq!(call["operationName"], "POST /pay");
    assert_eq!(
        call["references"],
        serde_json::json!([{"refType": "CHILD_OF",
            "traceID": "0af7651916cd43dd0000000000000001", "spanID": "0000000000000010"}])
    );
    assert_eq!(call["startTime"], 1_700_000_000_001_234_i64);
    assert_eq!(call["duration"], 80_001);
    assert_eq!(call["processID"], "p1");
    let tags = call["tags"].as_array().expect("tags");
    let tag = |key: &str| tags.iter().find(|tag| tag["key"] == key).cloned();
    assert_eq!(
        tag("span.kind"),
        Some(serde_json::json!({"key": "span.kind", "type": "string", "value": "client"}))
    );
    assert_eq!(tag("error"), Some(serde_json::json!({"key": "error", "type": "bool", "value": true})));
    assert_eq!(tag("otel.status_code").expect("status")["value"], "ERROR");
    assert_eq!(tag("otel.status_description").expect("description")["value"], "payment declined");
    assert_eq!(
        call["logs"][0]["fields"][0],
        serde_json::json!(
        {"key": "event", "type": "string", "value": "retry"})
    );
    let root_tags = trace["spans"][0]["tags"].as_array().expect("tags");
    assert_eq!(
        root_tags[2],
        serde_json::json!({"key": "big", "type": "int64", "value": "9223372036854775000"}),
        "int64 past 2^53 is written as a string"
    );
    let consume = &data[1]["spans"][0];
    assert_eq!(consume["references"][0]["refType"], "FOLLOWS_FROM");
}

#[test]
fn zipkin_round_trip_keeps_tree_kinds_status_and_microseconds() {
    let spans = sample_spans();
    let text = export(&spans, Format::Zipkin);
    let imported = import(&text, "zipkin.json").expect("imports");
    assert_eq!(imported.format, Format::Zipkin);
    // `parse` lasts 10 ns: Zipkin has no duration under a microsecond.
    assert_eq!(
        imported.warnings,
        vec![ImportWarning {
            path: "$[5].duration".to_owned(),
            span_id: Some("0000000000000021".to_owned()),
            kind: WarningKind::MissingDuration { shown: "shown with zero duration" },
        }]
    );
    for (original, back) in spans.iter().zip(&imported.spans) {
        assert_eq!(back.trace_id, original.trace_id);
        assert_eq!(back.span_id, original.span_id);
        assert_eq!(back.parent_span_id, original.parent_span_id);
        assert_eq!(back.name, original.name);
        assert_eq!(back.kind, original.kind);
        assert_eq!(back.status, original.status);
        assert_eq!(back.service, original.service);
        assert_eq!(back.host, original.host);
        assert_eq!(back.start_ns, us(original.start_ns) * 1_000);
        assert_eq!(back.end_ns, us(original.end_ns) * 1_000);
        // Zipkin tags are strings.
        let as_text = |span: &Span| -> Vec<(String, String)> {
            span.attributes.iter().map(|kv| (kv.key.to_string(), kv.value.to_string())).collect()
        };
        assert_eq!(as_text(back), as_text(original));
        assert_eq!(back.events.len(), original.events.len());
        for (event, event_back) in original.events.iter().zip(&back.events) {
            assert_eq!(event_back.name, event.name);
            assert_eq!(event_back.attributes, event.attributes);
        }
    }
    let json: serde_json::Value = serde_json::from_str(&text).expect("valid json");
    let call = &json[1];
    assert_eq!(call["kind"], "CLIENT");
    assert_eq!(call["remoteEndpoint"], serde_json::json!({"serviceName": "payments"}));
    assert_eq!(call["tags"]["otel.status_code"], "ERROR");
    assert_eq!(call["tags"]["error"], "payment declined");
    assert_eq!(call["annotations"][0]["value"], "\"retry\": {\"attempt\":2}");
    assert!(json[0].get("remoteEndpoint").is_none(), "servers have none");
}

#[test]
fn export_is_deterministic() {
    let spans = sample_spans();
    for format in Format::ALL {
        assert_eq!(export(&spans, format), export(&spans, format));
    }
}

#[test]
fn compact_export_is_the_pretty_export_without_whitespace() {
    let spans = sample_spans();
    for format in Format::ALL {
        let pretty = export(&spans, format);
        let compact = super::export_compact(&spans, format);
        // The pretty text without the whitespace between tokens.
        let (mut minified, mut in_string, mut escaped) = (String::new(), false, false);
        for c in pretty.chars() {
            if in_string || !c.is_ascii_whitespace() {
                minified.push(c);
            }
            (in_string, escaped) = match (in_string, escaped, c) {
                (true, false, '\\') => (true, true),
                (true, false, '"') => (false, false),
                (true, _, _) => (true, false),
                (false, _, '"') => (true, false),
                (false, _, _) => (false, false),
            };
        }
        assert_eq!(compact, minified, "{format}");
        assert_eq!(import(&compact, "c.json"), import(&pretty, "p.json"), "{format}");
    }
}

#[test]
fn short_and_non_hex_ids_are_normalised_once_with_warnings() {
    let text = r#"{"traceID":"abc","spans":[
        {"traceID":"abc","spanID":"1","operationName":"root","startTime":1,"duration":2,"processID":"p1"},
        {"traceID":"abc","spanID":"span-2","operationName":"child","startTime":1,"duration":1,
         "references":[{"refType":"CHILD_OF","traceID":"abc","spanID":"1"}],"processID":"p1"}],
        "processes":{"p1":{"serviceName":"svc","tags":[]}}}"#;
    let imported = import(text, "ids.json").expect("imports");
    let root = &imported.spans[0];
    let child = &imported.spans[1];
    assert_eq!(root.trace_id.to_string(), "00000000000000000000000000000abc");
    assert_eq!(root.span_id, SpanId::from_u64(1));
    assert_eq!(child.parent_span_id, Some(root.span_id));
    let again = import(text, "ids.json").expect("imports");
    assert_eq!(again.spans[1].span_id, child.span_id, "hashing is stable");
    let kinds: Vec<&WarningKind> = imported.warnings.iter().map(|w| &w.kind).collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(matches!(kinds[0], WarningKind::PaddedId { field: IdField::Trace, n_digits: 3, .. }));
    assert!(matches!(kinds[1], WarningKind::PaddedId { field: IdField::Span, n_digits: 1, .. }));
    assert!(matches!(
        kinds[2],
        WarningKind::HashedId { field: IdField::Span, written, .. } if written == "span-2"
    ));
    assert_eq!(imported.warnings[0].path, "$.spans[0].traceID");
    assert_eq!(imported.warnings[1].path, "$.spans[0].spanID");
    assert_eq!(imported.warnings[2].path, "$.spans[1].spanID");
    assert_eq!(imported.warnings[2].span_id.as_deref(), Some("span-2"));
    assert!(
        imported.warnings[2]
            .to_string()
            .starts_with("$.spans[1].spanID (span span-2): span id \"span-2\" is not a valid hex id")
    );
}

#[test]
fn jaeger_parent_is_the_first_same_trace_child_of() {
    let text = r#"{"data":[{"traceID":"01","spans":[
        {"traceID":"01","spanID":"02","operationName":"a","startTime":1,"duration":9,"processID":"p1"},
        {"traceID":"01","spanID":"03","operationName":"b","startTime":1,"duration":9,"processID":"p1"},
        {"traceID":"01","spanID":"04","operationName":"c","startTime":2,"duration":1,"processID":"p1",
         "references":[
           {"refType":"CHILD_OF","traceID":"ff","spanID":"ff"},
           {"refType":"FOLLOWS_FROM","traceID":"01","spanID":"03"},
           {"refType":"CHILD_OF","traceID":"01","spanID":"02"}]},
        {"traceID":"01","spanID":"05","operationName":"d","startTime":2,"duration":1,"processID":"p1",
         "references":[{"refType":"FOLLOWS_FROM","traceID":"01","spanID":"03"}]}],
      "processes":{"p1":{"serviceName":"svc","tags":[{"key":"hostname","type":"string","value":"h1"},
                                                     {"key":"ip","type":"string","value":"10.0.0.1"}]}}}]}"#;
    let imported = import(text, "refs.json").expect("imports");
    let c = &imported.spans[2];
    assert_eq!(c.parent_span_id, Some(SpanId::from_u64(2)));
    let links: Vec<(String, String)> =
        c.links.iter().map(|link| (link.span_id.to_string(), link.attributes[0].value.to_string())).collect();
    assert_eq!(
        links,
        vec![
            ("00000000000000ff".to_owned(), "child_of".to_owned()),
            ("0000000000000003".to_owned(), "follows_from".to_owned()),
        ]
    );
    assert_eq!(c.links[0].trace_id.to_string(), "000000000000000000000000000000ff");
    assert_eq!(imported.spans[3].parent_span_id, Some(SpanId::from_u64(3)));
    assert_eq!(c.host, "h1");
    // Every process tag is kept (`hostname` too: it is also the host).
    assert_eq!(c.resource.attributes(), [KeyValue::new("hostname", "h1"), KeyValue::new("ip", "10.0.0.1")]);
    assert!(imported.spans.iter().all(|span| span.resource.same_allocation(&c.resource)));
}

#[test]
fn jaeger_tags_honour_declared_types_and_quirks() {
    let text = r#"{"traceID":"1","spans":[{"traceID":"1","spanID":"1","operationName":"x",
        "startTime":10,"duration":1,"processID":"p1","tags":[
          {"key":"big","type":"int64","value":"9223372036854775222"},
          {"key":"small","type":"int64","value":7},
          {"key":"flag","type":"bool","value":"false"},
          {"key":"ratio","type":"float64","value":"0.5"},
          {"key":"blob","type":"binary","value":"AAAwOQ=="},
          {"key":"wrong","type":"int64","value":"seven"},
          {"key":"untyped","value":3},
          {"key":"span.kind","type":"string","value":"client"},
          {"key":"error","type":"bool","value":"true"}]}],
        "processes":{"p1":{"serviceName":"svc"}}}"#;
    let imported = import(text, "tags.json").expect("imports");
    let span = &imported.spans[0];
    assert_eq!(
        span.attributes,
        vec![
            KeyValue::new("big", 9_223_372_036_854_775_222),
            KeyValue::new("small", 7),
            KeyValue::new("flag", false),
            KeyValue { key: "ratio".to_owned().into(), value: AttributeValue::Float(0.5) },
            KeyValue::new("blob", "AAAwOQ=="),
            KeyValue::new("wrong", "seven"),
            KeyValue::new("untyped", 3),
        ]
    );
    assert_eq!(span.kind, SpanKind::Client);
    assert_eq!(span.status.code, StatusCode::Error);
    let kinds: Vec<&WarningKind> = imported.warnings.iter().map(|w| &w.kind).collect();
    assert!(
        kinds.contains(&&WarningKind::AttributeAsText { key: "blob".to_owned(), what: "binary (base64)" })
    );
    assert!(kinds.contains(&&WarningKind::AttributeTypeMismatch {
        key: "wrong".to_owned(),
        declared: "int64".to_owned(),
        value: "\"seven\"".to_owned(),
    }));
}

#[test]
fn duplicate_span_ids_get_derived_ids_and_children_stay_with_the_first() {
    let text = r#"[
      {"traceId":"0000000000000001","id":"0000000000000002","name":"first","timestamp":1,"duration":5,"localEndpoint":{"serviceName":"a"}},
      {"traceId":"0000000000000001","id":"0000000000000002","name":"second","timestamp":1,"duration":5,"localEndpoint":{"serviceName":"b"}},
      {"traceId":"0000000000000001","id":"0000000000000003","parentId":"0000000000000002","name":"child","timestamp":2,"duration":1,"localEndpoint":{"serviceName":"a"}}
    ]"#;
    let imported = import(text, "dups.json").expect("imports");
    let spans = &imported.spans;
    assert_eq!(spans[0].span_id, SpanId::from_u64(2));
    assert_ne!(spans[1].span_id, SpanId::from_u64(2));
    assert_eq!(spans[2].parent_span_id, Some(SpanId::from_u64(2)));
    assert_eq!(
        imported.warnings,
        vec![ImportWarning {
            path: "$[1].id".to_owned(),
            span_id: Some("0000000000000002".to_owned()),
            kind: WarningKind::DuplicateSpanId {
                written: "0000000000000002".to_owned(),
                id: spans[1].span_id.to_string(),
            },
        }]
    );
}

#[test]
fn missing_parents_and_self_parents_are_reported() {
    let text = r#"[
      {"traceId":"0000000000000001","id":"0000000000000002","parentId":"0000000000000009","name":"orphan","timestamp":1,"duration":5,"localEndpoint":{"serviceName":"a"}},
      {"traceId":"0000000000000001","id":"0000000000000003","parentId":"0000000000000003","name":"loop","timestamp":1,"duration":5,"localEndpoint":{"serviceName":"a"}}
    ]"#;
    let imported = import(text, "orphans.json").expect("imports");
    assert_eq!(imported.spans[0].parent_span_id, Some(SpanId::from_u64(9)));
    assert_eq!(imported.spans[1].parent_span_id, None);
    let kinds: Vec<&WarningKind> = imported.warnings.iter().map(|w| &w.kind).collect();
    assert_eq!(
        kinds,
        vec![&WarningKind::MissingParent { parent: "0000000000000009".to_owned() }, &WarningKind::SelfParent]
    );
}

#[test]
fn otlp_resource_without_service_name_loads_as_unknown_service_with_a_warning() {
    let span = |id: &str| {
        format!(
            r#"{{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"{id}","name":"n","startTimeUnixNano":"1","endTimeUnixNano":"2"}}"#
        )
    };
    let text = format!(
        r#"{{"resourceSpans":[
      {{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"ok"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}},
      {{"resource":{{"attributes":[{{"key":"host.name","value":{{"stringValue":"h"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}},
      {{"resource":{{"attributes":[{{"key":"process.executable.name","value":{{"stringValue":"java"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}},
      {{"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        span("0000000000000001"),
        span("0000000000000002"),
        span("0000000000000003"),
        span("0000000000000004")
    );
    let imported = import(&text, "no-service.json").expect("loads, as the OpenTelemetry SDK would name it");
    let services: Vec<(&str, &str)> =
        imported.spans.iter().map(|span| (&*span.service, &*span.host)).collect();
    assert_eq!(
        services,
        [("ok", ""), ("unknown_service", "h"), ("unknown_service:java", ""), ("unknown_service", "")]
    );
    let warnings: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "$.resourceSpans[1].resource.attributes: no service name: attributed to \"unknown_service\", as the OpenTelemetry SDK does",
            "$.resourceSpans[2].resource.attributes: no service name: attributed to \"unknown_service:java\", as the OpenTelemetry SDK does",
            "$.resourceSpans[3].resource: no service name: attributed to \"unknown_service\", as the OpenTelemetry SDK does",
        ]
    );
    assert_eq!(
        imported.spans[2].resource.attributes(),
        [KeyValue::new("process.executable.name", "java")],
        "the resource's attributes are kept"
    );
}

#[test]
fn otlp_import_is_lenient_where_the_spec_allows() {
    let text = r#"{"resourceSpans":[{"resource":{"attributes":[
        {"key":"service.name","value":{"stringValue":"svc"}},
        {"key":"telemetry.sdk.language","value":{"stringValue":"rust"}}]},
      "instrumentationLibrarySpans":[{"spans":[
        {"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174",
         "parentSpanId":"","name":"n","startTimeUnixNano":1544712660000000000,
         "endTimeUnixNano":"1544712661000000000","kind":"SPAN_KIND_CLIENT",
         "status":{"code":"STATUS_CODE_OK"},"unknownField":{"x":[1,2]},
         "attributes":[{"key":"i","value":{"intValue":5}},
                       {"key":"list","value":{"arrayValue":{"values":[{"intValue":"1"}]}}}]}]}]}]}"#;
    let imported = import(text, "lenient.json").expect("imports");
    let span = &imported.spans[0];
    assert_eq!(span.trace_id.to_string(), "5b8efff798038103d269b633813fc60c");
    assert_eq!(span.parent_span_id, None);
    assert_eq!(span.kind, SpanKind::Client);
    assert_eq!(span.status.code, StatusCode::Ok);
    assert_eq!(span.start_ns, 1_544_712_660_000_000_000);
    assert_eq!(span.duration_ns(), 1_000_000_000);
    assert_eq!(span.attributes[0], KeyValue::new("i", 5));
    assert_eq!(span.attributes[1], KeyValue::new("list", r#"{"values":[{"intValue":"1"}]}"#));
    assert_eq!(span.resource.attributes(), [KeyValue::new("telemetry.sdk.language", "rust")]);
    let kinds: Vec<&WarningKind> = imported.warnings.iter().map(|w| &w.kind).collect();
    assert_eq!(
        kinds,
        vec![&WarningKind::AttributeAsText { key: "list".to_owned(), what: "an array (as JSON)" }]
    );
    assert_eq!(
        imported.warnings[0].path,
        "$.resourceSpans[0].instrumentationLibrarySpans[0].spans[0].attributes"
    );
}

#[test]
fn otlp_spans_stream_whatever_the_key_order_and_nulls_read_as_absent() {
    // `scopeSpans` before `resource`: the spans still get the resource's service and host.
    let text = r#"{"resourceSpans":[
      {"scopeSpans":[{"scope":{"name":"s"},"spans":[
         {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"late",
          "startTimeUnixNano":"10","endTimeUnixNano":"20"}]}],
       "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}},
                                 {"key":"host.name","value":{"stringValue":"h1"}}]}},
      {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"db"}}]},
       "scopeSpans":null},
      {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"q"}}]},
       "scopeSpans":[{"spans":null},{"spans":[
         {"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"00f067aa0ba902b7",
          "parentSpanId":"b7ad6b7169203331","name":"child","startTimeUnixNano":"12","endTimeUnixNano":"15"}]}]}],
     "extra":{"ignored":true}}"#;
    let imported = import(text, "order.json").expect("imports");
    let found: Vec<(&str, &str, &str)> =
        imported.spans.iter().map(|span| (&*span.name, &*span.service, &*span.host)).collect();
    assert_eq!(found, [("late", "api", "h1"), ("child", "q", "")]);
    assert_eq!(imported.spans[1].parent_span_id, Some(imported.spans[0].span_id));
    assert_eq!(imported.warnings, Vec::new());
    assert_eq!(import(r#"{"resourceSpans":null}"#, "empty.json").expect("imports").spans, Vec::new());
}

#[test]
fn otlp_structure_errors_point_into_the_file() {
    let duplicate = import(r#"{"resourceSpans":[{"scopeSpans":[{"spans":[],"spans":[]}]}]}"#, "dup.json");
    assert!(
        matches!(&duplicate, Err(ImportError::Json { line: 1, message, .. }) if message == "duplicate field `spans`"),
        "{duplicate:?}"
    );
    let not_a_list = import(r#"{"resourceSpans":{"scopeSpans":[]}}"#, "shape.json");
    assert!(
        matches!(&not_a_list, Err(ImportError::Json { message, .. })
            if message.contains("expected a list of ResourceSpans")),
        "{not_a_list:?}"
    );
    let trailing = import(r#"{"resourceSpans":[]} x"#, "trailing.json");
    assert!(matches!(&trailing, Err(ImportError::Json { column: 22, .. })), "{trailing:?}");
    // A missing service.name after spans were read is still reported as such.
    let late = import(
        r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"01","traceId":"01"}]}],
            "resource":{"attributes":[]}}]}"#,
        "late.json",
    )
    .expect("loads");
    assert_eq!(late.spans[0].service, "unknown_service");
    assert!(
        late.warnings.iter().any(|warning| matches!(warning.kind, WarningKind::MissingServiceName { .. }))
    );
}

#[test]
fn times_that_do_not_fit_are_warnings_not_panics() {
    let text = r#"{"traceID":"1","spans":[{"traceID":"1","spanID":"1","operationName":"x",
        "startTime":99999999999999999999,"duration":-5,"processID":"p1"}],
        "processes":{"p1":{"serviceName":"svc"}}}"#;
    let imported = import(text, "huge.json").expect("imports");
    assert_eq!(imported.spans[0].duration_ns(), 0);
    let kinds: Vec<&WarningKind> = imported.warnings.iter().map(|w| &w.kind).collect();
    assert!(kinds.iter().any(|kind| matches!(
        kind,
        WarningKind::TimeOutOfRange { what: "start time", written } if written == "100000000000000000000"
    )));
    assert!(kinds.contains(&&WarningKind::NegativeDuration { by_ns: 5_000 }));
}

#[test]
fn otlp_resources_and_scopes_reach_their_spans_whatever_the_key_order() {
    // Spans before their scope, and scopes before their resource: every span still gets both,
    // and the spans of one scope share one allocation.
    let span = |id: &str| {
        format!(
            r#"{{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"{id}","name":"s","startTimeUnixNano":"10","endTimeUnixNano":"20"}}"#
        )
    };
    let text = format!(
        r#"{{"resourceSpans":[
      {{"scopeSpans":[{{"spans":[{},{}],"scope":{{"name":"late-scope","version":"2"}}}},
                      {{"scope":{{"name":"early-scope","attributes":[{{"key":"k","value":{{"intValue":"1"}}}}]}},"spans":[{}]}}],
       "resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"api"}}}},
                                 {{"key":"service.version","value":{{"stringValue":"1.2"}}}}]}}}},
      {{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"db"}}}},
                                  {{"key":"k8s.pod.name","value":{{"stringValue":"db-0"}}}}]}},
       "scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        span("0000000000000001"),
        span("0000000000000002"),
        span("0000000000000003"),
        span("0000000000000004")
    );
    let imported = import(&text, "order.json").expect("imports");
    let found: Vec<(&str, &str, &str, usize)> = imported
        .spans
        .iter()
        .map(|span| {
            let data = span.resource.data();
            (&*span.service, data.scope_name.as_str(), data.scope_version.as_str(), data.attributes.len())
        })
        .collect();
    assert_eq!(
        found,
        [
            ("api", "late-scope", "2", 1),
            ("api", "late-scope", "2", 1),
            ("api", "early-scope", "", 1),
            ("db", "", "", 1)
        ]
    );
    let spans = &imported.spans;
    assert!(spans[0].resource.same_allocation(&spans[1].resource));
    assert_eq!(spans[2].resource.data().scope_attributes, [KeyValue::new("k", 1)]);
    assert_eq!(spans[3].resource.attribute("k8s.pod.name"), Some(&AttributeValue::from("db-0")));
    // Written back: one resource per resource, one scope per scope, every attribute.
    let json: serde_json::Value = serde_json::from_str(&export(spans, Format::Otlp)).expect("json");
    let resources = json["resourceSpans"].as_array().expect("resources");
    assert_eq!(resources.len(), 2);
    assert_eq!(
        resources[0]["resource"]["attributes"],
        serde_json::json!([
            {"key": "service.name", "value": {"stringValue": "api"}},
            {"key": "service.version", "value": {"stringValue": "1.2"}},
        ])
    );
    assert_eq!(
        resources[0]["scopeSpans"][0]["scope"],
        serde_json::json!({"name": "late-scope", "version": "2"})
    );
    assert_eq!(resources[0]["scopeSpans"][0]["spans"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        resources[0]["scopeSpans"][1]["scope"],
        serde_json::json!({"name": "early-scope", "attributes": [{"key": "k", "value": {"intValue": "1"}}]})
    );
    assert_eq!(resources[1]["scopeSpans"][0]["scope"], serde_json::json!({}));
    assert_eq!(import(&export(spans, Format::Otlp), "again.json").expect("imports").spans, *spans);
}

#[test]
fn wrong_value_types_name_file_position_and_field_in_every_format() {
    for (text, expected) in [
        (
            "{\"data\":[{\"traceID\":\"1\",\"spans\":[\n{\"traceID\":\"1\",\"spanID\":7}]}]}",
            "types.json:2:25: invalid type: integer `7`, expected a string, in `spanID`",
        ),
        (
            "[{\"traceId\":\"1\",\"id\":\"2\",\n \"timestamp\":\"soon\"}]",
            "types.json:2:19: invalid value: string \"soon\", expected an integer (a JSON number or a decimal string), in `timestamp`",
        ),
        (
            "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[\n{\"name\":7}]}]}]}",
            "types.json:2:9: invalid type: a number, expected a string, in `name`",
        ),
    ] {
        assert_eq!(import(text, "types.json").expect_err(text).to_string(), expected);
    }
}

/// Found by fuzzing (import_stream): an array that ends in one chunk, then trailing characters in
/// the next. The step readers took the end of the document as the end of the file and loaded an
/// empty trace, where the whole-file read says "trailing characters". Every format, any cut.
#[test]
fn trailing_characters_after_a_chunk_that_ends_the_document_are_an_error_however_cut() {
    for text in ["[\n\t\t\t]\t\t\t\t\u{8}\t\t\n", "{\"data\": []}  x", "{\"resourceSpans\": []} x"] {
        let bytes = text.as_bytes();
        let whole = import_bytes(bytes.to_vec(), "fuzz.json");
        assert!(whole.is_err(), "{text:?}: {whole:?}");
        for cut in 1..bytes.len() {
            let mut stream = ImportStream::new("fuzz.json", bytes.len());
            stream.push(&bytes[..cut]);
            stream.push(&bytes[cut..]);
            let streamed = stream.finish().unwrap_or_else(|| import_bytes(bytes.to_vec(), "fuzz.json"));
            assert_eq!(
                streamed.map(|imported| imported.spans.len()),
                whole.clone().map(|imported| imported.spans.len()),
                "{text:?} cut at {cut}"
            );
        }
    }
}
