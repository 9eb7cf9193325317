//! `/admin/instances`: every project's instances, filtered, sorted and paged by Nova.

use leptos::prelude::*;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
    params::ParamsMap,
};

use crate::{
    actions::{menu_for, Capabilities, RowAction},
    api::{confirm_resize, list_instances},
    components::{
        migrate_dialog::DialogKind, DialogRequest, ErrorView, LiveRow, LiveRows, MigrateDialog,
        MoreMenu, ToastRegion, Toasts,
    },
    labels::{in_flux, needs_attention, power_label, status_class, status_label, task_label},
    migration::Sent,
    model::{InstancePage, InstanceQuery, ListScope, ProjectChoice, PAGE_SIZES, SORT_KEYS},
};

/// Statuses offered by the filter, migration states included (Skyline's filter lacks them).
const STATUS_CHOICES: [&str; 10] = [
    "ACTIVE",
    "SHUTOFF",
    "PAUSED",
    "SUSPENDED",
    "MIGRATING",
    "RESIZE",
    "VERIFY_RESIZE",
    "REVERT_RESIZE",
    "ERROR",
    "BUILD",
];

pub fn query_from_map(map: &ParamsMap) -> InstanceQuery {
    let text = |k: &str| map.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let flag = |k: &str| matches!(map.get(k).as_deref(), Some("1" | "on" | "true"));
    InstanceQuery {
        name: text("name"),
        host: text("host"),
        project: text("project"),
        status: text("status").to_uppercase(),
        attention: flag("attention"),
        limit: text("limit").parse().unwrap_or(0),
        marker: text("marker"),
        prev: flag("prev"),
        sort: text("sort"),
        desc: flag("desc"),
    }
}

#[component]
pub fn AdminInstances() -> impl IntoView {
    view! { <InstancesPage scope=ListScope::AllProjects /> }
}

#[component]
pub fn ProjectInstances() -> impl IntoView {
    view! { <InstancesPage scope=ListScope::MyProject /> }
}

