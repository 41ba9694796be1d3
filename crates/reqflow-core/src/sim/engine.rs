//! The discrete-event engine: the event queue, invocations of operations, call attempts
//! (timeouts, retries), service pools, and requests in flight until their traces are handed out.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand_chacha::ChaCha8Rng;

use super::attributes::{
    AttemptOutcome, Failure, SpanTimes, consumer_attributes, end_client_span, end_server_span, new_span,
    producer_attributes,
};
use super::compile::{CompiledCall, CompiledOp, CompiledPublish, CompiledStep};
use super::context::Context;
use super::derivation::{self, SpanRole};
use super::slab::Slab;
use super::{Arrival, RequestFacts, RequestTrace, RunSummary, SimError, Simulation, SpanDigest, SpanFilter};
use crate::latency::{Sampler, chance};
use crate::scenario::OnError;
use crate::text::Text;
use crate::trace::{Event, KeyValue, Span, SpanKind, StatusCode};

/// The time a publish takes to hand a message to the broker.
const SEND_NS: i64 = 300_000;

/// What happens at an instant of virtual time. `invocation` and `attempt` are slots in the
/// engine's slabs.
///
/// The queue orders events by (time, sequence number); sequence numbers are unique, so the
/// derived `Ord` of this type never decides an order (it is there because the queue holds
/// tuples). Variants and fields keep their order all the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum EventKind {
    /// Request number `request` arrives at the entry service.
    NewRequest { request: u64 },
    /// A request (or message) reaches the invocation's service.
    Arrive { invocation: u32 },
    /// The invocation finished its current piece of work: go on with the next step.
    Continue { invocation: u32 },
    /// The invocation finished its post-work.
    Finish { invocation: u32 },
    /// A callee's response to `attempt` reaches the caller.
    Response { attempt: u32, failed: bool },
    /// The caller stops waiting for `attempt`.
    Timeout { attempt: u32 },
    /// Launch attempt number `attempt_no` (1 for the first retry) of the call in slot
    /// `call_slot` of the invocation's current step.
    Retry { invocation: u32, call_slot: u32, attempt_no: u32 },
}

/// Handle to a span under construction: (request, index in that request's spans and digests;
/// both lists are filled in the same order when both are kept).
type SpanHandle = Option<(u64, u32)>;

/// One operation running for one request: from arrival (perhaps waiting for a pool slot)
/// through its steps to its response.
struct Invocation {
    op: u32,
    request: u64,
    depth: u32,
    /// Identity in the call tree, the root of all derived ids (see `derivation`).
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

/// One try of a call, from launch until both its response and its timeout have come.
struct Attempt<'a> {
    invocation: u32,
    call: &'a CompiledCall,
    call_slot: u32,
    /// 0 for the first attempt, 1 for the first retry.
    attempt_no: u32,
    span: SpanHandle,
    /// The call's outcome is decided (response or timeout); later events are ignored.
    done: bool,
    /// Events still to come that name this attempt (the response, the timeout).
    pending_events: u8,
}

/// A request in flight: its spans so far and the invocations still working for it.
struct RequestState {
    /// Whether this request's spans are built (see [`SpanFilter`]); they are counted either way.
    keep_spans: bool,
    /// Injected faults met so far: the operation's own errors, call timeouts.
    faults: u32,
    sampled: bool,
    failed: bool,
    start_ns: i64,
    end_ns: i64,
    spans: Vec<Span>,
    digests: Vec<SpanDigest>,
    n_spans: u32,
    live: u32,
}

