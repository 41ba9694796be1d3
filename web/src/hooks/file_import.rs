//! Opening a file: refused from its size alone, else read by the worker with progress; a new file
//! cancels the one being read.

use reqflow_formats as formats;
use yew::prelude::*;

use crate::io;
use crate::state::{Action, State};
use crate::timing::mark;

/// The callback that imports a file into the model.
#[hook]
pub fn use_file_import(dispatcher: UseReducerDispatcher<State>) -> Callback<web_sys::File> {
    let readers = use_mut_ref(Vec::<io::Reading>::new);
    use_callback(dispatcher, move |file: web_sys::File, dispatcher| {
        // Refused from its size alone, before a byte is read; the trace on screen stays.
        if let Err(error) = formats::limits::check_file_size(&file.name(), file.size() as u64) {
            dispatcher.dispatch(Action::Fail(error.to_string()));
            return;
        }
        mark("reqflow:import-start");
        // Shown while the browser reads the file (the page stays responsive until then).
        dispatcher.dispatch(Action::Opening(file.name(), file.size(), 0.0));
        let (progress, done) = (dispatcher.clone(), dispatcher.clone());
        let (name, size) = (file.name(), file.size());
        let reader = io::read_file(
            file,
            move |read| progress.dispatch(Action::Opening(name.clone(), size, read)),
            move |result| match result {
                Ok((name, imported)) => done.dispatch(Action::Import(name, Ok(imported))),
                Err(error) => done.dispatch(Action::Import(String::new(), Err(error))),
            },
        );
        let mut readers = readers.borrow_mut();
        readers.clear();
        readers.push(reader);
    })
}
