//! Runs of many requests (1 … 1,000,000): the latency picture, the one bad trace among
//! thousands, and the sampling lab — streamed, in memory that stays flat in the number of
//! requests.
//!
//! A [`RunDriver`] drives a [`Simulation`] a few requests at a time ([`RunDriver::step`]), so a
//! Web Worker can post [`Progress`] between steps and stop on cancel; [`RunDriver::report`]
//! gives the [`RunReport`] (serde-serializable, with a [`RunReport::fingerprint`] that is the
//! same natively and in wasm32). [`run`] does it all in one call.
//!
//! A driver borrows its [`Simulation`]. In a worker the simplest use is one function that
//! compiles the scenario, then loops `step(10_000)` and posts each [`Progress`] (messages leave
//! while the function runs) and the serialized report at the end; Cancel stops the worker, as the
//! page already does for a file import it no longer wants. A driver kept across messages needs a
//! `Simulation` that outlives it (`&'static`, e.g. leaked once per scenario and knobs).
//!
//! Every request is handed over as it finishes and dropped:
//!
//! * the latency [`LatencyHistogram`] (≤ 1% error) gives p50/p90/p99/p99.9 and the maximum;
//!   [`HistogramBar`]s (8 per power of two) are what the page draws, each with a request to open;
//! * the error rate, the requests that met an injected fault (ground truth: an operation's own
//!   error, a call timeout), the throughput (requests per second of virtual time, from the first
//!   arrival to the last response);
//! * each service's share of the critical path (true times, [`crate::analysis::critical_path`])
//!   summed over every `critical_path.every`-th request: every request up to
//!   [`CRITICAL_PATH_REQUESTS`] requests, then a systematic sample of about that many (the
//!   other requests build no spans at all when no policy needs them, which keeps the run on the
//!   engine's aggregate path);
//! * [`Exemplars`]: the slowest few, every error up to a cap, a few chosen at random (a seeded
//!   reservoir), each by request index;
//! * the [`scatter`] of start time against duration, every dot a request index;
//! * the [`lab`]: each policy's verdict on every request, decided on the spans' digests
//!   ([`crate::sim::SpanDigest`]: ids, service, observed times, status — recorded by the engine
//!   without building spans; only `string_attribute`/`numeric_attribute` policies make every
//!   span be built). Errors and faults are tallied as they come. "The slowest 1%" — the
//!   ⌈requests / 100⌉ slowest requests, ties to the lower index — is known only at the end, so
//!   the driver keeps a bounded heap of that many requests with one bit per policy: exact, no
//!   second pass, memory N / 100 × 24 bytes (240 KB for a million requests), the one part that
//!   grows with N.
//!
//! Any request of a run can be simulated again alone with [`Simulation::resimulate`] (same
//! scenario, seed and number of requests): its trace is the one it had in the run.

pub mod lab;
pub mod scatter;

#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::analysis::{Interval, assemble, critical_path};
use crate::hash::{WordHash, mix_all};
use crate::scenario::Scenario;
use crate::sim::{LatencyHistogram, RequestFacts, RequestTrace, Runner, SimError, Simulation, SpanFilter};
use crate::text::Text;
use crate::trace::Span;

pub use lab::{HeadPolicy, Judge, LabPolicy, PolicyError, Verdict};
pub use scatter::{ScatterCell, ScatterPoint, ScatterReport};

/// Requests whose critical path is analysed: all of them up to this many, then every k-th.
pub const CRITICAL_PATH_REQUESTS: u64 = 10_000;
/// The slowest requests listed as exemplars.
pub const SLOWEST_EXEMPLARS: usize = 10;
/// Errors listed as exemplars (the first to finish).
pub const ERROR_EXEMPLARS: usize = 100;
/// Requests chosen at random as exemplars.
pub const RANDOM_EXEMPLARS: usize = 10;
/// Missed requests listed per policy and kind (the count is always complete).
pub const MISSED_LISTED: usize = 50;
/// The most policies one run compares (one bit each per slow request).
pub const MAX_POLICIES: usize = 16;
/// Salt of the exemplar reservoir's random stream (`"exemplar"` in ASCII).
const EXEMPLAR_SALT: u64 = 0x6578_656d_706c_6172;

