//! Scenarios: the services of a system, how they call each other, and the trouble injected.
//!
//! One schema, readable as TOML or JSON ([`Scenario::from_toml`], [`Scenario::from_json`]). Every
//! field is documented in `scenarios/README.md`; each built-in scenario is a commented example.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::latency::Latency;

/// A complete scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Short identifier, e.g. `try-it`.
    pub name: String,
    /// One-line lesson the scenario teaches.
    #[serde(default)]
    pub lesson: String,
    /// Where requests enter the system.
    pub entry: Target,
    /// Head sampling probability decided at the entry service (travels in `traceparent`).
    #[serde(default = "one")]
    pub sampling: f64,
    /// Virtual time zero, as Unix milliseconds (default 2026-01-01T00:00:00Z).
    #[serde(default = "default_epoch_ms")]
    pub epoch_unix_ms: i64,
    /// How requests of a multi-request run arrive.
    #[serde(default)]
    pub arrivals: Arrivals,
    pub services: Vec<Service>,
}

fn one() -> f64 {
    1.0
}

fn default_epoch_ms() -> i64 {
    1_767_225_600_000
}

/// A service and operation to call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub service: String,
    pub operation: String,
}

/// How the requests of a multi-request run arrive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arrivals {
    /// Fixed spacing (the default) or a Poisson process.
    #[serde(default, skip_serializing_if = "ArrivalKind::is_fixed")]
    pub kind: ArrivalKind,
    /// Milliseconds between the starts of consecutive requests (`kind = "fixed"`).
    #[serde(default = "default_interval")]
    pub interval_ms: f64,
    /// Mean requests per second of virtual time (`kind = "poisson"`): gaps between arrivals are
    /// exponential, drawn from a random stream of their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_s: Option<f64>,
}

/// How arrivals are spaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalKind {
    /// Every `interval_ms`.
    #[default]
    Fixed,
    /// At random, `rate_per_s` a second on average.
    Poisson,
}

impl ArrivalKind {
    fn is_fixed(&self) -> bool {
        *self == ArrivalKind::Fixed
    }
}

impl Arrivals {
    /// Poisson arrivals at `rate_per_s`.
    pub fn poisson(rate_per_s: f64) -> Arrivals {
        Arrivals { kind: ArrivalKind::Poisson, interval_ms: default_interval(), rate_per_s: Some(rate_per_s) }
    }
}

fn default_interval() -> f64 {
    100.0
}

impl Default for Arrivals {
    fn default() -> Self {
        Arrivals { kind: ArrivalKind::Fixed, interval_ms: default_interval(), rate_per_s: None }
    }
}

/// One service (a process) and the operations it serves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub name: String,
    /// Host the service runs on; services on one host share its clock. Defaults to `<name>-1`.
    #[serde(default)]
    pub host: String,
    /// Whether the service emits spans.
    #[serde(default = "yes")]
    pub instrumented: bool,
    /// Whether the service forwards trace context (`traceparent`) on its outgoing calls.
    #[serde(default = "yes")]
    pub propagates: bool,
    /// The host clock's error.
    #[serde(default)]
    pub clock: Clock,
    /// Maximum requests served at once; further requests wait in a FIFO queue. 0 = unlimited.
    #[serde(default)]
    pub concurrency: u32,
    /// OpenTelemetry semantic-convention flavour of the service's server spans.
    #[serde(default)]
    pub protocol: Protocol,
    /// `db.system.name` for databases, `messaging.system` for brokers.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub system: String,
    pub operations: Vec<Operation>,
}

fn yes() -> bool {
    true
}

impl Service {
    /// The host name, defaulting to `<service>-1`.
    pub fn host_name(&self) -> String {
        if self.host.is_empty() { format!("{}-1", self.name) } else { self.host.clone() }
    }
}

/// A host clock: a constant offset plus a drift that grows with (virtual) time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clock {
    /// Milliseconds the host clock is ahead (positive) or behind (negative) true time.
    #[serde(default)]
    pub offset_ms: f64,
    /// Parts per million the clock runs fast (positive) or slow (negative).
    #[serde(default)]
    pub drift_ppm: f64,
}

/// How a service is called, which picks span kinds and semantic-convention attributes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    #[default]
    Http,
    Grpc,
    Database,
    Cache,
}

