//! Evaluating a [`Check`] against the model on screen: a verdict and the sentence that says why
//! ("✓ database owns 64% of the critical path"), the same on the page and in the CLI.

use super::{Check, Interest};
use crate::Simulation;
use crate::analysis::TimeBasis;
use crate::runs::{self, LabPolicy, RunConfig};
use crate::view::{Model, Source};
use crate::waterfall::format_duration;

/// A check's outcome and the sentence the learner sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub passed: bool,
    /// What is true now, in words ("database owns 64% of the critical path").
    pub text: String,
}

impl Verdict {
    fn new(passed: bool, text: String) -> Verdict {
        Verdict { passed, text }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", if self.passed { "✓" } else { "✗" }, self.text)
    }
}

/// Evaluates `check` on the model; `answer` is the learner's choice for the step's question.
pub fn evaluate(check: &Check, model: &Model, answer: Option<usize>) -> Verdict {
    let trace = &model.trace;
    let analysis = &trace.analysis;
    let selected = model.selected.map(|idx| (idx, &trace.spans[idx as usize]));
    let nothing_selected = || Verdict::new(false, "no span is selected: click one in the waterfall".into());
    match check {
        Check::Selected { service, operation } => {
            let Some((_, span)) = selected else { return nothing_selected() };
            let passed = span.service.as_str() == service
                && operation.as_deref().is_none_or(|operation| span.name.as_str() == operation);
            Verdict::new(passed, format!("selected: {} `{}`", span.service, span.name))
        }
        Check::SelectedOnCriticalPath => {
            let Some((idx, span)) = selected else { return nothing_selected() };
            let critical_ns = analysis.critical_path.span_ns[idx as usize];
            if critical_ns > 0 {
                let text = format!(
                    "{} `{}` has {} on the critical path",
                    span.service,
                    span.name,
                    format_duration(critical_ns)
                );
                Verdict::new(true, text)
            } else {
                Verdict::new(false, format!("{} `{}` is off the critical path", span.service, span.name))
            }
        }
        Check::SelectedIsBottleneck => {
            let Some((idx, span)) = selected else { return nothing_selected() };
            match &analysis.bottleneck {
                Some(bottleneck) if bottleneck.span == idx => Verdict::new(
                    true,
                    format!("{} `{}` is the bottleneck: {bottleneck}", span.service, span.name),
                ),
                Some(_) => Verdict::new(
                    false,
                    format!(
                        "{} `{}` is not the span that holds the critical path up",
                        span.service, span.name
                    ),
                ),
                None => Verdict::new(false, "the trace has no critical path".into()),
            }
        }
        Check::SelectedStartsFragment => {
            let Some((idx, span)) = selected else { return nothing_selected() };
            let passed = trace.fragment_roots.contains(&idx);
            let text = if passed {
                format!(
                    "{} `{}` starts a trace of its own: its parent's context was lost",
                    span.service, span.name
                )
            } else {
                format!("{} `{}` is in the trace of its parent", span.service, span.name)
            };
            Verdict::new(passed, text)
        }
        Check::Bottleneck { service, not } => match &analysis.bottleneck {
            Some(bottleneck) => {
                let is = bottleneck.service == *service;
                let text =
                    format!("{} owns {}% of the critical path", bottleneck.service, bottleneck.percent());
                Verdict::new(is != *not, text)
            }
            None => Verdict::new(false, "the trace has no critical path".into()),
        },
        Check::Share { service, at_least_percent, at_most_percent } => {
            let percent = analysis
                .services
                .iter()
                .find(|share| share.service == *service)
                .map_or(0, |share| share.percent());
            let passed = at_least_percent.is_none_or(|least| percent >= least)
                && at_most_percent.is_none_or(|most| percent <= most);
            Verdict::new(passed, format!("{service} owns {percent}% of the critical path"))
        }
        Check::EndToEnd { below_ms, above_ms } => {
            let total_ns = end_to_end_ns(model);
            let ms = total_ns as f64 / 1e6;
            let passed = below_ms.is_none_or(|below| ms < below) && above_ms.is_none_or(|above| ms > above);
            Verdict::new(passed, format!("the request took {} end to end", format_duration(total_ns)))
        }
        Check::Traces { count } => {
            let n_traces = trace.n_traces;
            let text = match n_traces {
                1 => "the request's spans form one trace".to_owned(),
                n => format!("the request's spans form {n} traces: {} fragments", n - 1),
            };
            Verdict::new(n_traces == *count, text)
        }
        Check::Spans { at_least, at_most } => {
            let n_spans = trace.spans.len();
            let passed =
                at_least.is_none_or(|least| n_spans >= least) && at_most.is_none_or(|most| n_spans <= most);
            Verdict::new(passed, format!("the trace holds {n_spans} spans"))
        }
        Check::Failed { failed } => {
            let did_fail = matches!(model.source, Source::Simulated { failed: true, .. });
            let text = if did_fail { "the request failed" } else { "the request succeeded" };
            Verdict::new(did_fail == *failed, text.to_owned())
        }
        Check::Basis { basis } => {
            let text = match model.basis {
                TimeBasis::Raw => "the waterfall shows raw times (as each host's clock wrote them)",
                TimeBasis::Adjusted => "the waterfall shows adjusted times (clock skew corrected)",
            };
            Verdict::new(model.basis == *basis, text.to_owned())
        }
        Check::Shifted { service, at_least_ms, at_most_ms } => {
            let largest_ns = trace
                .spans
                .iter()
                .zip(&analysis.skew.spans)
                .filter(|(span, _)| span.service.as_str() == service)
                .map(|(_, shift)| shift.shift_ns.abs())
                .max()
                .unwrap_or(0);
            let largest_ms = largest_ns as f64 / 1e6;
            let passed = at_least_ms.is_none_or(|least| largest_ms >= least)
                && at_most_ms.is_none_or(|most| largest_ms <= most);
            let text = if largest_ns == 0 {
                format!("{service}'s spans were not moved by the clock-skew adjuster")
            } else {
                format!("{service}'s spans were moved by up to {}", format_duration(largest_ns))
            };
            Verdict::new(passed, text)
        }
        Check::Answer { choices, correct, .. } => match answer {
            None => Verdict::new(false, "not answered yet".into()),
            Some(choice) => {
                let said = choices.get(choice).map_or("(no such choice)", String::as_str);
                let passed = choice == *correct;
                let text = if passed { format!("right: {said}") } else { format!("not {said}") };
                Verdict::new(passed, text)
            }
        },
        Check::Sampling { choices, policies, requests, seed, keeps, max_span_percent, .. } => match answer {
            None => Verdict::new(false, "not answered yet".into()),
            Some(choice) => sampling(model, policies, *requests, *seed, *keeps, *max_span_percent, choice)
                .map(|(passed, text)| {
                    let said = choices.get(choice).map_or("(no such choice)", String::as_str);
                    Verdict::new(passed, format!("{said}: {text}"))
                })
                .unwrap_or_else(|error| Verdict::new(false, error)),
        },
        Check::All { checks } => {
            let verdicts: Vec<Verdict> = checks.iter().map(|check| evaluate(check, model, answer)).collect();
            let passed = verdicts.iter().all(|verdict| verdict.passed);
            // Say what still fails first: that is what the learner needs.
            let mut parts: Vec<&Verdict> = verdicts.iter().filter(|verdict| !verdict.passed).collect();
            parts.extend(verdicts.iter().filter(|verdict| verdict.passed));
            let text = parts.iter().map(|verdict| verdict.text.as_str()).collect::<Vec<_>>().join("; ");
            Verdict::new(passed, text)
        }
    }
}

