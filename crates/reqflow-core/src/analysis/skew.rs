//! Clock skew: each host stamps its spans with its own clock, so a child on another host can
//! appear to start before its parent. This module adjusts the times the way Jaeger's adjuster
//! does, keeping the raw times next to the adjusted ones; the raw spans are never modified.
//!
//! Detection is part of assembly: a child on another host that starts before its parent or ends
//! after it gets a [`super::WarningKind::ClockSkew`] warning (see [`super::assembly`]).
//!
//! # The adjuster
//!
//! Each tree is walked from its roots, parents before children; roots are not shifted. The host
//! of a span is keyed as Jaeger keys it ([`super::clock_host`]: the resource's `host.id`, else
//! `host.ip`, else `host.name`); a span with no host at all is on an unknown host, which is never
//! the same host as its parent's, so its shift is computed against its parent.
//!
//! * A span on the same host as its parent reads the same clock: it inherits its parent's shift.
//!   So every descendant shares the shift of its nearest ancestor that changed hosts.
//! * A span on another host is compared with its parent's (already shifted) times. If it fits
//!   inside, it is not shifted. If it does not fit and is no longer than its parent, it is shifted
//!   to start at `parent.start + (parent.duration − child.duration) / 2`: the parent's time outside
//!   the child (the network) is assumed split evenly between request and response. If it is longer
//!   than its parent, it is only stopped from starting before its parent.
//! * A consumer span under the producer that sent its message ([`super::is_async_edge`]) on
//!   another host is only stopped from starting before the producer: it may start and end
//!   whenever it likes after that (the message waited in a queue).
//!
//! A maximum adjustment (Jaeger's `max-clock-skew-adjustment`) can be set: a computed shift
//! larger than it (in either direction) is not applied, the span keeps its raw times and gets a
//! [`super::WarningKind::SkewNotAdjusted`] warning saying by how much the limit was exceeded;
//! spans below it on the same host keep their raw times too (they read the same clock). A
//! maximum of zero turns adjustment off, as Jaeger's zero does. No maximum: every shift applies.
//!
//! Every shifted span says why, e.g. "auth-1's clock appears 40 ms behind edge-1's: shifted
//! +40 ms so the span sits inside its parent".
//!
//! # Where the algorithm is wrong
//!
//! The adjuster only sees timestamps, never clocks, so it guesses; these guesses are wrong in
//! ways a learner should see:
//!
//! * **Async hops.** A consumer legitimately starts after its producer has ended (the message
//!   waited in the queue). Applied to a consumer like to any other child, the adjuster would
//!   drag it back inside the producer, erase the queue wait and invent a shift. Here consumers
//!   are only kept from starting before their producer, which in turn means a consumer host
//!   whose clock is *ahead* is never detected or corrected: its queue wait just looks longer.
//! * **Children that legitimately outlive their parent.** When a client gives up (a timeout) or
//!   fires and forgets, the server keeps working after the client span ended. If that server span
//!   is shorter than the client span, the adjuster decides its host's clock is ahead and centres
//!   it inside the client span, inventing a negative shift and hiding the very overrun that
//!   explains the timeout. (A child longer than its parent is left alone when it starts inside
//!   it, which is right for this case.)
//! * **A skewed parent and a child on different hosts.** The parent is taken as the reference.
//!   When the parent's host is the one with the wrong clock (say the root's), every correct child
//!   gets shifted to match it, and the shift is blamed on the child's host. When both hosts are
//!   off, only their difference is seen. And any skew smaller than the slack
//!   `(parent.duration − child.duration) / 2` in the right direction fits inside the parent and
//!   goes unnoticed; when it does not fit, centring assumes equal network time both ways, so the
//!   corrected position is an estimate, not the truth (simulated spans carry
//!   [`crate::trace::Span::truth`] to compare with).
//! * **Drift.** A clock that runs fast or slow has a skew that grows with time; a constant shift
//!   per host hop cannot represent it: every span below the hop gets the same shift, however
//!   long after the hop it ran.

use serde::{Deserialize, Serialize};

