//! Browser side effects: reading a dropped or picked file, downloading text, the URL hash,
//! the clipboard. Called from event handlers and effects, never from `reduce`.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, File, HtmlAnchorElement, ReadableStreamDefaultReader, Url};

use reqflow_core::formats::{self, ImportError, ImportStream, Imported};

/// What reading a file gives: its name and what importing it gave, or why it could not be read.
pub type FileRead = Result<(String, Result<Imported, ImportError>), String>;

type Done = Box<dyn FnOnce(FileRead)>;

/// A file being read. Dropping it stops the reading (`done` is then never called).
pub struct Reading(Rc<RefCell<Stream>>);

/// A file read as a stream of chunks, each copied into wasm memory and its spans read as it
/// arrives ([`ImportStream`]): most of the parsing is done by the time the last chunk comes, and
/// the browser never holds the whole file as one more 50 MB buffer.
struct Stream {
    name: String,
    reader: ReadableStreamDefaultReader,
    import: Option<ImportStream>,
    /// The chunks as the browser gave them (references, not copies): if the import has to read
    /// the file again, whole, it is put together from these.
    chunks: Vec<Uint8Array>,
    /// Called with each `read()` result, and with a failed read.
    on_chunk: Closure<dyn FnMut(JsValue)>,
    on_error: Closure<dyn FnMut(JsValue)>,
    /// Whether a `read()` is waiting for its promise (see `Drop for Reading`).
    waiting: bool,
    done: Option<Done>,
}

impl Drop for Reading {
    fn drop(&mut self) {
        let Ok(mut stream) = self.0.try_borrow_mut() else { return };
        stream.done = None;
        stream.import = None;
        stream.chunks.clear();
        if stream.waiting {
            // The pending read still holds the callbacks: they must outlive it (they only hold
            // a weak reference, so nothing else is kept). Cancelling settles it soon.
            let _ = stream.reader.cancel();
            let on_chunk = std::mem::replace(&mut stream.on_chunk, Closure::new(|_: JsValue| {}));
            let on_error = std::mem::replace(&mut stream.on_error, Closure::new(|_: JsValue| {}));
            on_chunk.forget();
            on_error.forget();
        }
    }
}

/// Starts reading and importing `file`; `done` gets the file name and the import's result, or
/// why the file could not be read. Reading stops if the returned handle is dropped, so keep it
/// until `done` runs.
///
/// The file crosses into wasm once, as bytes (not decoded into a JavaScript string and encoded
/// back), and is checked as UTF-8 by the import.
pub fn read_file(file: File, done: impl FnOnce(FileRead) + 'static) -> Reading {
    let name = file.name();
    let reader: ReadableStreamDefaultReader = file.stream().get_reader().unchecked_into();
    let import = ImportStream::new(&name, usize::try_from(file.size() as u64).unwrap_or(0));
    let stream = Rc::new_cyclic(|weak: &Weak<RefCell<Stream>>| {
        let (on_chunk_weak, on_error_weak) = (weak.clone(), weak.clone());
        RefCell::new(Stream {
            name,
            reader,
            import: Some(import),
            chunks: Vec::new(),
            on_chunk: Closure::new(move |result| chunk_arrived(&on_chunk_weak, &result)),
            on_error: Closure::new(move |error| reading_failed(&on_error_weak, &error)),
            waiting: false,
            done: Some(Box::new(done)),
        })
    });
    read_next(&mut stream.borrow_mut());
    Reading(stream)
}

fn read_next(stream: &mut Stream) {
    let _: Promise = stream.reader.read().then2(&stream.on_chunk, &stream.on_error);
    stream.waiting = true;
}

/// A `read()` result: `{ done, value }`.
fn chunk_arrived(weak: &Weak<RefCell<Stream>>, result: &JsValue) {
    let Some(rc) = weak.upgrade() else { return };
    let mut stream = rc.borrow_mut();
    stream.waiting = false;
    let finished = Reflect::get(result, &JsValue::from_str("done")).ok().and_then(|done| done.as_bool());
    let chunk = Reflect::get(result, &JsValue::from_str("value"))
        .ok()
        .and_then(|value| value.dyn_into::<Uint8Array>().ok());
    match (finished, chunk) {
        (Some(false), Some(chunk)) => {
            // Ask for the next chunk first: the browser reads it while this one is parsed.
            read_next(&mut stream);
            if let Some(import) = &mut stream.import {
                import.push_with(chunk.length() as usize, |room| chunk.copy_to(room));
            }
            stream.chunks.push(chunk);
        }
        (Some(true), _) => {
            let (import, name, done) = (stream.import.take(), stream.name.clone(), stream.done.take());
            let chunks = std::mem::take(&mut stream.chunks);
            drop(stream);
            crate::timing::measure_since("read", "reqflow:import-start");
            if let (Some(import), Some(done)) = (import, done) {
                let imported = crate::timing::measure("import", || {
                    import.finish().unwrap_or_else(|| formats::import_bytes(joined(&chunks), &name))
                });
                done(Ok((name, imported)));
            }
        }
        _ => {
            drop(stream);
            reading_failed(weak, &JsValue::from_str("the browser gave something other than bytes"));
        }
    }
}

/// The chunks as one buffer.
fn joined(chunks: &[Uint8Array]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(chunks.iter().map(|chunk| chunk.length() as usize).sum());
    for chunk in chunks {
        bytes.extend_from_slice(&chunk.to_vec());
    }
    bytes
}

fn reading_failed(weak: &Weak<RefCell<Stream>>, error: &JsValue) {
    let Some(rc) = weak.upgrade() else { return };
    let (name, done) = {
        let mut stream = rc.borrow_mut();
        stream.waiting = false;
        stream.import = None;
        stream.chunks.clear();
        (stream.name.clone(), stream.done.take())
    };
    let why = match error.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => error.as_string().unwrap_or_else(|| "unknown error".to_owned()),
    };
    if let Some(done) = done {
        done(Err(format!("{name}: cannot read the file ({why})")));
    }
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