/// The request's true end-to-end time (simulated), or the trace's extent (imported).
fn end_to_end_ns(model: &Model) -> i64 {
    match model.source {
        Source::Simulated { total_ns, .. } => total_ns,
        Source::Imported { .. } => model.trace.end_ns - model.trace.start_ns,
    }
}

/// Runs the model's scenario and judges the chosen policy: (passed, what it kept and stored).
fn sampling(
    model: &Model,
    policies: &[String],
    requests: u64,
    seed: u64,
    keeps: Interest,
    max_span_percent: f64,
    choice: usize,
) -> Result<(bool, String), String> {
    let scenario = model.scenario();
    let policy = policies.get(choice).ok_or("no such choice")?;
    let policy = LabPolicy::parse(policy, &scenario).map_err(|error| error.to_string())?;
    let simulation = Simulation::new(&scenario).map_err(|error| error.to_string())?;
    let config = RunConfig { seed, requests, policies: vec![policy] };
    let report = runs::run(&simulation, &scenario, &config).map_err(|error| error.to_string())?;
    let judged = &report.sampling[0];
    let (catch, what) = match keeps {
        Interest::Errors => (&judged.errors, "failed requests"),
        Interest::Slowest => (&judged.slowest, "of the slowest 1%"),
        Interest::Faults => (&judged.faults, "requests that met a fault"),
    };
    let stored = judged.spans_share * 100.0;
    let passed = catch.missed == 0 && stored <= max_span_percent;
    let text = format!(
        "kept {} of {} {what} over {requests} requests, storing {stored:.1}% of the spans",
        catch.kept, catch.total
    );
    Ok((passed, text))
}
