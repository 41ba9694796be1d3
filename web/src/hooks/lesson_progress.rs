//! The lessons' progress, kept in localStorage: read once, written whenever the learner's place
//! in a lesson changes (step reached, answers, completion), so it survives a reload.

use std::rc::Rc;

use reqflow_core::view::lesson::{LessonState, ProgressStore};
use yew::prelude::*;

use crate::io;

/// The progress as stored; records `lesson` each time it changes.
#[hook]
pub fn use_lesson_progress(lesson: Option<Rc<LessonState>>) -> Rc<ProgressStore> {
    let store = use_state(|| Rc::new(ProgressStore::from_json(&io::load_progress())));
    {
        let store = store.clone();
        use_effect_with(lesson, move |lesson| {
            if let Some(lesson) = lesson {
                let next = store.record(lesson);
                if next != **store {
                    io::save_progress(&next.to_json());
                    store.set(Rc::new(next));
                }
            }
        });
    }
    (*store).clone()
}
