//! Behaviour of the simulator on the built-in scenarios and on small hand-written ones.

use reqflow_core::fingerprint::fingerprint;
use reqflow_core::scenario::Limits;
use reqflow_core::trace::{AttributeValue, SpanKind};
use reqflow_core::{RequestTrace, Scenario, SimError, Simulation, builtins};

fn simulate(name: &str, seed: u64) -> RequestTrace {
    let scenario = builtins::load(name).expect("built-in exists");
    Simulation::new(&scenario).expect("compiles").simulate_one(seed).expect("runs")
}

fn to_json(traces: &[RequestTrace]) -> String {
    serde_json::to_string(traces).expect("serialises")
}

/// A seed from the environment reproduces a failure: `REQFLOW_SEED=123 cargo test`.
fn seeds() -> Vec<u64> {
    match std::env::var("REQFLOW_SEED").ok().and_then(|seed| seed.parse().ok()) {
        Some(seed) => vec![seed],
        None => vec![1, 2, 3],
    }
}

#[test]
fn same_seed_gives_byte_identical_output_for_every_builtin() {
    for name in builtins::names() {
        let scenario = builtins::load(name).expect("built-in");
        let simulation = Simulation::new(&scenario).expect("compiles");
        for seed in seeds() {
            let first = to_json(&simulation.run_collect(seed, 3).expect("runs"));
            // A freshly compiled simulation too: no state survives between runs.
            let again =
                to_json(&Simulation::new(&scenario).expect("compiles").run_collect(seed, 3).expect("runs"));
            assert_eq!(first, again, "{name} seed {seed} differs between runs");
        }
    }
}

#[test]
fn three_seeds_three_runs_give_exactly_three_outputs() {
    for name in builtins::names() {
        let mut outputs = std::collections::BTreeSet::new();
        for seed in [11, 22, 33] {
            for _run in 0..3 {
                outputs.insert(to_json(&[simulate(name, seed)]));
            }
        }
        assert_eq!(outputs.len(), 3, "{name}: expected one distinct output per seed");
    }
}

#[test]
fn changing_one_service_does_not_reshuffle_the_others() {
    let base = builtins::load("try-it").expect("built-in");
    let mut slower_auth = base.clone();
    slower_auth.service_mut("auth").expect("auth").operations[0].latency =
        reqflow_core::latency::Latency::Lognormal { median_ms: 80.0, p99_ms: 200.0 };
    let database_duration = |scenario: &Scenario| {
        let trace = Simulation::new(scenario).expect("compiles").simulate_one(5).expect("runs");
        let span = trace.spans.iter().find(|span| span.service == "database").expect("database span");
        (span.duration_ns(), span.span_id)
    };
    assert_eq!(database_duration(&base), database_duration(&slower_auth));
}

#[test]
fn try_it_is_one_trace_of_four_services_with_the_database_slowest() {
    for seed in seeds() {
        let trace = simulate("try-it", seed);
        let trace_ids: std::collections::BTreeSet<_> = trace.spans.iter().map(|span| span.trace_id).collect();
        assert_eq!(trace_ids.len(), 1);
        let services: std::collections::BTreeSet<_> =
            trace.spans.iter().map(|span| span.service.as_str()).collect();
        assert_eq!(services.into_iter().collect::<Vec<_>>(), ["auth", "database", "gateway", "orders"]);
        let slowest_server = trace
            .spans
            .iter()
            .filter(|span| {
                span.kind == SpanKind::Server && span.service != "gateway" && span.service != "orders"
            })
            .max_by_key(|span| span.duration_ns())
            .expect("server spans");
        assert_eq!(slowest_server.service, "database", "seed {seed}");
        // Every hop but the first received a traceparent naming its parent.
        for span in
            trace.spans.iter().filter(|span| span.kind == SpanKind::Server && span.parent_span_id.is_some())
        {
            let header = span.traceparent.as_deref().expect("traceparent recorded");
            assert_eq!(header, format!("00-{}-{}-01", span.trace_id, span.parent_span_id.expect("parent")));
        }
        // Latency adds up along the path: a parent covers its children (one host clock here).
        let by_id: std::collections::BTreeMap<_, _> =
            trace.spans.iter().map(|span| (span.span_id, span)).collect();
        for span in &trace.spans {
            if let Some(parent) = span.parent_span_id.and_then(|id| by_id.get(&id)) {
                assert!(
                    parent.start_ns <= span.start_ns && span.end_ns <= parent.end_ns,
                    "{} inside {}",
                    span.name,
                    parent.name
                );
            }
        }
    }
}

