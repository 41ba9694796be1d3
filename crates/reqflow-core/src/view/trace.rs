//! A trace prepared for display: its spans, the analysis, and the indexes the waterfall needs
//! (tree order, subtree sizes, service colours), search, replay moments, and sentences about lost
//! context. Built once per trace.

use std::cell::OnceCell;
use std::collections::BTreeSet;

use crate::analysis::{
    SkewLimit, TimeBasis, TraceAnalysis, TraceGroups, WarningKind, analyze_with, group_by_trace,
    service_calls, service_numbers,
};
use crate::replay::Replay;
use crate::scenario::Scenario;
use crate::trace::{AttributeValue, Span};
use crate::waterfall::format_duration;

/// How many colours services cycle through (the page's palette has this many).
pub const N_COLOURS: usize = 8;

#[derive(Debug, PartialEq)]
pub struct TraceView {
    pub spans: Vec<Span>,
    pub analysis: TraceAnalysis,
    /// Spans in tree order (the analysis' preorder).
    pub order: Vec<u32>,
    /// For each span, how many spans its subtree holds after it in `order`.
    pub subtree_len: Vec<u32>,
    /// Service names in colour order.
    pub services: Vec<String>,
    /// How many of them recorded spans.
    pub n_services: usize,
    /// Colour index per span (below [`N_COLOURS`]).
    pub colour: Vec<u8>,
    /// Earliest start and latest end over the times the analysis used.
    pub start_ns: i64,
    pub end_ns: i64,
    /// Sentences about lost context: "orders did not forward traceparent: 3 spans became a
    /// separate trace".
    pub fragments: Vec<String>,
    /// Number of distinct trace ids.
    pub n_traces: usize,
    /// The first span of every trace after the first: where a fragment begins.
    pub fragment_roots: BTreeSet<u32>,
    /// The replay in true time (hops, queued / waiting / working per span), built on first use:
    /// a 100,000-span trace should not pay for it before anyone presses Play.
    replay: OnceCell<Replay>,
    /// Every moment something starts or ends, sorted (the replay's steps); built on first use.
    moments: OnceCell<Vec<i64>>,
    /// Which services call which (indices into `services`, each pair once): a span under a span
    /// of another service is a call from that service to its own.
    pub service_calls: Vec<(usize, usize)>,
    /// For imported traces, each span's parent as the import found it: analysing again (another
    /// time basis) starts from these instead of matching the ids again.
    parents: Option<Vec<Option<u32>>>,
    /// The clock-skew adjuster's maximum adjustment this view was analysed with.
    pub skew_limit: SkewLimit,
}

impl TraceView {
    /// Analyses `spans`; `scenario` (for simulated traces) explains fragments in words.
    pub fn new(spans: Vec<Span>, basis: TimeBasis, scenario: Option<&Scenario>) -> TraceView {
        TraceView::build(spans, None, basis, SkewLimit::NONE, scenario)
    }

    /// Analyses imported spans with the parents their import found (`Imported::parents`).
    pub fn imported(
        spans: Vec<Span>,
        parents: Vec<Option<u32>>,
        basis: TimeBasis,
        skew_limit: SkewLimit,
    ) -> TraceView {
        TraceView::build(spans, Some(parents), basis, skew_limit, None)
    }

    /// The same spans analysed on another time basis or with another maximum skew adjustment.
    pub fn with_settings(
        &self,
        basis: TimeBasis,
        skew_limit: SkewLimit,
        scenario: Option<&Scenario>,
    ) -> TraceView {
        TraceView::build(self.spans.clone(), self.parents.clone(), basis, skew_limit, scenario)
    }

    /// The same spans analysed on another time basis.
    pub fn with_basis(&self, basis: TimeBasis, scenario: Option<&Scenario>) -> TraceView {
        self.with_settings(basis, self.skew_limit, scenario)
    }

