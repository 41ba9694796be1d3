//! The waterfall: one row per span in tree order, bars on a shared time axis.

use reqflow_core::RequestTrace;
use reqflow_core::waterfall::{format_duration, layout, time_range};
use yew::prelude::*;

/// Okabe–Ito: a palette that stays distinguishable with the common colour-vision deficiencies.
pub const PALETTE: [&str; 8] =
    ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#8A7A00", "#777777"];

#[derive(Properties, PartialEq)]
pub struct WaterfallProps {
    pub trace: RequestTrace,
    /// Service names in palette order.
    pub services: Vec<String>,
}

/// Tick spacing that gives 4–8 ticks with "round" values (1, 2, 5 × 10^k ns).
fn tick_step(total_ns: i64) -> i64 {
    let mut step = 1i64;
    loop {
        for factor in [1, 2, 5] {
            if total_ns / (step * factor) <= 8 {
                return step * factor;
            }
        }
        step *= 10;
    }
}

#[function_component(Waterfall)]
pub fn waterfall(props: &WaterfallProps) -> Html {
    let spans = &props.trace.spans;
    if spans.is_empty() {
        return html! { <p class="empty">{ "This request was not sampled: no spans were recorded." }</p> };
    }
    let (start, end) = time_range(spans);
    let total = (end - start).max(1);
    let percent = |ns: i64| (ns as f64 / total as f64 * 100.0).clamp(0.0, 100.0);
    let step = tick_step(total);
    let ticks = (0..=total / step).map(|tick_idx| {
        let at = tick_idx * step;
        html! {
            <span class="tick" style={format!("left:{:.3}%", percent(at))}>{ if at == 0 { "0".to_owned() } else { format_duration(at) } }</span>
        }
    });
    let colour = |service: &str| {
        let idx = props.services.iter().position(|name| name == service).unwrap_or(PALETTE.len() - 1);
        PALETTE[idx % PALETTE.len()]
    };
    let rows = layout(spans).into_iter().map(|row| {
        let span = &spans[row.span as usize];
        let left = percent(span.start_ns - start);
        let width = (percent(span.end_ns - start) - left).max(0.2);
        let duration = format_duration(span.duration_ns());
        // The duration label goes after the bar, else before it, else inside it.
        let (label_class, label_style) = if left + width <= 86.0 {
            ("duration", format!("left:{:.3}%", left + width + 0.6))
        } else if left >= 14.0 {
            ("duration", format!("right:{:.3}%", 100.0 - left + 0.6))
        } else {
            ("duration inside", format!("right:{:.3}%", 100.0 - left - width + 0.6))
        };
        let error = span.status.is_error();
        html! {
            <div class={classes!("row", error.then_some("error"))} role="row"
                 data-service={span.service.clone()} data-span-id={span.span_id.to_string()}>
                <div class="label" role="cell" style={format!("padding-left:{}px", 12 + row.depth * 16)}>
                    <span class="dot" style={format!("background:{}", colour(&span.service))}></span>
                    <span class="service">{ &span.service }</span>
                    <span class="op">{ &span.name }</span>
                    if error { <span class="error-mark" title="error">{ "!" }</span> }
                </div>
                <div class="track" role="cell">
                    <div class="bar" style={format!("left:{left:.3}%;width:{width:.3}%;background:{}", colour(&span.service))}></div>
                    <span class={label_class} style={label_style}>{ duration }</span>
                </div>
            </div>
        }
    });
    html! {
        <div class="waterfall" role="table" aria-label="Trace waterfall">
            <div class="axis" role="row">
                <div class="label" role="columnheader">{ "Service · operation" }</div>
                <div class="track ticks" role="columnheader">{ for ticks }</div>
            </div>
            { for rows }
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
