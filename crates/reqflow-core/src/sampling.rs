//! Tail-sampling policies: decide, once a trace is complete, whether to keep it. The policies and
//! their settings are named as the OpenTelemetry Collector's `tail_sampling` processor names them,
//! so practitioners recognise them (`{"type": "latency", "threshold_ms": 500}`), and they decide
//! as its documentation describes:
//!
//! - `always_sample`: every trace.
//! - `latency`: the trace's duration — latest end minus earliest start, whatever happened between
//!   — is at least `threshold_ms` (and at most `upper_threshold_ms` when one is given).
//! - `status_code`: some span's status is one of `status_codes` (`ERROR`, `OK`, `UNSET`).
//! - `probabilistic`: `sampling_percentage` of traces, chosen by a hash of the trace id (salted
//!   with `hash_salt`), so every collector that sees the trace decides the same.
//! - `rate_limiting`: at most `spans_per_second` spans kept per second; a trace is kept while the
//!   second it completes in has room for all its spans. Seconds are the simulation's virtual
//!   seconds of the trace's end.
//! - `string_attribute`: some span has attribute `key` (its own or its resource's, `service.name`
//!   and `host.name` included) with a string value among `values` — or, with `invert_match`, no
//!   span does. Exact matches only (the Collector's regular expressions are not supported).
//! - `numeric_attribute`: some span has integer attribute `key` within `min_value..=max_value`.
//! - `span_count`: the trace has at least `min_spans` spans (and at most `max_spans` when given).
//! - `and`: every policy of `and_sub_policy` keeps it.
//!
//! Head sampling (the probability decided at the root, carried in `traceparent`'s sampled flag) is
//! the scenario's `sampling`; it decides before anything is known, which is the point the
//! comparison makes.

use serde::{Deserialize, Serialize};

use crate::hash::mix64;
use crate::sim::SpanDigest;
use crate::trace::{AttributeValue, Span, StatusCode};

/// One tail-sampling policy, as the Collector's configuration writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Policy {
    AlwaysSample,
    Latency {
        threshold_ms: f64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        upper_threshold_ms: Option<f64>,
    },
    StatusCode {
        status_codes: Vec<StatusName>,
    },
    Probabilistic {
        sampling_percentage: f64,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        hash_salt: String,
    },
    RateLimiting {
        spans_per_second: u64,
    },
    StringAttribute {
        key: String,
        values: Vec<String>,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        invert_match: bool,
    },
    NumericAttribute {
        key: String,
        min_value: i64,
        max_value: i64,
    },
    SpanCount {
        min_spans: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_spans: Option<u32>,
    },
    And {
        and_sub_policy: Vec<Policy>,
    },
}

/// A span status as the Collector's `status_code` policy names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum StatusName {
    Error,
    Ok,
    Unset,
}

impl StatusName {
    fn matches(self, code: StatusCode) -> bool {
        matches!(
            (self, code),
            (StatusName::Error, StatusCode::Error)
                | (StatusName::Ok, StatusCode::Ok)
                | (StatusName::Unset, StatusCode::Unset)
        )
    }
}

/// A policy with the state some policies keep between traces (the rate limiter's current second).
/// Feed it complete traces in the order they complete.
#[derive(Clone, Debug)]
pub struct Sampler {
    policy: Policy,
    /// Per `rate_limiting` policy in `policy` (in depth-first order): (second, spans kept in it).
    seconds: Vec<(i64, u64)>,
}

