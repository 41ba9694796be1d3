//! The Reqflow page: a thin yew view over `reqflow-core`.

mod app;
mod components;
mod hooks;
mod io;
mod panic_banner;
mod state;
mod timing;

fn main() {
    timing::mark("reqflow:start");
    panic_banner::install();
    yew::Renderer::<app::App>::new().render();
}
