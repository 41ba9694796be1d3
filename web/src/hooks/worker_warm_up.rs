//! Once the page is up and idle, start the worker that imports files and let it run its reader
//! on a small trace, so that the first real import does not pay for compiling it; the analysis of
//! an imported trace, here, runs once on the same trace.

use gloo::timers::callback::Timeout;
use reqflow_core::analysis::TimeBasis;
use reqflow_core::builtins;
use reqflow_core::view::TraceView;
use yew::prelude::*;

use crate::io;
use crate::timing::measure;

/// When the worker starts and warms up: after the first paint, before a person has had time to
/// pick a file.
const WARM_UP_AFTER_MS: u32 = 300;

/// The warm-up trace: 60 requests of the default scenario (≈ 300 spans).
fn warm_up_spans() -> Vec<reqflow_core::Span> {
    let Some(scenario) = builtins::load(builtins::DEFAULT) else { return Vec::new() };
    let Ok(simulation) = reqflow_core::Simulation::new(&scenario) else { return Vec::new() };
    (1..=60).filter_map(|seed| simulation.simulate_one(seed).ok()).flat_map(|trace| trace.spans).collect()
}

#[hook]
pub fn use_worker_warm_up() {
    use_effect_with((), |_| {
        let warm_up = Timeout::new(WARM_UP_AFTER_MS, || {
            measure("warm-up", || {
                let spans = warm_up_spans();
                io::start_worker(&spans);
                TraceView::new(spans, TimeBasis::Adjusted, None).spans.len()
            });
        });
        move || drop(warm_up)
    });
}
