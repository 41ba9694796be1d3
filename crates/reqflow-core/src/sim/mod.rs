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
use crate::ids::{SpanId, TraceId};
use crate::latency::{Sampler, ms_to_ns};
use crate::scenario::{ArrivalKind, Limits, Scenario};
use crate::trace::{Span, StatusCode};

/// Why a run could not complete.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("request {request} produced more than {limit} spans (limit max_spans_per_request)")]
    TooManySpans { request: u64, limit: u32 },
    #[error("{requested} requests asked for, the limit is {limit} (limit max_requests)")]
    TooManyRequests { requested: u64, limit: u64 },
    #[error("calls nest {depth} deep along {path}, the limit is {limit} (limit max_call_depth)")]
    TooDeep { depth: u32, limit: u32, path: String },
    #[error(
        "request index {index} is past the run's last request (a run of {requests} requests counts from 0)"
    )]
    NoSuchRequest { index: u64, requests: u64 },
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

/// What the engine knows about a finished request beyond its trace: the spans it recorded
/// (counted even when they are not built) and the ground truth of injected trouble.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestFacts {
    /// Spans recorded (sampled spans of instrumented services), built or not.
    pub n_spans: u32,
    /// Injected faults the request met: operations failing on their own (`error_rate`) and call
    /// timeouts, traced or not.
    pub faults: u32,
    /// The recorded spans' digests, in the order of `RequestTrace::spans`, when the run keeps
    /// them (see [`Simulation::runner`]); empty otherwise.
    pub digests: Vec<SpanDigest>,
}

/// What a tail-sampling decision needs of a span, recorded without building the span: ids,
/// service (its index in the scenario), observed times, status. A digest equals what the built
/// span says ([`SpanDigest::of`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanDigest {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub parent_span_id: Option<SpanId>,
    pub service: u32,
    pub start_ns: i64,
    pub end_ns: i64,
    pub status: StatusCode,
}

impl SpanDigest {
    /// The digest of a built span whose service has index `service`.
    pub fn of(span: &Span, service: u32) -> SpanDigest {
        SpanDigest {
            trace_id: span.trace_id,
            span_id: span.span_id,
            parent_span_id: span.parent_span_id,
            service,
            start_ns: span.start_ns,
            end_ns: span.end_ns,
            status: span.status.code,
        }
    }
}

/// Which requests of a run build their spans. Every request is simulated the same way whatever
/// the filter (the same draws, the same timings, the same span counts): a request that does not
/// build spans hands out a trace with an empty `spans` list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanFilter {
    All,
    None,
    /// Only the request with this index.
    Only(u64),
    /// Requests whose index is a multiple of this (0 reads as 1).
    Every(u64),
}

impl SpanFilter {
    pub fn keeps(self, request: u64) -> bool {
        match self {
            SpanFilter::All => true,
            SpanFilter::None => false,
            SpanFilter::Only(index) => request == index,
            SpanFilter::Every(stride) => request.is_multiple_of(stride.max(1)),
        }
    }
}

/// How requests arrive, compiled.
#[derive(Clone, Debug)]
enum Arrival {
    /// Request `n` arrives at `n × interval_ns`.
    Fixed { interval_ns: i64 },
    /// Exponential gaps (a Poisson process), drawn from the run's arrivals stream.
    Poisson { gap: Sampler },
}

/// A run in progress, driven a few requests at a time (see [`Simulation::runner`]).
pub struct Runner<'a> {
    engine: Engine<'a>,
    finished: u64,
    requests: u64,
}

impl Runner<'_> {
    /// Simulates until `max_requests` more requests have finished, handing each to `sink` (in
    /// completion order) with its [`RequestFacts`]. Returns how many finished in this step.
    pub fn step(
        &mut self,
        max_requests: u64,
        sink: impl FnMut(RequestTrace, &RequestFacts),
    ) -> Result<u64, SimError> {
        let finished = self.engine.step(max_requests, sink)?;
        self.finished += finished;
        Ok(finished)
    }

    /// Requests finished so far.
    pub fn finished(&self) -> u64 {
        self.finished
    }

    /// Requests in the run.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    pub fn is_done(&self) -> bool {
        self.finished >= self.requests
    }
}

/// A scenario compiled for fast, repeated simulation.
pub struct Simulation {
    services: Vec<CompiledService>,
    ops: Vec<CompiledOp>,
    entry: u32,
    sampling: f64,
    epoch_ns: i64,
    arrival: Arrival,
    /// The mean gap between arrivals.
    mean_gap_ns: i64,
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
            arrival: match scenario.arrivals.kind {
                ArrivalKind::Fixed => Arrival::Fixed { interval_ns: ms_to_ns(scenario.arrivals.interval_ms) },
                ArrivalKind::Poisson => Arrival::Poisson {
                    gap: Sampler::exponential(1e9 / scenario.arrivals.rate_per_s.unwrap_or(1.0)),
                },
            },
            mean_gap_ns: match scenario.arrivals.kind {
                ArrivalKind::Fixed => ms_to_ns(scenario.arrivals.interval_ms),
                ArrivalKind::Poisson => ms_to_ns(1e3 / scenario.arrivals.rate_per_s.unwrap_or(1.0)),
            },
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
        self.check_requests(requests)?;
        let keep = if keep_spans { SpanFilter::All } else { SpanFilter::None };
        Engine::new(self, seed, keep, false).run(requests, sink)
    }

    fn check_requests(&self, requests: u64) -> Result<(), SimError> {
        if requests > self.limits.max_requests {
            return Err(SimError::TooManyRequests { requested: requests, limit: self.limits.max_requests });
        }
        Ok(())
    }

    /// A run of `requests` requests to drive step by step ([`Runner::step`]), building the
    /// spans of the requests `keep` selects, and every request's span digests when `digests`
    /// ([`RequestFacts::digests`]). The same draws as [`Simulation::run`]: a request's trace is
    /// the same whatever the filter and however the run is cut into steps.
    pub fn runner(
        &self,
        seed: u64,
        requests: u64,
        keep: SpanFilter,
        digests: bool,
    ) -> Result<Runner<'_>, SimError> {
        self.check_requests(requests)?;
        let mut engine = Engine::new(self, seed, keep, digests);
        engine.start(requests);
        Ok(Runner { engine, finished: 0, requests })
    }

    /// Request `index` of a run of `requests` requests, alone: the run is simulated until that
    /// request finishes, building no other request's spans (the requests before it and beside it
    /// share pools and queues with it, so they must run). The trace equals the one
    /// [`Simulation::run`] hands out for that index.
    pub fn resimulate(&self, seed: u64, requests: u64, index: u64) -> Result<RequestTrace, SimError> {
        if index >= requests {
            return Err(SimError::NoSuchRequest { index, requests });
        }
        let mut runner = self.runner(seed, requests, SpanFilter::Only(index), false)?;
        let mut found = None;
        while found.is_none() && !runner.is_done() {
            runner.step(4096, |trace, _| {
                if trace.request == index {
                    found = Some(trace);
                }
            })?;
        }
        Ok(found.expect("every request of a run finishes"))
    }

    /// Virtual time zero as epoch nanoseconds (request 0 arrives then).
    pub fn epoch_ns(&self) -> i64 {
        self.epoch_ns
    }

    /// The mean time between request arrivals (the interval, or 1 / rate), in ns.
    pub fn mean_arrival_gap_ns(&self) -> i64 {
        self.mean_gap_ns
    }

    /// The services' names, in scenario order.
    pub fn service_names(&self) -> impl Iterator<Item = &str> {
        self.services.iter().map(|service| service.name.as_ref())
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
