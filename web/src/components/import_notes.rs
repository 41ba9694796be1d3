//! What the importer noticed about a file (a duplicate id, a number too large...).

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ImportNotesProps {
    /// "8 notes from the import".
    pub label: String,
    /// The first notes (at most `page::IMPORT_NOTES_MAX`).
    pub notes: Vec<String>,
}

#[function_component(ImportNotes)]
pub fn import_notes(props: &ImportNotesProps) -> Html {
    html! {
        <details class="import-notes">
            <summary>{ props.label.clone() }</summary>
            <ul>{ for props.notes.iter().map(|note| html! { <li>{ note.clone() }</li> }) }</ul>
        </details>
    }
}