/// One run of a [`Simulation`]: virtual time, the event queue, the random streams, and what is
/// in flight.
pub(super) struct Engine<'a> {
    sim: &'a Simulation,
    seed: u64,
    now: i64,
    seq: u64,
    queue: BinaryHeap<Reverse<(i64, u64, EventKind)>>,
    rngs: Vec<ChaCha8Rng>,
    sampling_rng: ChaCha8Rng,
    /// Poisson inter-arrival draws (a stream of its own, untouched by fixed spacing).
    arrivals_rng: ChaCha8Rng,
    invocations: Slab<Invocation>,
    attempts: Slab<Attempt<'a>>,
    /// Per service: pool slots taken, and the invocations waiting for one (in arrival order).
    in_use: Vec<u32>,
    waiting: Vec<VecDeque<u32>>,
    /// Requests in flight: slot `k` holds request `first_request + k` (None once finished).
    requests: VecDeque<Option<RequestState>>,
    first_request: u64,
    finished: VecDeque<(RequestTrace, RequestFacts)>,
    /// Which requests build spans (all: a full run; none: aggregates); every request is counted.
    keep: SpanFilter,
    /// Whether every request records its spans' digests.
    digests: bool,
    /// Digest lists of finished requests, emptied, for the next requests.
    spare_digests: Vec<Vec<SpanDigest>>,
    /// Requests the run simulates, and the next one to schedule.
    requests_total: u64,
    next_request: u64,
}

