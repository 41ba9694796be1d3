//! The minimap: the whole trace in miniature; drag across it to zoom into a time range.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

use crate::components::waterfall::use_visible_rows;
use crate::state::PALETTE;
use crate::state::{Action, State};

const HEIGHT: u32 = 56;

#[derive(Properties, PartialEq)]
pub struct MinimapProps {
    pub state: UseReducerHandle<State>,
}

#[function_component(Minimap)]
pub fn minimap(props: &MinimapProps) -> Html {
    let state = &props.state;
    let canvas_ref = use_node_ref();
    let drag = use_state(|| None::<(f64, f64)>);
    let rows = use_visible_rows(&state.trace, &state.collapsed);

    // Draw after every render that changes the rows or the trace.
    {
        let canvas_ref = canvas_ref.clone();
        let trace = state.trace.clone();
        let key = (Rc::as_ptr(&trace) as usize, Rc::as_ptr(&rows) as usize);
        let rows = rows.clone();
        use_effect_with(key, move |_| {
            if let Some(canvas) = canvas_ref.cast::<HtmlCanvasElement>() {
                draw(&canvas, &trace, &rows);
            }
        });
    }

    let fraction = {
        let canvas_ref = canvas_ref.clone();
        move |event: &MouseEvent| -> f64 {
            let Some(canvas) = canvas_ref.cast::<web_sys::Element>() else { return 0.0 };
            let rect = canvas.get_bounding_client_rect();
            ((f64::from(event.client_x()) - rect.left()) / rect.width().max(1.0)).clamp(0.0, 1.0)
        }
    };
    let on_down = {
        let drag = drag.clone();
        let fraction = fraction.clone();
        Callback::from(move |event: MouseEvent| {
            let at = fraction(&event);
            drag.set(Some((at, at)));
        })
    };
    let on_move = {
        let drag = drag.clone();
        let fraction = fraction.clone();
        Callback::from(move |event: MouseEvent| {
            if let Some((from, _)) = *drag {
                drag.set(Some((from, fraction(&event))));
            }
        })
    };
    let on_up = {
        let drag = drag.clone();
        let state = state.clone();
        Callback::from(move |event: MouseEvent| {
            if let Some((from, _)) = *drag {
                let to = fraction(&event);
                let (low, high) = if from < to { (from, to) } else { (to, from) };
                if high - low > 0.005 {
                    state.dispatch(Action::Zoom(Some((low, high))));
                }
            }
            drag.set(None);
        })
    };
    let on_leave = {
        let drag = drag.clone();
        Callback::from(move |_| drag.set(None))
    };
    let on_reset = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::Zoom(None)))
    };
    let window = drag.map(|(from, to)| (from.min(to), from.max(to))).or(state.zoom);
    html! {
        <div class="minimap-wrap">
            <div class="minimap" onmousedown={on_down} onmousemove={on_move} onmouseup={on_up} onmouseleave={on_leave}
                 title="Drag across the minimap to zoom into a time range">
                <canvas ref={canvas_ref} width="1000" height={HEIGHT.to_string()} aria-label="Minimap of the whole trace"></canvas>
                if let Some((low, high)) = window {
                    <div class="zoom-window" style={format!("left:{:.3}%;width:{:.3}%", low * 100.0, (high - low) * 100.0)}></div>
                }
            </div>
            if state.zoom.is_some() {
                <button class="zoom-reset" onclick={on_reset}>{ "Show the whole trace" }</button>
            } else {
                <span class="muted hint">{ "Drag on the minimap to zoom" }</span>
            }
        </div>
    }
}

/// One rectangle per pixel row at most: rows that share a pixel are merged, so drawing costs the
/// same for 100 or 100,000 spans.
fn draw(canvas: &HtmlCanvasElement, trace: &reqflow_core::view::TraceView, rows: &[u32]) {
    let Some(context) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|context| context.dyn_into::<CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let (width, height) = (f64::from(canvas.width()), f64::from(canvas.height()));
    context.clear_rect(0.0, 0.0, width, height);
    if rows.is_empty() {
        return;
    }
    let total = trace.duration_ns().max(1) as f64;
    let n_lines = (rows.len() as f64).min(height);
    let line_h = height / n_lines;
    let per_line = rows.len() as f64 / n_lines;
    for line in 0..n_lines as usize {
        let from = (line as f64 * per_line) as usize;
        let to = (((line + 1) as f64 * per_line) as usize).min(rows.len()).max(from + 1);
        let (mut start, mut end, mut colour) = (i64::MAX, i64::MIN, 0u8);
        for &span_idx in &rows[from..to] {
            let time = trace.analysis.times[span_idx as usize];
            if time.start_ns < start {
                start = time.start_ns;
                colour = trace.colour[span_idx as usize];
            }
            end = end.max(time.end_ns);
        }
        let x = (start - trace.start_ns) as f64 / total * width;
        let w = ((end - start) as f64 / total * width).max(1.0);
        context.set_fill_style_str(PALETTE[colour as usize]);
        context.fill_rect(x, line as f64 * line_h, w, line_h.max(1.0));
    }
}
