//! What the page computes for one 100,000-span trace, phase by phase, natively: the simulation,
//! the analysis steps, the fingerprint, and an OTLP/JSON import of the same spans.
//! Run: `cargo bench -p reqflow-core --bench page`. Figures are in BENCHMARKS.md; the browser
//! figures (wasm32, end to end) come from `tests/e2e/bench-big-trace.mjs`.

use criterion::{Criterion, criterion_group, criterion_main};
use reqflow_core::analysis::{
    SkewLimit, TimeBasis, adjust_clock_skew, analyze, assemble, critical_path, group_by_trace, self_times,
};
use reqflow_core::fingerprint::fingerprint;
use reqflow_core::formats::{self, Format};
use reqflow_core::knobs::Knobs;
use reqflow_core::{Simulation, builtins};

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
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(3));
    targets = bench_page
}
criterion_main!(benches);
