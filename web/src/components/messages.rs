//! Messages above the trace: a notice, the file being opened, an error.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct MessagesProps {
    pub notice: Option<String>,
    /// "Opening big-trace.json (47.9 MB, 50% read)…".
    pub opening: Option<String>,
    pub error: Option<String>,
    pub on_dismiss: Callback<()>,
}

#[function_component(Messages)]
pub fn messages(props: &MessagesProps) -> Html {
    let dismiss =
        || html! { <button class="link" onclick={props.on_dismiss.reform(|_| ())}>{ "Dismiss" }</button> };
    html! {
        <>
            if let Some(notice) = &props.notice {
                <p class="notice" role="status">{ notice.clone() }{ dismiss() }</p>
            }
            if let Some(opening) = &props.opening {
                <p class="notice opening" role="status">{ opening.clone() }</p>
            }
            if let Some(error) = &props.error {
                <p class="error-box" role="alert">{ error.clone() }{ dismiss() }</p>
            }
        </>
    }
}
