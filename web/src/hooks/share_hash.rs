//! The address bar is always a share link for what is on screen (simulated traces).

use yew::prelude::*;

use crate::io;

/// Replaces the location hash with `hash` whenever it changes (`None`: leaves it).
#[hook]
pub fn use_share_hash(hash: Option<String>) {
    use_effect_with(hash, |hash| {
        if let Some(hash) = hash {
            io::replace_hash(hash);
        }
    });
}
