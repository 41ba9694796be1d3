//! Self time, critical path and bottleneck.
//!
//! All three read the times they are given (raw or skew-adjusted, see [`super::TimeBasis`]); a
//! negative duration is read as zero.
//!
//! # Self time
//!
//! A span's duration minus the union of its children's intervals, each clipped to the span: the
//! time the span spent on its own work (or waiting on something that recorded no span).
//!
//! # Critical path
//!
//! The chain of work that decided when the trace finished, following Jaeger UI's algorithm (after
//! Uber's CRISP). First every child is trimmed to its parent (a child entirely outside its parent
//! is dropped with its subtree), and a consumer span is dropped from under the producer that sent
//! its message (the producer does not wait for it). Then, from the primary root:
//!
//! 1. take the child that finishes last; the parent's own time after that child's end is on the
//!    path;
//! 2. recurse into that child;
//! 3. back in the parent, take the latest-finishing child that ends no later than the previous
//!    child's start, the parent's time between the two is on the path, and recurse into it;
//! 4. when no child is left, the parent's time from its start is on the path; go back up.
//!
//! The segments tile the root's interval exactly, so the path's length is the root's duration.
//! One difference from Jaeger UI: it takes only a child that ends strictly before the previous
//! child's start, so a call made right as the previous one returned (back to back, as simulated
//! calls are) would be skipped; here ending exactly at that start counts. The walk is iterative
//! and visits each span at most once.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Interval, TraceTree, is_async_edge, service_numbers};
use crate::trace::Span;
use crate::waterfall::format_duration;

/// Self time per span (indexed like `times`): its duration minus the time covered by its
/// children, each clipped to it.
pub fn self_times(tree: &TraceTree, times: &[Interval]) -> Vec<i64> {
    assert_eq!(tree.len(), times.len(), "one time per span");
    let mut covered: Vec<Interval> = Vec::new();
    (0..times.len() as u32)
        .map(|span_idx| {
            let own = times[span_idx as usize].normalized();
            covered.clear();
            covered.extend(tree.children(span_idx).iter().filter_map(|child| {
                let child = times[*child as usize].normalized();
                let clipped = Interval::new(child.start_ns.max(own.start_ns), child.end_ns.min(own.end_ns));
                (clipped.end_ns > clipped.start_ns).then_some(clipped)
            }));
            covered.sort_unstable();
            let mut covered_ns = 0i64;
            let mut reach = i64::MIN;
            for interval in &covered {
                let from = interval.start_ns.max(reach);
                if interval.end_ns > from {
                    covered_ns = covered_ns.saturating_add(interval.end_ns.saturating_sub(from));
                }
                reach = reach.max(interval.end_ns);
            }
            own.duration_ns().saturating_sub(covered_ns)
        })
        .collect()
}

/// A stretch of the critical path spent in one span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriticalSegment {
    /// Index of the span.
    pub span: u32,
    pub start_ns: i64,
    pub end_ns: i64,
}

impl CriticalSegment {
    pub fn duration_ns(&self) -> i64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

/// The critical path of a trace from its primary root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriticalPath {
    /// The root the path starts from ([`TraceTree::primary_root`]).
    pub root: Option<u32>,
    /// In time order; they tile the root's interval.
    pub segments: Vec<CriticalSegment>,
    /// The path's length: the root's duration.
    pub total_ns: i64,
    /// Time on the path per span, indexed like the spans.
    pub span_ns: Vec<i64>,
}

impl CriticalPath {
    /// Whether some time of the span is on the path.
    pub fn contains(&self, span_idx: u32) -> bool {
        self.span_ns.get(span_idx as usize).is_some_and(|critical_ns| *critical_ns > 0)
    }

    /// Time on the path per service, largest first (ties by name).
    pub fn by_service(&self, spans: &[Span]) -> Vec<ServiceShare> {
        self.services_and_bottleneck(spans).0
    }

    /// The service with the most time on the path, and its operation with the most.
    pub fn bottleneck(&self, spans: &[Span]) -> Option<Bottleneck> {
        self.services_and_bottleneck(spans).1
    }

