//! The simulation engine: a discrete-event simulation in virtual time.
//!
//! # Determinism contract
//!
//! The same [`Scenario`] and seed produce byte-identical output, run after run, on every
//! platform, native and wasm32:
//!
//! * randomness comes only from `rand_chacha::ChaCha8Rng` (a named, portable PRNG), one stream per
//!   service derived from the seed and the service's name, so changing one service's knobs does not
//!   reshuffle the draws of the others;
//! * span and trace ids are derived from the seed and the span's position in the call tree (not
//!   from a counter), so they too survive unrelated knob changes;
//! * time is virtual: integer nanoseconds, never a clock;
//! * events at the same instant are processed in the order they were scheduled (a sequence number
//!   breaks ties), collections that reach the output are ordered, and latency sampling uses only
//!   exact IEEE 754 arithmetic on tables precomputed with `libm`;
//! * no `usize` reaches the output.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::ids::{SpanId, TraceId, hash_str, mix_all};
use crate::latency::{Latency, Sampler, chance, ms_to_ns};
use crate::scenario::{Call, Limits, OnError, Protocol, Scenario, Step};
use crate::text::Text;
use crate::trace::{Event, KeyValue, Span, SpanKind, Status, StatusCode, Truth};

/// Why a run could not complete.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("request {request} produced more than {limit} spans (limit max_spans_per_request)")]
    TooManySpans { request: u64, limit: u32 },
    #[error("{requested} requests asked for, the limit is {limit} (limit max_requests)")]
    TooManyRequests { requested: u64, limit: u64 },
    #[error("calls nest {depth} deep along {path}, the limit is {limit} (limit max_call_depth)")]
    TooDeep { depth: u32, limit: u32, path: String },
}

/// All spans one request produced, possibly in several traces (fragments) when context was lost.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RequestTrace {
    /// 0-based index of the request in the run.
    pub request: u64,
    /// Whether the entry service's head-sampling decision kept the trace.
    pub sampled: bool,
    /// Whether the entry operation failed (the user saw an error).
    pub failed: bool,
    /// True start and end of the whole request (entry arrival to last work done), epoch ns.
    pub start_ns: i64,
    pub end_ns: i64,
    /// Spans in order of true start (ties in the order the simulation created them).
    pub spans: Vec<Span>,
}

/// Aggregates of a run, computed without keeping its traces.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub requests: u64,
    /// Spans recorded (sampled spans of instrumented services).
    pub spans: u64,
    pub failed_requests: u64,
    /// End-to-end request durations (true time).
    pub latency: LatencyHistogram,
}

impl RunSummary {
    fn add(&mut self, trace: &RequestTrace, n_spans: u32) {
        self.requests += 1;
        self.spans += u64::from(n_spans);
        self.failed_requests += u64::from(trace.failed);
        self.latency.record(trace.end_ns - trace.start_ns);
    }
}

/// A log-linear histogram of durations: 16 sub-buckets per power of two (relative error below
/// 6.25%), fixed memory whatever the number of requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatencyHistogram {
    counts: Vec<u64>,
    total: u64,
    max_ns: i64,
}

const SUB_BUCKETS: u32 = 16;

impl Default for LatencyHistogram {
    fn default() -> Self {
        LatencyHistogram { counts: vec![0; (64 * SUB_BUCKETS) as usize], total: 0, max_ns: 0 }
    }
}

impl LatencyHistogram {
    pub fn record(&mut self, ns: i64) {
        let value = ns.max(0) as u64;
        self.counts[Self::bucket(value) as usize] += 1;
        self.total += 1;
        self.max_ns = self.max_ns.max(ns);
    }

    fn bucket(value: u64) -> u32 {
        if value < u64::from(SUB_BUCKETS) {
            return value as u32;
        }
        let magnitude = 63 - value.leading_zeros(); // at least 4 here
        let sub = (value >> (magnitude - 4)) as u32 & (SUB_BUCKETS - 1);
        (magnitude - 3) * SUB_BUCKETS + sub
    }

    /// The smallest value that falls in the bucket.
    fn bucket_floor(bucket: u32) -> u64 {
        if bucket < SUB_BUCKETS {
            return u64::from(bucket);
        }
        let magnitude = bucket / SUB_BUCKETS + 3;
        let sub = u64::from(bucket % SUB_BUCKETS);
        (1u64 << magnitude) | (sub << (magnitude - 4))
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    pub fn max_ns(&self) -> i64 {
        self.max_ns
    }

    /// The duration below which a fraction `quantile` of requests fall (a bucket's lower bound).
    pub fn quantile_ns(&self, quantile: f64) -> i64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * self.total as f64) as u64).min(self.total - 1);
        let mut seen = 0;
        for (bucket, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen > rank {
                return Self::bucket_floor(bucket as u32) as i64;
            }
        }
        self.max_ns
    }
}

#[cfg(test)]
mod span_hint_tests {
    use crate::builtins;
    use crate::knobs::Knobs;

    #[test]
    fn the_nominal_span_count_is_what_a_request_without_trouble_records() {
        for name in ["try-it", "netflix-fanout", "async-queue", "n-plus-one", "uber-ride"] {
            let base = builtins::load(name).expect("built-in");
            // No errors, retries, sampling or untraced services: every nominal span is recorded.
            let mut scenario = Knobs::default().apply(&base);
            scenario.sampling = 1.0;
            for service in &mut scenario.services {
                service.instrumented = true;
                for operation in &mut service.operations {
                    operation.error_rate = 0.0;
                }
            }
            let simulation = super::Simulation::new(&scenario).expect("compiles");
            let trace = simulation.simulate_one(3).expect("runs");
            assert_eq!(simulation.span_hint, trace.spans.len(), "{name}");
        }
    }
}

#[cfg(test)]
mod header_tests {
    use super::*;
    use crate::tracecontext::TraceParent;

    #[test]
    fn fast_header_equals_the_traceparent_display() {
        for (trace, parent, sampled) in [(1u64, 2u64, true), (u64::MAX, 0x00f0_67aa_0ba9_02b7, false)] {
            let ctx = Context {
                trace_id: TraceId::from_u64_pair(trace, !trace),
                parent: SpanId::from_u64(parent),
                sampled,
            };
            assert_eq!(ctx.header(), TraceParent::new(ctx.trace_id, ctx.parent, sampled).to_string());
        }
    }
}

#[cfg(test)]
mod histogram_tests {
    use super::LatencyHistogram;

