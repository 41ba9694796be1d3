//! The exports of one 100,000-span trace, natively: each format pretty-printed (what the page's
//! download and `reqflow run --format …` write) and compact, and the same document written through
//! `ExportWriter` in batches of 2,048 spans into one reused `String` (what the CLI does).
//! Run: `cargo bench -p reqflow-formats --bench export`. Figures are in BENCHMARKS.md.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use reqflow_core::knobs::Knobs;
use reqflow_core::{Simulation, builtins};
use reqflow_formats::{self as formats, ExportWriter, Format, Layout};

fn bench_export(c: &mut Criterion) {
    let base = builtins::load("netflix-fanout").expect("built-in");
    let scenario = Knobs::parse("api.fanout=410", &base).expect("knobs").apply(&base);
    let simulation = Simulation::new(&scenario).expect("compiles");
    let trace = simulation.simulate_one(1).expect("runs");
    let spans = &trace.spans;
    assert!(spans.len() > 100_000, "{} spans", spans.len());

    let mut group = c.benchmark_group("export-100k");
    group.sample_size(10);
    for format in Format::ALL {
        for layout in [Layout::Pretty, Layout::Compact] {
            let n_bytes = formats::export_with_layout(spans, format, layout).len();
            group.throughput(Throughput::Bytes(n_bytes as u64));
            let name = format!("{format}-{}", if layout == Layout::Pretty { "pretty" } else { "compact" });
            group.bench_function(&name, |b| b.iter(|| formats::export_with_layout(spans, format, layout)));
        }
        // The CLI's way: batches of whole requests written into one `String`, emptied after each.
        let n_bytes = formats::export(spans, format).len();
        group.throughput(Throughput::Bytes(n_bytes as u64));
        group.bench_function(format!("{format}-pretty-batches"), |b| {
            b.iter(|| {
                let mut text = String::new();
                let mut n_written = 0;
                let mut writer = ExportWriter::new(format, &mut text);
                for batch in spans.chunks(2048) {
                    writer.batch(batch, &mut text);
                    n_written += text.len();
                    text.clear();
                }
                writer.finish(&mut text);
                n_written + text.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_export);
criterion_main!(benches);
