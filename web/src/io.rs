//! Browser side effects: the worker that reads, imports and exports files, downloading text,
//! the URL hash, the clipboard. Called from event handlers and effects, never from `reduce`.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, File, HtmlAnchorElement, MessageEvent, Url, Worker};

use reqflow_core::Span;
use reqflow_core::view::ImportedTrace;
use reqflow_formats::Format;
use reqflow_formats::wire;

/// What reading a file gives: its name and what importing it gave, or why it could not be read
/// or imported (the message names the file, and the position and field where there is one).
pub type FileRead = Result<(String, ImportedTrace), String>;

/// The worker's loader script (Trunk writes it next to the page; see `worker.rs`).
const WORKER_URL: &str = "./reqflow-worker_loader.js";

/// A request waiting for the worker's answer.
enum Pending {
    Import { name: String, progress: Box<dyn Fn(f64)>, done: Box<dyn FnOnce(FileRead)> },
    Export { done: Box<dyn FnOnce(Result<String, String>)> },
}

/// The page's worker (`worker.rs`): it reads, imports and exports files, so the importers and
/// exporters are not part of the page's first download and a big file never blocks the page.
/// Started when the page is idle ([`start_worker`]) or on the first request.
struct Link {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
    pending: BTreeMap<u32, Pending>,
    /// Whether the worker said it is ready. Until then messages wait here: a message that
    /// arrives while the worker is still compiling its wasm would find no handler and be lost.
    ready: bool,
    queue: Vec<(Object, Option<JsValue>)>,
}

impl Link {
    fn post(&mut self, message: Object, transfer: Option<JsValue>) -> bool {
        if !self.ready {
            self.queue.push((message, transfer));
            return true;
        }
        let posted = match transfer {
            Some(buffer) => self.worker.post_message_with_transfer(&message, &js_sys::Array::of1(&buffer)),
            None => self.worker.post_message(&message),
        };
        posted.is_ok()
    }
}

thread_local! {
    static LINK: RefCell<Option<Link>> = const { RefCell::new(None) };
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn request(kind: &str, id: u32, fields: &[(&str, &JsValue)]) -> Object {
    let object = Object::new();
    Reflect::set(&object, &"kind".into(), &kind.into()).ok();
    Reflect::set(&object, &"id".into(), &JsValue::from(id)).ok();
    for (key, value) in fields {
        Reflect::set(&object, &(*key).into(), value).ok();
    }
    object
}

/// Starts the worker if it is not running; `Err` says why it cannot start.
fn with_link<T>(use_link: impl FnOnce(&mut Link) -> T) -> Result<T, String> {
    LINK.with(|link| {
        let mut link = link.borrow_mut();
        if link.is_none() {
            let worker =
                Worker::new(WORKER_URL).map_err(|_| "the page cannot start its worker".to_owned())?;
            let on_message =
                Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| answer(&event.data()));
            let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(|event: web_sys::ErrorEvent| {
                event.prevent_default();
                worker_failed(&format!("the page's worker stopped ({})", event.message()));
            });
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            *link = Some(Link {
                worker,
                _on_message: on_message,
                _on_error: on_error,
                pending: BTreeMap::new(),
                ready: false,
                queue: Vec::new(),
            });
        }
        Ok(use_link(link.as_mut().expect("started above")))
    })
}

/// Sends a request; its answer goes to `pending`. Returns the request's id.
fn send(
    kind: &str,
    fields: &[(&str, &JsValue)],
    transfer: Option<&JsValue>,
    pending: Pending,
) -> Result<u32, Pending> {
    let id = NEXT_ID.with(|next| next.replace(next.get().wrapping_add(1)));
    let message = request(kind, id, fields);
    let sent = with_link(|link| link.post(message, transfer.cloned()));
    if sent != Ok(true) {
        return Err(pending);
    }
    LINK.with(|link| {
        if let Some(link) = link.borrow_mut().as_mut() {
            link.pending.insert(id, pending);
        }
    });
    Ok(id)
}

