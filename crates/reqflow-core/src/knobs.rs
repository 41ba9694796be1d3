//! Knobs: small, named changes to a scenario's services, written as a compact string that fits in
//! a share link and on a command line.
//!
//! ```text
//! database.latency=lognormal:300,auth.skew=-40,orders.instrumented=false,database.errors=0.1
//! ```
//!
//! | knob | value | effect on the service |
//! |---|---|---|
//! | `latency` | `[fixed\|uniform\|normal\|lognormal:]MS` | every operation's own work: that median, the distribution's usual spread |
//! | `errors` | probability | every operation's `error_rate` |
//! | `skew` | ms (signed) | the host clock's offset |
//! | `instrumented` | `true`/`false` | whether it emits spans |
//! | `propagates` | `true`/`false` | whether it forwards `traceparent` |
//! | `fanout` | 1..=1000 | multiplies its parallel and repeated calls (a page with 40× more items) |
//!
//! The page and the CLI (`reqflow run --knobs ...`) apply the same knobs the same way, so a share
//! link's trace can be reproduced on the command line.

use std::collections::BTreeMap;
use std::fmt;

use crate::latency::Latency;
use crate::scenario::{Scenario, Step};

/// The shape of a latency knob.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    Fixed,
    Uniform,
    Normal,
    Lognormal,
}

impl Shape {
    pub const ALL: [Shape; 4] = [Shape::Fixed, Shape::Uniform, Shape::Normal, Shape::Lognormal];

    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Fixed => "fixed",
            Shape::Uniform => "uniform",
            Shape::Normal => "normal",
            Shape::Lognormal => "lognormal",
        }
    }

    pub fn parse(text: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|shape| shape.as_str() == text)
    }

    /// A distribution of this shape centred on `median_ms`, with a typical spread.
    pub fn latency(self, median_ms: f64) -> Latency {
        match self {
            Shape::Fixed => Latency::Fixed(median_ms),
            Shape::Uniform => Latency::Uniform { min_ms: median_ms * 0.5, max_ms: median_ms * 1.5 },
            Shape::Normal => Latency::Normal { mean_ms: median_ms, stddev_ms: median_ms * 0.25 },
            Shape::Lognormal => Latency::Lognormal { median_ms, p99_ms: median_ms * 2.5 },
        }
    }

    /// The shape closest to an existing distribution (mixtures read as lognormal).
    pub fn of(latency: &Latency) -> Shape {
        match latency {
            Latency::Fixed(_) => Shape::Fixed,
            Latency::Uniform { .. } => Shape::Uniform,
            Latency::Normal { .. } => Shape::Normal,
            Latency::Lognormal { .. } | Latency::Mixture(_) => Shape::Lognormal,
        }
    }
}

/// The knobs set on one service. `None` leaves the scenario's value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceKnobs {
    pub latency: Option<(Shape, f64)>,
    pub error_rate: Option<f64>,
    pub skew_ms: Option<f64>,
    pub instrumented: Option<bool>,
    pub propagates: Option<bool>,
    pub fanout: Option<u32>,
}

impl ServiceKnobs {
    fn is_empty(&self) -> bool {
        *self == ServiceKnobs::default()
    }
}

/// Knobs for every service they touch, by service name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Knobs(pub BTreeMap<String, ServiceKnobs>);

/// A knob string that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("knob {item:?}: {message}")]
pub struct ParseKnobsError {
    pub item: String,
    pub message: String,
}

/// Longest knob string accepted (share links come from anywhere).
const MAX_KNOBS_LEN: usize = 8192;

impl Knobs {
    pub fn is_empty(&self) -> bool {
        self.0.values().all(ServiceKnobs::is_empty)
    }

    pub fn service_mut(&mut self, service: &str) -> &mut ServiceKnobs {
        self.0.entry(service.to_owned()).or_default()
    }