    #[test]
    fn quantiles_are_within_the_bucket_error() {
        let mut histogram = LatencyHistogram::default();
        for value in 1..=10_000i64 {
            histogram.record(value * 1_000);
        }
        for (quantile, expected) in [(0.5, 5_000_000.0), (0.99, 9_900_000.0), (0.0, 1_000.0)] {
            let got = histogram.quantile_ns(quantile) as f64;
            assert!((got - expected).abs() / expected < 0.0625, "q{quantile}: {got} vs {expected}");
        }
        assert_eq!(histogram.count(), 10_000);
        assert_eq!(histogram.max_ns(), 10_000_000);
    }
}

/// Trace context travelling with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Context {
    trace_id: TraceId,
    parent: SpanId,
    sampled: bool,
}

impl Context {
    /// The version-00 `traceparent` (same text as `TraceParent`'s Display, without the
    /// formatting machinery: this runs once per span).
    fn header(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = Vec::with_capacity(55);
        text.extend_from_slice(b"00-");
        for byte in self.trace_id.0 {
            text.extend_from_slice(&[DIGITS[(byte >> 4) as usize], DIGITS[(byte & 0xf) as usize]]);
        }
        text.push(b'-');
        for byte in self.parent.0 {
            text.extend_from_slice(&[DIGITS[(byte >> 4) as usize], DIGITS[(byte & 0xf) as usize]]);
        }
        text.extend_from_slice(if self.sampled { b"-01" } else { b"-00" });
        String::from_utf8(text).expect("hex digits and dashes are ASCII")
    }
}

struct CompiledService {
    name: Text,
    host: Text,
    instrumented: bool,
    propagates: bool,
    offset_ns: i64,
    drift_ppb: i64,
    concurrency: u32,
    protocol: Protocol,
    stream: u64,
}

struct CompiledOp {
    service: u32,
    name: Text,
    latency: Sampler,
    error_rate: f64,
    error_type: Option<Text>,
    server_attributes: Vec<KeyValue>,
    /// What a client span calling this operation carries before the response.
    client_attributes: Vec<KeyValue>,
    steps: Vec<CompiledStep>,
}

enum CompiledStep {
    Work {
        name: Option<Text>,
        latency: Sampler,
    },
    /// Call, Parallel and Repeat: `calls` run with at most `max_parallel` in flight.
    Calls {
        calls: Vec<CompiledCall>,
        max_parallel: u32,
    },
    Publish(CompiledPublish),
}

struct CompiledCall {
    target: u32,
    network: Option<Sampler>,
    timeout_ns: Option<i64>,
    retries: u32,
    backoff_ns: i64,
    on_error: OnError,
}

struct CompiledPublish {
    queue: Text,
    system: Text,
    consumer: u32,
    queue_delay: Sampler,
    carry_context: bool,
}

/// A scenario compiled for fast, repeated simulation.
pub struct Simulation {
    services: Vec<CompiledService>,
    ops: Vec<CompiledOp>,
    entry: u32,
    sampling: f64,
    epoch_ns: i64,
    interval_ns: i64,
    /// Mixed into every derived id, so different scenarios do not share trace ids.
    scenario_key: u64,
    limits: Limits,
    /// Room reserved for a request's spans: its nominal span count (see `nominal_spans`), so a
    /// 100,000-span request does not copy its spans over and over as the list grows.
    span_hint: usize,
}

/// The most spans reserved up front for one request.
const SPAN_HINT_CAP: u64 = 1 << 17;

impl std::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulation").field("services", &self.services.len()).finish_non_exhaustive()
    }
}

/// The time a publish takes to hand a message to the broker.
const SEND_NS: i64 = 300_000;

impl Simulation {
    /// Compiles a validated scenario with the default [`Limits`].
    pub fn new(scenario: &Scenario) -> Result<Simulation, SimError> {
        Simulation::with_limits(scenario, Limits::default())
    }

    pub fn with_limits(scenario: &Scenario, limits: Limits) -> Result<Simulation, SimError> {
        let services: Vec<CompiledService> = scenario
            .services
            .iter()
            .map(|service| CompiledService {
                name: Text::new(&service.name),
                host: Text::from(service.host_name()),
                instrumented: service.instrumented,
                propagates: service.propagates,
                offset_ns: ms_to_ns(service.clock.offset_ms),
                drift_ppb: libm::round(service.clock.drift_ppm * 1000.0) as i64,
                concurrency: service.concurrency,
                protocol: service.protocol,
                stream: hash_str(&service.name),
            })
            .collect();
        let mut op_index = std::collections::BTreeMap::new();
        for (service_idx, service) in scenario.services.iter().enumerate() {
            for operation in &service.operations {
                op_index.insert((service.name.as_str(), operation.name.as_str()), op_index.len() as u32);
                let _ = service_idx;
            }
        }
        let find = |service: &str, operation: &str| op_index[&(service, operation)];
        let compile_call = |call: &Call| CompiledCall {
            target: find(&call.service, &call.operation),
            network: call.network.as_ref().map(Latency::compile),
            timeout_ns: call.timeout_ms.map(ms_to_ns),
            retries: call.retries,
            backoff_ns: ms_to_ns(call.backoff_ms),
            on_error: call.on_error,
        };
        let mut ops = Vec::new();
        for (service_idx, service) in scenario.services.iter().enumerate() {
            for operation in &service.operations {
                let steps = operation
                    .steps
                    .iter()
                    .map(|step| match step {
                        Step::Work(work) => CompiledStep::Work {
                            name: work.name.as_deref().map(Text::new),
                            latency: work.latency.compile(),
                        },
                        Step::Call(call) => {
                            CompiledStep::Calls { calls: vec![compile_call(call)], max_parallel: 1 }
                        }
                        Step::Parallel(parallel) => CompiledStep::Calls {
                            calls: parallel.calls.iter().map(compile_call).collect(),
                            max_parallel: parallel.max_parallel,
                        },
                        Step::Repeat(repeat) => CompiledStep::Calls {
                            calls: (0..repeat.count).map(|_| compile_call(&repeat.call)).collect(),
                            max_parallel: 1,
                        },
                        Step::Publish(publish) => CompiledStep::Publish(CompiledPublish {
                            queue: Text::new(&publish.queue),
                            system: Text::new(&publish.system),
                            consumer: find(&publish.consumer.service, &publish.consumer.operation),
                            queue_delay: publish.queue_delay.compile(),
                            carry_context: publish.carry_context,
                        }),
                    })
                    .collect();
                let server_attributes = server_attributes(service, operation);
                let client_attributes = client_attributes(service, operation, &server_attributes);
                ops.push(CompiledOp {
                    service: service_idx as u32,
                    name: Text::new(&operation.name),
                    latency: operation.latency.compile(),
                    error_rate: operation.error_rate,
                    error_type: operation.error_type.as_deref().map(Text::new),
                    server_attributes,
                    client_attributes,
                    steps,
                });
            }
        }
        let mut simulation = Simulation {
            services,
            ops,
            entry: find(&scenario.entry.service, &scenario.entry.operation),
            sampling: scenario.sampling,
            epoch_ns: scenario.epoch_unix_ms.saturating_mul(1_000_000),
            interval_ns: ms_to_ns(scenario.arrivals.interval_ms),
            scenario_key: hash_str(&scenario.name),
            limits,
            span_hint: 0,
        };
        simulation.check_depth()?;
        let mut memo = vec![None; simulation.ops.len()];
        let nominal = simulation.nominal_spans(simulation.entry, &mut memo);
        simulation.span_hint =
            nominal.min(SPAN_HINT_CAP).min(u64::from(limits.max_spans_per_request)) as usize;
        Ok(simulation)
    }

