//! Waterfall layout: spans in tree order with their depth, on a shared time axis.

use std::collections::BTreeMap;

use crate::ids::SpanId;
use crate::trace::Span;

/// One waterfall row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    /// Index into the span slice the layout was made from.
    pub span: u32,
    /// Nesting depth (roots are 0).
    pub depth: u32,
}

/// Orders spans depth-first (children by start time), roots first by start time. A span whose
/// parent is not among `spans` is shown as a root.
pub fn layout(spans: &[Span]) -> Vec<Row> {
    let mut by_id: BTreeMap<SpanId, u32> = BTreeMap::new();
    for (span_idx, span) in spans.iter().enumerate() {
        by_id.entry(span.span_id).or_insert(span_idx as u32);
    }
    let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    let mut roots = Vec::new();
    for (span_idx, span) in spans.iter().enumerate() {
        let parent = span.parent_span_id.and_then(|parent| by_id.get(&parent)).copied();
        match parent {
            Some(parent) if parent != span_idx as u32 => {
                children.entry(parent).or_default().push(span_idx as u32)
            }
            _ => roots.push(span_idx as u32),
        }
    }
    let start = |idx: &u32| (spans[*idx as usize].start_ns, *idx);
    roots.sort_by_key(start);
    for list in children.values_mut() {
        list.sort_by_key(start);
    }
    let mut rows = Vec::with_capacity(spans.len());
    let mut visited = vec![false; spans.len()];
    let mut stack: Vec<(u32, u32)> = roots.iter().rev().map(|&root| (root, 0)).collect();
    while let Some((span_idx, depth)) = stack.pop() {
        if std::mem::replace(&mut visited[span_idx as usize], true) {
            continue;
        }
        rows.push(Row { span: span_idx, depth });
        if let Some(list) = children.get(&span_idx) {
            stack.extend(list.iter().rev().map(|&child| (child, depth + 1)));
        }
    }
    // Spans only reachable through a parent cycle: show them as roots rather than lose them.
    for (span_idx, seen) in visited.iter().enumerate() {
        if !seen {
            rows.push(Row { span: span_idx as u32, depth: 0 });
        }
    }
    rows
}

/// Earliest start and latest end over all spans (observed clocks).
pub fn time_range(spans: &[Span]) -> (i64, i64) {
    let start = spans.iter().map(|span| span.start_ns).min().unwrap_or(0);
    let end = spans.iter().map(|span| span.end_ns).max().unwrap_or(start);
    (start, end.max(start))
}

/// A duration for people: `840 µs`, `12.3 ms`, `1.25 s`, `2 min 5 s`.
pub fn format_duration(ns: i64) -> String {
    let abs = ns.unsigned_abs();
    let sign = if ns < 0 { "-" } else { "" };
    if abs < 1_000 {
        format!("{sign}{abs} ns")
    } else if abs < 1_000_000 {
        format!("{sign}{} µs", trim(abs as f64 / 1e3))
    } else if abs < 1_000_000_000 {
        format!("{sign}{} ms", trim(abs as f64 / 1e6))
    } else if abs < 60_000_000_000 {
        format!("{sign}{} s", trim(abs as f64 / 1e9))
    } else {
        let seconds = abs / 1_000_000_000;
        format!("{sign}{} min {} s", seconds / 60, seconds % 60)
    }
}

/// Three significant digits, without trailing zeros.
fn trim(value: f64) -> String {
    let text = if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    };
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(840), "840 ns");
        assert_eq!(format_duration(12_300_000), "12.3 ms");
        assert_eq!(format_duration(140_000_000), "140 ms");
        assert_eq!(format_duration(1_250_000_000), "1.25 s");
        assert_eq!(format_duration(125_000_000_000), "2 min 5 s");
        assert_eq!(format_duration(-2_500), "-2.5 µs");
    }

    #[test]
    fn layout_puts_children_under_parents_and_orphans_at_the_root() {
        let trace = crate::Simulation::new(&crate::builtins::load("try-it").expect("builtin"))
            .expect("compiles")
            .simulate_one(3)
            .expect("runs");
        let rows = layout(&trace.spans);
        assert_eq!(rows.len(), trace.spans.len());
        assert_eq!(rows[0].depth, 0);
        assert_eq!(trace.spans[rows[0].span as usize].service, "gateway");
        for pair in rows.windows(2) {
            assert!(pair[1].depth <= pair[0].depth + 1);
        }
        let mut orphaned = trace.spans.clone();
        orphaned.remove(0);
        assert!(layout(&orphaned).iter().filter(|row| row.depth == 0).count() >= 2);
    }
}
