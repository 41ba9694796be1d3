//! How long importing a 100,000-span trace takes, natively, in OTLP/JSON and Jaeger JSON (the
//! figures BENCHMARKS.md quotes for the import paths). Ignored by default; run it in release:
//!
//! `cargo test --release -p reqflow-tests --test import_speed -- --ignored --nocapture`
//!
//! It prints the minimum and median of several imports of each file. The OTLP file comes twice:
//! as Reqflow exports it (two resource attributes per resource) and with the resource attributes
//! and scope a real SDK writes (`telemetry.sdk.*`, `service.version`, `k8s.*`, `host.id`...).

use std::time::{Duration, Instant};

use reqflow_core::formats::{self, Format};
use reqflow_core::knobs::Knobs;
use reqflow_core::{Simulation, builtins};

fn compact(pretty: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(pretty).expect("json");
    serde_json::to_string(&value).expect("serializes")
}

/// The resource attributes and scope an OpenTelemetry SDK in a Kubernetes pod writes.
fn with_sdk_resources(otlp: &str) -> String {
    let extra = [
        ("service.version", "1.4.2"),
        ("service.namespace", "shop"),
        ("telemetry.sdk.name", "opentelemetry"),
        ("telemetry.sdk.language", "java"),
        ("telemetry.sdk.version", "1.44.1"),
        ("k8s.namespace.name", "prod"),
        ("k8s.pod.name", "api-7d9f8c6b5-x2x7q"),
        ("k8s.deployment.name", "api"),
        ("container.id", "4f1c2b9e0d8a7c6b5a493827161504f3e2d1c0b9a8f7e6d5c4b3a29180706f5e"),
        ("host.id", "i-0abc123def4567890"),
    ];
    let attributes: Vec<String> = extra
        .iter()
        .map(|(key, value)| format!(r#"{{"key":"{key}","value":{{"stringValue":"{value}"}}}}"#))
        .collect();
    otlp.replace(
        r#"{"resource":{"attributes":[{"key":"service.name""#,
        &format!(r#"{{"resource":{{"attributes":[{},{{"key":"service.name""#, attributes.join(",")),
    )
    .replace(
        r#""scope":{"name":"reqflow","version":"0.1.0"}"#,
        r#""scope":{"name":"io.opentelemetry.okhttp-3.0","version":"2.10.0-alpha","attributes":[{"key":"library.kind","value":{"stringValue":"http"}}]}"#,
    )
}

fn time(name: &str, text: &str, runs: usize) {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            let imported = formats::import(text, name).expect("imports");
            let elapsed = start.elapsed();
            assert!(imported.spans.len() > 100_000);
            elapsed
        })
        .collect();
    times.sort();
    println!(
        "{name:<32} {:>6.1} MB  min {:>6.1} ms  median {:>6.1} ms",
        text.len() as f64 / 1e6,
        times[0].as_secs_f64() * 1e3,
        times[runs / 2].as_secs_f64() * 1e3
    );
}

#[test]
#[ignore = "a timing run: cargo test --release -p reqflow-tests --test import_speed -- --ignored"]
fn import_100k_spans() {
    let base = builtins::load("netflix-fanout").expect("built-in");
    let scenario = Knobs::parse("api.fanout=410", &base).expect("knobs").apply(&base);
    let trace = Simulation::new(&scenario).expect("compiles").simulate_one(1).expect("runs");
    let otlp = compact(&formats::export(&trace.spans, Format::Otlp));
    let sdk = with_sdk_resources(&otlp);
    assert!(sdk.len() > otlp.len(), "the resources were rewritten");
    let jaeger = compact(&formats::export(&trace.spans, Format::Jaeger));
    let runs = std::env::var("RUNS").ok().and_then(|runs| runs.parse().ok()).unwrap_or(15);
    time("otlp (as exported)", &otlp, runs);
    time("otlp (SDK resources and scope)", &sdk, runs);
    time("jaeger", &jaeger, runs);
}
