//! Opening a lesson file from disk: its text goes to the model, which parses it (JSON) and
//! starts the lesson, or shows where the file is wrong.

use yew::prelude::*;

use crate::io;
use crate::state::{Action, State};

/// A callback that reads a picked lesson file and opens it.
#[hook]
pub fn use_lesson_file(dispatcher: UseReducerDispatcher<State>) -> Callback<web_sys::File> {
    use_callback(dispatcher, |file: web_sys::File, dispatcher| {
        let dispatcher = dispatcher.clone();
        let name = file.name();
        io::read_text(&file, move |text| {
            dispatcher.dispatch(match text {
                Ok(text) => Action::OpenLesson(name, text),
                Err(error) => Action::Fail(format!("Could not open the lesson: {error}")),
            })
        });
    })
}