impl Sampler {
    pub fn new(policy: Policy) -> Sampler {
        let mut n_limiters = 0;
        count_limiters(&policy, &mut n_limiters);
        Sampler { policy, seconds: vec![(i64::MIN, 0); n_limiters] }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Whether to keep the trace made of `spans` (all spans of one trace id; not empty).
    pub fn keep(&mut self, spans: &[Span]) -> bool {
        let mut limiter = 0;
        decide(&self.policy, spans, &mut self.seconds, &mut limiter)
    }

    /// [`Sampler::keep`] on the spans' digests, which decides the same for every policy that
    /// reads no attributes (see [`Policy::reads_attributes`]); attribute policies keep nothing
    /// here.
    pub fn keep_digests(&mut self, digests: &[SpanDigest]) -> bool {
        let mut limiter = 0;
        decide(&self.policy, digests, &mut self.seconds, &mut limiter)
    }
}

impl Policy {
    /// Whether the policy reads span attributes (`string_attribute`, `numeric_attribute`, also
    /// inside `and`): those need built spans; every other policy decides on digests.
    pub fn reads_attributes(&self) -> bool {
        match self {
            Policy::StringAttribute { .. } | Policy::NumericAttribute { .. } => true,
            Policy::And { and_sub_policy } => and_sub_policy.iter().any(Policy::reads_attributes),
            _ => false,
        }
    }
}

/// What a decision reads of a trace's spans: built spans or their digests.
trait TraceSpans {
    fn len(&self) -> usize;
    fn trace_id(&self) -> Option<&[u8; 16]>;
    fn start_ns(&self, idx: usize) -> i64;
    fn end_ns(&self, idx: usize) -> i64;
    fn status(&self, idx: usize) -> StatusCode;
    /// The built spans, for the attribute policies.
    fn built(&self) -> &[Span];
}

impl TraceSpans for [Span] {
    fn len(&self) -> usize {
        <[Span]>::len(self)
    }
    fn trace_id(&self) -> Option<&[u8; 16]> {
        self.first().map(|span| &span.trace_id.0)
    }
    fn start_ns(&self, idx: usize) -> i64 {
        self[idx].start_ns
    }
    fn end_ns(&self, idx: usize) -> i64 {
        self[idx].end_ns
    }
    fn status(&self, idx: usize) -> StatusCode {
        self[idx].status.code
    }
    fn built(&self) -> &[Span] {
        self
    }
}

impl TraceSpans for [SpanDigest] {
    fn len(&self) -> usize {
        <[SpanDigest]>::len(self)
    }
    fn trace_id(&self) -> Option<&[u8; 16]> {
        self.first().map(|digest| &digest.trace_id.0)
    }
    fn start_ns(&self, idx: usize) -> i64 {
        self[idx].start_ns
    }
    fn end_ns(&self, idx: usize) -> i64 {
        self[idx].end_ns
    }
    fn status(&self, idx: usize) -> StatusCode {
        self[idx].status
    }
    fn built(&self) -> &[Span] {
        &[]
    }
}

fn count_limiters(policy: &Policy, n: &mut usize) {
    match policy {
        Policy::RateLimiting { .. } => *n += 1,
        Policy::And { and_sub_policy } => and_sub_policy.iter().for_each(|sub| count_limiters(sub, n)),
        _ => {}
    }
}

fn decide<T: TraceSpans + ?Sized>(
    policy: &Policy,
    spans: &T,
    seconds: &mut [(i64, u64)],
    limiter: &mut usize,
) -> bool {
    let n = spans.len();
    match policy {
        Policy::AlwaysSample => true,
        Policy::Latency { threshold_ms, upper_threshold_ms } => {
            let duration_ms = duration_ns(spans) as f64 / 1e6;
            duration_ms >= *threshold_ms && upper_threshold_ms.is_none_or(|upper| duration_ms <= upper)
        }
        Policy::StatusCode { status_codes } => {
            (0..n).any(|idx| status_codes.iter().any(|name| name.matches(spans.status(idx))))
        }
        Policy::Probabilistic { sampling_percentage, hash_salt } => {
            let Some(trace_id) = spans.trace_id() else { return false };
            let fraction = (sampling_percentage / 100.0).clamp(0.0, 1.0);
            // The hash as a fraction of 2^64: uniform over trace ids, the same for every sampler.
            (trace_hash(hash_salt, trace_id) as f64) < fraction * 18_446_744_073_709_551_616.0
        }
        Policy::RateLimiting { spans_per_second } => {
            let slot = &mut seconds[*limiter];
            *limiter += 1;
            let second = (0..n).map(|idx| spans.end_ns(idx)).max().unwrap_or(0).div_euclid(1_000_000_000);
            if slot.0 != second {
                *slot = (second, 0);
            }
            let n_spans = n as u64;
            let fits = slot.1.saturating_add(n_spans) <= *spans_per_second;
            if fits {
                slot.1 += n_spans;
            }
            fits
        }
        Policy::StringAttribute { key, values, invert_match } => {
            let found = spans.built().iter().any(|span| {
                string_attribute(span, key).is_some_and(|value| values.iter().any(|wanted| wanted == value))
            });
            found != *invert_match
        }
        Policy::NumericAttribute { key, min_value, max_value } => spans.built().iter().any(|span| {
            attributes_of(span).any(|(name, value)| {
                name == key
                    && matches!(value, AttributeValue::Int(int) if (min_value..=max_value).contains(&int))
            })
        }),
        Policy::SpanCount { min_spans, max_spans } => {
            let n = n as u64;
            n >= u64::from(*min_spans) && max_spans.is_none_or(|max| n <= u64::from(max))
        }
        // Every sub-policy is evaluated (a rate limiter counts only what it keeps, but each one
        // must see the trace to keep its place among the limiters).
        Policy::And { and_sub_policy } => and_sub_policy
            .iter()
            .map(|sub| decide(sub, spans, seconds, limiter))
            .fold(!and_sub_policy.is_empty(), |all, kept| all && kept),
    }
}

/// Latest end minus earliest start (0 for no spans), saturating.
pub fn trace_duration_ns(spans: &[Span]) -> i64 {
    duration_ns(spans)
}

fn duration_ns<T: TraceSpans + ?Sized>(spans: &T) -> i64 {
    let n = spans.len();
    let start = (0..n).map(|idx| spans.start_ns(idx)).min().unwrap_or(0);
    let end = (0..n).map(|idx| spans.end_ns(idx)).max().unwrap_or(start);
    end.saturating_sub(start).max(0)
}

/// The string value of attribute `key` on the span or its resource (`service.name` and
/// `host.name` are the span's service and host).
fn string_attribute<'a>(span: &'a Span, key: &str) -> Option<&'a str> {
    match key {
        "service.name" => return Some(&span.service),
        "host.name" if !span.host.is_empty() => return Some(&span.host),
        _ => {}
    }
    attributes_of(span).find_map(|(name, value)| match value {
        AttributeValue::Str(text) if name == key => Some(&**text),
        _ => None,
    })
}

