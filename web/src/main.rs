//! The Reqflow page: a thin yew view over `reqflow-core`.

mod app;
mod components;
mod io;
mod panic_banner;
mod state;
mod trace_view;

fn main() {
    if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
        performance.mark("reqflow:start").ok();
    }
    panic_banner::install();
    yew::Renderer::<app::App>::new().render();
}