/// What to run. The scenario (with its knobs and arrivals) is the [`Simulation`]'s.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    pub seed: u64,
    pub requests: u64,
    /// Policies to compare on the run's requests, at most [`MAX_POLICIES`].
    #[serde(default)]
    pub policies: Vec<LabPolicy>,
}

/// Why a run could not start or go on.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

/// How far a run has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub finished: u64,
    pub requests: u64,
    pub done: bool,
}

/// Percentiles of the end-to-end durations, from the histogram (bucket floors, ≤ 1% low).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Percentiles {
    pub p50_ns: i64,
    pub p90_ns: i64,
    pub p99_ns: i64,
    pub p999_ns: i64,
    pub max_ns: i64,
}

/// One bar of the drawn histogram: durations `floor_ns ..= ceil_ns`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistogramBar {
    pub floor_ns: i64,
    pub ceil_ns: i64,
    pub count: u64,
    pub errors: u64,
    /// A request of the bar to open (the first to finish in it).
    pub request: u64,
}

/// A service's time on the critical path, summed over the analysed requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceCritical {
    pub service: String,
    pub critical_ns: i64,
    /// Of all analysed requests' critical paths.
    pub share: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CriticalPathShares {
    /// Every this-many-th request was analysed.
    pub every: u64,
    /// Requests analysed (those of the sample that recorded spans).
    pub analyzed: u64,
    pub total_ns: i64,
    /// Largest first, ties by name.
    pub services: Vec<ServiceCritical>,
}

/// A request worth opening.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exemplar {
    pub request: u64,
    /// Arrival, ns of virtual time from the run's start.
    pub start_ns: i64,
    pub duration_ns: i64,
    pub failed: bool,
    pub faults: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Exemplars {
    /// Slowest first (ties: lower index first).
    pub slowest: Vec<Exemplar>,
    /// The first [`ERROR_EXEMPLARS`] failed requests to finish, by index.
    pub errors: Vec<Exemplar>,
    /// A seeded random sample, by index.
    pub random: Vec<Exemplar>,
}

/// How many interesting requests of one kind a policy kept and which it missed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catch {
    pub total: u64,
    pub kept: u64,
    pub missed: u64,
    /// Up to [`MISSED_LISTED`] missed requests (errors and faults by index, the slowest
    /// slowest first).
    pub missed_requests: Vec<u64>,
}

/// One policy's result on the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyReport {
    pub policy: LabPolicy,
    /// Requests whose root span was stored.
    pub requests_kept: u64,
    /// Traces (trace ids) stored.
    pub traces_kept: u64,
    /// Spans stored: the cost.
    pub spans_kept: u64,
    /// Of all spans the run recorded.
    pub spans_share: f64,
    /// Stored subtrees whose recorded parent was dropped (only head policies with a service
    /// deciding on its own make them).
    pub fragments: u64,
    /// Failed requests.
    pub errors: Catch,
    /// The slowest 1% (see [`RunReport::slowest_threshold_ns`]).
    pub slowest: Catch,
    /// Requests that met an injected fault.
    pub faults: Catch,
}

/// Everything a run of many requests shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub scenario: String,
    pub seed: u64,
    pub requests: u64,
    /// Requests finished (less than `requests` for a run stopped early).
    pub finished: u64,
    /// Spans recorded (sampled spans of instrumented services), built or not.
    pub spans: u64,
    pub failed: u64,
    pub error_rate: f64,
    /// Requests that met an injected fault (ground truth).
    pub with_faults: u64,
    /// Virtual time from the first arrival to the last response.
    pub duration_ns: i64,
    /// Requests per second of virtual time.
    pub throughput_per_s: f64,
    pub latency: Percentiles,
    pub histogram: Vec<HistogramBar>,
    pub critical_path: CriticalPathShares,
    pub exemplars: Exemplars,
    pub scatter: ScatterReport,
    /// The slowest 1%: this many requests, the fastest of them this slow.
    pub slowest_count: u64,
    pub slowest_threshold_ns: i64,
    pub sampling: Vec<PolicyReport>,
    /// 16 hex digits over everything above: the same natively and in wasm32.
    pub fingerprint: String,
}

