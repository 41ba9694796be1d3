//! The interview page, "Diagnose this request": the core's round (`interview::Session`) as a
//! reducer, the incident's trace in the same waterfall and details as the Try-it page, the answer
//! panel, and the round's end. Components get data and `on_*` callbacks; side effects are in
//! `hooks/interview.rs`.

use std::collections::BTreeSet;
use std::ops::Deref;
use std::rc::Rc;

use reqflow_core::interview::{Family, Level, Link, QUESTION, Session, SessionAction};
use reqflow_core::view::{Action, Model, next_seed};
use yew::prelude::*;

use crate::components::Shared;
use crate::components::details::Details;
use crate::components::interview::AnswerPanel;
use crate::components::round_end::RoundEnd;
use crate::components::toolbar::Toolbar;
use crate::components::waterfall::Waterfall;
use crate::hooks::{use_interview_hash, use_round_seconds, use_visible_rows};

/// The round, as yew's reducer state.
#[derive(Clone, Debug, PartialEq)]
struct Round(Session);

impl Deref for Round {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.0
    }
}

impl Reducible for Round {
    type Action = SessionAction;

    fn reduce(self: Rc<Self>, action: SessionAction) -> Rc<Self> {
        Rc::new(Round(self.0.update(action)))
    }
}

/// The round's callbacks, made once.
struct Callbacks {
    view: Callback<Action>,
    cause: Callback<Family>,
    fix: Callback<Family>,
    submit: Callback<()>,
    next: Callback<()>,
    start: Callback<(u64, Level)>,
}

/// A callback that dispatches the action its input makes.
fn on<IN: 'static>(
    dispatcher: &UseReducerDispatcher<Round>,
    action: fn(IN) -> SessionAction,
) -> Callback<IN> {
    let dispatcher = dispatcher.clone();
    Callback::from(move |input| dispatcher.dispatch(action(input)))
}

fn callbacks(dispatcher: &UseReducerDispatcher<Round>) -> Callbacks {
    Callbacks {
        view: on(dispatcher, SessionAction::View),
        cause: on(dispatcher, SessionAction::PickCause),
        fix: on(dispatcher, SessionAction::PickFix),
        submit: on(dispatcher, |()| SessionAction::Submit),
        next: on(dispatcher, |()| SessionAction::Next),
        start: on(dispatcher, |(seed, level)| SessionAction::Start(seed, level)),
    }
}

#[derive(Properties, PartialEq)]
pub struct InterviewPageProps {
    pub link: Link,
    pub on_leave: Callback<()>,
}

#[function_component(InterviewPage)]
pub fn interview_page(props: &InterviewPageProps) -> Html {
    let link = props.link.clone();
    let round = use_reducer(move || Round(Session::from_link(&link)));
    let on = use_memo(round.dispatcher(), callbacks);
    use_interview_hash(round.seed, round.level);
    let seconds = use_round_seconds(round.seed, round.level, round.attempt, round.is_over());
    let (seed, level) = (round.seed, round.level);
    html! {
        <div class="page interview-page">
            <header class="topbar">
                <span class="logo">{ "Reqflow" }</span>
                <span class="tagline">{ "interview: diagnose this request" }</span>
                <span class="spacer"></span>
                <div class="segmented levels" role="radiogroup" aria-label="Level">
                    { for [Level::One, Level::Two, Level::Three].into_iter().map(|choice| html! {
                        <button role="radio" aria-checked={(choice == level).to_string()}
                                class={classes!((choice == level).then_some("on"))}
                                onclick={on.start.reform(move |_| (seed, choice))}>
                            { format!("Level {}", choice.number()) }
                        </button>
                    }) }
                </div>
                <button onclick={on.start.reform(move |_| (next_seed(seed), level))}>{ "New round" }</button>
                <button onclick={props.on_leave.reform(|_| ())}>{ "Back to Try it" }</button>
            </header>
            <main>
                if let Some(notice) = &round.notice { <p class="notice" role="status">{ notice.clone() }</p> }
                if let Some(error) = &round.error { <p class="error-box" role="alert">{ error.clone() }</p> }
                if round.is_over() {
                    { round_end(&round, seconds.unwrap_or(0), &on) }
                } else if let Some(model) = &round.model {
                    <IncidentView session={Rc::new(round.0.clone())} model={Rc::new(model.clone())}
                                  on_view={on.view.clone()} on_cause={on.cause.clone()} on_fix={on.fix.clone()}
                                  on_submit={on.submit.clone()} on_next={on.next.clone()} />
                }
            </main>
        </div>
    }
}

