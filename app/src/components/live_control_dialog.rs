//! The Abort and Force Complete dialogs of a live migration under way: what Nova will do, then
//! the request, sent once. Nova's refusal (the migration moved on meanwhile) shows in place.

use leptos::{prelude::*, task::spawn_local};

use super::{
    error_box::ErrorBox,
    migrate_dialog::{DialogKind, DialogRequest},
};
use crate::{api::control_live_migration, error::AppError, migration::Sent};

#[component]
pub fn LiveControlBody(
    req: DialogRequest,
    request: RwSignal<Option<DialogRequest>>,
    on_sent: Callback<(String, Sent)>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let abort = req.kind == DialogKind::Abort;
    let host = req.host.clone().unwrap_or_else(|| "its source host".into());
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
                match Sent::from_result(control_live_migration(id.clone(), migration, !abort).await)
                {
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
    let (title, button) = if abort {
        ("Abort Live Migration", "Abort migration")
    } else {
        ("Force Complete Live Migration", "Force complete")
    };
    view! {
        <form class="dialog-form" on:submit=submit>
            <h2 id="dialog-title">{title}</h2>
            <p class="explain">
                {if abort {
                    format!(
                        "Nova stops copying {}; it stays Active on {host}.",
                        req.name,
                    )
                } else {
                    format!(
                        "Nova pauses {} until its memory is copied, then resumes it on the destination (or switches to post-copy where the cloud permits it).",
                        req.name,
                    )
                }}
            </p>
            <ErrorBox error />
            <div class="dialog-buttons">
                <button type="button" on:click=move |_| request.set(None)>
                    "Cancel"
                </button>
                <button type="submit" class="primary" class:danger=abort disabled=move || busy.get()>
                    {move || if busy.get() { "Sending…" } else { button }}
                </button>
            </div>
        </form>
    }
}
