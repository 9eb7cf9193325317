//! Marks the document once the WASM has taken over, so browser tests (and people) can tell a
//! server-rendered page from a live one. An island of its own, placed after every other island:
//! islands come alive in document order, so when this one has, all have.

use leptos::prelude::*;

#[island]
pub fn HydrationMarker() -> impl IntoView {
    let hydrated = RwSignal::new(false);
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| hydrated.set(true));
    view! { <span class="hydration-marker" data-hydrated=move || hydrated.get().to_string()></span> }
}
