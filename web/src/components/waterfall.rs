//! The waterfall: one row per span in tree order, bars on a shared time axis. Rows are
//! virtualized: only the rows in view (plus a margin) are in the DOM, so 100,000 spans scroll
//! like 10.

use std::collections::BTreeSet;

use reqflow_core::SpanKind;
use reqflow_core::analysis::WarningKind;
use reqflow_core::replay::{Phase, Replay};
use reqflow_core::view::TraceView;
use reqflow_core::waterfall::format_duration;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::components::Shared;
use crate::state::PALETTE;

/// Row height in pixels (must match `--row-h` in style.css).
pub const ROW_H: i32 = 30;
/// Rows rendered above and below the visible ones.
const OVERSCAN: i32 = 12;
/// Height of the scrolling body when the trace is long.
const MAX_BODY_H: i32 = 560;

#[derive(Properties, PartialEq, Clone)]
pub struct WaterfallProps {
    pub trace: Shared<TraceView>,
    /// The visible rows (spans not in a collapsed subtree), in tree order.
    pub rows: Shared<Vec<u32>>,
    /// Spans the search finds.
    pub matches: Shared<BTreeSet<u32>>,
    pub collapsed: Shared<BTreeSet<u32>>,
    pub selected: Option<u32>,
    /// Zoomed time range, as fractions of the trace's duration.
    pub zoom: Option<(f64, f64)>,
    /// The replay's moment (true time), when one is on.
    pub replay_now: Option<i64>,
    pub on_select: Callback<Option<u32>>,
    pub on_open_details: Callback<bool>,
    pub on_toggle: Callback<u32>,
    /// Collapse (false) or expand (true) a span's subtree.
    pub on_expand: Callback<(u32, bool)>,
}

