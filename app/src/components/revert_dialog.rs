//! The Revert Resize/Migrate dialog: where the instance goes back to, and the revert itself.

use leptos::{prelude::*, task::spawn_local};

use super::{error_box::ErrorBox, fetch::fetch_once, migrate_dialog::DialogRequest};
use crate::{
    api::{resize_source, revert_resize},
    error::AppError,
    migration::Sent,
};

#[component]
pub fn RevertBody(
    req: DialogRequest,
    request: RwSignal<Option<DialogRequest>>,
    on_sent: Callback<(String, Sent)>,
) -> impl IntoView {
    let source = fetch_once(resize_source(req.id.clone()));
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let name = req.name.clone();
    let submit = {
        let id = req.id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            error.set(None);
            let id = id.clone();
            spawn_local(async move {
                match Sent::from_result(revert_resize(id.clone()).await) {
                    Ok(sent) => {
                        request.set(None);
                        on_sent.run((id, sent));
                    }
                    Err(e) => {
                        error.set(Some(e));
                        busy.set(false);
                    }
                }
            });
        }
    };
    view! {
        <form class="dialog-form" on:submit=submit>
            <h2 id="dialog-title">"Revert Resize/Migrate"</h2>
            {move || {
                let to = match source.get()? {
                    Ok(Some(h)) => h,
                    _ => "the host it came from".into(),
                };
                Some(
                    view! {
                        <p class="explain">
                            "Revert moves " <strong>{name.clone()}</strong> " back to "
                            <strong class="mono">{to}</strong>
                            " and discards the migrated copy."
                        </p>
                    },
                )
            }}
            {move || {
                source
                    .with(|s| s.is_none())
                    .then(|| view! { <p class="loading">"Looking up the source host…"</p> })
            }}
            <ErrorBox error />
            <div class="dialog-buttons">
                <button type="button" on:click=move |_| request.set(None)>
                    "Cancel"
                </button>
                <button type="submit" class="primary danger" disabled=move || busy.get()>
                    {move || if busy.get() { "Sending…" } else { "Revert" }}
                </button>
            </div>
        </form>
    }
}