    fn build(
        spans: Vec<Span>,
        parents: Option<Vec<Option<u32>>>,
        basis: TimeBasis,
        skew_limit: SkewLimit,
        scenario: Option<&Scenario>,
    ) -> TraceView {
        let analysis = analyze_with(&spans, parents.as_deref(), basis, skew_limit);
        let order = analysis.tree.preorder().to_vec();
        let mut subtree_len = vec![0u32; spans.len()];
        // Walk the preorder backwards: a span's subtree is itself plus its children's subtrees.
        for &span_idx in order.iter().rev() {
            let size: u32 =
                analysis.tree.children(span_idx).iter().map(|&child| subtree_len[child as usize] + 1).sum();
            subtree_len[span_idx as usize] = size;
        }
        let mut services: Vec<String> = Vec::new();
        if let Some(scenario) = scenario {
            services.extend(scenario.services.iter().map(|service| service.name.clone()));
        }
        // Colour index per span: the scenario's services in order, then the others as they
        // first appear; each distinct name is looked up once.
        let (numbers, names) = service_numbers(&spans);
        let slots: Vec<usize> = names
            .iter()
            .map(|name| match services.iter().position(|known| known == name) {
                Some(slot) => slot,
                None => {
                    services.push((*name).to_owned());
                    services.len() - 1
                }
            })
            .collect();
        let colour = numbers.iter().map(|&number| (slots[number as usize] % N_COLOURS) as u8).collect();
        let service_calls = service_calls(&analysis.tree, &numbers)
            .into_iter()
            .map(|(caller, callee)| (slots[caller as usize], slots[callee as usize]))
            .collect();
        let n_services = names.len();
        let start_ns = analysis.times.iter().map(|time| time.start_ns).min().unwrap_or(0);
        let end_ns = analysis.times.iter().map(|time| time.end_ns).max().unwrap_or(start_ns).max(start_ns);
        let groups = group_by_trace(&spans);
        let fragments = fragment_sentences(&spans, &groups, scenario);
        let n_traces = groups.traces.len();
        let fragment_roots = groups
            .traces
            .iter()
            .skip(1)
            .filter_map(|group| {
                group.spans.iter().copied().min_by_key(|&idx| (spans[idx as usize].start_ns, idx))
            })
            .collect();
        TraceView {
            replay: OnceCell::new(),
            moments: OnceCell::new(),
            spans,
            analysis,
            order,
            subtree_len,
            services,
            n_services,
            colour,
            start_ns,
            end_ns,
            fragments,
            n_traces,
            fragment_roots,
            parents,
            service_calls,
            skew_limit,
        }
    }

    pub fn duration_ns(&self) -> i64 {
        self.end_ns - self.start_ns
    }

    /// The rows on screen: tree order, skipping the descendants of collapsed spans.
    pub fn visible_rows(&self, collapsed: &BTreeSet<u32>) -> Vec<u32> {
        let mut rows = Vec::with_capacity(self.order.len());
        let mut pos = 0;
        while pos < self.order.len() {
            let span_idx = self.order[pos];
            rows.push(span_idx);
            pos += 1;
            if collapsed.contains(&span_idx) {
                pos += self.subtree_len[span_idx as usize] as usize;
            }
        }
        rows
    }

    pub fn has_children(&self, span_idx: u32) -> bool {
        self.subtree_len[span_idx as usize] > 0
    }

    /// Spans whose service, name, span id or attribute values contain `query`, ignoring ASCII
    /// case (names and attribute values are ASCII in practice; other letters match exactly). No
    /// text is copied per span, so searching 100,000 spans takes milliseconds.
    pub fn search(&self, query: &str) -> BTreeSet<u32> {
        let query = query.trim();
        if query.is_empty() {
            return BTreeSet::new();
        }
        self.spans
            .iter()
            .enumerate()
            .filter(|(_, span)| {
                contains_ignore_ascii_case(&span.service, query)
                    || contains_ignore_ascii_case(&span.name, query)
                    || contains_ignore_ascii_case(&span.span_id.to_string(), query)
                    || span.attributes.iter().any(|kv| match &kv.value {
                        AttributeValue::Str(text) => contains_ignore_ascii_case(text, query),
                        other => contains_ignore_ascii_case(&other.to_string(), query),
                    })
            })
            .map(|(span_idx, _)| span_idx as u32)
            .collect()
    }

    /// Whether the span has a warning of this kind.
    pub fn has_warning(&self, span_idx: u32, kind: WarningKind) -> bool {
        self.analysis.warnings_for(span_idx).iter().any(|warning| warning.kind == kind)
    }

    /// The bottleneck sentence from the core.
    pub fn bottleneck(&self) -> String {
        self.analysis.bottleneck_sentence()
    }

    /// The first moment after `t` at which something starts or ends (the replay's next step).
    pub fn next_moment(&self, t: i64) -> Option<i64> {
        let moments = self.moments();
        let pos = moments.partition_point(|&moment| moment <= t);
        moments.get(pos).copied()
    }

    pub fn replay(&self) -> &Replay {
        self.replay.get_or_init(|| Replay::new(&self.spans))
    }

    pub fn moments(&self) -> &[i64] {
        self.moments.get_or_init(|| {
            let mut moments: Vec<i64> = self
                .spans
                .iter()
                .flat_map(|span| {
                    span.truth.map_or([span.start_ns, span.end_ns], |truth| [truth.start_ns, truth.end_ns])
                })
                .chain(self.replay().hops.iter().flat_map(|hop| [hop.start_ns, hop.end_ns]))
                .collect();
            moments.sort_unstable();
            moments.dedup();
            moments
        })
    }

    pub fn total_label(&self) -> String {
        format_duration(self.duration_ns())
    }
}

/// Whether `needle` occurs in `haystack`, ignoring ASCII case.
fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    needle.is_empty() || haystack.windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle))
}