#[test]
fn clock_skew_moves_observed_times_but_not_the_truth() {
    let trace = simulate("clock-skew", 4);
    let auth = trace.spans.iter().find(|span| span.service == "auth").expect("auth span");
    let truth = auth.truth.expect("simulated spans carry truth");
    let skew = auth.start_ns - truth.start_ns;
    assert!((-36_000_000..=-34_000_000).contains(&skew), "auth's clock is ~35 ms behind, got {skew} ns");
    let parent = trace.spans.iter().find(|span| Some(span.span_id) == auth.parent_span_id).expect("parent");
    assert!(auth.start_ns < parent.start_ns, "the skewed child appears to start before its parent");
    assert!(truth.start_ns > parent.truth.expect("truth").start_ns, "but in truth it started after");
}

#[test]
fn an_uninstrumented_hop_that_drops_context_splits_the_trace() {
    let trace = simulate("broken-propagation", 2);
    assert!(trace.spans.iter().all(|span| span.service != "orders"), "orders emits nothing");
    let gateway_trace = trace.spans.iter().find(|span| span.service == "gateway").expect("gateway").trace_id;
    let fragment: Vec<_> = trace.spans.iter().filter(|span| span.trace_id != gateway_trace).collect();
    assert!(fragment.iter().any(|span| span.service == "inventory" && span.parent_span_id.is_none()));
    assert!(fragment.iter().any(|span| span.service == "database"));
    assert!(fragment.iter().all(|span| span.service == "inventory" || span.service == "database"));
}

#[test]
fn an_uninstrumented_hop_that_forwards_context_keeps_one_trace() {
    let mut scenario = builtins::load("broken-propagation").expect("built-in");
    scenario.service_mut("orders").expect("orders").propagates = true;
    let trace = Simulation::new(&scenario).expect("compiles").simulate_one(2).expect("runs");
    let trace_ids: std::collections::BTreeSet<_> = trace.spans.iter().map(|span| span.trace_id).collect();
    assert_eq!(trace_ids.len(), 1);
    // inventory's parent is the gateway's client span: orders is invisible but the chain holds.
    let inventory =
        trace.spans.iter().find(|span| span.service == "inventory" && span.kind == SpanKind::Server);
    let parent =
        inventory.and_then(|span| trace.spans.iter().find(|p| Some(p.span_id) == span.parent_span_id));
    assert_eq!(parent.map(|span| (span.service.as_str(), span.kind)), Some(("gateway", SpanKind::Client)));
}

#[test]
fn a_full_pool_makes_requests_wait_and_records_it() {
    let trace = simulate("db-pool", 1);
    let queued: Vec<_> = trace
        .spans
        .iter()
        .filter(|span| span.service == "database" && span.events.iter().any(|event| event.name == "queued"))
        .collect();
    assert_eq!(queued.len(), 6, "8 queries, 2 connections: 6 wait");
    for span in queued {
        let truth = span.truth.expect("truth");
        assert!(truth.queued_ns > 0);
        assert!(span.events.iter().any(|event| event.name == "dequeued"));
    }
}

