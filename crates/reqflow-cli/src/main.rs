//! `reqflow`: simulate distributed-tracing scenarios and print their traces.
//!
//! A thin shell: parse arguments, call `reqflow-core`, format the result.

mod diff;
mod interview;
mod lesson;
mod many;
mod otlp_http;
mod progress;
mod render;
mod traceparent;
mod view;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand, ValueEnum};
use reqflow_core::analysis::{TimeBasis, analyze, assemble, group_by_trace};
use reqflow_core::fingerprint::Fingerprinter;
use reqflow_core::knobs::Knobs;
use reqflow_core::runs::{LabPolicy, RunConfig};
use reqflow_core::scenario::Arrivals;
use reqflow_core::scenario_link::ScenarioLink;
use reqflow_core::share::ShareLink;
use reqflow_core::view::fragment_sentences;
use reqflow_core::waterfall::format_duration;
use reqflow_core::{RequestTrace, Scenario, Simulation, Span, builtins, whatif};
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
    /// Compare sampling policies on the same requests: what each keeps, costs and misses.
    Sample(SampleArgs),
    /// Open a Jaeger, OTLP or Zipkin JSON file: waterfall, warnings, critical path, bottleneck.
    View(view::ViewArgs),
    /// Explain a W3C traceparent header (and tracestate) field by field.
    Traceparent(traceparent::TraceparentArgs),
    /// List the built-in lessons.
    Lessons,
    /// Check a lesson file against its own solution, or print a lesson.
    Lesson(lesson::LessonArgs),
    /// "Diagnose this request": an incident from a seed; --answer grades your diagnosis.
    Interview(interview::InterviewArgs),
    /// Make a share link that carries a whole scenario (the page and `run --link` open it).
    Link(LinkArgs),
    /// Compare two runs (share links or trace files): spans matched by their place in the call
    /// tree, what changed, the critical path and the bottleneck.
    Diff(diff::DiffArgs),
}

#[derive(clap::Args)]
struct LinkArgs {
    /// Scenario file (TOML or JSON), or a built-in's name with --builtin.
    file: Option<PathBuf>,
    /// A built-in scenario, carried whole (to be edited by whoever opens it).
    #[arg(long, conflicts_with = "file")]
    builtin: Option<String>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Knobs the link applies, as in `run --knobs`.
    #[arg(long, default_value = "")]
    knobs: String,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Scenario file (TOML or JSON). Defaults to the built-in `try-it`.
    file: Option<PathBuf>,
    /// Use a built-in scenario (see `reqflow scenarios`).
    #[arg(long, conflicts_with = "file")]
    builtin: Option<String>,
    /// Run what a share link shows: the page's address (or its `#…` part), for a built-in
    /// (`#scenario=…&seed=…&knobs=…`) or a whole scenario carried in the link (`#s=…`).
    #[arg(long, value_name = "URL", conflicts_with_all = ["file", "builtin", "seed", "knobs"])]
    link: Option<String>,
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
    /// Poisson arrivals at this many requests per second of virtual time (instead of the
    /// scenario's `arrivals`).
    #[arg(long, value_name = "PER_SECOND")]
    rate: Option<f64>,
    /// Print only request K of the run (counted from 0): the trace it had among all
    /// `--requests`, simulated again without building the others' spans.
    #[arg(long, value_name = "K")]
    request_index: Option<u64>,
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
    /// Instead of printing traces: what if SERVICE's own work were PERCENT faster? The change
    /// the first request's critical path predicts, next to p50/p99 simulated over --requests
    /// requests (1000 when not given), e.g. `--what-if auth=50`.
    #[arg(long, value_name = "SERVICE=PERCENT", value_parser = parse_what_if)]
    what_if: Option<(String, u32)>,
    /// Send the spans to an OTLP/HTTP receiver instead of printing them, e.g.
    /// http://localhost:4318 (an OpenTelemetry collector, Jaeger or Grafana Tempo).
    #[arg(long, value_name = "URL")]
    otlp_endpoint: Option<String>,
}

