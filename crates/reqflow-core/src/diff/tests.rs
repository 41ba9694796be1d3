use super::*;
use crate::analysis::{TimeBasis, analyze};
use crate::knobs::Knobs;
use crate::{RequestTrace, Simulation, builtins};

fn run(name: &str, knobs: &str, seed: u64) -> (RequestTrace, TraceAnalysis) {
    let base = builtins::load(name).expect("built in");
    let scenario = Knobs::parse(knobs, &base).expect("knobs").apply(&base);
    let trace = Simulation::new(&scenario).expect("compiles").simulate_one(seed).expect("runs");
    let analysis = analyze(&trace.spans, TimeBasis::Adjusted);
    (trace, analysis)
}

fn side<'a>(run: &'a (RequestTrace, TraceAnalysis)) -> Side<'a> {
    Side { spans: &run.0.spans, analysis: &run.1, end_to_end_ns: run.0.end_ns - run.0.start_ns }
}

#[test]
fn a_run_compared_with_itself_is_empty() {
    for name in builtins::names() {
        let a = run(name, "", 3);
        let diff = diff(side(&a), side(&a));
        assert!(diff.is_empty(), "{name}: {:?}", diff.summary());
        assert_eq!(diff.matched.len(), a.0.spans.len(), "{name}: every span matched");
        assert!(diff.changed().is_empty());
    }
}

#[test]
fn the_same_system_matches_every_span_across_seeds_and_knobs() {
    let cases = [
        ("try-it", "database.latency=fixed:50"),
        ("n-plus-one", "database.latency=fixed:5"),
        ("db-pool", "database.latency=fixed:50"),
        ("netflix-fanout", "api.skew=-40"),
        ("payment-gateway", "ledger.latency=fixed:50,payments.skew=30"),
    ];
    for (name, knobs) in cases {
        let a = run(name, "", 1);
        for (seed, knobs) in [(2, ""), (3, ""), (1, knobs), (9, knobs)] {
            let b = run(name, knobs, seed);
            let diff = diff(side(&a), side(&b));
            assert_eq!(
                diff.matched.len(),
                a.0.spans.len(),
                "{name} seed {seed} {knobs}: {:?}",
                diff.summary()
            );
            assert!(
                diff.added.is_empty() && diff.removed.is_empty(),
                "{name} seed {seed}: {:?} {:?}",
                diff.added,
                diff.removed
            );
        }
    }
}

#[test]
fn an_added_call_is_exactly_the_spans_added() {
    let a = run("n-plus-one", "", 1);
    let b = run("n-plus-one", "orders.fanout=2", 1);
    let diff = diff(side(&a), side(&b));
    assert_eq!(diff.removed, []);
    assert_eq!(diff.matched.len(), a.0.spans.len());
    assert_eq!(diff.added.len(), b.0.spans.len() - a.0.spans.len());
    // The twelve extra item queries, each a client span and the database's server span.
    assert_eq!(diff.added.len(), 24);
    for (_, path) in &diff.added {
        let (_, after) = path.split_once(" #").unwrap_or_else(|| panic!("no occurrence number in {path}"));
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        let occurrence: u32 = digits.parse().expect("a number");
        assert!((13..=24).contains(&occurrence), "{path}");
        assert!(path.contains("SELECT order_items"), "{path}");
    }
    // And the reverse comparison removes them.
    let back = super::diff(side(&b), side(&a));
    assert_eq!(back.removed.len(), 24);
    assert!(back.added.is_empty());
}

#[test]
fn a_faster_database_shows_in_its_span_the_end_to_end_and_the_bottleneck() {
    let a = run("try-it", "database.latency=fixed:300", 4);
    let b = run("try-it", "database.latency=fixed:10", 4);
    let diff = diff(side(&a), side(&b));
    let database = diff
        .changed()
        .into_iter()
        .find(|change| change.path.ends_with("database SELECT orders"))
        .expect("db changed");
    assert_eq!(database.duration_delta_ns, -290_000_000);
    assert_eq!(
        diff.end_to_end_b_ns - diff.end_to_end_a_ns,
        -290_000_000,
        "the query is on the critical path"
    );
    assert!(diff.bottleneck_a.starts_with("database"), "{}", diff.bottleneck_a);
    assert!(!diff.bottleneck_b.starts_with("database"), "{}", diff.bottleneck_b);
    let summary = diff.summary();
    assert_eq!(
        summary[0],
        format!(
            "End to end: {} → {} (-290 ms).",
            format_duration(diff.end_to_end_a_ns),
            format_duration(diff.end_to_end_b_ns)
        )
    );
    assert!(summary.iter().any(|line| line.starts_with("Bottleneck before: database")), "{summary:?}");
}

#[test]
fn signed_durations_read_naturally() {
    assert_eq!(signed_duration(0), "±0");
    assert_eq!(signed_duration(12_500_000), "+12.5 ms");
    assert_eq!(signed_duration(-3_000_000), "-3 ms");
}
