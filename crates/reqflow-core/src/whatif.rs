//! What if a service were faster? Two answers side by side: what this request's critical path
//! predicts (only the service's time on the path counts), and what simulating many requests with
//! the faster service gives at p50 and p99 — and a sentence on the gap between them.

use crate::Simulation;
use crate::analysis::TraceAnalysis;
use crate::scenario::Scenario;
use crate::sim::SimError;
use crate::trace::Span;
use crate::waterfall::format_duration;

/// The smallest and largest speed-ups, in percent of the service's own work.
pub const FASTER_PERCENT: std::ops::RangeInclusive<u32> = 1..=90;

/// A what-if's result.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct WhatIf {
    pub service: String,
    /// How much less time the service's own work takes, in percent.
    pub faster_percent: u32,
    /// The service's time on this request's critical path.
    pub on_path_ns: i64,
    /// The change the critical path predicts for this request (≤ 0).
    pub predicted_ns: i64,
    pub requests: u64,
    /// p50 and p99 of the end-to-end time over `requests`, before and after.
    pub p50_before_ns: i64,
    pub p50_after_ns: i64,
    pub p99_before_ns: i64,
    pub p99_after_ns: i64,
    /// The sentences the page and the CLI show.
    pub sentences: Vec<String>,
}

/// The scenario with `service`'s own work `faster_percent` % faster (every operation's latency
/// and work steps scaled; network times and the services it calls unchanged).
pub fn faster(scenario: &Scenario, service: &str, faster_percent: u32) -> Scenario {
    let factor = 1.0 - f64::from(faster_percent) / 100.0;
    let mut changed = scenario.clone();
    if let Some(target) = changed.service_mut(service) {
        for operation in &mut target.operations {
            operation.latency = operation.latency.scaled(factor);
            for step in &mut operation.steps {
                if let crate::scenario::Step::Work(work) = step {
                    work.latency = work.latency.scaled(factor);
                }
            }
        }
    }
    changed
}

/// Predicts from one request's critical path, then simulates `requests` requests (from `seed`)
/// with and without the speed-up.
pub fn what_if(
    scenario: &Scenario,
    spans: &[Span],
    analysis: &TraceAnalysis,
    service: &str,
    faster_percent: u32,
    seed: u64,
    requests: u64,
) -> Result<WhatIf, SimError> {
    let faster_percent = faster_percent.clamp(*FASTER_PERCENT.start(), *FASTER_PERCENT.end());
    let on_path_ns: i64 = spans
        .iter()
        .enumerate()
        .filter(|(_, span)| span.service.as_str() == service)
        .map(|(idx, _)| analysis.critical_path.span_ns[idx])
        .sum();
    let predicted_ns = -(on_path_ns as i128 * i128::from(faster_percent) / 100) as i64;
    let before = Simulation::new(scenario)?.run_aggregates(seed, requests)?;
    let after =
        Simulation::new(&faster(scenario, service, faster_percent))?.run_aggregates(seed, requests)?;
    let mut result = WhatIf {
        service: service.to_owned(),
        faster_percent,
        on_path_ns,
        predicted_ns,
        requests,
        p50_before_ns: before.latency.quantile_ns(0.5),
        p50_after_ns: after.latency.quantile_ns(0.5),
        p99_before_ns: before.latency.quantile_ns(0.99),
        p99_after_ns: after.latency.quantile_ns(0.99),
        sentences: Vec::new(),
    };
    result.sentences = sentences(&result);
    Ok(result)
}

/// A saving as people say it: "saves 12 ms", "saves nothing", "costs 2 ms".
fn saving(delta_ns: i64) -> String {
    if delta_ns.abs() < 500_000 {
        "saves nothing".to_owned()
    } else if delta_ns < 0 {
        format!("saves {}", format_duration(-delta_ns))
    } else {
        format!("costs {}", format_duration(delta_ns))
    }
}

