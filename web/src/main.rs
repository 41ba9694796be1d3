//! The Reqflow page: a thin yew view over `reqflow-core`.

mod app;
mod components;
mod hooks;
mod interview;
mod io;
mod panic_banner;
mod root;
mod state;
mod timing;

fn main() {
    timing::mark("reqflow:start");
    panic_banner::install();
    yew::Renderer::<root::Root>::new().render();
}
