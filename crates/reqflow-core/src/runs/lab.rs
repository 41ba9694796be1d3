//! The sampling lab: several sampling policies judged on the same requests.
//!
//! A [`LabPolicy`] is either a head-sampling policy decided before anything is known (`head`,
//! `parent_based`) or one of the tail-sampling [`Policy`]s of [`crate::sampling`], written as the
//! OpenTelemetry Collector's `tail_sampling` processor writes them. Every policy sees every span
//! the run recorded (the scenario's own `sampling` already removed the spans of unsampled
//! requests: those were never recorded, as in a real system).
//!
//! * `head` — `{"type": "head", "sampling_percentage": 10}`: each trace is kept or dropped at its
//!   root, by a hash of its trace id (consistent probability sampling, as the W3C random trace-id
//!   flag allows): the decision travels in `traceparent`'s sampled flag, so the whole trace goes
//!   together. A fragment that lost its context starts a new trace and decides again.
//! * `parent_based` — `{"type": "parent_based", "sampling_percentage": 10, "service": "orders",
//!   "service_sampling_percentage": 100}`: every service follows its parent's sampled flag
//!   except `service`, which decides on its own (a root sampler configured by mistake) each time
//!   a call enters it. Where it keeps what the root dropped, its subtree is stored without its
//!   parent — a fragment; where it drops what the root kept, the trace has a hole. Both use the
//!   same trace-id hash, so a lower percentage keeps a subset of a higher one.
//! * any tail policy — decided per trace once it is complete ([`crate::sampling::Sampler`]),
//!   traces fed in completion order (the rate limiter's seconds are virtual seconds).
//!
//! A request counts as *kept* by a policy when its root span (the entry service's server span) is
//! stored: the trace can be found from where the request entered.
//!
//! `composite` (the Collector's rate allocation between named sub-policies) is not offered: it
//! needs policy names and per-policy rate shares, and on one run it decides like `rate_limiting`
//! over an `or` of its sub-policies, which the lab shows by listing those policies side by side.

use serde::{Deserialize, Serialize};

use crate::hash::mix64;
use crate::sampling::{Policy, Sampler, StatusName};
use crate::scenario::{Scenario, Step};
use crate::sim::SpanDigest;
use crate::trace::Span;

/// A head-sampling policy (decided at a root, before the outcome is known).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum HeadPolicy {
    Head { sampling_percentage: f64 },
    ParentBased { sampling_percentage: f64, service: String, service_sampling_percentage: f64 },
}

/// One policy of the lab: head or tail. Read and written as JSON objects with a `type`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum LabPolicy {
    Head(HeadPolicy),
    Tail(Policy),
}

/// Why a policy could not be read or used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read policy {text}: {message}")]
    Parse { text: String, message: String },
    #[error("no preset policy named {name:?} (known: {known})")]
    UnknownPreset { name: String, known: String },
    /// `number` counts from 1, as the policies are listed.
    #[error("policy {number} ({policy}): {message}")]
    Invalid { number: usize, policy: String, message: String },
    #[error("{count} policies given, the lab compares at most {limit}")]
    TooMany { count: usize, limit: usize },
}

impl<'de> Deserialize<'de> for LabPolicy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        let is_head =
            matches!(value.get("type").and_then(serde_json::Value::as_str), Some("head" | "parent_based"));
        if is_head {
            HeadPolicy::deserialize(value).map(LabPolicy::Head).map_err(D::Error::custom)
        } else {
            Policy::deserialize(value).map(LabPolicy::Tail).map_err(D::Error::custom)
        }
    }
}

/// The presets' names, in the order `reqflow sample` lists them.
pub const PRESETS: &[&str] =
    &["head", "parent-based", "errors", "slow", "slow-errors", "probabilistic", "rate-limiting"];

/// The threshold of the `slow` presets.
const SLOW_PRESET_MS: f64 = 500.0;

