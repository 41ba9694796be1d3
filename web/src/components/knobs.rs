//! Knobs: change a service and watch the trace change. Every change re-simulates at once.

use reqflow_core::knobs::{ServiceKnobs, Shape};
use reqflow_core::scenario::Step;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::state::{Action, State};
use crate::trace_view::PALETTE;

#[derive(Properties, PartialEq)]
pub struct KnobsProps {
    pub state: UseReducerHandle<State>,
}

#[function_component(KnobsPanel)]
pub fn knobs_panel(props: &KnobsProps) -> Html {
    let state = &props.state;
    let on_reset = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::ResetKnobs))
    };
    let cards = state.base.services.iter().map(|service| {
        let name = service.name.clone();
        let knobs = state.knobs.0.get(&name).cloned().unwrap_or_default();
        let base_latency = service.operations.first().map(|operation| &operation.latency);
        let (shape, median) = knobs.latency.unwrap_or_else(|| {
            base_latency.map_or((Shape::Fixed, 0.0), |latency| (Shape::of(latency), latency.typical_ms()))
        });
        let error_rate = knobs.error_rate.unwrap_or_else(|| service.operations.first().map_or(0.0, |op| op.error_rate));
        let skew = knobs.skew_ms.unwrap_or(service.clock.offset_ms);
        let instrumented = knobs.instrumented.unwrap_or(service.instrumented);
        let propagates = knobs.propagates.unwrap_or(service.propagates);
        let colour_idx = state.trace.services.iter().position(|other| *other == name).unwrap_or(0) % PALETTE.len();
        // Each control sends the service's whole knob set with one field changed.
        let change = |update: fn(&mut ServiceKnobs, &str, Shape, f64)| {
            let state = state.clone();
            let name = name.clone();
            let knobs = knobs.clone();
            move |value: String| {
                let mut next = knobs.clone();
                update(&mut next, &value, shape, median);
                state.dispatch(Action::SetKnobs(name.clone(), next));
            }
        };
        let on_median = {
            let apply = change(|knobs, value, shape, _| {
                if let Ok(ms) = value.trim().parse::<f64>() {
                    knobs.latency = Some((shape, ms.clamp(0.0, 3_600_000.0)));
                }
            });
            Callback::from(move |event: Event| apply(event.target_unchecked_into::<HtmlInputElement>().value()))
        };
        let on_shape = {
            let apply = change(|knobs, value, _, median| {
                if let Some(shape) = Shape::parse(value) {
                    knobs.latency = Some((shape, median));
                }
            });
            Callback::from(move |event: Event| apply(event.target_unchecked_into::<HtmlSelectElement>().value()))
        };
        let on_errors = {
            let apply = change(|knobs, value, _, _| {
                if let Ok(percent) = value.parse::<f64>() {
                    knobs.error_rate = Some((percent / 100.0).clamp(0.0, 1.0));
                }
            });
            Callback::from(move |event: Event| apply(event.target_unchecked_into::<HtmlInputElement>().value()))
        };
        let on_skew = {
            let apply = change(|knobs, value, _, _| {
                if let Ok(ms) = value.parse::<f64>() {
                    knobs.skew_ms = Some(ms);
                }
            });
            Callback::from(move |event: Event| apply(event.target_unchecked_into::<HtmlInputElement>().value()))
        };
        let on_instrumented = {
            let apply = change(|knobs, value, _, _| knobs.instrumented = Some(value == "true"));
            Callback::from(move |event: Event| {
                apply(event.target_unchecked_into::<HtmlInputElement>().checked().to_string())
            })
        };
        let fans_out = service.operations.iter().any(|operation| {
            operation.steps.iter().any(|step| matches!(step, Step::Parallel(_) | Step::Repeat(_)))
        });
        let fanout = knobs.fanout.unwrap_or(1);
        let on_fanout = {
            let apply = change(|knobs, value, _, _| {
                if let Ok(factor) = value.trim().parse::<u32>() {
                    knobs.fanout = (factor > 1).then_some(factor.min(1000));
                }
            });
            Callback::from(move |event: Event| apply(event.target_unchecked_into::<HtmlInputElement>().value()))
        };
        let on_propagates = {
            let apply = change(|knobs, value, _, _| knobs.propagates = Some(value == "true"));
            Callback::from(move |event: Event| {
                apply(event.target_unchecked_into::<HtmlInputElement>().checked().to_string())
            })
        };
        let changed = state.knobs.0.contains_key(&name);
        let summary = format!(
            "{} ms{}{}{}",
            trim_number(median),
            if error_rate > 0.0 { format!(" · {}% errors", trim_number(error_rate * 100.0)) } else { String::new() },
            if skew != 0.0 { format!(" · clock {skew:+} ms") } else { String::new() },
            if !instrumented { " · not traced" } else if !propagates { " · drops context" } else { "" },
        );
        let id = |field: &str| format!("knob-{}-{field}", name.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
        html! {
            <details class={classes!("knob-card", changed.then_some("changed"))} data-service={name.clone()}>
                <summary>
                    <span class="dot" style={format!("background:{}", PALETTE[colour_idx])}></span>
                    <span class="service">{ name.clone() }</span>
                    <span class="knob-summary">{ summary }</span>
                </summary>
                <div class="knob-grid">
                    <label for={id("median")}>{ "Latency (ms)" }</label>
                    <div class="inline">
                        <input id={id("median")} type="number" min="0" step="any" value={trim_number(median)}
                               onchange={on_median} aria-label={format!("{name} latency in milliseconds")} />
                        <select onchange={on_shape} aria-label={format!("{name} latency distribution")}>
                            { for Shape::ALL.into_iter().map(|option| html! {
                                <option value={option.as_str()} selected={option == shape}>{ option.as_str() }</option>
                            }) }
                        </select>
                    </div>
                    <label for={id("errors")}>{ format!("Errors: {}%", trim_number(error_rate * 100.0)) }</label>
                    <input id={id("errors")} type="range" min="0" max="100" step="1" value={trim_number(error_rate * 100.0)}
                           onchange={on_errors} aria-label={format!("{name} error rate in percent")} />
                    <label for={id("skew")}>{ format!("Clock skew: {skew:+} ms") }</label>
                    <input id={id("skew")} type="range" min="-200" max="200" step="5" value={trim_number(skew)}
                           onchange={on_skew} aria-label={format!("{name} clock skew in milliseconds")} />
                    if fans_out {
                        <label for={id("fanout")}>{ "Fan-out × (parallel and repeated calls)" }</label>
                        <input id={id("fanout")} type="number" min="1" max="1000" step="1" value={fanout.to_string()}
                               onchange={on_fanout} aria-label={format!("{name} fan-out multiplier")} />
                    }
                    <label class="check"><input type="checkbox" checked={instrumented} onchange={on_instrumented}
                           aria-label={format!("{name} is instrumented")} />{ " instrumented (emits spans)" }</label>
                    <label class="check"><input type="checkbox" checked={propagates} onchange={on_propagates}
                           aria-label={format!("{name} propagates context")} />{ " propagates traceparent" }</label>
                </div>
            </details>
        }
    });
    html! {
        <section class="knobs" aria-label="Knobs">
            <div class="knobs-head">
                <h2>{ "Change the system" }</h2>
                if !state.knobs.is_empty() {
                    <button class="link" onclick={on_reset}>{ "Reset" }</button>
                }
            </div>
            <p class="muted">{ "Open a service, change it, and the request is simulated again with the same seed." }</p>
            { for cards }
        </section>
    }
}

/// A number without trailing zeros: `12`, `12.5`.
fn trim_number(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}
