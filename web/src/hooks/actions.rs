//! The model's actions as callbacks, made once: components get the one they need as an `on_*`
//! prop, and because the callbacks never change, they do not make props differ.

use std::rc::Rc;

use reqflow_core::analysis::{SkewLimit, TimeBasis};
use reqflow_core::knobs::ServiceKnobs;
use yew::prelude::*;

use crate::state::{Action, State};

/// One callback per action the components send.
pub struct Actions {
    pub send_request: Callback<()>,
    pub set_seed: Callback<u64>,
    pub select_scenario: Callback<String>,
    pub set_knobs: Callback<(String, ServiceKnobs)>,
    pub reset_knobs: Callback<()>,
    pub set_basis: Callback<TimeBasis>,
    pub set_skew_limit: Callback<SkewLimit>,
    pub select: Callback<Option<u32>>,
    pub open_details: Callback<bool>,
    pub close_details: Callback<()>,
    pub toggle_collapse: Callback<u32>,
    pub set_expanded: Callback<(u32, bool)>,
    pub search: Callback<String>,
    pub zoom: Callback<Option<(f64, f64)>>,
    pub fail: Callback<String>,
    pub dismiss_messages: Callback<()>,
    /// `true` plays, `false` pauses.
    pub play: Callback<bool>,
    pub tick: Callback<f64>,
    pub step_forward: Callback<()>,
    pub seek: Callback<f64>,
    pub set_speed: Callback<f64>,
    pub stop_replay: Callback<()>,
}

/// A callback that dispatches the action its input makes.
fn on<IN: 'static>(dispatcher: &UseReducerDispatcher<State>, action: fn(IN) -> Action) -> Callback<IN> {
    let dispatcher = dispatcher.clone();
    Callback::from(move |input| dispatcher.dispatch(action(input)))
}

impl Actions {
    fn new(dispatcher: &UseReducerDispatcher<State>) -> Actions {
        Actions {
            send_request: on(dispatcher, |()| Action::SendRequest),
            set_seed: on(dispatcher, Action::SetSeed),
            select_scenario: on(dispatcher, Action::SelectScenario),
            set_knobs: on(dispatcher, |(service, knobs)| Action::SetKnobs(service, knobs)),
            reset_knobs: on(dispatcher, |()| Action::ResetKnobs),
            set_basis: on(dispatcher, Action::SetBasis),
            set_skew_limit: on(dispatcher, Action::SetSkewLimit),
            select: on(dispatcher, Action::Select),
            open_details: on(dispatcher, Action::OpenDetails),
            close_details: on(dispatcher, |()| Action::OpenDetails(false)),
            toggle_collapse: on(dispatcher, Action::ToggleCollapse),
            set_expanded: on(dispatcher, |(span_idx, expanded)| Action::SetExpanded(span_idx, expanded)),
            search: on(dispatcher, Action::Search),
            zoom: on(dispatcher, Action::Zoom),
            fail: on(dispatcher, Action::Fail),
            dismiss_messages: on(dispatcher, |()| Action::DismissMessages),
            play: on(dispatcher, |play| if play { Action::Play } else { Action::Pause }),
            tick: on(dispatcher, Action::Tick),
            step_forward: on(dispatcher, |()| Action::StepForward),
            seek: on(dispatcher, Action::Seek),
            set_speed: on(dispatcher, Action::SetSpeed),
            stop_replay: on(dispatcher, |()| Action::StopReplay),
        }
    }
}

/// The actions of this reducer, made on the first render.
#[hook]
pub fn use_actions(dispatcher: UseReducerDispatcher<State>) -> Rc<Actions> {
    use_memo(dispatcher, Actions::new)
}
