//! Knobs: change a service and watch the trace change. Every change re-simulates at once.

use std::rc::Rc;

use reqflow_core::knobs::{ServiceKnobs, Shape};
use reqflow_core::view::knobs::{KnobCard, KnobField, trim_number};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::state::PALETTE;

#[derive(Properties, PartialEq)]
pub struct KnobsProps {
    /// One card per service of the scenario.
    pub cards: Rc<Vec<KnobCard>>,
    /// Whether any knob is changed (they can be reset).
    pub changed: bool,
    /// A service's new knob set.
    pub on_set_knobs: Callback<(String, ServiceKnobs)>,
    pub on_reset: Callback<()>,
}

#[function_component(KnobsPanel)]
pub fn knobs_panel(props: &KnobsProps) -> Html {
    let cards = props.cards.iter().map(|card| knob_card(&props.on_set_knobs, card.clone()));
    html! {
        <section class="knobs" aria-label="Knobs">
            <div class="knobs-head">
                <h2>{ "Change the system" }</h2>
                if props.changed {
                    <button class="link" onclick={props.on_reset.reform(|_| ())}>{ "Reset" }</button>
                }
            </div>
            <p class="muted">{ "Open a service, change it, and the request is simulated again with the same seed." }</p>
            { for cards }
        </section>
    }
}

/// One service's card: each control sends what was typed to the core's card, which gives the
/// service's next knob set.
fn knob_card(on_set_knobs: &Callback<(String, ServiceKnobs)>, card: KnobCard) -> Html {
    let card = Rc::new(card);
    let on = |field: KnobField, read: fn(&Event) -> String| {
        let card = card.clone();
        on_set_knobs.reform(move |event: Event| (card.service.clone(), card.with(field, &read(&event))))
    };
    let value = |event: &Event| event.target_unchecked_into::<HtmlInputElement>().value();
    let choice = |event: &Event| event.target_unchecked_into::<HtmlSelectElement>().value();
    let checked = |event: &Event| event.target_unchecked_into::<HtmlInputElement>().checked().to_string();
    let name = &card.service;
    let id =
        |field: &str| format!("knob-{}-{field}", name.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
    let (median, errors, skew) =
        (trim_number(card.median_ms), trim_number(card.error_rate * 100.0), card.skew_ms);
    html! {
        <details class={classes!("knob-card", card.changed.then_some("changed"))} data-service={name.clone()}>
            <summary>
                <span class="dot" style={format!("background:{}", PALETTE[card.colour])}></span>
                <span class="service">{ name.clone() }</span>
                <span class="knob-summary">{ card.summary() }</span>
            </summary>
            <div class="knob-grid">
                <label for={id("median")}>{ "Latency (ms)" }</label>
                <div class="inline">
                    <input id={id("median")} type="number" min="0" step="any" value={median}
                           onchange={on(KnobField::Median, value)} aria-label={format!("{name} latency in milliseconds")} />
                    <select onchange={on(KnobField::Shape, choice)} aria-label={format!("{name} latency distribution")}>
                        { for Shape::ALL.into_iter().map(|option| html! {
                            <option value={option.as_str()} selected={option == card.shape}>{ option.as_str() }</option>
                        }) }
                    </select>
                </div>
                <label for={id("errors")}>{ format!("Errors: {errors}%") }</label>
                <input id={id("errors")} type="range" min="0" max="100" step="1" value={errors}
                       onchange={on(KnobField::ErrorPercent, value)} aria-label={format!("{name} error rate in percent")} />
                <label for={id("skew")}>{ format!("Clock skew: {skew:+} ms") }</label>
                <input id={id("skew")} type="range" min="-200" max="200" step="5" value={trim_number(skew)}
                       onchange={on(KnobField::SkewMs, value)} aria-label={format!("{name} clock skew in milliseconds")} />
                if card.fans_out {
                    <label for={id("fanout")}>{ "Fan-out × (parallel and repeated calls)" }</label>
                    <input id={id("fanout")} type="number" min="1" max="1000" step="1" value={card.fanout.to_string()}
                           onchange={on(KnobField::Fanout, value)} aria-label={format!("{name} fan-out multiplier")} />
                }
                <label class="check"><input type="checkbox" checked={card.instrumented} onchange={on(KnobField::Instrumented, checked)}
                       aria-label={format!("{name} is instrumented")} />{ " instrumented (emits spans)" }</label>
                <label class="check"><input type="checkbox" checked={card.propagates} onchange={on(KnobField::Propagates, checked)}
                       aria-label={format!("{name} propagates context")} />{ " propagates traceparent" }</label>
            </div>
        </details>
    }
}
