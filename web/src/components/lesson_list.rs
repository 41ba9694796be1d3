//! The lesson list the top bar's "Learn" opens: the built-in lessons with the learner's
//! progress, and a lesson file of one's own.

use std::rc::Rc;

use reqflow_core::view::lesson::CatalogEntry;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::emit_some;

#[derive(Properties, PartialEq)]
pub struct LessonListProps {
    pub entries: Rc<Vec<CatalogEntry>>,
    /// The lesson on screen, if any.
    pub current: Option<String>,
    /// Start the lesson with this id.
    pub on_start: Callback<String>,
    pub on_open_file: Callback<web_sys::File>,
    pub on_close: Callback<()>,
}

#[function_component(LessonList)]
pub fn lesson_list(props: &LessonListProps) -> Html {
    let on_pick_file = emit_some(&props.on_open_file, |event: Event| {
        let input: HtmlInputElement = event.target_unchecked_into();
        let file = input.files().and_then(|files| files.get(0));
        input.set_value("");
        file
    });
    html! {
        <section class="lesson-list" aria-label="Lessons">
            <header class="lesson-head">
                <span class="lesson-kicker">{ "Learn" }</span>
                <button class="close-button" aria-label="Close the lesson list" onclick={props.on_close.reform(|_| ())}>{ "×" }</button>
            </header>
            <p class="muted">{ "Each lesson starts a request and asks you to find or change something in it; the simulator checks as you go." }</p>
            <ol class="lessons">
                { for props.entries.iter().map(|entry| entry_row(entry, props)) }
            </ol>
            <label class="button file-button lesson-file">
                { "Open a lesson file…" }
                <input type="file" accept=".json,application/json" onchange={on_pick_file}
                       aria-label="Open a lesson file (JSON)" />
            </label>
            <p class="lesson-note">
                { "The page reads lesson files as JSON (the fields of " }<code>{ "lessons/README.md" }</code>
                { "); check a TOML lesson with " }<code>{ "reqflow lesson check" }</code>{ " and write it as JSON to open it here." }
            </p>
        </section>
    }
}

fn entry_row(entry: &CatalogEntry, props: &LessonListProps) -> Html {
    let id = entry.id.clone();
    let current = props.current.as_deref() == Some(entry.id.as_str());
    html! {
        <li class={classes!(entry.completed.then_some("completed"), current.then_some("current"))}>
            <button class="lesson-entry" data-lesson={entry.id.clone()} onclick={props.on_start.reform(move |_| id.clone())}>
                <span class="lesson-entry-title">{ entry.title.clone() }</span>
                <span class="lesson-entry-status">{ entry.status.clone() }</span>
            </button>
        </li>
    }
}