use super::{Interval, TraceTree, Warning, WarningKind, clock_host_label, is_async_edge};
use crate::text::Text;
use crate::trace::Span;
use crate::waterfall::format_duration;

/// Why a span moved (or did not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShiftKind {
    /// Not shifted: a root, a span that fits inside its parent, or a same-host span of an
    /// unshifted parent.
    Unchanged,
    /// On another host than its parent, did not fit, and was centred inside it.
    Centered,
    /// On another host than its parent (or a consumer), was only stopped from starting before it.
    NotBeforeParent,
    /// On the same host as its parent: moved by the parent's shift.
    Inherited,
    /// A shift was computed but is larger than the maximum adjustment (or adjustment is off):
    /// not applied. [`SpanShift::refused_ns`] holds it.
    NotApplied,
}

/// One span's raw and adjusted times.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpanShift {
    /// The times as the span's host recorded them.
    pub raw: Interval,
    /// `raw` moved by `shift_ns`.
    pub adjusted: Interval,
    /// What was added to both raw times.
    pub shift_ns: i64,
    /// The shift computed but not applied because it exceeds the maximum adjustment (0 when
    /// none was refused). Spans on the same host below such a span share it.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub refused_ns: i64,
    pub kind: ShiftKind,
    /// A sentence saying why the span moved; `None` when it did not.
    /// Shared text: every span that inherits a shift shares its ancestor's sentence.
    pub reason: Option<Text>,
}

fn is_zero(value: &i64) -> bool {
    *value == 0
}

/// The adjuster's result for every span, indexed like the spans.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockSkew {
    pub spans: Vec<SpanShift>,
}

impl ClockSkew {
    /// The adjusted times, one per span.
    pub fn adjusted_times(&self) -> Vec<Interval> {
        self.spans.iter().map(|shift| shift.adjusted).collect()
    }

    /// How many spans moved.
    pub fn n_shifted(&self) -> usize {
        self.spans.iter().filter(|shift| shift.shift_ns != 0).count()
    }

    /// How many spans kept their raw times because their shift exceeded the maximum adjustment.
    pub fn n_not_applied(&self) -> usize {
        self.spans.iter().filter(|shift| shift.kind == ShiftKind::NotApplied).count()
    }
}

/// The clock-skew adjuster's settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SkewLimit {
    /// The largest shift applied, in nanoseconds (either direction). `None`: no limit;
    /// `Some(0)`: adjustment is off.
    pub max_adjust_ns: Option<i64>,
}

impl SkewLimit {
    /// No maximum: every computed shift is applied.
    pub const NONE: SkewLimit = SkewLimit { max_adjust_ns: None };

    /// A maximum adjustment of `ms` milliseconds (0 turns adjustment off). Negative or
    /// non-finite values are not limits: `None`.
    pub fn from_ms(ms: f64) -> Option<SkewLimit> {
        (ms.is_finite() && ms >= 0.0)
            .then(|| SkewLimit { max_adjust_ns: Some((ms * 1e6).round().min(i64::MAX as f64) as i64) })
    }

    /// Whether a shift may be applied.
    fn allows(self, shift_ns: i64) -> bool {
        self.max_adjust_ns.is_none_or(|max| shift_ns.saturating_abs() <= max)
    }

    /// One sentence for people: "no maximum adjustment", "maximum adjustment 500 ms",
    /// "adjustment off".
    pub fn describe(self) -> String {
        match self.max_adjust_ns {
            None => "no maximum adjustment".to_owned(),
            Some(0) => "adjustment off (maximum 0)".to_owned(),
            Some(max) => format!("maximum adjustment {}", format_duration(max)),
        }
    }

    /// Why a computed shift was not applied.
    fn refusal(self, host: &str, shift_ns: i64) -> String {
        let max = self.max_adjust_ns.unwrap_or(0);
        if max == 0 {
            format!(
                "{host}'s clock appears off by {}{}, but clock-skew adjustment is off (maximum \
                 0): the shift was not applied",
                plus(shift_ns),
                format_duration(shift_ns)
            )
        } else {
            format!(
                "{host}'s clock appears off by {}{}, which exceeds the maximum adjustment of {} \
                 by {}: the shift was not applied, the span keeps its raw times",
                plus(shift_ns),
                format_duration(shift_ns),
                format_duration(max),
                format_duration(shift_ns.saturating_abs().saturating_sub(max))
            )
        }
    }
}

