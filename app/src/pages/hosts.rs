//! `/admin/hosts`: every compute host with its zone, state, status, usage, instances and the
//! migrations in flight in and out, filtered by zone, state and status; Ironic nodes apart.
//! Server-rendered: plain GET forms, links and form posts, so it works with JavaScript off and
//! adds nothing to the WASM.

use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::{hooks::use_query_map, params::ParamsMap};

use crate::{
    api::{compute_hosts, DisableComputeService, EnableComputeService},
    components::ErrorView,
    history::kind_label,
    hosts::{
        refusal_in_ferrys_words, row_anchor, BareMetalRow, ComputeHostRow, HostFilter,
        HostMigration, HostsPage, HOST_STATES, HOST_STATUSES, MAX_DISABLED_REASON, REFRESH_SECONDS,
    },
    model::encode_component,
};

pub fn filter_from_map(map: &ParamsMap) -> HostFilter {
    let text = |k: &str| map.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    HostFilter {
        zone: text("zone"),
        state: text("state"),
        status: text("status"),
    }
}

#[component]
pub fn ComputeHostsPage() -> impl IntoView {
    let params = use_query_map();
    let filter = Memo::new(move |_| filter_from_map(&params.read()));
    // The service whose Disable or Enable confirmation is open (`?confirm=`).
    let confirm = params.read_untracked().get("confirm").unwrap_or_default();
    let page = Resource::new(move || filter.get(), compute_hosts);
    // A refused Disable or Enable comes back in the URL (the form was posted by the browser).
    let refused = ServerAction::<DisableComputeService>::new()
        .value()
        .get_untracked()
        .and_then(|r| r.err())
        .or_else(|| {
            ServerAction::<EnableComputeService>::new()
                .value()
                .get_untracked()
                .and_then(|r| r.err())
        })
        .map(|e| refusal_in_ferrys_words(&e));
    view! {
        <div class="heading">
            <h1>"Compute hosts"</h1>
            <p class="sub">"Every nova-compute service, with what runs and moves on it"</p>
        </div>
        {refused.map(|text| view! { <p class="error" role="alert">{text}</p> })}
        <Suspense fallback=|| view! { <p class="loading">"Loading compute hosts…"</p> }>
            {move || {
                let confirm = confirm.clone();
                Suspend::new(async move {
                    let f = filter.get_untracked();
                    match page.await {
                        Ok(p) => view! { <Hosts filter=f page=p confirm /> }.into_any(),
                        Err(e) => view! { <ErrorView error=e /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Hosts(filter: HostFilter, page: HostsPage, confirm: String) -> impl IntoView {
    // The page has no island, so it reloads itself with a meta refresh while a migration on it
    // moves; not while a confirmation is open, so a half-typed reason is not thrown away.
    let refresh = (page.moving() && confirm.is_empty())
        .then(|| format!("{REFRESH_SECONDS}; url={}", filter.href()));
    let empty = page.rows.is_empty();
    let can_update = page.can_update;
    let bare_metal = page.bare_metal;
    view! {
        {refresh.map(|content| view! { <Meta http_equiv="refresh" content=content /> })}
        <Filters filter=filter.clone() zones=page.zones />
        {page
            .migrations_unknown
            .then(|| {
                view! {
                    <p class="notice" role="status">
                        "Nova (Compute) did not list the migrations, so the migration columns are unknown, not empty."
                    </p>
                }
            })}
        <div class="table-wrap">
            <table class="compute-hosts">
                <thead>
                    <tr>
                        <th scope="col">"Host"</th>
                        <th scope="col">"Zone"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"vCPU used / total"</th>
                        <th scope="col">"RAM used / total"</th>
                        <th scope="col">"Disk used / total"</th>
                        <th scope="col">"Instances"</th>
                        <th scope="col">"Migrating in"</th>
                        <th scope="col">"Migrating out"</th>
                        <th scope="col">"Drain"</th>
                        {can_update.then(|| view! { <th scope="col">"Actions"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {page
                        .rows
                        .into_iter()
                        .map(|r| {
                            let open = (!confirm.is_empty() && confirm == r.service_id)
                                .then(|| page.form_token.clone());
                            view! { <HostRow r filter=filter.clone() can_update open /> }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        {empty
            .then(|| {
                view! {
                    <p class="empty">
                        {if page.total == 0 {
                            "Nova lists no compute host."
                        } else {
                            "No compute host matches these filters."
                        }}
                    </p>
                }
            })}
        <p class="hint">
            "Usage is Placement's (capacity counts the allocation ratio and what is reserved); instance counts and migrations match the host exactly."
        </p>
        {(!bare_metal.is_empty()).then(|| view! { <BareMetal nodes=bare_metal /> })}
    }
}

/// `open`: this row's confirmation is open, with the form's one-time token.
#[component]
fn HostRow(
    r: ComputeHostRow,
    filter: HostFilter,
    can_update: bool,
    open: Option<String>,
) -> impl IntoView {
    let instances_href = format!("/admin/instances?host={}", encode_component(&r.host));
    let state = match (r.up, r.forced_down) {
        (true, _) => "Up",
        (false, true) => "Down (forced down)",
        (false, false) => "Down",
    };
    // A service in a down cell is listed without an id; Nova cannot be asked to change it.
    let changeable = can_update && !r.service_id.is_empty();
    view! {
        <tr
            id=row_anchor(&r.host)
            data-host=r.host.clone()
            data-state=if r.up { "up" } else { "down" }
            data-status=if r.enabled { "enabled" } else { "disabled" }
        >
            <td class="name mono">{r.host.clone()}</td>
            <td>{r.zone.clone()}</td>
            <td class:bad=!r.up>{state}</td>
            <td class="status">
                <span class:bad=!r.enabled>{if r.enabled { "Enabled" } else { "Disabled" }}</span>
                {r.disabled_reason.clone().map(|reason| view! { <div class="reason">{reason}</div> })}
                {r
                    .updated
                    .clone()
                    .map(|t| {
                        view! {
                            <div class="hint" title="The service record's updated_at: Nova refreshes it with every heartbeat and keeps no time of the disable itself.">
                                "Service updated " {t}
                            </div>
                        }
                    })}
            </td>
            <td class="mono">{r.vcpus.label("")}</td>
            <td class="mono">{r.ram_mb.label(" MB")}</td>
            <td class="mono">{r.disk_gb.label(" GB")}</td>
            <td class="instances">
                <a href=instances_href title=format!("The instances on {}", r.host)>
                    {r.instances.map(|n| n.to_string()).unwrap_or_else(|| "list".into())}
                </a>
            </td>
            <td class="migrations-in">
                <MigrationList list=r.incoming.clone() arrow="from" />
            </td>
            <td class="migrations-out">
                <MigrationList list=r.outgoing.clone() arrow="to" />
            </td>
            <td class="drain" data-drain=r.drain.as_ref().map(|d| d.state.clone())>
                {match r.drain.clone() {
                    Some(d) => view! {
                        <a href=format!("/admin/hosts/{}/drain", crate::model::encode_component(&r.host))>{d.words}</a>
                        {d.needs_login.map(|w| view! { <div class="flag" role="status">{w}</div> })}
                    }.into_any(),
                    None => view! { <span class="muted">"—"</span> }.into_any(),
                }}
            </td>
            {can_update
                .then(|| {
                    view! {
                        <td class="actions">
                            {changeable.then(|| view! { <ServiceChange r=r.clone() filter open /> })}
                            <a class="button" href=format!("/admin/hosts/{}/drain", crate::model::encode_component(&r.host))>
                                "Plan drain…"
                            </a>
                        </td>
                    }
                })}
        </tr>
    }
}

#[component]
fn MigrationList(list: Vec<HostMigration>, arrow: &'static str) -> impl IntoView {
    if list.is_empty() {
        return view! { <span class="muted">"—"</span> }.into_any();
    }
    view! {
        <ul class="events">
            {list
                .into_iter()
                .map(|m| {
                    let name = m.instance_name.clone().unwrap_or_else(|| m.instance_id.clone());
                    let href = format!("/admin/instances/{}", m.instance_id);
                    let other = m.other_host.clone().unwrap_or_else(|| "a host not chosen yet".into());
                    let what = if m.moving {
                        m.status.clone()
                    } else {
                        "waiting for confirm".to_string()
                    };
                    view! {
                        <li data-status=m.status.clone() class:waiting=!m.moving>
                            <a href=href>{name}</a>
                            {format!(" {arrow} {other} — {}, {what}", kind_label(&m.kind))}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// Disable (with its reason) or Enable, behind a confirmation that needs no JavaScript: the
/// row's link opens it (`?confirm=`), and the form posts to the server function, which
/// redirects back to this page.
#[component]
fn ServiceChange(r: ComputeHostRow, filter: HostFilter, open: Option<String>) -> impl IntoView {
    let label = if r.enabled { "Disable…" } else { "Enable…" };
    let Some(token) = open else {
        return view! {
            <a class="button small" href=filter.confirm_href(&r.service_id, &r.host)>
                {label}
            </a>
        }
        .into_any();
    };
    let cancel = format!("{}#{}", filter.href(), row_anchor(&r.host));
    let back = [
        ("back[zone]", filter.zone.clone()),
        ("back[state]", filter.state.clone()),
        ("back[status]", filter.status.clone()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .chain([("token", token)])
    .map(|(name, value)| view! { <input type="hidden" name=name value=value /> })
    .collect_view();
    if r.enabled {
        view! {
            <form method="post" action="/api/disable_compute_service" class="confirm">
                <input type="hidden" name="service" value=r.service_id.clone() />
                {back}
                <label>
                    "Why (required; others read it)"
                    <input
                        type="text"
                        name="reason"
                        required=true
                        maxlength=MAX_DISABLED_REASON.to_string()
                        placeholder="e.g. Scheduled maintenance: DIMM replacement"
                    />
                </label>
                <p class="hint">
                    "The scheduler stops placing new instances on " {r.host.clone()}
                    "; the instances already there keep running."
                </p>
                <button type="submit" class="primary danger">
                    {format!("Disable {}", r.host)}
                </button>
                <a class="button" href=cancel>
                    "Cancel"
                </a>
            </form>
        }
        .into_any()
    } else {
        view! {
            <form method="post" action="/api/enable_compute_service" class="confirm">
                <input type="hidden" name="service" value=r.service_id.clone() />
                {back}
                <p class="hint">
                    "The scheduler may place instances on " {r.host.clone()}
                    " again, and Nova clears the reason."
                </p>
                <button type="submit" class="primary">
                    {format!("Enable {}", r.host)}
                </button>
                <a class="button" href=cancel>
                    "Cancel"
                </a>
            </form>
        }
        .into_any()
    }
}

#[component]
fn BareMetal(nodes: Vec<BareMetalRow>) -> impl IntoView {
    view! {
        <section class="panel bare-metal">
            <h2>"Bare metal (Ironic) nodes"</h2>
            <p class="hint">
                "Ironic nodes are not live- or cold-migrated; they are listed apart from the compute hosts."
            </p>
            <table class="bare-metal">
                <thead>
                    <tr>
                        <th scope="col">"Node"</th>
                        <th scope="col">"Compute service host"</th>
                        <th scope="col">"Zone"</th>
                        <th scope="col">"State"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Instance"</th>
                    </tr>
                </thead>
                <tbody>
                    {nodes
                        .into_iter()
                        .map(|n| {
                            view! {
                                <tr data-node=n.node.clone()>
                                    <td class="mono">{n.node.clone()}</td>
                                    <td class="mono">{n.host.clone()}</td>
                                    <td>{n.zone.clone()}</td>
                                    <td class:bad=!n.up>{if n.up { "Up" } else { "Down" }}</td>
                                    <td class:bad=!n.enabled>
                                        {if n.enabled { "Enabled" } else { "Disabled" }}
                                    </td>
                                    <td>
                                        {if n.instances.is_empty() {
                                            view! { <span class="muted">"—"</span> }.into_any()
                                        } else {
                                            n.instances
                                                .into_iter()
                                                .map(|(id, name)| {
                                                    view! {
                                                        <a href=format!("/admin/instances/{id}")>{name}</a>
                                                        " "
                                                    }
                                                })
                                                .collect_view()
                                                .into_any()
                                        }}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn Filters(filter: HostFilter, zones: Vec<String>) -> impl IntoView {
    view! {
        <form method="GET" action="" class="filters" role="search">
            <label>
                "Zone"
                <select name="zone">
                    <option value="">"Any zone"</option>
                    {zones
                        .into_iter()
                        .map(|z| {
                            let selected = z == filter.zone;
                            let label = z.clone();
                            view! { <option value=z selected=selected>{label}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "State"
                <select name="state">
                    <option value="">"Up or down"</option>
                    {HOST_STATES
                        .iter()
                        .map(|(v, l)| view! { <option value=*v selected=*v == filter.state>{*l}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Status"
                <select name="status">
                    <option value="">"Enabled or disabled"</option>
                    {HOST_STATUSES
                        .iter()
                        .map(|(v, l)| view! { <option value=*v selected=*v == filter.status>{*l}</option> })
                        .collect_view()}
                </select>
            </label>
            <button type="submit" class="primary">
                "Filter"
            </button>
            <a class="button" href="/admin/hosts">
                "Clear"
            </a>
        </form>
    }
}
