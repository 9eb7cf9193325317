//! `/admin/instances`: every project's instances, filtered, sorted and paged by Nova.

use leptos::prelude::*;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
    params::ParamsMap,
};

use crate::{
    api::list_instances,
    components::ErrorView,
    labels::{in_flux, needs_attention, power_label, status_class, status_label, task_label},
    model::{InstancePage, InstanceQuery, InstanceRow, PAGE_SIZES, SORT_KEYS},
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
    let params = use_query_map();
    let query = Memo::new(move |_| query_from_map(&params.read()));
    let page = Resource::new(move || query.get(), list_instances);
    view! {
        <div class="heading">
            <h1>"Instances"</h1>
            <p class="sub">"All projects"</p>
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading instances…"</p> }>
            {move || Suspend::new(async move {
                let q = query.get_untracked();
                match page.await {
                    Ok(p) => view! { <InstanceList query=q page=p /> }.into_any(),
                    Err(e) => view! { <ErrorView error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn InstanceList(query: InstanceQuery, page: InstancePage) -> impl IntoView {
    let empty = page.rows.is_empty();
    let filtered = query.first_page() != InstanceQuery {
        limit: query.limit,
        sort: query.sort.clone(),
        desc: query.desc,
        ..Default::default()
    };
    view! {
        <FilterBar query=query.clone() page=page.clone() />
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
                    </tr>
                </thead>
                <tbody>
                    {page.rows.into_iter().map(|row| view! { <Row row /> }).collect_view()}
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
    }
}

#[component]
fn Row(row: InstanceRow) -> impl IntoView {
    let flux = in_flux(&row.status, row.task.as_deref());
    let attention = needs_attention(&row.status);
    let href = format!("/admin/instances/{}", row.id);
    view! {
        <tr
            data-id=row.id.clone()
            data-status=row.status.clone()
            data-host=row.host.clone().unwrap_or_default()
            class:flux=flux
            class:attention=attention
        >
            <td class="name">
                <A href=href>{row.name.clone()}</A>
                {row.locked.then(|| view! { <span class="tag" title="Locked">"locked"</span> })}
            </td>
            <td>{row.project.clone()}</td>
            <td class="mono">{row.host.clone().unwrap_or_else(|| "—".into())}</td>
            <td class="mono ips">
                {row.addresses.iter().map(|a| view! { <div>{a.clone()}</div> }).collect_view()}
            </td>
            <td>{row.flavor.clone()}</td>
            <td>
                <span class=status_class(&row.status)>{status_label(&row.status)}</span>
                {attention
                    .then(|| {
                        view! {
                            <span class="action-required" title="Action required">
                                "!"
                            </span>
                        }
                    })}
            </td>
            <td class:busy=row.task.is_some()>{task_label(row.task.as_deref())}</td>
            <td>{power_label(row.power_state)}</td>
            <td title=row.created.clone()>{row.age.clone()}</td>
        </tr>
    }
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
fn FilterBar(query: InstanceQuery, page: InstancePage) -> impl IntoView {
    let size = query.page_size();
    view! {
        <Form method="GET" action="" attr:class="filters" attr:role="search">
            <label>
                "Name" <input type="search" name="name" value=query.name.clone() placeholder="regex" />
            </label>
            <label>
                "Host"
                <select name="host">
                    <option value="">"Any host"</option>
                    {page
                        .hosts
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
            <label>
                "Project"
                <select name="project">
                    <option value="">"Any project"</option>
                    {page
                        .projects
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
            <a class="button" href="/admin/instances">
                "Clear"
            </a>
        </Form>
    }
}

#[component]
fn Pager(
    query: InstanceQuery,
    page_next: Option<String>,
    page_prev: Option<String>,
) -> impl IntoView {
    let first = (!query.marker.is_empty()).then(|| format!("?{}", query.first_page().to_query_string()));
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