impl LabPolicy {
    /// Reads a policy: a JSON object as the Collector writes it, or a preset's name
    /// ([`PRESETS`]; `parent-based` picks its service from the scenario).
    pub fn parse(text: &str, scenario: &Scenario) -> Result<LabPolicy, PolicyError> {
        let trimmed = text.trim();
        if trimmed.starts_with('{') {
            return serde_json::from_str(trimmed).map_err(|error| PolicyError::Parse {
                text: trimmed.to_owned(),
                message: error.to_string(),
            });
        }
        LabPolicy::preset(trimmed, scenario)
            .ok_or_else(|| PolicyError::UnknownPreset { name: trimmed.to_owned(), known: PRESETS.join(", ") })
    }

    /// A named preset for the scenario.
    pub fn preset(name: &str, scenario: &Scenario) -> Option<LabPolicy> {
        let errors = || Policy::StatusCode { status_codes: vec![StatusName::Error] };
        let slow = || Policy::Latency { threshold_ms: SLOW_PRESET_MS, upper_threshold_ms: None };
        Some(match name {
            "head" => LabPolicy::Head(HeadPolicy::Head { sampling_percentage: 10.0 }),
            "parent-based" => LabPolicy::Head(HeadPolicy::ParentBased {
                sampling_percentage: 10.0,
                service: independent_service(scenario),
                service_sampling_percentage: 100.0,
            }),
            "errors" => LabPolicy::Tail(errors()),
            "slow" => LabPolicy::Tail(slow()),
            "slow-errors" => LabPolicy::Tail(Policy::And { and_sub_policy: vec![slow(), errors()] }),
            "probabilistic" => {
                LabPolicy::Tail(Policy::Probabilistic { sampling_percentage: 10.0, hash_salt: String::new() })
            }
            "rate-limiting" => LabPolicy::Tail(Policy::RateLimiting { spans_per_second: 1000 }),
            _ => return None,
        })
    }

    /// The policy as one line of JSON (what `--policy` reads back).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("policies serialize")
    }

    /// Checks what parsing cannot: percentages within 0–100, a known service.
    pub fn problem(&self, scenario: &Scenario) -> Option<String> {
        let bad_percentage = |value: f64| !(0.0..=100.0).contains(&value);
        match self {
            LabPolicy::Head(HeadPolicy::Head { sampling_percentage })
                if bad_percentage(*sampling_percentage) =>
            {
                Some(format!("sampling_percentage must be within 0–100, got {sampling_percentage}"))
            }
            LabPolicy::Head(HeadPolicy::ParentBased {
                sampling_percentage,
                service,
                service_sampling_percentage,
            }) => {
                if bad_percentage(*sampling_percentage) || bad_percentage(*service_sampling_percentage) {
                    Some(format!(
                        "sampling_percentage and service_sampling_percentage must be within 0–100, got {sampling_percentage} and {service_sampling_percentage}"
                    ))
                } else if scenario.service(service).is_none() {
                    let known: Vec<&str> =
                        scenario.services.iter().map(|known| known.name.as_str()).collect();
                    Some(format!(
                        "no service named {service:?} in scenario {} (known: {})",
                        scenario.name,
                        known.join(", ")
                    ))
                } else {
                    None
                }
            }
            LabPolicy::Tail(Policy::Probabilistic { sampling_percentage, .. })
                if bad_percentage(*sampling_percentage) =>
            {
                Some(format!("sampling_percentage must be within 0–100, got {sampling_percentage}"))
            }
            LabPolicy::Tail(Policy::Latency { threshold_ms, .. }) if !threshold_ms.is_finite() => {
                Some(format!("threshold_ms must be a number of milliseconds, got {threshold_ms}"))
            }
            _ => None,
        }
    }
}

/// The service the `parent-based` preset lets decide on its own: the target of the entry
/// operation's last call (in `try-it`, orders), else the second service.
fn independent_service(scenario: &Scenario) -> String {
    let entry = scenario
        .service(&scenario.entry.service)
        .and_then(|service| service.operations.iter().find(|op| op.name == scenario.entry.operation));
    let last_call = entry.and_then(|op| {
        op.steps.iter().rev().find_map(|step| match step {
            Step::Call(call) => Some(call.service.clone()),
            Step::Parallel(parallel) => parallel.calls.last().map(|call| call.service.clone()),
            Step::Repeat(repeat) => Some(repeat.call.service.clone()),
            Step::Work(_) | Step::Publish(_) => None,
        })
    });
    last_call
        .or_else(|| {
            scenario.services.iter().find(|s| s.name != scenario.entry.service).map(|s| s.name.clone())
        })
        .unwrap_or_else(|| scenario.entry.service.clone())
}

