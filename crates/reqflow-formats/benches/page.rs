//! What the page computes for one 100,000-span trace, phase by phase, natively: the simulation,
//! the analysis steps, the fingerprint, and imports of the same spans (OTLP/JSON, Jaeger JSON and
//! Zipkin v2 JSON).
//! Run: `cargo bench -p reqflow-formats --bench page`. Figures are in BENCHMARKS.md; the browser
//! figures (wasm32, end to end) come from `tests/e2e/bench-big-trace.mjs`.

use criterion::{Criterion, criterion_group, criterion_main};
use reqflow_core::analysis::{
    SkewLimit, TimeBasis, adjust_clock_skew, analyze, assemble, critical_path, group_by_trace, self_times,
};
use reqflow_core::fingerprint::fingerprint;
use reqflow_core::knobs::Knobs;
use reqflow_core::{Simulation, builtins};
use reqflow_formats::{self as formats, Format};

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

fn bench_page(c: &mut Criterion) {
    let base = builtins::load("netflix-fanout").expect("built-in");
    let scenario = Knobs::parse("api.fanout=410", &base).expect("knobs").apply(&base);
    let simulation = Simulation::new(&scenario).expect("compiles");
    let trace = simulation.simulate_one(1).expect("runs");
    let spans = &trace.spans;
    assert!(spans.len() > 100_000, "{} spans", spans.len());
    // Compact, like a file from a collector (the export is pretty-printed).
    let pretty = formats::export(spans, Format::Otlp);
    let otlp = serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&pretty).expect("json"))
        .expect("serializes");

    let mut group = c.benchmark_group("page-100k");
    group.bench_function("simulate", |b| b.iter(|| simulation.simulate_one(1).expect("runs")));
    group.bench_function("analyze", |b| b.iter(|| analyze(spans, TimeBasis::Adjusted)));
    group.bench_function("analyze/assemble", |b| b.iter(|| assemble(spans)));
    let tree = assemble(spans);
    group.bench_function("analyze/skew", |b| b.iter(|| adjust_clock_skew(spans, &tree, SkewLimit::NONE)));
    let times = adjust_clock_skew(spans, &tree, SkewLimit::NONE).adjusted_times();
    group.bench_function("analyze/self-times", |b| b.iter(|| self_times(&tree, &times)));
    group.bench_function("analyze/critical-path", |b| b.iter(|| critical_path(spans, &tree, &times)));
    group.bench_function("group-by-trace", |b| b.iter(|| group_by_trace(spans)));
    group.bench_function("fingerprint", |b| b.iter(|| fingerprint(std::slice::from_ref(&trace))));
    group.bench_function("json-skim", |b| {
        b.iter(|| serde_json::from_str::<serde::de::IgnoredAny>(&otlp).expect("json"))
    });
    group.bench_function("import-otlp", |b| b.iter(|| formats::import(&otlp, "big.json").expect("imports")));
    // Reqflow's own export, pretty-printed (what `reqflow run --format otlp` writes).
    group.bench_function("import-otlp-pretty", |b| {
        b.iter(|| formats::import(&pretty, "big.json").expect("imports"))
    });
    // What a real SDK writes: ten resource attributes and a scope with attributes per resource.
    let sdk = with_sdk_resources(&otlp);
    assert!(sdk.len() > otlp.len(), "the resources were added");
    group.bench_function("import-otlp-sdk-resources", |b| {
        b.iter(|| formats::import(&sdk, "sdk.json").expect("imports"))
    });
    // Jaeger and Zipkin as Reqflow exports them (pretty-printed), and compact, as Jaeger UI's
    // "Download JSON" and Zipkin's API write them.
    let compact = |pretty: &str| {
        serde_json::to_string(&serde_json::from_str::<serde_json::Value>(pretty).expect("json"))
            .expect("serializes")
    };
    let jaeger = formats::export(spans, Format::Jaeger);
    group.bench_function("import-jaeger", |b| {
        b.iter(|| formats::import(&jaeger, "big.json").expect("imports"))
    });
    let jaeger = compact(&jaeger);
    group.bench_function("import-jaeger-compact", |b| {
        b.iter(|| formats::import(&jaeger, "big.json").expect("imports"))
    });
    let zipkin = formats::export(spans, Format::Zipkin);
    group.bench_function("import-zipkin", |b| {
        b.iter(|| formats::import(&zipkin, "big.json").expect("imports"))
    });
    let zipkin = compact(&zipkin);
    group.bench_function("import-zipkin-compact", |b| {
        b.iter(|| formats::import(&zipkin, "big.json").expect("imports"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(3));
    targets = bench_page
}
criterion_main!(benches);
