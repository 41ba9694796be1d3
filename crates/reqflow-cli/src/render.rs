//! The terminal waterfall: indented span tree, service and operation, a bar on a time axis scaled
//! to the terminal width, and the duration.

use reqflow_core::Span;
use reqflow_core::waterfall::format_duration;

/// The waterfall's width: `--width`, else the terminal's `COLUMNS`, else 100; at least 60.
pub fn width(asked: Option<u16>) -> usize {
    asked
        .map(usize::from)
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|columns| columns.parse().ok()))
        .unwrap_or(100)
        .max(60)
}

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
    // In i128: times anywhere in i64 (imported files can hold anything) never overflow here.
    let total = (i128::from(end) - i128::from(start)).max(1) as f64;
    let label_width = (width * 2 / 5).max(30);
    let bar_width = width.saturating_sub(label_width + 12).max(10);
    let mut trace_ids: std::collections::BTreeSet<reqflow_core::TraceId> = std::collections::BTreeSet::new();
    for &(span_idx, depth) in rows {
        let span = &spans[span_idx as usize];
        let (span_start, span_end) = times[span_idx as usize];
        if trace_ids.insert(span.trace_id) {
            let note = if trace_ids.len() == 1 { "" } else { "  (a separate trace: context was lost)" };
            text.push_str(&format!("trace {}{note}\n", span.trace_id));
        }
        let indent = "  ".repeat(depth.min(30) as usize);
        let error = if span.status.is_error() { "✗ " } else { "" };
        let mut label = format!("{indent}{}{error}{} {}", mark(span_idx), span.service, span.name);
        if label.chars().count() > label_width {
            label = label.chars().take(label_width - 1).collect::<String>() + "…";
        }
        // Columns on the axis; a span that ends before it starts (or lies past the end of every
        // other span) still gets one column, inside the bar.
        let column = |time: i64| (i128::from(time) - i128::from(start)) as f64 / total * bar_width as f64;
        let from = (column(span_start).max(0.0) as usize).min(bar_width - 1);
        let to = (column(span_end).ceil().max(0.0) as usize).clamp(from + 1, bar_width);
        let bar: String = (0..bar_width).map(|col| if col >= from && col < to { '█' } else { '·' }).collect();
        let pad = label_width - label.chars().count();
        text.push_str(&format!(
            "{label}{} {bar} {:>9}\n",
            " ".repeat(pad),
            format_duration(span_end.saturating_sub(span_start))
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqflow_formats as formats;

    /// Spans that end before they start, start after every other span ends, or sit at the ends
    /// of i64: the bar is always drawn (this used to panic in `clamp` with min > max).
    #[test]
    fn odd_times_draw_a_bar_and_never_panic() {
        let text = r#"[
          {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00000000000000a1","name":"root","timestamp":1700000000000000,"duration":10,"localEndpoint":{"serviceName":"a"}},
          {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00000000000000a2","parentId":"00000000000000a1","name":"late","timestamp":1700000000000100},
          {"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00000000000000a3","parentId":"00000000000000a1","name":"no-time"}
        ]"#;
        let spans = formats::import(text, "odd.json").expect("imports").spans;
        let mut times: Vec<(i64, i64)> = spans.iter().map(|span| (span.start_ns, span.end_ns)).collect();
        let rows: Vec<(u32, u32)> = (0..spans.len() as u32).map(|span| (span, 0)).collect();
        for extreme in [(i64::MAX, i64::MIN), (i64::MIN, i64::MAX), (5, -5), (i64::MAX, i64::MAX)] {
            times[1] = extreme;
            for width in [0, 10, 60, 200] {
                let drawn = waterfall(&spans, &rows, &times, width, |_| " ");
                assert_eq!(drawn.lines().count(), 1 + spans.len(), "{drawn}");
                for line in drawn.lines().skip(1) {
                    assert!(line.contains('█'), "every row has a bar: {line}");
                }
            }
        }
    }
}
