//! Runs of many requests (`reqflow_core::runs`). Run: `cargo bench -p reqflow-core --bench runs`.
//! Figures and the machine they were measured on are in BENCHMARKS.md.
//!
//! * `try-it/1M/summary` — 1,000,000 try-it requests (7 M spans) aggregated: histogram,
//!   percentiles, errors, throughput, critical path (a 10,000-request sample), exemplars,
//!   scatter; what `reqflow run --requests 1000000 --format summary` does. Throughput in spans.
//! * `try-it/1M/three-policies` — the same run judged by head sampling (10%), `status_code`
//!   ERROR and `latency` ≥ 500 ms on every request (target: ≤ 1.0 s on one core).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use reqflow_core::runs::{LabPolicy, RunConfig, run};
use reqflow_core::{Simulation, builtins};

const REQUESTS: u64 = 1_000_000;

fn bench_runs(c: &mut Criterion) {
    let scenario = builtins::load("try-it").expect("built-in");
    let simulation = Simulation::new(&scenario).expect("compiles");
    let spans = simulation.simulate_one(1).expect("runs").spans.len() as u64 * REQUESTS;
    let policies: Vec<LabPolicy> = ["head", "errors", "slow"]
        .iter()
        .map(|name| LabPolicy::preset(name, &scenario).expect("preset"))
        .collect();
    let mut group = c.benchmark_group("runs");
    group.throughput(Throughput::Elements(spans));
    let summary = RunConfig { seed: 7, requests: REQUESTS, policies: Vec::new() };
    group.bench_function("try-it/1M/summary", |b| {
        b.iter(|| run(&simulation, &scenario, &summary).expect("runs"))
    });
    let judged = RunConfig { seed: 7, requests: REQUESTS, policies };
    group.bench_function("try-it/1M/three-policies", |b| {
        b.iter(|| run(&simulation, &scenario, &judged).expect("runs"))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(std::time::Duration::from_secs(15));
    targets = bench_runs
}
criterion_main!(benches);
