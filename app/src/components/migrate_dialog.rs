//! The Live Migrate, Migrate, Revert, Abort and Force Complete dialogs, on a native modal `<dialog>` (focus stays
//! inside, Escape closes). The request is locked while it is in flight, so a double click
//! migrates once. The destination-host table is `host_picker`, the confirming bodies (revert, abort, force complete) `confirm_dialog`.

use leptos::{prelude::*, task::spawn_local};

use super::{
    confirm_dialog::ConfirmBody, error_box::ErrorBox, fetch::fetch_once, host_picker::HostPicker,
    more_menu::focus,
};
use crate::{
    api::{cold_migrate, live_migrate, migration_options},
    error::AppError,
    migration::{MigrationKind, MigrationRequest, MigrationTarget, Sent},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogKind {
    Live,
    Cold,
    Revert,
    Abort,
    ForceComplete,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DialogRequest {
    pub kind: DialogKind,
    pub id: String,
    pub name: String,
    pub host: Option<String>,
    /// The live migration an Abort or Force Complete is about.
    pub migration: Option<u64>,
    /// The element to give focus back to when the dialog closes.
    pub return_focus: String,
}

#[component]
pub fn MigrateDialog(
    request: RwSignal<Option<DialogRequest>>,
    /// Called with the instance id once Nova accepted the request.
    on_sent: Callback<(String, Sent)>,
) -> impl IntoView {
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| {
        let want_open = request.with(|r| r.is_some());
        if let Some(d) = dialog.get() {
            if want_open && !d.open() {
                let _ = d.show_modal();
            } else if !want_open && d.open() {
                d.close();
            }
        }
    });
    let on_close = move |_| {
        if let Some(r) = request.get_untracked() {
            focus(&r.return_focus);
        }
        request.set(None);
    };
    view! {
        <dialog node_ref=dialog class="modal" aria-labelledby="dialog-title" on:close=on_close>
            {move || {
                request
                    .get()
                    .map(|r| match r.kind {
                        DialogKind::Live | DialogKind::Cold => {
                            view! { <MigrateBody req=r request on_sent /> }.into_any()
                        }
                        _ => view! { <ConfirmBody req=r request on_sent /> }.into_any(),
                    })
            }}
        </dialog>
    }
    .into_any()
}

#[component]
fn MigrateBody(
    req: DialogRequest,
    request: RwSignal<Option<DialogRequest>>,
    on_sent: Callback<(String, Sent)>,
) -> impl IntoView {
    let kind = if req.kind == DialogKind::Live {
        MigrationKind::Live
    } else {
        MigrationKind::Cold
    };
    let title = if kind == MigrationKind::Live {
        "Live Migrate"
    } else {
        "Migrate"
    };
    let target = fetch_once(migration_options(req.id.clone(), kind));
    let chosen = RwSignal::new(String::new());
    let block = RwSignal::new(false);
    let disk_over_commit = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);

    let submit = {
        let id = req.id.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            error.set(None);
            let host = chosen.get_untracked();
            let body = MigrationRequest {
                instance_id: id.clone(),
                host: (!host.is_empty()).then_some(host),
                block_migration: block.get_untracked(),
                disk_over_commit: disk_over_commit.get_untracked(),
            };
            let id = id.clone();
            spawn_local(async move {
                let result = match kind {
                    MigrationKind::Live => live_migrate(body).await,
                    MigrationKind::Cold => cold_migrate(body).await,
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

    view! {
        <form class="dialog-form" on:submit=submit>
            <h2 id="dialog-title">{title}</h2>
            <dl class="readonly">
                <dt>"Instance"</dt>
                <dd>{req.name.clone()}</dd>
                <dt>"Current host"</dt>
                <dd class="mono">{req.host.clone().unwrap_or_else(|| "—".into())}</dd>
            </dl>
            {(kind == MigrationKind::Cold)
                .then(|| {
                    view! {
                        <p class="explain">
                            "Cold migration stops the instance, moves it to another host, and then waits in "
                            <strong>"Verify Resize"</strong>
                            " until you confirm or revert it."
                        </p>
                    }
                })}
            <fieldset disabled=move || busy.get()>
                {move || match target.get() {
                    None => view! { <p class="loading">"Loading hosts…"</p> }.into_any(),
                    Some(Ok(t)) => {
                        view! {
                            <HostPicker target=t.clone() kind chosen />
                            {(kind == MigrationKind::Live)
                                .then(|| view! { <LiveOptions target=t block disk_over_commit /> })}
                        }
                            .into_any()
                    }
                    Some(Err(e)) => {
                        error.set(Some(e));
                        ().into_any()
                    }
                }}
            </fieldset>
            <ErrorBox error />
            <div class="dialog-buttons">
                <button type="button" on:click=move |_| request.set(None)>
                    "Cancel"
                </button>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Sending…" } else { title }}
                </button>
            </div>
        </form>
    }
}

#[component]
fn LiveOptions(
    target: MigrationTarget,
    block: RwSignal<bool>,
    disk_over_commit: RwSignal<bool>,
) -> impl IntoView {
    let auto = target.block_migration_auto;
    view! {
        <div class="options">
            <label class="check">
                <input
                    type="checkbox"
                    name="block_migration"
                    prop:checked=move || block.get()
                    on:change=move |ev| block.set(event_target_checked(&ev))
                />
                "Block migration"
            </label>
            <p class="hint">
                {if auto {
                    "Leave unticked and Nova decides (\"auto\"): shared storage moves memory only, local disks are copied. Tick to force copying the disks."
                } else {
                    "This cloud's Nova is older than 2.25: tick for instances on local disks, leave unticked on shared storage."
                }}
            </p>
            {(!auto)
                .then(|| {
                    view! {
                        <label class="check">
                            <input
                                type="checkbox"
                                name="disk_over_commit"
                                prop:checked=move || disk_over_commit.get()
                                on:change=move |ev| disk_over_commit.set(event_target_checked(&ev))
                            />
                            "Disk over commit"
                        </label>
                    }
                })}
        </div>
    }
}
