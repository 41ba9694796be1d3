//! The heading: what is on screen, and the controls that make the next request.

use reqflow_core::builtins;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::components::emit_some;

#[derive(Properties, PartialEq)]
pub struct HeroProps {
    pub title: String,
    pub lede: String,
    /// The scenario's lesson (simulated traces).
    pub lesson: Option<String>,
    /// The built-in scenario on screen; `None` for an imported file.
    pub scenario: Option<String>,
    pub seed: u64,
    /// The fingerprint `reqflow run` prints too (simulated traces).
    pub fingerprint: Option<String>,
    pub on_send: Callback<()>,
    pub on_scenario: Callback<String>,
    pub on_seed: Callback<u64>,
}

#[function_component(Hero)]
pub fn hero(props: &HeroProps) -> Html {
    html! {
        <section class="hero">
            <div class="hero-text">
                <h1>{ props.title.clone() }</h1>
                <p class="lede">{ props.lede.clone() }</p>
                if let Some(lesson) = &props.lesson {
                    <p class="lesson">{ lesson.clone() }</p>
                }
            </div>
            <div class="controls">
                <button class="primary" onclick={props.on_send.reform(|_| ())}>{ "Send request" }</button>
                { scenario_picker(props.scenario.as_deref(), &props.on_scenario) }
                { seed_input(props.seed, &props.on_seed) }
                if let Some(fingerprint) = &props.fingerprint {
                    <span class="meta" title="Same scenario + seed + knobs = same fingerprint, here and in `reqflow run`">
                        { "Fingerprint " }<code class="fingerprint">{ fingerprint.clone() }</code>
                    </span>
                }
                <code class="seed" hidden=true>{ props.seed }</code>
            </div>
        </section>
    }
}

/// The built-in scenarios; an imported file shows as a choice that cannot be picked.
fn scenario_picker(scenario: Option<&str>, on_scenario: &Callback<String>) -> Html {
    let on_change =
        on_scenario.reform(|event: Event| event.target_unchecked_into::<HtmlSelectElement>().value());
    html! {
        <label class="meta">{ "Scenario " }
            <select class="scenario-picker" aria-label="Scenario" onchange={on_change}>
                if scenario.is_none() {
                    <option value="" selected=true disabled=true>{ "(imported file)" }</option>
                }
                { for builtins::names().map(|name| html! {
                    <option value={name} selected={scenario == Some(name)}>{ name }</option>
                }) }
            </select>
        </label>
    }
}

/// The seed: a number that is not a seed puts the current one back.
fn seed_input(seed: u64, on_seed: &Callback<u64>) -> Html {
    let on_change = emit_some(on_seed, move |event: Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        let parsed = input.value().trim().parse::<u64>().ok();
        if parsed.is_none() {
            input.set_value(&seed.to_string());
        }
        parsed
    });
    html! {
        <label class="meta">{ "Seed " }
            <input class="seed-input" type="text" inputmode="numeric" aria-label="Seed"
                   value={seed.to_string()} onchange={on_change} size="8" />
        </label>
    }
}
