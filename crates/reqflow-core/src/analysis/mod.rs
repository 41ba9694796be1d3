//! Trace analysis: assembly, self time, critical path, bottleneck, clock skew, dependencies.
//!
//! Everything here is a pure function of a `&[Span]`, simulated or imported, and returns plain
//! data. Spans are referred to by their index in that slice (`u32`, like
//! rows of the tree), because imported data can repeat a span id.
//!
//! * [`assembly`]: the tree (children by start then span id), roots, orphans, duplicate ids,
//!   parent cycles, spans outside their parent, odd durations, all as [`Warning`]s next to the
//!   tree; grouping spans into traces ([`group_by_trace`]). Assembly never fails and never drops
//!   a span.
//! * [`critical_path`](mod@critical_path): self time per span, the critical path (Jaeger UI's
//!   algorithm), the share of the critical path per service and the bottleneck sentence.
//! * [`skew`]: the clock-skew adjuster (Jaeger's), with raw and adjusted times side by side and
//!   a reason for every shift. Its module docs list where the algorithm is wrong.
//! * [`deps`]: the service dependency graph of one trace or many.
//!
//! [`analyze`] runs all of it on one trace, the way `reqflow view` and the page need it.
//!
//! # Performance
//!
//! Spans are indexed once (sorted packed keys, parents found by merging two sorted lists),
//! children live in one flat array, service and host names are numbered once, and every walk is
//! iterative, so a 100,000-span trace of any depth or width analyses in tens of milliseconds
//! (release build). The main cost beyond that is text: one sentence per warning and per shifted
//! span, which dominates when most spans of a big trace have one.

pub mod assembly;
pub mod critical_path;
pub mod deps;
pub mod skew;

#[cfg(test)]
pub(crate) mod test_support;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::trace::{AttributeValue, Span, SpanKind};

pub use assembly::{TraceGroup, TraceGroups, TraceTree, Warning, WarningKind, assemble, assemble_linked};
pub use assembly::{group_by_trace, span_label};
pub use critical_path::{Bottleneck, CriticalPath, CriticalSegment, ServiceShare};
pub use critical_path::{critical_path, self_times};
pub use deps::{DependencyEdge, DependencyGraph, dependencies, dependencies_of_traces, service_calls};
pub use skew::{ClockSkew, ShiftKind, SkewLimit, SpanShift, adjust_clock_skew};

/// A stretch of time in epoch nanoseconds, `start_ns..end_ns`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Interval {
    pub start_ns: i64,
    pub end_ns: i64,
}

impl Interval {
    pub fn new(start_ns: i64, end_ns: i64) -> Interval {
        Interval { start_ns, end_ns }
    }

    /// The span's times as its host recorded them.
    pub fn of(span: &Span) -> Interval {
        Interval::new(span.start_ns, span.end_ns)
    }

    /// `end − start`; negative when the end was recorded before the start.
    pub fn duration_ns(self) -> i64 {
        self.end_ns.saturating_sub(self.start_ns)
    }

    /// The same start with a negative duration read as zero: what the computations use.
    pub fn normalized(self) -> Interval {
        Interval::new(self.start_ns, self.end_ns.max(self.start_ns))
    }

    /// Moved by `shift_ns`.
    pub fn shifted(self, shift_ns: i64) -> Interval {
        Interval::new(self.start_ns.saturating_add(shift_ns), self.end_ns.saturating_add(shift_ns))
    }

    /// Whether `other` lies within `self` (ends included).
    pub fn contains(self, other: Interval) -> bool {
        other.start_ns >= self.start_ns && other.end_ns <= self.end_ns
    }
}

/// Which timestamps the time-based analysis (self time, critical path) reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeBasis {
    /// The times each host recorded.
    Raw,
    /// The times after the clock-skew adjuster ([`skew`]).
    #[default]
    Adjusted,
}

/// Whether the edge from `parent` to `child` is an asynchronous hand-off (a producer span and the
/// consumer span that received its message): the producer does not wait for the consumer.
pub fn is_async_edge(parent: &Span, child: &Span) -> bool {
    parent.kind == SpanKind::Producer && child.kind == SpanKind::Consumer
}