    /// Parses `service.knob=value` items separated by commas; checks names against `scenario`.
    pub fn parse(text: &str, scenario: &Scenario) -> Result<Knobs, ParseKnobsError> {
        let fail =
            |item: &str, message: String| ParseKnobsError { item: item.chars().take(60).collect(), message };
        if text.len() > MAX_KNOBS_LEN {
            return Err(fail("", format!("longer than {MAX_KNOBS_LEN} characters")));
        }
        let mut knobs = Knobs::default();
        for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
            let (name, value) =
                item.split_once('=').ok_or_else(|| fail(item, "expected service.knob=value".into()))?;
            let (service, knob) =
                name.rsplit_once('.').ok_or_else(|| fail(item, "expected service.knob=value".into()))?;
            if scenario.service(service).is_none() {
                return Err(fail(item, format!("no service {service:?} in scenario {}", scenario.name)));
            }
            let number = |value: &str| {
                value
                    .parse::<f64>()
                    .ok()
                    .filter(|number| number.is_finite())
                    .ok_or_else(|| fail(item, format!("{value:?} is not a number")))
            };
            let flag = |value: &str| match value {
                "true" | "1" | "on" => Ok(true),
                "false" | "0" | "off" => Ok(false),
                _ => Err(fail(item, format!("{value:?} is not true or false"))),
            };
            let entry = knobs.service_mut(service);
            match knob {
                "latency" => {
                    let (shape, ms) = match value.split_once(':') {
                        Some((shape, ms)) => (
                            Shape::parse(shape)
                                .ok_or_else(|| fail(item, format!("unknown distribution {shape:?}")))?,
                            number(ms)?,
                        ),
                        None => (Shape::Lognormal, number(value)?),
                    };
                    if !(0.0..=3_600_000.0).contains(&ms) {
                        return Err(fail(item, "latency must be within 0..3600000 ms".into()));
                    }
                    entry.latency = Some((shape, ms));
                }
                "errors" => {
                    let rate = number(value)?;
                    if !(0.0..=1.0).contains(&rate) {
                        return Err(fail(item, "error rate must be within [0, 1]".into()));
                    }
                    entry.error_rate = Some(rate);
                }
                "skew" => {
                    let ms = number(value)?;
                    if ms.abs() > 86_400_000.0 {
                        return Err(fail(item, "skew must be within ±1 day".into()));
                    }
                    entry.skew_ms = Some(ms);
                }
                "instrumented" => entry.instrumented = Some(flag(value)?),
                "propagates" => entry.propagates = Some(flag(value)?),
                "fanout" => {
                    let factor =
                        value.parse::<u32>().ok().filter(|factor| (1..=1000).contains(factor)).ok_or_else(
                            || fail(item, "fan-out must be a whole number within 1..=1000".into()),
                        )?;
                    entry.fanout = Some(factor);
                }
                other => {
                    return Err(fail(
                        item,
                        format!(
                            "unknown knob {other:?} (latency, errors, skew, instrumented, propagates, fanout)"
                        ),
                    ));
                }
            }
        }
        Ok(knobs)
    }

    /// The scenario with the knobs applied.
    pub fn apply(&self, scenario: &Scenario) -> Scenario {
        let mut scenario = scenario.clone();
        for (name, knobs) in &self.0 {
            let Some(service) = scenario.service_mut(name) else { continue };
            if let Some(offset) = knobs.skew_ms {
                service.clock.offset_ms = offset;
            }
            if let Some(instrumented) = knobs.instrumented {
                service.instrumented = instrumented;
            }
            if let Some(propagates) = knobs.propagates {
                service.propagates = propagates;
            }
            for operation in &mut service.operations {
                if let Some((shape, median_ms)) = knobs.latency {
                    operation.latency = shape.latency(median_ms);
                }
                if let Some(rate) = knobs.error_rate {
                    operation.error_rate = rate;
                }
                if let Some(factor) = knobs.fanout {
                    for step in &mut operation.steps {
                        match step {
                            Step::Repeat(repeat) => repeat.count = repeat.count.saturating_mul(factor),
                            Step::Parallel(parallel) => {
                                let n = parallel.calls.len() * factor as usize;
                                parallel.calls = parallel.calls.iter().cycle().take(n).cloned().collect();
                            }
                            Step::Work(_) | Step::Call(_) | Step::Publish(_) => {}
                        }
                    }
                }
            }
        }
        scenario
    }
}

