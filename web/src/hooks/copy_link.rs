//! "Copy link": copies the address (a share link) and says so.

use yew::prelude::*;

use crate::io;

/// Whether the link was copied, and the callback that copies it.
#[hook]
pub fn use_copy_link() -> (bool, Callback<()>) {
    let copied = use_state(|| false);
    let on_copy = {
        let copied = copied.clone();
        use_callback((), move |(), _| copied.set(io::copy_location()))
    };
    (*copied, on_copy)
}
