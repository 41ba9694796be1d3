//! The interview's side effects: entering and leaving it (the address bar follows), the round's
//! link in the address bar, and the wall time a round took (the core has no clock).

use reqflow_core::interview::{Level, Link};
use yew::prelude::*;

use crate::io;

/// How the Try-it page opens the interview: a round from a seed, at level 1.
#[derive(Clone, PartialEq)]
pub struct OpenInterview(pub Callback<u64>);

/// The interview link being played (`None`: the Try-it page), the handle that opens a round, and
/// the callback that goes back to the Try-it page as it was left.
#[hook]
pub fn use_interview_mode() -> (Option<Link>, OpenInterview, Callback<()>) {
    let link = use_state(|| Link::parse(&io::location_hash()));
    let left_hash = use_mut_ref(String::new);
    let open = {
        let (link, left_hash) = (link.setter(), left_hash.clone());
        use_memo((), move |_| {
            OpenInterview(Callback::from(move |seed| {
                *left_hash.borrow_mut() = io::location_hash();
                link.set(Some(Link { seed, level: Level::One, notice: None }));
            }))
        })
    };
    let leave = {
        let link = link.setter();
        use_callback((), move |_: (), _| {
            io::replace_hash(&left_hash.borrow());
            link.set(None);
        })
    };
    ((*link).clone(), (*open).clone(), leave)
}

/// The Try-it page's "Interview" button: opens a round from the page's seed (`None` outside the
/// interview's provider).
#[hook]
pub fn use_open_interview(seed: u64) -> Option<Callback<()>> {
    use_context::<OpenInterview>().map(|open| open.0.reform(move |_: ()| seed))
}

/// Keeps the address bar on the round's link.
#[hook]
pub fn use_interview_hash(seed: u64, level: Level) {
    use_effect_with((seed, level), |&(seed, level)| io::replace_hash(&Link::to_hash(seed, level)));
}

/// Whole seconds the round took, once it is over (measured from its first render; `attempt`
/// tells a round played again from the first time).
#[hook]
pub fn use_round_seconds(seed: u64, level: Level, attempt: u32, over: bool) -> Option<u64> {
    let started = use_memo((seed, level, attempt), |_| js_sys::Date::now());
    let started = *started;
    *use_memo((seed, level, attempt, over), move |&(_, _, _, over)| {
        over.then(|| ((js_sys::Date::now() - started) / 1000.0).max(0.0) as u64)
    })
}
