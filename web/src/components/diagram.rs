//! The service diagram: services as nodes in columns by call depth, calls as edges, and during a
//! replay the requests, responses and messages travelling along them.

use reqflow_core::replay::Leg;
use reqflow_core::view::graph::{ServiceGraph, ServiceNode};
use reqflow_core::view::page::{replay_fraction, replay_status};
use reqflow_core::view::{ReplayState, TraceView};
use yew::prelude::*;

use crate::components::Shared;
use crate::components::replay_controls::ReplayControls;
use crate::state::{PALETTE, REPLAY_SECONDS};

const COL_W: f64 = 215.0;
const ROW_H: f64 = 34.0;
const NODE_W: f64 = 180.0;
const NODE_H: f64 = 24.0;

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    /// The core's service graph (from the scenario for simulated traces, from the trace for
    /// imported ones).
    pub graph: Shared<ServiceGraph>,
    pub trace: Shared<TraceView>,
    pub replay: Option<ReplayState>,
    pub speed: f64,
    /// `true` plays, `false` pauses.
    pub on_play: Callback<bool>,
    pub on_step: Callback<()>,
    pub on_stop: Callback<()>,
    /// A fraction (0..=1) of the way through.
    pub on_seek: Callback<f64>,
    pub on_speed: Callback<f64>,
}

/// A node's top-left corner in pixels.
fn place(node: &ServiceNode) -> (f64, f64) {
    (10.0 + f64::from(node.column) * COL_W, 10.0 + f64::from(node.row) * ROW_H)
}

/// Where an edge leaves or reaches a node: its right side or its left.
fn anchor((x, y): (f64, f64), right: bool) -> (f64, f64) {
    (if right { x + NODE_W } else { x }, y + NODE_H / 2.0)
}

#[function_component(Diagram)]
pub fn diagram(props: &DiagramProps) -> Html {
    let (graph, trace) = (&props.graph, &props.trace);
    let width = graph.nodes.iter().map(|node| place(node).0 + NODE_W + 10.0).fold(200.0, f64::max);
    let height = graph.nodes.iter().map(|node| place(node).1 + NODE_H + 10.0).fold(60.0, f64::max);
    let now = props.replay.map(|replay| replay.now_ns);
    html! {
        <section class="diagram-panel" aria-label="Service diagram and replay"
                 data-motion={if crate::io::prefers_reduced_motion() { "reduced" } else { "full" }}>
            <ReplayControls playing={props.replay.is_some_and(|replay| replay.playing)} replaying={props.replay.is_some()}
                            speed={props.speed} fraction={replay_fraction(trace, props.replay)}
                            status={replay_status(trace, props.replay)}
                            on_play={props.on_play.clone()} on_step={props.on_step.clone()} on_stop={props.on_stop.clone()}
                            on_seek={props.on_seek.clone()} on_speed={props.on_speed.clone()} />
            <p class="muted replay-hint">{ format!(
                "Replay in true time: at 1× the whole request takes {REPLAY_SECONDS} s. Dots are requests, responses and messages in flight (hover for the traceparent they carry).",
            ) }</p>
            <div class="diagram-scroll">
                <svg class="diagram" viewBox={format!("0 0 {width:.0} {height:.0}")} width={format!("{width:.0}")} height={format!("{height:.0}")}
                     role="img" aria-label="Services and the calls between them">
                    { for graph.edges.iter().map(|&(from, to)| edge(&graph.nodes[from], &graph.nodes[to])) }
                    { for graph.nodes.iter().map(|node| service(node, trace, now)) }
                    { hops(graph, trace, now) }
                </svg>
            </div>
        </section>
    }
}

/// A call between two services; dashed red when the caller does not forward `traceparent`.
fn edge(from: &ServiceNode, to: &ServiceNode) -> Html {
    let (a, b) = (place(from), place(to));
    let forward = b.0 > a.0;
    let (x1, y1) = anchor(a, forward);
    let (x2, y2) = anchor(b, !forward);
    let mid = (x1 + x2) / 2.0;
    let drops = !from.propagates;
    let title = if drops {
        format!("{} → {}: traceparent is not forwarded", from.name, to.name)
    } else {
        format!("{} → {}", from.name, to.name)
    };
    html! {
        <path class={classes!("edge", drops.then_some("drops-context"))}
              d={format!("M{x1:.1},{y1:.1} C{mid:.1},{y1:.1} {mid:.1},{y2:.1} {x2:.1},{y2:.1}")}>
            <title>{ title }</title>
        </path>
    }
}

