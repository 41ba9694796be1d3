//! Trace analysis on simulated traces: assembly, critical path, clock skew, fragments and
//! dependencies, end to end through the public API.

use reqflow_core::analysis::{
    Interval, ShiftKind, TimeBasis, WarningKind, analyze, assemble, dependencies_of_traces, group_by_trace,
};
use reqflow_core::{RequestTrace, Scenario, Simulation, SpanKind, builtins};

fn simulate(scenario: &Scenario, seed: u64) -> RequestTrace {
    Simulation::new(scenario).expect("scenario compiles").simulate_one(seed).expect("simulation runs")
}

fn try_it() -> Scenario {
    builtins::load("try-it").expect("built-in try-it")
}

/// A shop publishes a message; the mailer consumes it 50 ms later, long after the shop replied.
const QUEUE: &str = r#"
name = "queue"
entry = { service = "shop", operation = "POST /orders" }

[[services]]
name = "shop"
host = "shop-1"

[[services.operations]]
name = "POST /orders"
latency = { fixed = 10.0 }
steps = [
  { publish = { queue = "orders", consumer = { service = "mailer", operation = "send mail" }, queue_delay = { fixed = 50.0 } } },
]

[[services]]
name = "mailer"
host = "mailer-1"

[[services.operations]]
name = "send mail"
latency = { fixed = 30.0 }
"#;

#[test]
fn try_it_traces_assemble_cleanly_and_the_database_is_the_bottleneck() {
    let scenario = try_it();
    for seed in 0..40 {
        let trace = simulate(&scenario, seed);
        let analysis = analyze(&trace.spans, TimeBasis::Adjusted);
        assert!(analysis.warnings().is_empty(), "seed {seed}: {:?}", analysis.warnings());
        assert_eq!(analysis.tree.preorder().len(), trace.spans.len());
        assert_eq!(analysis.skew.n_shifted(), 0, "seed {seed}: no skew injected");

        let path = &analysis.critical_path;
        let root = path.root.expect("a root") as usize;
        assert_eq!(trace.spans[root].service, "gateway");
        assert_eq!(path.total_ns, trace.spans[root].duration_ns());
        let covered: i64 = path.segments.iter().map(|s| s.duration_ns()).sum();
        assert_eq!(covered, path.total_ns, "seed {seed}: segments tile the root");
        for pair in path.segments.windows(2) {
            assert_eq!(pair[0].end_ns, pair[1].start_ns, "seed {seed}: contiguous");
        }

        let sentence = analysis.bottleneck_sentence();
        assert!(sentence.starts_with("database: "), "seed {seed}: {sentence}");
        assert!(sentence.ends_with("on the critical path, in `SELECT orders`"), "seed {seed}: {sentence}");
        let shares: i64 = analysis.services.iter().map(|s| s.critical_ns).sum();
        assert_eq!(shares, path.total_ns);
        for (span_idx, span) in trace.spans.iter().enumerate() {
            assert!(analysis.self_ns[span_idx] >= 0 && analysis.self_ns[span_idx] <= span.duration_ns());
            // Synchronous calls: every simulated span of try-it is on the critical path.
            assert!(analysis.is_on_critical_path(span_idx as u32), "seed {seed}");
        }
    }
}

#[test]
fn auth_40_ms_behind_is_flagged_and_adjusted_without_touching_raw_times() {
    let mut scenario = try_it();
    scenario.service_mut("auth").expect("auth").clock.offset_ms = -40.0;
    for seed in 0..20 {
        let trace = simulate(&scenario, seed);
        let raw = trace.spans.clone();
        let analysis = analyze(&trace.spans, TimeBasis::Adjusted);
        assert_eq!(trace.spans, raw);
        for warning in analysis.warnings() {
            assert_eq!(warning.kind, WarningKind::ClockSkew, "seed {seed}: {warning:?}");
            assert_eq!(trace.spans[warning.span as usize].service, "auth");
        }
        let auth = trace.spans.iter().position(|span| span.service == "auth").expect("auth span") as u32;
        assert_eq!(analysis.warnings_for(auth).len(), 1, "seed {seed}");
        let shift = &analysis.skew.spans[auth as usize];
        assert_eq!(shift.kind, ShiftKind::Centered);
        assert_eq!(shift.raw, Interval::of(&trace.spans[auth as usize]));
        let parent = analysis.tree.parent(auth).expect("parent") as usize;
        assert!(analysis.skew.spans[parent].adjusted.contains(shift.adjusted), "seed {seed}");
        assert!(
            shift.reason.as_deref().is_some_and(|reason| reason.starts_with("auth-1's clock appears")),
            "seed {seed}: {shift:?}"
        );
        // Adjusted times are what the critical path reads: the skew changes nothing there.
        assert!(analysis.bottleneck_sentence().starts_with("database: "));
        assert!(analysis.is_on_critical_path(auth));
    }
}

