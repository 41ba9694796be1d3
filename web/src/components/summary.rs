//! The trace in numbers: total, spans, services, traces, trace id, and what really happened.

use reqflow_core::view::page::Summary;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TraceSummaryProps {
    pub summary: Summary,
}

#[function_component(TraceSummary)]
pub fn trace_summary(props: &TraceSummaryProps) -> Html {
    let summary = &props.summary;
    html! {
        <dl class="summary">
            <div><dt>{ "Total" }</dt><dd class="total">{ summary.total.clone() }</dd></div>
            <div><dt>{ "Spans" }</dt><dd class="span-count" data-count={summary.n_spans.to_string()}>{ summary.spans.clone() }</dd></div>
            <div><dt>{ "Services" }</dt><dd>{ summary.services.clone() }</dd></div>
            <div><dt>{ "Traces" }</dt><dd class="trace-count">{ summary.traces.clone() }</dd></div>
            <div class="wide"><dt>{ "Trace id" }</dt><dd><code>{ summary.trace_id.clone() }</code></dd></div>
            if summary.failed {
                <div><dt>{ "Result" }</dt><dd class="status-error">{ "failed" }</dd></div>
            }
            if let Some(true_end_to_end) = &summary.true_end_to_end {
                <div><dt>{ "True end-to-end" }</dt><dd>{ true_end_to_end.clone() }</dd></div>
            }
        </dl>
    }
}
