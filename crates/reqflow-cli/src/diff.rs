//! `reqflow diff A B`: what changed from run A to run B — spans aligned by their place in the
//! call tree, their changes, spans added and removed, the end-to-end time, the critical path and
//! the bottleneck — as text or JSON. A and B are share links (the page's address, or just its
//! `#scenario=…&seed=…&knobs=…` part) or trace files (Jaeger, OTLP, Zipkin).

use std::io::Write;

use anyhow::{Context, bail};
use reqflow_core::analysis::{SkewLimit, TimeBasis, TraceAnalysis, analyze, analyze_with};
use reqflow_core::diff::{Side, TraceDiff, diff, short, signed_duration};
use reqflow_core::knobs::Knobs;
use reqflow_core::share::ShareLink;
use reqflow_core::{Simulation, Span, builtins};
use reqflow_formats as formats;

#[derive(clap::Args)]
pub struct DiffArgs {
    /// Run A: a share link (`#scenario=try-it&seed=1&knobs=…`, or the page's whole address) or
    /// a trace file.
    a: String,
    /// Run B, the same way.
    b: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    format: DiffFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum DiffFormat {
    /// Sentences and a table of the changed spans.
    Text,
    /// The whole comparison as JSON.
    Json,
}

/// One run's spans, analysis and end-to-end time.
struct Run {
    spans: Vec<Span>,
    analysis: TraceAnalysis,
    end_to_end_ns: i64,
}

impl Run {
    fn side(&self) -> Side<'_> {
        Side { spans: &self.spans, analysis: &self.analysis, end_to_end_ns: self.end_to_end_ns }
    }
}

pub fn run(args: DiffArgs) -> anyhow::Result<()> {
    let a = load(&args.a).with_context(|| format!("run A ({})", args.a))?;
    let b = load(&args.b).with_context(|| format!("run B ({})", args.b))?;
    let result = diff(a.side(), b.side());
    let mut out = std::io::stdout().lock();
    match args.format {
        DiffFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &result)?;
            writeln!(out)?;
        }
        DiffFormat::Text => write_text(&mut out, &result)?,
    }
    Ok(())
}

fn write_text(out: &mut dyn Write, result: &TraceDiff) -> anyhow::Result<()> {
    for line in result.summary() {
        writeln!(out, "{line}")?;
    }
    let changed = result.changed();
    if !changed.is_empty() {
        writeln!(out, "\nchanged spans (B against A):")?;
        writeln!(out, "  {:>10} {:>10}  span", "duration", "start")?;
        for change in changed {
            let status = match change.status {
                Some((from, to)) => format!("  status {from:?} → {to:?}"),
                None => String::new(),
            };
            writeln!(
                out,
                "  {:>10} {:>10}  {}{status}",
                signed_duration(change.duration_delta_ns),
                signed_duration(change.start_delta_ns),
                change.name
            )?;
        }
    }
    for (title, spans) in [("added in B", &result.added), ("removed from A", &result.removed)] {
        if !spans.is_empty() {
            writeln!(out, "\n{title}:")?;
            for (_, path) in spans {
                writeln!(out, "  {}", short(path))?;
            }
        }
    }
    Ok(())
}

/// A share link is simulated; anything else is read as a trace file.
fn load(what: &str) -> anyhow::Result<Run> {
    let hash = what.split_once('#').map(|(_, hash)| hash);
    match hash {
        Some(hash) => simulate(hash),
        None if what.starts_with("scenario=") => simulate(what),
        None => import(what),
    }
}

fn simulate(hash: &str) -> anyhow::Result<Run> {
    let Some(link) = ShareLink::parse(hash).map_err(anyhow::Error::msg)? else {
        bail!("the link is empty");
    };
    let base = builtins::load(&link.scenario).context("a built-in")?;
    let scenario = Knobs::parse(&link.knobs, &base)?.apply(&base);
    scenario.validate("knobs")?;
    let trace = Simulation::new(&scenario)?.simulate_one(link.seed)?;
    let analysis = analyze(&trace.spans, TimeBasis::Adjusted);
    Ok(Run { end_to_end_ns: trace.end_ns - trace.start_ns, spans: trace.spans, analysis })
}

fn import(path: &str) -> anyhow::Result<Run> {
    let size = std::fs::metadata(path).with_context(|| format!("cannot read {path}"))?.len();
    formats::limits::check_file_size(path, size)?;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
    let imported = formats::import_bytes(bytes, path)?;
    let analysis =
        analyze_with(&imported.spans, Some(&imported.parents), TimeBasis::Adjusted, SkewLimit::NONE);
    let start = analysis.times.iter().map(|time| time.start_ns).min().unwrap_or(0);
    let end = analysis.times.iter().map(|time| time.end_ns).max().unwrap_or(start);
    Ok(Run { spans: imported.spans, analysis, end_to_end_ns: end - start })
}
