//! The service diagram: services as nodes in columns by call depth, calls as edges, and during a
//! replay the requests, responses and messages travelling along them.

use std::rc::Rc;

use reqflow_core::replay::Leg;
use reqflow_core::view::graph::ServiceGraph;
use reqflow_core::waterfall::format_duration;
use yew::prelude::*;

use crate::state::PALETTE;
use crate::state::{Action, REPLAY_SECONDS, State};

const COL_W: f64 = 215.0;
const ROW_H: f64 = 34.0;
const NODE_W: f64 = 180.0;
const NODE_H: f64 = 24.0;

#[derive(Properties, PartialEq)]
pub struct DiagramProps {
    pub state: UseReducerHandle<State>,
}

/// A service of the core's graph, placed: its column and row in pixels.
struct Node {
    name: String,
    instrumented: bool,
    propagates: bool,
    concurrency: u32,
    x: f64,
    y: f64,
}

/// The core's service graph (from the scenario for simulated traces, from the trace for imported
/// ones), with each node at its column and row.
fn graph(state: &State) -> (Vec<Node>, Vec<(usize, usize)>) {
    let graph = if state.is_imported() {
        ServiceGraph::of_trace(&state.trace)
    } else {
        ServiceGraph::of_scenario(&state.scenario())
    };
    let nodes = graph
        .nodes
        .into_iter()
        .map(|node| Node {
            x: 10.0 + f64::from(node.column) * COL_W,
            y: 10.0 + f64::from(node.row) * ROW_H,
            name: node.name,
            instrumented: node.instrumented,
            propagates: node.propagates,
            concurrency: node.concurrency,
        })
        .collect();
    (nodes, graph.edges)
}

