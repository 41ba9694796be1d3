//! Span details: everything known about the selected span, including what the host's clock
//! said versus what really happened.

use reqflow_core::StatusCode;
use reqflow_core::tracecontext::TraceParent;
use reqflow_core::waterfall::format_duration;
use yew::prelude::*;

use crate::state::PALETTE;
use crate::state::{Action, State};

#[derive(Properties, PartialEq)]
pub struct DetailsProps {
    pub state: UseReducerHandle<State>,
}

fn row(label: &str, value: Html) -> Html {
    html! { <><dt>{ label.to_owned() }</dt><dd>{ value }</dd></> }
}

fn text(value: impl Into<String>) -> Html {
    html! { { value.into() } }
}

fn code(value: impl Into<String>) -> Html {
    html! { <code>{ value.into() }</code> }
}

#[function_component(Details)]
pub fn details(props: &DetailsProps) -> Html {
    let state = &props.state;
    let Some(span_idx) = state.selected.filter(|_| state.details_open) else {
        return html! {};
    };
    let trace = &state.trace;
    let span = &trace.spans[span_idx as usize];
    let facts = trace.analysis.span(span_idx);
    let relative = |ns: i64| format_duration(ns - trace.start_ns);
    let on_close = {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::OpenDetails(false)))
    };
    let colour = PALETTE[trace.colour[span_idx as usize] as usize];
    let status = if span.status.is_error() {
        let message =
            if span.status.message.is_empty() { String::new() } else { format!(": {}", span.status.message) };
        html! { <span class="status-error">{ format!("error{message}") }</span> }
    } else {
        text(if span.status.code == StatusCode::Ok { "ok" } else { "unset" }.to_owned())
    };
    let header = span.traceparent.as_deref().map(|header| match TraceParent::parse(header) {
        Ok(parsed) => html! {
            <>
                <code class="traceparent">{ header.to_owned() }</code>
                <ul class="fields">
                    { for parsed.explain().into_iter().map(|field| html! {
                        <li><code>{ field.hex.clone() }</code>{ " " }<span class="field-name">{ field.field.name() }</span>{ format!(": {}", field.meaning) }</li>
                    }) }
                </ul>
            </>
        },
        Err(error) => html! { <><code>{ header.to_owned() }</code><p class="status-error">{ error.to_string() }</p></> },
    });
    let clock = (!state.is_imported())
        .then(|| state.scenario().service(&span.service).map(|service| service.clock.clone()))
        .flatten();
    let split = trace.replay().splits[span_idx as usize];
    let pool = (!state.is_imported())
        .then(|| state.scenario().service(&span.service).map(|service| service.concurrency))
        .flatten()
        .filter(|&limit| limit > 0)
        .map(|limit| match state.replay {
            Some(replay) => format!(
                "{} of {limit} busy at this moment of the replay",
                trace.replay().busy(&trace.spans, &span.service, replay.now_ns)
            ),
            None => format!("{limit} at once (play the replay to watch it fill)"),
        });
    let truth = span.truth.map(|truth| {
        let observed_shift = span.start_ns - truth.start_ns;
        html! {
            <section class="truth">
                <h3>{ "Ground truth (the simulator knows)" }</h3>
                <dl>
                    { row("Really started", text(relative(truth.start_ns))) }
                    { row("Really took", text(format_duration(truth.end_ns - truth.start_ns))) }
                    { row("Host clock said", text(format!("{} (off by {})", relative(span.start_ns), format_duration(observed_shift)))) }
                    { row("Working", text(format_duration(split.working_ns))) }
                    { row("Waiting on calls", text(format_duration(split.waiting_ns))) }
                    { row("Queued", text(format_duration(split.queued_ns))) }
                    if let Some(pool) = &pool {
                        { row(&format!("{} pool", span.service), text(pool.clone())) }
                    }
                </dl>
            </section>
        }
    });
    let attribute = |key: &str, value: String| {
        html! { <tr><th scope="row"><code>{ key.to_owned() }</code></th><td>{ value }</td></tr> }
    };
    let attributes = span.attributes.iter().map(|kv| attribute(&kv.key, kv.value.to_string()));
    // As Jaeger shows a span's "Process": the service, the resource's attributes, the scope.
    let resource = span.resource.data();
    let mut resource_rows = vec![("service.name".to_owned(), span.service.to_string())];
    if !span.host.is_empty() {
        resource_rows.push(("host.name".to_owned(), span.host.to_string()));
    }
    resource_rows.extend(resource.attributes.iter().map(|kv| (kv.key.to_string(), kv.value.to_string())));
    let n_resource = resource_rows.len();
    let scope = format!("{} {}", resource.scope_name, resource.scope_version);
    if !scope.trim().is_empty() {
        resource_rows.push(("scope".to_owned(), scope.trim().to_owned()));
    }
    resource_rows.extend(
        resource.scope_attributes.iter().map(|kv| (format!("scope {}", kv.key), kv.value.to_string())),
    );
    let events = span.events.iter().map(|event| {
        let attributes: Vec<String> = event.attributes.iter().map(|kv| format!("{}={}", kv.key, kv.value)).collect();
        html! {
            <li><span class="event-time">{ relative(event.time_ns) }</span>{ " " }<strong>{ event.name.to_string() }</strong>
                if !attributes.is_empty() { { " " }<code>{ attributes.join(" ") }</code> }
            </li>
        }
    });
    let links = span
        .links
        .iter()
        .map(|link| html! { <li><code>{ format!("{} / {}", link.trace_id, link.span_id) }</code></li> });
    let warnings = facts.warnings.iter().map(|warning| html! { <li>{ warning.to_string() }</li> });

    html! {
        <aside class="details" aria-label="Span details">
            <header>
                <span class="dot" style={format!("background:{colour}")}></span>
                <h2>{ format!("{} · {}", span.service, span.name) }</h2>
                <button class="close" onclick={on_close} aria-label="Close details">{ "×" }</button>
            </header>
            if !facts.warnings.is_empty() {
                <ul class="warnings">{ for warnings }</ul>
            }
            <dl>
                { row("Service", text(span.service.clone())) }
                { row("Host", text(if span.host.is_empty() { "(unknown)".to_owned() } else { span.host.to_string() })) }
                { row("Operation", text(span.name.clone())) }
                { row("Kind", text(span.kind.as_str())) }
                { row("Status", status) }
                { row("Start", text(format!("{} after the trace began (as recorded)", relative(facts.raw.start_ns)))) }
                { row("Duration", text(format_duration(span.duration_ns()))) }
                { row("Self time", text(format_duration(facts.self_ns))) }
                { row("Critical path", text(if facts.on_critical_path { format_duration(facts.critical_ns) } else { "not on it".to_owned() })) }
                if let Some(clock) = &clock {
                    { row("Host clock", text(format!("{:+} ms offset, {:+} ppm drift", clock.offset_ms, clock.drift_ppm))) }
                }
                { row("Skew adjustment", text(match facts.shift_reason {
                    Some(reason) => format!("{} — {reason}", format_duration(facts.shift_ns)),
                    None => "none".to_owned(),
                })) }
                { row("Trace id", code(span.trace_id.to_string())) }
                { row("Span id", code(span.span_id.to_string())) }
                { row("Parent id", code(span.parent_span_id.map_or("(root)".to_owned(), |id| id.to_string()))) }
            </dl>
            if let Some(header) = header {
                <section><h3>{ "traceparent this hop received" }</h3>{ header }</section>
            } else if span.parent_span_id.is_none() {
                <section><h3>{ "traceparent" }</h3><p class="muted">{ "None received: this span started the trace." }</p></section>
            }
            <details class="resource">
                <summary>{ format!("Resource · {n_resource} attribute{}", if n_resource == 1 { "" } else { "s" }) }</summary>
                <table class="attributes">{ for resource_rows.into_iter().map(|(key, value)| attribute(&key, value)) }</table>
            </details>
            { truth.unwrap_or_default() }
            if !span.attributes.is_empty() {
                <section><h3>{ "Attributes" }</h3><table class="attributes">{ for attributes }</table></section>
            }
            if !span.events.is_empty() {
                <section><h3>{ "Events" }</h3><ul class="events">{ for events }</ul></section>
            }
            if !span.links.is_empty() {
                <section><h3>{ "Links" }</h3><ul>{ for links }</ul></section>
            }
        </aside>
    }
}
