//! Knobs (`--knobs` and share links) on the default scenario: parse, apply, simulate one request.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reqflow_core::knobs::Knobs;
use reqflow_core::{Simulation, builtins};

fuzz_target!(|text: &str| {
    let Some(base) = builtins::load(builtins::DEFAULT) else { return };
    if let Ok(knobs) = Knobs::parse(text, &base) {
        let scenario = knobs.apply(&base);
        if scenario.validate("knobs").is_ok() {
            if let Ok(simulation) = Simulation::new(&scenario) {
                let _ = simulation.simulate_one(1);
            }
        }
        // What the page writes into a link reads back as the same knobs.
        assert_eq!(Knobs::parse(&knobs.to_string(), &base).as_ref(), Ok(&knobs), "knobs {text:?} -> {knobs}");
    }
});
