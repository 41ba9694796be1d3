//! The lesson beside the waterfall: title, explanation, the step's task and its live verdict,
//! the question's choices, hints one at a time, the reveal, and the way on. Everything it shows
//! is decided by the core (`view::lesson::lesson_view`); texts are rendered as text, with
//! emphasis and code as elements built from text.

use std::rc::Rc;

use reqflow_core::view::lesson::{Inline, LessonView, QuestionView};
use yew::prelude::*;

use crate::components::insight::with_code;

#[derive(Properties, PartialEq)]
pub struct LessonPanelProps {
    pub view: Rc<LessonView>,
    pub on_answer: Callback<usize>,
    pub on_hint: Callback<()>,
    pub on_reveal: Callback<()>,
    pub on_next: Callback<()>,
    pub on_restart: Callback<()>,
    /// Back to the lesson list.
    pub on_lessons: Callback<()>,
    pub on_close: Callback<()>,
}

#[function_component(LessonPanel)]
pub fn lesson_panel(props: &LessonPanelProps) -> Html {
    let view = &props.view;
    html! {
        <section class="lesson-panel" aria-label="Lesson">
            <header class="lesson-head">
                <span class="lesson-kicker">{ "Lesson" }</span>
                <button class="link-button" onclick={props.on_lessons.reform(|_| ())}>{ "All lessons" }</button>
                <button class="close-button" aria-label="Close the lesson" onclick={props.on_close.reform(|_| ())}>{ "×" }</button>
            </header>
            <h2 class="lesson-title">{ view.title.clone() }</h2>
            // Open on the first step; folded afterwards to keep the task and verdict in view.
            <details class="lesson-explanation" open={view.position.0 == 0 && view.finished.is_none()}>
                <summary>{ "About this lesson" }</summary>
                { for view.explanation.iter().map(|paragraph| html! { <p>{ pieces(paragraph) }</p> }) }
            </details>
            if let Some(done) = &view.finished {
                <div class="lesson-done" role="status">
                    <p>{ done.clone() }</p>
                    <button onclick={props.on_restart.reform(|_| ())}>{ "Start again" }</button>
                    <button class="primary" onclick={props.on_lessons.reform(|_| ())}>{ "Choose another lesson" }</button>
                </div>
            } else {
                { step(props) }
            }
            if let Some(note) = &view.link_note {
                <p class="lesson-note">{ note.clone() }</p>
            }
        </section>
    }
}

/// The current step: where it is in the lesson, the task, the question, the verdict, help.
fn step(props: &LessonPanelProps) -> Html {
    let view = &props.view;
    let verdict = &view.verdict;
    html! {
        <div class="lesson-step">
            { step_dots(view.position, &view.step_label) }
            <p class="lesson-task">{ pieces(&view.task) }</p>
            if let Some(question) = &view.question {
                { question_choices(question, &props.on_answer) }
            }
            <p class={classes!("verdict", if verdict.passed { "passed" } else { "failed" })} role="status" aria-live="polite">
                <span class="verdict-mark" aria-hidden="true">{ if verdict.passed { "✓" } else { "✗" } }</span>
                <span class="verdict-text">{ with_code(&verdict.text) }</span>
            </p>
            if !view.hints.is_empty() {
                <ul class="lesson-hints" aria-label="Hints">
                    { for view.hints.iter().map(|hint| html! { <li>{ pieces(hint) }</li> }) }
                </ul>
            }
            if let Some(reveal) = &view.reveal {
                <p class="lesson-reveal"><span class="insight-label">{ "Answer" }</span>{ pieces(reveal) }</p>
            }
            <div class="lesson-actions">
                if let Some(label) = &view.next_hint {
                    <button onclick={props.on_hint.reform(|_| ())}>{ label.clone() }</button>
                }
                if view.reveal.is_none() {
                    <button onclick={props.on_reveal.reform(|_| ())}>{ "Reveal" }</button>
                }
                if let Some(next) = &view.next {
                    <button class="primary" onclick={props.on_next.reform(|_| ())}>{ next.clone() }</button>
                }
            </div>
        </div>
    }
}

/// One dot per step (done, current, to come) and "Step 2 of 3".
fn step_dots((current, n_steps): (usize, usize), label: &str) -> Html {
    html! {
        <div class="step-indicator">
            <ol class="step-dots" aria-hidden="true">
                { for (0..n_steps).map(|idx| html! {
                    <li class={classes!(
                        (idx < current).then_some("done"),
                        (idx == current).then_some("current"),
                    )}></li>
                }) }
            </ol>
            <span class="step-label">{ label.to_owned() }</span>
        </div>
    }
}

/// The step's question as radio buttons.
fn question_choices(question: &QuestionView, on_answer: &Callback<usize>) -> Html {
    html! {
        <fieldset class="lesson-question">
            <legend>{ question.question.clone() }</legend>
            { for question.choices.iter().enumerate().map(|(idx, choice)| html! {
                <label class="choice">
                    <input type="radio" name="lesson-answer" checked={question.picked == Some(idx)}
                           onchange={on_answer.reform(move |_: Event| idx)} />
                    { with_code(choice) }
                </label>
            }) }
        </fieldset>
    }
}

/// Text, emphasis and code as elements holding text (never markup).
fn pieces(inlines: &[Inline]) -> Html {
    inlines
        .iter()
        .map(|piece| match piece {
            Inline::Text(text) => html! { { text.clone() } },
            Inline::Emphasis(text) => html! { <em>{ text.clone() }</em> },
            Inline::Code(text) => html! { <code>{ text.clone() }</code> },
        })
        .collect()
}
