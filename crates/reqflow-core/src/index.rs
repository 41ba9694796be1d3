//! One trace index for any set of spans: each span's parent, the spans that repeat an earlier
//! span's id, the spans whose parent is missing, and a number per trace. The importers' last pass
//! (the `reqflow-formats` crate), analysis ([`crate::analysis::assemble`]) and everything built on them
//! link spans here, so a span's parent is decided by one rule everywhere:
//!
//! - Spans are matched by (trace id, span id). When several spans share one, the first in input
//!   order is *the* span of that id: every span naming the id as its parent hangs under it, and
//!   the later ones are listed in [`TraceIndex::duplicates`].
//! - A parent id of zero is no parent (W3C: an all-zero id is invalid, and exporters write it for
//!   "none"). A parent id that no span of the same trace has makes the span an orphan.
//! - A span that names its own id is linked to itself (or, for a later copy of a duplicated id,
//!   to the first copy): the index reports links as written; callers decide what a loop means
//!   (analysis cuts loops with a warning, the importers clear a self-parent).
//!
//! Linking sorts one packed 128-bit key per span (trace number, span id, index) and merges the
//! sorted parent keys against it: no map of 100,000 entries, and equal ids are neighbours with
//! the first copy first. Never fails and never panics, whatever the ids.

use std::collections::BTreeMap;

use crate::ids::{SpanId, TraceId};
use crate::trace::Span;

/// What [`link`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceIndex {
    /// Each span's parent, by index (see the module docs for the rule).
    pub parents: Vec<Option<u32>>,
    /// Spans whose (trace id, span id) an earlier span already has, in input order, each with the
    /// index of the first span of that id.
    pub duplicates: Vec<Duplicate>,
    /// Spans that name a (non-zero) parent id that no span of their trace has, in input order.
    pub orphans: Vec<u32>,
    /// Each span's trace, numbered by first appearance in the input (0, 1, …).
    pub trace_numbers: Vec<u32>,
    /// How many distinct trace ids there are.
    pub n_traces: u32,
}

/// A span that repeats an earlier span's (trace id, span id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Duplicate {
    /// The later span.
    pub span: u32,
    /// The first span with the same ids, which keeps them.
    pub first: u32,
}

/// Links every span to its parent (see the module docs).
pub fn link(spans: &[Span]) -> TraceIndex {
    let (trace_numbers, n_traces) = number_traces(spans);
    let mut ids: Vec<u128> = spans
        .iter()
        .zip(&trace_numbers)
        .zip(0u32..)
        .map(|((span, &trace), idx)| pack(trace, span.span_id, idx))
        .collect();
    // The index is the low part of the key: the first copy of an id sorts first.
    ids.sort_unstable();

    let mut duplicates = Vec::new();
    let mut first = 0;
    for position in 1..ids.len() {
        if key_of(ids[position]) == key_of(ids[first]) {
            duplicates.push(Duplicate { span: idx_of(ids[position]), first: idx_of(ids[first]) });
        } else {
            first = position;
        }
    }
    if !duplicates.is_empty() {
        duplicates.sort_unstable_by_key(|duplicate| duplicate.span);
        ids.dedup_by(|later, earlier| key_of(*later) == key_of(*earlier));
    }

    let mut wanted: Vec<u128> = spans
        .iter()
        .zip(&trace_numbers)
        .zip(0u32..)
        .filter_map(|((span, &trace), idx)| {
            let parent = span.parent_span_id.filter(|parent| !parent.is_zero())?;
            Some(pack(trace, parent, idx))
        })
        .collect();
    wanted.sort_unstable();
    let mut parents = vec![None; spans.len()];
    let mut orphans = Vec::new();
    let mut position = 0;
    for want in wanted {
        let key = key_of(want);
        while ids.get(position).is_some_and(|&id| key_of(id) < key) {
            position += 1;
        }
        match ids.get(position) {
            Some(&id) if key_of(id) == key => parents[idx_of(want) as usize] = Some(idx_of(id)),
            _ => orphans.push(idx_of(want)),
        }
    }
    orphans.sort_unstable();
    TraceIndex { parents, duplicates, orphans, trace_numbers, n_traces }
}