/// A policy's tallies while the run goes on.
struct PolicyState {
    policy: LabPolicy,
    judge: Judge,
    requests_kept: u64,
    traces_kept: u64,
    spans_kept: u64,
    fragments: u64,
    errors: Catch,
    faults: Catch,
}

/// A slow request with one bit per policy: kept or not. Ordered by (duration, lower index
/// first): in a `Reverse` heap the top is the fastest, ties to the higher index.
#[derive(Clone, Copy, Debug)]
struct SlowEntry {
    exemplar: Exemplar,
    kept_bits: u16,
}

impl SlowEntry {
    fn rank(&self) -> (i64, Reverse<u64>) {
        (self.exemplar.duration_ns, Reverse(self.exemplar.request))
    }
}

impl PartialEq for SlowEntry {
    fn eq(&self, other: &Self) -> bool {
        self.rank() == other.rank()
    }
}

impl Eq for SlowEntry {}

impl PartialOrd for SlowEntry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SlowEntry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

/// A run of many requests in progress.
pub struct RunDriver<'a> {
    runner: Runner<'a>,
    tally: Tally,
}

/// What a run has gathered so far.
struct Tally {
    /// Requests added so far.
    finished: u64,
    scenario: String,
    seed: u64,
    epoch_ns: i64,
    critical_every: u64,
    histogram: LatencyHistogram,
    bars: Vec<(u64, u64, u64)>,
    spans: u64,
    failed: u64,
    with_faults: u64,
    last_end_ns: i64,
    critical_ns: Vec<(Text, i64)>,
    critical_total_ns: i64,
    critical_analyzed: u64,
    slow_heap: BinaryHeap<Reverse<SlowEntry>>,
    slow_capacity: usize,
    errors: Vec<Exemplar>,
    reservoir: Vec<Exemplar>,
    reservoir_rng: ChaCha8Rng,
    scatter: scatter::Scatter,
    policies: Vec<PolicyState>,
}

