//! A panic must never leave a blank page: show what happened in a banner instead.

use wasm_bindgen::JsCast;

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&message.as_str().into());
        show(&message);
    }));
}

fn show(message: &str) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let Some(body) = document.body() else { return };
    let Ok(banner) = document.create_element("div") else {
        return;
    };
    banner.set_class_name("panic-banner");
    banner.set_attribute("role", "alert").ok();
    // Text only: the message may contain anything.
    banner.set_text_content(Some(&format!(
        "Reqflow hit an internal error and stopped: {message}. Reload the page to start again."
    )));
    if let Ok(banner) = banner.dyn_into::<web_sys::HtmlElement>() {
        body.prepend_with_node_1(&banner).ok();
    }
}