/// Tick spacing that gives at most 8 ticks with round values (1, 2, 5 × 10^k ns).
pub fn tick_step(total_ns: i64) -> i64 {
    let mut step = 1i64;
    loop {
        for factor in [1, 2, 5] {
            if total_ns / (step * factor) <= 8 {
                return step * factor;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// The time window on screen, and where a time falls on it.
struct Axis {
    trace_start: i64,
    start: i64,
    window_ns: i64,
}

impl Axis {
    fn new(trace: &TraceView, zoom: Option<(f64, f64)>) -> Axis {
        let (zoom_from, zoom_to) = zoom.unwrap_or((0.0, 1.0));
        let start = trace.start_ns + (trace.duration_ns() as f64 * zoom_from) as i64;
        let window_ns = ((trace.duration_ns() as f64 * (zoom_to - zoom_from)) as i64).max(1);
        Axis { trace_start: trace.start_ns, start, window_ns }
    }

    /// Where `ns` falls, in percent of the track.
    fn percent(&self, ns: i64) -> f64 {
        (ns - self.start) as f64 / self.window_ns as f64 * 100.0
    }

    /// Round ticks across the window, labelled from the trace's start.
    fn ticks(&self) -> Html {
        let step = tick_step(self.window_ns);
        let first_tick = (self.start - self.trace_start + step - 1).div_euclid(step) * step;
        (0..=self.window_ns / step + 1)
            .filter_map(|tick_idx| {
                let at = first_tick + tick_idx * step;
                let left = self.percent(self.trace_start + at);
                (0.0..=100.0).contains(&left).then(|| {
                    let label = if at == 0 { "0".to_owned() } else { format_duration(at) };
                    let class =
                        classes!("tick", (left < 2.0).then_some("first"), (left > 96.0).then_some("last"));
                    html! { <span class={class} style={format!("left:{left:.3}%")}>{ label }</span> }
                })
            })
            .collect()
    }
}

/// What keyboard navigation does.
enum Nav {
    Select(Option<u32>),
    Expand(u32, bool),
    OpenDetails(bool),
    /// The key is handled, and nothing changes.
    Stay,
}

/// The waterfall's keys: ↑/↓/Home/End move, ←/→ collapse/expand (← on a collapsed or leaf row
/// goes to the parent), Enter or space opens the details, Esc closes them. `None`: not ours.
fn navigate(key: &str, props: &WaterfallProps) -> Option<Nav> {
    let rows = &props.rows;
    let position = props.selected.and_then(|selected| rows.iter().position(|&row| row == selected));
    let select = |position: usize| Nav::Select(rows.get(position).copied());
    Some(match key {
        "ArrowDown" => select(position.map_or(0, |pos| (pos + 1).min(rows.len() - 1))),
        "ArrowUp" => select(position.map_or(0, |pos| pos.saturating_sub(1))),
        "Home" => select(0),
        "End" => select(rows.len() - 1),
        "ArrowLeft" => match props.selected {
            Some(span) if props.trace.has_children(span) && !props.collapsed.contains(&span) => {
                Nav::Expand(span, false)
            }
            Some(span) => {
                props.trace.analysis.tree.parent(span).map_or(Nav::Stay, |parent| Nav::Select(Some(parent)))
            }
            None => select(0),
        },
        "ArrowRight" => props.selected.map_or_else(|| select(0), |span| Nav::Expand(span, true)),
        "Enter" | " " => Nav::OpenDetails(true),
        "Escape" => Nav::OpenDetails(false),
        _ => return None,
    })
}

/// Keeps the selected row in view when it changes (keyboard navigation, a search jump).
#[hook]
fn use_scroll_into_view(body_ref: NodeRef, position: Option<usize>) {
    use_effect_with(position, move |position| {
        if let (Some(position), Some(body)) = (position, body_ref.cast::<HtmlElement>()) {
            let top = *position as i32 * ROW_H;
            let height = body.client_height();
            if top < body.scroll_top() {
                body.set_scroll_top(top);
            } else if top + ROW_H > body.scroll_top() + height {
                body.set_scroll_top(top + ROW_H - height);
            }
        }
    });
}

#[function_component(Waterfall)]
pub fn waterfall(props: &WaterfallProps) -> Html {
    let scroll_top = use_state(|| 0i32);
    let body_ref = use_node_ref();
    let position = props.selected.and_then(|selected| props.rows.iter().position(|&row| row == selected));
    use_scroll_into_view(body_ref.clone(), position);
    if props.trace.spans.is_empty() {
        return html! { <p class="empty">{ "This request was not sampled: no spans were recorded." }</p> };
    }

    let axis = Axis::new(&props.trace, props.zoom);
    let n_rows = props.rows.len() as i32;
    let body_h = (n_rows * ROW_H).min(MAX_BODY_H);
    let first = (*scroll_top / ROW_H - OVERSCAN).max(0);
    let last = ((*scroll_top + body_h) / ROW_H + OVERSCAN).min(n_rows);
    let on_scroll = {
        let scroll_top = scroll_top.clone();
        Callback::from(move |event: Event| {
            scroll_top.set(event.target_unchecked_into::<HtmlElement>().scroll_top())
        })
    };
    let rows = (first..last).map(|position| row(props, &axis, position));
    html! {
        <div class="waterfall">
            <div class="axis" aria-hidden="true">
                <div class="label">{ "Service · operation" }</div>
                <div class="track ticks">{ axis.ticks() }</div>
            </div>
            <div class="body" ref={body_ref} tabindex="0" role="treegrid"
                 aria-label="Trace waterfall: arrow keys move, left and right collapse and expand, Enter opens details"
                 aria-rowcount={n_rows.to_string()}
                 style={format!("height:{body_h}px")} onscroll={on_scroll} onkeydown={on_key(props)}>
                <div class="rows" style={format!("height:{}px", n_rows * ROW_H)}>
                    { for rows }
                    { now_line(&props.trace, &axis, props.replay_now) }
                </div>
            </div>
        </div>
    }
}

/// The keyboard handler: each key's [`Nav`] goes to its callback.
fn on_key(props: &WaterfallProps) -> Callback<KeyboardEvent> {
    let props = props.clone();
    Callback::from(move |event: KeyboardEvent| {
        let Some(nav) = navigate(&event.key(), &props) else { return };
        match nav {
            Nav::Select(span) => props.on_select.emit(span),
            Nav::Expand(span, expanded) => props.on_expand.emit((span, expanded)),
            Nav::OpenDetails(open) => props.on_open_details.emit(open),
            Nav::Stay => {}
        }
        event.prevent_default();
    })
}

/// The replay's moment as a red line across the rows (true time, on this axis: exact where
/// clocks agree).
fn now_line(trace: &TraceView, axis: &Axis, replay_now: Option<i64>) -> Html {
    let offset = trace
        .spans
        .first()
        .and_then(|span| span.truth.map(|truth| span.start_ns - truth.start_ns))
        .unwrap_or(0);
    let Some(cursor) =
        replay_now.map(|now| axis.percent(now + offset)).filter(|cursor| (0.0..=100.0).contains(cursor))
    else {
        return Html::default();
    };
    html! {
        <div class="now-line" title="the replay's moment (true time)"
             style={format!("left:calc(var(--label-w) + (100% - var(--label-w)) * {cursor:.4} / 100)")}></div>
    }
}

/// One span's row: its label (tree, service, operation, badges) and its bar.
fn row(props: &WaterfallProps, axis: &Axis, position: i32) -> Html {
    let trace = &props.trace;
    let span_idx = props.rows[position as usize];
    let span = &trace.spans[span_idx as usize];
    let facts = trace.analysis.span(span_idx);
    // During a replay the ground truth decides what exists yet: not started → faint,
    // running → the bar grows, done → solid.
    let phase = props.replay_now.map(|now| Replay::phase(span, now));
    let phase_class = match phase {
        Some(Phase::NotStarted) => Some("pending"),
        Some(Phase::Running(_)) => Some("running"),
        Some(Phase::Done) | None => None,
    };
    let selected = props.selected == Some(span_idx);
    let on_click = {
        let (on_select, on_open_details) = (props.on_select.clone(), props.on_open_details.clone());
        Callback::from(move |_: MouseEvent| {
            on_select.emit(Some(span_idx));
            on_open_details.emit(true);
        })
    };
    html! {
        <div class={classes!(
                "row",
                selected.then_some("selected"),
                facts.on_critical_path.then_some("on-critical-path"),
                props.matches.contains(&span_idx).then_some("match"),
                span.status.is_error().then_some("error"),
                phase_class,
            )}
             role="row" aria-selected={selected.to_string()} aria-level={(facts.depth + 1).to_string()}
             style={format!("top:{}px", position * ROW_H)}
             data-service={span.service.to_string()} data-span-id={span.span_id.to_string()}
             onclick={on_click}>
            { row_label(props, span_idx, facts.depth) }
            { row_track(trace, axis, span_idx, phase) }
        </div>
    }
}

/// A row's label: the collapse toggle, service, kind, operation and badges.
fn row_label(props: &WaterfallProps, span_idx: u32, depth: u32) -> Html {
    let trace = &props.trace;
    let span = &trace.spans[span_idx as usize];
    let colour = PALETTE[trace.colour[span_idx as usize] as usize];
    let collapsed = props.collapsed.contains(&span_idx);
    let kind = match span.kind {
        SpanKind::Client => Some(("→", "client: the caller's side of a call")),
        SpanKind::Producer => Some(("⇢", "producer: sent a message")),
        SpanKind::Consumer => Some(("⇠", "consumer: received a message")),
        _ => None,
    };
    let fragment =
        trace.fragment_roots.contains(&span_idx) || trace.has_warning(span_idx, WarningKind::Fragment);
    html! {
        <div class="label" role="gridcell" style={format!("padding-left:{}px", 6 + depth.min(40) * 14)}>
            if trace.has_children(span_idx) {
                { toggle(&props.on_toggle, span_idx, collapsed) }
            } else {
                <span class="toggle-space"></span>
            }
            <span class="dot" style={format!("background:{colour}")}></span>
            <span class="service">{ span.service.to_string() }</span>
            if let Some((symbol, title)) = kind {
                <span class="kind" title={title}>{ symbol }</span>
            }
            <span class="op">{ span.name.to_string() }</span>
            if collapsed {
                <span class="hidden-count" title="spans hidden in this subtree">{ format!("+{}", trace.subtree_len[span_idx as usize]) }</span>
            }
            if trace.has_warning(span_idx, WarningKind::ClockSkew) {
                <span class="badge skew" title="clock skew: this span does not fit inside its parent">{ "skew" }</span>
            }
            if trace.has_warning(span_idx, WarningKind::Orphan) {
                <span class="badge orphan" title="orphan: its parent span is not in the trace">{ "orphan" }</span>
            }
            if fragment {
                <span class="badge fragment" title="a separate trace: context was lost on the way here">{ "new trace" }</span>
            }
            if span.status.is_error() { <span class="error-mark" title="error">{ "!" }</span> }
        </div>
    }
}

/// The button that collapses or expands a span's subtree.
fn toggle(on_toggle: &Callback<u32>, span_idx: u32, collapsed: bool) -> Html {
    let on_click = on_toggle.reform(move |event: MouseEvent| {
        event.stop_propagation();
        span_idx
    });
    html! {
        <button class="toggle" onclick={on_click} tabindex="-1"
                aria-label={if collapsed { "Expand" } else { "Collapse" }}
                aria-expanded={(!collapsed).to_string()}>
            { if collapsed { "▸" } else { "▾" } }
        </button>
    }
}

/// A row's track: the bar (hatched where the span queued, grown to the replay's moment), its
/// critical-path segments and its duration.
fn row_track(trace: &TraceView, axis: &Axis, span_idx: u32, phase: Option<Phase>) -> Html {
    let span = &trace.spans[span_idx as usize];
    let time = trace.analysis.times[span_idx as usize];
    let colour = PALETTE[trace.colour[span_idx as usize] as usize];
    let left = axis.percent(time.start_ns);
    let width = (axis.percent(time.end_ns) - left).max(0.15);
    let (label_class, label_style) = if left + width <= 86.0 {
        ("duration", format!("left:{:.3}%", (left + width).max(0.0) + 0.6))
    } else if left >= 14.0 {
        ("duration", format!("right:{:.3}%", (100.0 - left).max(0.0) + 0.6))
    } else {
        ("duration inside", format!("right:{:.3}%", (100.0 - left - width).max(0.0) + 0.6))
    };
    let width = match phase {
        Some(Phase::Running(progress)) => (width * f64::from(progress) / 1000.0).max(0.15),
        _ => width,
    };
    let queued_ns = span.truth.map_or(0, |truth| truth.queued_ns);
    let true_ns = span.truth.map_or(span.duration_ns(), |truth| truth.end_ns - truth.start_ns).max(1);
    let queued_pct = queued_ns as f64 / true_ns as f64 * 100.0;
    let crit = trace.analysis.critical_path.segments.iter().filter(|segment| segment.span == span_idx).map(
        |segment| {
            let crit_left = axis.percent(segment.start_ns);
            let crit_width = (axis.percent(segment.end_ns) - crit_left).max(0.1);
            html! { <div class="crit" style={format!("left:{crit_left:.3}%;width:{crit_width:.3}%")}></div> }
        },
    );
    html! {
        <div class="track" role="gridcell">
            <div class="bar" style={format!("left:{left:.3}%;width:{width:.3}%;background:{colour}")}>
                if queued_pct > 0.5 {
                    <div class="queued" style={format!("width:{:.2}%", queued_pct.min(100.0))}
                         title={format!("queued {} before work began", format_duration(queued_ns))}></div>
                }
            </div>
            { for crit }
            <span class={label_class} style={label_style}>{ format_duration(span.duration_ns()) }</span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use reqflow_core::view::Model;

    use super::*;

    fn props(model: &Model, selected: Option<u32>) -> WaterfallProps {
        WaterfallProps {
            trace: Shared::new(&model.trace),
            rows: Shared(Rc::new(model.trace.visible_rows(&model.collapsed))),
            matches: Shared(Rc::default()),
            collapsed: Shared::new(&model.collapsed),
            selected,
            zoom: None,
            replay_now: None,
            on_select: Callback::noop(),
            on_open_details: Callback::noop(),
            on_toggle: Callback::noop(),
            on_expand: Callback::noop(),
        }
    }

    #[test]
    fn keys_move_collapse_and_open_details() {
        let model = Model::from_hash("");
        let (root, second) = (model.trace.order[0], model.trace.order[1]);
        let nav = |key: &str, selected: Option<u32>| navigate(key, &props(&model, selected));
        assert!(matches!(nav("ArrowDown", None), Some(Nav::Select(Some(span))) if span == root));
        assert!(matches!(nav("ArrowDown", Some(root)), Some(Nav::Select(Some(span))) if span == second));
        assert!(matches!(nav("ArrowLeft", Some(root)), Some(Nav::Expand(span, false)) if span == root));
        let leaf = *model.trace.order.last().expect("rows");
        let parent = model.trace.analysis.tree.parent(leaf);
        assert!(
            matches!(nav("ArrowLeft", Some(leaf)), Some(Nav::Select(span)) if span == parent && span.is_some())
        );
        assert!(matches!(nav("ArrowRight", Some(root)), Some(Nav::Expand(span, true)) if span == root));
        assert!(matches!(nav("Enter", Some(root)), Some(Nav::OpenDetails(true))));
        assert!(matches!(nav("Escape", Some(root)), Some(Nav::OpenDetails(false))));
        assert!(nav("a", Some(root)).is_none(), "other keys are left to the page");
    }

    #[test]
    fn ticks_are_round_and_few() {
        assert_eq!(tick_step(355_000_000), 50_000_000);
        assert_eq!(tick_step(8), 1);
        assert_eq!(tick_step(90), 20);
    }
}