impl<'a> RunDriver<'a> {
    /// Starts a run of `simulation` (compiled from `scenario`, whose policies' services are
    /// checked against it).
    pub fn new(
        simulation: &'a Simulation,
        scenario: &Scenario,
        config: &RunConfig,
    ) -> Result<RunDriver<'a>, RunError> {
        if config.policies.len() > MAX_POLICIES {
            return Err(PolicyError::TooMany { count: config.policies.len(), limit: MAX_POLICIES }.into());
        }
        for (index, policy) in config.policies.iter().enumerate() {
            if let Some(message) = policy.problem(scenario) {
                return Err(
                    PolicyError::Invalid { number: index + 1, policy: policy.to_json(), message }.into()
                );
            }
        }
        let critical_every = config.requests.div_ceil(CRITICAL_PATH_REQUESTS).max(1);
        let judges: Vec<Judge> =
            config.policies.iter().map(|policy| Judge::new(policy, simulation.service_names())).collect();
        // Policies decide on span digests; only attribute policies need every span built.
        let filter = if judges.iter().any(Judge::needs_spans) {
            SpanFilter::All
        } else {
            SpanFilter::Every(critical_every)
        };
        let runner = simulation.runner(config.seed, config.requests, filter, !judges.is_empty())?;
        let slow_capacity = (config.requests.div_ceil(100) as usize).max(SLOWEST_EXEMPLARS);
        let expected_ns = simulation.mean_arrival_gap_ns().saturating_mul(config.requests as i64);
        let tally = Tally {
            finished: 0,
            scenario: scenario.name.clone(),
            seed: config.seed,
            epoch_ns: simulation.epoch_ns(),
            critical_every,
            histogram: LatencyHistogram::default(),
            bars: vec![(0, 0, 0); BAR_COUNT],
            spans: 0,
            failed: 0,
            with_faults: 0,
            last_end_ns: 0,
            critical_ns: Vec::new(),
            critical_total_ns: 0,
            critical_analyzed: 0,
            slow_heap: BinaryHeap::with_capacity(slow_capacity + 1),
            slow_capacity,
            errors: Vec::new(),
            reservoir: Vec::new(),
            reservoir_rng: ChaCha8Rng::seed_from_u64(mix_all(&[config.seed, EXEMPLAR_SALT])),
            scatter: scatter::Scatter::new(expected_ns),
            policies: config
                .policies
                .iter()
                .zip(judges)
                .map(|(policy, judge)| PolicyState {
                    policy: policy.clone(),
                    judge,
                    requests_kept: 0,
                    traces_kept: 0,
                    spans_kept: 0,
                    fragments: 0,
                    errors: Catch::default(),
                    faults: Catch::default(),
                })
                .collect(),
        };
        Ok(RunDriver { runner, tally })
    }

    /// Simulates until `max_requests` more requests have finished (or the run is over).
    pub fn step(&mut self, max_requests: u64) -> Result<Progress, SimError> {
        let tally = &mut self.tally;
        self.runner.step(max_requests, |trace, facts| tally.add(&trace, facts))?;
        Ok(self.progress())
    }

    /// The report of the requests finished so far (all of them once the run is done).
    pub fn report(&self) -> RunReport {
        self.tally.report(self.runner.requests())
    }

    pub fn progress(&self) -> Progress {
        Progress {
            finished: self.runner.finished(),
            requests: self.runner.requests(),
            done: self.runner.is_done(),
        }
    }
}

impl Tally {
    fn add(&mut self, trace: &RequestTrace, facts: &RequestFacts) {
        self.finished += 1;
        let duration_ns = trace.end_ns - trace.start_ns;
        let exemplar = Exemplar {
            request: trace.request,
            start_ns: trace.start_ns - self.epoch_ns,
            duration_ns,
            failed: trace.failed,
            faults: facts.faults,
        };
        self.histogram.record(duration_ns);
        let bar = &mut self.bars[bar_of(duration_ns)];
        if bar.0 == 0 {
            bar.2 = trace.request;
        }
        bar.0 += 1;
        bar.1 += u64::from(trace.failed);
        self.spans += u64::from(facts.n_spans);
        self.failed += u64::from(trace.failed);
        self.with_faults += u64::from(facts.faults > 0);
        self.last_end_ns = self.last_end_ns.max(trace.end_ns - self.epoch_ns);
        self.scatter.record(ScatterPoint {
            request: trace.request,
            start_ns: exemplar.start_ns,
            duration_ns,
            failed: trace.failed,
        });
        if trace.failed && self.errors.len() < ERROR_EXEMPLARS {
            self.errors.push(exemplar);
        }
        self.sample_reservoir(exemplar);
        if !trace.spans.is_empty() && trace.request.is_multiple_of(self.critical_every) {
            self.add_critical_path(&trace.spans);
        }
        let mut kept_bits = 0u16;
        for (policy_idx, state) in self.policies.iter_mut().enumerate() {
            let verdict = state.judge.judge(&trace.spans, &facts.digests);
            kept_bits |= u16::from(verdict.kept) << policy_idx;
            state.requests_kept += u64::from(verdict.kept);
            state.traces_kept += u64::from(verdict.traces);
            state.spans_kept += u64::from(verdict.spans);
            state.fragments += u64::from(verdict.fragments);
            if trace.failed {
                tally(&mut state.errors, verdict.kept, trace.request);
            }
            if facts.faults > 0 {
                tally(&mut state.faults, verdict.kept, trace.request);
            }
        }
        let entry = SlowEntry { exemplar, kept_bits };
        if self.slow_heap.len() < self.slow_capacity {
            self.slow_heap.push(Reverse(entry));
        } else if self.slow_heap.peek().is_some_and(|fastest| entry > fastest.0) {
            // Slower than the fastest of the slowest: it takes that one's place.
            self.slow_heap.pop();
            self.slow_heap.push(Reverse(entry));
        }
    }

