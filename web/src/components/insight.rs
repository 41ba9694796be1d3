//! What the trace says: the bottleneck, traces that split off, and clock skew.

use reqflow_core::analysis::SkewLimit;
use reqflow_core::view::page::{SKEW_LIMIT_CHOICES, skew_limit_from_choice};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct InsightProps {
    /// The bottleneck sentence (`backticked` parts are code).
    pub bottleneck: String,
    /// One sentence per trace that split off.
    pub fragments: Vec<String>,
    /// The clock-skew note's sentences, when there is one.
    pub skew_note: Option<Vec<String>>,
    /// The maximum adjustment picked (a value of `SKEW_LIMIT_CHOICES`).
    pub skew_limit: String,
    pub on_skew_limit: Callback<SkewLimit>,
}

#[function_component(Insight)]
pub fn insight(props: &InsightProps) -> Html {
    html! {
        <section class="insight" aria-label="What the trace says">
            <p class="bottleneck"><span class="insight-label">{ "Bottleneck" }</span>{ with_code(&props.bottleneck) }</p>
            { for props.fragments.iter().map(|sentence| html! {
                <p class="fragment-note"><span class="insight-label warn">{ "Broken trace" }</span>{ sentence.clone() }</p>
            }) }
            if let Some(sentences) = &props.skew_note {
                <p class="skew-note"><span class="insight-label warn">{ "Clock skew" }</span>
                    { for sentences.iter().map(|sentence| html! { { sentence.clone() } }) }
                    { skew_limit_picker(&props.skew_limit, &props.on_skew_limit) }
                </p>
            }
        </section>
    }
}

/// The clock-skew adjuster's maximum adjustment.
fn skew_limit_picker(selected: &str, on_skew_limit: &Callback<SkewLimit>) -> Html {
    let on_change = on_skew_limit.reform(|event: Event| {
        skew_limit_from_choice(&event.target_unchecked_into::<HtmlSelectElement>().value())
    });
    html! {
        <label class="skew-limit">{ "Max adjustment " }
            <select aria-label="Maximum clock-skew adjustment" onchange={on_change}>
                { for SKEW_LIMIT_CHOICES.into_iter().map(|(value, label)| html! {
                    <option value={value} selected={value == selected}>{ label }</option>
                }) }
            </select>
        </label>
    }
}

/// Text with `backticked` parts shown as code (as text: never parsed as markup).
pub fn with_code(sentence: &str) -> Html {
    sentence
        .split('`')
        .enumerate()
        .map(|(idx, part)| {
            if idx % 2 == 1 {
                html! { <code>{ part.to_owned() }</code> }
            } else {
                html! { { part.to_owned() } }
            }
        })
        .collect()
}
