//! The terminal waterfall: indented span tree, service and operation, a bar on a time axis scaled
//! to the terminal width, and the duration.

use reqflow_core::Span;
use reqflow_core::waterfall::format_duration;

/// Renders `rows` (span index, depth) using `times` (start, end) per span. `mark(span)` returns a
/// short prefix for the label (e.g. `*` for the critical path).
pub fn waterfall<'a>(
    spans: &[Span],
    rows: &[(u32, u32)],
    times: &[(i64, i64)],
    width: usize,
    mark: impl Fn(u32) -> &'a str,
) -> String {
    let mut text = String::new();
    if rows.is_empty() {
        return text;
    }
    let start = rows.iter().map(|&(span, _)| times[span as usize].0).min().unwrap_or(0);
    let end = rows.iter().map(|&(span, _)| times[span as usize].1).max().unwrap_or(start);
    let total = (end - start).max(1);
    let label_width = (width * 2 / 5).max(30);
    let bar_width = width.saturating_sub(label_width + 12).max(10);
    let mut trace_ids: Vec<String> = Vec::new();
    for &(span_idx, depth) in rows {
        let span = &spans[span_idx as usize];
        let (span_start, span_end) = times[span_idx as usize];
        let trace_id = span.trace_id.to_string();
        if !trace_ids.contains(&trace_id) {
            let note = if trace_ids.is_empty() { "" } else { "  (a separate trace: context was lost)" };
            text.push_str(&format!("trace {trace_id}{note}\n"));
            trace_ids.push(trace_id);
        }
        let indent = "  ".repeat(depth.min(30) as usize);
        let error = if span.status.is_error() { "✗ " } else { "" };
        let mut label = format!("{indent}{}{error}{} {}", mark(span_idx), span.service, span.name);
        if label.chars().count() > label_width {
            label = label.chars().take(label_width - 1).collect::<String>() + "…";
        }
        let from = ((span_start - start) as f64 / total as f64 * bar_width as f64).max(0.0) as usize;
        let to = ((span_end - start) as f64 / total as f64 * bar_width as f64).ceil().max(0.0) as usize;
        let to = to.clamp(from + 1, bar_width);
        let from = from.min(to - 1);
        let bar: String = (0..bar_width).map(|col| if col >= from && col < to { '█' } else { '·' }).collect();
        let pad = label_width - label.chars().count();
        text.push_str(&format!(
            "{label}{} {bar} {:>9}\n",
            " ".repeat(pad),
            format_duration(span_end - span_start)
        ));
    }
    text
}
