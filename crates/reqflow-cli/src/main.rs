//! `reqflow`: simulate distributed-tracing scenarios and print their traces.
//!
//! A thin shell: parse arguments, call `reqflow-core`, format the result.

mod otlp_http;
mod progress;
mod render;
mod traceparent;
mod view;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use reqflow_core::analysis::{assemble, group_by_trace};
use reqflow_core::fingerprint::Fingerprinter;
use reqflow_core::knobs::Knobs;
use reqflow_core::view::fragment_sentences;
use reqflow_core::waterfall::format_duration;
use reqflow_core::{RequestTrace, Scenario, Simulation, Span, builtins};
use reqflow_formats::{ExportWriter, Format, Layout};

/// Spans written per batch by `--format otlp|jaeger|zipkin`: whole requests are gathered until
/// there are at least this many, then written and dropped.
const EXPORT_BATCH_SPANS: usize = 2048;

#[derive(Parser)]
#[command(
    name = "reqflow",
    version,
    about = "Deterministic distributed-tracing simulator",
    long_about = "Simulate a request travelling through services, with injected latency, failures, clock skew \
                  and lost trace context, and print the trace it leaves behind. The same scenario and seed \
                  always give the same trace."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the built-in scenarios and the lesson each one teaches.
    Scenarios,
    /// Simulate a scenario and print its traces.
    Run(RunArgs),
    /// Open a Jaeger, OTLP or Zipkin JSON file: waterfall, warnings, critical path, bottleneck.
    View(view::ViewArgs),
    /// Explain a W3C traceparent header (and tracestate) field by field.
    Traceparent(traceparent::TraceparentArgs),
}

#[derive(clap::Args)]
struct RunArgs {
    /// Scenario file (TOML or JSON). Defaults to the built-in `try-it`.
    file: Option<PathBuf>,
    /// Use a built-in scenario (see `reqflow scenarios`).
    #[arg(long, conflicts_with = "file")]
    builtin: Option<String>,
    /// Seed for the simulation; chosen and printed when absent so the run can be reproduced.
    #[arg(long)]
    seed: Option<u64>,
    /// Change services before running, e.g. `database.latency=lognormal:300,auth.skew=-40`
    /// (knobs: latency, errors, skew, instrumented, propagates; the page's share links use the same).
    #[arg(long)]
    knobs: Option<String>,
    /// Number of requests to simulate.
    #[arg(long, default_value_t = 1)]
    requests: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Write the JSON formats (json, otlp, jaeger, zipkin) without whitespace.
    #[arg(long)]
    compact: bool,
    /// Write the output to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Width of the text waterfall (default: the terminal's `COLUMNS`, or 100).
    #[arg(long)]
    width: Option<u16>,
    /// Send the spans to an OTLP/HTTP receiver instead of printing them, e.g.
    /// http://localhost:4318 (an OpenTelemetry collector, Jaeger or Grafana Tempo).
    #[arg(long, value_name = "URL")]
    otlp_endpoint: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// A terminal waterfall.
    Text,
    /// Reqflow's full-fidelity trace format (observed and true times).
    Json,
    /// Aggregates only (requests, failures, latency percentiles): no spans are built.
    Summary,
    /// OTLP/JSON (an ExportTraceServiceRequest), for OpenTelemetry collectors and Grafana Tempo.
    Otlp,
    /// Jaeger JSON as Jaeger UI's "Download JSON" writes it (load it with "JSON File").
    Jaeger,
    /// Zipkin v2 JSON (a span array), for Zipkin's UI and API.
    Zipkin,
}

fn main() {
    if let Err(error) = run_cli(Cli::parse()) {
        eprintln!("reqflow: error: {error:#}");
        std::process::exit(1);
    }
}

fn run_cli(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Scenarios => {
            let mut out = std::io::stdout().lock();
            for name in builtins::names() {
                let scenario = builtins::load(name).context("loading a built-in")?;
                writeln!(out, "{name:<20} {}", scenario.lesson)?;
            }
            Ok(())
        }
        Command::Run(args) => run(args),
        Command::View(args) => view::run(args),
        Command::Traceparent(args) => traceparent::run(args),
    }
}

