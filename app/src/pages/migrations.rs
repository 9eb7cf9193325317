//! `/admin/migrations`: every migration Nova recorded, newest first, filtered by exact host
//! (source or destination), status, type, project and time, paged with Nova's markers.
//! Server-rendered: plain GET forms and links, so it works with JavaScript off.

use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::{components::A, hooks::use_query_map, params::ParamsMap};

use crate::{
    api::migration_history,
    components::{instance_table::task_progress as task_progress_view, ErrorView},
    history::{
        kind_label, MigrationFilter, MigrationHistoryPage, MigrationRow, MIGRATION_STATUSES,
        MIGRATION_TYPES,
    },
};

pub fn filter_from_map(map: &ParamsMap) -> MigrationFilter {
    let text = |k: &str| map.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    MigrationFilter {
        host: text("host"),
        status: text("status"),
        kind: text("type"),
        project: text("project"),
        since: text("since"),
        before: text("before"),
        marker: text("marker"),
        limit: text("limit"),
    }
}

#[component]
pub fn MigrationsPage() -> impl IntoView {
    let params = use_query_map();
    let filter = Memo::new(move |_| filter_from_map(&params.read()));
    let paused = params.read_untracked().get("pause").is_some();
    let page = Resource::new(move || filter.get(), migration_history);
    view! {
        <div class="heading">
            <h1>"Migrations"</h1>
            <p class="sub">"Every project, newest first"</p>
        </div>
        <Suspense fallback=|| view! { <p class="loading">"Loading migrations…"</p> }>
            {move || Suspend::new(async move {
                let f = filter.get_untracked();
                match page.await {
                    Ok(p) => view! { <History filter=f page=p paused /> }.into_any(),
                    Err(e) => view! { <ErrorView error=e /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn History(filter: MigrationFilter, page: MigrationHistoryPage, paused: bool) -> impl IntoView {
    let empty = page.rows.is_empty();
    let next = page.next_marker.map(|m| {
        let q = MigrationFilter {
            marker: m,
            ..filter.clone()
        };
        format!(
            "?{}{}",
            q.to_query_string(),
            if paused { "&pause=1" } else { "" }
        )
    });
    let first = (!filter.marker.is_empty()).then(|| {
        format!(
            "?{}{}",
            filter.first_page().to_query_string(),
            if paused { "&pause=1" } else { "" }
        )
    });
    // Server-rendered, so "live" is a reload while migrations on the page are in flight; it can
    // be paused (e.g. to fill in the filters), and stops by itself when nothing moves.
    let moving = page.rows.iter().any(|r| r.live.is_some());
    let query = filter.to_query_string();
    let resume = format!("?{query}");
    let pause = if query.is_empty() {
        "?pause=1".to_string()
    } else {
        format!("?{query}&pause=1")
    };
    view! {
        {(moving && !paused).then(|| view! { <Meta http_equiv="refresh" content="5" /> })}
        <Filters filter=filter.clone() hosts=page.hosts projects=page.projects paused />
        {moving.then(|| {
            if paused {
                view! {
                    <p class="hint live-note">
                        "Migrations on this page are in flight; reloading is paused. "
                        <a href=resume>"Resume"</a>
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <p class="hint live-note">
                        "Migrations on this page are in flight: it reloads every 5 s. "
                        <a href=pause>"Pause"</a>
                    </p>
                }
                    .into_any()
            }
        })}
        <div class="table-wrap">
            <table class="migrations">
                <thead>
                    <tr>
                        <th scope="col">"Started"</th>
                        <th scope="col">"Instance"</th>
                        <th scope="col">"Type"</th>
                        <th scope="col">"From → to"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Duration"</th>
                        <th scope="col">"Project"</th>
                        <th scope="col">"User"</th>
                    </tr>
                </thead>
                <tbody>
                    {page.rows.into_iter().map(|r| view! { <HistoryRow r /> }).collect_view()}
                </tbody>
            </table>
        </div>
        {empty.then(|| view! { <p class="empty">"No migration matches these filters."</p> })}
        <nav class="pager" aria-label="Pages">
            {first.map(|h| view! { <A href=h attr:class="button" attr:rel="first">"« Newest"</A> })}
            {next.map(|h| view! { <A href=h attr:class="button" attr:rel="next">"Older ›"</A> })}
        </nav>
    }
}

#[component]
fn HistoryRow(r: MigrationRow) -> impl IntoView {
    let href = format!("/admin/instances/{}", r.instance_id);
    let name = r
        .instance_name
        .clone()
        .unwrap_or_else(|| r.instance_id.clone());
    let bad = matches!(r.status.as_str(), "error" | "failed");
    view! {
        <tr data-uuid=r.uuid.clone() data-status=r.status.clone() data-type=r.kind.clone()>
            <td class="mono">{r.created.clone()}</td>
            <td class="name">
                <a href=href>{name}</a>
            </td>
            <td>{kind_label(&r.kind)}</td>
            <td class="mono host">
                {r.source.clone().unwrap_or_else(|| "—".into())} " → "
                {r.destination.clone().unwrap_or_else(|| "—".into())}
            </td>
            <td class:bad=bad>
                {r.status.clone()}
                {r.live.clone().map(task_progress_view)}
            </td>
            <td>{r.duration.clone().unwrap_or_else(|| "—".into())}</td>
            <td title=r.project_id.clone()>
                {r.project_name.clone().or_else(|| r.project_id.clone()).unwrap_or_default()}
            </td>
            <td title=r.user_id.clone()>
                {r.user_name.clone().or_else(|| r.user_id.clone()).unwrap_or_default()}
            </td>
        </tr>
    }
}

#[component]
fn Filters(
    filter: MigrationFilter,
    /// Reloading is paused: a new filter keeps it paused.
    paused: bool,
    hosts: Vec<String>,
    projects: Vec<crate::model::ProjectChoice>,
) -> impl IntoView {
    view! {
        <form method="GET" action="" class="filters" role="search">
            <label>
                "Host (source or destination)"
                <select name="host">
                    <option value="">"Any host"</option>
                    {hosts
                        .into_iter()
                        .map(|h| {
                            let selected = h == filter.host;
                            let label = h.clone();
                            view! { <option value=h selected=selected>{label}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Status"
                <select name="status">
                    <option value="">"Any status"</option>
                    {MIGRATION_STATUSES
                        .iter()
                        .map(|s| view! { <option value=*s selected=*s == filter.status>{*s}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Type"
                <select name="type">
                    <option value="">"Any type"</option>
                    {MIGRATION_TYPES
                        .iter()
                        .map(|(k, l)| view! { <option value=*k selected=*k == filter.kind>{*l}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Project"
                <select name="project">
                    <option value="">"Any project"</option>
                    {projects
                        .into_iter()
                        .map(|p| {
                            let selected = p.id == filter.project;
                            view! { <option value=p.id selected=selected>{p.name}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Changed since (UTC)"
                <input type="datetime-local" name="since" value=filter.since.clone() />
            </label>
            <label>
                "Changed before (UTC)"
                <input type="datetime-local" name="before" value=filter.before.clone() />
            </label>
            {(!filter.limit.is_empty())
                .then(|| view! { <input type="hidden" name="limit" value=filter.limit.clone() /> })}
            {paused.then(|| view! { <input type="hidden" name="pause" value="1" /> })}
            <button type="submit" class="primary">
                "Filter"
            </button>
            <a class="button" href="/admin/migrations">
                "Clear"
            </a>
        </form>
    }
}