/// A service: its colour, name, and during a replay how full its pool is.
fn service(node: &ServiceNode, trace: &TraceView, now: Option<i64>) -> Html {
    let (x, y) = place(node);
    let colour = trace
        .services
        .iter()
        .position(|name| *name == node.name)
        .map_or("#999", |idx| PALETTE[idx % PALETTE.len()]);
    let busy =
        now.filter(|_| node.concurrency > 0).map(|now| trace.replay().busy(&trace.spans, &node.name, now));
    let label = if !node.instrumented { format!("{} (not traced)", node.name) } else { node.name.clone() };
    html! {
        <g class={classes!("node", (!node.instrumented).then_some("untraced"))} data-service={node.name.clone()}>
            <rect x={format!("{x:.1}")} y={format!("{y:.1}")} width={NODE_W.to_string()} height={NODE_H.to_string()} rx="6" />
            <circle cx={format!("{:.1}", x + 12.0)} cy={format!("{:.1}", y + NODE_H / 2.0)} r="5" fill={colour} />
            <text x={format!("{:.1}", x + 22.0)} y={format!("{:.1}", y + NODE_H / 2.0 + 4.0)}>{ label }</text>
            if let Some(busy) = busy {
                <text class="pool" x={format!("{:.1}", x + NODE_W - 6.0)} y={format!("{:.1}", y - 3.0)} text-anchor="end">
                    { format!("pool {busy}/{}", node.concurrency) }
                </text>
            }
            if !node.propagates && node.instrumented {
                <title>{ format!("{} does not forward traceparent", node.name) }</title>
            }
        </g>
    }
}

/// The requests, responses and messages in flight at the replay's moment, along the edges.
fn hops(graph: &ServiceGraph, trace: &TraceView, now: Option<i64>) -> Html {
    let Some(now) = now else { return Html::default() };
    let spans = &trace.spans;
    let position = |name: &str| graph.node(name).map(place);
    let hops = trace.replay().in_flight(now);
    hops.iter()
        .filter_map(|(hop, progress)| {
            let (hop_from, hop_to) = (hop.from(spans), hop.to(spans));
            let from = position(hop_from)?;
            let to = position(hop_to).unwrap_or((from.0 + COL_W, from.1));
            let (x, y) = along_edge(from, to, f64::from(*progress) / 1000.0);
            let title = match hop.traceparent(spans) {
                Some(header) => format!("{} {hop_from} → {hop_to}: traceparent {header}", hop.leg.as_str()),
                None if hop.leg == Leg::Untraced => format!("inside {hop_to}: not traced"),
                None => format!("{} {hop_from} → {hop_to}: no trace context", hop.leg.as_str()),
            };
            Some(html! {
                <circle class={classes!("hop", hop.leg.as_str())} cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="6"
                        data-from={hop_from.to_owned()} data-to={hop_to.to_owned()} data-leg={hop.leg.as_str()}>
                    <title>{ title }</title>
                </circle>
            })
        })
        .collect()
}

/// The point `t` (0..=1) of the way along the edge from one node to another (the same cubic
/// curve as the edge).
fn along_edge(from: (f64, f64), to: (f64, f64), t: f64) -> (f64, f64) {
    let forward = to.0 > from.0;
    let (x1, y1) = anchor(from, forward);
    let (x2, y2) = anchor(to, !forward);
    let mid = (x1 + x2) / 2.0;
    let u = 1.0 - t;
    let x = u * u * u * x1 + 3.0 * u * u * t * mid + 3.0 * u * t * t * mid + t * t * t * x2;
    let y = u * u * u * y1 + 3.0 * u * u * t * y1 + 3.0 * u * t * t * y2 + t * t * t * y2;
    (x, y)
}