impl<'a> Engine<'a> {
    pub(super) fn new(sim: &'a Simulation, seed: u64, keep: SpanFilter, digests: bool) -> Engine<'a> {
        Engine {
            sim,
            seed,
            now: 0,
            seq: 0,
            queue: BinaryHeap::new(),
            rngs: sim.services.iter().map(|service| derivation::stream_rng(seed, service.stream)).collect(),
            sampling_rng: derivation::head_sampling_rng(seed),
            arrivals_rng: derivation::arrivals_rng(seed),
            invocations: Slab::default(),
            attempts: Slab::default(),
            in_use: vec![0; sim.services.len()],
            waiting: sim.services.iter().map(|_| VecDeque::new()).collect(),
            requests: VecDeque::new(),
            first_request: 0,
            finished: VecDeque::new(),
            keep,
            digests,
            spare_digests: Vec::new(),
            requests_total: 0,
            next_request: 0,
        }
    }

    /// Runs `requests` requests to completion, handing each finished request's trace to `sink`
    /// in completion order.
    pub(super) fn run(
        mut self,
        requests: u64,
        mut sink: impl FnMut(RequestTrace),
    ) -> Result<RunSummary, SimError> {
        let mut summary = RunSummary::default();
        self.start(requests);
        self.step(u64::MAX, |trace, facts| {
            summary.add(&trace, facts.n_spans);
            sink(trace);
        })?;
        Ok(summary)
    }

    /// Prepares a run of `requests` requests; [`Engine::step`] runs it.
    pub(super) fn start(&mut self, requests: u64) {
        self.requests_total = requests;
        // Arrivals are scheduled one at a time, so the event queue holds only what is in flight.
        if requests > 0 {
            self.schedule(0, EventKind::NewRequest { request: 0 });
            self.next_request = 1;
        }
    }

    /// Processes events until `max_requests` more requests have finished (each handed to
    /// `sink` with its facts, in completion order) or the run is over. Returns the number of
    /// requests finished; fewer than `max_requests` means the run is over.
    pub(super) fn step(
        &mut self,
        max_requests: u64,
        mut sink: impl FnMut(RequestTrace, &RequestFacts),
    ) -> Result<u64, SimError> {
        let mut finished = 0u64;
        while finished < max_requests {
            let Some(Reverse((time, _, kind))) = self.queue.pop() else {
                break;
            };
            self.now = time;
            if matches!(kind, EventKind::NewRequest { .. }) && self.next_request < self.requests_total {
                let at = self.next_arrival(time);
                self.schedule(at, EventKind::NewRequest { request: self.next_request });
                self.next_request += 1;
            }
            self.handle(kind)?;
            while let Some((done, facts)) = self.finished.pop_front() {
                finished += 1;
                sink(done, &facts);
                // The digest list is used again by a later request (no allocation per request).
                let mut digests = facts.digests;
                digests.clear();
                self.spare_digests.push(digests);
            }
        }
        Ok(finished)
    }

    /// When request `next_request` arrives, the previous one having arrived at `previous`.
    fn next_arrival(&mut self, previous: i64) -> i64 {
        match &self.sim.arrival {
            // Multiplied rather than summed, as it always was: the golden traces depend on it.
            Arrival::Fixed { interval_ns } => self.next_request as i64 * interval_ns,
            Arrival::Poisson { gap } => previous.saturating_add(gap.sample(&mut self.arrivals_rng)),
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
        &self.sim.ops[self.invocations[invocation].op as usize]
    }

    fn service_of(&self, invocation: u32) -> u32 {
        self.op(invocation).service
    }

    fn handle(&mut self, kind: EventKind) -> Result<(), SimError> {
        match kind {
            EventKind::NewRequest { request } => self.new_request(request),
            EventKind::Arrive { invocation } => self.arrive(invocation),
            EventKind::Continue { invocation } => self.continue_steps(invocation),
            EventKind::Finish { invocation } => self.finish(invocation),
            EventKind::Response { attempt, failed } => {
                let outcome = if failed { AttemptOutcome::Failed } else { AttemptOutcome::Succeeded };
                self.attempt_event(attempt, outcome)
            }
            EventKind::Timeout { attempt } => self.attempt_event(attempt, AttemptOutcome::TimedOut),
            EventKind::Retry { invocation, call_slot, attempt_no } => {
                self.start_attempt(invocation, call_slot, attempt_no)
            }
        }
    }

    /// Request number `request` arrives: its state, and the entry invocation.
    fn new_request(&mut self, request: u64) -> Result<(), SimError> {
        debug_assert_eq!(request, self.first_request + self.requests.len() as u64);
        let keep_spans = self.keep.keeps(request);
        self.requests.push_back(Some(RequestState {
            keep_spans,
            faults: 0,
            sampled: false,
            failed: false,
            start_ns: self.truth(self.now),
            end_ns: self.truth(self.now),
            spans: if keep_spans { Vec::with_capacity(self.sim.span_hint) } else { Vec::new() },
            digests: match self.spare_digests.pop() {
                Some(digests) => digests,
                None if self.digests => Vec::with_capacity(self.sim.span_hint),
                None => Vec::new(),
            },
            n_spans: 0,
            live: 0,
        }));
        let key = derivation::entry_key(self.seed, self.sim.scenario_key, request);
        let invocation = self.new_invocation(self.sim.entry, request, 1, key, None, None);
        self.arrive(invocation)
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
        self.invocations.insert(invocation)
    }

    /// Counts a span against its request's limit and, when spans are kept, records it: `make`
    /// builds it and runs only then; `digest` likewise when digests are kept.
    fn push_span(
        &mut self,
        request: u64,
        digest: impl FnOnce() -> SpanDigest,
        make: impl FnOnce() -> Span,
    ) -> Result<SpanHandle, SimError> {
        let limit = self.sim.limits.max_spans_per_request;
        let digests = self.digests;
        let state = self.request_mut(request).expect("live request");
        if state.n_spans >= limit {
            return Err(SimError::TooManySpans { request, limit });
        }
        state.n_spans += 1;
        if digests {
            state.digests.push(digest());
        }
        if state.keep_spans {
            state.spans.push(make());
        }
        Ok((state.keep_spans || digests).then_some((request, state.n_spans - 1)))
    }

    fn span_mut(&mut self, handle: SpanHandle) -> Option<&mut Span> {
        let (request, idx) = handle?;
        self.request_mut(request)?.spans.get_mut(idx as usize)
    }

    /// Ends the span's digest, if digests are kept.
    fn end_digest(&mut self, handle: SpanHandle, end_ns: i64, failed: bool) {
        let Some((request, idx)) = handle else { return };
        if let Some(digest) = self.request_mut(request).and_then(|state| state.digests.get_mut(idx as usize))
        {
            digest.end_ns = end_ns;
            if failed {
                digest.status = StatusCode::Error;
            }
        }
    }

    /// Adds an event at the current time to a span, if it is kept. `attributes` are only built
    /// when it is.
    fn push_event(
        &mut self,
        span: SpanHandle,
        service_idx: u32,
        name: &'static str,
        attributes: impl FnOnce() -> Vec<KeyValue>,
    ) -> Option<&mut Span> {
        let observed = self.observed(service_idx, self.now);
        let span = self.span_mut(span)?;
        span.events.push(Event { time_ns: observed, name: name.into(), attributes: attributes() });
        Some(span)
    }

    /// The context the invocation's spans hang under, if it records spans: it is sampled and its
    /// service is instrumented.
    fn traced_context(&self, invocation: u32) -> Option<Context> {
        let service = &self.sim.services[self.service_of(invocation) as usize];
        self.invocations[invocation].ctx_out.filter(|ctx| ctx.sampled && service.instrumented)
    }

    /// A request (or message) reaches the invocation's service: its context and server span,
    /// then work starts or waits for a pool slot.
    fn arrive(&mut self, invocation: u32) -> Result<(), SimError> {
        let now = self.now;
        let service_idx = self.service_of(invocation);
        let (request, ctx_in, parent_attempt, depth) = {
            let inv = &self.invocations[invocation];
            (inv.request, inv.ctx_in, inv.parent_attempt, inv.depth)
        };
        let service = &self.sim.services[service_idx as usize];
        let ctx_out = self.working_context(invocation);
        if parent_attempt.is_none() && depth == 1 {
            let sampled = ctx_out.is_some_and(|ctx| ctx.sampled);
            if let Some(state) = self.request_mut(request) {
                state.sampled = sampled;
            }
        }
        if let Some(ctx) = ctx_out.filter(|ctx| ctx.sampled && service.instrumented) {
            self.invocations[invocation].span = self.open_server_span(invocation, ctx, ctx_in)?;
        }
        {
            let inv = &mut self.invocations[invocation];
            inv.ctx_out = ctx_out;
            inv.arrived = now;
        }
        let limit = service.concurrency;
        if limit > 0 && self.in_use[service_idx as usize] >= limit {
            self.waiting[service_idx as usize].push_back(invocation);
            let span = self.invocations[invocation].span;
            self.push_event(span, service_idx, "queued", || {
                vec![KeyValue::new("reqflow.pool.limit", i64::from(limit))]
            });
            return Ok(());
        }
        self.begin(invocation)
    }

    /// The context an arriving invocation works under: an instrumented service continues the
    /// incoming trace under its server span, or starts a trace (and decides head sampling); an
    /// un-instrumented one passes the incoming context on as it is.
    fn working_context(&mut self, invocation: u32) -> Option<Context> {
        let (key, ctx_in) = (self.invocations[invocation].key, self.invocations[invocation].ctx_in);
        if !self.sim.services[self.service_of(invocation) as usize].instrumented {
            return ctx_in;
        }
        let span_id = derivation::span_id(key, SpanRole::Server);
        Some(match ctx_in {
            Some(ctx) => Context { trace_id: ctx.trace_id, parent: span_id, sampled: ctx.sampled },
            None => {
                // A new root: head sampling is decided here.
                let sampled = chance(&mut self.sampling_rng, self.sim.sampling);
                Context { trace_id: derivation::trace_id(key), parent: span_id, sampled }
            }
        })
    }

    /// Records the invocation's server span (a consumer span for a message) under `ctx`, open
    /// until it finishes.
    fn open_server_span(
        &mut self,
        invocation: u32,
        ctx: Context,
        ctx_in: Option<Context>,
    ) -> Result<SpanHandle, SimError> {
        let now = self.now;
        let sim = self.sim;
        let op = self.op(invocation);
        let service = &sim.services[op.service as usize];
        let (request, message) = (self.invocations[invocation].request, self.invocations[invocation].message);
        let kind = if message.is_some() { SpanKind::Consumer } else { SpanKind::Server };
        let (observed, truth) = (self.observed(op.service, now), self.truth(now));
        let digest = || SpanDigest {
            trace_id: ctx.trace_id,
            span_id: ctx.parent,
            parent_span_id: ctx_in.map(|parent| parent.parent),
            service: op.service,
            start_ns: observed,
            end_ns: observed,
            status: StatusCode::Unset,
        };
        self.push_span(request, digest, || {
            let publish = message
                .map(|(publisher_op, step_idx)| &sim.ops[publisher_op as usize].steps[step_idx as usize]);
            let attributes = match publish {
                Some(CompiledStep::Publish(publish)) => consumer_attributes(&op.server_attributes, publish),
                _ => op.server_attributes.clone(),
            };
            let ids = (ctx.trace_id, ctx.parent, ctx_in.map(|parent| parent.parent));
            let times = SpanTimes { observed: (observed, observed), truth: (truth, truth) };
            Span {
                traceparent: ctx_in.map(|ctx| ctx.header()),
                ..new_span(service, ids, op.name.clone(), kind, attributes, times)
            }
        })
    }

    /// Work starts: the invocation holds a pool slot from here until it finishes.
    fn begin(&mut self, invocation: u32) -> Result<(), SimError> {
        let now = self.now;
        let service_idx = self.service_of(invocation);
        self.in_use[service_idx as usize] += 1;
        let own = self.op(invocation).latency.sample(&mut self.rngs[service_idx as usize]);
        let pre = own / 2;
        let queued = now - self.invocations[invocation].arrived;
        {
            let inv = &mut self.invocations[invocation];
            inv.holds_slot = true;
            inv.post_work_ns = own - pre;
            inv.step_idx = 0;
        }
        if queued > 0 {
            let span = self.invocations[invocation].span;
            let dequeued = self.push_event(span, service_idx, "dequeued", || {
                vec![KeyValue::new("reqflow.queued_ns", queued)]
            });
            if let Some(truth) = dequeued.and_then(|span| span.truth.as_mut()) {
                truth.queued_ns = queued;
            }
        }
        if self.op(invocation).steps.is_empty() {
            // A leaf: its own work is all there is.
            self.schedule(now + own, EventKind::Finish { invocation });
        } else {
            self.schedule(now + pre, EventKind::Continue { invocation });
        }
        Ok(())
    }

    /// The invocation's next step starts, or its post-work once the steps are done.
    fn continue_steps(&mut self, invocation: u32) -> Result<(), SimError> {
        let op = self.op(invocation);
        let step_idx = self.invocations[invocation].step_idx;
        let Some(step) = op.steps.get(step_idx as usize) else {
            let post = self.invocations[invocation].post_work_ns;
            self.schedule(self.now + post, EventKind::Finish { invocation });
            return Ok(());
        };
        self.invocations[invocation].step_idx += 1;
        match step {
            CompiledStep::Work { name, latency } => self.work(invocation, step_idx, name.as_ref(), latency),
            CompiledStep::Calls { calls, max_parallel } => {
                let inv = &mut self.invocations[invocation];
                inv.next_call = 0;
                inv.in_flight = 0;
                inv.completed = 0;
                let limit = if *max_parallel == 0 { calls.len() as u32 } else { *max_parallel };
                for _ in 0..limit.min(calls.len() as u32) {
                    self.launch_next_call(invocation)?;
                }
                Ok(())
            }
            CompiledStep::Publish(publish) => self.publish(invocation, step_idx, publish),
        }
    }

    /// Work step `step_idx`: an internal span when the work is named.
    fn work(
        &mut self,
        invocation: u32,
        step_idx: u32,
        name: Option<&'a Text>,
        latency: &'a Sampler,
    ) -> Result<(), SimError> {
        let service_idx = self.service_of(invocation);
        let duration = latency.sample(&mut self.rngs[service_idx as usize]);
        if let Some(name) = name {
            self.child_span(invocation, step_idx, || name.clone(), SpanKind::Internal, duration, Vec::new)?;
        }
        self.schedule(self.now + duration, EventKind::Continue { invocation });
        Ok(())
    }

    /// Publish step `step_idx`: a producer span while the message is handed to the broker, and
    /// a consumer invocation when it comes out of the queue; the invocation goes on meanwhile.
    fn publish(
        &mut self,
        invocation: u32,
        step_idx: u32,
        publish: &'a CompiledPublish,
    ) -> Result<(), SimError> {
        let now = self.now;
        let service_idx = self.service_of(invocation);
        self.child_span(
            invocation,
            step_idx,
            || Text::from(format!("send {}", publish.queue)),
            SpanKind::Producer,
            SEND_NS,
            || producer_attributes(publish),
        )?;
        let carried = self.message_context(invocation, step_idx, publish);
        let delay = publish.queue_delay.sample(&mut self.rngs[service_idx as usize]);
        let inv = &self.invocations[invocation];
        let (request, depth, publisher_op) = (inv.request, inv.depth, inv.op);
        let consumer_key = derivation::consumer_key(inv.key, step_idx);
        let consumer = self.new_invocation(publish.consumer, request, depth + 1, consumer_key, None, carried);
        self.invocations[consumer].message = Some((publisher_op, step_idx));
        self.schedule(now + SEND_NS + delay, EventKind::Arrive { invocation: consumer });
        self.schedule(now + SEND_NS, EventKind::Continue { invocation });
        Ok(())
    }

    /// What travels in the headers of the message of publish step `step_idx`: the sender's
    /// context with the producer span as parent (when it is recorded), or nothing when the
    /// context is not carried or the service does not propagate.
    fn message_context(&self, invocation: u32, step_idx: u32, publish: &CompiledPublish) -> Option<Context> {
        let service = &self.sim.services[self.service_of(invocation) as usize];
        if !(publish.carry_context && service.propagates) {
            return None;
        }
        // The producer span's id (same derivation as `child_span`), when it is recorded.
        let key = self.invocations[invocation].key;
        let producer_id = self
            .traced_context(invocation)
            .map(|_| derivation::span_id(derivation::step_key(key, step_idx), SpanRole::Producer));
        self.invocations[invocation]
            .ctx_out
            .map(|ctx| Context { parent: producer_id.unwrap_or(ctx.parent), ..ctx })
    }

    /// Records the span of step `step_idx` of the invocation, a child of its server span that
    /// lasts `duration` from now: a producer span, or an internal span for any other `kind`.
    /// `name` and `attributes` are only evaluated when spans are kept.
    fn child_span(
        &mut self,
        invocation: u32,
        step_idx: u32,
        name: impl FnOnce() -> Text,
        kind: SpanKind,
        duration: i64,
        attributes: impl FnOnce() -> Vec<KeyValue>,
    ) -> Result<SpanHandle, SimError> {
        let now = self.now;
        let Some(ctx) = self.traced_context(invocation) else {
            return Ok(None);
        };
        let service_idx = self.service_of(invocation);
        let service = &self.sim.services[service_idx as usize];
        let role = if kind == SpanKind::Producer { SpanRole::Producer } else { SpanRole::Internal };
        let (key, request) = (self.invocations[invocation].key, self.invocations[invocation].request);
        let (start_ns, end_ns) =
            (self.observed(service_idx, now), self.observed(service_idx, now + duration));
        let (true_start, true_end) = (self.truth(now), self.truth(now + duration));
        let span_id = derivation::span_id(derivation::step_key(key, step_idx), role);
        let ids = (ctx.trace_id, span_id, Some(ctx.parent));
        let times = SpanTimes { observed: (start_ns, end_ns), truth: (true_start, true_end) };
        let digest = || SpanDigest {
            trace_id: ctx.trace_id,
            span_id,
            parent_span_id: Some(ctx.parent),
            service: service_idx,
            start_ns,
            end_ns,
            status: StatusCode::Unset,
        };
        self.push_span(request, digest, || new_span(service, ids, name(), kind, attributes(), times))
    }

    fn current_calls(&self, invocation: u32) -> &'a [CompiledCall] {
        let inv = &self.invocations[invocation];
        match &self.sim.ops[inv.op as usize].steps[inv.step_idx as usize - 1] {
            CompiledStep::Calls { calls, .. } => calls,
            _ => &[],
        }
    }

    fn launch_next_call(&mut self, invocation: u32) -> Result<(), SimError> {
        let call_slot = self.invocations[invocation].next_call;
        self.invocations[invocation].next_call += 1;
        self.invocations[invocation].in_flight += 1;
        self.start_attempt(invocation, call_slot, 0)
    }

    /// Attempt `attempt_no` of the call in slot `call_slot` of the invocation's current step: a
    /// client span when the caller is traced, the context sent, and the callee invocation.
    fn start_attempt(&mut self, invocation: u32, call_slot: u32, attempt_no: u32) -> Result<(), SimError> {
        let now = self.now;
        let call = &self.current_calls(invocation)[call_slot as usize];
        let service_idx = self.service_of(invocation);
        let service = &self.sim.services[service_idx as usize];
        let inv = &self.invocations[invocation];
        let key = derivation::attempt_key(inv.key, inv.step_idx, call_slot, attempt_no);
        let (request, depth, ctx_out) = (inv.request, inv.depth, inv.ctx_out);
        let traced = self.traced_context(invocation);
        let span = match traced {
            Some(ctx) => self.open_client_span(invocation, ctx, key, call, attempt_no)?,
            None => None,
        };
        // What the callee receives.
        let sent = if service.propagates {
            ctx_out.map(|ctx| match traced {
                Some(_) => Context { parent: derivation::span_id(key, SpanRole::Client), ..ctx },
                None => ctx,
            })
        } else {
            None
        };
        let pending_events = 1 + u8::from(call.timeout_ns.is_some());
        let attempt = Attempt { invocation, call, call_slot, attempt_no, span, done: false, pending_events };
        let attempt_idx = self.attempts.insert(attempt);
        let network =
            call.network.as_ref().map_or(0, |network| network.sample(&mut self.rngs[service_idx as usize]));
        let callee = self.new_invocation(call.target, request, depth + 1, key, Some(attempt_idx), sent);
        self.schedule(now + network, EventKind::Arrive { invocation: callee });
        if let Some(timeout) = call.timeout_ns {
            self.schedule(now + timeout, EventKind::Timeout { attempt: attempt_idx });
        }
        Ok(())
    }

    /// Records the client span of an attempt (the attempt keyed `key`) under `ctx`, open until
    /// the response or the timeout; a retry carries its number.
    fn open_client_span(
        &mut self,
        invocation: u32,
        ctx: Context,
        key: u64,
        call: &'a CompiledCall,
        attempt_no: u32,
    ) -> Result<SpanHandle, SimError> {
        let now = self.now;
        let target_op = &self.sim.ops[call.target as usize];
        let service_idx = self.service_of(invocation);
        let service = &self.sim.services[service_idx as usize];
        let request = self.invocations[invocation].request;
        let (observed, truth) = (self.observed(service_idx, now), self.truth(now));
        let digest = || SpanDigest {
            trace_id: ctx.trace_id,
            span_id: derivation::span_id(key, SpanRole::Client),
            parent_span_id: Some(ctx.parent),
            service: service_idx,
            start_ns: observed,
            end_ns: observed,
            status: StatusCode::Unset,
        };
        let span = self.push_span(request, digest, || {
            let mut attributes = target_op.client_attributes.clone();
            if attempt_no > 0 {
                attributes.push(KeyValue::new("http.request.resend_count", i64::from(attempt_no)));
            }
            let ids = (ctx.trace_id, derivation::span_id(key, SpanRole::Client), Some(ctx.parent));
            let times = SpanTimes { observed: (observed, observed), truth: (truth, truth) };
            new_span(service, ids, target_op.name.clone(), SpanKind::Client, attributes, times)
        })?;
        if attempt_no > 0 {
            self.push_event(span, service_idx, "retry", || {
                vec![KeyValue::new("reqflow.attempt", i64::from(attempt_no) + 1)]
            });
        }
        Ok(span)
    }

    /// The response to `attempt` or its timeout: the first of the two decides the call.
    fn attempt_event(&mut self, attempt: u32, outcome: AttemptOutcome) -> Result<(), SimError> {
        if !self.attempts[attempt].done {
            if outcome == AttemptOutcome::TimedOut {
                let request = self.invocations[self.attempts[attempt].invocation].request;
                if let Some(state) = self.request_mut(request) {
                    state.faults += 1;
                }
            }
            self.end_attempt(attempt, outcome);
            self.attempt_finished(attempt, outcome.failed())?;
        }
        self.release_attempt_event(attempt);
        Ok(())
    }

    fn end_attempt(&mut self, attempt: u32, outcome: AttemptOutcome) {
        let now = self.now;
        self.attempts[attempt].done = true;
        let (invocation, span) = (self.attempts[attempt].invocation, self.attempts[attempt].span);
        let service_idx = self.service_of(invocation);
        let observed = self.observed(service_idx, now);
        let truth = self.truth(now);
        if let Some(client) = self.span_mut(span) {
            end_client_span(client, outcome, observed, truth);
        }
        self.end_digest(span, observed, outcome.failed());
    }

    /// The call's attempt is over: retry it, or count the call as done (applying `on_error`),
    /// then launch the next call or go on with the next step.
    fn attempt_finished(&mut self, attempt: u32, failed: bool) -> Result<(), SimError> {
        let now = self.now;
        let Attempt { invocation, call, call_slot, attempt_no, .. } = self.attempts[attempt];
        if failed && attempt_no < call.retries {
            let backoff = call.backoff_ns.saturating_mul(1i64 << attempt_no.min(30));
            self.schedule(
                now + backoff,
                EventKind::Retry { invocation, call_slot, attempt_no: attempt_no + 1 },
            );
            return Ok(());
        }
        if failed {
            match call.on_error {
                OnError::Propagate => self.invocations[invocation].child_failed = true,
                OnError::Swallow => {}
                OnError::Fallback => {
                    let (span, service_idx) =
                        (self.invocations[invocation].span, self.service_of(invocation));
                    self.push_event(span, service_idx, "fallback", || {
                        vec![KeyValue::new("reqflow.reason", "a dependency failed")]
                    });
                }
            }
        }
        let total = self.current_calls(invocation).len() as u32;
        let inv = &mut self.invocations[invocation];
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
        let entry = &mut self.attempts[attempt];
        entry.pending_events -= 1;
        if entry.pending_events == 0 {
            self.attempts.remove(attempt);
        }
    }

    /// The invocation's post-work is done: it fails or not, ends its server span, frees its pool
    /// slot and answers its caller.
    fn finish(&mut self, invocation: u32) -> Result<(), SimError> {
        let now = self.now;
        let service_idx = self.service_of(invocation);
        let op = self.op(invocation);
        let own_error = chance(&mut self.rngs[service_idx as usize], op.error_rate);
        let inv = &self.invocations[invocation];
        let failure = if own_error {
            Some(Failure::Own)
        } else if inv.child_failed {
            Some(Failure::Dependency)
        } else {
            None
        };
        let (request, span, parent_attempt, holds_slot) =
            (inv.request, inv.span, inv.parent_attempt, inv.holds_slot);
        let is_entry = inv.depth == 1;
        if let Some(state) = self.request_mut(request) {
            state.faults += u32::from(own_error);
            if is_entry {
                state.failed = failure.is_some();
            }
        }
        let observed = self.observed(service_idx, now);
        let truth = self.truth(now);
        let protocol = self.sim.services[service_idx as usize].protocol;
        if let Some(server) = self.span_mut(span) {
            end_server_span(server, protocol, op, failure, observed, truth);
        }
        self.end_digest(span, observed, failure.is_some());
        if holds_slot {
            self.release_pool_slot(service_idx)?;
        }
        if let Some(attempt) = parent_attempt {
            self.respond(attempt, service_idx, failure.is_some());
        }
        self.invocations.remove(invocation);
        self.request_work_done(request, now);
        Ok(())
    }

    /// A pool slot of the service is free: the first invocation waiting for one begins.
    fn release_pool_slot(&mut self, service_idx: u32) -> Result<(), SimError> {
        self.in_use[service_idx as usize] -= 1;
        match self.waiting[service_idx as usize].pop_front() {
            Some(next) => self.begin(next),
            None => Ok(()),
        }
    }

    /// Sends the response to `attempt` back to the caller.
    fn respond(&mut self, attempt: u32, service_idx: u32, failed: bool) {
        // The response travels back over the same link; the draw uses the callee's stream
        // because the caller may already have given up (timeout) and moved on.
        let network = self.attempts[attempt]
            .call
            .network
            .as_ref()
            .map_or(0, |network| network.sample(&mut self.rngs[service_idx as usize]));
        self.schedule(self.now + network, EventKind::Response { attempt, failed });
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
            let facts = RequestFacts { n_spans: state.n_spans, faults: state.faults, digests: state.digests };
            self.finished.push_back((trace, facts));
        }
    }
}
