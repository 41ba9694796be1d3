//! Browser side effects: reading a dropped or picked file, downloading text, the URL hash,
//! the clipboard. Called from event handlers and effects, never from `reduce`.

use gloo::file::callbacks::FileReader;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, File, HtmlAnchorElement, Url};

/// Starts reading `file` as UTF-8 text; `done` gets the file name and the text or an error
/// message. Reading stops if the returned handle is dropped, so keep it until `done` runs.
///
/// The file is read as bytes and checked as UTF-8 here: a 50 MB trace then crosses into wasm as
/// one copy, instead of being decoded into a JavaScript string and encoded back.
pub fn read_file(file: File, done: impl FnOnce(Result<(String, String), String>) + 'static) -> FileReader {
    let file = gloo::file::File::from(file);
    let name = file.name();
    gloo::file::callbacks::read_as_bytes(&file, move |result| {
        crate::timing::measure_since("read", "reqflow:import-start");
        done(match result {
            Ok(bytes) => crate::timing::measure("utf8", || utf8_text(bytes))
                .map(|text| (name.clone(), text))
                .map_err(|error| format!("{name}: {error}")),
            Err(error) => Err(format!("{name}: cannot read the file ({error})")),
        })
    })
}

/// The bytes as text, or where they stop being UTF-8.
pub fn utf8_text(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|error| {
        let at = error.utf8_error().valid_up_to();
        format!("not a text file: the bytes at offset {at} are not UTF-8")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_must_be_utf8_and_the_error_says_where_they_are_not() {
        assert_eq!(utf8_text(b"{\"resourceSpans\": []}".to_vec()).as_deref(), Ok("{\"resourceSpans\": []}"));
        assert_eq!(
            utf8_text(b"{\"a\": \"\xff\"}".to_vec()),
            Err("not a text file: the bytes at offset 7 are not UTF-8".to_owned())
        );
    }
}
