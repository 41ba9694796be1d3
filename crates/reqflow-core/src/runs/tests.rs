use super::*;
use crate::analysis::test_support::span;
use crate::builtins;
use crate::fingerprint::fingerprint;
use crate::sampling::{Policy, StatusName};
use crate::sim::SpanDigest;
use crate::trace::StatusCode;

fn scenario(name: &str) -> Scenario {
    builtins::load(name).expect("built-in")
}

fn config(seed: u64, requests: u64, policies: Vec<LabPolicy>) -> RunConfig {
    RunConfig { seed, requests, policies }
}

fn presets(scenario: &Scenario, names: &[&str]) -> Vec<LabPolicy> {
    names.iter().map(|name| LabPolicy::preset(name, scenario).expect("preset")).collect()
}

#[test]
fn the_kth_trace_of_a_run_is_the_request_simulated_alone() {
    // Pools (db-pool, rare-slow), queues (async-queue), retries and timeouts (retry-storm),
    // lost context (broken-propagation), Poisson arrivals (rare-slow).
    for (name, requests) in [
        ("try-it", 30),
        ("db-pool", 30),
        ("async-queue", 25),
        ("retry-storm", 25),
        ("broken-propagation", 20),
        ("rare-slow", 400),
    ] {
        let scenario = scenario(name);
        let simulation = Simulation::new(&scenario).expect("compiles");
        let traces = simulation.run_collect(11, requests).expect("runs");
        for index in [0, 1, requests / 2, requests - 2, requests - 1] {
            let full = traces.iter().find(|trace| trace.request == index).expect("every request finishes");
            let alone = simulation.resimulate(11, requests, index).expect("resimulates");
            assert_eq!(
                fingerprint(std::slice::from_ref(&alone)),
                fingerprint(std::slice::from_ref(full)),
                "{name} request {index}"
            );
            assert_eq!(&alone, full, "{name} request {index}");
        }
    }
}

#[test]
fn resimulating_a_request_past_the_run_is_an_error() {
    let simulation = Simulation::new(&scenario("try-it")).expect("compiles");
    let error = simulation.resimulate(1, 10, 10).expect_err("index 10 of 10");
    assert_eq!(
        error.to_string(),
        "request index 10 is past the run's last request (a run of 10 requests counts from 0)"
    );
}

#[test]
fn stepping_and_span_filters_do_not_change_the_run() {
    let scenario = scenario("rare-slow");
    let simulation = Simulation::new(&scenario).expect("compiles");
    let whole = run(&simulation, &scenario, &config(3, 3_000, Vec::new())).expect("runs");
    let mut driver = RunDriver::new(&simulation, &scenario, &config(3, 3_000, Vec::new())).expect("starts");
    let mut steps = 0;
    while !driver.step(77).expect("steps").done {
        steps += 1;
    }
    assert!(steps > 30, "the run was cut into steps");
    assert_eq!(driver.report(), whole, "steps of 77 requests give the one-call report");
    // With policies every span is built; the aggregates must not move.
    let judged =
        run(&simulation, &scenario, &config(3, 3_000, presets(&scenario, &["errors"]))).expect("runs");
    assert_eq!(judged.latency, whole.latency);
    assert_eq!(judged.histogram, whole.histogram);
    assert_eq!(judged.critical_path, whole.critical_path);
    assert_eq!(judged.spans, whole.spans);
    let summary = simulation.run_aggregates(3, 3_000).expect("runs");
    assert_eq!(
        (summary.requests, summary.spans, summary.failed_requests),
        (whole.finished, whole.spans, whole.failed)
    );
}

#[test]
fn the_same_seed_gives_the_same_report_and_another_seed_another() {
    let scenario = scenario("rare-slow");
    let simulation = Simulation::new(&scenario).expect("compiles");
    let policies = presets(&scenario, &["head", "parent-based", "errors", "slow"]);
    let first = run(&simulation, &scenario, &config(9, 2_000, policies.clone())).expect("runs");
    let second = run(&simulation, &scenario, &config(9, 2_000, policies.clone())).expect("runs");
    assert_eq!(first, second);
    assert_eq!(first.fingerprint.len(), 16);
    let other = run(&simulation, &scenario, &config(10, 2_000, policies)).expect("runs");
    assert_ne!(first.fingerprint, other.fingerprint);
    assert_ne!(first.exemplars.random, other.exemplars.random, "the reservoir follows the seed");
}

