//! The services and their colours.

use yew::prelude::*;

use crate::state::PALETTE;

#[derive(Properties, PartialEq)]
pub struct LegendProps {
    /// The services named, in colour order.
    pub services: Vec<String>,
    /// "+6 more services", when not all are named.
    pub more: Option<String>,
}

#[function_component(Legend)]
pub fn legend(props: &LegendProps) -> Html {
    let items = props.services.iter().enumerate().map(|(idx, name)| {
        html! { <li><span class="dot" style={format!("background:{}", PALETTE[idx % PALETTE.len()])}></span>{ name.clone() }</li> }
    });
    html! {
        <ul class="legend" aria-label="Services">
            { for items }
            if let Some(more) = &props.more {
                <li class="more">{ more.clone() }</li>
            }
        </ul>
    }
}
