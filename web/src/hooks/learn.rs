//! The Learn flow's handles: whether the lesson list is open, its entries (with the progress
//! kept in the browser), and the callbacks that start a lesson or open a lesson file.

use std::rc::Rc;

use reqflow_core::lesson;
use reqflow_core::view::lesson::{CatalogEntry, LessonOrigin, LessonState, ProgressStore, catalog};
use yew::prelude::*;

use crate::hooks::{use_lesson_file, use_lesson_progress};
use crate::state::{Action, State};

pub struct Learn {
    pub list_open: bool,
    pub entries: Rc<Vec<CatalogEntry>>,
    /// Opens the list, or closes it when open.
    pub on_toggle_list: Callback<()>,
    pub on_open_list: Callback<()>,
    pub on_close_list: Callback<()>,
    /// Starts a built-in lesson where the learner left it.
    pub on_start: Callback<String>,
    /// Starts the lesson on screen again from its first step.
    pub on_restart: Callback<()>,
    pub on_open_file: Callback<web_sys::File>,
}

#[hook]
pub fn use_learn(dispatcher: UseReducerDispatcher<State>, lesson: Option<Rc<LessonState>>) -> Learn {
    let progress = use_lesson_progress(lesson.clone());
    let entries = use_memo(progress.clone(), |progress: &Rc<ProgressStore>| catalog(progress));
    let list_open = use_state(|| false);
    let set_list = |open: Option<bool>| {
        let list_open = list_open.clone();
        Callback::from(move |()| list_open.set(open.unwrap_or(!*list_open)))
    };
    let on_start = {
        let list_open = list_open.clone();
        use_callback((dispatcher.clone(), progress), move |id: String, (dispatcher, progress)| {
            if let Some(found) = lesson::load(&id) {
                let (step, answers) = progress.resume(&id);
                dispatcher.dispatch(Action::StartLesson(
                    Rc::new(found),
                    LessonOrigin::Builtin,
                    step,
                    answers,
                ));
                list_open.set(false);
            }
        })
    };
    let on_restart = use_callback((dispatcher.clone(), lesson), |(), (dispatcher, lesson)| {
        if let Some(state) = lesson {
            let start =
                Action::StartLesson(state.lesson.clone(), state.origin.clone(), 0, Default::default());
            dispatcher.dispatch(start);
        }
    });
    let open_file = use_lesson_file(dispatcher);
    let on_open_file = {
        let list_open = list_open.clone();
        Callback::from(move |file| {
            list_open.set(false);
            open_file.emit(file);
        })
    };
    Learn {
        list_open: *list_open,
        entries,
        on_toggle_list: set_list(None),
        on_open_list: set_list(Some(true)),
        on_close_list: set_list(Some(false)),
        on_start,
        on_restart,
        on_open_file,
    }
}
