//! Downloads: the worker writes the trace in a format, the browser saves it.

use std::rc::Rc;

use reqflow_core::view::TraceView;
use reqflow_formats::Format;
use yew::prelude::*;

use crate::components::Shared;
use crate::io;

/// A callback that exports `trace` in a format and downloads it under that format's name
/// (`file_names` in the order of `Format::ALL`); a failure goes to `on_fail`.
#[hook]
pub fn use_download(
    trace: &Rc<TraceView>,
    file_names: [String; 3],
    on_fail: Callback<String>,
) -> Callback<Format> {
    use_callback((Shared::new(trace), file_names, on_fail), |format: Format, (trace, file_names, on_fail)| {
        let position = Format::ALL.iter().position(|&each| each == format).unwrap_or(0);
        let (name, on_fail) = (file_names[position].clone(), on_fail.clone());
        io::export(&trace.spans, format, move |text| {
            if let Err(error) = text.and_then(|text| io::download(&name, "application/json", &text)) {
                on_fail.emit(format!("Download failed: {error}"));
            }
        });
    })
}