/// One sentence per trace that split off the first one, naming the service that lost the context
/// when the scenario tells us ("orders is not traced and did not forward traceparent: 3 spans
/// (inventory onwards) became a separate trace"). The page and `reqflow run`/`view` print these.
pub fn fragment_sentences(spans: &[Span], groups: &TraceGroups, scenario: Option<&Scenario>) -> Vec<String> {
    groups
        .traces
        .iter()
        .skip(1)
        .map(|group| {
            let first = group.spans.iter().copied().min_by_key(|&idx| (spans[idx as usize].start_ns, idx));
            let root = first.map(|idx| &spans[idx as usize]);
            let n = group.spans.len();
            let plural = if n == 1 { "span" } else { "spans" };
            let culprit = root.and_then(|root| {
                let scenario = scenario?;
                scenario
                    .callers_of(&root.service)
                    .into_iter()
                    .find(|caller| !caller.propagates)
                    .map(|caller| (caller.name.clone(), caller.instrumented))
            });
            match (culprit, root) {
                (Some((caller, instrumented)), Some(root)) => {
                    let what = if instrumented { "did not forward traceparent" } else { "is not traced and did not forward traceparent" };
                    format!("{caller} {what}: {n} {plural} ({} onwards) became a separate trace", root.service)
                }
                (None, Some(root)) => {
                    format!("{n} {plural} starting at {} arrived without trace context and became a separate trace", root.service)
                }
                _ => format!("{n} {plural} became a separate trace"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Simulation, builtins};

    fn view(name: &str, seed: u64) -> TraceView {
        let scenario = builtins::load(name).expect("built-in");
        let trace = Simulation::new(&scenario).expect("compiles").simulate_one(seed).expect("runs");
        TraceView::new(trace.spans, TimeBasis::Adjusted, Some(&scenario))
    }

    #[test]
    fn service_calls_index_the_services_in_colour_order() {
        // The core finds the calls (tested against the dependency graph there); the view maps
        // them onto its colour order, where the scenario's services come first.
        let view = view("try-it", 1);
        let mut calls: Vec<(&str, &str)> = view
            .service_calls
            .iter()
            .map(|&(caller, callee)| (view.services[caller].as_str(), view.services[callee].as_str()))
            .collect();
        calls.sort();
        assert_eq!(calls, [("gateway", "auth"), ("gateway", "orders"), ("orders", "database")]);
        assert!(view.service_calls.contains(&(0, 1)), "gateway (colour 0) calls auth (colour 1)");
    }

    #[test]
    fn an_imported_view_keeps_the_import_parents_on_another_basis() {
        // The parents an import hands over are the trace index's (the importers link with it).
        let spans: Vec<Span> =
            view("netflix-fanout", 1).spans.into_iter().map(|span| Span { truth: None, ..span }).collect();
        let parents = crate::index::link(&spans).parents;
        let linked = TraceView::imported(spans.clone(), parents, TimeBasis::Adjusted, SkewLimit::NONE);
        let found = TraceView::new(spans, TimeBasis::Adjusted, None);
        assert_eq!(linked.analysis, found.analysis);
        assert_eq!(linked.service_calls, found.service_calls);
        let raw = linked.with_basis(TimeBasis::Raw, None);
        assert_eq!(raw.analysis.basis, TimeBasis::Raw);
        assert_eq!(raw.parents, linked.parents);
        assert_eq!(raw.analysis.tree, found.analysis.tree);
    }

    #[test]
    fn collapsing_hides_exactly_the_subtree() {
        let view = view("try-it", 1);
        let all = view.visible_rows(&BTreeSet::new());
        assert_eq!(all.len(), view.spans.len());
        let root = all[0];
        assert_eq!(view.visible_rows(&BTreeSet::from([root])), vec![root]);
        let orders_client =
            *all.iter().find(|&&idx| view.spans[idx as usize].name == "GET /orders/{id}").expect("row");
        let rows = view.visible_rows(&BTreeSet::from([orders_client]));
        assert_eq!(rows.len(), all.len() - view.subtree_len[orders_client as usize] as usize);
        assert!(rows.iter().all(|&idx| view.spans[idx as usize].service != "database"));
    }

    #[test]
    fn broken_propagation_is_explained_in_words() {
        let view = view("broken-propagation", 2);
        assert_eq!(view.n_traces, 2);
        assert_eq!(view.fragments.len(), 1);
        let root = *view.fragment_roots.iter().next().expect("a fragment root");
        assert_eq!(view.spans[root as usize].service, "inventory");
        assert!(
            view.fragments[0].starts_with(
                "orders is not traced and did not forward traceparent: 3 spans (inventory onwards)"
            ),
            "{}",
            view.fragments[0]
        );
    }

    #[test]
    fn search_finds_services_names_and_attribute_values() {
        let view = view("try-it", 1);
        assert_eq!(view.search("DATABASE").len(), 2, "the database span and the client span calling it");
        assert!(!view.search("select * from orders").is_empty(), "db.query.text matches");
        assert!(view.search("   ").is_empty());
        assert_eq!(view.search("Select * FROM"), view.search("select * from orders"));
        assert!(contains_ignore_ascii_case("GET /Orders/{id}", "orders/{ID}"));
        assert!(!contains_ignore_ascii_case("auth", "authz"));
    }

    #[test]
    fn colours_follow_the_scenario_order() {
        let view = view("try-it", 1);
        assert_eq!(view.services[..4], ["gateway", "auth", "orders", "database"]);
        let database = view.spans.iter().position(|span| span.service == "database").expect("db");
        assert_eq!(view.colour[database], 3);
    }
}
