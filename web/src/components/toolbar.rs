//! Above the waterfall: search, raw or adjusted timestamps, the critical path's mark.

use reqflow_core::analysis::TimeBasis;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ToolbarProps {
    pub search: String,
    /// "3 matches", while searching.
    pub match_count: Option<String>,
    pub basis: TimeBasis,
    pub on_search: Callback<String>,
    pub on_basis: Callback<TimeBasis>,
}

#[function_component(Toolbar)]
pub fn toolbar(props: &ToolbarProps) -> Html {
    let on_input =
        props.on_search.reform(|event: InputEvent| event.target_unchecked_into::<HtmlInputElement>().value());
    let radio = |basis: TimeBasis, label: &'static str| {
        let on = props.basis == basis;
        html! {
            <button role="radio" aria-checked={on.to_string()} class={classes!(on.then_some("on"))}
                    onclick={props.on_basis.reform(move |_| basis)}>{ label }</button>
        }
    };
    html! {
        <div class="toolbar">
            <input class="search" type="search" placeholder="Search spans (service, name, attribute)"
                   aria-label="Search spans" value={props.search.clone()} oninput={on_input} />
            if let Some(match_count) = &props.match_count {
                <span class="match-count" role="status">{ match_count.clone() }</span>
            }
            <div class="segmented" role="radiogroup" aria-label="Timestamps">
                { radio(TimeBasis::Raw, "Raw") }
                { radio(TimeBasis::Adjusted, "Adjusted") }
            </div>
            <span class="legend-crit"><span class="crit-sample"></span>{ "critical path" }</span>
        </div>
    }
}