    /// Spans one invocation of `op` records when nothing fails or retries: its server span, its
    /// named work, and for each call or publish a client or producer span plus the target's
    /// spans. Memoised per operation (the scenario is a DAG no deeper than the call-depth limit).
    fn nominal_spans(&self, op: u32, memo: &mut [Option<u64>]) -> u64 {
        if let Some(count) = memo[op as usize] {
            return count;
        }
        let mut count = 1u64;
        for step in &self.ops[op as usize].steps {
            count = count.saturating_add(match step {
                CompiledStep::Work { name, .. } => u64::from(name.is_some()),
                CompiledStep::Calls { calls, .. } => calls
                    .iter()
                    .map(|call| 1u64.saturating_add(self.nominal_spans(call.target, memo)))
                    .fold(0u64, u64::saturating_add),
                CompiledStep::Publish(publish) => {
                    1u64.saturating_add(self.nominal_spans(publish.consumer, memo))
                }
            });
        }
        memo[op as usize] = Some(count);
        count
    }

    /// The longest chain of nested calls must stay within `max_call_depth` (the scenario is a DAG,
    /// validated by [`Scenario::validate`]).
    fn check_depth(&self) -> Result<(), SimError> {
        // depth[op] = 1 + max depth of its targets, memoised; iterative post-order.
        let targets_of: Vec<Vec<u32>> = (0..self.ops.len() as u32).map(|op| self.targets(op)).collect();
        let mut depth: Vec<u32> = vec![0; self.ops.len()];
        let mut next_of: Vec<u32> = vec![0; self.ops.len()];
        for root in 0..self.ops.len() {
            if depth[root] != 0 {
                continue;
            }
            let mut stack = vec![root];
            while let Some(&op) = stack.last() {
                let targets = &targets_of[op];
                if (next_of[op] as usize) < targets.len() {
                    let target = targets[next_of[op] as usize] as usize;
                    next_of[op] += 1;
                    if depth[target] == 0 {
                        stack.push(target);
                    }
                } else {
                    depth[op] = 1 + targets.iter().map(|&target| depth[target as usize]).max().unwrap_or(0);
                    stack.pop();
                }
            }
        }
        let deepest = (0..self.ops.len()).max_by_key(|&op| depth[op]).unwrap_or(0);
        if depth[deepest] > self.limits.max_call_depth {
            let mut path = vec![self.op_label(deepest as u32)];
            let mut op = deepest as u32;
            while let Some(&next) =
                targets_of[op as usize].iter().max_by_key(|&&target| depth[target as usize])
            {
                path.push(self.op_label(next));
                op = next;
            }
            return Err(SimError::TooDeep {
                depth: depth[deepest],
                limit: self.limits.max_call_depth,
                path: path.join(" → "),
            });
        }
        Ok(())
    }

    fn targets(&self, op: u32) -> Vec<u32> {
        let mut targets = Vec::new();
        for step in &self.ops[op as usize].steps {
            match step {
                CompiledStep::Work { .. } => {}
                CompiledStep::Calls { calls, .. } => targets.extend(calls.iter().map(|call| call.target)),
                CompiledStep::Publish(publish) => targets.push(publish.consumer),
            }
        }
        targets.sort_unstable();
        targets.dedup();
        targets
    }

    fn op_label(&self, op: u32) -> String {
        let op = &self.ops[op as usize];
        format!("{}/{}", self.services[op.service as usize].name, op.name)
    }

    /// Simulates one request (request index 0).
    pub fn simulate_one(&self, seed: u64) -> Result<RequestTrace, SimError> {
        let mut result = None;
        self.run(seed, 1, |trace| result = Some(trace))?;
        Ok(result.expect("a one-request run yields one trace"))
    }

    /// Simulates `requests` requests arriving `arrivals.interval_ms` apart, sharing the services'
    /// pools, and hands each finished request's trace to `sink` (in completion order, which is
    /// deterministic). Traces are dropped after `sink` returns: memory stays bounded by the
    /// requests in flight.
    pub fn run(
        &self,
        seed: u64,
        requests: u64,
        sink: impl FnMut(RequestTrace),
    ) -> Result<RunSummary, SimError> {
        self.drive(seed, requests, true, sink)
    }

    /// Like [`Simulation::run`] but builds no spans at all: the same simulation (same draws, same
    /// timings, same span counts) for callers that only need aggregates. The fastest path.
    pub fn run_aggregates(&self, seed: u64, requests: u64) -> Result<RunSummary, SimError> {
        self.drive(seed, requests, false, drop)
    }

    fn drive(
        &self,
        seed: u64,
        requests: u64,
        keep_spans: bool,
        mut sink: impl FnMut(RequestTrace),
    ) -> Result<RunSummary, SimError> {
        if requests > self.limits.max_requests {
            return Err(SimError::TooManyRequests { requested: requests, limit: self.limits.max_requests });
        }
        let mut engine = Engine::new(self, seed, keep_spans);
        let mut summary = RunSummary::default();
        // Arrivals are scheduled one at a time, so the event queue holds only what is in flight.
        let mut next_request = 0;
        if requests > 0 {
            engine.schedule(0, EventKind::NewRequest(0));
            next_request = 1;
        }
        while let Some(Reverse((time, _, kind))) = engine.queue.pop() {
            engine.now = time;
            if matches!(kind, EventKind::NewRequest(_)) && next_request < requests {
                engine.schedule(next_request as i64 * self.interval_ns, EventKind::NewRequest(next_request));
                next_request += 1;
            }
            engine.handle(kind)?;
            while let Some((done, n_spans)) = engine.finished.pop_front() {
                summary.add(&done, n_spans);
                sink(done);
            }
        }
        Ok(summary)
    }

