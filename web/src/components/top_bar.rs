//! The bar at the top: open a file, download the trace, copy a share link.

use reqflow_formats::Format;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::emit_some;

#[derive(Properties, PartialEq)]
pub struct TopBarProps {
    /// An imported trace has no share link.
    pub imported: bool,
    /// Whether the link was just copied.
    pub copied: bool,
    pub on_open: Callback<web_sys::File>,
    pub on_download: Callback<Format>,
    pub on_copy_link: Callback<()>,
    /// Opens the interview (absent: no button).
    #[prop_or_default]
    pub on_interview: Option<Callback<()>>,
}

#[function_component(TopBar)]
pub fn top_bar(props: &TopBarProps) -> Html {
    let on_pick_file = emit_some(&props.on_open, |event: Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        let file = input.files().and_then(|files| files.get(0));
        input.set_value("");
        file
    });
    let download = |format: Format| props.on_download.reform(move |_: MouseEvent| format);
    html! {
        <header class="topbar">
            <span class="logo">{ "Reqflow" }</span>
            <span class="tagline">{ "distributed tracing, simulated" }</span>
            <span class="spacer"></span>
            if let Some(on_interview) = &props.on_interview {
                <button class="interview-button" onclick={on_interview.reform(|_| ())}
                        aria-label="Interview: diagnose this request">{ "Interview" }</button>
            }
            <label class="button file-button">
                { "Open trace…" }
                <input type="file" accept=".json,application/json" onchange={on_pick_file}
                       aria-label="Open a Jaeger, OTLP or Zipkin JSON file" />
            </label>
            <div class="export" role="group" aria-label="Download the trace">
                <span class="muted">{ "Download" }</span>
                <button onclick={download(Format::Otlp)} aria-label="Download as OTLP JSON">{ "OTLP" }</button>
                <button onclick={download(Format::Jaeger)} aria-label="Download as Jaeger JSON">{ "Jaeger" }</button>
                <button onclick={download(Format::Zipkin)} aria-label="Download as Zipkin JSON">{ "Zipkin" }</button>
            </div>
            if !props.imported {
                <button onclick={props.on_copy_link.reform(|_| ())} aria-label="Copy a link to this trace">
                    { if props.copied { "Link copied" } else { "Copy link" } }
                </button>
            }
        </header>
    }
}
