//! The page's two views: the Try-it page (`app.rs`) and the interview (`interview.rs`), chosen by
//! the address bar (`#interview=SEED&level=L`) and switched by their buttons.

use yew::prelude::*;

use crate::app::App;
use crate::hooks::{OpenInterview, use_interview_mode};
use crate::interview::InterviewPage;

#[function_component(Root)]
pub fn root() -> Html {
    let (link, open, on_leave) = use_interview_mode();
    match link {
        Some(link) => html! { <InterviewPage {link} {on_leave} /> },
        None => html! {
            <ContextProvider<OpenInterview> context={open}><App /></ContextProvider<OpenInterview>>
        },
    }
}
