//! The top component: the "Try it" page.

use reqflow_core::builtins;
use reqflow_core::waterfall::format_duration;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::components::waterfall::{PALETTE, Waterfall};
use crate::state::{Action, State};

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| State::from_hash(&location_hash()));
    let on_send = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::SendRequest))
    };
    let on_pick_scenario = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            let select: HtmlSelectElement = event.target_unchecked_into();
            state.dispatch(Action::SelectScenario(select.value()));
        })
    };
    let on_seed = {
        let state = state.clone();
        Callback::from(move |event: Event| {
            let input: web_sys::HtmlInputElement = event.target_unchecked_into();
            match input.value().trim().parse::<u64>() {
                Ok(seed) => state.dispatch(Action::SetSeed(seed)),
                Err(_) => input.set_value(&state.seed.to_string()),
            }
        })
    };
    // Keep the address bar a share link for what is on screen.
    {
        let hash = state.share_link().to_hash();
        use_effect_with(hash, |hash| replace_hash(hash));
    }
    let services: Vec<String> = state.scenario.services.iter().map(|service| service.name.clone()).collect();
    let summary = state.trace.as_ref().map(|trace| {
        let trace_id = trace.spans.first().map(|span| span.trace_id.to_string()).unwrap_or_default();
        let mut traced_services: Vec<&str> = trace.spans.iter().map(|span| span.service.as_str()).collect();
        traced_services.sort_unstable();
        traced_services.dedup();
        html! {
            <dl class="summary">
                <div><dt>{ "Total" }</dt><dd class="total">{ format_duration(trace.end_ns - trace.start_ns) }</dd></div>
                <div><dt>{ "Spans" }</dt><dd>{ trace.spans.len() }</dd></div>
                <div><dt>{ "Services" }</dt><dd>{ traced_services.len() }</dd></div>
                <div class="wide"><dt>{ "Trace id" }</dt><dd><code>{ trace_id }</code></dd></div>
            </dl>
        }
    });
    let legend = services.iter().enumerate().map(|(idx, name)| {
        html! {
            <li><span class="dot" style={format!("background:{}", PALETTE[idx % PALETTE.len()])}></span>{ name }</li>
        }
    });
    html! {
        <>
            <header class="topbar">
                <span class="logo">{ "Reqflow" }</span>
                <span class="tagline">{ "distributed tracing, simulated" }</span>
            </header>
            <main>
                <section class="hero">
                    <h1>{ if state.scenario.name == builtins::DEFAULT { "Try it".to_owned() } else { state.scenario.name.clone() } }</h1>
                    <p class="lede">{ "Trace one request across services. The waterfall shows where time goes." }</p>
                    <p class="lesson">{ &state.scenario.lesson }</p>
                    <div class="controls">
                        <button class="primary" onclick={on_send}>{ "Send request" }</button>
                        <label class="meta">{ "scenario " }
                            <select class="scenario-picker" aria-label="Scenario" onchange={on_pick_scenario}>
                                { for builtins::names().map(|name| html! {
                                    <option value={name} selected={name == state.scenario.name}>{ name }</option>
                                }) }
                            </select>
                        </label>
                        <label class="meta">{ "seed " }
                            <input class="seed-input" type="text" inputmode="numeric" aria-label="Seed"
                                   value={state.seed.to_string()} onchange={on_seed} size="8" />
                            <code class="seed" hidden=true>{ state.seed }</code>
                        </label>
                        <span class="meta">{ "fingerprint " }<code class="fingerprint">{ &state.fingerprint }</code></span>
                    </div>
                </section>
                if let Some(notice) = &state.notice {
                    <p class="notice" role="status">{ notice }</p>
                }
                if let Some(error) = &state.error {
                    <p class="error-box" role="alert">{ error }</p>
                }
                { summary.unwrap_or_default() }
                <ul class="legend" aria-label="Services">{ for legend }</ul>
                if let Some(trace) = &state.trace {
                    <Waterfall trace={trace.clone()} services={services.clone()} />
                }
            </main>
        </>
    }
}

fn location_hash() -> String {
    web_sys::window().and_then(|window| window.location().hash().ok()).unwrap_or_default()
}

/// Replaces the URL's hash without adding a history entry or scrolling.
fn replace_hash(hash: &str) {
    if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
        history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(hash)).ok();
    }
}
