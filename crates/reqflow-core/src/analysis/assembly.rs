//! Trace assembly: from any set of spans to a tree, with the problems found as warnings.
//!
//! Assembly never fails and never drops a span. Whatever the input (orphans, duplicate span ids,
//! parent cycles, children outside their parent, negative durations), every span gets a place in
//! the tree and every oddity comes back as a [`Warning`] a learner can read:
//!
//! * a span's parent is looked up by (trace id, span id), so spans of another trace never adopt
//!   each other; a parent id of all zeros means "no parent";
//! * an **orphan** (parent id not in the set) becomes a root;
//! * a **duplicate** span id: every copy is kept in the tree, under its own parent; children that
//!   name the id hang under the first copy in input order;
//! * a **parent cycle** (following parents leads back to the start) is cut at its member that
//!   starts first, which becomes a root;
//! * a child **outside its parent** is reported as clock skew when it runs on another host, and as
//!   starting before / ending after its parent on the same host; a consumer span outliving the
//!   producer that sent its message is normal and not reported;
//! * **zero and negative durations** are reported; the time-based analysis reads a negative
//!   duration as zero.
//!
//! Children are ordered by start, then span id (then input order, for duplicates); roots too.

use serde::{Deserialize, Serialize};

use super::{Interval, clock_host, clock_host_label, intern, is_async_edge};
use crate::ids::{SpanId, TraceId};
use crate::trace::Span;
use crate::waterfall::format_duration;

/// What is wrong with a span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// An earlier span in the input has the same trace id and span id.
    DuplicateSpanId,
    /// The span's parent is not among the spans: it is shown as a root.
    Orphan,
    /// The span has no parent but another root is the trace's primary root.
    MultipleRoots,
    /// Following parent ids from the span leads back to it: the loop is cut here.
    ParentCycle,
    /// The span starts before its parent, on the same host.
    StartsBeforeParent,
    /// The span ends after its parent, on the same host.
    EndsAfterParent,
    /// The span lies outside its parent and runs on another host: probably clock skew.
    ClockSkew,
    /// The clock-skew adjuster computed a shift larger than the maximum adjustment (or
    /// adjustment is off): the shift was not applied.
    SkewNotAdjusted,
    /// The span starts and ends at the same instant.
    ZeroDuration,
    /// The span ends before it starts.
    NegativeDuration,
    /// The spans of this trace id are a separate trace split off the request.
    Fragment,
}

impl WarningKind {
    /// A short label, e.g. `orphan`, `clock skew`.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::DuplicateSpanId => "duplicate span id",
            WarningKind::Orphan => "orphan",
            WarningKind::MultipleRoots => "multiple roots",
            WarningKind::ParentCycle => "parent cycle",
            WarningKind::StartsBeforeParent => "starts before parent",
            WarningKind::EndsAfterParent => "ends after parent",
            WarningKind::ClockSkew => "clock skew",
            WarningKind::SkewNotAdjusted => "skew not adjusted",
            WarningKind::ZeroDuration => "zero duration",
            WarningKind::NegativeDuration => "negative duration",
            WarningKind::Fragment => "fragment",
        }
    }
}

impl std::fmt::Display for WarningKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A problem with one span, for people: which span, what is wrong, and a sentence explaining it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// Index of the span in the slice that was analysed.
    pub span: u32,
    pub span_id: SpanId,
    pub kind: WarningKind,
    /// A sentence a learner can read (no trailing period).
    pub message: String,
}

impl std::fmt::Display for Warning {
    /// "clock skew: `POST /verify` (auth on auth-1) starts 40 ms before ..."
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

/// Spans arranged as a forest. Spans are identified by their index in the input slice.
///
/// It serializes for caching and display; deserialize only what [`assemble`] produced (the
/// accessors index its arrays without checking them again).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceTree {
    parents: Vec<Option<u32>>,
    /// `children(i)` is `child_list[child_starts[i]..child_starts[i + 1]]`.
    child_starts: Vec<u32>,
    child_list: Vec<u32>,
    roots: Vec<u32>,
    primary_root: Option<u32>,
    /// A number per span for the host that stamped its times ([`clock_host`]).
    hosts: Vec<u32>,
    preorder: Vec<u32>,
    depths: Vec<u32>,
    warnings: Vec<Warning>,
}

impl TraceTree {
    /// Number of spans.
    pub fn len(&self) -> usize {
        self.parents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parents.is_empty()
    }

    /// The span's parent in the tree; `None` for roots (true roots, orphans, cut cycles).
    pub fn parent(&self, span_idx: u32) -> Option<u32> {
        self.parents[span_idx as usize]
    }

