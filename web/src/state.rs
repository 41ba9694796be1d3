//! The page's reducer: a thin wrapper over the core's model (`reqflow_core::view::Model`), which
//! decides everything the page shows. Updating records each phase of the work (simulate,
//! fingerprint, analyze) as a performance measure (`timing.rs`).

use std::ops::Deref;
use std::rc::Rc;

use reqflow_core::view::{Model, Probe};
use yew::Reducible;

pub use reqflow_core::view::{Action, REPLAY_SECONDS, Source};

/// Okabe–Ito: a palette that stays distinguishable with the common colour-vision deficiencies,
/// one colour per colour index of the core's view (`N_COLOURS` of them).
pub const PALETTE: [&str; reqflow_core::view::N_COLOURS] =
    ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#8A7A00", "#6B6B6B"];

/// The model, as yew's reducer state.
#[derive(Clone, Debug, PartialEq)]
pub struct State(Model);

impl State {
    /// The page's first state, from the location hash (a share link) or the default.
    pub fn from_hash(hash: &str) -> State {
        State(Model::from_hash_with(hash, &Timing))
    }
}

impl Deref for State {
    type Target = Model;

    fn deref(&self) -> &Model {
        &self.0
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(State(self.0.update_with(action, &Timing)))
    }
}

/// Records the model's phases in the browser's performance timeline.
struct Timing;

impl Probe for Timing {
    fn measure<T>(&self, name: &'static str, work: impl FnOnce() -> T) -> T {
        crate::timing::measure(name, work)
    }

    fn mark(&self, name: &'static str) {
        crate::timing::mark(name);
    }
}
