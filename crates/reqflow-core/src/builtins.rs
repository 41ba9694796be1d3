//! The built-in scenarios, compiled into the binary from `scenarios/*.toml`.

use crate::scenario::Scenario;

/// A built-in scenario: its name and its text, converted from `scenarios/<name>.toml` to JSON by
/// the build script.
#[derive(Clone, Copy, Debug)]
pub struct Builtin {
    pub name: &'static str,
    pub source: &'static str,
}

macro_rules! builtin {
    ($name:literal) => {
        Builtin { name: $name, source: include_str!(concat!(env!("OUT_DIR"), "/", $name, ".json")) }
    };
}

/// Every built-in, the default (`try-it`) first.
pub const BUILTINS: &[Builtin] = &[
    builtin!("try-it"),
    builtin!("n-plus-one"),
    builtin!("retry-storm"),
    builtin!("clock-skew"),
    builtin!("broken-propagation"),
    builtin!("async-queue"),
    builtin!("db-pool"),
    builtin!("netflix-fanout"),
    builtin!("uber-ride"),
    builtin!("payment-gateway"),
    builtin!("rare-slow"),
];

/// The default scenario's name.
pub const DEFAULT: &str = "try-it";

/// Looks a built-in up by name and parses it.
pub fn load(name: &str) -> Option<Scenario> {
    let builtin = BUILTINS.iter().find(|builtin| builtin.name == name)?;
    let origin = format!("scenarios/{}.toml", builtin.name);
    // Built-ins are checked by the tests; a broken one is a bug in the binary.
    Some(Scenario::from_json(builtin.source, &origin).unwrap_or_else(|error| panic!("{error}")))
}

/// All built-in names.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().map(|builtin| builtin.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_parses_and_simulates() {
        for name in names() {
            let scenario = load(name).expect("listed");
            assert_eq!(scenario.name, name);
            assert!(!scenario.lesson.is_empty(), "{name} has no lesson");
            let simulation = crate::Simulation::new(&scenario).expect("compiles");
            let trace = simulation.simulate_one(1).expect("runs");
            assert!(!trace.spans.is_empty(), "{name} produced no spans");
        }
    }
}
