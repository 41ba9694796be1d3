//! The replay's controls: play or pause, step, speed, the scrubber and where the replay is.

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::components::emit_some;

/// The speeds people can pick.
const SPEEDS: [f64; 6] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0];

#[derive(Properties, PartialEq)]
pub struct ReplayControlsProps {
    pub playing: bool,
    /// Whether a replay is on (else the whole trace is shown).
    pub replaying: bool,
    pub speed: f64,
    /// How far through the request the replay is (0..=1).
    pub fraction: f64,
    /// "t = 12 ms", "done", "whole trace".
    pub status: String,
    /// `true` plays, `false` pauses.
    pub on_play: Callback<bool>,
    pub on_step: Callback<()>,
    pub on_stop: Callback<()>,
    pub on_seek: Callback<f64>,
    pub on_speed: Callback<f64>,
}

#[function_component(ReplayControls)]
pub fn replay_controls(props: &ReplayControlsProps) -> Html {
    let playing = props.playing;
    let on_seek = emit_some(&props.on_seek, |event: InputEvent| {
        let input: HtmlInputElement = event.target_unchecked_into();
        input.value().parse::<f64>().ok().map(|value| value / 1000.0)
    });
    let on_speed = emit_some(&props.on_speed, |event: Event| {
        event.target_unchecked_into::<HtmlSelectElement>().value().parse::<f64>().ok()
    });
    html! {
        <div class="replay-controls">
            <button class="primary small" onclick={props.on_play.reform(move |_| !playing)}
                    aria-label={if playing { "Pause replay" } else { "Play replay" }}>
                { if playing { "❚❚ Pause" } else { "▶ Play" } }
            </button>
            <button onclick={props.on_step.reform(|_| ())} aria-label="Step to the next moment">{ "Step" }</button>
            <label class="meta">{ "Speed " }
                <select onchange={on_speed} aria-label="Replay speed">
                    { for SPEEDS.into_iter().map(|speed| html! {
                        <option value={speed.to_string()} selected={(props.speed - speed).abs() < 1e-9}>{ format!("{speed}×") }</option>
                    }) }
                </select>
            </label>
            <input class="scrubber" type="range" min="0" max="1000" step="1" value={format!("{:.0}", props.fraction * 1000.0)}
                   oninput={on_seek} aria-label="Replay position" />
            <span class="replay-status" role="status">{ props.status.clone() }</span>
            if props.replaying {
                <button class="link" onclick={props.on_stop.reform(|_| ())}>{ "Show all" }</button>
            }
        </div>
    }
}
