//! The replay clock: ticks while playing. With reduced motion it steps from moment to moment
//! instead of animating.

use gloo::timers::callback::Interval;
use yew::prelude::*;

use crate::io;

/// Replay clock period: 25 frames a second is smooth and leaves the main thread free.
const TICK_MS: u32 = 40;

/// With reduced motion, one moment every this many milliseconds.
const STEP_MS: u32 = 700;

/// While `playing`, sends `on_tick` the seconds that passed (or `on_step` with reduced motion).
#[hook]
pub fn use_replay_clock(playing: bool, on_tick: Callback<f64>, on_step: Callback<()>) {
    use_effect_with(playing, move |playing| {
        let interval = playing.then(|| {
            if io::prefers_reduced_motion() {
                Interval::new(STEP_MS, move || on_step.emit(()))
            } else {
                Interval::new(TICK_MS, move || on_tick.emit(f64::from(TICK_MS) / 1000.0))
            }
        });
        move || drop(interval)
    });
}