#[function_component(Diagram)]
pub fn diagram(props: &DiagramProps) -> Html {
    let state = &props.state;
    let trace = &state.trace;
    // Once per trace (every knob change makes a new one), not on every selection or replay tick.
    let graph = {
        let state = state.clone();
        use_memo(Rc::as_ptr(&state.trace) as usize, move |_| graph(&state))
    };
    let (nodes, edges) = (&graph.0, &graph.1);
    let width = nodes.iter().map(|node| node.x + NODE_W + 10.0).fold(200.0, f64::max);
    let height = nodes.iter().map(|node| node.y + NODE_H + 10.0).fold(60.0, f64::max);
    let now = state.replay.map(|replay| replay.now_ns);
    let position = |name: &str| nodes.iter().find(|node| node.name == name).map(|node| (node.x, node.y));
    let anchor = |(x, y): (f64, f64), right: bool| (if right { x + NODE_W } else { x }, y + NODE_H / 2.0);

    let edge_html = edges.iter().map(|&(from, to)| {
        let (a, b) = (&nodes[from], &nodes[to]);
        let forward = b.x > a.x;
        let (x1, y1) = anchor((a.x, a.y), forward);
        let (x2, y2) = anchor((b.x, b.y), !forward);
        let mid = (x1 + x2) / 2.0;
        let drops = !a.propagates;
        let title = if drops {
            format!("{} → {}: traceparent is not forwarded", a.name, b.name)
        } else {
            format!("{} → {}", a.name, b.name)
        };
        html! {
            <path class={classes!("edge", drops.then_some("drops-context"))}
                  d={format!("M{x1:.1},{y1:.1} C{mid:.1},{y1:.1} {mid:.1},{y2:.1} {x2:.1},{y2:.1}")}>
                <title>{ title }</title>
            </path>
        }
    });
    let node_html = nodes.iter().map(|node| {
        let colour = trace.services.iter().position(|name| *name == node.name).map_or("#999", |idx| PALETTE[idx % PALETTE.len()]);
        let busy = now.filter(|_| node.concurrency > 0).map(|now| trace.replay().busy(&trace.spans, &node.name, now));
        let label = if !node.instrumented { format!("{} (not traced)", node.name) } else { node.name.clone() };
        html! {
            <g class={classes!("node", (!node.instrumented).then_some("untraced"))} data-service={node.name.clone()}>
                <rect x={format!("{:.1}", node.x)} y={format!("{:.1}", node.y)} width={NODE_W.to_string()} height={NODE_H.to_string()} rx="6" />
                <circle cx={format!("{:.1}", node.x + 12.0)} cy={format!("{:.1}", node.y + NODE_H / 2.0)} r="5" fill={colour} />
                <text x={format!("{:.1}", node.x + 22.0)} y={format!("{:.1}", node.y + NODE_H / 2.0 + 4.0)}>{ label }</text>
                if let Some(busy) = busy {
                    <text class="pool" x={format!("{:.1}", node.x + NODE_W - 6.0)} y={format!("{:.1}", node.y - 3.0)} text-anchor="end">
                        { format!("pool {busy}/{}", node.concurrency) }
                    </text>
                }
                if !node.propagates && node.instrumented {
                    <title>{ format!("{} does not forward traceparent", node.name) }</title>
                }
            </g>
        }
    });
    let hops = now.map(|now| trace.replay().in_flight(now)).unwrap_or_default();
    let hop_html = hops.iter().filter_map(|(hop, progress)| {
        let spans = &trace.spans;
        let (hop_from, hop_to) = (hop.from(spans), hop.to(spans));
        let from = position(hop_from)?;
        let to = position(hop_to).unwrap_or((from.0 + COL_W, from.1));
        let forward = to.0 > from.0;
        let (x1, y1) = anchor(from, forward);
        let (x2, y2) = anchor(to, !forward);
        let t = f64::from(*progress) / 1000.0;
        // Along the same cubic curve as the edge.
        let mid = (x1 + x2) / 2.0;
        let u = 1.0 - t;
        let x = u * u * u * x1 + 3.0 * u * u * t * mid + 3.0 * u * t * t * mid + t * t * t * x2;
        let y = u * u * u * y1 + 3.0 * u * u * t * y1 + 3.0 * u * t * t * y2 + t * t * t * y2;
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
    });

    // Replay controls.
    let playing = state.replay.is_some_and(|replay| replay.playing);
    let fraction = now.map_or(1.0, |now| {
        (now - trace.replay().start_ns) as f64
            / (trace.replay().end_ns - trace.replay().start_ns).max(1) as f64
    });
    let on_play = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(if playing { Action::Pause } else { Action::Play }))
    };
    let on_step = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::StepForward))
    };
    let on_stop = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::StopReplay))
    };
    let on_seek = {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            let input: web_sys::HtmlInputElement = event.target_unchecked_into();
            if let Ok(value) = input.value().parse::<f64>() {
                state.dispatch(Action::Seek(value / 1000.0));
            }
        })
    };
    let on_speed = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            let select: web_sys::HtmlSelectElement = event.target_unchecked_into();
            if let Ok(speed) = select.value().parse::<f64>() {
                state.dispatch(Action::SetSpeed(speed));
            }
        })
    };
    let status = match now {
        Some(now) if now >= trace.replay().end_ns => "done".to_owned(),
        Some(now) => format!("t = {}", format_duration(now - trace.replay().start_ns)),
        None => "whole trace".to_owned(),
    };
    html! {
        <section class="diagram-panel" aria-label="Service diagram and replay"
                 data-motion={if crate::io::prefers_reduced_motion() { "reduced" } else { "full" }}>
            <div class="replay-controls">
                <button class="primary small" onclick={on_play} aria-label={if playing { "Pause replay" } else { "Play replay" }}>
                    { if playing { "❚❚ Pause" } else { "▶ Play" } }
                </button>
                <button onclick={on_step} aria-label="Step to the next moment">{ "Step" }</button>
                <label class="meta">{ "Speed " }
                    <select onchange={on_speed} aria-label="Replay speed">
                        { for [0.25, 0.5, 1.0, 2.0, 4.0, 8.0].into_iter().map(|speed| html! {
                            <option value={speed.to_string()} selected={(state.speed - speed).abs() < 1e-9}>{ format!("{speed}×") }</option>
                        }) }
                    </select>
                </label>
                <input class="scrubber" type="range" min="0" max="1000" step="1" value={format!("{:.0}", fraction * 1000.0)}
                       oninput={on_seek} aria-label="Replay position" />
                <span class="replay-status" role="status">{ status }</span>
                if state.replay.is_some() {
                    <button class="link" onclick={on_stop}>{ "Show all" }</button>
                }
            </div>
            <p class="muted replay-hint">{ format!(
                "Replay in true time: at 1× the whole request takes {REPLAY_SECONDS} s. Dots are requests, responses and messages in flight (hover for the traceparent they carry).",
            ) }</p>
            <div class="diagram-scroll">
                <svg class="diagram" viewBox={format!("0 0 {width:.0} {height:.0}")} width={format!("{width:.0}")} height={format!("{height:.0}")}
                     role="img" aria-label="Services and the calls between them">
                    { for edge_html }
                    { for node_html }
                    { for hop_html }
                </svg>
            </div>
        </section>
    }
}
