//! Span details: everything known about the selected span, including what the host's clock
//! said versus what really happened.

use reqflow_core::scenario::Clock;
use reqflow_core::tracecontext::TraceParent;
use reqflow_core::view::TraceView;
use reqflow_core::waterfall::format_duration;
use reqflow_core::{Span, StatusCode};
use yew::prelude::*;

use crate::components::Shared;
use crate::state::PALETTE;

#[derive(Properties, PartialEq)]
pub struct DetailsProps {
    pub trace: Shared<TraceView>,
    pub span_idx: u32,
    /// The host clock of the span's service (simulated traces).
    pub clock: Option<Clock>,
    /// The span's service's pool size, when it has one (simulated traces).
    pub pool: Option<u32>,
    /// The replay's moment, when one is on.
    pub replay_now: Option<i64>,
    pub on_close: Callback<()>,
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
    let (trace, span_idx) = (&props.trace, props.span_idx);
    let span = &trace.spans[span_idx as usize];
    let facts = trace.analysis.span(span_idx);
    let colour = PALETTE[trace.colour[span_idx as usize] as usize];
    html! {
        <aside class="details" aria-label="Span details">
            <header>
                <span class="dot" style={format!("background:{colour}")}></span>
                <h2>{ format!("{} · {}", span.service, span.name) }</h2>
                <button class="close" onclick={props.on_close.reform(|_| ())} aria-label="Close details">{ "×" }</button>
            </header>
            if !facts.warnings.is_empty() {
                <ul class="warnings">{ for facts.warnings.iter().map(|warning| html! { <li>{ warning.to_string() }</li> }) }</ul>
            }
            { facts_list(props) }
            { traceparent(span) }
            { resource(span) }
            { truth(props) }
            if !span.attributes.is_empty() {
                <section><h3>{ "Attributes" }</h3><table class="attributes">
                    { for span.attributes.iter().map(|kv| attribute(&kv.key, kv.value.to_string())) }
                </table></section>
            }
            if !span.events.is_empty() {
                <section><h3>{ "Events" }</h3><ul class="events">{ events(span, trace.start_ns) }</ul></section>
            }
            if !span.links.is_empty() {
                <section><h3>{ "Links" }</h3><ul>{ for span.links.iter().map(|link| html! {
                    <li><code>{ format!("{} / {}", link.trace_id, link.span_id) }</code></li>
                }) }</ul></section>
            }
        </aside>
    }
}

