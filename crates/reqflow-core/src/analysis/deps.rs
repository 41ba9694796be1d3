//! The service dependency graph: who calls whom, how often, and how often it failed.
//!
//! An edge `caller → callee` is counted for every span whose parent belongs to another service
//! (the way Jaeger derives dependencies): with instrumented clients and servers that is the
//! client span of the caller and the server span of the callee; for a queue, the producer and
//! the consumer. A call counts as an error when the callee's span has error status, or when the
//! parent is the caller's client span and it has error status (a timeout seen only by the
//! client). A service that records no spans is invisible: its caller appears to call its callees
//! directly.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{TraceTree, assemble, service_numbers};
use crate::trace::{Span, SpanKind};

/// Calls from one service to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyEdge {
    pub caller: String,
    pub callee: String,
    pub calls: u64,
    /// Calls that failed.
    pub errors: u64,
}

/// Services and the calls between them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DependencyGraph {
    /// Every service seen, by name (also those without edges).
    pub services: Vec<String>,
    /// By caller, then callee.
    pub edges: Vec<DependencyEdge>,
}

impl DependencyGraph {
    /// The edge from `caller` to `callee`, if any call was seen.
    pub fn edge(&self, caller: &str, callee: &str) -> Option<&DependencyEdge> {
        self.edges
            .binary_search_by(|edge| (edge.caller.as_str(), edge.callee.as_str()).cmp(&(caller, callee)))
            .ok()
            .map(|position| &self.edges[position])
    }

    /// Adds another graph's services and counts to this one.
    pub fn merge(&mut self, other: &DependencyGraph) {
        let mut counter = Counter::default();
        counter.add_graph(self);
        counter.add_graph(other);
        *self = counter.finish();
    }
}

#[derive(Default)]
struct Counter {
    services: BTreeSet<String>,
    edges: BTreeMap<String, BTreeMap<String, (u64, u64)>>,
}

impl Counter {
    fn count(&mut self, caller: &str, callee: &str, calls: u64, errors: u64) {
        let by_callee = match self.edges.get_mut(caller) {
            Some(by_callee) => by_callee,
            None => self.edges.entry(caller.to_owned()).or_default(),
        };
        let counts = match by_callee.get_mut(callee) {
            Some(counts) => counts,
            None => by_callee.entry(callee.to_owned()).or_default(),
        };
        counts.0 += calls;
        counts.1 += errors;
    }

    fn add_service(&mut self, service: &str) {
        if !self.services.contains(service) {
            self.services.insert(service.to_owned());
        }
    }

    fn add_trace(&mut self, spans: &[Span], tree: &TraceTree) {
        let (numbers, names) = service_numbers(spans);
        let mut pairs: BTreeMap<(u32, u32), (u64, u64)> = BTreeMap::new();
        for (span, span_idx) in spans.iter().zip(0u32..) {
            let Some(parent_idx) = tree.parent(span_idx) else {
                continue;
            };
            let caller = numbers[parent_idx as usize];
            let callee = numbers[span_idx as usize];
            if caller == callee {
                continue;
            }
            let parent = &spans[parent_idx as usize];
            let failed =
                span.status.is_error() || (parent.kind == SpanKind::Client && parent.status.is_error());
            let counts = pairs.entry((caller, callee)).or_default();
            counts.0 += 1;
            counts.1 += u64::from(failed);
        }
        for name in &names {
            self.add_service(name);
        }
        for ((caller, callee), (calls, errors)) in pairs {
            self.count(names[caller as usize], names[callee as usize], calls, errors);
        }
    }

    fn add_graph(&mut self, graph: &DependencyGraph) {
        for service in &graph.services {
            self.add_service(service);
        }
        for edge in &graph.edges {
            self.count(&edge.caller, &edge.callee, edge.calls, edge.errors);
        }
    }

    fn finish(self) -> DependencyGraph {
        let edges = self
            .edges
            .into_iter()
            .flat_map(|(caller, by_callee)| {
                by_callee.into_iter().map(move |(callee, (calls, errors))| DependencyEdge {
                    caller: caller.clone(),
                    callee,
                    calls,
                    errors,
                })
            })
            .collect();
        DependencyGraph { services: self.services.into_iter().collect(), edges }
    }
}

/// The dependency graph of one trace; `tree` must have been assembled from `spans`.
pub fn dependencies(spans: &[Span], tree: &TraceTree) -> DependencyGraph {
    assert_eq!(tree.len(), spans.len(), "the tree was built from these spans");
    let mut counter = Counter::default();
    counter.add_trace(spans, tree);
    counter.finish()
}