/// One operation of a service: its own work, the calls it makes, and how it fails.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// Span name, e.g. `GET /orders/{id}` or `SELECT orders`.
    pub name: String,
    /// The operation's own work. Half is done before its steps and half after.
    #[serde(default)]
    pub latency: Latency,
    /// Probability the operation fails on its own.
    #[serde(default)]
    pub error_rate: f64,
    /// `error.type` recorded when it fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// For databases: the query text (`db.query.text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Extra attributes recorded on the server span.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// What the operation does, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

/// One step of an operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Own work of the given duration (an internal span when `name` is set).
    Work(Work),
    /// A synchronous call: wait for the response.
    Call(Call),
    /// Several calls at once, at most `max_parallel` in flight (0 = all).
    Parallel(Parallel),
    /// The same call `count` times in a row: the N+1 query pattern.
    Repeat(Repeat),
    /// Publish a message to a queue; a consumer handles it later. Does not wait.
    Publish(Publish),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Work {
    /// When set, the work is recorded as an internal span with this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub latency: Latency,
}

/// A synchronous call to another service's operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    pub service: String,
    pub operation: String,
    /// One-way network latency (sampled for the request and again for the response).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<Latency>,
    /// Give up waiting after this many milliseconds (the callee keeps working).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<f64>,
    /// Extra attempts after a failure or timeout.
    #[serde(default)]
    pub retries: u32,
    /// Wait before retry k (k = 1, 2, ...) is `backoff_ms × 2^(k-1)`.
    #[serde(default)]
    pub backoff_ms: f64,
    /// What a failed call does to the caller.
    #[serde(default)]
    pub on_error: OnError,
}

/// What a failed call does to its caller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// The caller fails too.
    #[default]
    Propagate,
    /// The caller ignores the failure.
    Swallow,
    /// The caller serves a fallback (recorded as an event) and succeeds.
    Fallback,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parallel {
    #[serde(default)]
    pub max_parallel: u32,
    pub calls: Vec<Call>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repeat {
    pub count: u32,
    pub call: Call,
}

/// Asynchronous hand-off through a queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publish {
    /// Queue (topic) name, recorded as `messaging.destination.name`.
    pub queue: String,
    /// Broker, recorded as `messaging.system` (default `kafka`).
    #[serde(default = "default_broker")]
    pub system: String,
    /// Consumer that handles the message.
    pub consumer: Target,
    /// Time the message waits in the queue before a consumer picks it up.
    #[serde(default)]
    pub queue_delay: Latency,
    /// Whether the trace context travels in the message's headers.
    #[serde(default = "yes")]
    pub carry_context: bool,
}

fn default_broker() -> String {
    "kafka".to_owned()
}

/// Limits that keep a runaway scenario from eating memory. The defaults are documented in
/// `scenarios/README.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of calls (the entry operation is depth 1).
    pub max_call_depth: u32,
    /// Maximum spans one request may produce.
    pub max_spans_per_request: u32,
    /// Maximum requests in one run.
    pub max_requests: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_call_depth: 64, max_spans_per_request: 200_000, max_requests: 10_000_000 }
    }
}

/// Where a scenario came from, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Toml,
    Json,
}

/// A scenario that could not be read or does not make sense.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// The text is not valid TOML/JSON for the schema.
    #[error("{origin}:{line}:{column}: {message}")]
    Syntax { origin: String, line: u32, column: u32, message: String },
    /// The text parsed but a field is wrong.
    #[error("{origin}: {path}: {message}")]
    Invalid { origin: String, path: String, message: String },
}

impl ScenarioError {
    fn invalid(origin: &str, path: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid { origin: origin.to_owned(), path: path.into(), message: message.into() }
    }
}

#[cfg(feature = "toml")]
pub(crate) fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() as u32 + 1;
    let column = before.rsplit('\n').next().map_or(0, |tail| tail.chars().count()) as u32 + 1;
    (line, column)
}

/// Reads TOML text into `T`; a syntax or schema error says the line and column.
#[cfg(feature = "toml")]
pub(crate) fn read_toml<T: serde::de::DeserializeOwned>(
    text: &str,
    origin: &str,
) -> Result<T, ScenarioError> {
    toml::from_str(text).map_err(|error| {
        let (line, column) = error.span().map_or((1, 1), |span| line_column(text, span.start));
        ScenarioError::Syntax {
            origin: origin.to_owned(),
            line,
            column,
            message: error.message().trim().to_owned(),
        }
    })
}