/// The host whose clock stamped the span, the way Jaeger's clock-skew adjuster keys hosts: the
/// resource's `host.id`, else `host.ip` (a string, or the first element of an array), else the
/// Jaeger client's `ip` process tag, else `host.name`, else the span's own host (simulated spans,
/// and importers that found a host name elsewhere). `None` when none of them is there: the host
/// is unknown, and an unknown host is never taken to be the same as any other (its spans are
/// compared with their parent, as in Jaeger).
pub fn clock_host(span: &Span) -> Option<&str> {
    let resource = &span.resource;
    if !resource.is_empty() {
        for key in ["host.id", "host.ip", "ip"] {
            if let Some(host) = resource.attribute(key).and_then(host_text) {
                return Some(host);
            }
        }
        if let Some(host) = resource.attribute("host.name").and_then(host_text) {
            return Some(host);
        }
    }
    if span.host.is_empty() { None } else { Some(&span.host) }
}

/// The clock host for sentences: the host, or "an unknown host".
pub fn clock_host_label(span: &Span) -> &str {
    clock_host(span).unwrap_or("an unknown host")
}

/// A host key from an attribute value: a non-empty string, or the first string of an array
/// (arrays are kept as their JSON text, OTLP's `{"values":[{"stringValue":..}]}` or a plain
/// JSON list).
fn host_text(value: &AttributeValue) -> Option<&str> {
    let AttributeValue::Str(text) = value else {
        return None;
    };
    let text = text.as_str().trim();
    if text.is_empty() {
        return None;
    }
    if !(text.starts_with('[') || text.starts_with('{')) {
        return Some(text);
    }
    first_array_string(text)
}

/// The first string inside the JSON text of an array value, borrowed from the text. Only the
/// shapes the importers write are read: `{"values":[{"stringValue":"x"},..]}` and `["x",..]`.
fn first_array_string(text: &str) -> Option<&str> {
    let rest = match text.strip_prefix('{') {
        Some(object) => {
            let after = &object[object.find("\"stringValue\"")? + "\"stringValue\"".len()..];
            after.trim_start().strip_prefix(':')?
        }
        None => &text[1..],
    };
    let rest = rest.trim_start().strip_prefix('"')?;
    let end = rest.find(['"', '\\'])?;
    let host = &rest[..end];
    (rest.as_bytes()[end] == b'"' && !host.is_empty()).then_some(host)
}

/// Numbers distinct strings 0, 1, ... in order of first appearance: the number of each value,
/// and the strings by number. Per-span work then compares integers instead of reaching into
/// each span's strings again.
pub(crate) fn intern<'a>(values: impl Iterator<Item = &'a str>) -> (Vec<u32>, Vec<&'a str>) {
    let mut names: Vec<&str> = Vec::new();
    let mut number_of: BTreeMap<&str, u32> = BTreeMap::new();
    // Spans simulated or imported here share one allocation per distinct name, so looking a name
    // up by its address first avoids comparing text. Only a cache: numbers follow the text.
    let mut number_at: BTreeMap<(usize, usize), u32> = BTreeMap::new();
    let mut last: Option<(&str, u32)> = None;
    let numbers = values
        .map(|value| {
            let address = (value.as_ptr() as usize, value.len());
            let number = match last {
                // Neighbouring spans often share a service or a host.
                Some((name, number)) if (name.as_ptr() as usize, name.len()) == address => number,
                _ => match number_at.get(&address) {
                    Some(&number) => number,
                    None => {
                        let number = *number_of.entry(value).or_insert_with(|| {
                            names.push(value);
                            names.len() as u32 - 1
                        });
                        number_at.insert(address, number);
                        number
                    }
                },
            };
            last = Some((value, number));
            number
        })
        .collect();
    (numbers, names)
}

/// A number per span for its service (services numbered in order of first appearance), and the
/// service names in that order.
pub fn service_numbers(spans: &[Span]) -> (Vec<u32>, Vec<&str>) {
    intern(spans.iter().map(|span| span.service.as_str()))
}