#[test]
fn timeouts_and_retries_leave_attempts_and_abandoned_work() {
    // Find a seed where inventory's slow tail triggers a timeout (the search is deterministic).
    let (seed, trace) = (0..50)
        .map(|seed| (seed, simulate("retry-storm", seed)))
        .find(|(_, trace)| {
            trace.spans.iter().any(|span| span.events.iter().any(|event| event.name == "timeout"))
        })
        .expect("some seed times out");
    let attempts: Vec<_> = trace
        .spans
        .iter()
        .filter(|span| span.kind == SpanKind::Client && span.name == "POST /reserve")
        .collect();
    assert!(attempts.len() >= 2, "seed {seed}: a retry follows the timeout");
    assert!(attempts[0].status.is_error());
    assert_eq!(attempts[0].attribute("error.type"), Some(&AttributeValue::Str("timeout".into())));
    assert_eq!(attempts[1].attribute("http.request.resend_count"), Some(&AttributeValue::Int(1)));
    // The abandoned server span outlives the client span that gave up on it.
    let abandoned =
        trace.spans.iter().find(|span| span.parent_span_id == Some(attempts[0].span_id)).expect("server");
    assert!(abandoned.end_ns > attempts[0].end_ns);
}

#[test]
fn async_consumer_joins_the_trace_after_the_queue_wait() {
    let trace = simulate("async-queue", 3);
    let producer = trace.spans.iter().find(|span| span.kind == SpanKind::Producer).expect("producer");
    let consumer = trace.spans.iter().find(|span| span.kind == SpanKind::Consumer).expect("consumer");
    assert_eq!(consumer.parent_span_id, Some(producer.span_id));
    assert_eq!(consumer.trace_id, producer.trace_id);
    assert!(consumer.start_ns - producer.end_ns > 1_000_000_000, "the message waited in the queue");
    assert_eq!(consumer.attribute("messaging.system"), Some(&AttributeValue::Str("kafka".into())));
}

#[test]
fn fallback_swallows_the_failure_and_says_so() {
    let (_, trace) = (0..80)
        .map(|seed| (seed, simulate("payment-gateway", seed)))
        .find(|(_, trace)| {
            trace.spans.iter().any(|span| span.events.iter().any(|event| event.name == "fallback"))
        })
        .expect("some seed times the fraud model out");
    assert!(!trace.failed, "the fallback keeps the charge going");
    let root = trace.spans.iter().find(|span| span.parent_span_id.is_none()).expect("root");
    assert!(!root.status.is_error());
}

#[test]
fn head_sampling_zero_records_nothing_but_still_simulates() {
    let mut scenario = builtins::load("try-it").expect("built-in");
    scenario.sampling = 0.0;
    let trace = Simulation::new(&scenario).expect("compiles").simulate_one(1).expect("runs");
    assert!(!trace.sampled);
    assert!(trace.spans.is_empty());
    assert!(trace.end_ns - trace.start_ns > 10_000_000, "the request still took time");
}

#[test]
fn netflix_fanout_has_fifty_services_and_hundreds_of_spans() {
    let scenario = builtins::load("netflix-fanout").expect("built-in");
    assert!(scenario.services.len() >= 50);
    let trace = Simulation::new(&scenario).expect("compiles").simulate_one(1).expect("runs");
    assert!(trace.spans.len() >= 200, "{} spans", trace.spans.len());
}

#[test]
fn errors_propagate_to_the_root_unless_swallowed() {
    let mut scenario = builtins::load("try-it").expect("built-in");
    scenario.service_mut("database").expect("database").operations[0].error_rate = 1.0;
    let trace = Simulation::new(&scenario).expect("compiles").simulate_one(1).expect("runs");
    assert!(trace.failed);
    for service in ["database", "orders", "gateway"] {
        assert!(
            trace.spans.iter().any(|span| span.service == service
                && span.kind == SpanKind::Server
                && span.status.is_error()),
            "{service} fails"
        );
    }
    let auth = trace.spans.iter().find(|span| span.service == "auth").expect("auth");
    assert!(!auth.status.is_error());
}