/// Reads JSON text into `T`; a syntax or schema error says the line and column.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    text: &str,
    origin: &str,
) -> Result<T, ScenarioError> {
    serde_json::from_str(text).map_err(|error| ScenarioError::Syntax {
        origin: origin.to_owned(),
        line: error.line() as u32,
        column: error.column() as u32,
        message: error.to_string().split(" at line ").next().unwrap_or_default().to_owned(),
    })
}

impl Scenario {
    /// Parses and validates a TOML scenario. `origin` names the file in errors.
    #[cfg(feature = "toml")]
    pub fn from_toml(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = read_toml(text, origin)?;
        scenario.validate(origin)?;
        Ok(scenario)
    }

    /// Parses and validates a JSON scenario. `origin` names the file in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = read_json(text, origin)?;
        scenario.validate(origin)?;
        Ok(scenario)
    }

    /// Picks the format from the first non-blank character: `{` is JSON, anything else TOML.
    #[cfg(feature = "toml")]
    pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        if text.trim_start().starts_with('{') {
            Scenario::from_json(text, origin)
        } else {
            Scenario::from_toml(text, origin)
        }
    }

    #[cfg(feature = "toml")]
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|service| service.name == name)
    }

    /// The services with an operation that calls or publishes to `service`, in scenario order.
    pub fn callers_of(&self, service: &str) -> Vec<&Service> {
        self.services
            .iter()
            .filter(|caller| {
                caller.operations.iter().any(|operation| {
                    let mut calls = false;
                    for step in &operation.steps {
                        step.for_each_target(&mut |target, _| calls |= target == service);
                    }
                    calls
                })
            })
            .collect()
    }

    pub fn service_mut(&mut self, name: &str) -> Option<&mut Service> {
        self.services.iter_mut().find(|service| service.name == name)
    }

    /// Checks everything the schema cannot: references, ranges, cycles.
    pub fn validate(&self, origin: &str) -> Result<(), ScenarioError> {
        let err = |path: String, message: String| Err(ScenarioError::invalid(origin, path, message));
        if self.services.is_empty() {
            return err("services".into(), "a scenario needs at least one service".into());
        }
        check_probability(origin, "sampling", self.sampling)?;
        if !(self.arrivals.interval_ms.is_finite() && self.arrivals.interval_ms >= 0.0) {
            return err("arrivals.interval_ms".into(), "must be ≥ 0".into());
        }
        match (self.arrivals.kind, self.arrivals.rate_per_s) {
            (ArrivalKind::Poisson, None) => {
                return err(
                    "arrivals.rate_per_s".into(),
                    "Poisson arrivals need a rate (requests per second), e.g. rate_per_s = 200".into(),
                );
            }
            (ArrivalKind::Poisson, Some(rate)) if !(rate.is_finite() && rate > 0.0 && rate <= 1e9) => {
                return err(
                    "arrivals.rate_per_s".into(),
                    format!("must be > 0 and at most 1e9 requests per second, got {rate}"),
                );
            }
            (ArrivalKind::Fixed, Some(_)) => {
                return err(
                    "arrivals.rate_per_s".into(),
                    "a rate is read only with kind = \"poisson\" (fixed spacing uses interval_ms)".into(),
                );
            }
            _ => {}
        }
        let mut seen = BTreeSet::new();
        for (service_idx, service) in self.services.iter().enumerate() {
            let path = format!("services[{service_idx}]");
            if service.name.trim().is_empty() {
                return err(format!("{path}.name"), "service name is empty".into());
            }
            if !seen.insert(service.name.as_str()) {
                return err(format!("{path}.name"), format!("duplicate service {:?}", service.name));
            }
        }
        for (service_idx, service) in self.services.iter().enumerate() {
            let path = format!("services[{service_idx}]");
            if !service.clock.offset_ms.is_finite() || service.clock.offset_ms.abs() > 86_400_000.0 {
                return err(format!("{path}.clock.offset_ms"), "must be within ±1 day".into());
            }
            if !service.clock.drift_ppm.is_finite() || service.clock.drift_ppm.abs() > 100_000.0 {
                return err(format!("{path}.clock.drift_ppm"), "must be within ±100000 ppm".into());
            }
            if service.operations.is_empty() {
                return err(
                    format!("{path}.operations"),
                    format!("service {:?} has no operations", service.name),
                );
            }
            let mut op_names = BTreeSet::new();
            for (op_idx, operation) in service.operations.iter().enumerate() {
                let op_path = format!("{path}.operations[{op_idx}]");
                if !op_names.insert(operation.name.as_str()) {
                    return err(
                        format!("{op_path}.name"),
                        format!("duplicate operation {:?}", operation.name),
                    );
                }
                if let Some(problem) = operation.latency.problem() {
                    return err(format!("{op_path}.latency"), problem);
                }
                check_probability(origin, &format!("{op_path}.error_rate"), operation.error_rate)?;
                for (step_idx, step) in operation.steps.iter().enumerate() {
                    self.validate_step(origin, &format!("{op_path}.steps[{step_idx}]"), step)?;
                }
            }
        }
        self.check_target(origin, "entry", &self.entry)?;
        self.check_no_cycles(origin)
    }

    fn validate_step(&self, origin: &str, path: &str, step: &Step) -> Result<(), ScenarioError> {
        match step {
            Step::Work(work) => match work.latency.problem() {
                Some(problem) => Err(ScenarioError::invalid(origin, format!("{path}.work.latency"), problem)),
                None => Ok(()),
            },
            Step::Call(call) => self.validate_call(origin, &format!("{path}.call"), call),
            Step::Parallel(parallel) => {
                if parallel.calls.is_empty() {
                    return Err(ScenarioError::invalid(origin, format!("{path}.parallel.calls"), "no calls"));
                }
                for (call_idx, call) in parallel.calls.iter().enumerate() {
                    self.validate_call(origin, &format!("{path}.parallel.calls[{call_idx}]"), call)?;
                }
                Ok(())
            }
            Step::Repeat(repeat) => {
                if repeat.count > 100_000 {
                    return Err(ScenarioError::invalid(
                        origin,
                        format!("{path}.repeat.count"),
                        "must be ≤ 100000",
                    ));
                }
                self.validate_call(origin, &format!("{path}.repeat.call"), &repeat.call)
            }
            Step::Publish(publish) => {
                if let Some(problem) = publish.queue_delay.problem() {
                    return Err(ScenarioError::invalid(
                        origin,
                        format!("{path}.publish.queue_delay"),
                        problem,
                    ));
                }
                self.check_target(origin, &format!("{path}.publish.consumer"), &publish.consumer)
            }
        }
    }

    fn validate_call(&self, origin: &str, path: &str, call: &Call) -> Result<(), ScenarioError> {
        self.check_target(
            origin,
            path,
            &Target { service: call.service.clone(), operation: call.operation.clone() },
        )?;
        if let Some(problem) = call.network.as_ref().and_then(Latency::problem) {
            return Err(ScenarioError::invalid(origin, format!("{path}.network"), problem));
        }
        if let Some(timeout) = call.timeout_ms
            && !(timeout.is_finite() && timeout > 0.0)
        {
            return Err(ScenarioError::invalid(origin, format!("{path}.timeout_ms"), "must be > 0"));
        }
        if !(call.backoff_ms.is_finite() && call.backoff_ms >= 0.0) {
            return Err(ScenarioError::invalid(origin, format!("{path}.backoff_ms"), "must be ≥ 0"));
        }
        if call.retries > 10 {
            return Err(ScenarioError::invalid(origin, format!("{path}.retries"), "must be ≤ 10"));
        }
        Ok(())
    }

    fn check_target(&self, origin: &str, path: &str, target: &Target) -> Result<(), ScenarioError> {
        let Some(service) = self.service(&target.service) else {
            let known: Vec<&str> = self.services.iter().map(|service| service.name.as_str()).collect();
            return Err(ScenarioError::invalid(
                origin,
                format!("{path}.service"),
                format!("unknown service {:?} (known: {})", target.service, known.join(", ")),
            ));
        };
        if !service.operations.iter().any(|operation| operation.name == target.operation) {
            let known: Vec<&str> =
                service.operations.iter().map(|operation| operation.name.as_str()).collect();
            return Err(ScenarioError::invalid(
                origin,
                format!("{path}.operation"),
                format!(
                    "service {:?} has no operation {:?} (known: {})",
                    target.service,
                    target.operation,
                    known.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// Synchronous and asynchronous calls must form a DAG: a cycle would recurse forever.
    fn check_no_cycles(&self, origin: &str) -> Result<(), ScenarioError> {
        // Nodes are "service/operation"; edges are the targets of every step.
        let mut edges: BTreeMap<(&str, &str), Vec<(&str, &str)>> = BTreeMap::new();
        for service in &self.services {
            for operation in &service.operations {
                let targets = edges.entry((&service.name, &operation.name)).or_default();
                for step in &operation.steps {
                    step.for_each_target(&mut |service, operation| targets.push((service, operation)));
                }
            }
        }
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Visiting,
            Done,
        }
        let mut marks: BTreeMap<(&str, &str), Mark> = BTreeMap::new();
        // Iterative DFS; the stack holds (node, next edge index).
        for start in edges.keys().copied() {
            if marks.contains_key(&start) {
                continue;
            }
            let mut stack = vec![(start, 0usize)];
            marks.insert(start, Mark::Visiting);
            while let Some((node, edge_idx)) = stack.last().copied() {
                let next = edges.get(&node).and_then(|targets| targets.get(edge_idx)).copied();
                let Some(next) = next else {
                    marks.insert(node, Mark::Done);
                    stack.pop();
                    continue;
                };
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                match marks.get(&next) {
                    Some(Mark::Visiting) => {
                        let cycle_start = stack.iter().position(|(entry, _)| *entry == next).unwrap_or(0);
                        let mut names: Vec<String> =
                            stack[cycle_start..].iter().map(|((s, o), _)| format!("{s}/{o}")).collect();
                        names.push(format!("{}/{}", next.0, next.1));
                        return Err(ScenarioError::invalid(
                            origin,
                            "services",
                            format!("cycle in calls: {}", names.join(" → ")),
                        ));
                    }
                    Some(Mark::Done) => {}
                    None => {
                        marks.insert(next, Mark::Visiting);
                        stack.push((next, 0));
                    }
                }
            }
        }
        Ok(())
    }
}

impl Step {
    /// Calls `visit(service, operation)` for every operation this step invokes.
    pub fn for_each_target<'a>(&'a self, visit: &mut impl FnMut(&'a str, &'a str)) {
        match self {
            Step::Work(_) => {}
            Step::Call(call) => visit(&call.service, &call.operation),
            Step::Parallel(parallel) => {
                for call in &parallel.calls {
                    visit(&call.service, &call.operation);
                }
            }
            Step::Repeat(repeat) => visit(&repeat.call.service, &repeat.call.operation),
            Step::Publish(publish) => visit(&publish.consumer.service, &publish.consumer.operation),
        }
    }
}

fn check_probability(origin: &str, path: &str, value: f64) -> Result<(), ScenarioError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(ScenarioError::invalid(origin, path, format!("probability must be within [0, 1], got {value}")))
    }
}