/// Everything the CLI and the page show about one trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TraceAnalysis {
    /// The assembled tree and its warnings.
    pub tree: TraceTree,
    /// Raw and adjusted times of every span.
    pub skew: ClockSkew,
    /// Which times [`TraceAnalysis::times`], the self times and the critical path use.
    pub basis: TimeBasis,
    /// The times the analysis used, one per span.
    pub times: Vec<Interval>,
    /// Self time per span: its duration minus the time covered by its children.
    pub self_ns: Vec<i64>,
    pub critical_path: CriticalPath,
    /// Share of the critical path per service, largest first.
    pub services: Vec<ServiceShare>,
    pub bottleneck: Option<Bottleneck>,
}

impl TraceAnalysis {
    /// Every warning about the trace, ordered by span index.
    pub fn warnings(&self) -> &[Warning] {
        self.tree.warnings()
    }

    /// The warnings about one span.
    pub fn warnings_for(&self, span_idx: u32) -> &[Warning] {
        self.tree.warnings_for(span_idx)
    }

    /// Whether any part of the span is on the critical path.
    pub fn is_on_critical_path(&self, span_idx: u32) -> bool {
        self.critical_path.contains(span_idx)
    }

    /// What the waterfall shows about one span.
    pub fn span(&self, span_idx: u32) -> SpanFacts<'_> {
        let shift = &self.skew.spans[span_idx as usize];
        SpanFacts {
            depth: self.tree.depth(span_idx),
            on_critical_path: self.is_on_critical_path(span_idx),
            critical_ns: self.critical_path.span_ns[span_idx as usize],
            self_ns: self.self_ns[span_idx as usize],
            raw: shift.raw,
            adjusted: shift.adjusted,
            shift_ns: shift.shift_ns,
            shift_reason: shift.reason.as_deref(),
            warnings: self.warnings_for(span_idx),
        }
    }

    /// The bottleneck sentence, or a sentence saying there is none.
    pub fn bottleneck_sentence(&self) -> String {
        match &self.bottleneck {
            Some(bottleneck) => bottleneck.to_string(),
            None => "no critical path: the trace has no span with a duration".to_owned(),
        }
    }
}

/// One span's row of a [`TraceAnalysis`]: the per-span facts a waterfall draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanFacts<'a> {
    /// Nesting depth in the tree (roots are 0).
    pub depth: u32,
    pub on_critical_path: bool,
    /// The span's time on the critical path.
    pub critical_ns: i64,
    /// The span's self time.
    pub self_ns: i64,
    /// Times as the span's host recorded them.
    pub raw: Interval,
    /// Times after the clock-skew adjuster.
    pub adjusted: Interval,
    pub shift_ns: i64,
    /// Why the adjuster moved the span, when it did.
    pub shift_reason: Option<&'a str>,
    pub warnings: &'a [Warning],
}

/// Assembles and analyses one trace: tree and warnings, clock-skew adjustment, self times,
/// critical path (from the primary root, see [`TraceTree::primary_root`]), per-service shares and
/// the bottleneck, on the times `basis` selects.
pub fn analyze(spans: &[Span], basis: TimeBasis) -> TraceAnalysis {
    analyze_with(spans, None, basis, SkewLimit::NONE)
}

/// `analyze` for imported spans, with the parents the import found (`Imported::parents`).
pub fn analyze_linked(spans: &[Span], basis: TimeBasis, parents: &[Option<u32>]) -> TraceAnalysis {
    analyze_with(spans, Some(parents), basis, SkewLimit::NONE)
}