    /// The span's children, by start then span id.
    pub fn children(&self, span_idx: u32) -> &[u32] {
        let from = self.child_starts[span_idx as usize] as usize;
        let to = self.child_starts[span_idx as usize + 1] as usize;
        &self.child_list[from..to]
    }

    /// Every root, by start then span id.
    pub fn roots(&self) -> &[u32] {
        &self.roots
    }

    /// The root the trace is read from (the critical path starts there): the earliest span
    /// without a parent id, or when every span has one (the root was lost), the earliest root;
    /// a span that lasts no time (e.g. an incomplete span without a timestamp or duration) only
    /// when no root lasts some time.
    pub fn primary_root(&self) -> Option<u32> {
        self.primary_root
    }

    /// Every span once, depth first: each root's tree in turn, children in order.
    pub fn preorder(&self) -> &[u32] {
        &self.preorder
    }

    /// Whether two spans' times were stamped by the same host's clock ([`clock_host`]). A span
    /// whose host is unknown is on no host's clock but its own.
    pub fn same_host(&self, span_a: u32, span_b: u32) -> bool {
        let host = self.hosts[span_a as usize];
        host != UNKNOWN_HOST && host == self.hosts[span_b as usize]
    }

    /// Nesting depth (roots are 0).
    pub fn depth(&self, span_idx: u32) -> u32 {
        self.depths[span_idx as usize]
    }

    /// Every warning, ordered by span index then kind.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Adds warnings found after assembly (the clock-skew adjuster's), keeping them ordered by
    /// span.
    pub(crate) fn add_warnings(&mut self, more: Vec<Warning>) {
        if more.is_empty() {
            return;
        }
        self.warnings.extend(more);
        self.warnings.sort_by_key(|warning| (warning.span, warning.kind));
    }

    /// The warnings about one span.
    pub fn warnings_for(&self, span_idx: u32) -> &[Warning] {
        let from = self.warnings.partition_point(|warning| warning.span < span_idx);
        let to = self.warnings.partition_point(|warning| warning.span <= span_idx);
        &self.warnings[from..to]
    }
}

/// "`GET /orders/{id}` (orders)": how a message names a span.
pub fn span_label(span: &Span) -> String {
    Label(span).to_string()
}

/// Displays like [`span_label`], without building a string first.
struct Label<'a>(&'a Span);

impl std::fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` ({})", self.0.name, self.0.service)
    }
}

/// The same, with the host that stamped the span's times.
struct HostLabel<'a>(&'a Span);

impl std::fmt::Display for HostLabel<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` ({} on {})", self.0.name, self.0.service, clock_host_label(self.0))
    }
}

fn n_spans_u32(spans: &[Span]) -> u32 {
    u32::try_from(spans.len()).expect("fewer than 2^32 spans")
}

fn warn<'a>(warnings: &'a mut Vec<Warning>, spans: &[Span], span_idx: u32, kind: WarningKind) -> Warn<'a> {
    Warn { warnings, span_idx, span_id: spans[span_idx as usize].span_id, kind }
}

/// Half-built warning: `warn(...).say(message)`.
struct Warn<'a> {
    warnings: &'a mut Vec<Warning>,
    span_idx: u32,
    span_id: SpanId,
    kind: WarningKind,
}

impl Warn<'_> {
    fn say(self, message: String) {
        self.warnings.push(Warning { span: self.span_idx, span_id: self.span_id, kind: self.kind, message });
    }
}

fn has_parent_id(span: &Span) -> bool {
    span.parent_span_id.is_some_and(|parent| !parent.is_zero())
}

/// Builds the tree of any set of spans. Never fails, never drops a span (see the module docs).
pub fn assemble(spans: &[Span]) -> TraceTree {
    let mut warnings = Vec::new();
    let parents = link_parents(spans, &mut warnings);
    build_tree(spans, parents, warnings)
}

/// The same tree, from parents already found by index (`Imported::parents`: an import matches
/// the parent ids as it reads, and its span ids are unique within each trace). Parents that do
/// not fit `spans` are ignored and found again.
pub fn assemble_linked(spans: &[Span], parents: &[Option<u32>]) -> TraceTree {
    let fits = parents.len() == spans.len()
        && parents.iter().flatten().all(|&parent| (parent as usize) < spans.len());
    if !fits {
        return assemble(spans);
    }
    let mut warnings = Vec::new();
    for (span_idx, parent) in (0..n_spans_u32(spans)).zip(parents) {
        if parent.is_none() && has_parent_id(&spans[span_idx as usize]) {
            warn_orphan(&mut warnings, spans, span_idx);
        }
    }
    build_tree(spans, parents.to_vec(), warnings)
}

