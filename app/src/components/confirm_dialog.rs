//! The dialogs that only confirm: Revert Resize/Migrate (where the instance goes back to), and
//! Abort / Force Complete of a live migration (what Nova will do). One body for the three, so the
//! WASM carries one form; the request is sent once, and Nova's refusal shows in place.

use leptos::{prelude::*, task::spawn_local};

use super::{
    error_box::ErrorBox,
    fetch::fetch_once,
    migrate_dialog::{DialogKind, DialogRequest},
};
use crate::{
    api::{control_live_migration, resize_source, revert_resize},
    error::AppError,
    migration::Sent,
};

#[component]
pub fn ConfirmBody(
    req: DialogRequest,
    request: RwSignal<Option<DialogRequest>>,
    on_sent: Callback<(String, Sent)>,
) -> impl IntoView {
    let kind = req.kind;
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    // Only a revert needs to know where the instance goes back to.
    let source = (kind == DialogKind::Revert).then(|| fetch_once(resize_source(req.id.clone())));
    let submit = {
        let (id, migration) = (req.id.clone(), req.migration.unwrap_or_default());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            error.set(None);
            let id = id.clone();
            spawn_local(async move {
                let result = match kind {
                    DialogKind::Revert => revert_resize(id.clone()).await,
                    _ => {
                        control_live_migration(
                            id.clone(),
                            migration,
                            kind == DialogKind::ForceComplete,
                        )
                        .await
                    }
                };
                match Sent::from_result(result) {
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
    let (title, button) = match kind {
        DialogKind::Revert => ("Revert Resize/Migrate", "Revert"),
        DialogKind::Abort => ("Abort Live Migration", "Abort migration"),
        _ => ("Force Complete Live Migration", "Force complete"),
    };
    let name = req.name.clone();
    let host = req.host.clone().unwrap_or_else(|| "its source host".into());
    let explain = move || {
        match kind {
        DialogKind::Revert => {
            let to = match source.and_then(|s| s.get()) {
                None => return view! { <p class="loading">"Looking up the source host…"</p> }.into_any(),
                Some(Ok(Some(h))) => h,
                Some(_) => "the host it came from".into(),
            };
            view! {
                <p class="explain">
                    "Revert moves " <strong>{name.clone()}</strong> " back to "
                    <strong class="mono">{to}</strong> " and discards the migrated copy."
                </p>
            }
            .into_any()
        }
        DialogKind::Abort => view! {
            <p class="explain">{format!("Nova stops copying {name}; it stays Active on {host}.")}</p>
        }
        .into_any(),
        _ => view! {
            <p class="explain">
                {format!(
                    "Nova pauses {name} until its memory is copied, then resumes it on the destination (or switches to post-copy where the cloud permits it).",
                )}
            </p>
        }
        .into_any(),
    }
    };
    view! {
        <form class="dialog-form" on:submit=submit>
            <h2 id="dialog-title">{title}</h2>
            {explain}
            <ErrorBox error />
            <div class="dialog-buttons">
                <button type="button" on:click=move |_| request.set(None)>
                    "Cancel"
                </button>
                <button
                    type="submit"
                    class="primary"
                    class:danger=kind != DialogKind::ForceComplete
                    disabled=move || busy.get()
                >
                    {move || if busy.get() { "Sending…" } else { button }}
                </button>
            </div>
        </form>
    }
}