#[test]
fn limits_stop_runaway_scenarios_with_clear_errors() {
    let scenario = builtins::load("netflix-fanout").expect("built-in");
    let tight = Limits { max_spans_per_request: 50, ..Limits::default() };
    let error = Simulation::with_limits(&scenario, tight).expect("compiles").simulate_one(1).unwrap_err();
    assert_eq!(error, SimError::TooManySpans { request: 0, limit: 50 });
    assert!(error.to_string().contains("max_spans_per_request"));

    let shallow = Limits { max_call_depth: 2, ..Limits::default() };
    let error = Simulation::with_limits(&builtins::load("try-it").expect("built-in"), shallow).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("gateway/GET /api/orders/{id} → orders/GET /orders/{id} → database/SELECT orders"),
        "{error}"
    );

    let few = Limits { max_requests: 10, ..Limits::default() };
    let error = Simulation::with_limits(&scenario, few).expect("compiles").run(1, 11, |_| {}).unwrap_err();
    assert!(matches!(error, SimError::TooManyRequests { requested: 11, limit: 10 }));
}

#[test]
fn streaming_runs_hand_over_every_request_in_order_of_completion() {
    let scenario = builtins::load("try-it").expect("built-in");
    let simulation = Simulation::new(&scenario).expect("compiles");
    let mut seen = Vec::new();
    let summary = simulation.run(9, 200, |trace| seen.push(trace.request)).expect("runs");
    assert_eq!(summary.requests, 200);
    assert_eq!(summary.spans, 200 * 7);
    seen.sort_unstable();
    assert_eq!(seen, (0..200).collect::<Vec<_>>());
}

/// A unified diff of a golden file against what was produced (`-` golden, `+` now), cut after
/// 120 lines.
fn golden_diff(expected: &str, actual: &str) -> String {
    let diff = similar::TextDiff::from_lines(expected, actual);
    let text = diff.unified_diff().context_radius(3).header("golden", "now").to_string();
    let mut lines: Vec<&str> = text.lines().take(121).collect();
    if lines.len() > 120 {
        lines[120] = "… (diff cut after 120 lines)";
    }
    lines.join("\n")
}

/// Golden traces: regenerate with `UPDATE_GOLDEN=1 cargo test -p reqflow-tests --test simulation`.
#[test]
fn golden_traces_match() {
    let golden_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("golden");
    // With the fingerprint `reqflow run --builtin NAME --seed SEED` prints for each (pinned: the
    // page shows it too, and people compare it across versions).
    let goldens = [
        ("try-it", 42, "186fcd02e5ab82b9"),
        ("clock-skew", 7, "2b53680e21829998"),
        ("broken-propagation", 3, "c8845ed73c298a03"),
        ("db-pool", 1, "17805c5b3e151992"),
    ];
    for (name, seed, expected_fingerprint) in goldens {
        let traces = vec![simulate(name, seed)];
        let actual = serde_json::to_string_pretty(&traces).expect("serialises") + "\n";
        let path = golden_dir.join(format!("{name}-seed{seed}.json"));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&path, &actual).expect("write golden");
            continue;
        }
        let expected = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
        assert!(
            expected == actual,
            "{name} seed {seed} differs from {} (UPDATE_GOLDEN=1 regenerates; a golden file \
             changes only in a commit that says why):\n{}",
            path.display(),
            golden_diff(&expected, &actual)
        );
        assert_eq!(fingerprint(&traces), expected_fingerprint, "{name} seed {seed}: the fingerprint changed");
    }
}

#[test]
fn aggregate_runs_simulate_exactly_what_full_runs_do() {
    for name in builtins::names() {
        let simulation = Simulation::new(&builtins::load(name).expect("built-in")).expect("compiles");
        let full = simulation.run(4, 50, drop).expect("runs");
        let aggregates = simulation.run_aggregates(4, 50).expect("runs");
        assert_eq!(full, aggregates, "{name}");
        assert_eq!(aggregates.requests, 50);
        assert!(aggregates.latency.quantile_ns(0.5) > 0);
    }
}
