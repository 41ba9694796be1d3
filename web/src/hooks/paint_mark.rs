//! A performance mark each time a new trace reaches the screen (benchmarks read these).

use std::rc::Rc;

use reqflow_core::view::TraceView;
use yew::prelude::*;

use crate::timing::{mark, measure_since};

#[hook]
pub fn use_paint_mark(trace: &Rc<TraceView>) {
    use_effect_with(Rc::as_ptr(trace) as usize, |_| {
        mark("reqflow:trace-painted");
        measure_since("render", "reqflow:analyzed");
    });
}
