//! A row's "More" menu: the WAI-ARIA menu-button pattern. Enter, Space or ↓ open it on the first
//! entry, ↑ on the last; ↑/↓/Home/End move; Enter or Space choose; Escape closes and returns focus.

use leptos::{
    prelude::*,
    wasm_bindgen::JsCast,
    web_sys::{HtmlElement, KeyboardEvent},
};

use crate::actions::{MenuEntry, RowAction};

/// Moves keyboard focus to the element with this id, if it is on the page.
pub fn focus(id: &str) {
    if let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

#[component]
pub fn MoreMenu(
    /// Unique on the page: the row's instance id.
    key: String,
    label: String,
    entries: Signal<Vec<MenuEntry>>,
    open: RwSignal<bool>,
    on_pick: Callback<RowAction>,
) -> impl IntoView {
    let button_id = format!("more-{key}");
    let menu_id = format!("menu-{key}");
    let item_id = {
        let key = key.clone();
        move |i: usize| format!("menu-{key}-{i}")
    };
    let active = RwSignal::new(0usize);
    let count = move || entries.with(|e| e.len());

    let open_at = {
        let item_id = item_id.clone();
        move |i: usize| {
            if count() == 0 {
                return;
            }
            active.set(i);
            open.set(true);
            let id = item_id(i);
            // After the menu is shown.
            request_animation_frame(move || focus(&id));
        }
    };
    let close = {
        let button_id = button_id.clone();
        move |refocus: bool| {
            open.set(false);
            if refocus {
                focus(&button_id);
            }
        }
    };
    let choose = {
        let close = close.clone();
        move |i: usize| {
            let entry = entries.with_untracked(|e| e.get(i).cloned());
            if let Some(entry) = entry {
                if entry.disabled.is_none() {
                    close(true);
                    on_pick.run(entry.action);
                }
            }
        }
    };

    let on_button_key = {
        let open_at = open_at.clone();
        let close = close.clone();
        move |ev: KeyboardEvent| match ev.key().as_str() {
            // Focus moves into the menu a frame after it opens; Escape in that frame still closes.
            "Escape" if open.get_untracked() => {
                ev.prevent_default();
                close(true);
            }
            "Enter" | " " | "ArrowDown" => {
                ev.prevent_default();
                open_at(0);
            }
            "ArrowUp" => {
                ev.prevent_default();
                open_at(count().saturating_sub(1));
            }
            _ => {}
        }
    };
    let on_button_click = {
        let open_at = open_at.clone();
        let close = close.clone();
        move |_| {
            if open.get_untracked() {
                close(false);
            } else {
                open_at(0);
            }
        }
    };
    let on_menu_key = {
        let open_at = open_at.clone();
        let close = close.clone();
        let choose = choose.clone();
        move |ev: KeyboardEvent| {
            let n = count();
            if n == 0 {
                return;
            }
            let i = active.get_untracked();
            match ev.key().as_str() {
                "ArrowDown" => {
                    ev.prevent_default();
                    open_at((i + 1) % n);
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    open_at((i + n - 1) % n);
                }
                "Home" => {
                    ev.prevent_default();
                    open_at(0);
                }
                "End" => {
                    ev.prevent_default();
                    open_at(n - 1);
                }
                "Escape" => {
                    ev.prevent_default();
                    close(true);
                }
                "Tab" => close(false),
                "Enter" | " " => {
                    ev.prevent_default();
                    choose(i);
                }
                _ => {}
            }
        }
    };
    let wrapper_id = format!("wrap-{key}");
    let on_focus_out = {
        let wrapper_id = wrapper_id.clone();
        move |ev: leptos::web_sys::FocusEvent| {
            // Focus left the menu and its button: close it, as a click elsewhere would.
            let inside = ev
                .related_target()
                .and_then(|t| t.dyn_into::<leptos::web_sys::Node>().ok())
                .zip(document().get_element_by_id(&wrapper_id))
                .is_some_and(|(node, wrapper)| wrapper.contains(Some(&node)));
            if !inside {
                open.set(false);
            }
        }
    };

    view! {
        <div class="more" id=wrapper_id on:focusout=on_focus_out>
            <button
                type="button"
                id=button_id.clone()
                class="more-button"
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                aria-controls=menu_id.clone()
                aria-label=format!("More actions for {label}")
                disabled=move || count() == 0
                on:click=on_button_click
                on:keydown=on_button_key
            >
                "More ▾"
            </button>
            <ul
                role="menu"
                id=menu_id.clone()
                aria-labelledby=button_id
                class="menu"
                hidden=move || !open.get()
                on:keydown=on_menu_key
            >
                // The entries exist only while the menu is open: a page of 100 rows would
                // otherwise render, send and hydrate 100 hidden menus (a fifth of its HTML).
                {move || {
                    if !open.get() {
                        return None;
                    }
                    let items = entries
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(i, e)| {
                            let disabled = e.disabled.clone();
                            let choose = choose.clone();
                            view! {
                                <li
                                    role="menuitem"
                                    id=item_id(i)
                                    tabindex="-1"
                                    aria-disabled=e.disabled.is_some().then_some("true")
                                    title=e.disabled.clone()
                                    on:click=move |_| choose(i)
                                >
                                    {e.action.label()}
                                    {disabled.map(|d| view! { <span class="why">{d}</span> })}
                                </li>
                            }
                        })
                        .collect_view();
                    Some(items)
                }}
            </ul>
        </div>
    }
    .into_any()
}