/// The worker's answer to a request.
fn answer(data: &JsValue) {
    let Some(id) = get(data, "id").as_f64().map(|id| id as u32) else { return };
    let kind = get(data, "kind").as_string().unwrap_or_default();
    if kind == "ready" {
        LINK.with(|link| {
            if let Some(link) = link.borrow_mut().as_mut() {
                link.ready = true;
                for (message, transfer) in std::mem::take(&mut link.queue) {
                    link.post(message, transfer);
                }
            }
        });
        return;
    }
    if kind == "progress" {
        LINK.with(|link| {
            if let Some(Pending::Import { progress, .. }) =
                link.borrow().as_ref().and_then(|link| link.pending.get(&id))
            {
                progress(get(data, "read").as_f64().unwrap_or(0.0));
            }
        });
        return;
    }
    // Out of the map before the callback runs: it may send the next request.
    let Some(pending) =
        LINK.with(|link| link.borrow_mut().as_mut().and_then(|link| link.pending.remove(&id)))
    else {
        return;
    };
    let failure = (kind == "failed").then(|| get(data, "message").as_string().unwrap_or_default());
    match pending {
        Pending::Import { name, done, .. } => done(match failure {
            Some(message) => Err(message),
            None => crate::timing::measure("decode", || {
                let bytes = get(data, "data")
                    .dyn_into::<Uint8Array>()
                    .map(|bytes| bytes.to_vec())
                    .unwrap_or_default();
                wire::decode_import(&bytes)
                    .map(|imported| (name, imported.into()))
                    .map_err(|error| error.to_string())
            }),
        }),
        Pending::Export { done } => done(match failure {
            Some(message) => Err(message),
            None => get(data, "text").as_string().ok_or_else(|| "the worker sent no text".to_owned()),
        }),
    }
}

/// The worker failed: every waiting request fails with `why`, and the next request starts a new
/// worker.
fn worker_failed(why: &str) {
    let link = LINK.with(|link| link.borrow_mut().take());
    let Some(link) = link else { return };
    link.worker.terminate();
    for (_, pending) in link.pending {
        match pending {
            Pending::Import { name, done, .. } => done(Err(format!("{name}: {why}"))),
            Pending::Export { done } => done(Err(why.to_owned())),
        }
    }
}

/// Starts the worker now (the page calls this once it is idle), and lets it warm up on `spans`:
/// it imports them a few times so that its reader is compiled before the user's first file.
pub fn start_worker(spans: &[Span]) {
    let bytes = Uint8Array::from(wire::encode_spans(spans).as_slice());
    let message = request("warm", 0, &[("spans", &bytes.clone().into())]);
    let _ = with_link(|link| {
        link.worker.post_message_with_transfer(&message, &js_sys::Array::of1(&bytes.buffer()))
    });
}

/// A file being read. Dropping it before its answer cancels the reading (the worker is stopped;
/// `done` is then never called).
pub struct Reading(u32);

impl Drop for Reading {
    fn drop(&mut self) {
        let waiting =
            LINK.with(|link| link.borrow().as_ref().is_some_and(|link| link.pending.contains_key(&self.0)));
        if waiting {
            let link = LINK.with(|link| link.borrow_mut().take());
            if let Some(link) = link {
                link.worker.terminate();
            }
        }
    }
}

/// Reads and imports `file` in the worker: `progress` gets the bytes read so far, `done` the
/// file name and the import, or why the file could not be read or imported. Keep the returned
/// handle until `done` runs: dropping it cancels.
///
/// The file goes to the worker as a `File` (a reference, not a copy); the worker reads it as a
/// stream of bytes, checked as UTF-8 by the import.
pub fn read_file(
    file: File,
    progress: impl Fn(f64) + 'static,
    done: impl FnOnce(FileRead) + 'static,
) -> Reading {
    let name = file.name();
    let pending = Pending::Import { name: name.clone(), progress: Box::new(progress), done: Box::new(done) };
    match send("import", &[("file", &file.into())], None, pending) {
        Ok(id) => Reading(id),
        Err(Pending::Import { done, .. }) => {
            done(Err(format!("{name}: the page cannot start its worker")));
            Reading(0)
        }
        Err(Pending::Export { .. }) => Reading(0),
    }
}

/// Writes `spans` in `format` in the worker; `done` gets the text.
pub fn export(spans: &[Span], format: Format, done: impl FnOnce(Result<String, String>) + 'static) {
    let bytes = Uint8Array::from(wire::encode_spans(spans).as_slice());
    let buffer: JsValue = bytes.buffer().into();
    let fields: [(&str, &JsValue); 2] = [("format", &format.as_str().into()), ("spans", &bytes.into())];
    if let Err(Pending::Export { done }) =
        send("export", &fields, Some(&buffer), Pending::Export { done: Box::new(done) })
    {
        done(Err("the page cannot start its worker".to_owned()));
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