    /// Reservoir sampling (Algorithm R) with the run's exemplar stream.
    fn sample_reservoir(&mut self, exemplar: Exemplar) {
        let seen = self.finished;
        if self.reservoir.len() < RANDOM_EXEMPLARS {
            self.reservoir.push(exemplar);
            return;
        }
        let slot = self.reservoir_rng.next_u64() % seen;
        if (slot as usize) < RANDOM_EXEMPLARS {
            self.reservoir[slot as usize] = exemplar;
        }
    }

    fn add_critical_path(&mut self, spans: &[Span]) {
        let tree = assemble(spans);
        let times: Vec<Interval> = spans
            .iter()
            .map(|span| {
                span.truth.map_or(Interval::of(span), |truth| Interval::new(truth.start_ns, truth.end_ns))
            })
            .collect();
        let path = critical_path(spans, &tree, &times);
        self.critical_analyzed += 1;
        self.critical_total_ns += path.total_ns;
        for (span, critical_ns) in spans.iter().zip(&path.span_ns) {
            if *critical_ns == 0 {
                continue;
            }
            match self.critical_ns.iter_mut().find(|(service, _)| **service == *span.service) {
                Some(entry) => entry.1 += critical_ns,
                None => self.critical_ns.push((span.service.clone(), *critical_ns)),
            }
        }
    }

    fn report(&self, requests: u64) -> RunReport {
        let finished = self.finished;
        let histogram = &self.histogram;
        let mut slow: Vec<SlowEntry> = self.slow_heap.iter().map(|entry| entry.0).collect();
        slow.sort_unstable_by(|a, b| b.cmp(a));
        // Of the requests finished (a run stopped early reports on what it has).
        let slowest_count = finished.div_ceil(100);
        let slowest_1 = &slow[..(slowest_count as usize).min(slow.len())];
        let mut services: Vec<ServiceCritical> = self
            .critical_ns
            .iter()
            .map(|(service, critical_ns)| ServiceCritical {
                service: service.to_string(),
                critical_ns: *critical_ns,
                share: if self.critical_total_ns > 0 {
                    *critical_ns as f64 / self.critical_total_ns as f64
                } else {
                    0.0
                },
            })
            .collect();
        services.sort_by(|a, b| b.critical_ns.cmp(&a.critical_ns).then_with(|| a.service.cmp(&b.service)));
        let mut errors = self.errors.clone();
        errors.sort_unstable_by_key(|exemplar| exemplar.request);
        let mut random = self.reservoir.clone();
        random.sort_unstable_by_key(|exemplar| exemplar.request);
        let sampling = self
            .policies
            .iter()
            .enumerate()
            .map(|(policy_idx, state)| {
                let mut slowest = Catch::default();
                for entry in slowest_1 {
                    tally(&mut slowest, entry.kept_bits & (1 << policy_idx) != 0, entry.exemplar.request);
                }
                let mut errors = state.errors.clone();
                errors.missed_requests.sort_unstable();
                let mut faults = state.faults.clone();
                faults.missed_requests.sort_unstable();
                PolicyReport {
                    policy: state.policy.clone(),
                    requests_kept: state.requests_kept,
                    traces_kept: state.traces_kept,
                    spans_kept: state.spans_kept,
                    spans_share: if self.spans > 0 {
                        state.spans_kept as f64 / self.spans as f64
                    } else {
                        0.0
                    },
                    fragments: state.fragments,
                    errors,
                    slowest,
                    faults,
                }
            })
            .collect();
        let duration_ns = self.last_end_ns;
        let mut report = RunReport {
            scenario: self.scenario.clone(),
            seed: self.seed,
            requests,
            finished,
            spans: self.spans,
            failed: self.failed,
            error_rate: if finished > 0 { self.failed as f64 / finished as f64 } else { 0.0 },
            with_faults: self.with_faults,
            duration_ns,
            throughput_per_s: if duration_ns > 0 { finished as f64 * 1e9 / duration_ns as f64 } else { 0.0 },
            latency: Percentiles {
                p50_ns: histogram.quantile_ns(0.5),
                p90_ns: histogram.quantile_ns(0.9),
                p99_ns: histogram.quantile_ns(0.99),
                p999_ns: histogram.quantile_ns(0.999),
                max_ns: histogram.max_ns(),
            },
            histogram: self
                .bars
                .iter()
                .enumerate()
                .filter(|(_, bar)| bar.0 > 0)
                .map(|(idx, &(count, errors, request))| {
                    let (floor_ns, ceil_ns) = bar_bounds(idx);
                    HistogramBar { floor_ns, ceil_ns, count, errors, request }
                })
                .collect(),
            critical_path: CriticalPathShares {
                every: self.critical_every,
                analyzed: self.critical_analyzed,
                total_ns: self.critical_total_ns,
                services,
            },
            exemplars: Exemplars {
                slowest: slow.iter().take(SLOWEST_EXEMPLARS).map(|entry| entry.exemplar).collect(),
                errors,
                random,
            },
            scatter: self.scatter.report(),
            slowest_count,
            slowest_threshold_ns: slowest_1.last().map_or(0, |entry| entry.exemplar.duration_ns),
            sampling,
            fingerprint: String::new(),
        };
        report.fingerprint = report_fingerprint(&report);
        report
    }
}

