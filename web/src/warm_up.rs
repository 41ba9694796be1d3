//! Readies the page for a big import while nothing else is happening.
//!
//! The browser compiles a wasm function the first time it is called (a quick baseline
//! compile), and recompiles it optimised only once it has run a while. An import runs code the
//! page has not used before (the OTLP reader, the analysis of an imported trace), so the first
//! big import paid for compiling it and then ran most of the file on baseline code. Importing a
//! small trace once, in an idle moment after the page is up, does that work early: the user's
//! first import then starts on compiled, mostly optimised code.

use reqflow_core::analysis::TimeBasis;
use reqflow_core::formats::{self, Format};
use reqflow_core::{Simulation, builtins};

use crate::trace_view::TraceView;

/// The warm-up trace: a few hundred spans of `netflix-fanout`, exported as OTLP/JSON (≈ 100 KB)
/// and imported back, a few times so the browser sees the reader's loops as hot.
const ROUNDS: usize = 4;

/// Imports and analyses a small trace; returns how many spans it read (zero if a step failed:
/// warming up is only an optimisation, so it never reports errors).
pub fn warm_up() -> usize {
    let Some(scenario) = builtins::load("netflix-fanout") else { return 0 };
    let Ok(trace) = Simulation::new(&scenario).and_then(|simulation| simulation.simulate_one(1)) else {
        return 0;
    };
    let text = formats::export(&trace.spans, Format::Otlp);
    let mut n_spans = 0;
    for _ in 0..ROUNDS {
        let Ok(imported) = formats::import(&text, "warm-up.json") else { return 0 };
        n_spans += TraceView::new(imported.spans, TimeBasis::Adjusted, None).spans.len();
    }
    n_spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warm_up_imports_and_analyses_a_real_trace() {
        // netflix-fanout's request: 255 spans, every round.
        assert_eq!(warm_up(), ROUNDS * 255);
    }
}