/// The span's facts: service, host, operation, kind, status, times, ids.
fn facts_list(props: &DetailsProps) -> Html {
    let trace = &props.trace;
    let span = &trace.spans[props.span_idx as usize];
    let facts = trace.analysis.span(props.span_idx);
    let relative = |ns: i64| format_duration(ns - trace.start_ns);
    html! {
        <dl>
            { row("Service", text(span.service.clone())) }
            { row("Host", text(if span.host.is_empty() { "(unknown)".to_owned() } else { span.host.to_string() })) }
            { row("Operation", text(span.name.clone())) }
            { row("Kind", text(span.kind.as_str())) }
            { row("Status", status(span)) }
            { row("Start", text(format!("{} after the trace began (as recorded)", relative(facts.raw.start_ns)))) }
            { row("Duration", text(format_duration(span.duration_ns()))) }
            { row("Self time", text(format_duration(facts.self_ns))) }
            { row("Critical path", text(if facts.on_critical_path { format_duration(facts.critical_ns) } else { "not on it".to_owned() })) }
            if let Some(clock) = &props.clock {
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
    }
}

fn status(span: &Span) -> Html {
    if span.status.is_error() {
        let message =
            if span.status.message.is_empty() { String::new() } else { format!(": {}", span.status.message) };
        html! { <span class="status-error">{ format!("error{message}") }</span> }
    } else {
        text(if span.status.code == StatusCode::Ok { "ok" } else { "unset" }.to_owned())
    }
}

/// The `traceparent` the span received, decoded field by field.
fn traceparent(span: &Span) -> Html {
    let Some(header) = span.traceparent.as_deref() else {
        return if span.parent_span_id.is_none() {
            html! { <section><h3>{ "traceparent" }</h3><p class="muted">{ "None received: this span started the trace." }</p></section> }
        } else {
            Html::default()
        };
    };
    let decoded = match TraceParent::parse(header) {
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
        Err(error) => {
            html! { <><code>{ header.to_owned() }</code><p class="status-error">{ error.to_string() }</p></> }
        }
    };
    html! { <section><h3>{ "traceparent this hop received" }</h3>{ decoded }</section> }
}

fn attribute(key: &str, value: String) -> Html {
    html! { <tr><th scope="row"><code>{ key.to_owned() }</code></th><td>{ value }</td></tr> }
}

/// As Jaeger shows a span's "Process": the service, the resource's attributes, the scope.
fn resource(span: &Span) -> Html {
    let resource = span.resource.data();
    let mut rows = vec![("service.name".to_owned(), span.service.to_string())];
    if !span.host.is_empty() {
        rows.push(("host.name".to_owned(), span.host.to_string()));
    }
    rows.extend(resource.attributes.iter().map(|kv| (kv.key.to_string(), kv.value.to_string())));
    let n_resource = rows.len();
    let scope = format!("{} {}", resource.scope_name, resource.scope_version);
    if !scope.trim().is_empty() {
        rows.push(("scope".to_owned(), scope.trim().to_owned()));
    }
    rows.extend(
        resource.scope_attributes.iter().map(|kv| (format!("scope {}", kv.key), kv.value.to_string())),
    );
    html! {
        <details class="resource">
            <summary>{ format!("Resource · {n_resource} attribute{}", if n_resource == 1 { "" } else { "s" }) }</summary>
            <table class="attributes">{ for rows.into_iter().map(|(key, value)| attribute(&key, value)) }</table>
        </details>
    }
}

/// The simulator's ground truth: when the span really ran, and how its time splits.
fn truth(props: &DetailsProps) -> Html {
    let trace = &props.trace;
    let span = &trace.spans[props.span_idx as usize];
    let Some(truth) = span.truth else { return Html::default() };
    let relative = |ns: i64| format_duration(ns - trace.start_ns);
    let split = trace.replay().splits[props.span_idx as usize];
    let pool = props.pool.map(|limit| match props.replay_now {
        Some(now) => {
            format!(
                "{} of {limit} busy at this moment of the replay",
                trace.replay().busy(&trace.spans, &span.service, now)
            )
        }
        None => format!("{limit} at once (play the replay to watch it fill)"),
    });
    html! {
        <section class="truth">
            <h3>{ "Ground truth (the simulator knows)" }</h3>
            <dl>
                { row("Really started", text(relative(truth.start_ns))) }
                { row("Really took", text(format_duration(truth.end_ns - truth.start_ns))) }
                { row("Host clock said", text(format!("{} (off by {})", relative(span.start_ns), format_duration(span.start_ns - truth.start_ns)))) }
                { row("Working", text(format_duration(split.working_ns))) }
                { row("Waiting on calls", text(format_duration(split.waiting_ns))) }
                { row("Queued", text(format_duration(split.queued_ns))) }
                if let Some(pool) = pool {
                    { row(&format!("{} pool", span.service), text(pool)) }
                }
            </dl>
        </section>
    }
}

/// The span's events, at their time from the trace's start.
fn events(span: &Span, trace_start: i64) -> Html {
    span.events
        .iter()
        .map(|event| {
            let attributes: Vec<String> =
                event.attributes.iter().map(|kv| format!("{}={}", kv.key, kv.value)).collect();
            html! {
                <li><span class="event-time">{ format_duration(event.time_ns - trace_start) }</span>{ " " }<strong>{ event.name.to_string() }</strong>
                    if !attributes.is_empty() { { " " }<code>{ attributes.join(" ") }</code> }
                </li>
            }
        })
        .collect()
}