fn tally(catch: &mut Catch, kept: bool, request: u64) {
    catch.total += 1;
    if kept {
        catch.kept += 1;
    } else {
        catch.missed += 1;
        if catch.missed_requests.len() < MISSED_LISTED {
            catch.missed_requests.push(request);
        }
    }
}

/// 8 bars per power of two from 1 ns to 2^63 ns.
const BAR_BITS: u32 = 3;
const BAR_COUNT: usize = (64 - BAR_BITS as usize + 1) << BAR_BITS;

fn bar_of(duration_ns: i64) -> usize {
    let value = duration_ns.max(0) as u64;
    if value < (1 << BAR_BITS) {
        return value as usize;
    }
    let power = 63 - value.leading_zeros();
    let sub = (value >> (power - BAR_BITS)) as usize & ((1 << BAR_BITS) - 1);
    (((power - BAR_BITS + 1) as usize) << BAR_BITS) + sub
}

fn bar_bounds(bar: usize) -> (i64, i64) {
    if bar < (1 << BAR_BITS) {
        return (bar as i64, bar as i64);
    }
    let power = (bar >> BAR_BITS) as u32 + BAR_BITS - 1;
    let sub = (bar & ((1 << BAR_BITS) - 1)) as u64;
    let floor = (1u64 << power) | (sub << (power - BAR_BITS));
    let ceil = floor.saturating_add((1u64 << (power - BAR_BITS)) - 1);
    (floor as i64, ceil.min(i64::MAX as u64) as i64)
}

/// A hash of the report's JSON (without the fingerprint): serde_json writes integers, and
/// floats computed with `+ − × ÷` only, the same way on every platform.
fn report_fingerprint(report: &RunReport) -> String {
    let bytes = serde_json::to_vec(report).expect("reports serialize");
    let mut hash = WordHash::new(0x7275_6e73); // "runs"
    hash.word(bytes.len() as u64);
    hash.bytes(&bytes);
    format!("{:016x}", hash.finish())
}

/// Runs `config` to the end in one call.
pub fn run(simulation: &Simulation, scenario: &Scenario, config: &RunConfig) -> Result<RunReport, RunError> {
    let mut driver = RunDriver::new(simulation, scenario, config)?;
    while !driver.step(u64::MAX)?.done {}
    Ok(driver.report())
}
