//! The Live Migrate, Migrate and Revert dialogs, on a native modal `<dialog>` (focus stays
//! inside, Escape closes). The request is locked while it is in flight, so a double click
//! migrates once.

use leptos::{prelude::*, task::spawn_local};

use super::{fetch::fetch_once, more_menu::focus};
use crate::{
    api::{cold_migrate, live_migrate, migration_options, resize_source, revert_resize},
    error::AppError,
    migration::{HostChoice, MigrationKind, MigrationRequest, MigrationTarget, Sent},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogKind {
    Live,
    Cold,
    Revert,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DialogRequest {
    pub kind: DialogKind,
    pub id: String,
    pub name: String,
    pub host: Option<String>,
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
                        DialogKind::Revert => {
                            view! { <RevertBody req=r request on_sent /> }.into_any()
                        }
                        _ => view! { <MigrateBody req=r request on_sent /> }.into_any(),
                    })
            }}
        </dialog>
    }
    .into_any()
}

#[component]
fn ErrorBox(error: RwSignal<Option<AppError>>) -> impl IntoView {
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

/// MiB as GiB with one decimal, in integers: float formatting would add ~15 KB to the WASM.
fn gib(mb: Option<u64>) -> String {
    mb.map(|m| {
        let tenths = (m * 10 + 512) / 1024;
        format!("{}.{}", tenths / 10, tenths % 10)
    })
    .unwrap_or_else(|| "?".into())
}

fn used_of(used: Option<u64>, total: Option<u64>, show: fn(Option<u64>) -> String) -> String {
    if used.is_none() && total.is_none() {
        "—".into()
    } else {
        format!("{} / {}", show(used), show(total))
    }
}

fn plain(n: Option<u64>) -> String {
    n.map(|v| v.to_string()).unwrap_or_else(|| "?".into())
}

#[component]
fn HostPicker(
    target: MigrationTarget,
    kind: MigrationKind,
    chosen: RwSignal<String>,
) -> impl IntoView {
    if !target.can_choose_host {
        return view! {
            <p class="explain">
                "The scheduler chooses the destination. Choosing a host yourself needs the admin role."
            </p>
        }
        .into_any();
    }
    if kind == MigrationKind::Cold && !target.cold_host_supported {
        return view! {
            <p class="explain">
                "The scheduler chooses the destination: this cloud's Nova (older than 2.56) cannot take a host for a cold migration."
            </p>
        }
        .into_any();
    }
    let filter = RwSignal::new(String::new());
    let hosts = target.hosts.clone();
    view! {
        <fieldset class="hosts">
            <legend>"Destination host"</legend>
            <label class="check scheduler">
                <input
                    type="radio"
                    name="destination"
                    value=""
                    prop:checked=move || chosen.get().is_empty()
                    on:change=move |_| chosen.set(String::new())
                />
                "Let the scheduler choose"
            </label>
            {target
                .server_group
                .clone()
                .map(|g| view! { <p class="hint">"Server group: " {g}</p> })}
            <label class="filter">
                "Filter hosts"
                <input
                    type="search"
                    prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev))
                />
            </label>
            <div class="host-table-wrap">
                <table class="hosts">
                    <thead>
                        <tr>
                            <th scope="col">"Host"</th>
                            <th scope="col">"Zone"</th>
                            <th scope="col">"State"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"vCPUs used"</th>
                            <th scope="col">"RAM used (GiB)"</th>
                            <th scope="col">"Instances"</th>
                            <th scope="col">"Notes"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {hosts
                            .into_iter()
                            .map(|h| view! { <HostRow h chosen filter /> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </fieldset>
    }
    .into_any()
}

#[component]
fn HostRow(h: HostChoice, chosen: RwSignal<String>, filter: RwSignal<String>) -> impl IntoView {
    let unavailable = h.unavailable.clone();
    let conflict = h.policy_conflict.clone();
    let host = h.host.clone();
    let haystack = format!("{} {}", h.host, h.zone).to_ascii_lowercase();
    let radio_id = format!("dest-{}", h.host);
    let value = h.host.clone();
    let notes = match (&unavailable, &conflict) {
        (Some(u), Some(c)) => format!("{u}. {c}"),
        (Some(u), None) => u.clone(),
        (None, Some(c)) => c.clone(),
        (None, None) => String::new(),
    };
    view! {
        <tr
            class:unavailable=unavailable.is_some()
            class:conflict=conflict.is_some()
            data-host=h.host.clone()
            hidden=move || {
                let f = filter.get().to_ascii_lowercase();
                !f.is_empty() && !haystack.contains(f.trim())
            }
        >
            <td>
                <input
                    type="radio"
                    id=radio_id.clone()
                    name="destination"
                    value=value.clone()
                    disabled=unavailable.is_some()
                    prop:checked=move || chosen.get() == host
                    on:change=move |_| chosen.set(value.clone())
                />
                <label for=radio_id class="mono">
                    {h.host.clone()}
                </label>
            </td>
            <td>{h.zone.clone()}</td>
            <td>{if h.up { "up" } else { "down" }}</td>
            <td>{if h.enabled { "enabled" } else { "disabled" }}</td>
            <td>{used_of(h.vcpus_used, h.vcpus_total, plain)}</td>
            <td>{used_of(h.ram_used_mb, h.ram_total_mb, gib)}</td>
            <td>{plain(h.instances)}</td>
            <td class="notes">{notes}</td>
        </tr>
    }
}

#[component]
fn RevertBody(
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