    /// [`CriticalPath::by_service`] and [`CriticalPath::bottleneck`] in one go.
    pub fn services_and_bottleneck(&self, spans: &[Span]) -> (Vec<ServiceShare>, Option<Bottleneck>) {
        assert_eq!(spans.len(), self.span_ns.len(), "the path was found in these spans");
        let (numbers, names) = service_numbers(spans);
        let mut totals = vec![0i64; names.len()];
        for (number, critical_ns) in numbers.iter().zip(&self.span_ns) {
            totals[*number as usize] = totals[*number as usize].saturating_add(*critical_ns);
        }
        let mut shares: Vec<(u32, ServiceShare)> = (0u32..)
            .zip(names.into_iter().zip(totals))
            .filter(|(_, (_, critical_ns))| *critical_ns > 0)
            .map(|(number, (service, critical_ns))| {
                let share =
                    ServiceShare { service: service.to_owned(), critical_ns, total_ns: self.total_ns };
                (number, share)
            })
            .collect();
        shares.sort_by(|(_, a), (_, b)| {
            b.critical_ns.cmp(&a.critical_ns).then_with(|| a.service.cmp(&b.service))
        });
        let bottleneck = shares.first().and_then(|(number, top)| {
            let spans_of_top = numbers.iter().map(|span_number| span_number == number);
            self.bottleneck_in(spans, spans_of_top, top)
        });
        (shares.into_iter().map(|(_, share)| share).collect(), bottleneck)
    }

    /// The bottleneck, given the service with the most time on the path and which spans are its.
    fn bottleneck_in(
        &self,
        spans: &[Span],
        spans_of_top: impl Iterator<Item = bool>,
        top: &ServiceShare,
    ) -> Option<Bottleneck> {
        // Time per operation (span name) of that service, and the span with the most time.
        let mut by_operation: BTreeMap<&str, (i64, u32, i64)> = BTreeMap::new();
        for ((span, span_idx), of_top) in spans.iter().zip(0u32..).zip(spans_of_top) {
            let critical_ns = self.span_ns[span_idx as usize];
            if critical_ns <= 0 || !of_top {
                continue;
            }
            let entry = by_operation.entry(span.name.as_str()).or_insert((0, span_idx, critical_ns));
            entry.0 = entry.0.saturating_add(critical_ns);
            if critical_ns > entry.2 {
                entry.1 = span_idx;
                entry.2 = critical_ns;
            }
        }
        let n_operations = by_operation.len();
        let (operation, (_, span_idx, _)) = by_operation
            .into_iter()
            .max_by(|(name_a, a), (name_b, b)| a.0.cmp(&b.0).then_with(|| name_b.cmp(name_a)))?;
        Some(Bottleneck {
            operation: operation.to_owned(),
            only_operation: n_operations == 1,
            span: span_idx,
            service: top.service.clone(),
            critical_ns: top.critical_ns,
            total_ns: top.total_ns,
        })
    }
}

/// One service's time on the critical path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceShare {
    pub service: String,
    pub critical_ns: i64,
    /// The whole path's length.
    pub total_ns: i64,
}

impl ServiceShare {
    /// The share in percent, rounded half up.
    pub fn percent(&self) -> i64 {
        percent(self.critical_ns, self.total_ns)
    }
}

fn percent(part: i64, total: i64) -> i64 {
    if total <= 0 {
        return 0;
    }
    ((i128::from(part) * 200 + i128::from(total)) / (2 * i128::from(total))) as i64
}

/// The service that owns most of the critical path. Its `Display` is the sentence the CLI and
/// the page show, e.g. "database: 640 ms of 820 ms (78%) on the critical path, in `SELECT orders`".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bottleneck {
    pub service: String,
    /// The service's time on the path.
    pub critical_ns: i64,
    /// The whole path's length.
    pub total_ns: i64,
    /// The service's operation (span name) with the most time on the path.
    pub operation: String,
    /// Whether all the service's time on the path was in that operation.
    pub only_operation: bool,
    /// The span of that operation with the most time on the path.
    pub span: u32,
}

impl Bottleneck {
    /// The share in percent, rounded half up.
    pub fn percent(&self) -> i64 {
        percent(self.critical_ns, self.total_ns)
    }
}

impl fmt::Display for Bottleneck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} of {} ({}%) on the critical path, {} `{}`",
            self.service,
            format_duration(self.critical_ns),
            format_duration(self.total_ns),
            self.percent(),
            if self.only_operation { "in" } else { "mostly in" },
            self.operation
        )
    }
}