#[test]
fn the_report_adds_up() {
    let scenario = scenario("rare-slow");
    let simulation = Simulation::new(&scenario).expect("compiles");
    let policies =
        presets(&scenario, &["head", "parent-based", "errors", "slow", "slow-errors", "rate-limiting"]);
    let report = run(&simulation, &scenario, &config(5, 5_000, policies)).expect("runs");
    assert_eq!((report.requests, report.finished), (5_000, 5_000));
    assert_eq!(report.histogram.iter().map(|bar| bar.count).sum::<u64>(), 5_000);
    assert_eq!(report.histogram.iter().map(|bar| bar.errors).sum::<u64>(), report.failed);
    assert!(report.failed > 0 && report.failed < 100, "about 0.5% fail: {}", report.failed);
    assert!(report.with_faults >= report.failed, "every failure here is an injected error");
    assert_eq!(report.spans, 5_000 * 7);
    let latency = report.latency;
    assert!(latency.p50_ns <= latency.p90_ns && latency.p90_ns <= latency.p99_ns);
    assert!(latency.p99_ns <= latency.p999_ns && latency.p999_ns <= latency.max_ns);
    assert!(latency.p999_ns > 5 * latency.p50_ns, "the rare slow path makes a tail");
    // Throughput: about the arrival rate (120/s), the run being far from saturation on average.
    assert!((100.0..140.0).contains(&report.throughput_per_s), "{}", report.throughput_per_s);
    let shares: f64 = report.critical_path.services.iter().map(|service| service.share).sum();
    assert!((shares - 1.0).abs() < 1e-9, "the shares tile the critical paths: {shares}");
    assert_eq!(report.critical_path.analyzed, 5_000);
    assert_eq!(report.slowest_count, 50);
    let slowest = &report.exemplars.slowest;
    assert_eq!(slowest.len(), SLOWEST_EXEMPLARS);
    assert_eq!(slowest[0].duration_ns, latency.max_ns);
    assert!(slowest.windows(2).all(|pair| pair[0].duration_ns >= pair[1].duration_ns));
    assert_eq!(report.exemplars.errors.len() as u64, report.failed.min(ERROR_EXEMPLARS as u64));
    assert!(report.exemplars.errors.iter().all(|exemplar| exemplar.failed));
    assert_eq!(report.exemplars.random.len(), RANDOM_EXEMPLARS);
    let cells: u64 = report.scatter.cells.iter().map(|cell| u64::from(cell.count)).sum();
    assert_eq!(cells, 5_000);
    let points = &report.scatter.points;
    assert_eq!(points.len(), 5_000, "up to the cap every request is a point");
    assert!(points.iter().enumerate().all(|(idx, point)| point.request == idx as u64));
    for policy in &report.sampling {
        for catch in [&policy.errors, &policy.slowest, &policy.faults] {
            assert_eq!(catch.kept + catch.missed, catch.total);
            assert_eq!(catch.missed_requests.len() as u64, catch.missed.min(MISSED_LISTED as u64));
        }
        assert_eq!(policy.errors.total, report.failed);
        assert_eq!(policy.slowest.total, 50);
        assert!(policy.spans_kept <= report.spans);
    }
    let by_type = |index: usize| &report.sampling[index];
    assert_eq!(by_type(2).errors.missed, 0, "status_code ERROR keeps every failed request");
    assert_eq!(by_type(2).spans_kept, report.failed * 7, "and nothing else");
    let slow = &by_type(3).slowest;
    assert!(slow.kept > 9 * slow.total / 10, "latency ≥ 500 ms keeps most of the slowest 1%: {slow:?}");
    assert!(
        report.slowest_threshold_ns < 500_000_000 || slow.missed == 0,
        "and misses only those below 500 ms"
    );
    assert!(by_type(0).errors.missed > by_type(0).errors.kept, "head sampling at 10% misses most errors");
    assert!(by_type(1).fragments > 0, "a service deciding on its own leaves fragments");
    assert_eq!(by_type(0).fragments, 0, "head sampling keeps whole traces");
}