fn load_scenario(args: &RunArgs) -> anyhow::Result<Scenario> {
    if let Some(path) = &args.file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        return Ok(Scenario::parse(&text, &path.display().to_string())?);
    }
    let name = args.builtin.as_deref().unwrap_or(builtins::DEFAULT);
    match builtins::load(name) {
        Some(scenario) => Ok(scenario),
        None => {
            let known: Vec<&str> = builtins::names().collect();
            bail!("no built-in scenario named {name:?} (known: {})", known.join(", "))
        }
    }
}

/// A seed for runs that did not ask for one: varies from run to run, printed for reproduction.
fn fresh_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() as u64);
    (nanos ^ u64::from(std::process::id()).rotate_left(32)) % 1_000_000_000
}

fn run(args: RunArgs) -> anyhow::Result<()> {
    if args.compact
        && args.otlp_endpoint.is_none()
        && matches!(args.format, OutputFormat::Text | OutputFormat::Summary)
    {
        bail!("--compact applies to the JSON formats: add --format json, otlp, jaeger or zipkin");
    }
    let mut scenario = load_scenario(&args)?;
    if let Some(text) = &args.knobs {
        scenario = Knobs::parse(text, &scenario)?.apply(&scenario);
        scenario.validate("--knobs")?;
    }
    let seed = match args.seed {
        Some(seed) => seed,
        None => {
            let seed = fresh_seed();
            eprintln!("reqflow: seed {seed} (pass --seed {seed} to reproduce this run)");
            seed
        }
    };
    let simulation = Simulation::new(&scenario)?;
    if let Some(url) = &args.otlp_endpoint {
        // Batches leave as requests finish; the first failure stops the sending (the
        // simulation still runs to its end, building nothing more).
        let mut exporter = otlp_http::Exporter::new(url, otlp_http::Backoff::DEFAULT, |note| {
            eprintln!("reqflow: {note}");
        })?;
        let mut progress = progress::Progress::new(args.requests, true);
        let mut push_error = None;
        simulation.run(seed, args.requests, |trace| {
            progress.tick();
            if push_error.is_none() {
                push_error = exporter.push(trace.spans).err();
            }
        })?;
        progress.finish();
        if let Some(error) = push_error {
            return Err(error);
        }
        let report = exporter.finish()?;
        println!(
            "sent {} spans in {} batch(es) to {url}{}",
            report.spans,
            report.batches,
            if report.retries > 0 { format!(" ({} retries)", report.retries) } else { String::new() }
        );
        return Ok(());
    }
    let mut out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    // Traces are written as each request finishes and then dropped: memory stays flat however
    // many requests run. The first write error stops the output.
    let mut write_error: Option<std::io::Error> = None;
    // A progress line for long runs written to a file or a pipe while stderr is a terminal.
    let show_progress = args.out.is_some() || !std::io::stdout().is_terminal();
    let mut progress = progress::Progress::new(args.requests, show_progress);
    match args.format {
        OutputFormat::Otlp | OutputFormat::Jaeger | OutputFormat::Zipkin => {
            let format = match args.format {
                OutputFormat::Otlp => Format::Otlp,
                OutputFormat::Jaeger => Format::Jaeger,
                _ => Format::Zipkin,
            };
            // One document, written a batch of whole requests at a time (a single request is
            // exactly `formats::export` of its spans); each batch's text is written out and
            // dropped.
            let layout = if args.compact { Layout::Compact } else { Layout::Pretty };
            let mut text = String::new();
            let mut writer = ExportWriter::with_layout(format, layout, &mut text);
            let mut batch: Vec<Span> = Vec::new();
            simulation.run(seed, args.requests, |trace| {
                progress.tick();
                if write_error.is_none() {
                    batch.extend(trace.spans);
                    if batch.len() >= EXPORT_BATCH_SPANS {
                        writer.batch(&batch, &mut text);
                        write_error = out.write_all(text.as_bytes()).err();
                        text.clear();
                        batch.clear();
                    }
                }
            })?;
            progress.finish();
            if write_error.is_none() {
                writer.batch(&batch, &mut text);
                writer.finish(&mut text);
                text.push('\n');
                out.write_all(text.as_bytes())?;
            }
        }
        OutputFormat::Summary => {
            let summary = simulation.run_aggregates(seed, args.requests)?;
            write_summary(&mut out, &scenario, seed, &summary)?;
        }
        OutputFormat::Json => {
            let mut first = true;
            let (open, separator, close): (&[u8], &[u8], &[u8]) =
                if args.compact { (b"[", b",", b"]\n") } else { (b"[\n", b",\n", b"\n]\n") };
            out.write_all(open)?;
            simulation.run(seed, args.requests, |trace| {
                progress.tick();
                if write_error.is_none() {
                    let separator = if first { &b""[..] } else { separator };
                    first = false;
                    let result = out.write_all(separator).and_then(|()| {
                        let written = if args.compact {
                            serde_json::to_writer(&mut out, &trace)
                        } else {
                            serde_json::to_writer_pretty(&mut out, &trace)
                        };
                        written.map_err(std::io::Error::other)
                    });
                    write_error = result.err();
                }
            })?;
            progress.finish();
            out.write_all(close)?;
        }
        OutputFormat::Text => {
            let width = args
                .width
                .map(usize::from)
                .or_else(|| std::env::var("COLUMNS").ok().and_then(|columns| columns.parse().ok()))
                .unwrap_or(100)
                .max(60);
            writeln!(out, "scenario {}  seed {seed}\n{}", scenario.name, scenario.lesson)?;
            let mut fingerprinter = Fingerprinter::default();
            simulation.run(seed, args.requests, |trace| {
                progress.tick();
                fingerprinter.add(&trace);
                if write_error.is_none() {
                    write_error = write!(out, "\n{}", render_text(&trace, &scenario, width)).err();
                }
            })?;
            progress.finish();
            writeln!(
                out,
                "\nfingerprint {}  (same scenario + seed = same fingerprint, here and in the page)",
                fingerprinter.finish()
            )?;
        }
    }
    if let Some(error) = write_error {
        return Err(error).context("writing the output");
    }
    out.flush().context("writing the output")?;
    Ok(())
}

