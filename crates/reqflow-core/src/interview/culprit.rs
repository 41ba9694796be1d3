//! What is true about an incident's request: which spans own the problem, whether the trace
//! shows the family's fault at all, and the sentences that explain it.

use std::collections::{BTreeMap, BTreeSet};

use super::{Family, Incident};
use crate::analysis::is_async_edge;
use crate::trace::StatusCode;
use crate::view::{Model, TraceView};
use crate::waterfall::format_duration;

/// The spans a right answer may point at: the spans of the faulty service (for a full pool, the
/// ones that queued and the calls waiting on them; for N+1, the repeated calls and their loop;
/// for retries, the attempts and the service they piled onto).
pub fn culprit_spans(incident: &Incident, model: &Model) -> BTreeSet<u32> {
    let trace = &model.trace;
    let of_service = |idx: &u32| trace.spans[*idx as usize].service.as_str() == incident.service;
    let all = 0..trace.spans.len() as u32;
    match incident.family {
        Family::NPlusOne => {
            let Some((parent, members)) = repeated_calls(trace) else { return BTreeSet::new() };
            let mut spans: BTreeSet<u32> = members.iter().copied().collect();
            spans.insert(parent);
            spans.extend(
                members.iter().flat_map(|&member| trace.analysis.tree.children(member).iter().copied()),
            );
            spans
        }
        Family::PoolSaturation => {
            let mut spans = BTreeSet::new();
            for idx in all.filter(of_service).filter(|&idx| queued_ns(trace, idx) > 0) {
                spans.insert(idx);
                spans.extend(trace.analysis.tree.parent(idx));
            }
            spans
        }
        Family::RetryStorm => {
            let mut spans = BTreeSet::new();
            for idx in all.filter(of_service) {
                spans.insert(idx);
                spans.extend(trace.analysis.tree.parent(idx));
            }
            spans
        }
        _ => all.filter(of_service).collect(),
    }
}

/// Whether the simulated request shows what the incident's family claims.
pub(super) fn holds(incident: &Incident, model: &Model) -> bool {
    let trace = &model.trace;
    let analysis = &trace.analysis;
    let bottleneck = analysis.bottleneck.as_ref();
    let is_bottleneck = |least: i64| {
        bottleneck
            .is_some_and(|bottleneck| bottleneck.service == incident.service && bottleneck.percent() >= least)
    };
    match incident.family {
        Family::SlowDependency => is_bottleneck(40),
        Family::NPlusOne => repeated_calls(trace).is_some_and(|(_, members)| {
            let total = analysis.critical_path.total_ns.max(1);
            members.len() >= 10 && loop_path_ns(trace, &members) * 2 >= total
        }),
        Family::PoolSaturation => {
            is_bottleneck(30)
                && bottleneck.is_some_and(|bottleneck| {
                    let span = bottleneck.span;
                    let waited = queued_ns(trace, span).max(
                        trace
                            .analysis
                            .tree
                            .children(span)
                            .iter()
                            .map(|&child| queued_ns(trace, child))
                            .max()
                            .unwrap_or(0),
                    );
                    waited * 5 >= 2 * trace.spans[span as usize].duration_ns()
                })
        }
        Family::RetryStorm => retried_attempts(incident, trace) >= 2,
        Family::DroppedContext => {
            trace.n_traces >= 2 && trace.spans.iter().any(|span| span.service.as_str() == incident.service)
        }
        Family::ClockSkew => largest_shift_ns(incident, trace) >= 20_000_000,
        Family::QueueBacklog => queue_wait(incident, trace)
            .is_some_and(|(waited, worked)| waited >= 5_000_000_000 && waited >= 10 * worked.max(1)),
        Family::FanoutTail => bottleneck.is_some_and(|bottleneck| {
            !incident.service.is_empty()
                && bottleneck.service == incident.service
                && fan_out_above(trace, bottleneck.span) >= 8
        }),
    }
}