/// Whether a trace id falls within `percentage` of the id space (a well-mixed hash of the id
/// against a threshold: the same trace decides the same at every service).
fn trace_id_within(trace_id: &[u8; 16], percentage: f64) -> bool {
    let mut high = [0u8; 8];
    let mut low = [0u8; 8];
    high.copy_from_slice(&trace_id[..8]);
    low.copy_from_slice(&trace_id[8..]);
    let hash = mix64(mix64(HEAD_SALT ^ u64::from_be_bytes(high)) ^ u64::from_be_bytes(low));
    let fraction = (percentage / 100.0).clamp(0.0, 1.0);
    (hash as f64) < fraction * 18_446_744_073_709_551_616.0
}

/// Salt of the head decisions' hash (`"head"` in ASCII), so they are not the `probabilistic`
/// tail policy's choices.
const HEAD_SALT: u64 = 0x6865_6164;

/// What one policy decided about one request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the request's root span was stored.
    pub kept: bool,
    /// Traces (trace ids) with at least one span stored.
    pub traces: u32,
    pub spans: u32,
    /// Stored spans whose recorded parent was not stored: the subtrees a backend shows apart.
    pub fragments: u32,
}

/// A policy with its state (the rate limiter's seconds) and scratch space, judging requests in
/// completion order.
pub struct Judge {
    kind: JudgeKind,
    /// Span ids of the request sorted, with their index (parent look-up).
    by_id: Vec<(u64, u32)>,
    decisions: Vec<bool>,
    fragment_spans: Vec<Span>,
    fragment_digests: Vec<SpanDigest>,
}

enum JudgeKind {
    Head {
        percentage: f64,
    },
    /// `service` is the index of the service deciding on its own (`u32::MAX`: none).
    ParentBased {
        percentage: f64,
        service: u32,
        service_percentage: f64,
    },
    /// A tail policy deciding on digests, or on built spans when it reads attributes.
    Tail {
        sampler: Sampler,
        on_spans: bool,
    },
}

impl Judge {
    /// A judge for `policy` in a scenario whose services are `service_names` (in order: the
    /// digests' service indices).
    pub fn new<'n>(policy: &LabPolicy, service_names: impl IntoIterator<Item = &'n str>) -> Judge {
        let kind = match policy {
            LabPolicy::Head(HeadPolicy::Head { sampling_percentage }) => {
                JudgeKind::Head { percentage: *sampling_percentage }
            }
            LabPolicy::Head(HeadPolicy::ParentBased {
                sampling_percentage,
                service,
                service_sampling_percentage,
            }) => {
                let index = service_names.into_iter().position(|name| name == service);
                JudgeKind::ParentBased {
                    percentage: *sampling_percentage,
                    service: index.map_or(u32::MAX, |index| index as u32),
                    service_percentage: *service_sampling_percentage,
                }
            }
            LabPolicy::Tail(policy) => {
                JudgeKind::Tail { sampler: Sampler::new(policy.clone()), on_spans: policy.reads_attributes() }
            }
        };
        Judge {
            kind,
            by_id: Vec::new(),
            decisions: Vec::new(),
            fragment_spans: Vec::new(),
            fragment_digests: Vec::new(),
        }
    }

    /// Whether the judge needs built spans (an attribute policy); every other one reads digests.
    pub fn needs_spans(&self) -> bool {
        matches!(self.kind, JudgeKind::Tail { on_spans: true, .. })
    }

    /// Judges one request: the spans it recorded (in order of start, as the engine hands them
    /// out) as digests, and as built spans when [`Judge::needs_spans`].
    pub fn judge(&mut self, spans: &[Span], digests: &[SpanDigest]) -> Verdict {
        match &mut self.kind {
            JudgeKind::ParentBased { percentage, service, service_percentage } => {
                let (percentage, service, service_percentage) = (*percentage, *service, *service_percentage);
                judge_parent_based(
                    digests,
                    percentage,
                    service,
                    service_percentage,
                    &mut self.by_id,
                    &mut self.decisions,
                )
            }
            JudgeKind::Tail { sampler, on_spans: true } => judge_traces(
                spans,
                |span| span.trace_id.0,
                &mut self.fragment_spans,
                |trace| sampler.keep(trace),
            ),
            JudgeKind::Tail { sampler, on_spans: false } => judge_traces(
                digests,
                |digest| digest.trace_id.0,
                &mut self.fragment_digests,
                |trace| sampler.keep_digests(trace),
            ),
            JudgeKind::Head { percentage } => {
                let percentage = *percentage;
                judge_traces(
                    digests,
                    |digest| digest.trace_id.0,
                    &mut self.fragment_digests,
                    |trace| trace_id_within(&trace[0].trace_id.0, percentage),
                )
            }
        }
    }
}