#[derive(clap::Args)]
struct SampleArgs {
    /// Scenario file (TOML or JSON). Defaults to the built-in `try-it`.
    file: Option<PathBuf>,
    /// Use a built-in scenario (see `reqflow scenarios`).
    #[arg(long, conflicts_with = "file")]
    builtin: Option<String>,
    /// Seed for the simulation; chosen and printed when absent so the run can be reproduced.
    #[arg(long)]
    seed: Option<u64>,
    /// Change services before running (as `reqflow run --knobs`).
    #[arg(long)]
    knobs: Option<String>,
    /// Number of requests to simulate.
    #[arg(long, default_value_t = 10_000)]
    requests: u64,
    /// Poisson arrivals at this many requests per second of virtual time.
    #[arg(long, value_name = "PER_SECOND")]
    rate: Option<f64>,
    /// A policy, repeatable: JSON as the OpenTelemetry Collector's tail_sampling processor writes
    /// it (`{"type":"latency","threshold_ms":500}`; also `head` and `parent_based`) or a preset:
    /// head, parent-based, errors, slow, slow-errors, probabilistic, rate-limiting. Default:
    /// head, parent-based, errors, slow.
    #[arg(long = "policy", value_name = "POLICY")]
    policies: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SampleFormat::Text)]
    format: SampleFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SampleFormat {
    /// A table per policy.
    Text,
    /// The core's whole report (histogram, scatter, exemplars, policies) as JSON.
    Json,
}

/// The policies `reqflow sample` compares when none is given.
const DEFAULT_POLICIES: [&str; 4] = ["head", "parent-based", "errors", "slow"];

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    /// A terminal waterfall.
    Text,
    /// Reqflow's full-fidelity trace format (observed and true times).
    Json,
    /// Aggregates: latency histogram and percentiles, errors, throughput, critical path by
    /// service, the slowest and failed requests (spans are built only for a sample).
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
        Command::Sample(args) => sample(args),
        Command::View(args) => view::run(args),
        Command::Traceparent(args) => traceparent::run(args),
        Command::Lessons => lesson::list(),
        Command::Lesson(args) => lesson::run(args),
        Command::Interview(args) => interview::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Link(args) => {
            let scenario = load_scenario(args.file.as_ref(), args.builtin.as_deref())?;
            Knobs::parse(&args.knobs, &scenario)?;
            let link = ScenarioLink { scenario, seed: args.seed, knobs: args.knobs };
            println!("{}", link.to_hash().map_err(anyhow::Error::msg)?);
            Ok(())
        }
    }
}

fn load_scenario(file: Option<&PathBuf>, builtin: Option<&str>) -> anyhow::Result<Scenario> {
    if let Some(path) = file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        return Ok(Scenario::parse(&text, &path.display().to_string())?);
    }
    let name = builtin.unwrap_or(builtins::DEFAULT);
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

/// The scenario from a file or a built-in, with knobs and an arrival rate applied.
fn prepare_scenario(
    file: Option<&PathBuf>,
    builtin: Option<&str>,
    knobs: Option<&str>,
    rate: Option<f64>,
) -> anyhow::Result<Scenario> {
    let mut scenario = load_scenario(file, builtin)?;
    if let Some(text) = knobs {
        scenario = Knobs::parse(text, &scenario)?.apply(&scenario);
        scenario.validate("--knobs")?;
    }
    if let Some(rate) = rate {
        scenario.arrivals = Arrivals::poisson(rate);
        scenario.validate("--rate")?;
    }
    Ok(scenario)
}

/// The scenario (knobs and `--rate` applied) and seed a share link gives.
fn from_link(link: &str, rate: Option<f64>) -> anyhow::Result<(Scenario, u64)> {
    let hash = link.split_once('#').map_or(link, |(_, hash)| hash);
    let (base, seed, knobs) = match ScenarioLink::parse(hash).map_err(anyhow::Error::msg).context("--link")? {
        Some(link) => (link.scenario, link.seed, link.knobs),
        None => match ShareLink::parse(hash).map_err(anyhow::Error::msg).context("--link")? {
            Some(link) => (builtins::load(&link.scenario).context("a built-in")?, link.seed, link.knobs),
            None => bail!("--link: the link shows nothing (no `#scenario=…` or `#s=…` part)"),
        },
    };
    let mut scenario = Knobs::parse(&knobs, &base)?.apply(&base);
    scenario.validate("--link knobs")?;
    if let Some(rate) = rate {
        scenario.arrivals = Arrivals::poisson(rate);
        scenario.validate("--rate")?;
    }
    Ok((scenario, seed))
}

fn seed_or_fresh(seed: Option<u64>) -> u64 {
    match seed {
        Some(seed) => seed,
        None => {
            let seed = fresh_seed();
            eprintln!("reqflow: seed {seed} (pass --seed {seed} to reproduce this run)");
            seed
        }
    }
}

