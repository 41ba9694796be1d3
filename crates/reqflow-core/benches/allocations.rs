//! Bytes and allocations per simulated span. Run: `cargo bench -p reqflow-core --bench allocations`.

use reqflow_core::{Simulation, builtins};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn main() {
    for (name, requests) in [("try-it", 100_000u64), ("netflix-fanout", 500)] {
        let simulation = Simulation::new(&builtins::load(name).expect("built-in")).expect("compiles");
        let _profiler = dhat::Profiler::builder().testing().build();
        let before = dhat::HeapStats::get();
        let summary = simulation.run(7, requests, |trace| drop(std::hint::black_box(trace))).expect("runs");
        let after = dhat::HeapStats::get();
        let spans = summary.spans.max(1) as f64;
        println!(
            "{name:<16} full spans: {:>7.1} bytes/span, {:>5.2} allocations/span, peak {:.1} MiB ({} spans)",
            (after.total_bytes - before.total_bytes) as f64 / spans,
            (after.total_blocks - before.total_blocks) as f64 / spans,
            after.max_bytes as f64 / (1024.0 * 1024.0),
            summary.spans
        );
        let before = dhat::HeapStats::get();
        let aggregates = simulation.run_aggregates(7, requests).expect("runs");
        let after = dhat::HeapStats::get();
        println!(
            "{name:<16} aggregates: {:>7.1} bytes/span, {:>5.2} allocations/span ({} spans)",
            (after.total_bytes - before.total_bytes) as f64 / aggregates.spans.max(1) as f64,
            (after.total_blocks - before.total_blocks) as f64 / aggregates.spans.max(1) as f64,
            aggregates.spans
        );
    }
}
