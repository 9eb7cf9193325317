//! Short messages after an action: successes fade, failures stay until dismissed and keep
//! Nova's message and request id under "details".

use std::time::Duration;

use leptos::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct Toast {
    pub id: u64,
    pub ok: bool,
    pub text: String,
    pub details: Option<String>,
}

#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    pub fn new() -> Self {
        Toasts {
            list: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        }
    }

    pub fn success(&self, text: impl Into<String>) {
        let id = self.push(true, text.into(), None);
        let list = self.list;
        set_timeout(
            move || {
                list.try_update(|l| l.retain(|t| t.id != id));
            },
            Duration::from_secs(8),
        );
    }

    pub fn failure(&self, text: impl Into<String>, details: Option<String>) {
        self.push(false, text.into(), details);
    }

    fn push(&self, ok: bool, text: String, details: Option<String>) -> u64 {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.list.update(|l| {
            l.push(Toast {
                id,
                ok,
                text,
                details,
            })
        });
        id
    }

    fn dismiss(&self, id: u64) {
        self.list.update(|l| l.retain(|t| t.id != id));
    }
}

impl Default for Toasts {
    fn default() -> Self {
        Self::new()
    }
}

#[component]
pub fn ToastRegion(toasts: Toasts) -> impl IntoView {
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For each=move || toasts.list.get() key=|t| t.id let:toast>
                <div class="toast" class:bad=!toast.ok class:good=toast.ok>
                    <p>{toast.text.clone()}</p>
                    {toast
                        .details
                        .clone()
                        .map(|d| {
                            view! {
                                <details>
                                    <summary>"Details"</summary>
                                    <pre>{d}</pre>
                                </details>
                            }
                        })}
                    <button
                        type="button"
                        class="close"
                        aria-label="Dismiss"
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
    .into_any()
}
