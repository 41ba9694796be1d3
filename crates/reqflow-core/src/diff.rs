//! Comparing two runs: which span of B is which span of A, and what changed.
//!
//! A span's identity is its place in the call tree: its service and operation, its ancestors'
//! services and operations (the call path), and its occurrence among the siblings with the same
//! service and operation (the third `SELECT order_items` under one parent), counted in start
//! order. Two runs of the same system give every span the same identity, whatever the seed or the
//! knobs; a call that only one run makes has no partner. Imported traces are compared the same
//! way: by (service, operation, path), as Jaeger's trace comparison does, with occurrences
//! paired in start order.

use std::collections::BTreeMap;

use crate::analysis::TraceAnalysis;
use crate::trace::{Span, StatusCode};
use crate::waterfall::format_duration;

/// One side of a comparison: spans and their analysis.
#[derive(Clone, Copy, Debug)]
pub struct Side<'a> {
    pub spans: &'a [Span],
    pub analysis: &'a TraceAnalysis,
    /// The request's end-to-end time (true time when simulated).
    pub end_to_end_ns: i64,
}

/// A span in both runs and how it changed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SpanChange {
    /// The span's identity in full: `gateway GET /api/orders/{id} › orders GET /orders/{id}`.
    pub path: String,
    /// Its last part, for people: `orders GET /orders/{id}` (`#3` for a third call).
    pub name: String,
    pub a: u32,
    pub b: u32,
    /// B's duration minus A's.
    pub duration_delta_ns: i64,
    /// Change of the start relative to each trace's start.
    pub start_delta_ns: i64,
    /// The status in A and in B, when it changed.
    pub status: Option<(StatusCode, StatusCode)>,
    /// Time on the critical path in A and in B.
    pub critical_a_ns: i64,
    pub critical_b_ns: i64,
}

/// What changed from run A to run B.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TraceDiff {
    /// Spans in both, in B's tree order.
    pub matched: Vec<SpanChange>,
    /// Spans only in B (indices into B), with their paths.
    pub added: Vec<(u32, String)>,
    /// Spans only in A (indices into A), with their paths.
    pub removed: Vec<(u32, String)>,
    pub end_to_end_a_ns: i64,
    pub end_to_end_b_ns: i64,
    /// Paths on B's critical path that were not on A's, and the other way round.
    pub joined_critical_path: Vec<String>,
    pub left_critical_path: Vec<String>,
    pub bottleneck_a: String,
    pub bottleneck_b: String,
}

impl TraceDiff {
    /// Whether nothing changed at all.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.end_to_end_a_ns == self.end_to_end_b_ns
            && self.matched.iter().all(|change| {
                change.duration_delta_ns == 0 && change.start_delta_ns == 0 && change.status.is_none()
            })
    }

    /// Matched spans whose duration, start or status changed, largest duration change first.
    pub fn changed(&self) -> Vec<&SpanChange> {
        let mut changed: Vec<&SpanChange> = self
            .matched
            .iter()
            .filter(|change| {
                change.duration_delta_ns != 0 || change.start_delta_ns != 0 || change.status.is_some()
            })
            .collect();
        changed.sort_by_key(|change| std::cmp::Reverse(change.duration_delta_ns.unsigned_abs()));
        changed
    }

    /// The comparison in a few sentences, the same in the page and the CLI.
    pub fn summary(&self) -> Vec<String> {
        let delta = self.end_to_end_b_ns - self.end_to_end_a_ns;
        let mut lines = vec![format!(
            "End to end: {} → {} ({}).",
            format_duration(self.end_to_end_a_ns),
            format_duration(self.end_to_end_b_ns),
            signed_duration(delta)
        )];
        lines.push(format!(
            "{} spans matched, {} changed, {} added, {} removed.",
            self.matched.len(),
            self.changed().len(),
            self.added.len(),
            self.removed.len()
        ));
        if self.bottleneck_a == self.bottleneck_b {
            lines.push(format!("Bottleneck in both: {}.", self.bottleneck_a));
        } else {
            lines.push(format!("Bottleneck before: {}.", self.bottleneck_a));
            lines.push(format!("Bottleneck after: {}.", self.bottleneck_b));
        }
        if !self.joined_critical_path.is_empty() {
            lines.push(format!("Now on the critical path: {}.", few(&self.joined_critical_path)));
        }
        if !self.left_critical_path.is_empty() {
            lines.push(format!("Off the critical path now: {}.", few(&self.left_critical_path)));
        }
        lines
    }
}

/// The last parts of the first three paths, and how many more.
fn few(paths: &[String]) -> String {
    let mut text: Vec<&str> = paths.iter().take(3).map(|path| short(path)).collect();
    let more = paths.len().saturating_sub(3);
    let more = (more > 0).then(|| format!("and {more} more"));
    text.extend(more.as_deref());
    text.join(", ")
}

/// A path's last part: the span itself.
pub fn short(path: &str) -> &str {
    path.rsplit(" › ").next().unwrap_or(path)
}