#[cfg(all(test, feature = "toml"))]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
name = "mini"
entry = { service = "a", operation = "GET /" }

[[services]]
name = "a"

[[services.operations]]
name = "GET /"
latency = { fixed = 5.0 }
steps = [{ call = { service = "b", operation = "q" } }]

[[services]]
name = "b"

[[services.operations]]
name = "q"
latency = { lognormal = { median_ms = 10.0, p99_ms = 40.0 } }
"#;

    /// Applies `edit` to the minimal scenario's TOML and checks the error message contains
    /// every one of `expected`.
    fn check_error(edit: (&str, &str), expected: &[&str]) {
        let text = MINIMAL.replacen(edit.0, edit.1, 1);
        assert_ne!(text, MINIMAL, "the edit {edit:?} applies");
        let error = Scenario::from_toml(&text, "mini.toml").expect_err("invalid").to_string();
        for part in expected {
            assert!(error.contains(part), "{error:?} should contain {part:?}");
        }
    }

    #[test]
    fn minimal_scenario_parses_with_defaults() {
        let scenario = Scenario::from_toml(MINIMAL, "mini.toml").expect("valid");
        assert_eq!(scenario.sampling, 1.0);
        let service = scenario.service("a").expect("a");
        assert!(service.instrumented && service.propagates);
        assert_eq!(service.host_name(), "a-1");
    }

    #[test]
    fn toml_and_json_are_one_schema() {
        let scenario = Scenario::from_toml(MINIMAL, "mini.toml").expect("valid");
        let json = serde_json::to_string(&scenario).expect("serialises");
        assert_eq!(Scenario::parse(&json, "mini.json").expect("valid json"), scenario);
        assert_eq!(Scenario::parse(&scenario.to_toml(), "again.toml").expect("valid toml"), scenario);
    }

    #[test]
    fn arrivals_are_fixed_by_default_or_poisson_with_a_rate() {
        let fixed = Scenario::from_toml(MINIMAL, "mini.toml").expect("valid");
        assert_eq!(fixed.arrivals, Arrivals::default());
        let json = serde_json::to_string(&fixed.arrivals).expect("serialises");
        assert_eq!(json, r#"{"interval_ms":100.0}"#, "the fixed default writes what it always wrote");
        let edit =
            |arrivals: &str| MINIMAL.replacen("[[services]]", &format!("{arrivals}\n\n[[services]]"), 1);
        let poisson =
            Scenario::from_toml(&edit("[arrivals]\nkind = \"poisson\"\nrate_per_s = 250"), "mini.toml")
                .expect("valid");
        assert_eq!(poisson.arrivals, Arrivals::poisson(250.0));
        let table: [(&str, &[&str]); 5] = [
            ("[arrivals]\nkind = \"poisson\"", &["mini.toml", "arrivals.rate_per_s", "need a rate"]),
            (
                "[arrivals]\nkind = \"poisson\"\nrate_per_s = 0",
                &["arrivals.rate_per_s", "must be > 0", "got 0"],
            ),
            ("[arrivals]\nkind = \"poisson\"\nrate_per_s = -3", &["arrivals.rate_per_s", "got -3"]),
            ("[arrivals]\nrate_per_s = 20", &["arrivals.rate_per_s", "only with kind = \"poisson\""]),
            ("[arrivals]\nkind = \"burst\"", &["unknown variant `burst`", "fixed", "poisson"]),
        ];
        for (arrivals, expected) in table {
            let error = Scenario::from_toml(&edit(arrivals), "mini.toml").expect_err(arrivals).to_string();
            for part in expected {
                assert!(error.contains(part), "{arrivals:?}: {error:?} should contain {part:?}");
            }
        }
    }

    #[test]
    fn bad_scenarios_say_where_and_what() {
        check_error(
            (r#"service = "b""#, r#"service = "nope""#),
            &[
                "mini.toml",
                "services[0].operations[0].steps[0].call.service",
                "unknown service \"nope\"",
                "known: a, b",
            ],
        );
        check_error((r#"operation = "q""#, r#"operation = "r""#), &["has no operation \"r\""]);
        check_error((r#"fixed = 5.0"#, r#"fixed = -5.0"#), &["services[0].operations[0].latency", "≥ 0"]);
        check_error(
            (r#"p99_ms = 40.0"#, r#"p99_ms = 4.0"#),
            &["services[1].operations[0].latency", "below median_ms"],
        );
        check_error(
            (r#"latency = { fixed = 5.0 }"#, "latency = { fixed = 5.0 }\nerror_rate = 1.5"),
            &["services[0].operations[0].error_rate", "within [0, 1]"],
        );
        check_error((r#"name = "b""#, r#"name = "a""#), &["services[1].name", "duplicate service \"a\""]);
        check_error(
            (
                r#"latency = { lognormal = { median_ms = 10.0, p99_ms = 40.0 } }"#,
                r#"latency = { fixed = 1.0 }
steps = [{ call = { service = "a", operation = "GET /" } }]"#,
            ),
            &["cycle in calls", "a/GET / → b/q → a/GET /"],
        );
        check_error(
            (r#"entry = { service = "a""#, r#"entry = { service = "z""#),
            &["entry.service", "unknown service"],
        );
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let broken = MINIMAL.replace(r#"latency = { fixed = 5.0 }"#, r#"latency = { fixed = 5.0 "#);
        let error = Scenario::from_toml(&broken, "mini.toml").expect_err("broken");
        match &error {
            ScenarioError::Syntax { origin, line, .. } => {
                assert_eq!(origin, "mini.toml");
                assert_eq!(*line, 11, "{error}");
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
        let unknown = MINIMAL.replace("latency = { fixed = 5.0 }", "latency = { fixed = 5.0 }\nlatnecy = 3");
        let error = Scenario::from_toml(&unknown, "mini.toml").expect_err("unknown field").to_string();
        assert!(error.starts_with("mini.toml:11:1:") && error.contains("latnecy"), "{error}");
        let error = Scenario::from_json("{\n  \"name\": 3\n}", "bad.json").expect_err("bad").to_string();
        assert!(error.starts_with("bad.json:2:"), "{error}");
    }
}