#[test]
fn a_failed_request_missed_by_head_sampling_is_listed_and_opens_alone() {
    let scenario = scenario("rare-slow");
    let simulation = Simulation::new(&scenario).expect("compiles");
    let report = run(&simulation, &scenario, &config(5, 2_000, presets(&scenario, &["head"]))).expect("runs");
    let missed = report.sampling[0].errors.missed_requests[0];
    let trace = simulation.resimulate(5, 2_000, missed).expect("resimulates");
    assert!(trace.failed, "the missed request is the failed one");
    assert_eq!(trace.request, missed);
}

#[test]
fn bad_policies_are_refused_with_their_place() {
    let scenario = scenario("try-it");
    let simulation = Simulation::new(&scenario).expect("compiles");
    let table: [(&str, &str); 4] = [
        (
            r#"{"type": "parent_based", "sampling_percentage": 10, "service": "nope", "service_sampling_percentage": 100}"#,
            "policy 1 ({\"type\":\"parent_based\",\"sampling_percentage\":10.0,\"service\":\"nope\",\"service_sampling_percentage\":100.0}): no service named \"nope\" in scenario try-it (known: gateway, auth, orders, database)",
        ),
        (
            r#"{"type": "head", "sampling_percentage": 120}"#,
            "policy 1 ({\"type\":\"head\",\"sampling_percentage\":120.0}): sampling_percentage must be within 0–100, got 120",
        ),
        (
            r#"{"type": "probabilistic", "sampling_percentage": -1}"#,
            "policy 1 ({\"type\":\"probabilistic\",\"sampling_percentage\":-1.0}): sampling_percentage must be within 0–100, got -1",
        ),
        (
            r#"{"type": "latency", "threshold_ms": 1e999}"#,
            "cannot read policy {\"type\": \"latency\", \"threshold_ms\": 1e999}: number out of range at line 1 column 41",
        ),
    ];
    for (text, expected) in table {
        let error = LabPolicy::parse(text, &scenario)
            .map_err(RunError::from)
            .and_then(|policy| {
                RunDriver::new(&simulation, &scenario, &config(1, 10, vec![policy])).map(|_| ())
            })
            .expect_err(text);
        assert_eq!(error.to_string(), expected);
    }
    let unknown = LabPolicy::parse("fastest", &scenario).expect_err("no such preset");
    assert!(unknown.to_string().starts_with("no preset policy named \"fastest\" (known: head, parent-based"));
    let misspelt = LabPolicy::parse(r#"{"type": "head", "percentage": 5}"#, &scenario).expect_err("misspelt");
    assert!(misspelt.to_string().contains("unknown field `percentage`"), "{misspelt}");
    let too_many = vec![LabPolicy::Tail(Policy::AlwaysSample); MAX_POLICIES + 1];
    let error = RunDriver::new(&simulation, &scenario, &config(1, 10, too_many)).err().expect("too many");
    assert_eq!(error.to_string(), "17 policies given, the lab compares at most 16");
}

#[test]
fn policies_read_back_what_they_write() {
    let scenario = scenario("try-it");
    for name in lab::PRESETS {
        let policy = LabPolicy::preset(name, &scenario).expect("preset");
        assert_eq!(LabPolicy::parse(&policy.to_json(), &scenario).expect("reads"), policy, "{name}");
    }
    assert_eq!(
        LabPolicy::preset("parent-based", &scenario).expect("preset").to_json(),
        r#"{"type":"parent_based","sampling_percentage":10.0,"service":"orders","service_sampling_percentage":100.0}"#
    );
}

/// A hand-built request: gateway → orders → database, ids 1, 2, 3; `failed` marks the
/// database span as an error; all spans in one trace unless `fragment` gives the database its
/// own trace (lost context).
fn request(trace: u64, duration_ms: i64, failed: bool, fragment: bool) -> Vec<Span> {
    let mut spans = vec![
        span(1, "gateway", 0, duration_ms).trace(trace).build(),
        span(2, "orders", 1, duration_ms - 1).parent(1).trace(trace).build(),
        span(3, "database", 2, duration_ms - 2).parent(2).trace(trace).build(),
    ];
    if failed {
        spans[2].status.code = StatusCode::Error;
    }
    if fragment {
        spans[2].parent_span_id = None;
        spans[2].trace_id = crate::TraceId::from_u64_pair(trace, 99);
    }
    spans
}

#[test]
fn each_lab_policy_judges_hand_built_requests() {
    let head = |sampling_percentage| LabPolicy::Head(HeadPolicy::Head { sampling_percentage });
    let rogue = |sampling_percentage, service_sampling_percentage| {
        LabPolicy::Head(HeadPolicy::ParentBased {
            sampling_percentage,
            service: "orders".into(),
            service_sampling_percentage,
        })
    };
    let errors = LabPolicy::Tail(Policy::StatusCode { status_codes: vec![StatusName::Error] });
    let slow = LabPolicy::Tail(Policy::Latency { threshold_ms: 500.0, upper_threshold_ms: None });
    let slow_errors = LabPolicy::Tail(Policy::And {
        and_sub_policy: vec![
            Policy::Latency { threshold_ms: 500.0, upper_threshold_ms: None },
            Policy::StatusCode { status_codes: vec![StatusName::Error] },
        ],
    });
    let verdict = |kept, traces, spans, fragments| Verdict { kept, traces, spans, fragments };
    let table: Vec<(&str, LabPolicy, Vec<Span>, Verdict)> = vec![
        (
            "head 100% keeps the whole trace",
            head(100.0),
            request(1, 50, false, false),
            verdict(true, 1, 3, 0),
        ),
        ("head 0% keeps nothing", head(0.0), request(1, 50, true, false), verdict(false, 0, 0, 0)),
        (
            "head decides each trace of a broken request at its own root",
            head(100.0),
            request(2, 50, false, true),
            verdict(true, 2, 3, 0),
        ),
        (
            "parent-based: the root drops, orders keeps its subtree — one fragment",
            rogue(0.0, 100.0),
            request(3, 50, false, false),
            verdict(false, 1, 2, 1),
        ),
        (
            "parent-based: the root keeps, orders drops its subtree — a hole",
            rogue(100.0, 0.0),
            request(3, 50, false, false),
            verdict(true, 1, 1, 0),
        ),
        (
            "parent-based agreeing everywhere",
            rogue(100.0, 100.0),
            request(3, 50, false, false),
            verdict(true, 1, 3, 0),
        ),
        ("status_code keeps an error", errors.clone(), request(4, 50, true, false), verdict(true, 1, 3, 0)),
        (
            "status_code drops a success",
            errors.clone(),
            request(4, 50, false, false),
            verdict(false, 0, 0, 0),
        ),
        (
            "status_code sees only the fragment holding the error",
            errors,
            request(5, 50, true, true),
            verdict(false, 1, 1, 0),
        ),
        ("latency keeps a slow request", slow.clone(), request(6, 900, false, false), verdict(true, 1, 3, 0)),
        ("latency drops a fast one", slow, request(6, 90, true, false), verdict(false, 0, 0, 0)),
        ("and: slow and failed", slow_errors.clone(), request(7, 900, true, false), verdict(true, 1, 3, 0)),
        ("and: slow only", slow_errors, request(7, 900, false, false), verdict(false, 0, 0, 0)),
    ];
    for (what, policy, spans, expected) in table {
        assert_eq!(judge(&policy, &spans), expected, "{what}");
    }
    assert_eq!(judge(&head(100.0), &[]), Verdict::default(), "an unsampled request stores nothing");
    let route = |value: &str| {
        LabPolicy::Tail(Policy::StringAttribute {
            key: "db".into(),
            values: vec![value.into()],
            invert_match: false,
        })
    };
    let mut with_attribute = request(8, 50, false, false);
    with_attribute[2].attributes.push(crate::trace::KeyValue::new("db", "orders"));
    assert_eq!(
        judge(&route("orders"), &with_attribute),
        verdict(true, 1, 3, 0),
        "string_attribute reads built spans"
    );
    assert_eq!(judge(&route("users"), &with_attribute), verdict(false, 0, 0, 0));
}

const SERVICES: [&str; 3] = ["gateway", "orders", "database"];

/// Judges hand-built spans as the driver does: digests, and the spans themselves.
fn judge(policy: &LabPolicy, spans: &[Span]) -> Verdict {
    let digests: Vec<SpanDigest> = spans
        .iter()
        .map(|span| {
            let service = SERVICES.iter().position(|name| *name == &*span.service).expect("known service");
            SpanDigest::of(span, service as u32)
        })
        .collect();
    Judge::new(policy, SERVICES).judge(spans, &digests)
}

#[test]
fn digests_say_what_the_built_spans_say() {
    for name in ["try-it", "retry-storm", "broken-propagation", "async-queue", "rare-slow", "netflix-fanout"]
    {
        let scenario = scenario(name);
        let simulation = Simulation::new(&scenario).expect("compiles");
        let names: Vec<&str> = simulation.service_names().collect();
        let mut runner = simulation.runner(6, 40, SpanFilter::All, true).expect("starts");
        let mut checked = 0;
        runner
            .step(u64::MAX, |trace, facts| {
                assert_eq!(facts.digests.len(), trace.spans.len(), "{name}");
                assert_eq!(facts.n_spans as usize, trace.spans.len(), "{name}");
                for (span, digest) in trace.spans.iter().zip(&facts.digests) {
                    let service = names.iter().position(|known| *known == &*span.service).expect("service");
                    assert_eq!(
                        *digest,
                        SpanDigest::of(span, service as u32),
                        "{name} request {}",
                        trace.request
                    );
                    checked += 1;
                }
            })
            .expect("runs");
        assert!(checked > 0, "{name}");
    }
}

#[test]
fn policies_decide_the_same_on_digests_and_on_built_spans() {
    // `and` with an attribute policy that always holds forces the built-span path.
    let always =
        Policy::StringAttribute { key: "no.such.key".into(), values: vec!["x".into()], invert_match: true };
    let scenario = scenario("rare-slow");
    let simulation = Simulation::new(&scenario).expect("compiles");
    let tails = [
        Policy::StatusCode { status_codes: vec![StatusName::Error] },
        Policy::Latency { threshold_ms: 200.0, upper_threshold_ms: None },
        Policy::Probabilistic { sampling_percentage: 20.0, hash_salt: String::new() },
        Policy::RateLimiting { spans_per_second: 300 },
        Policy::SpanCount { min_spans: 7, max_spans: None },
    ];
    let on_digests: Vec<LabPolicy> = tails.iter().cloned().map(LabPolicy::Tail).collect();
    let on_spans: Vec<LabPolicy> = tails
        .iter()
        .map(|policy| LabPolicy::Tail(Policy::And { and_sub_policy: vec![policy.clone(), always.clone()] }))
        .collect();
    let digests = run(&simulation, &scenario, &config(12, 3_000, on_digests)).expect("runs");
    let spans = run(&simulation, &scenario, &config(12, 3_000, on_spans)).expect("runs");
    for (a, b) in digests.sampling.iter().zip(&spans.sampling) {
        assert_eq!(
            (a.requests_kept, a.traces_kept, a.spans_kept, &a.errors, &a.slowest, &a.faults),
            (b.requests_kept, b.traces_kept, b.spans_kept, &b.errors, &b.slowest, &b.faults),
            "{:?}",
            a.policy
        );
        assert!(a.requests_kept > 0, "{:?} keeps something", a.policy);
    }
}

#[test]
fn head_sampling_keeps_about_its_share_of_requests() {
    let scenario = scenario("try-it");
    let simulation = Simulation::new(&scenario).expect("compiles");
    let report =
        run(&simulation, &scenario, &config(2, 4_000, presets(&scenario, &["head", "probabilistic"])))
            .expect("runs");
    for policy in &report.sampling {
        assert!((300..500).contains(&policy.requests_kept), "{:?}: {}", policy.policy, policy.requests_kept);
        assert_eq!(policy.spans_kept, policy.requests_kept * 7);
    }
    assert_ne!(
        report.sampling[0].requests_kept, report.sampling[1].requests_kept,
        "head and probabilistic hash differently"
    );
}

#[test]
fn poisson_arrivals_come_at_their_rate_and_fixed_spacing_draws_nothing() {
    let mut scenario = scenario("try-it");
    let fixed = Simulation::new(&scenario).expect("compiles").run_collect(4, 50).expect("runs");
    assert!(
        fixed.iter().all(|trace| trace.start_ns - fixed[0].start_ns == trace.request as i64 * 100_000_000)
    );
    scenario.arrivals = crate::scenario::Arrivals::poisson(1000.0);
    let simulation = Simulation::new(&scenario).expect("compiles");
    let report = run(&simulation, &scenario, &config(4, 20_000, Vec::new())).expect("runs");
    let last_arrival = report.scatter.cells.iter().map(|cell| cell.start_ns).max().expect("cells");
    // 20,000 arrivals at 1000/s: about 20 s (a Poisson sum's spread is ±0.7% here).
    assert!((19_000_000_000..21_000_000_000).contains(&last_arrival), "{last_arrival}");
    let mut again = Simulation::new(&scenario).expect("compiles").run_collect(4, 50).expect("runs");
    again.sort_by_key(|trace| trace.request);
    let gaps: Vec<i64> = again.windows(2).map(|pair| pair[1].start_ns - pair[0].start_ns).collect();
    assert!(gaps.iter().all(|gap| *gap >= 0), "requests arrive in index order");
    assert!(gaps.windows(2).any(|pair| pair[0] != pair[1]), "gaps vary: {gaps:?}");
}

/// The report's fingerprint is pinned: the page's worker (wasm32) must print the same for the
/// same run, as the trace fingerprints are checked. A change to the report's contents changes
/// it on purpose; a change in the numbers is a determinism bug.
#[test]
fn the_report_fingerprint_is_pinned() {
    let table = [("try-it", 1, 2_000, "3f6621eb31e1f97a"), ("rare-slow", 5, 3_000, "1f7ff08c149e37fd")];
    for (name, seed, requests, expected) in table {
        let scenario = scenario(name);
        let simulation = Simulation::new(&scenario).expect("compiles");
        let policies = presets(&scenario, &["head", "parent-based", "errors", "slow", "rate-limiting"]);
        let report = run(&simulation, &scenario, &config(seed, requests, policies)).expect("runs");
        assert_eq!(report.fingerprint, expected, "{name} seed {seed}, {requests} requests");
    }
}

#[test]
fn a_run_stopped_early_reports_what_finished() {
    let scenario = scenario("rare-slow");
    let simulation = Simulation::new(&scenario).expect("compiles");
    let config = config(5, 10_000, presets(&scenario, &["errors"]));
    let mut driver = RunDriver::new(&simulation, &scenario, &config).expect("starts");
    let progress = driver.step(2_500).expect("steps");
    assert_eq!(progress, Progress { finished: 2_500, requests: 10_000, done: false });
    let report = driver.report();
    assert_eq!((report.finished, report.requests), (2_500, 10_000));
    assert_eq!(report.histogram.iter().map(|bar| bar.count).sum::<u64>(), 2_500);
    assert_eq!(report.slowest_count, 25, "the slowest 1% of what finished");
    assert_eq!(report.sampling[0].slowest.total, 25);
    let done = driver.step(u64::MAX).expect("steps");
    assert!(done.done && done.finished == 10_000);
    assert_eq!(driver.report().slowest_count, 100);
}
