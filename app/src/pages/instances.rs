//! `/admin/instances`: every project's instances, filtered, sorted and paged by Nova.

use leptos::prelude::*;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
    params::ParamsMap,
};

use crate::{
    api::list_instances,
    components::{ErrorView, InstanceTable},
    labels::status_label,
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
        zone: text("zone"),
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
                    Ok(p) => {
                        // Nova did not know the page's marker: links build on the first page.
                        let q = if p.marker_lost { q.first_page() } else { q };
                        view! { <InstanceList query=q page=p scope /> }.into_any()
                    }
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
    let marker_lost = page.marker_lost;
    view! {
        {marker_lost
            .then(|| {
                view! {
                    <p class="notice" role="status">
                        "The instance that page started from no longer exists (or is no longer in this list), so this is the first page."
                    </p>
                }
            })}
        <FilterBar
            query=query.clone()
            page_hosts=page.hosts
            page_zones=page.zones
            page_projects=page.projects
            scope
        />
        <InstanceTable
            rows=page.rows
            caps=page.caps
            scope
            sort=SORT_KEYS.map(|(k, _, _)| query.sort_link(k)).to_vec()
            since=page.fetched_at
        />
        {empty
            .then(|| {
                view! {
                    <p class="empty">
                        {if filtered {
                            "No instance matches these filters."
                        } else {
                            "This cloud has no instances."
                        }}
                    </p>
                }
            })}
        <Pager query page_next=page.next_marker page_prev=page.prev_marker />
    }
    .into_any()
}

#[component]
fn FilterBar(
    query: InstanceQuery,
    page_hosts: Vec<String>,
    page_zones: Vec<String>,
    page_projects: Vec<ProjectChoice>,
    scope: ListScope,
) -> impl IntoView {
    let size = query.page_size();
    // Nova lets only admins filter by host or project (and, below 2.83, by zone).
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
                "Zone"
                <select name="zone" disabled=!all>
                    <option value="">"Any zone"</option>
                    {page_zones
                        .iter()
                        .map(|z| {
                            view! {
                                <option value=z.clone() selected=*z == query.zone>
                                    {z.clone()}
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