/// "+" for a positive shift ([`format_duration`] writes the "-").
fn plus(shift_ns: i64) -> &'static str {
    if shift_ns > 0 { "+" } else { "" }
}

/// Adjusts every span's times for clock skew (see the module docs) within `limit`. `tree` must
/// have been assembled from `spans`.
pub fn adjust_clock_skew(spans: &[Span], tree: &TraceTree, limit: SkewLimit) -> ClockSkew {
    assert_eq!(tree.len(), spans.len(), "the tree was built from these spans");
    let mut shifts: Vec<SpanShift> = spans
        .iter()
        .map(|span| SpanShift {
            raw: Interval::of(span),
            adjusted: Interval::of(span),
            shift_ns: 0,
            refused_ns: 0,
            kind: ShiftKind::Unchanged,
            reason: None,
        })
        .collect();
    for span_idx in tree.preorder() {
        let Some(parent_idx) = tree.parent(*span_idx) else {
            continue;
        };
        let span = &spans[*span_idx as usize];
        let parent = &spans[parent_idx as usize];
        let parent_shift = &shifts[parent_idx as usize];
        let (shift_ns, kind, reason) = if tree.same_host(*span_idx, parent_idx) {
            if parent_shift.kind == ShiftKind::NotApplied
                || (parent_shift.kind == ShiftKind::Inherited && parent_shift.refused_ns != 0)
            {
                // The parent's clock was not corrected, and this span reads the same clock.
                let reason = format!(
                    "on the same host as its parent ({}), whose shift of {}{} was not applied: \
                     it keeps its raw times too",
                    clock_host_label(span),
                    plus(parent_shift.refused_ns),
                    format_duration(parent_shift.refused_ns)
                );
                let refused_ns = parent_shift.refused_ns;
                let shift = &mut shifts[*span_idx as usize];
                shift.refused_ns = refused_ns;
                shift.kind = ShiftKind::Inherited;
                shift.reason = Some(Text::from(reason));
                continue;
            } else if parent_shift.shift_ns == 0 {
                (0, ShiftKind::Unchanged, None)
            } else if parent_shift.kind == ShiftKind::Inherited {
                // Same host, same shift, so the same sentence as the parent's.
                (parent_shift.shift_ns, ShiftKind::Inherited, parent_shift.reason.clone())
            } else {
                let reason = format!(
                    "on the same host as its parent ({}), so it reads the same clock: moved \
                     with it by {}{}",
                    clock_host_label(span),
                    plus(parent_shift.shift_ns),
                    format_duration(parent_shift.shift_ns)
                );
                (parent_shift.shift_ns, ShiftKind::Inherited, Some(Text::from(reason)))
            }
        } else {
            fit(
                Interval::of(span).normalized(),
                parent_shift.adjusted.normalized(),
                is_async_edge(parent, span),
                clock_host_label(span),
                clock_host_label(parent),
            )
        };
        let shift = &mut shifts[*span_idx as usize];
        if limit.allows(shift_ns) {
            shift.shift_ns = shift_ns;
            shift.adjusted = shift.raw.shifted(shift_ns);
            shift.kind = kind;
            shift.reason = reason;
        } else {
            shift.refused_ns = shift_ns;
            shift.kind = ShiftKind::NotApplied;
            shift.reason = Some(Text::from(limit.refusal(clock_host_label(span), shift_ns)));
        }
    }
    ClockSkew { spans: shifts }
}

