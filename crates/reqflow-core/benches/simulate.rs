//! Spans simulated per second. Run: `cargo bench -p reqflow-core --bench simulate`.
//! Figures and the machine they were measured on are in BENCHMARKS.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use reqflow_core::{Simulation, builtins};

fn spans_per_request(simulation: &Simulation) -> u64 {
    simulation.simulate_one(1).expect("runs").spans.len() as u64
}

fn bench_simulation(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate");
    for (name, requests) in [("try-it", 10_000u64), ("netflix-fanout", 200)] {
        let simulation = Simulation::new(&builtins::load(name).expect("built-in")).expect("compiles");
        group.throughput(Throughput::Elements(spans_per_request(&simulation) * requests));
        group.bench_function(format!("{name}/full-spans"), |b| {
            b.iter(|| simulation.run(7, requests, |trace| drop(std::hint::black_box(trace))).expect("runs"))
        });
        group.bench_function(format!("{name}/aggregates"), |b| {
            b.iter(|| simulation.run_aggregates(7, requests).expect("runs"))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(4));
    targets = bench_simulation
}
criterion_main!(benches);