fn sample(args: SampleArgs) -> anyhow::Result<()> {
    let scenario =
        prepare_scenario(args.file.as_ref(), args.builtin.as_deref(), args.knobs.as_deref(), args.rate)?;
    let texts: Vec<&str> = if args.policies.is_empty() {
        DEFAULT_POLICIES.to_vec()
    } else {
        args.policies.iter().map(String::as_str).collect()
    };
    let policies = texts
        .iter()
        .map(|text| LabPolicy::parse(text, &scenario))
        .collect::<Result<Vec<_>, _>>()
        .context("--policy")?;
    let seed = seed_or_fresh(args.seed);
    let simulation = Simulation::new(&scenario)?;
    let config = RunConfig { seed, requests: args.requests, policies };
    let report = many::run_with_progress(&simulation, &scenario, &config)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        SampleFormat::Text => many::write_sampling(&mut out, &report)?,
        SampleFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
    }
    out.flush().context("writing the output")?;
    Ok(())
}

/// Hands `sink` every trace of the run, or only request `index`'s (simulated alone).
fn for_each_trace(
    simulation: &Simulation,
    seed: u64,
    requests: u64,
    index: Option<u64>,
    mut sink: impl FnMut(RequestTrace),
) -> anyhow::Result<()> {
    match index {
        Some(index) => sink(simulation.resimulate(seed, requests, index)?),
        None => {
            simulation.run(seed, requests, sink)?;
        }
    }
    Ok(())
}

fn run(args: RunArgs) -> anyhow::Result<()> {
    if args.compact
        && args.otlp_endpoint.is_none()
        && matches!(args.format, OutputFormat::Text | OutputFormat::Summary)
    {
        bail!("--compact applies to the JSON formats: add --format json, otlp, jaeger or zipkin");
    }
    let (scenario, seed) = match &args.link {
        Some(link) => from_link(link, args.rate)?,
        None => (
            prepare_scenario(args.file.as_ref(), args.builtin.as_deref(), args.knobs.as_deref(), args.rate)?,
            seed_or_fresh(args.seed),
        ),
    };
    let simulation = Simulation::new(&scenario)?;
    if args.request_index.is_some() && (args.format == OutputFormat::Summary || args.otlp_endpoint.is_some())
    {
        bail!(
            "--request-index prints one request's trace: use it with --format text, json, otlp, jaeger or zipkin"
        );
    }
    let index = args.request_index;
    if let Some((service, percent)) = &args.what_if {
        return print_what_if(&scenario, &simulation, service, *percent, seed, args.requests);
    }
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
            for_each_trace(&simulation, seed, args.requests, index, |trace| {
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
            let config = RunConfig { seed, requests: args.requests, policies: Vec::new() };
            let report = many::run_with_progress(&simulation, &scenario, &config)?;
            many::write_summary(&mut out, &report)?;
        }
        OutputFormat::Json => {
            let mut first = true;
            let (open, separator, close): (&[u8], &[u8], &[u8]) =
                if args.compact { (b"[", b",", b"]\n") } else { (b"[\n", b",\n", b"\n]\n") };
            out.write_all(open)?;
            for_each_trace(&simulation, seed, args.requests, index, |trace| {
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
            let width = render::width(args.width);
            writeln!(out, "scenario {}  seed {seed}\n{}", scenario.name, scenario.lesson)?;
            let mut fingerprinter = Fingerprinter::default();
            for_each_trace(&simulation, seed, args.requests, index, |trace| {
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

/// `SERVICE=PERCENT`, the percent within [`whatif::FASTER_PERCENT`].
fn parse_what_if(text: &str) -> Result<(String, u32), String> {
    let (service, percent) =
        text.split_once('=').ok_or_else(|| format!("`{text}`: write SERVICE=PERCENT, e.g. auth=50"))?;
    let percent: u32 = percent
        .trim()
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{percent}` is not a whole percent"))?;
    if !whatif::FASTER_PERCENT.contains(&percent) {
        return Err(format!("{percent}%: a speed-up is 1 to 90 percent"));
    }
    Ok((service.trim().to_owned(), percent))
}

fn print_what_if(
    scenario: &Scenario,
    simulation: &Simulation,
    service: &str,
    percent: u32,
    seed: u64,
    requests: u64,
) -> anyhow::Result<()> {
    if scenario.service(service).is_none() {
        let known: Vec<&str> = scenario.services.iter().map(|service| service.name.as_str()).collect();
        bail!("--what-if: no service {service:?} in {} (its services: {})", scenario.name, known.join(", "));
    }
    let requests = if requests == 1 { 1000 } else { requests };
    let trace = simulation.simulate_one(seed)?;
    let analysis = analyze(&trace.spans, TimeBasis::Adjusted);
    let result = whatif::what_if(scenario, &trace.spans, &analysis, service, percent, seed, requests)?;
    println!("scenario {}  seed {seed}: what if {service} were {percent}% faster?", scenario.name);
    for sentence in &result.sentences {
        println!("{sentence}");
    }
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
