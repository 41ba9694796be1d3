//! Scenario TOML: parse, validate, compile. Never a panic; a scenario that parses compiles or
//! says why.
#![no_main]
use libfuzzer_sys::fuzz_target;
use reqflow_core::{Scenario, Simulation};

fuzz_target!(|text: &str| {
    if let Ok(scenario) = Scenario::from_toml(text, "fuzz.toml") {
        if scenario.validate("fuzz.toml").is_ok() {
            let _ = Simulation::new(&scenario);
        }
        let _ = Scenario::from_toml(&scenario.to_toml(), "again.toml");
    }
});