/// The critical path from the tree's primary root, on the given times (see the module docs).
pub fn critical_path(spans: &[Span], tree: &TraceTree, times: &[Interval]) -> CriticalPath {
    assert_eq!(tree.len(), spans.len(), "the tree was built from these spans");
    assert_eq!(times.len(), spans.len(), "one time per span");
    let mut path = CriticalPath {
        root: tree.primary_root(),
        segments: Vec::new(),
        total_ns: 0,
        span_ns: vec![0; spans.len()],
    };
    let Some(root) = path.root else {
        return path;
    };

    // Trim the root's subtree top-down; keep, per span, its blocking children by end, latest
    // first (ties: the longer one, then the earlier span).
    let mut effective = vec![Interval::default(); spans.len()];
    effective[root as usize] = times[root as usize].normalized();
    let mut blocking: Vec<u32> = Vec::new();
    let mut ranges = vec![(0u32, 0u32); spans.len()];
    let mut stack = vec![root];
    let mut scratch: Vec<(std::cmp::Reverse<i64>, i64, u32)> = Vec::new();
    while let Some(span_idx) = stack.pop() {
        let parent = effective[span_idx as usize];
        scratch.clear();
        for child in tree.children(span_idx) {
            if is_async_edge(&spans[span_idx as usize], &spans[*child as usize]) {
                continue;
            }
            let times = times[*child as usize].normalized();
            if times.start_ns > parent.end_ns || times.end_ns < parent.start_ns {
                continue;
            }
            let trimmed = Interval::new(times.start_ns.max(parent.start_ns), times.end_ns.min(parent.end_ns));
            effective[*child as usize] = trimmed;
            scratch.push((std::cmp::Reverse(trimmed.end_ns), trimmed.start_ns, *child));
        }
        scratch.sort_unstable();
        let from = blocking.len();
        blocking.extend(scratch.iter().map(|key| key.2));
        ranges[span_idx as usize] = (from as u32, blocking.len() as u32);
        stack.extend_from_slice(&blocking[from..]);
    }

    // Walk backwards in time from the root's end; segments come out last first.
    let mut reversed: Vec<CriticalSegment> = Vec::new();
    let mut push = |span: u32, start_ns: i64, end_ns: i64| {
        if end_ns <= start_ns {
            return;
        }
        match reversed.last_mut() {
            Some(last) if last.span == span && last.start_ns == end_ns => last.start_ns = start_ns,
            _ => reversed.push(CriticalSegment { span, start_ns, end_ns }),
        }
    };
    let mut cursor: Vec<u32> = ranges.iter().map(|range| range.0).collect();
    let mut span_idx = root;
    let mut bound = effective[root as usize].end_ns;
    loop {
        let range_end = ranges[span_idx as usize].1;
        let mut next_child = None;
        while cursor[span_idx as usize] < range_end {
            let child = blocking[cursor[span_idx as usize] as usize];
            cursor[span_idx as usize] += 1;
            if effective[child as usize].end_ns <= bound {
                next_child = Some(child);
                break;
            }
        }
        match next_child {
            Some(child) => {
                let child_end = effective[child as usize].end_ns;
                push(span_idx, child_end, bound);
                span_idx = child;
                bound = child_end;
            }
            None => {
                let start = effective[span_idx as usize].start_ns;
                push(span_idx, start, bound);
                if span_idx == root {
                    break;
                }
                bound = start;
                span_idx = tree.parent(span_idx).expect("a span below the root has a parent");
            }
        }
    }
    reversed.reverse();
    for segment in &reversed {
        let critical_ns = &mut path.span_ns[segment.span as usize];
        *critical_ns = critical_ns.saturating_add(segment.duration_ns());
    }
    path.total_ns = effective[root as usize].duration_ns();
    path.segments = reversed;
    path
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{TimeBasis, analyze, assemble};
    use super::*;
    use crate::trace::SpanKind;

    fn raw_times(spans: &[Span]) -> Vec<Interval> {
        spans.iter().map(Interval::of).collect()
    }

    /// The critical path as `span start-end` lines in milliseconds, then `service: ms` lines.
    fn render(spans: &[Span]) -> String {
        let tree = assemble(spans);
        let path = critical_path(spans, &tree, &raw_times(spans));
        let mut text = String::new();
        for segment in &path.segments {
            text.push_str(&format!(
                "{} {}-{}\n",
                short(&spans[segment.span as usize]),
                segment.start_ns / MS,
                segment.end_ns / MS
            ));
        }
        for share in path.by_service(spans) {
            text.push_str(&format!("{}: {}\n", share.service, share.critical_ns / MS));
        }
        let total: i64 = path.segments.iter().map(CriticalSegment::duration_ns).sum();
        assert_eq!(total, path.total_ns, "segments tile the root");
        text
    }

    fn check(spans: &[Span], expect: &str) {
        let actual = render(spans);
        let expect =
            expect.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join("\n");
        assert_eq!(actual.trim_end(), expect, "\nactual:\n{actual}");
    }

    #[test]
    fn sequential_calls_are_all_on_the_path() {
        check(
            &[
                span(1, "gateway", 0, 100).build(),
                span(2, "auth", 10, 40).parent(1).build(),
                span(3, "orders", 40, 90).parent(1).build(),
                span(4, "database", 50, 80).parent(3).build(),
            ],
            "
            1 0-10
            2 10-40
            3 40-50
            4 50-80
            3 80-90
            1 90-100
            auth: 30
            database: 30
            gateway: 20
            orders: 20
            ",
        );
    }

    #[test]
    fn of_overlapping_children_the_last_to_finish_wins() {
        check(
            &[
                span(1, "gateway", 0, 100).build(),
                span(2, "a", 10, 60).parent(1).build(),
                span(3, "b", 20, 80).parent(1).build(),
                span(4, "c", 5, 15).parent(1).build(),
            ],
            "
            1 0-5
            4 5-15
            1 15-20
            3 20-80
            1 80-100
            b: 60
            gateway: 30
            c: 10
            ",
        );
    }

    #[test]
    fn children_outside_their_parent_are_trimmed_or_dropped() {
        check(
            &[
                span(1, "gateway", 0, 100).build(),
                span(2, "auth", -10, 30).parent(1).build(),
                span(3, "orders", 90, 120).parent(1).build(),
                span(4, "late", 150, 160).parent(1).build(),
                span(5, "database", 95, 115).parent(3).build(),
            ],
            "
            2 0-30
            1 30-90
            3 90-95
            5 95-100
            gateway: 60
            auth: 30
            database: 5
            orders: 5
            ",
        );
    }

    #[test]
    fn a_consumer_does_not_block_its_producer() {
        let spans = [
            span(1, "shop", 0, 20).kind(SpanKind::Server).build(),
            span(2, "shop", 5, 6).kind(SpanKind::Producer).parent(1).build(),
            span(3, "mailer", 8, 100).kind(SpanKind::Consumer).parent(2).build(),
        ];
        check(
            &spans,
            "
            1 0-5
            2 5-6
            1 6-20
            shop: 20
            ",
        );
        let analysis = analyze(&spans, TimeBasis::Adjusted);
        assert!(!analysis.is_on_critical_path(2));
        assert!(analysis.warnings().is_empty(), "{:?}", analysis.warnings());
        assert_eq!(analysis.skew.spans[2].shift_ns, 0);
    }

    #[test]
    fn back_to_back_calls_are_both_on_the_path() {
        check(
            &[
                span(1, "gateway", 0, 100).build(),
                span(2, "auth", 0, 50).parent(1).build(),
                span(3, "orders", 50, 100).parent(1).build(),
            ],
            "
            2 0-50
            3 50-100
            auth: 50
            orders: 50
            ",
        );
    }

    #[test]
    fn zero_and_negative_durations_add_nothing() {
        check(
            &[
                span(1, "gateway", 0, 100).build(),
                span(2, "a", 50, 50).parent(1).build(),
                span(3, "b", 70, 60).parent(1).build(),
            ],
            "
            1 0-100
            gateway: 100
            ",
        );
        let spans = [span(1, "gateway", 10, 5).build()];
        let tree = assemble(&spans);
        let path = critical_path(&spans, &tree, &raw_times(&spans));
        assert!(path.segments.is_empty());
        assert_eq!(path.bottleneck(&spans), None);
    }

    #[test]
    fn only_the_primary_roots_tree_is_on_the_path() {
        check(
            &[
                span(1, "gateway", 0, 100).build(),
                span(2, "lost", 10, 500).parent(42).build(),
                span(3, "auth", 20, 30).parent(1).build(),
            ],
            "
            1 0-20
            3 20-30
            1 30-100
            gateway: 90
            auth: 10
            ",
        );
    }

    #[test]
    fn an_incomplete_root_without_time_does_not_empty_the_path() {
        // A span reported without a timestamp or duration and without a parent, placed at the
        // trace's start with zero duration (as the importers do): the path is the real root's.
        check(
            &[
                span(1, "late", 0, 0).build(),
                span(2, "gateway", 0, 100).build(),
                span(3, "auth", 20, 30).parent(2).build(),
            ],
            "
            2 0-20
            3 20-30
            2 30-100
            gateway: 90
            auth: 10
            ",
        );
    }

    #[test]
    fn self_time_subtracts_the_union_of_clipped_children() {
        let spans = [
            span(1, "a", 0, 100).build(),
            span(2, "a", 10, 30).parent(1).build(),
            span(3, "a", 20, 50).parent(1).build(),
            span(4, "b", 90, 120).parent(1).build(),
            span(5, "b", -5, 5).parent(1).build(),
            span(6, "a", 40, 30).parent(1).build(),
            span(7, "a", 12, 14).parent(2).build(),
        ];
        let tree = assemble(&spans);
        let self_ns: Vec<i64> = self_times(&tree, &raw_times(&spans)).into_iter().map(|ns| ns / MS).collect();
        assert_eq!(self_ns, vec![45, 18, 30, 30, 10, 0, 2]);
    }

    #[test]
    fn the_bottleneck_sentence_reads_naturally() {
        let spans = [
            span(1, "gateway", 0, 820).build(),
            span(2, "database", 100, 740).name("SELECT orders").parent(1).build(),
        ];
        let analysis = analyze(&spans, TimeBasis::Raw);
        assert_eq!(
            analysis.bottleneck_sentence(),
            "database: 640 ms of 820 ms (78%) on the critical path, in `SELECT orders`"
        );
        assert_eq!(analysis.bottleneck.as_ref().map(|b| b.span), Some(1));
        assert_eq!(analysis.services[1].percent(), 22);

        let spans = [
            span(1, "gateway", 0, 100).build(),
            span(2, "database", 10, 40).name("SELECT a").parent(1).build(),
            span(3, "database", 40, 60).name("SELECT b").parent(1).build(),
            span(4, "database", 60, 90).name("SELECT a").parent(1).build(),
        ];
        let analysis = analyze(&spans, TimeBasis::Raw);
        assert_eq!(
            analysis.bottleneck_sentence(),
            "database: 80 ms of 100 ms (80%) on the critical path, mostly in `SELECT a`"
        );
    }

    #[test]
    fn try_it_bottleneck_is_the_database() {
        for seed in 0..20 {
            let trace = simulate("try-it", seed);
            let tree = assemble(&trace.spans);
            let path = critical_path(&trace.spans, &tree, &raw_times(&trace.spans));
            let bottleneck = path.bottleneck(&trace.spans).expect("a bottleneck");
            let sentence = bottleneck.to_string();
            assert!(sentence.starts_with("database: "), "seed {seed}: {sentence}");
            assert!(
                sentence.ends_with("on the critical path, in `SELECT orders`"),
                "seed {seed}: {sentence}"
            );
            assert_eq!(path.total_ns, trace.spans[0].duration_ns(), "seed {seed}");
        }
    }

    #[test]
    fn a_wide_and_deep_trace_tiles_its_root() {
        // 3 levels of fan-out 30 with sequential children: every span is on the path.
        let mut spans = vec![span(1, "root", 0, 27_000).build()];
        let mut next_id = 2;
        let mut frontier = vec![(1u64, 0i64, 27_000i64)];
        for _level in 0..3 {
            let mut below = Vec::new();
            for (parent, start, end) in frontier {
                let width = (end - start) / 30;
                for child in 0..30 {
                    let child_start = start + child * width;
                    spans.push(span(next_id, "svc", child_start, child_start + width).parent(parent).build());
                    below.push((next_id, child_start, child_start + width));
                    next_id += 1;
                }
            }
            frontier = below;
        }
        let tree = assemble(&spans);
        let path = critical_path(&spans, &tree, &raw_times(&spans));
        assert_eq!(path.total_ns, 27_000 * MS);
        let leaves_on_path = path.span_ns.iter().skip(1 + 30 + 900).filter(|ns| **ns > 0).count();
        assert_eq!(leaves_on_path, 27_000);
    }
}