/// The tree from each span's parent (before loops are cut) and the warnings so far.
fn build_tree(spans: &[Span], mut parents: Vec<Option<u32>>, mut warnings: Vec<Warning>) -> TraceTree {
    let n_spans = n_spans_u32(spans);
    cut_cycles(spans, &mut parents, &mut warnings);

    // Children in one flat array, grouped by parent.
    let mut child_starts = vec![0u32; spans.len() + 1];
    for parent in parents.iter().flatten() {
        child_starts[*parent as usize + 1] += 1;
    }
    for slot in 1..child_starts.len() {
        child_starts[slot] += child_starts[slot - 1];
    }
    let mut fill = child_starts.clone();
    let mut child_list = vec![0u32; child_starts[spans.len()] as usize];
    let mut roots = Vec::new();
    for span_idx in 0..n_spans {
        match parents[span_idx as usize] {
            Some(parent) => {
                let slot = &mut fill[parent as usize];
                child_list[*slot as usize] = span_idx;
                *slot += 1;
            }
            None => roots.push(span_idx),
        }
    }
    let mut scratch = Vec::new();
    for span_idx in 0..spans.len() {
        let from = child_starts[span_idx] as usize;
        let to = child_starts[span_idx + 1] as usize;
        sort_by_start(&mut child_list[from..to], spans, &mut scratch);
    }
    sort_by_start(&mut roots, spans, &mut scratch);
    let primary_root = primary_root(spans, &roots);

    let mut tree = TraceTree {
        parents,
        child_starts,
        child_list,
        roots,
        primary_root,
        hosts: host_numbers(spans),
        preorder: Vec::with_capacity(spans.len()),
        depths: vec![0; spans.len()],
        warnings: Vec::new(),
    };
    walk_preorder(&mut tree);

    warn_other_roots(spans, &tree, &mut warnings);
    warn_times(spans, &tree, &mut warnings);
    warnings.sort_by_key(|warning| (warning.span, warning.kind));
    tree.warnings = warnings;
    tree
}

/// The root the trace is read from ([`TraceTree::primary_root`]), of `roots` sorted by start: the
/// earliest true root (no parent id) that lasts some time; else the earliest root that does (an
/// orphan: the true root was lost, or was reported without times); else the earliest true
/// root; else the earliest root. A span that lasts no time (an instant event, or an incomplete
/// span reported without a timestamp or duration, which the import places next to its relatives
/// with zero duration) gives no critical path, so it is the root only when no span can be.
fn primary_root(spans: &[Span], roots: &[u32]) -> Option<u32> {
    let lasts = |root: &u32| Interval::of(&spans[*root as usize]).duration_ns() > 0;
    let true_root = |root: &u32| !has_parent_id(&spans[*root as usize]);
    let find = |wanted: &dyn Fn(&u32) -> bool| roots.iter().copied().find(|root| wanted(root));
    find(&|root| true_root(root) && lasts(root))
        .or_else(|| find(&lasts))
        .or_else(|| find(&true_root))
        .or_else(|| roots.first().copied())
}

/// The number of each span's clock host ([`clock_host`]); [`UNKNOWN_HOST`] for spans without one.
fn host_numbers(spans: &[Span]) -> Vec<u32> {
    let hosts: Vec<Option<&str>> = spans.iter().map(clock_host).collect();
    let (mut numbers, _) = intern(hosts.iter().map(|host| host.unwrap_or("")));
    for (number, host) in numbers.iter_mut().zip(&hosts) {
        if host.is_none() {
            *number = UNKNOWN_HOST;
        }
    }
    numbers
}

/// The host number of a span whose host is unknown.
const UNKNOWN_HOST: u32 = u32::MAX;

/// Sorts span indices by (start, span id, index), reading each span once: comparing keys copied
/// side by side is much faster than reaching into the spans for every comparison.
fn sort_by_start(span_idxs: &mut [u32], spans: &[Span], scratch: &mut Vec<(i64, SpanId, u32)>) {
    if span_idxs.len() < 2 {
        return;
    }
    scratch.clear();
    scratch.extend(span_idxs.iter().map(|span_idx| {
        let span = &spans[*span_idx as usize];
        (span.start_ns, span.span_id, *span_idx)
    }));
    scratch.sort_unstable();
    for (slot, key) in span_idxs.iter_mut().zip(scratch.iter()) {
        *slot = key.2;
    }
}

