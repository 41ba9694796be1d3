//! Browser side effects: reading a dropped or picked file, downloading text, the URL hash,
//! the clipboard. Called from event handlers and effects, never from `reduce`.

use gloo::file::callbacks::FileReader;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, File, HtmlAnchorElement, Url};

/// Starts reading `file` as text; `done` gets the file name and the text or an error message.
/// Reading stops if the returned handle is dropped, so keep it until `done` runs.
pub fn read_file(file: File, done: impl FnOnce(Result<(String, String), String>) + 'static) -> FileReader {
    let file = gloo::file::File::from(file);
    let name = file.name();
    gloo::file::callbacks::read_as_text(&file, move |result| {
        done(
            result
                .map(|text| (name.clone(), text))
                .map_err(|error| format!("{name}: cannot read the file ({error})")),
        )
    })
}

/// Offers `text` as a file download.
pub fn download(file_name: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&text.into());
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|_| "cannot create the file")?;
    let url = Url::create_object_url_with_blob(&blob).map_err(|_| "cannot create a download link")?;
    let document = web_sys::window().and_then(|window| window.document()).ok_or("no document")?;
    let anchor: HtmlAnchorElement =
        document.create_element("a").map_err(|_| "cannot create a link")?.unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    Url::revoke_object_url(&url).ok();
    Ok(())
}

pub fn location_hash() -> String {
    web_sys::window().and_then(|window| window.location().hash().ok()).unwrap_or_default()
}

/// Replaces the URL's hash without adding a history entry or scrolling.
pub fn replace_hash(hash: &str) {
    if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
        history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(hash)).ok();
    }
}

/// Copies the page's address (the share link) to the clipboard.
pub fn copy_location() -> bool {
    let Some(window) = web_sys::window() else { return false };
    let Ok(href) = window.location().href() else { return false };
    let _promise = window.navigator().clipboard().write_text(&href);
    true
}

/// Whether the user asked for less motion (the replay then steps instead of animating).
pub fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|window| window.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|query| query.matches())
}
