//! The end of an interview round: the score and time, each incident's points, and the "what to
//! say" card (the core's talking points).

use reqflow_core::interview::TALKING_POINTS;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct RoundEndProps {
    /// "You scored 7 of 10 points in 4 min 05 s."
    pub result: String,
    /// Each incident: its cause's name and "2 / 2".
    pub incidents: Vec<(String, String)>,
    pub on_again: Callback<()>,
    pub on_new: Callback<()>,
}

#[function_component(RoundEnd)]
pub fn round_end(props: &RoundEndProps) -> Html {
    html! {
        <div class="round-end">
            <section class="round-score" aria-label="Your score">
                <h2>{ "Round over" }</h2>
                <p class="result">{ props.result.clone() }</p>
                <ol class="round-incidents">
                    { for props.incidents.iter().map(|(family, points)| html! {
                        <li><span class="family">{ family.clone() }</span><span class="points">{ points.clone() }</span></li>
                    }) }
                </ol>
                <div class="round-actions">
                    <button onclick={props.on_again.reform(|_| ())}>{ "Play this round again" }</button>
                    <button class="primary" onclick={props.on_new.reform(|_| ())}>{ "New round" }</button>
                </div>
            </section>
            <section class="talking-points" aria-label="What to say">
                <h2>{ "What to say in an interview" }</h2>
                <dl>
                    { for TALKING_POINTS.iter().map(|(heading, point)| html! {
                        <><dt>{ *heading }</dt><dd>{ *point }</dd></>
                    }) }
                </dl>
            </section>
        </div>
    }
}