/// Links every span to its parent ([`crate::index::link`]), reporting duplicates and orphans.
fn link_parents(spans: &[Span], warnings: &mut Vec<Warning>) -> Vec<Option<u32>> {
    let index = crate::index::link(spans);
    for duplicate in &index.duplicates {
        let original = &spans[duplicate.first as usize];
        let copy = &spans[duplicate.span as usize];
        warn(warnings, spans, duplicate.span, WarningKind::DuplicateSpanId).say(format!(
            "{} has the same span id {} as {}, which comes first: both are kept, and spans \
             naming {} as their parent are placed under the first one",
            Label(copy),
            copy.span_id,
            Label(original),
            copy.span_id,
        ));
    }
    for &orphan in &index.orphans {
        warn_orphan(warnings, spans, orphan);
    }
    index.parents
}

fn warn_orphan(warnings: &mut Vec<Warning>, spans: &[Span], span_idx: u32) {
    let span = &spans[span_idx as usize];
    warn(warnings, spans, span_idx, WarningKind::Orphan).say(format!(
        "{}'s parent {} is not among the trace's spans, so it is shown as a root: the parent may \
         be a hop that records no spans, a span that was sampled out, or one still in flight",
        Label(span),
        span.parent_span_id.unwrap_or_default()
    ));
}

/// Finds every loop of parent links and cuts it at the member that starts first.
fn cut_cycles(spans: &[Span], parents: &mut [Option<u32>], warnings: &mut Vec<Warning>) {
    const UNSEEN: u32 = u32::MAX;
    // The walk (numbered by its starting span) that first reached each span.
    let mut walk_of = vec![UNSEEN; spans.len()];
    let mut path = Vec::new();
    for start in 0..n_spans_u32(spans) {
        if walk_of[start as usize] != UNSEEN {
            continue;
        }
        path.clear();
        let mut current = start;
        loop {
            let seen_by = walk_of[current as usize];
            if seen_by == start {
                // Back on this walk's own path: the path from `current` on is a loop.
                let loop_from = path
                    .iter()
                    .rposition(|member| *member == current)
                    .expect("a span seen on this walk is on its path");
                let cycle = &path[loop_from..];
                let cut = *cycle
                    .iter()
                    .min_by_key(|member| {
                        let span = &spans[**member as usize];
                        (span.start_ns, span.span_id, **member)
                    })
                    .expect("a loop has members");
                parents[cut as usize] = None;
                let span = &spans[cut as usize];
                let message = if cycle.len() == 1 {
                    format!("{} names itself as its parent: it is shown as a root", Label(span))
                } else {
                    format!(
                        "{} is in a loop of {} spans that name each other as parents: the loop \
                         is cut here and the span shown as a root",
                        Label(span),
                        cycle.len()
                    )
                };
                warn(warnings, spans, cut, WarningKind::ParentCycle).say(message);
                break;
            }
            if seen_by != UNSEEN {
                break;
            }
            walk_of[current as usize] = start;
            path.push(current);
            match parents[current as usize] {
                Some(parent) => current = parent,
                None => break,
            }
        }
    }
}

fn walk_preorder(tree: &mut TraceTree) {
    let mut stack: Vec<(u32, u32)> = tree.roots.iter().rev().map(|root| (*root, 0)).collect();
    while let Some((span_idx, depth)) = stack.pop() {
        tree.preorder.push(span_idx);
        tree.depths[span_idx as usize] = depth;
        let from = tree.child_starts[span_idx as usize] as usize;
        let to = tree.child_starts[span_idx as usize + 1] as usize;
        stack.extend(tree.child_list[from..to].iter().rev().map(|child| (*child, depth + 1)));
    }
    debug_assert_eq!(tree.preorder.len(), tree.parents.len(), "every span placed");
}

fn warn_other_roots(spans: &[Span], tree: &TraceTree, warnings: &mut Vec<Warning>) {
    let Some(primary) = tree.primary_root else {
        return;
    };
    let primary_span = &spans[primary as usize];
    let n_true_roots = tree.roots.iter().filter(|root| !has_parent_id(&spans[**root as usize])).count();
    for root in &tree.roots {
        let span = &spans[*root as usize];
        if *root == primary || has_parent_id(span) {
            continue;
        }
        let other_trace = if span.trace_id == primary_span.trace_id {
            String::new()
        } else {
            format!(
                " (it belongs to trace {}, the primary root to trace {})",
                span.trace_id, primary_span.trace_id
            )
        };
        let which = if has_parent_id(primary_span) {
            "the earliest span that lasts some time"
        } else if Interval::of(span).duration_ns() <= 0 && Interval::of(primary_span).duration_ns() > 0 {
            "the earliest of them that lasts some time"
        } else {
            "the earliest of them"
        };
        warn(warnings, spans, *root, WarningKind::MultipleRoots).say(format!(
            "{} is one of {n_true_roots} spans without a parent: the trace is read from {which}, \
             {}{other_trace}",
            Label(span),
            Label(primary_span),
        ));
    }
}

