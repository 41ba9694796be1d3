//! The waterfall: one row per span in tree order, bars on a shared time axis. Rows are
//! virtualized: only the rows in view (plus a margin) are in the DOM, so 100,000 spans scroll
//! like 10.

use std::collections::BTreeSet;
use std::rc::Rc;

use reqflow_core::SpanKind;
use reqflow_core::analysis::WarningKind;
use reqflow_core::replay::{Phase, Replay};
use reqflow_core::waterfall::format_duration;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::state::PALETTE;
use crate::state::{Action, State};
use reqflow_core::view::TraceView;

/// Row height in pixels (must match `--row-h` in style.css).
pub const ROW_H: i32 = 30;
/// Rows rendered above and below the visible ones.
const OVERSCAN: i32 = 12;
/// Height of the scrolling body when the trace is long.
const MAX_BODY_H: i32 = 560;

#[derive(Properties, PartialEq)]
pub struct WaterfallProps {
    pub state: UseReducerHandle<State>,
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

/// The visible rows, recomputed only when the trace or the collapsed set changes.
#[hook]
pub fn use_visible_rows(trace: &Rc<TraceView>, collapsed: &Rc<BTreeSet<u32>>) -> Rc<Vec<u32>> {
    let key = (Rc::as_ptr(trace) as usize, Rc::as_ptr(collapsed) as usize);
    let (trace, collapsed) = (trace.clone(), collapsed.clone());
    use_memo(key, move |_| trace.visible_rows(&collapsed))
}

#[function_component(Waterfall)]
pub fn waterfall(props: &WaterfallProps) -> Html {
    let state = &props.state;
    let trace = &state.trace;
    let rows = use_visible_rows(trace, &state.collapsed);
    let matches = {
        let key = (Rc::as_ptr(trace) as usize, state.search.clone());
        let trace = trace.clone();
        use_memo(key, move |(_, search)| trace.search(search))
    };
    let scroll_top = use_state(|| 0i32);
    let body_ref = use_node_ref();

    // Keep the selected row in view when it changes (keyboard navigation, a search jump).
    {
        let body_ref = body_ref.clone();
        let position = state.selected.and_then(|selected| rows.iter().position(|&row| row == selected));
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

    if trace.spans.is_empty() {
        return html! { <p class="empty">{ "This request was not sampled: no spans were recorded." }</p> };
    }

    // The time window on screen.
    let (zoom_from, zoom_to) = state.zoom.unwrap_or((0.0, 1.0));
    let window_start = trace.start_ns + (trace.duration_ns() as f64 * zoom_from) as i64;
    let window_ns = ((trace.duration_ns() as f64 * (zoom_to - zoom_from)) as i64).max(1);
    let percent = |ns: i64| (ns - window_start) as f64 / window_ns as f64 * 100.0;

    let step = tick_step(window_ns);
    let first_tick = (window_start - trace.start_ns + step - 1).div_euclid(step) * step;
    let ticks = (0..=window_ns / step + 1).filter_map(|tick_idx| {
        let at = first_tick + tick_idx * step;
        let left = percent(trace.start_ns + at);
        (0.0..=100.0).contains(&left).then(|| {
            let label = if at == 0 { "0".to_owned() } else { format_duration(at) };
            let class = classes!("tick", (left < 2.0).then_some("first"), (left > 96.0).then_some("last"));
            html! { <span class={class} style={format!("left:{left:.3}%")}>{ label }</span> }
        })
    });

    let n_rows = rows.len() as i32;
    let body_h = (n_rows * ROW_H).min(MAX_BODY_H);
    let first = (*scroll_top / ROW_H - OVERSCAN).max(0);
    let last = ((*scroll_top + body_h) / ROW_H + OVERSCAN).min(n_rows);
    let analysis = &trace.analysis;

    let on_scroll = {
        let scroll_top = scroll_top.clone();
        Callback::from(move |event: Event| {
            let body: HtmlElement = event.target_unchecked_into();
            scroll_top.set(body.scroll_top());
        })
    };
    let on_key = {
        let state = state.clone();
        let rows = rows.clone();
        Callback::from(move |event: KeyboardEvent| {
            let position = state.selected.and_then(|selected| rows.iter().position(|&row| row == selected));
            let select = |position: usize| state.dispatch(Action::Select(rows.get(position).copied()));
            match event.key().as_str() {
                "ArrowDown" => select(position.map_or(0, |pos| (pos + 1).min(rows.len() - 1))),
                "ArrowUp" => select(position.map_or(0, |pos| pos.saturating_sub(1))),
                "Home" => select(0),
                "End" => select(rows.len() - 1),
                "ArrowLeft" => match state.selected {
                    Some(span) if state.trace.has_children(span) && !state.collapsed.contains(&span) => {
                        state.dispatch(Action::SetExpanded(span, false))
                    }
                    Some(span) => {
                        let parent = state.trace.analysis.tree.parent(span);
                        if parent.is_some() {
                            state.dispatch(Action::Select(parent));
                        }
                    }
                    None => select(0),
                },
                "ArrowRight" => match state.selected {
                    Some(span) => state.dispatch(Action::SetExpanded(span, true)),
                    None => select(0),
                },
                "Enter" | " " => state.dispatch(Action::OpenDetails(true)),
                "Escape" => state.dispatch(Action::OpenDetails(false)),
                _ => return,
            }
            event.prevent_default();
        })
    };

    let row_html = (first..last).map(|position| {
        let span_idx = rows[position as usize];
        let span = &trace.spans[span_idx as usize];
        let facts = analysis.span(span_idx);
        let time = analysis.times[span_idx as usize];
        let colour = PALETTE[trace.colour[span_idx as usize] as usize];
        let left = percent(time.start_ns);
        let width = (percent(time.end_ns) - left).max(0.15);
        let (label_class, label_style) = if left + width <= 86.0 {
            ("duration", format!("left:{:.3}%", (left + width).max(0.0) + 0.6))
        } else if left >= 14.0 {
            ("duration", format!("right:{:.3}%", (100.0 - left).max(0.0) + 0.6))
        } else {
            ("duration inside", format!("right:{:.3}%", (100.0 - left - width).max(0.0) + 0.6))
        };
        // During a replay the ground truth decides what exists yet: not started → faint,
        // running → the bar grows, done → solid.
        let phase = state.replay.map(|replay| Replay::phase(span, replay.now_ns));
        let (phase_class, width) = match phase {
            Some(Phase::NotStarted) => (Some("pending"), width),
            Some(Phase::Running(progress)) => (Some("running"), (width * f64::from(progress) / 1000.0).max(0.15)),
            Some(Phase::Done) | None => (None, width),
        };
        let queued_ns = span.truth.map_or(0, |truth| truth.queued_ns);
        let true_ns = span.truth.map_or(span.duration_ns(), |truth| truth.end_ns - truth.start_ns).max(1);
        let queued_pct = queued_ns as f64 / true_ns as f64 * 100.0;
        let selected = state.selected == Some(span_idx);
        let error = span.status.is_error();
        let skewed = trace.has_warning(span_idx, WarningKind::ClockSkew);
        let orphan = trace.has_warning(span_idx, WarningKind::Orphan);
        let fragment = trace.fragment_roots.contains(&span_idx) || trace.has_warning(span_idx, WarningKind::Fragment);
        let has_children = trace.has_children(span_idx);
        let collapsed = state.collapsed.contains(&span_idx);
        let crit = analysis.critical_path.segments.iter().filter(|segment| segment.span == span_idx).map(|segment| {
            let crit_left = percent(segment.start_ns);
            let crit_width = (percent(segment.end_ns) - crit_left).max(0.1);
            html! { <div class="crit" style={format!("left:{crit_left:.3}%;width:{crit_width:.3}%")}></div> }
        });
        let on_click = {
            let state = state.clone();
            Callback::from(move |_: MouseEvent| {
                state.dispatch(Action::Select(Some(span_idx)));
                state.dispatch(Action::OpenDetails(true));
            })
        };
        let on_toggle = {
            let state = state.clone();
            Callback::from(move |event: MouseEvent| {
                event.stop_propagation();
                state.dispatch(Action::ToggleCollapse(span_idx));
            })
        };
        let kind = match span.kind {
            SpanKind::Client => Some(("→", "client: the caller's side of a call")),
            SpanKind::Producer => Some(("⇢", "producer: sent a message")),
            SpanKind::Consumer => Some(("⇠", "consumer: received a message")),
            _ => None,
        };
        html! {
            <div class={classes!(
                    "row",
                    selected.then_some("selected"),
                    facts.on_critical_path.then_some("on-critical-path"),
                    matches.contains(&span_idx).then_some("match"),
                    error.then_some("error"),
                    phase_class,
                )}
                 role="row" aria-selected={selected.to_string()} aria-level={(facts.depth + 1).to_string()}
                 style={format!("top:{}px", position * ROW_H)}
                 data-service={span.service.to_string()} data-span-id={span.span_id.to_string()}
                 onclick={on_click}>
                <div class="label" role="gridcell" style={format!("padding-left:{}px", 6 + facts.depth.min(40) * 14)}>
                    if has_children {
                        <button class="toggle" onclick={on_toggle} tabindex="-1"
                                aria-label={if collapsed { "Expand" } else { "Collapse" }}
                                aria-expanded={(!collapsed).to_string()}>
                            { if collapsed { "▸" } else { "▾" } }
                        </button>
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
                    if skewed {
                        <span class="badge skew" title="clock skew: this span does not fit inside its parent">{ "skew" }</span>
                    }
                    if orphan {
                        <span class="badge orphan" title="orphan: its parent span is not in the trace">{ "orphan" }</span>
                    }
                    if fragment {
                        <span class="badge fragment" title="a separate trace: context was lost on the way here">{ "new trace" }</span>
                    }
                    if error { <span class="error-mark" title="error">{ "!" }</span> }
                </div>
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
            </div>
        }
    });

    let cursor = state.replay.map(|replay| {
        // The replay's true time, on this axis (exact where clocks agree).
        let offset = trace
            .spans
            .first()
            .and_then(|span| span.truth.map(|truth| span.start_ns - truth.start_ns))
            .unwrap_or(0);
        percent(replay.now_ns + offset)
    });
    html! {
        <div class="waterfall">
            <div class="axis" aria-hidden="true">
                <div class="label">{ "Service · operation" }</div>
                <div class="track ticks">{ for ticks }</div>
            </div>
            <div class="body" ref={body_ref} tabindex="0" role="treegrid"
                 aria-label="Trace waterfall: arrow keys move, left and right collapse and expand, Enter opens details"
                 aria-rowcount={n_rows.to_string()}
                 style={format!("height:{body_h}px")} onscroll={on_scroll} onkeydown={on_key}>
                <div class="rows" style={format!("height:{}px", n_rows * ROW_H)}>
                    { for row_html }
                    if let Some(cursor) = cursor.filter(|cursor| (0.0..=100.0).contains(cursor)) {
                        <div class="now-line" title="the replay's moment (true time)"
                             style={format!("left:calc(var(--label-w) + (100% - var(--label-w)) * {cursor:.4} / 100)")}></div>
                    }
                </div>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::tick_step;

    #[test]
    fn ticks_are_round_and_few() {
        assert_eq!(tick_step(355_000_000), 50_000_000);
        assert_eq!(tick_step(8), 1);
        assert_eq!(tick_step(90), 20);
    }
}