#[test]
fn a_queue_consumer_is_neither_skew_nor_blocking() {
    let scenario = Scenario::from_toml(QUEUE, "queue.toml").expect("parses");
    let trace = simulate(&scenario, 1);
    let consumer =
        trace.spans.iter().position(|span| span.kind == SpanKind::Consumer).expect("a consumer span");
    let producer = analysis_parent(&trace, consumer);
    assert_eq!(trace.spans[producer].kind, SpanKind::Producer);
    assert!(trace.spans[consumer].start_ns > trace.spans[producer].end_ns);

    let analysis = analyze(&trace.spans, TimeBasis::Adjusted);
    assert!(analysis.warnings().is_empty(), "{:?}", analysis.warnings());
    assert_eq!(analysis.skew.spans[consumer].shift_ns, 0);
    assert!(!analysis.is_on_critical_path(consumer as u32));
    assert_eq!(analysis.critical_path.total_ns, trace.spans[0].duration_ns());
    let graph = dependencies_of_traces([trace.spans.as_slice()]);
    assert_eq!(graph.edge("shop", "mailer").map(|edge| edge.calls), Some(1));
}

fn analysis_parent(trace: &RequestTrace, span_idx: usize) -> usize {
    assemble(&trace.spans).parent(span_idx as u32).expect("has a parent") as usize
}

#[test]
fn lost_context_splits_the_request_into_fragments() {
    let mut scenario = try_it();
    scenario.service_mut("orders").expect("orders").propagates = false;
    let trace = simulate(&scenario, 3);
    let groups = group_by_trace(&trace.spans);
    assert_eq!(groups.traces.len(), 2);
    assert_eq!(groups.warnings.len(), 1);
    let warning = &groups.warnings[0];
    assert_eq!(warning.kind, WarningKind::Fragment);
    assert!(warning.message.starts_with("1 span became a separate trace"), "{}", warning.message);
    assert_eq!(trace.spans[warning.span as usize].service, "database");
    let n_grouped: usize = groups.traces.iter().map(|group| group.spans.len()).sum();
    assert_eq!(n_grouped, trace.spans.len());

    // The main trace no longer sees the database: its client span is the bottleneck now.
    let main = groups.traces[0].collect(&trace.spans);
    let analysis = analyze(&main, TimeBasis::Adjusted);
    assert!(analysis.warnings().is_empty(), "{:?}", analysis.warnings());
    let bottleneck = analysis.bottleneck.expect("a bottleneck");
    assert_eq!(bottleneck.service, "orders");
    assert_eq!(bottleneck.operation, "SELECT orders");
}

#[test]
fn the_dependency_graph_of_a_run_counts_every_call() {
    let traces = Simulation::new(&try_it()).expect("compiles").run_collect(11, 25).expect("runs");
    let graph = dependencies_of_traces(traces.iter().map(|trace| trace.spans.as_slice()));
    let edges: Vec<(&str, &str, u64, u64)> = graph
        .edges
        .iter()
        .map(|edge| (edge.caller.as_str(), edge.callee.as_str(), edge.calls, edge.errors))
        .collect();
    assert_eq!(
        edges,
        [("gateway", "auth", 25, 0), ("gateway", "orders", 25, 0), ("orders", "database", 25, 0),]
    );
}

#[test]
fn analysis_is_deterministic_and_serializable() {
    let mut scenario = try_it();
    scenario.service_mut("auth").expect("auth").clock.offset_ms = 25.0;
    let trace = simulate(&scenario, 9);
    let first = analyze(&trace.spans, TimeBasis::Adjusted);
    let second = analyze(&trace.spans, TimeBasis::Adjusted);
    assert_eq!(first, second);
    let json = serde_json::to_string(&first).expect("serializes");
    assert_eq!(json, serde_json::to_string(&second).expect("serializes"));
    assert!(json.contains("\"basis\":\"adjusted\""));
    // auth's clock runs ahead here: it gets shifted back.
    let auth = trace.spans.iter().position(|span| span.service == "auth").expect("auth span");
    assert!(first.skew.spans[auth].shift_ns < 0);
    assert!(
        first.skew.spans[auth].reason.as_deref().is_some_and(|reason| reason.contains("ahead of edge-1's"))
    );
}

#[test]
fn a_shuffled_big_trace_keeps_every_span_and_its_shape() {
    // A run's spans, re-labelled into one 50-request-deep trace, shuffled deterministically.
    let traces = Simulation::new(&try_it()).expect("compiles").run_collect(5, 300).expect("runs");
    let mut spans: Vec<_> = traces.iter().flat_map(|trace| trace.spans.clone()).collect();
    let trace_id = spans[0].trace_id;
    for span in &mut spans {
        span.trace_id = trace_id;
    }
    let n_spans = spans.len();
    // A fixed permutation: stride through the spans with a step coprime to their count.
    let step = (1..n_spans).rev().find(|step| gcd(*step, n_spans) == 1).unwrap_or(1);
    let shuffled: Vec<_> = (0..n_spans).map(|i| spans[(i * step) % n_spans].clone()).collect();
    let analysis = analyze(&shuffled, TimeBasis::Adjusted);
    assert_eq!(analysis.tree.preorder().len(), n_spans);
    assert_eq!(analysis.tree.roots().len(), 300);
    let multiple_roots =
        analysis.warnings().iter().filter(|warning| warning.kind == WarningKind::MultipleRoots).count();
    assert_eq!(multiple_roots, 299);
    assert_eq!(analysis.warnings().len(), 299);
    let root = analysis.critical_path.root.expect("root") as usize;
    assert_eq!(shuffled[root].span_id, traces[0].spans[0].span_id);
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}