/// The round's end: the score, each incident's points, the talking points.
fn round_end(session: &Session, seconds: u64, on: &Callbacks) -> Html {
    let incidents = session
        .incidents
        .iter()
        .zip(&session.grades)
        .map(|(incident, grade)| {
            (incident.family.name().to_owned(), format!("{} / {}", grade.points, grade.out_of))
        })
        .collect::<Vec<_>>();
    let (seed, level) = (session.seed, session.level);
    html! {
        <RoundEnd result={session.result(seconds)} {incidents}
                  on_again={on.start.reform(move |_| (seed, level))}
                  on_new={on.start.reform(move |_| (next_seed(seed), level))} />
    }
}

#[derive(Properties, PartialEq)]
struct IncidentProps {
    session: Rc<Session>,
    model: Rc<Model>,
    on_view: Callback<Action>,
    on_cause: Callback<Family>,
    on_fix: Callback<Family>,
    on_submit: Callback<()>,
    on_next: Callback<()>,
}

/// One incident: the question, the waterfall and the details, the answer panel.
#[function_component(IncidentView)]
fn incident_view(props: &IncidentProps) -> Html {
    let (session, model) = (&props.session, &props.model);
    let rows = use_visible_rows(&model.trace, &model.collapsed);
    let matches = use_memo(
        (Shared::new(&model.trace), model.search.clone(), Shared::new(&session.culprits)),
        |(trace, search, culprits)| {
            if culprits.is_empty() { trace.search(search) } else { BTreeSet::clone(culprits) }
        },
    );
    let view = &props.on_view;
    let match_count =
        (!model.search.trim().is_empty()).then(|| reqflow_core::view::page::match_count(matches.len()));
    let trace = Shared::new(&model.trace);
    html! {
        <div class="workspace interview">
            <div class="main-col">
                <section class="question" aria-label="The question">
                    <p class="progress">{ session.progress() }</p>
                    <h1>{ QUESTION }</h1>
                </section>
                <Toolbar search={model.search.clone()} {match_count} basis={model.basis}
                         on_search={view.reform(Action::Search)} on_basis={view.reform(Action::SetBasis)} />
                <Waterfall trace={trace.clone()} rows={Shared::new(&rows)} matches={Shared::new(&matches)}
                           collapsed={Shared::new(&model.collapsed)} selected={model.selected} zoom={model.zoom}
                           replay_now={None::<i64>} on_select={view.reform(Action::Select)}
                           on_open_details={view.reform(Action::OpenDetails)}
                           on_toggle={view.reform(Action::ToggleCollapse)}
                           on_expand={view.reform(|(span, expanded)| Action::SetExpanded(span, expanded))} />
            </div>
            <div class="side-col">
                <AnswerPanel picked={session.picked()} cause={session.cause} fix={session.fix}
                             asks_fix={session.level.asks_fix()} can_submit={session.can_submit()}
                             grade={session.grade.clone()}
                             answer={session.grade.as_ref().and(session.incident()).map(|incident| incident.family)}
                             last={session.index + 1 == session.incidents.len()}
                             on_cause={props.on_cause.clone()} on_fix={props.on_fix.clone()}
                             on_submit={props.on_submit.clone()} on_next={props.on_next.clone()} />
                if let Some(span_idx) = model.selected.filter(|_| model.details_open) {
                    <Details {trace} {span_idx} clock={None} pool={None} replay_now={None::<i64>}
                             on_close={view.reform(|()| Action::OpenDetails(false))} />
                }
            </div>
        </div>
    }
}