/// `analyze` with every setting: the parents the import found (or `None` to link the spans
/// here), the time basis, and the clock-skew adjuster's maximum adjustment. Shifts over the
/// limit are not applied and warned about ([`WarningKind::SkewNotAdjusted`]).
pub fn analyze_with(
    spans: &[Span],
    parents: Option<&[Option<u32>]>,
    basis: TimeBasis,
    limit: SkewLimit,
) -> TraceAnalysis {
    let mut tree = match parents {
        Some(parents) => assemble_linked(spans, parents),
        None => assemble(spans),
    };
    let skew = adjust_clock_skew(spans, &tree, limit);
    tree.add_warnings(skew::refusal_warnings(spans, &skew));
    let times: Vec<Interval> = match basis {
        TimeBasis::Raw => spans.iter().map(Interval::of).collect(),
        TimeBasis::Adjusted => skew.adjusted_times(),
    };
    let self_ns = self_times(&tree, &times);
    let critical_path = critical_path(spans, &tree, &times);
    let (services, bottleneck) = critical_path.services_and_bottleneck(spans);
    TraceAnalysis { tree, skew, basis, times, self_ns, critical_path, services, bottleneck }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn try_it_analysis_names_the_database_and_flags_its_span() {
        let trace = simulate("try-it", 1);
        let analysis = analyze(&trace.spans, TimeBasis::Adjusted);
        assert!(analysis.warnings().is_empty(), "{:?}", analysis.warnings());
        let sentence = analysis.bottleneck_sentence();
        assert!(sentence.starts_with("database: "), "{sentence}");
        assert!(sentence.ends_with("on the critical path, in `SELECT orders`"));
        let database =
            trace.spans.iter().position(|span| span.service == "database").expect("database span") as u32;
        assert!(analysis.is_on_critical_path(database));
        assert_eq!(analysis.services[0].service, "database");
        assert_eq!(analysis.self_ns.len(), trace.spans.len());
        assert_eq!(analysis.times.len(), trace.spans.len());
    }

    #[test]
    fn empty_input_analyses_to_nothing() {
        let analysis = analyze(&[], TimeBasis::Raw);
        assert!(analysis.warnings().is_empty());
        assert!(analysis.critical_path.segments.is_empty());
        assert_eq!(analysis.bottleneck, None);
        assert_eq!(analysis.bottleneck_sentence(), "no critical path: the trace has no span with a duration");
    }

    #[test]
    fn broken_input_keeps_every_span_everywhere() {
        let spans = [
            span(1, "a", 0, 100).build(),
            span(2, "b", 10, 50).parent(3).build(),
            span(3, "b", 20, 40).parent(2).build(),
            span(4, "c", 30, 20).parent(1).build(),
            span(4, "c", 30, 35).parent(1).build(),
            span(5, "d", 60, 70).parent(42).build(),
            span(6, "e", 65, 65).parent(5).build(),
        ];
        let analysis = analyze(&spans, TimeBasis::Adjusted);
        assert_eq!(analysis.tree.preorder().len(), spans.len());
        let mut placed = analysis.tree.preorder().to_vec();
        placed.sort_unstable();
        assert_eq!(placed, (0..spans.len() as u32).collect::<Vec<_>>());
        assert_eq!(analysis.skew.spans.len(), spans.len());
        assert_eq!(analysis.self_ns.len(), spans.len());
        assert_eq!(analysis.critical_path.span_ns.len(), spans.len());
        let kinds: Vec<(u32, WarningKind)> =
            analysis.warnings().iter().map(|warning| (warning.span, warning.kind)).collect();
        assert_eq!(
            kinds,
            [
                (1, WarningKind::ParentCycle),
                (3, WarningKind::NegativeDuration),
                (4, WarningKind::DuplicateSpanId),
                (5, WarningKind::Orphan),
                (6, WarningKind::ZeroDuration),
            ]
        );
        let facts = analysis.span(4);
        assert_eq!(facts.warnings.len(), 1);
        assert_eq!(facts.raw, Interval::new(30 * MS, 35 * MS));
        assert!(facts.on_critical_path);
        assert_eq!(
            analysis.warnings()[0].to_string(),
            "parent cycle: `b-op` (b) is in a loop of 2 spans that name each other as parents: \
             the loop is cut here and the span shown as a root"
        );
    }

    #[test]
    fn interval_helpers() {
        let interval = Interval::new(10, 5);
        assert_eq!(interval.duration_ns(), -5);
        assert_eq!(interval.normalized(), Interval::new(10, 10));
        assert_eq!(Interval::new(0, 10).shifted(5), Interval::new(5, 15));
        assert!(Interval::new(0, 10).contains(Interval::new(0, 10)));
        assert!(!Interval::new(0, 10).contains(Interval::new(-1, 5)));
    }

    #[test]
    fn analysis_serializes_to_json() {
        let trace = simulate("try-it", 2);
        let analysis = analyze(&trace.spans, TimeBasis::Adjusted);
        let json = serde_json::to_string(&analysis).expect("serializes");
        let back: TraceAnalysis = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, analysis);
    }
}