fn attributes_of(span: &Span) -> impl Iterator<Item = (&str, &AttributeValue)> {
    span.attributes.iter().chain(span.resource.attributes()).map(|kv| (&*kv.key, &kv.value))
}

/// A well-mixed 64-bit hash of the salt and the trace id's bytes.
fn trace_hash(salt: &str, trace_id: &[u8; 16]) -> u64 {
    let mut high = [0u8; 8];
    let mut low = [0u8; 8];
    high.copy_from_slice(&trace_id[..8]);
    low.copy_from_slice(&trace_id[8..]);
    let salted = crate::hash::hash_str(salt);
    mix64(mix64(salted ^ u64::from_be_bytes(high)) ^ u64::from_be_bytes(low))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::test_support::{MS, span};
    use crate::trace::KeyValue;

    /// A trace of `n` spans from 0 to `duration_ms`, the last one with `status`.
    fn trace(trace: u64, duration_ms: i64, n: u64, status: StatusCode) -> Vec<Span> {
        (1..=n)
            .map(|id| {
                let mut span = span(id, "svc", 0, if id == 1 { duration_ms } else { 1 }).trace(trace).build();
                if id == n {
                    span.status.code = status;
                }
                span
            })
            .collect()
    }

    fn keeps(policy: &Policy, spans: &[Span]) -> bool {
        Sampler::new(policy.clone()).keep(spans)
    }

    #[test]
    fn each_policy_decides_as_the_collector_documents() {
        let fast = trace(1, 40, 3, StatusCode::Unset);
        let slow = trace(2, 900, 3, StatusCode::Unset);
        let failed = trace(3, 40, 3, StatusCode::Error);
        let latency = Policy::Latency { threshold_ms: 500.0, upper_threshold_ms: None };
        let band = Policy::Latency { threshold_ms: 10.0, upper_threshold_ms: Some(100.0) };
        let errors = Policy::StatusCode { status_codes: vec![StatusName::Error] };
        let count = Policy::SpanCount { min_spans: 2, max_spans: Some(3) };
        let table: [(&str, &Policy, &[Span], bool); 9] = [
            ("latency keeps the slow trace", &latency, &slow, true),
            ("latency drops the fast trace", &latency, &fast, false),
            ("a latency band keeps what is inside", &band, &fast, true),
            ("a latency band drops what is above", &band, &slow, false),
            ("status_code ERROR keeps a trace with an error span", &errors, &failed, true),
            ("status_code ERROR drops a trace without one", &errors, &slow, false),
            ("span_count within bounds", &count, &fast, true),
            ("span_count above max_spans", &count, &trace(4, 1, 4, StatusCode::Unset), false),
            ("always_sample", &Policy::AlwaysSample, &fast, true),
        ];
        for (what, policy, spans, expected) in table {
            assert_eq!(keeps(policy, spans), expected, "{what}");
        }
    }

    #[test]
    fn the_latency_threshold_is_inclusive_and_uses_earliest_start_to_latest_end() {
        let mut spans = trace(1, 100, 2, StatusCode::Unset);
        spans[1].start_ns = -50 * MS; // a child that starts before the root (skew)
        let policy = |threshold_ms| Policy::Latency { threshold_ms, upper_threshold_ms: None };
        assert!(keeps(&policy(150.0), &spans), "150 ms from the child's start to the root's end");
        assert!(!keeps(&policy(150.001), &spans));
    }

    #[test]
    fn attributes_match_on_spans_and_resources_exactly_or_inverted() {
        let mut spans = trace(1, 10, 2, StatusCode::Unset);
        spans[1].attributes.push(KeyValue::new("http.route", "/checkout"));
        spans[0].attributes.push(KeyValue::new("retries", 3i64));
        let route = |values: &[&str], invert_match| Policy::StringAttribute {
            key: "http.route".into(),
            values: values.iter().map(|value| value.to_string()).collect(),
            invert_match,
        };
        assert!(keeps(&route(&["/checkout"], false), &spans));
        assert!(!keeps(&route(&["/check"], false), &spans), "exact matches only");
        assert!(!keeps(&route(&["/checkout"], true), &spans), "inverted");
        assert!(keeps(&route(&["/home"], true), &spans));
        let service = Policy::StringAttribute {
            key: "service.name".into(),
            values: vec!["svc".into()],
            invert_match: false,
        };
        assert!(keeps(&service, &spans), "the resource's service.name");
        let retries =
            |min_value, max_value| Policy::NumericAttribute { key: "retries".into(), min_value, max_value };
        assert!(keeps(&retries(1, 3), &spans));
        assert!(!keeps(&retries(4, 9), &spans));
    }

    #[test]
    fn probabilistic_keeps_about_its_share_and_decides_by_trace_id() {
        let policy = Policy::Probabilistic { sampling_percentage: 10.0, hash_salt: String::new() };
        let kept =
            (0..10_000).filter(|&trace_no| keeps(&policy, &trace(trace_no, 5, 1, StatusCode::Unset))).count();
        assert!((900..1100).contains(&kept), "10% of 10,000 traces, kept {kept}");
        let one = trace(77, 5, 2, StatusCode::Unset);
        let mut other_spans = trace(77, 900, 5, StatusCode::Error);
        other_spans.truncate(1);
        assert_eq!(keeps(&policy, &one), keeps(&policy, &other_spans), "only the trace id decides");
        let salted = Policy::Probabilistic { sampling_percentage: 10.0, hash_salt: "other".into() };
        let salted_kept: Vec<bool> =
            (0..200).map(|no| keeps(&salted, &trace(no, 5, 1, StatusCode::Unset))).collect();
        let plain_kept: Vec<bool> =
            (0..200).map(|no| keeps(&policy, &trace(no, 5, 1, StatusCode::Unset))).collect();
        assert_ne!(salted_kept, plain_kept, "a salt picks other traces");
        assert!(!keeps(&Policy::Probabilistic { sampling_percentage: 0.0, hash_salt: String::new() }, &one));
        assert!(keeps(&Policy::Probabilistic { sampling_percentage: 100.0, hash_salt: String::new() }, &one));
    }

    #[test]
    fn rate_limiting_keeps_whole_traces_while_the_second_has_room() {
        let mut sampler = Sampler::new(Policy::RateLimiting { spans_per_second: 10 });
        let at = |trace_no: u64, end_ms: i64| {
            let mut spans = trace(trace_no, 1, 4, StatusCode::Unset);
            spans.iter_mut().for_each(|span| span.end_ns = end_ms * MS);
            spans
        };
        let decisions: Vec<bool> = [at(1, 100), at(2, 200), at(3, 300), at(4, 1_100), at(5, 1_200)]
            .iter()
            .map(|spans| sampler.keep(spans))
            .collect();
        assert_eq!(
            decisions,
            [true, true, false, true, true],
            "4 + 4 spans fit in 10, a third trace does not; a new second starts over"
        );
    }

    #[test]
    fn and_needs_every_sub_policy() {
        let slow_errors = Policy::And {
            and_sub_policy: vec![
                Policy::Latency { threshold_ms: 500.0, upper_threshold_ms: None },
                Policy::StatusCode { status_codes: vec![StatusName::Error] },
            ],
        };
        assert!(keeps(&slow_errors, &trace(1, 900, 2, StatusCode::Error)));
        assert!(!keeps(&slow_errors, &trace(2, 900, 2, StatusCode::Unset)));
        assert!(!keeps(&slow_errors, &trace(3, 40, 2, StatusCode::Error)));
        assert!(
            !keeps(&Policy::And { and_sub_policy: vec![] }, &trace(4, 1, 1, StatusCode::Unset)),
            "an empty and keeps nothing"
        );
    }

    #[test]
    fn policies_read_and_write_the_collectors_configuration_names() {
        let json = r#"[
            {"type": "latency", "threshold_ms": 500},
            {"type": "status_code", "status_codes": ["ERROR", "UNSET"]},
            {"type": "probabilistic", "sampling_percentage": 12.5},
            {"type": "rate_limiting", "spans_per_second": 100},
            {"type": "string_attribute", "key": "http.route", "values": ["/checkout"], "invert_match": true},
            {"type": "span_count", "min_spans": 10},
            {"type": "and", "and_sub_policy": [{"type": "always_sample"}]}
        ]"#;
        let policies: Vec<Policy> = serde_json::from_str(json).expect("the Collector's names read");
        assert_eq!(policies[0], Policy::Latency { threshold_ms: 500.0, upper_threshold_ms: None });
        assert_eq!(
            policies[1],
            Policy::StatusCode { status_codes: vec![StatusName::Error, StatusName::Unset] }
        );
        let written = serde_json::to_string(&policies[5]).expect("writes");
        assert_eq!(written, r#"{"type":"span_count","min_spans":10}"#);
        let error = serde_json::from_str::<Policy>(r#"{"type": "latency", "threshold": 5}"#)
            .expect_err("a misspelt field");
        assert!(error.to_string().contains("threshold"), "{error}");
    }
}