fn sentences(result: &WhatIf) -> Vec<String> {
    let service = &result.service;
    let p50 = result.p50_after_ns - result.p50_before_ns;
    let p99 = result.p99_after_ns - result.p99_before_ns;
    let how = format!("{}% faster", result.faster_percent);
    let mut lines = vec![
        if result.on_path_ns == 0 {
            format!(
                "Predicted from this request's critical path: {service} has no time on it, so {how} saves nothing."
            )
        } else {
            format!(
                "Predicted from this request's critical path: {service} has {} on it, so {how} {}.",
                format_duration(result.on_path_ns),
                saving(result.predicted_ns)
            )
        },
        format!(
            "Simulated over {} requests: {how} {} at p50 ({} → {}) and {} at p99 ({} → {}).",
            result.requests,
            saving(p50),
            format_duration(result.p50_before_ns),
            format_duration(result.p50_after_ns),
            saving(p99),
            format_duration(result.p99_before_ns),
            format_duration(result.p99_after_ns),
        ),
    ];
    let tolerance = (result.p50_before_ns / 50).max(1_000_000);
    let gap = if result.on_path_ns == 0 && p99.abs() >= tolerance {
        format!(
            "{service} is off this request's critical path, so the path predicts nothing; but in slower requests it is on the path, which is why p99 moves."
        )
    } else if result.on_path_ns == 0 {
        format!("{service} is off the critical path: making it faster does not make the request faster.")
    } else if (p50 - result.predicted_ns).abs() <= tolerance {
        "The critical path predicted the typical request well: the service's time on it is what the request waits for.".to_owned()
    } else if p50 > result.predicted_ns {
        format!(
            "The simulated saving is smaller than predicted: in this request {service} held more of the critical path than it typically does, or once it is faster another branch becomes the critical path and the request waits for that instead."
        )
    } else {
        format!(
            "The simulated saving is larger than predicted: in most requests {service} holds more of the critical path than in this one (or it frees a pool others wait for)."
        )
    };
    lines.push(gap);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{TimeBasis, analyze};
    use crate::builtins;
    use crate::knobs::Knobs;

    fn fixed_try_it() -> Scenario {
        // Every own-work latency fixed and the network fixed: every request is the same.
        let base = builtins::load("try-it").expect("built in");
        let knobs =
            "gateway.latency=fixed:4,auth.latency=fixed:20,orders.latency=fixed:12,database.latency=fixed:90";
        let mut scenario = Knobs::parse(knobs, &base).expect("knobs").apply(&base);
        for service in &mut scenario.services {
            for operation in &mut service.operations {
                for step in &mut operation.steps {
                    if let crate::scenario::Step::Call(call) = step {
                        call.network = Some(crate::latency::Latency::Fixed(1.0));
                    }
                }
            }
        }
        scenario
    }

    fn run(scenario: &Scenario, service: &str, faster_percent: u32) -> WhatIf {
        let trace = Simulation::new(scenario).expect("compiles").simulate_one(1).expect("runs");
        let analysis = analyze(&trace.spans, TimeBasis::Adjusted);
        what_if(scenario, &trace.spans, &analysis, service, faster_percent, 1, 200).expect("runs")
    }

    #[test]
    fn on_a_deterministic_system_the_prediction_is_the_simulated_change() {
        let scenario = fixed_try_it();
        let result = run(&scenario, "database", 50);
        assert_eq!(result.on_path_ns, 90_000_000);
        assert_eq!(result.predicted_ns, -45_000_000);
        let p50 = result.p50_after_ns - result.p50_before_ns;
        // The histogram's quantiles are within 1%: compare within that.
        assert!((p50 - result.predicted_ns).abs() <= result.p50_before_ns / 100, "{result:?}");
        assert!(result.sentences[2].starts_with("The critical path predicted"), "{:?}", result.sentences);
    }

    #[test]
    fn only_the_time_on_the_path_is_predicted_and_a_service_not_there_saves_nothing() {
        // auth is called before orders, in sequence: all its work is on the path.
        let scenario = fixed_try_it();
        let result = run(&scenario, "auth", 50);
        assert_eq!(result.predicted_ns, -10_000_000, "auth's 20 ms of work, halved: {result:?}");
        let trace = Simulation::new(&scenario).expect("compiles").simulate_one(1).expect("runs");
        let analysis = analyze(&trace.spans, TimeBasis::Adjusted);
        let nobody = what_if(&scenario, &trace.spans, &analysis, "no-such-service", 50, 1, 50).expect("runs");
        assert_eq!((nobody.on_path_ns, nobody.predicted_ns), (0, 0));
        assert_eq!(nobody.p50_before_ns, nobody.p50_after_ns);
        assert!(nobody.sentences[2].contains("off the critical path"), "{:?}", nobody.sentences);
    }

    #[test]
    fn scaling_keeps_the_shape() {
        use crate::latency::Latency;
        assert_eq!(
            Latency::Lognormal { median_ms: 10.0, p99_ms: 40.0 }.scaled(0.5),
            Latency::Lognormal { median_ms: 5.0, p99_ms: 20.0 }
        );
        assert_eq!(Latency::Fixed(8.0).scaled(0.25), Latency::Fixed(2.0));
        assert_eq!(
            Latency::Uniform { min_ms: 2.0, max_ms: 4.0 }.scaled(0.5),
            Latency::Uniform { min_ms: 1.0, max_ms: 2.0 }
        );
    }
}
