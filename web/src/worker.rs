//! The page's worker: reads and imports trace files, and writes exports, off the page's main
//! thread. It holds the importers and exporters, so they are not part of the page's first
//! download; the page starts it once it is idle (see `io.rs`).
//!
//! Messages are plain objects. In: `{kind: "import", id, file}`, `{kind: "export", id, format,
//! spans}` (spans as [`reqflow_formats::wire`] bytes), `{kind: "warm", spans}`. Out: `{kind:
//! "progress", id, read}` while a file is read, then `{kind: "imported", id, data}` (the import
//! as wire bytes) or `{kind: "exported", id, text}`, or `{kind: "failed", id, message}`.

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, File, MessageEvent, ReadableStreamDefaultReader};

use reqflow_formats::wire;
use reqflow_formats::{self as formats, Format, ImportStream};

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| handle(&event.data()));
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The worker lives as long as the page: so does its handler.
    on_message.forget();
    post(&message("ready", 0.0, &[]));
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// `{kind, id, ...fields}`.
fn message(kind: &str, id: f64, fields: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    let set = |key: &str, value: &JsValue| {
        Reflect::set(&object, &JsValue::from_str(key), value).ok();
    };
    set("kind", &JsValue::from_str(kind));
    set("id", &JsValue::from_f64(id));
    for (key, value) in fields {
        set(key, value);
    }
    object
}

fn post(message: &Object) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    scope.post_message(message).ok();
}

/// Posts wire bytes, handing the buffer over instead of copying it.
fn post_bytes(kind: &str, id: f64, bytes: &[u8]) {
    let data = Uint8Array::from(bytes);
    let reply = message(kind, id, &[("data", data.clone().into())]);
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    scope.post_message_with_transfer(&reply, &js_sys::Array::of1(&data.buffer())).ok();
}

fn failed(id: f64, text: &str) {
    post(&message("failed", id, &[("message", JsValue::from_str(text))]));
}

fn handle(data: &JsValue) {
    let id = get(data, "id").as_f64().unwrap_or(0.0);
    match get(data, "kind").as_string().as_deref() {
        Some("import") => match get(data, "file").dyn_into::<File>() {
            Ok(file) => read_file(id, file),
            Err(_) => failed(id, "the page sent no file"),
        },
        Some("export") => {
            let spans = get(data, "spans").dyn_into::<Uint8Array>().map(|bytes| bytes.to_vec());
            let format = get(data, "format").as_string().and_then(|name| name.parse::<Format>().ok());
            match (spans.map(|bytes| wire::decode_spans(&bytes)), format) {
                (Ok(Ok(spans)), Some(format)) => {
                    let text = formats::export(&spans, format);
                    post(&message("exported", id, &[("text", JsValue::from_str(&text))]));
                }
                (Ok(Err(error)), _) => failed(id, &error.to_string()),
                _ => failed(id, "the page sent no spans or no format"),
            }
        }
        Some("warm") => {
            if let Some(Ok(spans)) = get(data, "spans")
                .dyn_into::<Uint8Array>()
                .ok()
                .map(|bytes| wire::decode_spans(&bytes.to_vec()))
            {
                warm_up(&spans);
            }
        }
        _ => failed(id, "unknown request"),
    }
}

/// Imports a small trace a few times, in pieces as a file arrives, so that the browser has
/// compiled (and mostly optimised) the readers before the user's first file: a wasm function is
/// compiled the first time it runs and optimised only once it has run a while. Every path a
/// file takes is warmed: each format, compact (as collectors, Jaeger UI and Zipkin write files,
/// read mostly as whole words) and pretty-printed (Reqflow's own exports).
fn warm_up(spans: &[reqflow_core::Span]) {
    const ROUNDS: usize = 2;
    const CHUNK: usize = 16 * 1024;
    for format in Format::ALL {
        for text in [formats::export_compact(spans, format), formats::export(spans, format)] {
            for _ in 0..ROUNDS {
                let mut stream = ImportStream::new("warm-up.json", text.len());
                for chunk in text.as_bytes().chunks(CHUNK) {
                    stream.push(chunk);
                }
                if let Some(Ok(imported)) = stream.finish() {
                    // Encoding is part of every import's way back to the page.
                    std::hint::black_box(wire::encode_import(&imported));
                }
            }
        }
    }
}

