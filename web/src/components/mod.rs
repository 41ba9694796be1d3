//! The page's components: each takes the data it shows (narrow props, large values as [`Shared`])
//! and `on_*` callbacks, never the reducer; `app.rs` wires them to it.

use std::ops::Deref;
use std::rc::Rc;

use yew::Callback;

pub mod details;
pub mod diagram;
pub mod hero;
pub mod import_notes;
pub mod insight;
pub mod interview;
pub mod knobs;
pub mod legend;
pub mod messages;
pub mod minimap;
pub mod replay_controls;
pub mod round_end;
pub mod summary;
pub mod toolbar;
pub mod top_bar;
pub mod waterfall;

/// A large value in props, compared by pointer: the model replaces a trace (or its rows, its
/// matches) instead of changing it, so a new pointer is a new value, and props holding 100,000
/// spans are never compared field by field.
#[derive(Debug)]
pub struct Shared<T>(pub Rc<T>);

impl<T> Shared<T> {
    pub fn new(value: &Rc<T>) -> Shared<T> {
        Shared(value.clone())
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// An event handler that sends `callback` what `read` finds in the event, when it finds
/// something (a file picked, a number typed).
pub fn emit_some<EVENT: 'static, IN: 'static>(
    callback: &Callback<IN>,
    read: impl Fn(EVENT) -> Option<IN> + 'static,
) -> Callback<EVENT> {
    let callback = callback.clone();
    Callback::from(move |event| {
        if let Some(input) = read(event) {
            callback.emit(input);
        }
    })
}
