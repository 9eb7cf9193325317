//! A dialog's error: the plain-words sentence, with the upstream's answer under "Details".

use leptos::prelude::*;

use crate::error::AppError;

#[component]
pub fn ErrorBox(error: RwSignal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            let details = e.details();
            view! {
                <div class="error" role="alert">
                    <p>{e.to_string()}</p>
                    {details
                        .map(|d| {
                            view! {
                                <details>
                                    <summary>"Details"</summary>
                                    <pre>{d}</pre>
                                </details>
                            }
                        })}
                </div>
            }
        })
    }
}
