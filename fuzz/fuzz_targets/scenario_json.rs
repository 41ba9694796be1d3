//! Scenario JSON (what the page reads): parse, validate, compile.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reqflow_core::{Scenario, Simulation};

fuzz_target!(|text: &str| {
    if let Ok(scenario) = Scenario::from_json(text, "fuzz.json") {
        if scenario.validate("fuzz.json").is_ok() {
            let _ = Simulation::new(&scenario);
        }
    }
});
