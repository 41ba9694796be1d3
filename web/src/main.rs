//! The Reqflow page: a thin yew view over `reqflow-core`.

mod app;
mod components;
mod panic_banner;
mod state;

fn main() {
    panic_banner::install();
    yew::Renderer::<app::App>::new().render();
}
