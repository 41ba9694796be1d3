//! Page state: what is on screen, and the actions that change it. `reduce` only calls the core.

use std::rc::Rc;

use reqflow_core::fingerprint::fingerprint;
use reqflow_core::{RequestTrace, Scenario, Simulation, builtins};
use yew::Reducible;

/// Seeds shown to people stay short.
const SEED_RANGE: u64 = 1_000_000;

#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub scenario: Scenario,
    pub seed: u64,
    pub trace: Option<RequestTrace>,
    pub fingerprint: String,
    pub error: Option<String>,
}

pub enum Action {
    /// Re-run with the next seed of the sequence.
    SendRequest,
}

impl State {
    pub fn initial() -> State {
        let scenario = builtins::load(builtins::DEFAULT).expect("the default scenario is built in");
        State::simulate(scenario, 1)
    }

    fn simulate(scenario: Scenario, seed: u64) -> State {
        let result =
            Simulation::new(&scenario).and_then(|simulation| simulation.simulate_one(seed));
        match result {
            Ok(trace) => {
                let fingerprint = fingerprint(std::slice::from_ref(&trace));
                State {
                    scenario,
                    seed,
                    trace: Some(trace),
                    fingerprint,
                    error: None,
                }
            }
            Err(error) => State {
                scenario,
                seed,
                trace: None,
                fingerprint: String::new(),
                error: Some(error.to_string()),
            },
        }
    }
}

/// The next seed: a deterministic walk, so a class pressing "Send request" the same number of
/// times sees the same traces.
pub fn next_seed(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) % SEED_RANGE
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::SendRequest => {
                Rc::new(State::simulate(self.scenario.clone(), next_seed(self.seed)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_request_changes_seed_and_trace() {
        let first = Rc::new(State::initial());
        let second = first.clone().reduce(Action::SendRequest);
        assert_ne!(first.seed, second.seed);
        assert_ne!(first.fingerprint, second.fingerprint);
        assert!(
            second
                .trace
                .as_ref()
                .is_some_and(|trace| trace.spans.len() >= 4)
        );
    }
}