    /// Runs and keeps every trace (for small runs).
    pub fn run_collect(&self, seed: u64, requests: u64) -> Result<Vec<RequestTrace>, SimError> {
        let mut traces = Vec::new();
        self.run(seed, requests, |trace| traces.push(trace))?;
        Ok(traces)
    }
}

fn server_attributes(
    service: &crate::scenario::Service,
    operation: &crate::scenario::Operation,
) -> Vec<KeyValue> {
    let mut attributes = Vec::new();
    match service.protocol {
        Protocol::Http => {
            let (method, route) = split_http_name(&operation.name);
            attributes.push(KeyValue::new("http.request.method", Text::new(method)));
            attributes.push(KeyValue::new("http.route", Text::new(route)));
        }
        Protocol::Grpc => {
            attributes.push(KeyValue::new("rpc.system", "grpc"));
            attributes.push(KeyValue::new("rpc.method", Text::new(&operation.name)));
        }
        Protocol::Database | Protocol::Cache => {
            let default_system = if service.protocol == Protocol::Cache { "redis" } else { "postgresql" };
            let system = if service.system.is_empty() { default_system } else { service.system.as_str() };
            let query = operation.query.as_deref().unwrap_or(&operation.name);
            attributes.push(KeyValue::new("db.system.name", Text::new(system)));
            attributes.push(KeyValue::new("db.query.text", Text::new(query)));
            if let Some(verb) = query.split_whitespace().next() {
                attributes.push(KeyValue::new("db.operation.name", verb.to_ascii_uppercase()));
            }
        }
    }
    attributes.push(KeyValue::new("server.address", Text::new(&service.name)));
    for (key, value) in &operation.attributes {
        attributes.push(KeyValue::new(Text::new(key), Text::new(value)));
    }
    attributes
}

/// The attributes of a client span calling `operation` of `service` (the target).
fn client_attributes(
    service: &crate::scenario::Service,
    operation: &crate::scenario::Operation,
    server_attributes: &[KeyValue],
) -> Vec<KeyValue> {
    let mut attributes = match service.protocol {
        Protocol::Http => {
            let (method, route) = split_http_name(&operation.name);
            vec![
                KeyValue::new("http.request.method", Text::new(method)),
                KeyValue::new("url.path", Text::new(route)),
            ]
        }
        Protocol::Grpc => {
            vec![KeyValue::new("rpc.system", "grpc"), KeyValue::new("rpc.method", Text::new(&operation.name))]
        }
        Protocol::Database | Protocol::Cache => {
            server_attributes.iter().filter(|kv| kv.key.starts_with("db.")).cloned().collect()
        }
    };
    attributes.push(KeyValue::new("server.address", Text::new(&service.name)));
    attributes
}

/// `"GET /orders/{id}"` → `("GET", "/orders/{id}")`; names without a method default to GET.
fn split_http_name(name: &str) -> (&str, &str) {
    const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
    match name.split_once(' ') {
        Some((method, route)) if METHODS.contains(&method) => (method, route),
        _ => ("GET", name),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum EventKind {
    NewRequest(u64),
    /// A request (or message) reaches the invocation's service.
    Arrive(u32),
    /// The invocation finished its current piece of work: go on with the next step.
    Continue(u32),
    /// The invocation finished its post-work.
    Finish(u32),
    /// A callee's response reaches the caller: (attempt, failed).
    Response(u32, bool),
    Timeout(u32),
    /// Launch a retry: (invocation, call slot, attempt number).
    Retry(u32, u32, u32),
}

/// Handle to a span under construction: (request slot, index in that request's spans).
type SpanHandle = Option<(u64, u32)>;

struct Invocation {
    op: u32,
    request: u64,
    depth: u32,
    /// Identity in the call tree, the root of all derived ids.
    key: u64,
    parent_attempt: Option<u32>,
    /// For a consumer: the publish step (op, step index) whose message it handles.
    message: Option<(u32, u32)>,
    ctx_in: Option<Context>,
    /// Context this invocation's own spans hang under and its calls forward.
    ctx_out: Option<Context>,
    span: SpanHandle,
    arrived: i64,
    post_work_ns: i64,
    step_idx: u32,
    /// For a Calls step: next call to launch, calls in flight, calls completed.
    next_call: u32,
    in_flight: u32,
    completed: u32,
    child_failed: bool,
    holds_slot: bool,
}

struct Attempt<'a> {
    invocation: u32,
    call: &'a CompiledCall,
    slot: u32,
    attempt: u32,
    span: SpanHandle,
    /// The call's outcome is decided (response or timeout); later events are ignored.
    done: bool,
    /// Events still to come that name this attempt (the response, the timeout).
    pending_events: u8,
}

struct RequestState {
    sampled: bool,
    failed: bool,
    start_ns: i64,
    end_ns: i64,
    spans: Vec<Span>,
    n_spans: u32,
    live: u32,
}

struct Engine<'a> {
    sim: &'a Simulation,
    seed: u64,
    now: i64,
    seq: u64,
    queue: BinaryHeap<Reverse<(i64, u64, EventKind)>>,
    rngs: Vec<ChaCha8Rng>,
    sampling_rng: ChaCha8Rng,
    invocations: Vec<Invocation>,
    free_invocations: Vec<u32>,
    attempts: Vec<Attempt<'a>>,
    free_attempts: Vec<u32>,
    in_use: Vec<u32>,
    waiting: Vec<VecDeque<u32>>,
    /// Requests in flight: slot `k` holds request `first_request + k` (None once finished).
    requests: VecDeque<Option<RequestState>>,
    first_request: u64,
    finished: VecDeque<(RequestTrace, u32)>,
    /// Build spans (a full run) or only count them (aggregates).
    keep_spans: bool,
}

