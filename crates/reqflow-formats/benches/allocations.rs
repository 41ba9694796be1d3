//! Bytes and allocations per simulated span, and per span imported from OTLP/JSON, Jaeger JSON
//! and Zipkin v2 JSON.
//! Run: `cargo bench -p reqflow-formats --bench allocations`.

use reqflow_core::knobs::Knobs;
use reqflow_core::{Simulation, builtins};
use reqflow_formats::{self as formats, Format};

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
    // Importing 100,000 spans (netflix-fanout with a wide API fan-out, written compact).
    let base = builtins::load("netflix-fanout").expect("built-in");
    let scenario = Knobs::parse("api.fanout=410", &base).expect("knobs").apply(&base);
    let trace = Simulation::new(&scenario).expect("compiles").simulate_one(1).expect("runs");
    let pretty = formats::export(&trace.spans, Format::Otlp);
    let otlp = serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&pretty).expect("json"))
        .expect("serializes");
    // Jaeger and Zipkin as Reqflow exports them (pretty-printed, like the Jaeger UI's download).
    let jaeger = formats::export(&trace.spans, Format::Jaeger);
    let zipkin = formats::export(&trace.spans, Format::Zipkin);
    drop((pretty, trace));
    for (name, text) in [("OTLP/JSON", &otlp), ("Jaeger JSON", &jaeger), ("Zipkin v2 JSON", &zipkin)] {
        // One profiler per import, so that each peak is its own (the file's text not counted).
        let _profiler = dhat::Profiler::builder().testing().build();
        let before = dhat::HeapStats::get();
        let imported = formats::import(text, "big.json").expect("imports");
        let after = dhat::HeapStats::get();
        let spans = imported.spans.len() as f64;
        println!(
            "{name:<15} import {:>7.1} bytes/span, {:>5.2} allocations/span, peak {:.1} MiB ({} spans, {:.1} MB of JSON)",
            (after.total_bytes - before.total_bytes) as f64 / spans,
            (after.total_blocks - before.total_blocks) as f64 / spans,
            (after.max_bytes - before.curr_bytes) as f64 / (1024.0 * 1024.0),
            imported.spans.len(),
            text.len() as f64 / 1e6,
        );
        drop(imported);
    }
    // As the page's worker reads a file: as it arrives (64 KiB chunks), then encoded for the
    // page. Compact Jaeger and Zipkin as the page benchmark imports them (Jaeger UI's download,
    // Zipkin's API), and Reqflow's pretty OTLP export. Peak: the most held at once, the file's
    // text not counted (the worker never holds it whole).
    let compact = |pretty: &str| {
        serde_json::to_string(&serde_json::from_str::<serde_json::Value>(pretty).expect("json"))
            .expect("serializes")
    };
    let pretty_otlp = formats::export(&trace_for_stream().spans, Format::Otlp);
    let (jaeger, zipkin) = (compact(&jaeger), compact(&zipkin));
    for (name, text) in [
        ("OTLP/JSON", &otlp),
        ("OTLP pretty", &pretty_otlp),
        ("Jaeger compact", &jaeger),
        ("Zipkin compact", &zipkin),
    ] {
        let _profiler = dhat::Profiler::builder().testing().build();
        let before = dhat::HeapStats::get();
        let mut stream = formats::ImportStream::new("big.json", text.len());
        for chunk in text.as_bytes().chunks(64 * 1024) {
            stream.push(chunk);
        }
        let imported = stream.finish().expect("streamed").expect("imports");
        let encoded = reqflow_formats::wire::encode_import(&imported);
        let after = dhat::HeapStats::get();
        println!(
            "{name:<15} streamed + encoded: peak {:.1} MiB, at the end {:.1} MiB ({:.1} MiB of wire bytes, {} spans)",
            (after.max_bytes - before.curr_bytes) as f64 / (1024.0 * 1024.0),
            (after.curr_bytes - before.curr_bytes) as f64 / (1024.0 * 1024.0),
            encoded.len() as f64 / (1024.0 * 1024.0),
            imported.spans.len(),
        );
        drop((imported, encoded));
    }
}

/// The 100,000-span trace the imports read.
fn trace_for_stream() -> reqflow_core::RequestTrace {
    let base = builtins::load("netflix-fanout").expect("built-in");
    let scenario = Knobs::parse("api.fanout=410", &base).expect("knobs").apply(&base);
    Simulation::new(&scenario).expect("compiles").simulate_one(1).expect("runs")
}
