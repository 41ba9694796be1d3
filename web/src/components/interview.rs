//! The interview's answer panel: the span picked, the causes (and at level 3 the fixes) as radio
//! buttons, Submit; once graded, right or wrong per part, the points and the explanation.

use reqflow_core::interview::session::{CULPRITS_NOTE, verdict};
use reqflow_core::interview::{Family, Grade};
use yew::prelude::*;

use crate::components::insight::with_code;

#[derive(Properties, PartialEq)]
pub struct AnswerPanelProps {
    /// "Your span: database · SELECT orders", or how to pick one.
    pub picked: String,
    pub cause: Option<Family>,
    pub fix: Option<Family>,
    pub asks_fix: bool,
    pub can_submit: bool,
    pub grade: Option<Grade>,
    /// The right family, once graded.
    pub answer: Option<Family>,
    /// Whether this is the round's last incident.
    pub last: bool,
    pub on_cause: Callback<Family>,
    pub on_fix: Callback<Family>,
    pub on_submit: Callback<()>,
    pub on_next: Callback<()>,
}

#[function_component(AnswerPanel)]
pub fn answer_panel(props: &AnswerPanelProps) -> Html {
    let graded = props.grade.is_some();
    html! {
        <section class="answer-panel" aria-label="Your answer"
                 data-answer={props.answer.map(Family::name)}>
            <p class={classes!("picked", props.grade.as_ref().map(|grade| part_class(grade.span_right)))}>
                { props.picked.clone() }
            </p>
            { choices("cause", "Cause", props.cause, props.answer, graded, &props.on_cause, Family::cause) }
            if props.asks_fix {
                { choices("fix", "Fix", props.fix, props.answer, graded, &props.on_fix, Family::fix) }
            }
            if let Some(grade) = &props.grade {
                { graded_view(grade, props.last, &props.on_next) }
            } else {
                <button class="primary" disabled={!props.can_submit}
                        onclick={props.on_submit.reform(|_| ())}>{ "Submit" }</button>
            }
        </section>
    }
}

fn part_class(right: bool) -> &'static str {
    if right { "right" } else { "wrong" }
}

/// One radio group: the families' sentences; after grading the right one and a wrong pick marked.
fn choices(
    group: &'static str,
    legend: &'static str,
    chosen: Option<Family>,
    answer: Option<Family>,
    graded: bool,
    on_pick: &Callback<Family>,
    text: fn(Family) -> &'static str,
) -> Html {
    let choice = |family: Family| {
        let checked = chosen == Some(family);
        let mark = match answer {
            Some(right) if right == family => Some("right"),
            Some(_) if checked => Some("wrong"),
            _ => None,
        };
        html! {
            <label class={classes!("choice", mark)}>
                <input type="radio" name={group} value={family.name()} {checked} disabled={graded}
                       onchange={on_pick.reform(move |_: Event| family)} />
                <span>{ text(family) }</span>
            </label>
        }
    };
    html! {
        <fieldset class="choices">
            <legend>{ legend }</legend>
            { for Family::ALL.into_iter().map(choice) }
        </fieldset>
    }
}

/// Right or wrong per part, the points, the explanation, and the way on.
fn graded_view(grade: &Grade, last: bool, on_next: &Callback<()>) -> Html {
    let part = |name: &'static str, right: bool| {
        html! { <li class={part_class(right)}>{ format!("{name}: {}", verdict(right)) }</li> }
    };
    html! {
        <div class="verdict" role="status">
            <p class="points">{ format!("{} / {} points", grade.points, grade.out_of) }</p>
            <ul class="parts">
                { part("Span", grade.span_right) }
                { part("Cause", grade.cause_right) }
                if let Some(fix_right) = grade.fix_right { { part("Fix", fix_right) } }
            </ul>
            <ul class="explanation">
                { for grade.explanation.iter().map(|sentence| html! { <li>{ with_code(sentence) }</li> }) }
            </ul>
            <p class="culprits-note">{ CULPRITS_NOTE }</p>
            <button class="primary" onclick={on_next.reform(|_| ())}>
                { if last { "See the score" } else { "Next incident" } }
            </button>
        </div>
    }
}