fn write_summary(
    out: &mut dyn Write,
    scenario: &Scenario,
    seed: u64,
    summary: &reqflow_core::sim::RunSummary,
) -> anyhow::Result<()> {
    let latency = &summary.latency;
    writeln!(out, "scenario {}  seed {seed}", scenario.name)?;
    writeln!(out, "requests  {}", summary.requests)?;
    writeln!(
        out,
        "failed    {} ({:.2}%)",
        summary.failed_requests,
        100.0 * summary.failed_requests as f64 / summary.requests.max(1) as f64
    )?;
    writeln!(out, "spans     {}", summary.spans)?;
    writeln!(
        out,
        "latency   p50 {}  p90 {}  p99 {}  p99.9 {}  max {}",
        format_duration(latency.quantile_ns(0.5)),
        format_duration(latency.quantile_ns(0.9)),
        format_duration(latency.quantile_ns(0.99)),
        format_duration(latency.quantile_ns(0.999)),
        format_duration(latency.max_ns())
    )?;
    Ok(())
}

/// The terminal waterfall of one simulated request (in the tree order the page shows), then a
/// sentence for each part of it that lost the trace context, as the page says it.
fn render_text(trace: &RequestTrace, scenario: &Scenario, width: usize) -> String {
    let status = if trace.failed { "FAILED" } else { "ok" };
    let sampled = if trace.sampled { "" } else { "  (not sampled: no spans recorded)" };
    let mut text = format!(
        "request {}  {}  {}{sampled}\n",
        trace.request,
        format_duration(trace.end_ns - trace.start_ns),
        status
    );
    let tree = assemble(&trace.spans);
    let rows: Vec<(u32, u32)> = tree.preorder().iter().map(|&span| (span, tree.depth(span))).collect();
    let times: Vec<(i64, i64)> = trace.spans.iter().map(|span| (span.start_ns, span.end_ns)).collect();
    text.push_str(&render::waterfall(&trace.spans, &rows, &times, width, |_| ""));
    for sentence in fragment_sentences(&trace.spans, &group_by_trace(&trace.spans), Some(scenario)) {
        text.push_str(&format!("broken trace: {sentence}\n"));
    }
    text
}
