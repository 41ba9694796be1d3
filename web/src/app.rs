//! The top component: the "Try it" page.

use reqflow_core::waterfall::format_duration;
use yew::prelude::*;

use crate::components::waterfall::{PALETTE, Waterfall};
use crate::state::{Action, State};

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(State::initial);
    let on_send = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::SendRequest))
    };
    let services: Vec<String> = state
        .scenario
        .services
        .iter()
        .map(|service| service.name.clone())
        .collect();
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
                    <h1>{ "Try it" }</h1>
                    <p class="lede">{ "Trace one request across services. The waterfall shows where time goes." }</p>
                    <p class="lesson">{ &state.scenario.lesson }</p>
                    <div class="controls">
                        <button class="primary" onclick={on_send}>{ "Send request" }</button>
                        <span class="meta">{ "seed " }<code class="seed">{ state.seed }</code></span>
                        <span class="meta">{ "fingerprint " }<code class="fingerprint">{ &state.fingerprint }</code></span>
                    </div>
                </section>
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