/// Each span's trace numbered by first appearance, and the number of traces. Spans of a trace
/// usually come together, so the map is consulted only when the trace id changes; one trace (the
/// common case) needs no map at all.
pub fn number_traces(spans: &[Span]) -> (Vec<u32>, u32) {
    let Some(first) = spans.first() else {
        return (Vec::new(), 0);
    };
    if spans.iter().all(|span| span.trace_id == first.trace_id) {
        return (vec![0; spans.len()], 1);
    }
    let mut numbers: BTreeMap<TraceId, u32> = BTreeMap::new();
    let mut last: Option<(TraceId, u32)> = None;
    let per_span = spans
        .iter()
        .map(|span| match last {
            Some((trace_id, number)) if trace_id == span.trace_id => number,
            _ => {
                let next = u32::try_from(numbers.len()).unwrap_or(u32::MAX);
                let number = *numbers.entry(span.trace_id).or_insert(next);
                last = Some((span.trace_id, number));
                number
            }
        })
        .collect();
    (per_span, u32::try_from(numbers.len()).unwrap_or(u32::MAX))
}

/// A span key packed for sorting: trace number (32 bits), span id (64 bits), span index (32 bits).
/// Sorting flat integers is much faster than a map, and faster than tuples (in wasm, comparing a
/// `u128` is two instructions; a tuple of three fields is a chain of branches).
fn pack(trace: u32, span_id: SpanId, idx: u32) -> u128 {
    (u128::from(trace) << 96) | (u128::from(span_id.to_u64()) << 32) | u128::from(idx)
}

/// The (trace number, span id) part of a packed key.
fn key_of(packed: u128) -> u128 {
    packed >> 32
}

/// The span index part of a packed key.
fn idx_of(packed: u128) -> u32 {
    packed as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_support;

    fn span(trace: u64, id: u64, parent: Option<u64>) -> Span {
        let mut span = test_support::span(id, "svc", 0, 1).trace(trace).build();
        span.parent_span_id = parent.map(SpanId::from_u64);
        span
    }

    #[test]
    fn parents_are_found_within_their_own_trace_only() {
        let spans = [span(1, 10, None), span(1, 11, Some(10)), span(2, 20, Some(10)), span(2, 10, None)];
        let index = link(&spans);
        assert_eq!(
            index.parents,
            [None, Some(0), Some(3), None],
            "trace 2's span 20 hangs under trace 2's id 10"
        );
        assert_eq!(index.trace_numbers, [0, 0, 1, 1]);
        assert_eq!(index.n_traces, 2);
        assert!(index.orphans.is_empty() && index.duplicates.is_empty(), "{index:?}");
    }

    #[test]
    fn a_repeated_id_keeps_its_first_span_and_children_hang_under_it() {
        let spans =
            [span(1, 5, None), span(1, 7, None), span(1, 5, None), span(1, 8, Some(5)), span(1, 5, None)];
        let index = link(&spans);
        assert_eq!(
            index.duplicates,
            [Duplicate { span: 2, first: 0 }, Duplicate { span: 4, first: 0 }],
            "later copies in input order, each pointing at the first"
        );
        assert_eq!(index.parents[3], Some(0), "the child of id 5 hangs under its first span");
    }

    #[test]
    fn missing_and_zero_parents() {
        let spans = [span(1, 1, Some(0)), span(1, 2, Some(99)), span(1, 3, Some(1))];
        let index = link(&spans);
        assert_eq!(index.parents, [None, None, Some(0)]);
        assert_eq!(index.orphans, [1], "a zero parent id is no parent; 99 is missing");
    }

    #[test]
    fn a_self_parent_is_reported_as_written() {
        let spans = [span(1, 1, Some(1)), span(1, 1, Some(1))];
        let index = link(&spans);
        assert_eq!(index.parents, [Some(0), Some(0)], "both name id 1, whose first span is span 0");
        assert_eq!(index.duplicates, [Duplicate { span: 1, first: 0 }]);
    }

    #[test]
    fn traces_are_numbered_by_first_appearance() {
        let spans = [span(9, 1, None), span(3, 1, None), span(9, 2, None), span(5, 1, None)];
        assert_eq!(number_traces(&spans), (vec![0, 1, 0, 2], 3));
        assert_eq!(number_traces(&[]), (vec![], 0));
    }
}