/// The distinct (caller, callee) pairs of one trace's tree, as service numbers (`numbers`: one
/// per span, as [`service_numbers`] gives them), sorted: a span under a span of another service
/// is a call between them. The edges of [`dependencies`] without the counting, for views that
/// draw the services of a 100,000-span trace. Neighbouring spans mostly repeat the pair just
/// seen, so few reach the set.
pub fn service_calls(tree: &TraceTree, numbers: &[u32]) -> Vec<(u32, u32)> {
    let mut calls = BTreeSet::new();
    let mut last = None;
    for (span_idx, &callee) in (0u32..).zip(numbers) {
        let Some(parent) = tree.parent(span_idx) else { continue };
        let caller = numbers[parent as usize];
        if caller != callee && last != Some((caller, callee)) {
            last = Some((caller, callee));
            calls.insert((caller, callee));
        }
    }
    calls.into_iter().collect()
}

/// The dependency graph of many traces (each assembled on its own), e.g.
/// `dependencies_of_traces(run.iter().map(|trace| trace.spans.as_slice()))`.
pub fn dependencies_of_traces<'a>(traces: impl IntoIterator<Item = &'a [Span]>) -> DependencyGraph {
    let mut counter = Counter::default();
    for spans in traces {
        counter.add_trace(spans, &assemble(spans));
    }
    counter.finish()
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    fn render(graph: &DependencyGraph) -> Vec<String> {
        graph
            .edges
            .iter()
            .map(|edge| {
                format!("{} -> {} {} calls {} errors", edge.caller, edge.callee, edge.calls, edge.errors)
            })
            .collect()
    }

    #[test]
    fn service_calls_are_the_edges_without_counts() {
        for (name, seed) in
            [("try-it", 1), ("broken-propagation", 2), ("netflix-fanout", 3), ("async-queue", 1)]
        {
            let trace = simulate(name, seed);
            let tree = assemble(&trace.spans);
            let (numbers, names) = service_numbers(&trace.spans);
            let calls: Vec<(&str, &str)> = service_calls(&tree, &numbers)
                .into_iter()
                .map(|(caller, callee)| (names[caller as usize], names[callee as usize]))
                .collect();
            let mut sorted = calls.clone();
            sorted.sort();
            let edges = dependencies(&trace.spans, &tree);
            let expected: Vec<(&str, &str)> =
                edges.edges.iter().map(|edge| (edge.caller.as_str(), edge.callee.as_str())).collect();
            assert_eq!(sorted, expected, "{name}");
            assert!(!calls.is_empty(), "{name}");
        }
    }

    #[test]
    fn try_it_has_three_edges() {
        let trace = simulate("try-it", 5);
        let graph = dependencies(&trace.spans, &assemble(&trace.spans));
        assert_eq!(graph.services, ["auth", "database", "gateway", "orders"]);
        assert_eq!(
            render(&graph),
            [
                "gateway -> auth 1 calls 0 errors",
                "gateway -> orders 1 calls 0 errors",
                "orders -> database 1 calls 0 errors",
            ]
        );
    }

    #[test]
    fn failed_calls_count_as_errors_on_either_side() {
        let spans = [
            span(1, "gateway", 0, 100).kind(SpanKind::Server).build(),
            span(2, "gateway", 10, 20).kind(SpanKind::Client).parent(1).error().build(),
            span(3, "auth", 11, 30).kind(SpanKind::Server).parent(2).build(),
            span(4, "gateway", 30, 40).kind(SpanKind::Client).parent(1).build(),
            span(5, "auth", 31, 39).kind(SpanKind::Server).parent(4).error().build(),
            span(6, "gateway", 50, 60).error().parent(1).build(),
            span(7, "mailer", 61, 70).kind(SpanKind::Consumer).parent(6).build(),
            span(8, "cache", 5, 6).parent(99).build(),
        ];
        let graph = dependencies(&spans, &assemble(&spans));
        assert_eq!(
            render(&graph),
            ["gateway -> auth 2 calls 2 errors", "gateway -> mailer 1 calls 0 errors",]
        );
        assert_eq!(graph.services, ["auth", "cache", "gateway", "mailer"]);
        assert_eq!(graph.edge("gateway", "auth").map(|edge| edge.calls), Some(2));
        assert_eq!(graph.edge("auth", "gateway"), None);
    }

    #[test]
    fn graphs_of_many_traces_add_up() {
        let scenario = crate::builtins::load("try-it").expect("built-in");
        let traces = crate::Simulation::new(&scenario).expect("compiles").run_collect(7, 10).expect("runs");
        let graph = dependencies_of_traces(traces.iter().map(|trace| trace.spans.as_slice()));
        assert_eq!(
            render(&graph),
            [
                "gateway -> auth 10 calls 0 errors",
                "gateway -> orders 10 calls 0 errors",
                "orders -> database 10 calls 0 errors",
            ]
        );
        let mut merged = dependencies_of_traces([traces[0].spans.as_slice()]);
        merged.merge(&dependencies_of_traces(traces[1..].iter().map(|trace| trace.spans.as_slice())));
        assert_eq!(merged, graph);
    }
}