fn stream_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    for (chunk_idx, chunk) in key.chunks_exact_mut(8).enumerate() {
        chunk.copy_from_slice(&mix_all(&[seed, chunk_idx as u64]).to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(stream);
    rng
}

impl<'a> Engine<'a> {
    fn new(sim: &'a Simulation, seed: u64, keep_spans: bool) -> Engine<'a> {
        Engine {
            sim,
            seed,
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            rngs: sim.services.iter().map(|service| stream_rng(seed, service.stream)).collect(),
            sampling_rng: stream_rng(seed, hash_str("reqflow/head-sampling")),
            invocations: Vec::new(),
            free_invocations: Vec::new(),
            attempts: Vec::new(),
            free_attempts: Vec::new(),
            in_use: vec![0; sim.services.len()],
            waiting: sim.services.iter().map(|_| VecDeque::new()).collect(),
            requests: VecDeque::new(),
            first_request: 0,
            finished: VecDeque::new(),
            keep_spans,
        }
    }

    fn schedule(&mut self, time: i64, kind: EventKind) {
        self.seq += 1;
        self.queue.push(Reverse((time, self.seq, kind)));
    }

    /// The time the given service's host clock shows at virtual time `t`.
    fn observed(&self, service: u32, t: i64) -> i64 {
        let service = &self.sim.services[service as usize];
        let drift = if service.drift_ppb == 0 {
            0
        } else {
            (i128::from(t) * i128::from(service.drift_ppb) / 1_000_000_000) as i64
        };
        self.sim.epoch_ns + t + service.offset_ns + drift
    }

    fn truth(&self, t: i64) -> i64 {
        self.sim.epoch_ns + t
    }

    fn request_mut(&mut self, request: u64) -> Option<&mut RequestState> {
        let slot = request.checked_sub(self.first_request)?;
        self.requests.get_mut(slot as usize)?.as_mut()
    }

    fn op(&self, invocation: u32) -> &'a CompiledOp {
        &self.sim.ops[self.invocations[invocation as usize].op as usize]
    }

    fn service_of(&self, invocation: u32) -> u32 {
        self.op(invocation).service
    }

    fn handle(&mut self, kind: EventKind) -> Result<(), SimError> {
        match kind {
            EventKind::NewRequest(request) => {
                debug_assert_eq!(request, self.first_request + self.requests.len() as u64);
                self.requests.push_back(Some(RequestState {
                    sampled: false,
                    failed: false,
                    start_ns: self.truth(self.now),
                    end_ns: self.truth(self.now),
                    spans: if self.keep_spans { Vec::with_capacity(self.sim.span_hint) } else { Vec::new() },
                    n_spans: 0,
                    live: 0,
                }));
                let key = mix_all(&[self.seed, self.sim.scenario_key, request, 0x52]);
                let invocation = self.new_invocation(self.sim.entry, request, 1, key, None, None);
                self.arrive(invocation)?;
            }
            EventKind::Arrive(invocation) => self.arrive(invocation)?,
            EventKind::Continue(invocation) => self.continue_steps(invocation)?,
            EventKind::Finish(invocation) => self.finish(invocation)?,
            EventKind::Response(attempt, failed) => {
                if !self.attempts[attempt as usize].done {
                    self.end_attempt(attempt, failed, None);
                    self.attempt_finished(attempt, failed)?;
                }
                self.release_attempt_event(attempt);
            }
            EventKind::Timeout(attempt) => {
                if !self.attempts[attempt as usize].done {
                    self.end_attempt(attempt, true, Some("timeout"));
                    self.attempt_finished(attempt, true)?;
                }
                self.release_attempt_event(attempt);
            }
            EventKind::Retry(invocation, slot, attempt) => self.start_attempt(invocation, slot, attempt)?,
        }
        Ok(())
    }

    fn new_invocation(
        &mut self,
        op: u32,
        request: u64,
        depth: u32,
        key: u64,
        parent_attempt: Option<u32>,
        ctx_in: Option<Context>,
    ) -> u32 {
        let invocation = Invocation {
            op,
            request,
            depth,
            key,
            parent_attempt,
            message: None,
            ctx_in,
            ctx_out: None,
            span: None,
            arrived: 0,
            post_work_ns: 0,
            step_idx: 0,
            next_call: 0,
            in_flight: 0,
            completed: 0,
            child_failed: false,
            holds_slot: false,
        };
        if let Some(state) = self.request_mut(request) {
            state.live += 1;
        }
        match self.free_invocations.pop() {
            Some(idx) => {
                self.invocations[idx as usize] = invocation;
                idx
            }
            None => {
                self.invocations.push(invocation);
                self.invocations.len() as u32 - 1
            }
        }
    }

    /// Adds a span to its request, enforcing the per-request limit.
    /// Records a span: `make` builds it, and runs only when spans are kept.
    fn push_span(&mut self, request: u64, make: impl FnOnce() -> Span) -> Result<SpanHandle, SimError> {
        let limit = self.sim.limits.max_spans_per_request;
        let keep_spans = self.keep_spans;
        let state = self.request_mut(request).expect("live request");
        if state.n_spans >= limit {
            return Err(SimError::TooManySpans { request, limit });
        }
        state.n_spans += 1;
        if !keep_spans {
            return Ok(None);
        }
        state.spans.push(make());
        Ok(Some((request, state.spans.len() as u32 - 1)))
    }

    fn span_mut(&mut self, handle: SpanHandle) -> Option<&mut Span> {
        let (request, idx) = handle?;
        self.request_mut(request).map(|state| &mut state.spans[idx as usize])
    }

    fn arrive(&mut self, invocation: u32) -> Result<(), SimError> {
        let now = self.now;
        let service_idx = self.service_of(invocation);
        let (request, key, ctx_in, parent_attempt) = {
            let inv = &self.invocations[invocation as usize];
            (inv.request, inv.key, inv.ctx_in, inv.parent_attempt)
        };
        let service = &self.sim.services[service_idx as usize];
        // The context this invocation works under.
        let ctx_out = if service.instrumented {
            let span_id = span_id_for(key, 1);
            Some(match ctx_in {
                Some(ctx) => Context { trace_id: ctx.trace_id, parent: span_id, sampled: ctx.sampled },
                None => {
                    // A new root: head sampling is decided here.
                    let sampled = chance(&mut self.sampling_rng, self.sim.sampling);
                    Context { trace_id: trace_id_for(key), parent: span_id, sampled }
                }
            })
        } else {
            ctx_in
        };
        if parent_attempt.is_none() && self.invocations[invocation as usize].depth == 1 {
            let sampled = ctx_out.is_some_and(|ctx| ctx.sampled);
            if let Some(state) = self.request_mut(request) {
                state.sampled = sampled;
            }
        }
        let op = self.op(invocation);
        if let Some(ctx) = ctx_out.filter(|ctx| ctx.sampled && service.instrumented) {
            let message = self.invocations[invocation as usize].message;
            let kind = if message.is_some() { SpanKind::Consumer } else { SpanKind::Server };
            let (observed, truth) = (self.observed(service_idx, now), self.truth(now));
            let sim = self.sim;
            let handle = self.push_span(request, || {
                let mut attributes = op.server_attributes.clone();
                if let Some((publisher_op, step_idx)) = message
                    && let CompiledStep::Publish(publish) =
                        &sim.ops[publisher_op as usize].steps[step_idx as usize]
                {
                    attributes.retain(|kv| kv.key != "http.request.method" && kv.key != "http.route");
                    attributes.insert(0, KeyValue::new("messaging.system", publish.system.clone()));
                    attributes.insert(1, KeyValue::new("messaging.destination.name", publish.queue.clone()));
                    attributes.insert(2, KeyValue::new("messaging.operation.type", "process"));
                }
                let ids = (ctx.trace_id, ctx.parent, ctx_in.map(|parent| parent.parent));
                let times = SpanTimes { observed: (observed, observed), truth: (truth, truth) };
                Span {
                    traceparent: ctx_in.map(|ctx| ctx.header()),
                    ..new_span(service, ids, op.name.clone(), kind, attributes, times)
                }
            })?;
            self.invocations[invocation as usize].span = handle;
        }
        {
            let inv = &mut self.invocations[invocation as usize];
            inv.ctx_out = ctx_out;
            inv.arrived = now;
        }
        let limit = service.concurrency;
        if limit > 0 && self.in_use[service_idx as usize] >= limit {
            self.waiting[service_idx as usize].push_back(invocation);
            let observed = self.observed(service_idx, now);
            if let Some(span) = self.span_mut(self.invocations[invocation as usize].span) {
                span.events.push(Event {
                    time_ns: observed,
                    name: "queued".into(),
                    attributes: vec![KeyValue::new("reqflow.pool.limit", i64::from(limit))],
                });
            }
            return Ok(());
        }
        self.begin(invocation)
    }

    /// Work starts: the invocation holds a pool slot from here until it finishes.
    fn begin(&mut self, invocation: u32) -> Result<(), SimError> {
        let now = self.now;
        let service_idx = self.service_of(invocation);
        self.in_use[service_idx as usize] += 1;
        let own = self.op(invocation).latency.sample(&mut self.rngs[service_idx as usize]);
        let pre = own / 2;
        let queued = now - self.invocations[invocation as usize].arrived;
        {
            let inv = &mut self.invocations[invocation as usize];
            inv.holds_slot = true;
            inv.post_work_ns = own - pre;
            inv.step_idx = 0;
        }
        if queued > 0 {
            let observed = self.observed(service_idx, now);
            if let Some(span) = self.span_mut(self.invocations[invocation as usize].span) {
                span.events.push(Event {
                    time_ns: observed,
                    name: "dequeued".into(),
                    attributes: vec![KeyValue::new("reqflow.queued_ns", queued)],
                });
                if let Some(truth) = span.truth.as_mut() {
                    truth.queued_ns = queued;
                }
            }
        }
        if self.op(invocation).steps.is_empty() {
            // A leaf: its own work is all there is.
            self.schedule(now + own, EventKind::Finish(invocation));
        } else {
            self.schedule(now + pre, EventKind::Continue(invocation));
        }
        Ok(())
    }

    fn continue_steps(&mut self, invocation: u32) -> Result<(), SimError> {
        let now = self.now;
        let op = self.op(invocation);
        let step_idx = self.invocations[invocation as usize].step_idx;
        let Some(step) = op.steps.get(step_idx as usize) else {
            let post = self.invocations[invocation as usize].post_work_ns;
            self.schedule(now + post, EventKind::Finish(invocation));
            return Ok(());
        };
        self.invocations[invocation as usize].step_idx += 1;
        let service_idx = op.service;
        match step {
            CompiledStep::Work { name, latency } => {
                let duration = latency.sample(&mut self.rngs[service_idx as usize]);
                if let Some(name) = name {
                    self.child_span(
                        invocation,
                        u64::from(step_idx),
                        || name.clone(),
                        SpanKind::Internal,
                        duration,
                        Vec::new,
                    )?;
                }
                self.schedule(now + duration, EventKind::Continue(invocation));
            }
            CompiledStep::Calls { calls, max_parallel } => {
                let inv = &mut self.invocations[invocation as usize];
                inv.next_call = 0;
                inv.in_flight = 0;
                inv.completed = 0;
                let limit = if *max_parallel == 0 { calls.len() as u32 } else { *max_parallel };
                for _ in 0..limit.min(calls.len() as u32) {
                    self.launch_next_call(invocation)?;
                }
            }
            CompiledStep::Publish(publish) => {
                let service = &self.sim.services[service_idx as usize];
                let producer = self.child_span(
                    invocation,
                    u64::from(step_idx),
                    || Text::from(format!("send {}", publish.queue)),
                    SpanKind::Producer,
                    SEND_NS,
                    || {
                        vec![
                            KeyValue::new("messaging.system", publish.system.clone()),
                            KeyValue::new("messaging.destination.name", publish.queue.clone()),
                            KeyValue::new("messaging.operation.type", "send"),
                        ]
                    },
                )?;
                let _ = producer;
                let inv = &self.invocations[invocation as usize];
                let (request, depth, key) = (inv.request, inv.depth, inv.key);
                // The producer span's id (same derivation as `child_span`), when it is recorded.
                let producer_id = inv
                    .ctx_out
                    .filter(|ctx| ctx.sampled && service.instrumented)
                    .map(|_| span_id_for(key ^ u64::from(step_idx), 3));
                // What travels in the message headers.
                let carried = if publish.carry_context && service.propagates {
                    inv.ctx_out.map(|ctx| Context { parent: producer_id.unwrap_or(ctx.parent), ..ctx })
                } else {
                    None
                };
                let delay = publish.queue_delay.sample(&mut self.rngs[service_idx as usize]);
                let consumer_key = mix_all(&[key, u64::from(step_idx), 0x50]);
                let consumer =
                    self.new_invocation(publish.consumer, request, depth + 1, consumer_key, None, carried);
                let publisher_op = self.invocations[invocation as usize].op;
                self.invocations[consumer as usize].message = Some((publisher_op, step_idx));
                self.schedule(now + SEND_NS + delay, EventKind::Arrive(consumer));
                self.schedule(now + SEND_NS, EventKind::Continue(invocation));
            }
        }
        Ok(())
    }

    /// Records a child span of the invocation that lasts `duration` from now. `name` and
    /// `attributes` are only evaluated when spans are kept.
    fn child_span(
        &mut self,
        invocation: u32,
        salt: u64,
        name: impl FnOnce() -> Text,
        kind: SpanKind,
        duration: i64,
        attributes: impl FnOnce() -> Vec<KeyValue>,
    ) -> Result<SpanHandle, SimError> {
        let now = self.now;
        let inv = &self.invocations[invocation as usize];
        let service_idx = self.sim.ops[inv.op as usize].service;
        let service = &self.sim.services[service_idx as usize];
        let Some(ctx) = inv.ctx_out.filter(|ctx| ctx.sampled && service.instrumented) else {
            return Ok(None);
        };
        let role = if kind == SpanKind::Producer { 3 } else { 4 };
        let (key, request) = (inv.key, inv.request);
        let (start_ns, end_ns) =
            (self.observed(service_idx, now), self.observed(service_idx, now + duration));
        let (true_start, true_end) = (self.truth(now), self.truth(now + duration));
        let ids = (ctx.trace_id, span_id_for(key ^ salt, role), Some(ctx.parent));
        let times = SpanTimes { observed: (start_ns, end_ns), truth: (true_start, true_end) };
        self.push_span(request, || new_span(service, ids, name(), kind, attributes(), times))
    }

    fn current_calls(&self, invocation: u32) -> &'a [CompiledCall] {
        let inv = &self.invocations[invocation as usize];
        match &self.sim.ops[inv.op as usize].steps[inv.step_idx as usize - 1] {
            CompiledStep::Calls { calls, .. } => calls,
            _ => &[],
        }
    }

    fn launch_next_call(&mut self, invocation: u32) -> Result<(), SimError> {
        let slot = self.invocations[invocation as usize].next_call;
        self.invocations[invocation as usize].next_call += 1;
        self.invocations[invocation as usize].in_flight += 1;
        self.start_attempt(invocation, slot, 0)
    }

    fn start_attempt(&mut self, invocation: u32, slot: u32, attempt_no: u32) -> Result<(), SimError> {
        let now = self.now;
        let call = &self.current_calls(invocation)[slot as usize];
        let target_op = &self.sim.ops[call.target as usize];
        let inv = &self.invocations[invocation as usize];
        let service_idx = self.sim.ops[inv.op as usize].service;
        let service = &self.sim.services[service_idx as usize];
        let key = mix_all(&[inv.key, u64::from(inv.step_idx), u64::from(slot), u64::from(attempt_no)]);
        let (request, depth, ctx_out) = (inv.request, inv.depth, inv.ctx_out);
        // The client span, when the caller is traced.
        let mut span = None;
        let traced = ctx_out.filter(|ctx| ctx.sampled && service.instrumented);
        if let Some(ctx) = traced {
            let (observed, truth) = (self.observed(service_idx, now), self.truth(now));
            span = self.push_span(request, || {
                let mut attributes = target_op.client_attributes.clone();
                if attempt_no > 0 {
                    attributes.push(KeyValue::new("http.request.resend_count", i64::from(attempt_no)));
                }
                let ids = (ctx.trace_id, span_id_for(key, 2), Some(ctx.parent));
                let times = SpanTimes { observed: (observed, observed), truth: (truth, truth) };
                new_span(service, ids, target_op.name.clone(), SpanKind::Client, attributes, times)
            })?;
            if attempt_no > 0 {
                let observed = self.observed(service_idx, now);
                if let Some(client) = self.span_mut(span) {
                    client.events.push(Event {
                        time_ns: observed,
                        name: "retry".into(),
                        attributes: vec![KeyValue::new("reqflow.attempt", i64::from(attempt_no) + 1)],
                    });
                }
            }
        }
        // What the callee receives.
        let sent = if service.propagates {
            ctx_out.map(|ctx| match traced {
                Some(_) => Context { parent: span_id_for(key, 2), ..ctx },
                None => ctx,
            })
        } else {
            None
        };
        let pending_events = 1 + u8::from(call.timeout_ns.is_some());
        let attempt =
            Attempt { invocation, call, slot, attempt: attempt_no, span, done: false, pending_events };
        let attempt_idx = match self.free_attempts.pop() {
            Some(idx) => {
                self.attempts[idx as usize] = attempt;
                idx
            }
            None => {
                self.attempts.push(attempt);
                self.attempts.len() as u32 - 1
            }
        };
        let network =
            call.network.as_ref().map_or(0, |network| network.sample(&mut self.rngs[service_idx as usize]));
        let callee = self.new_invocation(call.target, request, depth + 1, key, Some(attempt_idx), sent);
        self.schedule(now + network, EventKind::Arrive(callee));
        if let Some(timeout) = call.timeout_ns {
            self.schedule(now + timeout, EventKind::Timeout(attempt_idx));
        }
        Ok(())
    }

    fn end_attempt(&mut self, attempt: u32, failed: bool, reason: Option<&'static str>) {
        let now = self.now;
        self.attempts[attempt as usize].done = true;
        let (invocation, span) =
            (self.attempts[attempt as usize].invocation, self.attempts[attempt as usize].span);
        let service_idx = self.service_of(invocation);
        let observed = self.observed(service_idx, now);
        let truth = self.truth(now);
        if let Some(client) = self.span_mut(span) {
            client.end_ns = observed;
            if let Some(t) = client.truth.as_mut() {
                t.end_ns = truth;
            }
            if let Some(reason) = reason {
                client.status = Status {
                    code: StatusCode::Error,
                    message: Text::from(format!("{reason}: no response in time")),
                };
                client.attributes.push(KeyValue::new("error.type", reason));
                client.events.push(Event {
                    time_ns: observed,
                    name: Text::from_static(reason),
                    attributes: Vec::new(),
                });
            } else if failed {
                client.status =
                    Status { code: StatusCode::Error, message: "upstream returned an error".into() };
                client.attributes.push(KeyValue::new("http.response.status_code", 500));
                client.attributes.push(KeyValue::new("error.type", "500"));
            } else {
                client.attributes.push(KeyValue::new("http.response.status_code", 200));
            }
        }
    }

    fn attempt_finished(&mut self, attempt: u32, failed: bool) -> Result<(), SimError> {
        let now = self.now;
        let Attempt { invocation, call, slot, attempt: attempt_no, .. } = self.attempts[attempt as usize];
        if failed && attempt_no < call.retries {
            let backoff = call.backoff_ns.saturating_mul(1i64 << attempt_no.min(30));
            self.schedule(now + backoff, EventKind::Retry(invocation, slot, attempt_no + 1));
            return Ok(());
        }
        if failed {
            match call.on_error {
                OnError::Propagate => self.invocations[invocation as usize].child_failed = true,
                OnError::Swallow => {}
                OnError::Fallback => {
                    let observed = self.observed(self.service_of(invocation), now);
                    if let Some(span) = self.span_mut(self.invocations[invocation as usize].span) {
                        span.events.push(Event {
                            time_ns: observed,
                            name: "fallback".into(),
                            attributes: vec![KeyValue::new("reqflow.reason", "a dependency failed")],
                        });
                    }
                }
            }
        }
        let total = self.current_calls(invocation).len() as u32;
        let inv = &mut self.invocations[invocation as usize];
        inv.in_flight -= 1;
        inv.completed += 1;
        if inv.next_call < total {
            self.launch_next_call(invocation)?;
        } else if inv.completed == total {
            self.continue_steps(invocation)?;
        }
        Ok(())
    }

    /// Attempts are kept until both their response and their timeout have been seen.
    fn release_attempt_event(&mut self, attempt: u32) {
        let entry = &mut self.attempts[attempt as usize];
        entry.pending_events -= 1;
        if entry.pending_events == 0 {
            self.free_attempts.push(attempt);
        }
    }

    fn finish(&mut self, invocation: u32) -> Result<(), SimError> {
        let now = self.now;
        let service_idx = self.service_of(invocation);
        let op = self.op(invocation);
        let own_error = chance(&mut self.rngs[service_idx as usize], op.error_rate);
        let inv = &self.invocations[invocation as usize];
        let failed = own_error || inv.child_failed;
        let (request, span, parent_attempt, holds_slot) =
            (inv.request, inv.span, inv.parent_attempt, inv.holds_slot);
        if inv.depth == 1
            && let Some(state) = self.request_mut(request)
        {
            state.failed = failed;
        }
        let observed = self.observed(service_idx, now);
        let truth = self.truth(now);
        let protocol = self.sim.services[service_idx as usize].protocol;
        if let Some(server) = self.span_mut(span) {
            server.end_ns = observed;
            if let Some(t) = server.truth.as_mut() {
                t.end_ns = truth;
            }
            if server.kind == SpanKind::Server && protocol == Protocol::Http {
                server
                    .attributes
                    .push(KeyValue::new("http.response.status_code", if failed { 500 } else { 200 }));
            }
            if failed {
                let error_type = if own_error {
                    op.error_type.clone().unwrap_or(Text::from_static("InternalError"))
                } else {
                    Text::from_static("DependencyFailed")
                };
                let message = if own_error {
                    Text::from(format!("{} failed", op.name))
                } else {
                    Text::from_static("a call this operation depends on failed")
                };
                server.events.push(Event {
                    time_ns: observed,
                    name: "exception".into(),
                    attributes: vec![
                        KeyValue::new("exception.type", error_type.clone()),
                        KeyValue::new("exception.message", message.clone()),
                    ],
                });
                server.attributes.push(KeyValue::new("error.type", error_type));
                server.status = Status { code: StatusCode::Error, message };
            }
        }
        if holds_slot {
            self.in_use[service_idx as usize] -= 1;
            if let Some(next) = self.waiting[service_idx as usize].pop_front() {
                self.begin(next)?;
            }
        }
        if let Some(attempt) = parent_attempt {
            // The response travels back over the same link; the draw uses the callee's stream
            // because the caller may already have given up (timeout) and moved on.
            let network = self.attempts[attempt as usize]
                .call
                .network
                .as_ref()
                .map_or(0, |network| network.sample(&mut self.rngs[service_idx as usize]));
            self.schedule(now + network, EventKind::Response(attempt, failed));
        }
        self.free_invocations.push(invocation);
        self.request_work_done(request, now);
        Ok(())
    }

    fn request_work_done(&mut self, request: u64, now: i64) {
        let truth = self.truth(now);
        let Some(state) = self.request_mut(request) else {
            return;
        };
        state.end_ns = state.end_ns.max(truth);
        state.live -= 1;
        if state.live == 0 {
            // Responses still in flight to the caller only matter for live invocations; the entry
            // has no caller, so the request is complete.
            let slot = (request - self.first_request) as usize;
            let Some(state) = self.requests[slot].take() else {
                return;
            };
            while self.requests.front().is_some_and(Option::is_none) {
                self.requests.pop_front();
                self.first_request += 1;
            }
            // Spans are created when they start and events run in time order, so they are already
            // in order of true start (ties in scheduling order): no sort needed.
            debug_assert!(state.spans.windows(2).all(|pair| {
                pair[0].truth.map_or(0, |t| t.start_ns) <= pair[1].truth.map_or(0, |t| t.start_ns)
            }));
            let trace = RequestTrace {
                request,
                sampled: state.sampled,
                failed: state.failed,
                start_ns: state.start_ns,
                end_ns: state.end_ns,
                spans: state.spans,
            };
            self.finished.push_back((trace, state.n_spans));
        }
    }
}

