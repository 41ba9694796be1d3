//! `reqflow view` never panics, whatever the file: a Zipkin capture whose spans mostly lack a
//! duration and a local endpoint (it used to panic in the text waterfall, `clamp` with
//! min > max), and generated Zipkin, Jaeger and OTLP files with times at the ends of i64.

use std::path::PathBuf;
use std::process::{Command, Output};

use proptest::prelude::*;
use serde_json::{Value, json};

fn reqflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_reqflow")).args(args).output().expect("reqflow runs")
}

fn write_file(name: &str, text: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).expect("writes the file");
    path
}

/// Runs `reqflow view` in text (several widths, raw and adjusted) and JSON; every run succeeds,
/// the text draws one bar per span and the JSON report counts them. Returns the span count.
fn view_succeeds(path: &std::path::Path) -> usize {
    let file = path.to_str().expect("a UTF-8 path");
    let json = reqflow(&["view", file, "--format", "json"]);
    let stderr = String::from_utf8_lossy(&json.stderr);
    assert!(json.status.success(), "view --format json: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report: Value = serde_json::from_slice(&json.stdout).expect("view prints JSON");
    let n_spans = report["spans"].as_u64().expect("a span count") as usize;
    for args in [
        &["--width", "60"][..],
        &["--width", "200"],
        &["--adjust-skew"],
        &["--adjust-skew", "--max-skew-adjust", "1"],
    ] {
        let output = reqflow(&[&["view", file][..], args].concat());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "view {args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains(&format!("with {n_spans} spans")), "{text}");
        let bars = text.lines().filter(|line| line.contains('█')).count();
        assert_eq!(bars, n_spans, "one bar per span:\n{text}");
    }
    n_spans
}

/// The capture that panicked: a root with a time and an endpoint, then mostly spans with a
/// timestamp but no duration and no local endpoint, some after every other span's end, some with
/// no time at all.
#[test]
fn zipkin_capture_of_spans_without_duration_or_endpoint_views() {
    let trace = "5af7183fb1d4cf5f";
    let mut spans = vec![json!({
        "traceId": trace, "id": "0000000000000001", "name": "get /", "kind": "SERVER",
        "timestamp": 1_700_000_000_000_000i64, "duration": 1_000,
        "localEndpoint": {"serviceName": "frontend", "ipv4": "10.0.0.1"},
    })];
    for idx in 2..40u64 {
        let mut span = json!({"traceId": trace, "id": format!("{idx:016x}"), "parentId": "0000000000000001"});
        if idx % 5 != 0 {
            // Mostly long after the root ended: the first column lies past the bar.
            span["timestamp"] = json!(1_700_000_000_000_000i64 + 10_000 * idx as i64);
        }
        if idx % 7 == 0 {
            span["localEndpoint"] = json!({"serviceName": "backend"});
            span["duration"] = json!(5);
        }
        spans.push(span);
    }
    let path = write_file("zipkin-no-duration.json", &Value::Array(spans).to_string());
    assert_eq!(view_succeeds(&path), 39);
}

/// Times that break arithmetic in microseconds (Jaeger, Zipkin) and nanoseconds (OTLP).
fn time_us() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => (0i64..1_000_000).prop_map(|offset| 1_700_000_000_000_000 + offset),
        1 => Just(0i64),
        1 => Just(-1i64),
        1 => Just(i64::MAX),
        1 => Just(i64::MIN),
        1 => Just(9_223_372_036_854_775i64),
        1 => any::<i64>(),
    ]
}

type GenSpan = (u8, Option<u8>, Option<i64>, Option<i64>, bool);

fn gen_spans() -> impl Strategy<Value = Vec<GenSpan>> {
    let span = (
        0u8..8,
        proptest::option::of(0u8..9),
        proptest::option::weighted(0.8, time_us()),
        proptest::option::weighted(0.5, time_us()),
        proptest::bool::weighted(0.4),
    );
    proptest::collection::vec(span, 1..12)
}

fn zipkin(spans: &[GenSpan]) -> String {
    let spans: Vec<Value> = spans
        .iter()
        .map(|(id, parent, timestamp, duration, endpoint)| {
            let mut span =
                json!({"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "id": format!("{:016x}", id)});
            if let Some(parent) = parent {
                span["parentId"] = json!(format!("{parent:016x}"));
            }
            if let Some(timestamp) = timestamp {
                span["timestamp"] = json!(timestamp);
            }
            if let Some(duration) = duration {
                span["duration"] = json!(duration);
            }
            if *endpoint {
                span["localEndpoint"] = json!({"serviceName": format!("svc{}", id % 3)});
            }
            span
        })
        .collect();
    Value::Array(spans).to_string()
}

fn jaeger(spans: &[GenSpan]) -> String {
    let spans: Vec<Value> = spans
        .iter()
        .map(|(id, parent, start, duration, _)| {
            let mut span = json!({
                "traceID": "4bf92f3577b34da6a3ce929d0e0e4736", "spanID": format!("{:016x}", id),
                "operationName": "op", "processID": "p1",
                "references": parent.map(|parent| vec![json!({"refType": "CHILD_OF",
                    "traceID": "4bf92f3577b34da6a3ce929d0e0e4736", "spanID": format!("{parent:016x}")})]).unwrap_or_default(),
            });
            if let Some(start) = start {
                span["startTime"] = json!(start);
            }
            if let Some(duration) = duration {
                span["duration"] = json!(duration);
            }
            span
        })
        .collect();
    json!({"data": [{"traceID": "4bf92f3577b34da6a3ce929d0e0e4736", "spans": spans,
        "processes": {"p1": {"serviceName": "api", "tags": []}}}]})
    .to_string()
}

fn otlp(spans: &[GenSpan]) -> String {
    let spans: Vec<Value> = spans
        .iter()
        .map(|(id, parent, start, duration, _)| {
            let mut span = json!({"traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "spanId": format!("{:016x}", id), "name": "op"});
            if let Some(parent) = parent {
                span["parentSpanId"] = json!(format!("{parent:016x}"));
            }
            // Read as nanoseconds, written as OTLP's uint64 strings (negative ones past 2^63).
            if let Some(start) = start {
                span["startTimeUnixNano"] = json!((*start as u64).to_string());
                if let Some(duration) = duration {
                    span["endTimeUnixNano"] = json!((start.wrapping_add(*duration) as u64).to_string());
                }
            }
            span
        })
        .collect();
    json!({"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]},
        "scopeSpans": [{"spans": spans}]}]})
    .to_string()
}

/// Each case runs the command 15 times: few cases keep the test at a few seconds
/// (`PROPTEST_CASES=N` for a longer hunt).
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|cases| cases.parse().ok()).unwrap_or(24);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn view_draws_any_generated_file(spans in gen_spans()) {
        for (name, text) in [("gen-zipkin.json", zipkin(&spans)), ("gen-jaeger.json", jaeger(&spans)), ("gen-otlp.json", otlp(&spans))] {
            let n_spans = view_succeeds(&write_file(name, &text));
            prop_assert!(n_spans >= 1 && n_spans <= spans.len(), "{name}: {n_spans} spans of {}", spans.len());
        }
    }
}
