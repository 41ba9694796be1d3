//! `reqflow view FILE`: open a trace exported by Jaeger, an OpenTelemetry collector or Zipkin.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use reqflow_core::analysis::{ShiftKind, SkewLimit, TimeBasis, analyze_with, group_by_trace};
use reqflow_core::view::fragment_sentences;
use reqflow_core::waterfall::format_duration;
use reqflow_formats as formats;

#[derive(clap::Args)]
pub struct ViewArgs {
    /// A Jaeger, OTLP/JSON or Zipkin v2 JSON file (the format is detected).
    file: PathBuf,
    /// Correct clock skew between hosts (Jaeger's adjuster) before drawing and analysing.
    #[arg(long)]
    adjust_skew: bool,
    /// The largest clock-skew shift applied, in milliseconds, as Jaeger's
    /// `--query.max-clock-skew-adjustment`: a larger shift is not applied and the span is warned
    /// about. 0 turns adjustment off. Without the flag there is no limit.
    #[arg(long, value_name = "MS", requires = "adjust_skew", value_parser = parse_skew_limit)]
    max_skew_adjust: Option<SkewLimit>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ViewFormat::Text)]
    format: ViewFormat,
    /// Width of the text waterfall (default: the terminal's `COLUMNS`, or 100).
    #[arg(long)]
    width: Option<u16>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ViewFormat {
    /// Waterfall, warnings, critical path and bottleneck for people.
    Text,
    /// The same facts as JSON.
    Json,
}

/// A maximum adjustment in milliseconds: a finite number ≥ 0.
fn parse_skew_limit(text: &str) -> Result<SkewLimit, String> {
    let ms: f64 = text.trim().parse().map_err(|_| format!("`{text}` is not a number of milliseconds"))?;
    SkewLimit::from_ms(ms)
        .ok_or_else(|| format!("`{text}`: the maximum adjustment must be 0 or more milliseconds"))
}

pub fn run(args: ViewArgs) -> anyhow::Result<()> {
    let origin = args.file.display().to_string();
    let size = std::fs::metadata(&args.file).with_context(|| format!("cannot read {origin}"))?.len();
    formats::limits::check_file_size(&origin, size)?;
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {origin}"))?;
    let imported = formats::import_bytes(bytes, &origin)?;
    let basis = if args.adjust_skew { TimeBasis::Adjusted } else { TimeBasis::Raw };
    let spans = &imported.spans;
    let limit = args.max_skew_adjust.unwrap_or(SkewLimit::NONE);
    let analysis = analyze_with(spans, Some(&imported.parents), basis, limit);
    // The same sentences the page shows about parts that lost the trace context (without a
    // scenario, a file cannot say which service dropped it).
    let fragments = fragment_sentences(spans, &group_by_trace(spans), None);
    let mut out = std::io::stdout().lock();
    if args.format == ViewFormat::Json {
        let critical_path: Vec<_> = analysis
            .critical_path
            .segments
            .iter()
            .map(|segment| {
                let span = &spans[segment.span as usize];
                serde_json::json!({
                    "span_id": span.span_id.to_string(),
                    "service": span.service,
                    "name": span.name,
                    "start_ns": segment.start_ns,
                    "end_ns": segment.end_ns,
                })
            })
            .collect();
        let shifted: Vec<_> = analysis
            .skew
            .spans
            .iter()
            .zip(spans)
            .filter(|(shift, _)| shift.shift_ns != 0 || shift.kind == ShiftKind::NotApplied)
            .map(|(shift, span)| {
                serde_json::json!({
                    "span_id": span.span_id.to_string(),
                    "shift_ns": shift.shift_ns,
                    "not_applied_ns": shift.refused_ns,
                    "reason": shift.reason,
                })
            })
            .collect();
        let report = serde_json::json!({
            "file": origin,
            "format": imported.format.as_str(),
            "spans": spans.len(),
            "times": if args.adjust_skew { "adjusted" } else { "raw" },
            "import_warnings": imported.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "warnings": analysis.warnings().iter().map(|warning| serde_json::json!({
                "span_id": warning.span_id.to_string(),
                "kind": warning.kind.as_str(),
                "message": warning.message,
            })).collect::<Vec<_>>(),
            "skew_limit": limit.describe(),
            "skew_adjustments": shifted,
            "critical_path": critical_path,
            "bottleneck": analysis.bottleneck_sentence(),
            "fragments": fragments,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        return Ok(());
    }
    let width = crate::render::width(args.width);
    writeln!(
        out,
        "{origin}: {} with {} spans, {} times",
        imported.format.title(),
        spans.len(),
        if args.adjust_skew { "skew-adjusted" } else { "raw" }
    )?;
    let rows: Vec<(u32, u32)> =
        analysis.tree.preorder().iter().map(|&span| (span, analysis.tree.depth(span))).collect();
    let times: Vec<(i64, i64)> = analysis.times.iter().map(|time| (time.start_ns, time.end_ns)).collect();
    let mark = |span: u32| if analysis.is_on_critical_path(span) { "*" } else { " " };
    writeln!(out, "\n{}", crate::render::waterfall(spans, &rows, &times, width, mark))?;
    writeln!(out, "* = on the critical path")?;
    writeln!(out, "\nbottleneck: {}", analysis.bottleneck_sentence())?;
    for sentence in &fragments {
        writeln!(out, "broken trace: {sentence}")?;
    }
    writeln!(out, "\ncritical path ({}):", format_duration(analysis.critical_path.total_ns))?;
    for segment in &analysis.critical_path.segments {
        let span = &spans[segment.span as usize];
        writeln!(out, "  {:>9}  {} {}", format_duration(segment.duration_ns()), span.service, span.name)?;
    }
    let n_shifted = analysis.skew.n_shifted();
    let n_not_applied = analysis.skew.n_not_applied();
    if n_shifted > 0 || n_not_applied > 0 {
        let not_applied = if n_not_applied > 0 {
            format!(", {n_not_applied} over the limit and not adjusted")
        } else {
            String::new()
        };
        writeln!(
            out,
            "\nclock skew: {n_shifted} span(s) adjusted{not_applied} ({}){}",
            limit.describe(),
            if args.adjust_skew { "" } else { "; shown raw: pass --adjust-skew to apply" }
        )?;
        for (shift, span) in analysis
            .skew
            .spans
            .iter()
            .zip(spans)
            .filter(|(shift, _)| shift.shift_ns != 0 || shift.kind == ShiftKind::NotApplied)
            .take(20)
        {
            writeln!(out, "  {} {}: {}", span.service, span.name, shift.reason.as_deref().unwrap_or(""))?;
        }
    }
    let warnings = analysis.warnings();
    if !warnings.is_empty() || !imported.warnings.is_empty() {
        writeln!(out, "\nwarnings ({}):", warnings.len() + imported.warnings.len())?;
        for warning in imported
            .warnings
            .iter()
            .map(ToString::to_string)
            .chain(warnings.iter().map(ToString::to_string))
            .take(50)
        {
            writeln!(out, "  {warning}")?;
        }
    }
    Ok(())
}
