//! The browser entry point. Pages are server-rendered HTML; only the islands (the live instance
//! table with its menus and dialogs, the login form, the hydration marker) come alive in WASM.

// Links the app crate, whose `#[island]` components export one hydrate function each.
#[allow(unused_imports)]
use app::*;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
