//! The address bar is always a link to what is on screen: the lesson step being followed
//! (`#lesson=ID&step=K`, or `#lesson-json=…` for a lesson of one's own), else the share link of a
//! simulated trace.

use reqflow_core::view::Model;
use reqflow_core::view::lesson_link;
use yew::prelude::*;

use crate::io;

/// Replaces the location hash with the model's link whenever it changes (left alone for an
/// imported trace, or a lesson too long for a link).
#[hook]
pub fn use_share_hash(model: &Model) {
    // A lesson of one's own is encoded once per change of place, not on every render.
    let lesson_hash = use_memo(model.lesson.clone(), |lesson| lesson.as_deref().map(lesson_link::hash));
    let hash = match &*lesson_hash {
        Some(hash) => hash.clone(),
        None => (!model.is_imported()).then(|| model.share_link().to_hash()),
    };
    use_effect_with(hash, |hash| {
        if let Some(hash) = hash {
            io::replace_hash(hash);
        }
    });
}