/// The sentences that explain the incident from its trace.
pub(super) fn explain(incident: &Incident, model: &Model) -> Vec<String> {
    let trace = &model.trace;
    let analysis = &trace.analysis;
    let service = &incident.service;
    let mut sentences = vec![format!("Cause: {}.", incident.family.cause())];
    let fact = match incident.family {
        Family::SlowDependency | Family::FanoutTail => {
            let mut fact = format!("The bottleneck: {}.", analysis.bottleneck_sentence());
            if incident.family == Family::FanoutTail
                && let Some(bottleneck) = &analysis.bottleneck
            {
                let n = fan_out_above(trace, bottleneck.span);
                fact.push_str(&format!(
                    " It is one of {n} calls made in parallel: the request waited for the slowest."
                ));
            }
            fact
        }
        Family::NPlusOne => match repeated_calls(trace) {
            Some((parent, members)) => {
                let first = &trace.spans[members[0] as usize];
                let parent_span = &trace.spans[parent as usize];
                let on_path = loop_path_ns(trace, &members);
                format!(
                    "{} `{}` ran {} `{}` calls one after another: {} of the {} critical path.",
                    parent_span.service,
                    parent_span.name,
                    members.len(),
                    first.name,
                    format_duration(on_path),
                    format_duration(analysis.critical_path.total_ns)
                )
            }
            None => "No repeated calls were found in this request.".to_owned(),
        },
        Family::PoolSaturation => {
            let waited: i64 = trace
                .spans
                .iter()
                .enumerate()
                .filter(|(_, span)| span.service.as_str() == service)
                .map(|(idx, _)| queued_ns(trace, idx as u32))
                .sum();
            format!(
                "{service}'s spans waited {} in all for a free worker; the bottleneck: {}.",
                format_duration(waited),
                analysis.bottleneck_sentence()
            )
        }
        Family::RetryStorm => format!(
            "{} attempts were made at {service}; a timed-out attempt kept running and held its slot while the retry queued behind it.",
            retried_attempts(incident, trace)
        ),
        Family::DroppedContext => {
            let mut fact = format!(
                "{service} did not forward traceparent: the request became {} traces.",
                trace.n_traces
            );
            if let Some(sentence) = trace.fragments.first() {
                fact.push(' ');
                fact.push_str(sentence);
            }
            fact
        }
        Family::ClockSkew => format!(
            "{service}'s host clock is off: the adjuster moved its spans by up to {}. In raw times a child starts before its parent; nothing in the request was slow because of it.",
            format_duration(largest_shift_ns(incident, trace))
        ),
        Family::QueueBacklog => match queue_wait(incident, trace) {
            Some((waited, worked)) => format!(
                "The message waited {} in the queue before {service} took it; processing it took {}.",
                format_duration(waited),
                format_duration(worked)
            ),
            None => "No consumer span was found.".to_owned(),
        },
    };
    sentences.push(fact);
    if !incident.noise.is_empty() {
        sentences.push(format!("Noise added to mislead: {}.", incident.noise.join(", ")));
    }
    if incident.level.asks_fix() {
        sentences.push(format!("Fix: {}.", incident.family.fix()));
    }
    sentences
}

/// The largest group of calls to one operation under one parent (at least three): the loop.
fn repeated_calls(trace: &TraceView) -> Option<(u32, Vec<u32>)> {
    let mut groups: BTreeMap<(u32, &str, &str), Vec<u32>> = BTreeMap::new();
    for (idx, span) in trace.spans.iter().enumerate() {
        if let Some(parent) = trace.analysis.tree.parent(idx as u32) {
            groups.entry((parent, span.service.as_str(), span.name.as_str())).or_default().push(idx as u32);
        }
    }
    groups
        .into_iter()
        .filter(|(_, members)| members.len() >= 3)
        .max_by_key(|(_, members)| members.len())
        .map(|((parent, _, _), members)| (parent, members))
}

/// The critical-path time of the repeated calls and of what they called.
fn loop_path_ns(trace: &TraceView, members: &[u32]) -> i64 {
    let path = &trace.analysis.critical_path;
    let tree = &trace.analysis.tree;
    members
        .iter()
        .flat_map(|&member| std::iter::once(member).chain(tree.children(member).iter().copied()))
        .map(|idx| path.span_ns[idx as usize])
        .sum()
}

/// Time the span waited before its work began (the simulator's ground truth).
fn queued_ns(trace: &TraceView, idx: u32) -> i64 {
    trace.spans[idx as usize].truth.as_ref().map_or(0, |truth| truth.queued_ns)
}

/// Attempts at the faulty service from one caller span, when at least one of them failed.
fn retried_attempts(incident: &Incident, trace: &TraceView) -> usize {
    let tree = &trace.analysis.tree;
    let mut attempts: BTreeMap<u32, (usize, bool)> = BTreeMap::new();
    for (idx, span) in trace.spans.iter().enumerate() {
        if span.service.as_str() != incident.service {
            continue;
        }
        let Some(client) = tree.parent(idx as u32) else { continue };
        let Some(caller) = tree.parent(client) else { continue };
        let entry = attempts.entry(caller).or_default();
        entry.0 += 1;
        entry.1 |= trace.spans[client as usize].status.code == StatusCode::Error;
    }
    attempts.values().filter(|(_, failed)| *failed).map(|(n, _)| *n).max().unwrap_or(0)
}

fn largest_shift_ns(incident: &Incident, trace: &TraceView) -> i64 {
    trace
        .spans
        .iter()
        .zip(&trace.analysis.skew.spans)
        .filter(|(span, _)| span.service.as_str() == incident.service)
        .map(|(_, shift)| shift.shift_ns.abs())
        .max()
        .unwrap_or(0)
}

/// For the consumer's first span: how long its message waited (from the producer span's end)
/// and how long the consumer worked.
fn queue_wait(incident: &Incident, trace: &TraceView) -> Option<(i64, i64)> {
    let tree = &trace.analysis.tree;
    trace.spans.iter().enumerate().find_map(|(idx, span)| {
        let parent = &trace.spans[tree.parent(idx as u32)? as usize];
        (span.service.as_str() == incident.service && is_async_edge(parent, span))
            .then(|| (span.start_ns - parent.end_ns, span.duration_ns()))
    })
}

/// How many children the span's nearest ancestor with the most children has: the width of the
/// fan-out the span is part of.
fn fan_out_above(trace: &TraceView, span: u32) -> usize {
    let tree = &trace.analysis.tree;
    let mut widest = 0;
    let mut at = tree.parent(span);
    while let Some(idx) = at {
        widest = widest.max(tree.children(idx).len());
        at = tree.parent(idx);
    }
    widest
}
