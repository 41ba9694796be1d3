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
//!
//! # Layout
//!
//! * `compile` — [`Simulation::new`] compiles the scenario once: services and operations
//!   numbered, latency tables built, span attributes prepared, call depth checked.
//! * `engine` — one run: the event queue, invocations and call attempts (kept in a `slab`),
//!   pools, requests in flight until their traces are handed out.
//! * `attributes` — what spans carry: attributes by protocol, a new span's fields, how a span
//!   ends; `context` — the trace context a request carries (`traceparent`).
//! * `derivation` — the call-tree keys, span and trace ids and random streams derived from the
//!   seed, each role and salt named.
//! * `histogram` — [`LatencyHistogram`], the aggregate of long runs.

mod attributes;
mod compile;
mod context;
mod derivation;
mod engine;
mod histogram;
mod slab;

pub use histogram::LatencyHistogram;

use compile::{CompiledOp, CompiledService, OpIndex};
use engine::Engine;

use crate::ids::hash_str;
use crate::latency::ms_to_ns;
use crate::scenario::{Limits, Scenario};
use crate::trace::Span;

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

impl Simulation {
    /// Compiles a validated scenario with the default [`Limits`].
    pub fn new(scenario: &Scenario) -> Result<Simulation, SimError> {
        Simulation::with_limits(scenario, Limits::default())
    }

    pub fn with_limits(scenario: &Scenario, limits: Limits) -> Result<Simulation, SimError> {
        let index = OpIndex::new(scenario);
        let services = compile::compile_services(scenario);
        let ops = compile::compile_ops(scenario, &index);
        let entry = index.find(&scenario.entry.service, &scenario.entry.operation);
        compile::check_depth(&services, &ops, limits.max_call_depth)?;
        let mut memo = vec![None; ops.len()];
        let nominal = compile::nominal_spans(&ops, entry, &mut memo);
        Ok(Simulation {
            services,
            ops,
            entry,
            sampling: scenario.sampling,
            epoch_ns: scenario.epoch_unix_ms.saturating_mul(1_000_000),
            interval_ns: ms_to_ns(scenario.arrivals.interval_ms),
            scenario_key: hash_str(&scenario.name),
            limits,
            span_hint: nominal.min(SPAN_HINT_CAP).min(u64::from(limits.max_spans_per_request)) as usize,
        })
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
        sink: impl FnMut(RequestTrace),
    ) -> Result<RunSummary, SimError> {
        if requests > self.limits.max_requests {
            return Err(SimError::TooManyRequests { requested: requests, limit: self.limits.max_requests });
        }
        Engine::new(self, seed, keep_spans).run(requests, sink)
    }

    /// Runs and keeps every trace (for small runs).
    pub fn run_collect(&self, seed: u64, requests: u64) -> Result<Vec<RequestTrace>, SimError> {
        let mut traces = Vec::new();
        self.run(seed, requests, |trace| traces.push(trace))?;
        Ok(traces)
    }
}

#[cfg(test)]
mod tests {
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