/// Keeps or drops each trace of a request whole (head and tail policies): the request's only
/// trace, or each of its traces (lost context) in the order its first span started.
fn judge_traces<T: Clone>(
    items: &[T],
    trace_of: impl Fn(&T) -> [u8; 16],
    scratch: &mut Vec<T>,
    mut keep: impl FnMut(&[T]) -> bool,
) -> Verdict {
    let Some(first) = items.first() else {
        return Verdict::default();
    };
    let root_trace = trace_of(first);
    if items.iter().all(|item| trace_of(item) == root_trace) {
        return if keep(items) {
            Verdict { kept: true, traces: 1, spans: items.len() as u32, fragments: 0 }
        } else {
            Verdict::default()
        };
    }
    let mut trace_ids: Vec<[u8; 16]> = Vec::new();
    for item in items {
        let trace_id = trace_of(item);
        if !trace_ids.contains(&trace_id) {
            trace_ids.push(trace_id);
        }
    }
    let mut verdict = Verdict::default();
    for trace_id in trace_ids {
        scratch.clear();
        scratch.extend(items.iter().filter(|item| trace_of(item) == trace_id).cloned());
        if keep(scratch) {
            verdict.traces += 1;
            verdict.spans += scratch.len() as u32;
            verdict.kept |= trace_id == root_trace;
        }
    }
    verdict
}

fn judge_parent_based(
    digests: &[SpanDigest],
    percentage: f64,
    service: u32,
    service_percentage: f64,
    by_id: &mut Vec<(u64, u32)>,
    decisions: &mut Vec<bool>,
) -> Verdict {
    if digests.is_empty() {
        return Verdict::default();
    }
    by_id.clear();
    by_id.extend(digests.iter().enumerate().map(|(idx, digest)| (digest.span_id.to_u64(), idx as u32)));
    by_id.sort_unstable();
    let parent_of = |digest: &SpanDigest| {
        let parent = digest.parent_span_id?.to_u64();
        by_id.binary_search_by_key(&parent, |entry| entry.0).ok().map(|found| by_id[found].1)
    };
    decisions.clear();
    let mut verdict = Verdict::default();
    let mut kept_traces: Vec<[u8; 16]> = Vec::new();
    for digest in digests {
        let parent = parent_of(digest);
        let enters_service = digest.service == service
            && parent.is_none_or(|parent| digests[parent as usize].service != service);
        let decision = if enters_service {
            trace_id_within(&digest.trace_id.0, service_percentage)
        } else {
            match parent {
                Some(parent) => decisions[parent as usize],
                // A root, or a span under an unrecorded parent (an un-instrumented hop that
                // forwarded the flag): the root's decision, which the trace id decides.
                None => trace_id_within(&digest.trace_id.0, percentage),
            }
        };
        decisions.push(decision);
        if decision {
            verdict.spans += 1;
            if parent.is_some_and(|parent| !decisions[parent as usize]) {
                verdict.fragments += 1;
            }
            if !kept_traces.contains(&digest.trace_id.0) {
                kept_traces.push(digest.trace_id.0);
            }
        }
    }
    verdict.traces = kept_traces.len() as u32;
    verdict.kept = decisions[0];
    verdict
}