fn warn_times(spans: &[Span], tree: &TraceTree, warnings: &mut Vec<Warning>) {
    for (span, span_idx) in spans.iter().zip(0..n_spans_u32(spans)) {
        let duration = Interval::of(span).duration_ns();
        if duration == 0 {
            warn(warnings, spans, span_idx, WarningKind::ZeroDuration).say(format!(
                "{} starts and ends at the same instant: an instant event, or a span whose end \
                 was not recorded",
                Label(span)
            ));
        } else if duration < 0 {
            warn(warnings, spans, span_idx, WarningKind::NegativeDuration).say(format!(
                "{} ends {} before it starts: the analysis reads it as lasting zero time from \
                 its start",
                Label(span),
                format_duration(duration.saturating_neg())
            ));
        }
        let Some(parent_idx) = tree.parent(span_idx) else {
            continue;
        };
        let parent = &spans[parent_idx as usize];
        let parent_times = Interval::of(parent).normalized();
        let times = Interval::of(span).normalized();
        let asynchronous = is_async_edge(parent, span);
        let early_ns = parent_times.start_ns.saturating_sub(times.start_ns);
        let late_ns = if asynchronous { 0 } else { times.end_ns.saturating_sub(parent_times.end_ns) };
        if early_ns <= 0 && late_ns <= 0 {
            continue;
        }
        if !tree.same_host(span_idx, parent_idx) {
            let message = if early_ns > 0 && asynchronous {
                format!(
                    "{} starts {} before its producer {} did: a message cannot be received \
                     before it is sent, so the two hosts' clocks disagree (clock skew)",
                    HostLabel(span),
                    format_duration(early_ns),
                    HostLabel(parent)
                )
            } else if early_ns > 0 {
                format!(
                    "{} starts {} before its parent {} did: a call cannot start before its \
                     caller, so the two hosts' clocks disagree (clock skew)",
                    HostLabel(span),
                    format_duration(early_ns),
                    HostLabel(parent)
                )
            } else {
                format!(
                    "{} ends {} after its parent {}: either the two hosts' clocks disagree \
                     (clock skew) or the parent stopped waiting (a timeout)",
                    HostLabel(span),
                    format_duration(late_ns),
                    HostLabel(parent)
                )
            };
            warn(warnings, spans, span_idx, WarningKind::ClockSkew).say(message);
            continue;
        }
        if early_ns > 0 {
            warn(warnings, spans, span_idx, WarningKind::StartsBeforeParent).say(format!(
                "{} starts {} before its parent {} on the same host, so it is not clock skew: \
                 the times were recorded wrongly",
                Label(span),
                format_duration(early_ns),
                Label(parent)
            ));
        }
        if late_ns > 0 {
            warn(warnings, spans, span_idx, WarningKind::EndsAfterParent).say(format!(
                "{} ends {} after its parent {} on the same host: the parent stopped waiting \
                 for it (a timeout or a fire-and-forget call), or its end was recorded late",
                Label(span),
                format_duration(late_ns),
                Label(parent)
            ));
        }
    }
}

/// The spans of one trace id, by index into the input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceGroup {
    pub trace_id: TraceId,
    /// Indices into the input slice, in input order.
    pub spans: Vec<u32>,
    /// The earliest start among the spans.
    pub start_ns: i64,
}

impl TraceGroup {
    /// Copies the group's spans out of the input, in input order, ready for [`assemble`].
    pub fn collect(&self, spans: &[Span]) -> Vec<Span> {
        self.spans.iter().map(|span_idx| spans[*span_idx as usize].clone()).collect()
    }
}

/// Spans split by trace id, plus a [`WarningKind::Fragment`] warning per extra trace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceGroups {
    /// The trace that starts first (the request's own, for one request's spans), then the rest by
    /// start, larger first on ties, then trace id.
    pub traces: Vec<TraceGroup>,
    /// One warning per trace after the first, on that trace's earliest span.
    pub warnings: Vec<Warning>,
}

