//! The service diagram's graph: which services there are, which call which, and where each one
//! sits (a column per call depth from the entry, rows in scenario order). From the scenario for
//! simulated traces, so services that record no spans appear too; from the spans' parent links
//! for imported traces.

use std::collections::BTreeMap;

use super::trace::TraceView;
use crate::scenario::Scenario;

/// One service in the diagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceNode {
    pub name: String,
    /// Records spans.
    pub instrumented: bool,
    /// Forwards `traceparent` on its calls.
    pub propagates: bool,
    /// Its pool size (0: unbounded).
    pub concurrency: u32,
    /// Call depth from the entry service; services it never reaches are in column 0.
    pub column: u32,
    /// Place in its column, in the order services are listed.
    pub row: u32,
}

/// Services and the calls between them (indices into `nodes`, each pair once, no self-calls).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceGraph {
    pub nodes: Vec<ServiceNode>,
    pub edges: Vec<(usize, usize)>,
}

impl ServiceGraph {
    /// The scenario's own graph, before any run: every service and every call it declares.
    pub fn of_scenario(scenario: &Scenario) -> ServiceGraph {
        let mut nodes = Vec::new();
        let mut calls = Vec::new();
        for service in &scenario.services {
            nodes.push(node(&service.name, service.instrumented, service.propagates, service.concurrency));
            for operation in &service.operations {
                for step in &operation.steps {
                    step.for_each_target(&mut |target, _| {
                        calls.push((service.name.clone(), target.to_owned()))
                    });
                }
            }
        }
        ServiceGraph::place(nodes, calls, Some(&scenario.entry.service))
    }

    /// The graph a trace shows: its services (all counted as traced) and the calls its parent
    /// links make between them, from the service of the first span in tree order.
    pub fn of_trace(trace: &TraceView) -> ServiceGraph {
        let nodes = trace.services.iter().map(|name| node(name, true, true, 0)).collect();
        let calls = trace
            .service_calls
            .iter()
            .map(|&(caller, callee)| (trace.services[caller].clone(), trace.services[callee].clone()))
            .collect();
        let entry = trace.order.first().map(|&root| trace.spans[root as usize].service.to_string());
        ServiceGraph::place(nodes, calls, entry.as_deref())
    }

    /// The node named `name`.
    pub fn node(&self, name: &str) -> Option<&ServiceNode> {
        self.nodes.iter().find(|node| node.name == name)
    }

    /// Edges from the named calls, and each node's column (breadth-first from `entry`) and row.
    fn place(
        mut nodes: Vec<ServiceNode>,
        mut calls: Vec<(String, String)>,
        entry: Option<&str>,
    ) -> ServiceGraph {
        calls.sort();
        calls.dedup();
        calls.retain(|(from, to)| from != to);
        let index: BTreeMap<&str, usize> =
            nodes.iter().enumerate().map(|(idx, node)| (node.name.as_str(), idx)).collect();
        let edges: Vec<(usize, usize)> = calls
            .iter()
            .filter_map(|(from, to)| Some((*index.get(from.as_str())?, *index.get(to.as_str())?)))
            .collect();
        let mut depth = vec![None; nodes.len()];
        if let Some(&entry) = entry.and_then(|entry| index.get(entry)) {
            depth[entry] = Some(0);
            let mut frontier = vec![entry];
            while !frontier.is_empty() {
                let mut next = Vec::new();
                for &from_node in &frontier {
                    for &(from, to) in &edges {
                        if from == from_node && depth[to].is_none() {
                            depth[to] = depth[from_node].map(|depth: u32| depth + 1);
                            next.push(to);
                        }
                    }
                }
                frontier = next;
            }
        }
        let mut rows_in_column: BTreeMap<u32, u32> = BTreeMap::new();
        for (node, depth) in nodes.iter_mut().zip(depth) {
            node.column = depth.unwrap_or(0);
            let row = rows_in_column.entry(node.column).or_default();
            node.row = *row;
            *row += 1;
        }
        ServiceGraph { nodes, edges }
    }
}

fn node(name: &str, instrumented: bool, propagates: bool, concurrency: u32) -> ServiceNode {
    ServiceNode { name: name.to_owned(), instrumented, propagates, concurrency, column: 0, row: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::TimeBasis;
    use crate::{Simulation, builtins};

    fn places(graph: &ServiceGraph) -> Vec<(&str, u32, u32)> {
        graph.nodes.iter().map(|node| (node.name.as_str(), node.column, node.row)).collect()
    }

    fn edges(graph: &ServiceGraph) -> Vec<(&str, &str)> {
        graph
            .edges
            .iter()
            .map(|&(from, to)| (graph.nodes[from].name.as_str(), graph.nodes[to].name.as_str()))
            .collect()
    }

    #[test]
    fn the_try_it_scenario_is_laid_out_by_call_depth() {
        let graph = ServiceGraph::of_scenario(&builtins::load("try-it").expect("built-in"));
        assert_eq!(places(&graph), [("gateway", 0, 0), ("auth", 1, 0), ("orders", 1, 1), ("database", 2, 0)]);
        assert_eq!(edges(&graph), [("gateway", "auth"), ("gateway", "orders"), ("orders", "database")]);
    }

    #[test]
    fn an_untraced_service_is_in_the_scenario_graph_but_not_in_the_trace_graph() {
        let scenario = builtins::load("broken-propagation").expect("built-in");
        let from_scenario = ServiceGraph::of_scenario(&scenario);
        let orders = from_scenario.node("orders").expect("orders is declared");
        assert!(!orders.instrumented && !orders.propagates, "{orders:?}");
        let trace = Simulation::new(&scenario).expect("compiles").simulate_one(2).expect("runs");
        let view = TraceView::new(trace.spans, TimeBasis::Adjusted, None);
        let from_trace = ServiceGraph::of_trace(&view);
        assert!(from_trace.nodes.iter().all(|node| node.instrumented), "a trace only knows traced services");
        assert_eq!(from_trace.node("gateway").map(|node| node.column), Some(0));
    }

    #[test]
    fn a_service_nobody_calls_goes_in_the_first_column_below_the_entry() {
        let mut scenario = builtins::load("try-it").expect("built-in");
        let mut lonely = scenario.services[1].clone();
        lonely.name = "lonely".into();
        scenario.services.push(lonely);
        let graph = ServiceGraph::of_scenario(&scenario);
        let lonely = graph.node("lonely").expect("listed");
        assert_eq!((lonely.column, lonely.row), (0, 1));
    }
}