/// When a span starts and ends, as its host recorded it and truly (epoch ns).
#[derive(Clone, Copy)]
struct SpanTimes {
    observed: (i64, i64),
    truth: (i64, i64),
}

/// A span of `service` with ids (trace, span, parent); the end, status and events of spans that
/// are still open are filled in when they finish.
fn new_span(
    service: &CompiledService,
    (trace_id, span_id, parent_span_id): (TraceId, SpanId, Option<SpanId>),
    name: Text,
    kind: SpanKind,
    attributes: Vec<KeyValue>,
    times: SpanTimes,
) -> Span {
    Span {
        trace_id,
        span_id,
        parent_span_id,
        name,
        kind,
        service: service.name.clone(),
        host: service.host.clone(),
        resource: Default::default(),
        start_ns: times.observed.0,
        end_ns: times.observed.1,
        status: Status::default(),
        attributes,
        events: Vec::new(),
        links: Vec::new(),
        traceparent: None,
        truth: Some(Truth { start_ns: times.truth.0, end_ns: times.truth.1, queued_ns: 0 }),
    }
}

fn span_id_for(key: u64, role: u64) -> SpanId {
    let value = mix_all(&[key, role]);
    SpanId::from_u64(if value == 0 { 1 } else { value })
}

fn trace_id_for(key: u64) -> TraceId {
    let high = mix_all(&[key, 0x0074_7261_6365]);
    let low = mix_all(&[key, 0x6964]);
    TraceId::from_u64_pair(high, if high == 0 && low == 0 { 1 } else { low })
}