/// `+12.5 ms`, `-3 ms`, `±0`.
pub fn signed_duration(ns: i64) -> String {
    match ns.signum() {
        0 => "±0".to_owned(),
        1 => format!("+{}", format_duration(ns)),
        _ => format!("-{}", format_duration(ns.saturating_neg())),
    }
}

/// Compares run B against run A.
pub fn diff(a: Side<'_>, b: Side<'_>) -> TraceDiff {
    let keys_a = identities(a);
    let keys_b = identities(b);
    let by_key_a: BTreeMap<&Identity, u32> = keys_a.iter().map(|(span, key)| (key, *span)).collect();
    let by_key_b: BTreeMap<&Identity, u32> = keys_b.iter().map(|(span, key)| (key, *span)).collect();
    let start_a = trace_start(a);
    let start_b = trace_start(b);
    let mut matched = Vec::new();
    let mut added = Vec::new();
    for (span_b, key) in &keys_b {
        let Some(&span_a) = by_key_a.get(key) else {
            added.push((*span_b, label(key)));
            continue;
        };
        let (sa, sb) = (&a.spans[span_a as usize], &b.spans[*span_b as usize]);
        let (ta, tb) = (a.analysis.times[span_a as usize], b.analysis.times[*span_b as usize]);
        let status = (sa.status.code != sb.status.code).then_some((sa.status.code, sb.status.code));
        let path = label(key);
        matched.push(SpanChange {
            name: short(&path).to_owned(),
            path,
            a: span_a,
            b: *span_b,
            duration_delta_ns: tb.duration_ns() - ta.duration_ns(),
            start_delta_ns: (tb.start_ns - start_b) - (ta.start_ns - start_a),
            status,
            critical_a_ns: a.analysis.critical_path.span_ns[span_a as usize],
            critical_b_ns: b.analysis.critical_path.span_ns[*span_b as usize],
        });
    }
    let removed: Vec<(u32, String)> = keys_a
        .iter()
        .filter(|(_, key)| !by_key_b.contains_key(key))
        .map(|(span, key)| (*span, label(key)))
        .collect();
    let on_path = |side: Side<'_>, keys: &[(u32, Identity)]| -> Vec<String> {
        keys.iter()
            .filter(|(span, _)| side.analysis.is_on_critical_path(*span))
            .map(|(_, key)| label(key))
            .collect()
    };
    let path_a = on_path(a, &keys_a);
    let path_b = on_path(b, &keys_b);
    TraceDiff {
        joined_critical_path: path_b.iter().filter(|path| !path_a.contains(path)).cloned().collect(),
        left_critical_path: path_a.iter().filter(|path| !path_b.contains(path)).cloned().collect(),
        matched,
        added,
        removed,
        end_to_end_a_ns: a.end_to_end_ns,
        end_to_end_b_ns: b.end_to_end_ns,
        bottleneck_a: a.analysis.bottleneck_sentence(),
        bottleneck_b: b.analysis.bottleneck_sentence(),
    }
}

/// A span's identity: (service, operation, occurrence) from the root down.
type Identity = Vec<(String, String, u32)>;

fn label(key: &Identity) -> String {
    let mut text = String::new();
    for (depth, (service, operation, occurrence)) in key.iter().enumerate() {
        if depth > 0 {
            text.push_str(" › ");
        }
        text.push_str(service);
        text.push(' ');
        text.push_str(operation);
        if *occurrence > 0 {
            text.push_str(&format!(" #{}", occurrence + 1));
        }
    }
    text
}

/// Every span's identity, in tree order. Roots count as siblings of each other.
fn identities(side: Side<'_>) -> Vec<(u32, Identity)> {
    let tree = &side.analysis.tree;
    let mut keys: Vec<Option<Identity>> = vec![None; side.spans.len()];
    let mut out = Vec::with_capacity(side.spans.len());
    let mut siblings_seen: BTreeMap<(Option<u32>, &str, &str), u32> = BTreeMap::new();
    // Occurrences count in start order: visit each parent's children sorted by start.
    let mut order: Vec<u32> = tree.preorder().to_vec();
    order.sort_by_key(|&span| (tree.depth(span), side.analysis.times[span as usize].start_ns, span));
    for span in order {
        let record = &side.spans[span as usize];
        let parent = tree.parent(span);
        let occurrence =
            siblings_seen.entry((parent, record.service.as_str(), record.name.as_str())).or_insert(0);
        let mut key = parent.and_then(|parent| keys[parent as usize].clone()).unwrap_or_default();
        key.push((record.service.as_str().to_owned(), record.name.as_str().to_owned(), *occurrence));
        *occurrence += 1;
        keys[span as usize] = Some(key);
    }
    for &span in tree.preorder() {
        if let Some(key) = keys[span as usize].take() {
            out.push((span, key));
        }
    }
    out
}

fn trace_start(side: Side<'_>) -> i64 {
    side.analysis.times.iter().map(|interval| interval.start_ns).min().unwrap_or(0)
}

#[cfg(test)]
mod tests;
