//! What a waterfall's axis needs: the time range of a set of spans and durations written for people.
//! (Tree order and depth come from the analysis: `analysis::assemble`.)

use crate::trace::Span;

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
        match seconds % 60 {
            // A whole minute (an axis tick) reads "1 min", not "1 min 0 s".
            0 => format!("{sign}{} min", seconds / 60),
            rest => format!("{sign}{} min {rest} s", seconds / 60),
        }
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
        assert_eq!(format_duration(60_000_000_000), "1 min", "the page's axis showed '1 min 0 s'");
        assert_eq!(format_duration(-2_500), "-2.5 µs");
    }
}