/// A file read as a stream of chunks, each copied into wasm memory and its spans read as it
/// arrives ([`ImportStream`]): most of the parsing is done by the time the last chunk comes, and
/// the whole file is never held as one more buffer.
struct Stream {
    id: f64,
    name: String,
    reader: ReadableStreamDefaultReader,
    import: Option<ImportStream>,
    /// The chunks as the browser gave them (references, not copies): if the import has to read
    /// the file again, whole, it is put together from these.
    chunks: Vec<Uint8Array>,
    read: f64,
    on_chunk: Closure<dyn FnMut(JsValue)>,
    on_error: Closure<dyn FnMut(JsValue)>,
}

thread_local! {
    /// The file being read. The page sends one at a time (a new file replaces the worker).
    static READING: RefCell<Option<Rc<RefCell<Stream>>>> = const { RefCell::new(None) };
}

fn read_file(id: f64, file: File) {
    let name = file.name();
    let reader: ReadableStreamDefaultReader = file.stream().get_reader().unchecked_into();
    let import = ImportStream::new(&name, usize::try_from(file.size() as u64).unwrap_or(0));
    let stream = Rc::new_cyclic(|weak: &Weak<RefCell<Stream>>| {
        let (on_chunk_weak, on_error_weak) = (weak.clone(), weak.clone());
        RefCell::new(Stream {
            id,
            name,
            reader,
            import: Some(import),
            chunks: Vec::new(),
            read: 0.0,
            on_chunk: Closure::new(move |result| chunk_arrived(&on_chunk_weak, &result)),
            on_error: Closure::new(move |error| reading_failed(&on_error_weak, &error)),
        })
    });
    read_next(&stream.borrow());
    READING.with(|reading| *reading.borrow_mut() = Some(stream));
}

fn read_next(stream: &Stream) {
    let _: Promise = stream.reader.read().then2(&stream.on_chunk, &stream.on_error);
}

fn finish_reading() {
    READING.with(|reading| reading.borrow_mut().take());
}

/// A `read()` result: `{ done, value }`.
fn chunk_arrived(weak: &Weak<RefCell<Stream>>, result: &JsValue) {
    let Some(rc) = weak.upgrade() else { return };
    let mut stream = rc.borrow_mut();
    let finished = get(result, "done").as_bool();
    let chunk = get(result, "value").dyn_into::<Uint8Array>().ok();
    match (finished, chunk) {
        (Some(false), Some(chunk)) => {
            // Ask for the next chunk first: the browser reads it while this one is parsed.
            read_next(&stream);
            let len = chunk.length() as usize;
            if let Some(import) = &mut stream.import {
                import.push_with(len, |room| chunk.copy_to(room));
            }
            stream.chunks.push(chunk);
            stream.read += len as f64;
            post(&message("progress", stream.id, &[("read", JsValue::from_f64(stream.read))]));
        }
        (Some(true), _) => {
            let (import, name, id) = (stream.import.take(), stream.name.clone(), stream.id);
            let chunks = std::mem::take(&mut stream.chunks);
            drop(stream);
            finish_reading();
            let Some(import) = import else { return };
            let imported = import
                .finish()
                .unwrap_or_else(|| formats::import_bytes(joined(&chunks), &name))
                .and_then(|imported| {
                    formats::limits::check_span_count(&name, imported.spans.len()).map(|()| imported)
                });
            match imported {
                Ok(imported) => post_bytes("imported", id, &wire::encode_import(&imported)),
                Err(error) => failed(id, &error.to_string()),
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
    let (id, name) = {
        let stream = rc.borrow();
        (stream.id, stream.name.clone())
    };
    finish_reading();
    let why = match error.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => error.as_string().unwrap_or_else(|| "unknown error".to_owned()),
    };
    failed(id, &format!("{name}: cannot read the file ({why})"));
}
