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
    /// Why the last action failed; the previous trace stays on screen.
    pub error: Option<String>,
    /// Something the user should know that is not an error (e.g. a share link was ignored).
    pub notice: Option<String>,
}

pub enum Action {
    /// Re-run with the next seed of the sequence.
    SendRequest,
    /// Switch to a built-in scenario (keeps the seed).
    SelectScenario(String),
    /// Re-run with this seed.
    SetSeed(u64),
}

/// What a share link (`#scenario=<name>&seed=<n>`) asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareLink {
    pub scenario: String,
    pub seed: u64,
}

impl ShareLink {
    /// Parses a location hash. `Ok(None)` for an empty hash; `Err` says what was wrong.
    pub fn parse(hash: &str) -> Result<Option<ShareLink>, String> {
        let hash = hash.trim_start_matches('#');
        if hash.is_empty() {
            return Ok(None);
        }
        if hash.len() > 4096 {
            return Err("the link is too long".to_owned());
        }
        let mut scenario = builtins::DEFAULT.to_owned();
        let mut seed = 1;
        for pair in hash.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "scenario" if builtins::names().any(|name| name == value) => scenario = value.to_owned(),
                "scenario" => return Err(format!("there is no built-in scenario {:?}", truncate(value))),
                "seed" => {
                    seed = value
                        .parse::<u64>()
                        .map_err(|_| format!("the seed {:?} is not a whole number", truncate(value)))?
                }
                _ => return Err(format!("it has an unknown part {:?}", truncate(key))),
            }
        }
        Ok(Some(ShareLink { scenario, seed }))
    }

    pub fn to_hash(&self) -> String {
        format!("#scenario={}&seed={}", self.scenario, self.seed)
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}

impl State {
    /// The page's first state, from the location hash (a share link) or the default.
    pub fn from_hash(hash: &str) -> State {
        match ShareLink::parse(hash) {
            Ok(Some(link)) => {
                State::simulate(builtins::load(&link.scenario).expect("checked by parse"), link.seed)
            }
            Ok(None) => State::simulate(default_scenario(), 1),
            Err(problem) => State {
                notice: Some(format!(
                    "The link could not be opened ({problem}): showing the default request instead."
                )),
                ..State::simulate(default_scenario(), 1)
            },
        }
    }

    pub fn share_link(&self) -> ShareLink {
        ShareLink { scenario: self.scenario.name.clone(), seed: self.seed }
    }

    fn simulate(scenario: Scenario, seed: u64) -> State {
        let result = Simulation::new(&scenario).and_then(|simulation| simulation.simulate_one(seed));
        match result {
            Ok(trace) => {
                let fingerprint = fingerprint(std::slice::from_ref(&trace));
                State { scenario, seed, trace: Some(trace), fingerprint, error: None, notice: None }
            }
            Err(error) => State {
                scenario,
                seed,
                trace: None,
                fingerprint: String::new(),
                error: Some(error.to_string()),
                notice: None,
            },
        }
    }

    /// Re-simulates; on failure keeps the current trace and reports the error.
    fn rerun(&self, scenario: Scenario, seed: u64) -> State {
        let next = State::simulate(scenario, seed);
        match &next.error {
            Some(error) => State { error: Some(error.clone()), ..self.clone() },
            None => next,
        }
    }
}

fn default_scenario() -> Scenario {
    builtins::load(builtins::DEFAULT).expect("the default scenario is built in")
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
        Rc::new(match action {
            Action::SendRequest => self.rerun(self.scenario.clone(), next_seed(self.seed)),
            Action::SetSeed(seed) => self.rerun(self.scenario.clone(), seed),
            Action::SelectScenario(name) => match builtins::load(&name) {
                Some(scenario) => self.rerun(scenario, self.seed),
                None => State { error: Some(format!("no built-in scenario {name:?}")), ..(*self).clone() },
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_request_changes_seed_and_trace() {
        let first = Rc::new(State::from_hash(""));
        let second = first.clone().reduce(Action::SendRequest);
        assert_ne!(first.seed, second.seed);
        assert_ne!(first.fingerprint, second.fingerprint);
        assert!(second.trace.as_ref().is_some_and(|trace| trace.spans.len() >= 4));
    }

    #[test]
    fn share_links_round_trip_and_bad_ones_fall_back_with_a_notice() {
        let state = Rc::new(State::from_hash("")).reduce(Action::SelectScenario("db-pool".into()));
        let state = state.reduce(Action::SetSeed(77));
        let reopened = State::from_hash(&state.share_link().to_hash());
        assert_eq!(reopened.fingerprint, state.fingerprint);
        assert_eq!(reopened.notice, None);
        for hostile in [
            "#scenario=<img src=x onerror=alert(1)>",
            "#seed=-1",
            "#seed=1e99",
            "#what=ever",
            "#scenario=nope",
        ] {
            let fallback = State::from_hash(hostile);
            assert_eq!(fallback.scenario.name, "try-it", "{hostile}");
            assert!(
                fallback.notice.as_deref().is_some_and(|notice| notice.contains("could not be opened")),
                "{hostile}"
            );
        }
    }
}