impl fmt::Display for Knobs {
    /// The compact form that [`Knobs::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut items = Vec::new();
        for (service, knobs) in &self.0 {
            if let Some((shape, ms)) = knobs.latency {
                items.push(format!("{service}.latency={}:{ms}", shape.as_str()));
            }
            if let Some(rate) = knobs.error_rate {
                items.push(format!("{service}.errors={rate}"));
            }
            if let Some(ms) = knobs.skew_ms {
                items.push(format!("{service}.skew={ms}"));
            }
            if let Some(flag) = knobs.instrumented {
                items.push(format!("{service}.instrumented={flag}"));
            }
            if let Some(flag) = knobs.propagates {
                items.push(format!("{service}.propagates={flag}"));
            }
            if let Some(factor) = knobs.fanout {
                items.push(format!("{service}.fanout={factor}"));
            }
        }
        f.write_str(&items.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn try_it() -> Scenario {
        crate::builtins::load("try-it").expect("built-in")
    }

    #[test]
    fn knobs_round_trip_through_their_string_form() {
        let text = "auth.skew=-40,database.latency=normal:300,database.errors=0.25,orders.instrumented=false,orders.propagates=false";
        let knobs = Knobs::parse(text, &try_it()).expect("valid");
        assert_eq!(knobs.to_string(), text);
        assert_eq!(Knobs::parse(&knobs.to_string(), &try_it()).expect("valid"), knobs);
        assert_eq!(
            Knobs::parse("database.latency=300", &try_it()).expect("valid").0["database"].latency,
            Some((Shape::Lognormal, 300.0))
        );
    }

    #[test]
    fn knobs_change_exactly_what_they_name() {
        let knobs = Knobs::parse("database.latency=fixed:5,auth.skew=-40,orders.propagates=off", &try_it())
            .expect("valid");
        let changed = knobs.apply(&try_it());
        assert_eq!(changed.service("database").expect("db").operations[0].latency, Latency::Fixed(5.0));
        assert_eq!(changed.service("auth").expect("auth").clock.offset_ms, -40.0);
        assert!(!changed.service("orders").expect("orders").propagates);
        assert_eq!(changed.service("gateway"), try_it().service("gateway"));
        changed.validate("knobs").expect("still a valid scenario");
    }

    #[test]
    fn fanout_multiplies_parallel_and_repeated_calls() {
        let scenario = crate::builtins::load("n-plus-one").expect("built-in");
        let knobs = Knobs::parse("orders.fanout=5", &scenario).expect("valid");
        let changed = knobs.apply(&scenario);
        let steps = &changed.service("orders").expect("orders").operations[0].steps;
        assert!(matches!(&steps[1], Step::Repeat(repeat) if repeat.count == 60));
        let netflix = crate::builtins::load("netflix-fanout").expect("built-in");
        let big = Knobs::parse("api.fanout=3", &netflix).expect("valid").apply(&netflix);
        let spans = |scenario: &Scenario| {
            crate::Simulation::new(scenario).expect("compiles").simulate_one(1).expect("runs").spans.len()
        };
        assert!(spans(&big) > 2 * spans(&netflix));
    }

    #[test]
    fn bad_knobs_say_which_and_why() {
        for (text, expected) in [
            ("nope.skew=1", "no service \"nope\""),
            ("auth.speed=1", "unknown knob \"speed\""),
            ("auth.skew=abc", "\"abc\" is not a number"),
            ("auth.errors=2", "within [0, 1]"),
            ("auth.latency=weird:3", "unknown distribution \"weird\""),
            ("auth.instrumented=maybe", "not true or false"),
            ("auth", "expected service.knob=value"),
            ("auth.skew=NaN", "is not a number"),
            ("auth.fanout=0", "within 1..=1000"),
        ] {
            let error = Knobs::parse(text, &try_it()).expect_err(text).to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