#[component]
fn InstancesPage(scope: ListScope) -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| query_from_map(&params.read()));
    let page = Resource::new(move || query.get(), move |q| list_instances(q, scope));
    let sub = match scope {
        ListScope::AllProjects => "All projects",
        ListScope::MyProject => "Your project",
    };
    view! {
        <div class="heading">
            <h1>"Instances"</h1>
            <p class="sub">{sub}</p>
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading instances…"</p> }>
            {move || Suspend::new(async move {
                let q = query.get_untracked();
                match page.await {
                    Ok(p) => view! { <InstanceList query=q page=p scope /> }.into_any(),
                    Err(e) => view! { <ErrorView error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn InstanceList(query: InstanceQuery, page: InstancePage, scope: ListScope) -> impl IntoView {
    let empty = page.rows.is_empty();
    let filtered = query.first_page()
        != InstanceQuery {
            limit: query.limit,
            sort: query.sort.clone(),
            desc: query.desc,
            ..Default::default()
        };
    let caps = page.caps;
    let toasts = Toasts::new();
    let dialog = RwSignal::new(None::<DialogRequest>);
    let rows: Vec<(String, LiveRow)> = page
        .rows
        .into_iter()
        .map(|r| (r.id.clone(), LiveRow::new(r)))
        .collect();
    let live = LiveRows::start(rows.clone(), page.fetched_at.clone(), scope, toasts);
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
        <FilterBar query=query.clone() page_hosts=page.hosts page_projects=page.projects scope />
        <div class="table-wrap">
            <table class="instances">
                <thead>
                    <tr>
                        <SortHeader query=query.clone() key="name" />
                        <th scope="col">"Project"</th>
                        <SortHeader query=query.clone() key="host" />
                        <th scope="col">"IP addresses"</th>
                        <th scope="col">"Flavor"</th>
                        <SortHeader query=query.clone() key="status" />
                        <SortHeader query=query.clone() key="task" />
                        <th scope="col">"Power state"</th>
                        <SortHeader query=query.clone() key="age" />
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
        <Show when=move || empty>
            <p class="empty">
                {if filtered {
                    "No instance matches these filters."
                } else {
                    "This cloud has no instances."
                }}
            </p>
        </Show>
        <Pager query page_next=page.next_marker page_prev=page.prev_marker />
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
                <A href=href>{name_text}</A>
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

#[component]
fn SortHeader(query: InstanceQuery, key: &'static str) -> impl IntoView {
    let label = SORT_KEYS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, _, l)| *l)
        .unwrap_or(key);
    let active = query.sort == key;
    let next = InstanceQuery {
        sort: key.to_string(),
        desc: active && !query.desc,
        ..query.first_page()
    };
    let aria = if active {
        if query.desc {
            "descending"
        } else {
            "ascending"
        }
    } else {
        "none"
    };
    let arrow = if active {
        if query.desc {
            " ▼"
        } else {
            " ▲"
        }
    } else {
        ""
    };
    view! {
        <th scope="col" aria-sort=aria>
            <A href=format!("?{}", next.to_query_string())>{label} {arrow}</A>
        </th>
    }
}

#[component]
fn FilterBar(
    query: InstanceQuery,
    page_hosts: Vec<String>,
    page_projects: Vec<ProjectChoice>,
    scope: ListScope,
) -> impl IntoView {
    let size = query.page_size();
    // Nova lets only admins filter by host or project.
    let all = scope == ListScope::AllProjects;
    view! {
        <Form method="GET" action="" attr:class="filters" attr:role="search">
            <label>
                "Name" <input type="search" name="name" value=query.name.clone() placeholder="regex" />
            </label>
            <label hidden=!all>
                "Host"
                <select name="host" disabled=!all>
                    <option value="">"Any host"</option>
                    {page_hosts
                        .iter()
                        .map(|h| {
                            view! {
                                <option value=h.clone() selected=*h == query.host>
                                    {h.clone()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label hidden=!all>
                "Project"
                <select name="project" disabled=!all>
                    <option value="">"Any project"</option>
                    {page_projects
                        .iter()
                        .map(|p| {
                            view! {
                                <option value=p.id.clone() selected=p.id == query.project>
                                    {p.name.clone()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Status"
                <select name="status">
                    <option value="">"Any status"</option>
                    {STATUS_CHOICES
                        .iter()
                        .map(|s| {
                            view! {
                                <option value=*s selected=*s == query.status>
                                    {status_label(s)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <label class="check">
                <input type="checkbox" name="attention" value="1" checked=query.attention />
                "Needs attention"
            </label>
            <label>
                "Per page"
                <select name="limit">
                    {PAGE_SIZES
                        .iter()
                        .map(|n| {
                            view! {
                                <option value=n.to_string() selected=*n == size>
                                    {n.to_string()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <input type="hidden" name="sort" value=query.sort.clone() />
            {query.desc.then(|| view! { <input type="hidden" name="desc" value="1" /> })}
            <button type="submit" class="primary">
                "Filter"
            </button>
            <a class="button" href=scope.base_path()>
                "Clear"
            </a>
        </Form>
    }
    .into_any()
}

#[component]
fn Pager(
    query: InstanceQuery,
    page_next: Option<String>,
    page_prev: Option<String>,
) -> impl IntoView {
    let first =
        (!query.marker.is_empty()).then(|| format!("?{}", query.first_page().to_query_string()));
    let prev = page_prev.map(|m| {
        let q = InstanceQuery {
            marker: m,
            prev: true,
            ..query.clone()
        };
        format!("?{}", q.to_query_string())
    });
    let next = page_next.map(|m| {
        let q = InstanceQuery {
            marker: m,
            prev: false,
            ..query.clone()
        };
        format!("?{}", q.to_query_string())
    });
    view! {
        <nav class="pager" aria-label="Pages">
            {first.map(|h| view! { <A href=h attr:class="button" attr:rel="first">"« First"</A> })}
            {prev.map(|h| view! { <A href=h attr:class="button" attr:rel="prev">"‹ Previous"</A> })}
            {next.map(|h| view! { <A href=h attr:class="button" attr:rel="next">"Next ›"</A> })}
        </nav>
    }
}