/// One [`WarningKind::SkewNotAdjusted`] warning per span whose own shift was refused (spans that
/// only share a refused parent's clock are not warned again; their reason says why).
pub(crate) fn refusal_warnings(spans: &[Span], skew: &ClockSkew) -> Vec<Warning> {
    skew.spans
        .iter()
        .enumerate()
        .filter(|(_, shift)| shift.kind == ShiftKind::NotApplied)
        .map(|(span_idx, shift)| Warning {
            span: span_idx as u32,
            span_id: spans[span_idx].span_id,
            kind: WarningKind::SkewNotAdjusted,
            message: shift.reason.as_deref().unwrap_or_default().to_owned(),
        })
        .collect()
}

/// The shift of a span on another host than its parent.
fn fit(
    child: Interval,
    parent: Interval,
    asynchronous: bool,
    host: &str,
    parent_host: &str,
) -> (i64, ShiftKind, Option<Text>) {
    let unchanged = (0, ShiftKind::Unchanged, None);
    let early_ns = parent.start_ns.saturating_sub(child.start_ns);
    if asynchronous {
        if early_ns <= 0 {
            return unchanged;
        }
        let reason = format!(
            "{host}'s clock appears at least {early} behind {parent_host}'s: the message was \
             received before it was sent, so the consumer is shifted +{early} to start when the \
             producer did",
            early = format_duration(early_ns),
        );
        return (early_ns, ShiftKind::NotBeforeParent, Some(Text::from(reason)));
    }
    if parent.contains(child) {
        return unchanged;
    }
    if child.duration_ns() <= parent.duration_ns() {
        let slack_ns = (parent.duration_ns() - child.duration_ns()) / 2;
        let shift_ns = parent.start_ns.saturating_add(slack_ns).saturating_sub(child.start_ns);
        if shift_ns == 0 {
            return unchanged;
        }
        let (sign, direction) = if shift_ns > 0 { ("+", "behind") } else { ("-", "ahead of") };
        let reason = format!(
            "{host}'s clock appears {amount} {direction} {parent_host}'s: shifted {sign}{amount} \
             so the span sits inside its parent (assuming the network took as long each way)",
            amount = format_duration(shift_ns.saturating_abs()),
        );
        return (shift_ns, ShiftKind::Centered, Some(Text::from(reason)));
    }
    if early_ns > 0 {
        let reason = format!(
            "{host}'s clock appears at least {early} behind {parent_host}'s: shifted +{early} so \
             the span does not start before its parent (it lasts longer than its parent, so it \
             cannot fit inside)",
            early = format_duration(early_ns),
        );
        return (early_ns, ShiftKind::NotBeforeParent, Some(Text::from(reason)));
    }
    unchanged
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{TimeBasis, WarningKind, analyze, analyze_with, assemble};
    use super::*;
    use crate::trace::SpanKind;

    fn adjust(spans: &[Span]) -> ClockSkew {
        adjust_clock_skew(spans, &assemble(spans), SkewLimit::NONE)
    }

    /// `span shift_ms kind` per span, in input order.
    fn check(spans: &[Span], expect: &str) {
        let skew = adjust(spans);
        let actual: Vec<String> = spans
            .iter()
            .zip(&skew.spans)
            .map(|(span, shift)| {
                assert_eq!(shift.raw, Interval::of(span), "raw times are kept");
                assert_eq!(shift.adjusted, shift.raw.shifted(shift.shift_ns));
                assert_eq!(shift.reason.is_some(), shift.shift_ns != 0);
                format!("{} {} {:?}", short(span), shift.shift_ns / MS, shift.kind)
            })
            .collect();
        let expect: Vec<String> =
            expect.lines().map(str::trim).filter(|line| !line.is_empty()).map(str::to_owned).collect();
        assert_eq!(actual, expect);
    }

    #[test]
    fn a_child_behind_its_parent_is_centred_and_its_host_follows() {
        check(
            &[
                span(1, "gateway", 0, 100).host("edge-1").build(),
                span(2, "auth", -40, -20).host("auth-1").parent(1).build(),
                span(3, "auth", -35, -25).host("auth-1").parent(2).build(),
                span(4, "db", 47, 53).host("db-1").parent(3).build(),
                span(5, "db", 0, 4).host("db-1").parent(3).build(),
                span(6, "db", 1, 2).host("db-1").parent(5).build(),
            ],
            "
            1 0 Unchanged
            2 80 Centered
            3 80 Inherited
            4 0 Unchanged
            5 48 Centered
            6 48 Inherited
            ",
        );
    }

    #[test]
    fn a_child_ahead_of_its_parent_is_shifted_back() {
        let spans = [
            span(1, "gateway", 0, 100).host("edge-1").build(),
            span(2, "auth", 150, 170).host("auth-1").parent(1).build(),
        ];
        check(
            &spans,
            "
            1 0 Unchanged
            2 -110 Centered
            ",
        );
        assert_eq!(
            adjust(&spans).spans[1].reason.as_deref(),
            Some(
                "auth-1's clock appears 110 ms ahead of edge-1's: shifted -110 ms so the span \
                 sits inside its parent (assuming the network took as long each way)"
            )
        );
    }

    #[test]
    fn a_child_longer_than_its_parent_is_only_kept_from_starting_before_it() {
        check(
            &[
                span(1, "gateway", 0, 10).host("edge-1").build(),
                span(2, "auth", -5, 20).host("auth-1").parent(1).build(),
                span(3, "orders", 5, 30).host("orders-1").parent(1).build(),
            ],
            "
            1 0 Unchanged
            2 5 NotBeforeParent
            3 0 Unchanged
            ",
        );
    }

    #[test]
    fn a_consumer_after_its_producer_is_not_skew() {
        let spans = [
            span(1, "shop", 0, 10).kind(SpanKind::Producer).build(),
            span(2, "mailer", 50, 90).kind(SpanKind::Consumer).parent(1).build(),
            span(3, "shop", 0, 10).kind(SpanKind::Producer).build(),
            span(4, "mailer", -20, 90).kind(SpanKind::Consumer).parent(3).build(),
        ];
        check(
            &spans,
            "
            1 0 Unchanged
            2 0 Unchanged
            3 0 Unchanged
            4 20 NotBeforeParent
            ",
        );
        let analysis = analyze(&spans, TimeBasis::Adjusted);
        assert!(analysis.warnings_for(1).is_empty());
        assert!(!analysis.is_on_critical_path(1));
        assert_eq!(analysis.warnings_for(3)[0].kind, WarningKind::ClockSkew);
    }

    #[test]
    fn spans_without_a_host_are_on_unknown_hosts_and_compared_with_their_parent() {
        // Before: a missing host was the service's host, so span 2 (same service as its parent)
        // was not compared. Jaeger treats a span without a host key as on another host.
        check(
            &[
                span(1, "gateway", 0, 100).host("").build(),
                span(2, "gateway", -10, 5).host("").parent(1).build(),
                span(3, "auth", -50, -40).host("").parent(1).build(),
                span(4, "auth", -49, -41).host("").parent(3).build(),
            ],
            "
            1 0 Unchanged
            2 52 Centered
            3 95 Centered
            4 95 Centered
            ",
        );
        let spans = [
            span(1, "gateway", 0, 100).host("").build(),
            span(2, "auth", -50, -40).host("").parent(1).build(),
        ];
        let reason = adjust(&spans).spans[1].reason.clone().expect("shifted");
        assert!(
            reason.starts_with("an unknown host's clock appears 95 ms behind an unknown host's"),
            "{reason}"
        );
    }

    #[test]
    fn the_host_is_keyed_by_host_id_then_host_ip_then_host_name() {
        // Two spans whose host names differ but whose host.id is the same read one clock: the
        // child inherits its parent's shift instead of being compared again.
        check(
            &[
                span(1, "gateway", 0, 100).resource(&[("host.id", "i-1"), ("host.name", "edge")]).build(),
                span(2, "auth", -40, -20)
                    .resource(&[("host.id", "i-2"), ("host.name", "a")])
                    .parent(1)
                    .build(),
                span(3, "auth", -60, -10)
                    .resource(&[("host.id", "i-2"), ("host.name", "b")])
                    .parent(2)
                    .build(),
                span(4, "db", -30, -25)
                    .resource(&[("host.ip", "10.0.0.7"), ("host.name", "c")])
                    .parent(2)
                    .build(),
                span(5, "db", -29, -26)
                    .resource(&[(
                        "host.ip",
                        r#"{"values":[{"stringValue":"10.0.0.7"},{"stringValue":"::1"}]}"#,
                    )])
                    .parent(4)
                    .build(),
                span(6, "db", -28, -27).resource(&[("host.name", "10.0.0.7")]).parent(5).build(),
            ],
            "
            1 0 Unchanged
            2 80 Centered
            3 80 Inherited
            4 77 Centered
            5 77 Inherited
            6 77 Inherited
            ",
        );
        let host = |attributes: &[(&str, &str)]| {
            let span = span(1, "svc", 0, 1).host("fallback").resource(attributes).build();
            crate::analysis::clock_host(&span).map(str::to_owned)
        };
        assert_eq!(
            host(&[("host.name", "n"), ("host.ip", "1.2.3.4"), ("host.id", "id")]).as_deref(),
            Some("id")
        );
        assert_eq!(host(&[("host.name", "n"), ("host.ip", "1.2.3.4")]).as_deref(), Some("1.2.3.4"));
        assert_eq!(host(&[("host.ip", r#"["5.6.7.8","9.9.9.9"]"#)]).as_deref(), Some("5.6.7.8"));
        assert_eq!(host(&[("host.ip", "[]"), ("host.name", "n")]).as_deref(), Some("n"));
        assert_eq!(host(&[("ip", "10.1.1.1"), ("host.name", "n")]).as_deref(), Some("10.1.1.1"));
        assert_eq!(host(&[("k8s.pod.name", "p")]).as_deref(), Some("fallback"));
    }

    #[test]
    fn a_shift_over_the_maximum_is_not_applied_and_says_by_how_much() {
        let spans = [
            span(1, "gateway", 0, 100).host("edge-1").build(),
            span(2, "auth", -2000, -1980).host("auth-1").parent(1).build(),
            span(3, "auth", -1995, -1985).host("auth-1").parent(2).build(),
            span(4, "db", 40, 60).host("db-1").parent(1).build(),
            span(5, "db", 150, 160).host("db-1").parent(1).build(),
        ];
        let tree = assemble(&spans);
        let limit = SkewLimit::from_ms(500.0).expect("a limit");
        let skew = adjust_clock_skew(&spans, &tree, limit);
        let kinds: Vec<(i64, i64, ShiftKind)> =
            skew.spans.iter().map(|shift| (shift.shift_ns / MS, shift.refused_ns / MS, shift.kind)).collect();
        assert_eq!(
            kinds,
            [
                (0, 0, ShiftKind::Unchanged),
                (0, 2040, ShiftKind::NotApplied),
                (0, 2040, ShiftKind::Inherited),
                (0, 0, ShiftKind::Unchanged),
                (-105, 0, ShiftKind::Centered),
            ]
        );
        assert_eq!(skew.spans[1].adjusted, skew.spans[1].raw, "raw times kept");
        assert_eq!(skew.n_not_applied(), 1);
        assert_eq!(
            skew.spans[1].reason.as_deref(),
            Some(
                "auth-1's clock appears off by +2.04 s, which exceeds the maximum adjustment of \
                 500 ms by 1.54 s: the shift was not applied, the span keeps its raw times"
            )
        );

        let analysis = analyze_with(&spans, None, TimeBasis::Adjusted, limit);
        let warnings: Vec<_> =
            analysis.warnings().iter().filter(|w| w.kind == WarningKind::SkewNotAdjusted).collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].span, 1);
        assert!(warnings[0].message.contains("by 1.54 s"), "{}", warnings[0].message);
        let kinds: Vec<WarningKind> = analysis.warnings_for(1).iter().map(|w| w.kind).collect();
        assert_eq!(kinds, [WarningKind::ClockSkew, WarningKind::SkewNotAdjusted]);
    }

    #[test]
    fn a_maximum_of_zero_turns_adjustment_off_and_no_maximum_applies_every_shift() {
        let spans = [
            span(1, "gateway", 0, 100).host("edge-1").build(),
            span(2, "auth", -40, -20).host("auth-1").parent(1).build(),
        ];
        let tree = assemble(&spans);
        let off = adjust_clock_skew(&spans, &tree, SkewLimit::from_ms(0.0).expect("zero is a limit"));
        assert_eq!(off.n_shifted(), 0);
        assert_eq!(off.spans[1].kind, ShiftKind::NotApplied);
        assert_eq!(
            off.spans[1].reason.as_deref(),
            Some(
                "auth-1's clock appears off by +80 ms, but clock-skew adjustment is off (maximum 0): the shift was not applied"
            )
        );
        let exact = adjust_clock_skew(&spans, &tree, SkewLimit::from_ms(80.0).expect("a limit"));
        assert_eq!(exact.spans[1].shift_ns, 80 * MS, "a shift equal to the maximum is applied");
        assert_eq!(adjust_clock_skew(&spans, &tree, SkewLimit::NONE).spans[1].shift_ns, 80 * MS);
        assert_eq!(SkewLimit::from_ms(-1.0), None);
        assert_eq!(SkewLimit::from_ms(f64::NAN), None);
        assert_eq!(SkewLimit::NONE.describe(), "no maximum adjustment");
        assert_eq!(
            SkewLimit::from_ms(0.0).map(SkewLimit::describe).as_deref(),
            Some("adjustment off (maximum 0)")
        );
        assert_eq!(
            SkewLimit::from_ms(250.0).map(SkewLimit::describe).as_deref(),
            Some("maximum adjustment 250 ms")
        );
    }

    #[test]
    fn every_span_of_a_broken_trace_gets_times() {
        let spans = [
            span(1, "a", 0, 10).parent(2).build(),
            span(2, "b", 20, 30).parent(1).build(),
            span(2, "c", 40, 50).parent(2).build(),
            span(3, "d", 60, 50).parent(77).build(),
        ];
        let skew = adjust(&spans);
        assert_eq!(skew.spans.len(), spans.len());
        for (span, shift) in spans.iter().zip(&skew.spans) {
            assert_eq!(shift.raw, Interval::of(span));
        }
    }

    #[test]
    fn try_it_with_auth_40_ms_behind_is_detected_and_adjusted() {
        let mut scenario = crate::builtins::load("try-it").expect("built-in");
        scenario.service_mut("auth").expect("auth").clock.offset_ms = -40.0;
        let trace = simulate_scenario(&scenario, 1);
        let before = trace.spans.clone();
        let analysis = analyze(&trace.spans, TimeBasis::Adjusted);
        assert_eq!(trace.spans, before, "raw spans are untouched");

        let auth = trace.spans.iter().position(|span| span.service == "auth").expect("auth span") as u32;
        let parent = analysis.tree.parent(auth).expect("auth has a parent");
        let warnings = analysis.warnings_for(auth);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].kind, WarningKind::ClockSkew);
        assert!(warnings[0].message.contains("auth-1"), "{}", warnings[0].message);

        let shift = &analysis.skew.spans[auth as usize];
        assert_eq!(shift.raw, Interval::of(&trace.spans[auth as usize]));
        assert_eq!(shift.kind, ShiftKind::Centered);
        assert!((35 * MS..=45 * MS).contains(&shift.shift_ns), "shift {}", shift.shift_ns);
        let parent_times = analysis.skew.spans[parent as usize].adjusted;
        assert!(parent_times.contains(shift.adjusted), "{shift:?} in {parent_times:?}");
        let reason = shift.reason.as_deref().expect("a reason");
        assert!(
            reason.starts_with("auth-1's clock appears ") && reason.contains(" behind edge-1's"),
            "{reason}"
        );
        assert_eq!(analysis.skew.n_shifted(), 1);
        let truth = trace.spans[auth as usize].truth.expect("simulated");
        let error_ns = (shift.adjusted.start_ns - truth.start_ns).abs();
        assert!(error_ns < 5 * MS, "adjusted is close to the truth: {error_ns}");
        assert!(analysis.bottleneck_sentence().starts_with("database: "));
    }
}
