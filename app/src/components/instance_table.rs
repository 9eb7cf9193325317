//! The instance table: the one part of the list page that lives in the browser (an island).
//! Its rows refresh themselves, each has a More menu, and the migrate dialogs and toasts sit
//! beside them. Filters, paging and the rest of the page are plain server-rendered HTML.

use leptos::prelude::*;

use crate::{
    actions::{menu_for, Capabilities, RowAction},
    api::confirm_resize,
    components::{
        migrate_dialog::DialogKind, DialogRequest, LiveRow, LiveRows, MigrateDialog, MoreMenu,
        ToastRegion, Toasts,
    },
    history::TaskProgress,
    labels::{in_flux, needs_attention, power_label, status_class, status_label, task_label},
    migration::Sent,
    model::{InstanceRow, ListScope, SortLink},
};

/// Props cross from the server to the browser as JSON in the page (the rows once more).
#[island]
pub fn InstanceTable(
    rows: Vec<InstanceRow>,
    caps: Capabilities,
    scope: ListScope,
    /// Sorting headers in `SORT_KEYS` order, which is their column order: name, host, status,
    /// task, age.
    sort: Vec<SortLink>,
    /// When the server read the rows: the first refresh asks Nova for changes since then.
    since: String,
) -> impl IntoView {
    let toasts = Toasts::new();
    let dialog = RwSignal::new(None::<DialogRequest>);
    let mut sort = sort.into_iter().map(sort_header);
    let mut next_header = move || sort.next();
    let rows: Vec<(String, LiveRow)> = rows
        .into_iter()
        .map(|r| (r.id.clone(), LiveRow::new(r)))
        .collect();
    let live = LiveRows::start(rows.clone(), since, scope, toasts);
    let on_sent = {
        let live = live.clone();
        Callback::new(move |(id, sent): (String, Sent)| {
            live.kick(&id);
            match sent {
                Sent::Accepted(accepted) => toasts.success(accepted.message),
                Sent::Unsure(e) => toasts.failure(e.to_string(), e.details()),
            }
        })
    };
    view! {
        <div class="table-wrap">
            <table class="instances">
                <thead>
                    <tr>
                        {next_header()}
                        <th scope="col">"Project"</th>
                        {next_header()}
                        <th scope="col">"IP addresses"</th>
                        <th scope="col">"Flavor"</th>
                        {next_header()}
                        {next_header()}
                        <th scope="col">"Power state"</th>
                        {next_header()}
                        <th scope="col">
                            <span class="visually-hidden">"Actions"</span>
                        </th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(_, live_row)| {
                            view! { <Row live=live_row caps dialog toasts on_sent scope /> }.into_any()
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <MigrateDialog request=dialog on_sent />
        <ToastRegion toasts />
    }
    .into_any()
}

#[component]
fn Row(
    live: LiveRow,
    caps: Capabilities,
    dialog: RwSignal<Option<DialogRequest>>,
    toasts: Toasts,
    on_sent: Callback<(String, Sent)>,
    scope: ListScope,
) -> impl IntoView {
    let row = live.row;
    let (id, name) = row.with_untracked(|r| (r.id.clone(), r.name.clone()));
    let status = move || row.with(|r| r.status.clone());
    let flux = move || row.with(|r| in_flux(&r.status, r.task.as_deref()));
    let attention = move || row.with(|r| needs_attention(&r.status));
    let confirming = RwSignal::new(false);
    let entries = Signal::derive(move || {
        let mut entries = row.with(|r| menu_for(r, caps));
        if confirming.get() {
            // This browser asked Nova to confirm; until the row changes, nothing more to send.
            for e in entries
                .iter_mut()
                .filter(|e| matches!(e.action, RowAction::ConfirmResize | RowAction::RevertResize))
            {
                e.disabled = Some("Confirm sent: waiting for Nova to finish.".to_string());
            }
        }
        entries
    });
    let primary_entry = move || {
        entries
            .get()
            .into_iter()
            .find(|e| e.action == RowAction::ConfirmResize)
    };
    // A confirm stays locked until Nova shows the row changing (not merely until the 204), so a
    // second click cannot reach Nova while it is still confirming.
    Effect::watch(
        move || row.with(|r| (r.status.clone(), r.task.clone())),
        move |_, _, _| confirming.set(false),
        false,
    );
    let on_pick = {
        let id = id.clone();
        Callback::new(move |action: RowAction| {
            let r = row.get_untracked();
            let kind = match action {
                RowAction::LiveMigrate => DialogKind::Live,
                RowAction::Migrate => DialogKind::Cold,
                RowAction::RevertResize => DialogKind::Revert,
                RowAction::AbortLiveMigration => DialogKind::Abort,
                RowAction::ForceCompleteLiveMigration => DialogKind::ForceComplete,
                RowAction::ConfirmResize => {
                    confirm(id.clone(), confirming, toasts, on_sent);
                    return;
                }
            };
            live.failure.set(None);
            dialog.set(Some(DialogRequest {
                kind,
                id: r.id.clone(),
                name: r.name.clone(),
                host: r.host.clone(),
                migration: r.progress.as_ref().map(|p| p.migration),
                return_focus: format!("more-{}", r.id),
            }));
        })
    };
    let href = format!("{}/{id}", scope.base_path());
    let name_text = name.clone();
    let confirm_id = id.clone();
    view! {
        <tr
            data-id=id.clone()
            data-status=status
            data-host=move || row.with(|r| r.host.clone().unwrap_or_default())
            class:flux=flux
            class:attention=attention
            hidden=move || live.gone.get()
        >
            <td class="name">
                <a href=href>{name_text}</a>
                {move || row.with(|r| r.locked).then(|| view! { <span class="tag" title="Locked">"locked"</span> })}
            </td>
            <td>{move || row.with(|r| r.project.clone())}</td>
            <td class="mono host">{move || row.with(|r| r.host.clone().unwrap_or_else(|| "—".into()))}</td>
            <td class="mono ips">
                {move || row.with(|r| r.addresses.iter().map(|a| view! { <div>{a.clone()}</div> }).collect_view())}
            </td>
            <td>{move || row.with(|r| r.flavor.clone())}</td>
            <td class="status">
                <span class=move || status_class(&status())>{move || status_label(&status())}</span>
                {move || {
                    attention()
                        .then(|| {
                            view! {
                                <span class="action-required" title="Action required">
                                    "!"
                                </span>
                            }
                        })
                }}
                {move || live.failure.get().map(|f| view! { <div class="row-failure">{f}</div> })}
            </td>
            <td class:busy=move || row.with(|r| r.task.is_some())>
                {move || row.with(|r| task_label(r.task.as_deref()))}
                {move || row.with(|r| r.progress.clone()).map(task_progress)}
            </td>
            <td>{move || row.with(|r| power_label(r.power_state))}</td>
            <td title=move || row.with(|r| r.created.clone())>{move || row.with(|r| r.age.clone())}</td>
            <td class="actions">
                {move || {
                    let confirm_id = confirm_id.clone();
                    primary_entry()
                        .map(|e| {
                            let disabled_reason = e.disabled.clone();
                            view! {
                                <button
                                    type="button"
                                    class="primary small"
                                    disabled=move || disabled_reason.is_some() || confirming.get()
                                    title=e.disabled.clone()
                                    on:click=move |_| confirm(confirm_id.clone(), confirming, toasts, on_sent)
                                >
                                    {move || if confirming.get() { "Confirming…" } else { "Confirm" }}
                                </button>
                            }
                        })
                }}
                <MoreMenu key=id.clone() label=name entries open=live.menu_open on_pick />
            </td>
        </tr>
    }
    .into_any()
}

/// Confirm runs at once (it only finishes what the operator started). It stays locked from the
/// click until the row changes; only a refusal unlocks it at once.
fn confirm(id: String, busy: RwSignal<bool>, toasts: Toasts, on_sent: Callback<(String, Sent)>) {
    if busy.get_untracked() {
        return;
    }
    busy.set(true);
    leptos::task::spawn_local(async move {
        match Sent::from_result(confirm_resize(id.clone()).await) {
            // Stays locked until the row changes (see the Effect in `Row`).
            Ok(sent) => on_sent.run((id, sent)),
            Err(e) => {
                toasts.failure(e.to_string(), e.details());
                busy.try_set(false);
            }
        }
    });
}

/// A live migration's phase and progress under the task: every word came from the server.
pub fn task_progress(p: TaskProgress) -> impl IntoView {
    let flagged = p.warning.is_some();
    let phase = p.phase.clone();
    view! {
        <div class="task-progress" class:flagged=flagged data-phase=phase>
            <span class="phase">{p.phase}</span>
            {p.percent.map(|v| view! {
                <progress max="100" value=v.to_string() aria-label="Memory copied"></progress>
                <span class="pct">{format!("{v} %")}</span>
            })}
            {p.note.map(|n| view! { <div class="hint">{n}</div> })}
            {p.warning.map(|w| view! { <div class="flag" role="status">{w}</div> })}
        </div>
    }
}

/// A sorting column header; the link was worked out on the server, where the query is.
fn sort_header(link: SortLink) -> impl IntoView {
    view! {
        <th scope="col" aria-sort=link.aria>
            <a href=link.href>{link.label}</a>
        </th>
    }
}
