//! The minimap: the whole trace in miniature; drag across it to zoom into a time range.

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use yew::prelude::*;

use crate::components::Shared;
use crate::state::PALETTE;
use reqflow_core::view::TraceView;

const HEIGHT: u32 = 56;

#[derive(Properties, PartialEq)]
pub struct MinimapProps {
    pub trace: Shared<TraceView>,
    /// The waterfall's visible rows, in tree order.
    pub rows: Shared<Vec<u32>>,
    /// Zoomed time range, as fractions of the trace's duration.
    pub zoom: Option<(f64, f64)>,
    /// A new range, or `None` for the whole trace.
    pub on_zoom: Callback<Option<(f64, f64)>>,
}

#[function_component(Minimap)]
pub fn minimap(props: &MinimapProps) -> Html {
    let canvas_ref = use_node_ref();
    let drag = use_state(|| None::<(f64, f64)>);
    // Draw after every render that changes the rows or the trace.
    {
        let canvas_ref = canvas_ref.clone();
        use_effect_with((props.trace.clone(), props.rows.clone()), move |(trace, rows)| {
            if let Some(canvas) = canvas_ref.cast::<HtmlCanvasElement>() {
                draw(&canvas, trace, rows);
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
        let (drag, fraction) = (drag.clone(), fraction.clone());
        Callback::from(move |event: MouseEvent| {
            let at = fraction(&event);
            drag.set(Some((at, at)));
        })
    };
    let on_move = {
        let (drag, fraction) = (drag.clone(), fraction.clone());
        Callback::from(move |event: MouseEvent| {
            if let Some((from, _)) = *drag {
                drag.set(Some((from, fraction(&event))));
            }
        })
    };
    let on_up = {
        let (drag, on_zoom) = (drag.clone(), props.on_zoom.clone());
        Callback::from(move |event: MouseEvent| {
            if let Some((from, _)) = *drag {
                let to = fraction(&event);
                let (low, high) = if from < to { (from, to) } else { (to, from) };
                if high - low > 0.005 {
                    on_zoom.emit(Some((low, high)));
                }
            }
            drag.set(None);
        })
    };
    let on_leave = {
        let drag = drag.clone();
        Callback::from(move |_| drag.set(None))
    };
    let window = drag.map(|(from, to)| (from.min(to), from.max(to))).or(props.zoom);
    html! {
        <div class="minimap-wrap">
            <div class="minimap" onmousedown={on_down} onmousemove={on_move} onmouseup={on_up} onmouseleave={on_leave}
                 title="Drag across the minimap to zoom into a time range">
                <canvas ref={canvas_ref} width="1000" height={HEIGHT.to_string()} aria-label="Minimap of the whole trace"></canvas>
                if let Some((low, high)) = window {
                    <div class="zoom-window" style={format!("left:{:.3}%;width:{:.3}%", low * 100.0, (high - low) * 100.0)}></div>
                }
            </div>
            if props.zoom.is_some() {
                <button class="zoom-reset" onclick={props.on_zoom.reform(|_| None)}>{ "Show the whole trace" }</button>
            } else {
                <span class="muted hint">{ "Drag on the minimap to zoom" }</span>
            }
        </div>
    }
}

/// One rectangle per pixel row at most: rows that share a pixel are merged, so drawing costs the
/// same for 100 or 100,000 spans.
fn draw(canvas: &HtmlCanvasElement, trace: &TraceView, rows: &[u32]) {
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