/// Groups spans by trace id. Meant for one request's spans (a [`crate::RequestTrace`]): every
/// trace after the first is reported as a fragment that lost the trace context on the way.
pub fn group_by_trace(spans: &[Span]) -> TraceGroups {
    let (trace_numbers, n_traces) = crate::index::number_traces(spans);
    let mut by_trace: Vec<Vec<u32>> = vec![Vec::new(); n_traces as usize];
    for (span_idx, &trace) in (0u32..).zip(&trace_numbers) {
        by_trace[trace as usize].push(span_idx);
    }
    let earliest = |members: &[u32]| {
        *members
            .iter()
            .min_by_key(|span_idx| (spans[**span_idx as usize].start_ns, **span_idx))
            .expect("groups are not empty")
    };
    let mut traces: Vec<TraceGroup> = by_trace
        .into_iter()
        .map(|members| TraceGroup {
            trace_id: spans[members[0] as usize].trace_id,
            start_ns: spans[earliest(&members) as usize].start_ns,
            spans: members,
        })
        .collect();
    traces.sort_by_key(|group| (group.start_ns, std::cmp::Reverse(group.spans.len()), group.trace_id));
    let mut warnings = Vec::new();
    for group in traces.iter().skip(1) {
        let first = earliest(&group.spans);
        let n_spans = group.spans.len();
        let spans_became =
            if n_spans == 1 { "1 span became".to_owned() } else { format!("{n_spans} spans became") };
        warn(&mut warnings, spans, first, WarningKind::Fragment).say(format!(
            "{spans_became} a separate trace ({}), starting at {}: the trace context was lost \
             on the way, e.g. a service did not forward the traceparent header or a message \
             was sent without it",
            group.trace_id,
            Label(&spans[first as usize])
        ));
    }
    TraceGroups { traces, warnings }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;
    use crate::trace::SpanKind;

    /// The tree as indented lines of span ids (with depth), then one line per warning.
    fn render(spans: &[Span]) -> String {
        let tree = assemble(spans);
        assert_eq!(tree.len(), spans.len());
        let mut text = String::new();
        for span_idx in tree.preorder() {
            let depth = tree.depth(*span_idx) as usize;
            text.push_str(&"  ".repeat(depth));
            text.push_str(&short(&spans[*span_idx as usize]));
            text.push('\n');
        }
        for warning in tree.warnings() {
            text.push_str(&format!("! {} {}\n", short(&spans[warning.span as usize]), warning.kind));
        }
        text
    }

    fn check(spans: &[Span], expect: &str) {
        let actual = render(spans);
        let lines: Vec<&str> = expect.lines().filter(|line| !line.trim().is_empty()).collect();
        let indent = lines.iter().map(|line| line.len() - line.trim_start().len()).min().unwrap_or(0);
        let expect = lines.iter().map(|line| &line[indent..]).collect::<Vec<_>>().join("\n");
        assert_eq!(actual.trim_end(), expect, "\nactual:\n{actual}");
    }

    #[test]
    fn children_are_ordered_by_start_then_span_id() {
        check(
            &[
                span(1, "a", 0, 100).build(),
                span(5, "a", 10, 20).parent(1).build(),
                span(3, "a", 30, 40).parent(1).build(),
                span(4, "a", 10, 20).parent(1).build(),
                span(2, "a", 12, 15).parent(4).build(),
            ],
            "
            1
              4
                2
              5
              3
            ",
        );
    }

    #[test]
    fn orphan_becomes_a_root_with_a_warning() {
        check(
            &[
                span(1, "a", 0, 100).build(),
                span(2, "a", 10, 20).parent(1).build(),
                span(3, "b", 30, 40).parent(99).build(),
                span(4, "b", 31, 39).parent(3).build(),
            ],
            "
            1
              2
            3
              4
            ! 3 orphan
            ",
        );
        let spans = [span(3, "b", 30, 40).parent(99).build()];
        let tree = assemble(&spans);
        assert_eq!(tree.primary_root(), Some(0), "a lone orphan is the root");
        assert!(
            tree.warnings()[0].message.starts_with("`b-op` (b)'s parent 0000000000000063 is not among"),
            "{}",
            tree.warnings()[0].message
        );
    }

    #[test]
    fn extra_roots_are_warned_and_the_earliest_true_root_is_primary() {
        let spans = [
            span(9, "x", -5, 1).parent(77).build(),
            span(2, "b", 5, 50).build(),
            span(1, "a", 0, 100).build(),
        ];
        check(
            &spans,
            "
            9
            1
            2
            ! 9 orphan
            ! 2 multiple roots
            ",
        );
        assert_eq!(assemble(&spans).primary_root(), Some(idx(&spans, 1)));
        let other_trace = [span(1, "a", 0, 100).build(), span(2, "b", 5, 50).trace(2).build()];
        let tree = assemble(&other_trace);
        assert!(tree.warnings()[0].message.contains("it belongs to trace"), "{:?}", tree.warnings());
    }

    #[test]
    fn a_root_that_lasts_no_time_is_never_the_primary_root_while_another_can_be() {
        // An incomplete span (no timestamp, no duration, no parent) as an import places it: at
        // the trace's earliest start, with zero duration. Its id sorts first.
        let spans = [
            span(1, "late", 0, 0).build(),
            span(5, "a", 0, 100).build(),
            span(6, "a", 10, 20).parent(5).build(),
        ];
        let tree = assemble(&spans);
        assert_eq!(tree.primary_root(), Some(1), "{:?}", tree.warnings());
        let other = tree.warnings_for(0);
        assert_eq!(other[0].kind, WarningKind::MultipleRoots);
        assert!(
            other[0].message.contains("the earliest of them that lasts some time"),
            "{}",
            other[0].message
        );
        // A true root without time loses to an orphan that has some.
        let spans = [span(1, "late", 0, 0).build(), span(5, "a", 2, 100).parent(99).build()];
        assert_eq!(assemble(&spans).primary_root(), Some(1));
        // When nothing lasts, the earliest true root, as before.
        let spans =
            [span(5, "a", 3, 3).parent(99).build(), span(7, "b", 4, 4).build(), span(6, "c", 4, 4).build()];
        assert_eq!(assemble(&spans).primary_root(), Some(2));
    }

    #[test]
    fn duplicate_span_ids_keep_every_copy() {
        check(
            &[
                span(1, "a", 0, 100).build(),
                span(2, "a", 10, 50).parent(1).build(),
                span(2, "b", 20, 60).parent(1).build(),
                span(3, "c", 15, 30).parent(2).build(),
            ],
            "
            1
              2
                3
              2
            ! 2 duplicate span id
            ",
        );
        let spans = [span(7, "a", 0, 10).build(), span(7, "a", 0, 10).build()];
        let tree = assemble(&spans);
        assert_eq!(tree.preorder(), &[0, 1]);
        assert_eq!(tree.warnings_for(1)[0].kind, WarningKind::DuplicateSpanId);
        assert_eq!(tree.warnings_for(0).len(), 0);
    }

    #[test]
    fn parent_cycles_are_cut_and_every_span_stays() {
        check(
            &[
                span(1, "a", 20, 30).parent(3).build(),
                span(2, "a", 22, 28).parent(1).build(),
                span(3, "a", 5, 50).parent(2).build(),
                span(4, "a", 6, 7).parent(3).build(),
                span(5, "b", 0, 1).parent(5).build(),
            ],
            "
            5
            3
              4
              1
                2
            ! 3 parent cycle
            ! 5 parent cycle
            ",
        );
        let spans = [span(5, "b", 0, 1).parent(5).build()];
        assert_eq!(
            assemble(&spans).warnings()[0].message,
            "`b-op` (b) names itself as its parent: it is shown as a root"
        );
    }

    #[test]
    fn a_duplicate_naming_its_own_id_as_parent_hangs_under_the_first_copy() {
        check(
            &[span(1, "a", 0, 100).build(), span(1, "a", 10, 20).parent(1).build()],
            "
            1
              1
            ! 1 duplicate span id
            ",
        );
    }

    #[test]
    fn children_outside_their_parent_are_skew_across_hosts_and_wrong_times_on_one_host() {
        check(
            &[
                span(1, "a", 0, 100).build(),
                span(2, "a", -5, 20).parent(1).build(),
                span(3, "a", 90, 110).parent(1).build(),
                span(4, "b", -40, -20).parent(1).build(),
                span(5, "c", 95, 105).parent(1).build(),
                span(6, "a", 50, 60).parent(1).build(),
            ],
            "
            1
              4
              2
              6
              3
              5
            ! 2 starts before parent
            ! 3 ends after parent
            ! 4 clock skew
            ! 5 clock skew
            ",
        );
        let spans = [
            span(1, "gateway", 0, 100).host("edge-1").build(),
            span(2, "auth", -40, -20).host("auth-1").parent(1).build(),
        ];
        assert_eq!(
            assemble(&spans).warnings()[0].message,
            "`auth-op` (auth on auth-1) starts 40 ms before its parent `gateway-op` (gateway on \
             edge-1) did: a call cannot start before its caller, so the two hosts' clocks \
             disagree (clock skew)"
        );
    }

    #[test]
    fn a_consumer_after_its_producer_is_normal_but_not_before_it() {
        check(
            &[
                span(1, "shop", 0, 10).kind(SpanKind::Producer).build(),
                span(2, "mailer", 50, 90).kind(SpanKind::Consumer).parent(1).build(),
            ],
            "
            1
              2
            ",
        );
        check(
            &[
                span(1, "shop", 0, 10).kind(SpanKind::Producer).build(),
                span(2, "mailer", -5, 90).kind(SpanKind::Consumer).parent(1).build(),
            ],
            "
            1
              2
            ! 2 clock skew
            ",
        );
    }

    #[test]
    fn zero_and_negative_durations_are_warned() {
        check(
            &[
                span(1, "a", 0, 100).build(),
                span(2, "a", 10, 10).parent(1).build(),
                span(3, "a", 30, 20).parent(1).build(),
            ],
            "
            1
              2
              3
            ! 2 zero duration
            ! 3 negative duration
            ",
        );
        let tree = assemble(&[span(3, "a", 30, 20).build()]);
        assert_eq!(
            tree.warnings()[0].message,
            "`a-op` (a) ends 10 ms before it starts: the analysis reads it as lasting zero time \
             from its start"
        );
    }

    #[test]
    fn a_zero_parent_id_means_no_parent() {
        let mut root = span(1, "a", 0, 10).build();
        root.parent_span_id = Some(SpanId::default());
        check(&[root], "1");
    }

    #[test]
    fn empty_input_gives_an_empty_tree() {
        let tree = assemble(&[]);
        assert!(tree.is_empty());
        assert_eq!(tree.primary_root(), None);
        assert!(tree.preorder().is_empty());
        assert!(tree.warnings().is_empty());
    }

    #[test]
    fn a_very_deep_chain_does_not_overflow_the_stack() {
        let n_spans = 50_000u64;
        let spans: Vec<Span> = (1..=n_spans)
            .map(|n| {
                let builder = span(n, "a", n as i64, 2 * n_spans as i64 + 1 - n as i64);
                if n == 1 { builder.build() } else { builder.parent(n - 1).build() }
            })
            .collect();
        let tree = assemble(&spans);
        assert!(tree.warnings().is_empty());
        assert_eq!(tree.depth(n_spans as u32 - 1), n_spans as u32 - 1);
        let mut cyclic = spans;
        cyclic[0].parent_span_id = Some(id(n_spans));
        let tree = assemble(&cyclic);
        assert_eq!(tree.warnings().len(), 1);
        assert_eq!(tree.warnings()[0].kind, WarningKind::ParentCycle);
        assert_eq!(tree.preorder().len(), cyclic.len());
    }

    #[test]
    fn simulated_try_it_assembles_cleanly() {
        let trace = simulate("try-it", 4);
        let tree = assemble(&trace.spans);
        assert!(tree.warnings().is_empty(), "{:?}", tree.warnings());
        assert_eq!(tree.roots().len(), 1);
        assert_eq!(trace.spans[tree.primary_root().expect("root") as usize].service, "gateway");
    }

    #[test]
    fn fragments_are_grouped_and_reported() {
        let spans = [
            span(1, "gateway", 0, 100).build(),
            span(2, "orders", 10, 90).parent(1).build(),
            span(3, "database", 20, 80).trace(2).build(),
            span(4, "database", 30, 70).trace(2).parent(3).build(),
            span(5, "mailer", 95, 99).trace(3).build(),
        ];
        let groups = group_by_trace(&spans);
        let members: Vec<Vec<u32>> = groups.traces.iter().map(|group| group.spans.clone()).collect();
        assert_eq!(members, vec![vec![0, 1], vec![2, 3], vec![4]]);
        let messages: Vec<(u32, &str)> =
            groups.warnings.iter().map(|warning| (warning.span, warning.message.as_str())).collect();
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[0].0, 2);
        assert!(
            messages[0].1.starts_with("2 spans became a separate trace (72657166000000000000000000000002)"),
            "{}",
            messages[0].1
        );
        assert!(messages[1].1.starts_with("1 span became a separate trace"));
        assert_eq!(groups.traces[1].collect(&spans), spans[2..4].to_vec());
        assert!(group_by_trace(&spans[..2]).warnings.is_empty());
    }
}
