//! Brings the lesson panel into view when a lesson starts (from the list, a file or a link), so
//! the task sits beside the waterfall the learner acts on.

use yew::prelude::*;

/// Scrolls the page to the lesson panel whenever `lesson` (an id) becomes a new lesson.
#[hook]
pub fn use_scroll_to_lesson(lesson: Option<String>) {
    use_effect_with(lesson, |lesson| {
        let panel = lesson
            .as_ref()
            .and_then(|_| web_sys::window()?.document()?.query_selector(".workspace").ok().flatten());
        if let Some(panel) = panel {
            panel.scroll_into_view();
        }
    });
}
