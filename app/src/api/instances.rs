//! The admin instance list and the instance detail page.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{InstanceDetail, InstancePage, InstanceQuery, ListScope},
};

/// One page of instances (every project's, or the user's project's), filtered and sorted by Nova.
#[server(endpoint = "list_instances")]
pub async fn list_instances(
    query: InstanceQuery,
    scope: ListScope,
) -> Result<InstancePage, AppError> {
    use crate::server::{
        filters::check_query, mapping, session::require_scope, upstream::upstream_error,
    };
    use openstack_client::compute::Compute;

    let backend = crate::server::backend()?;
    let session = require_scope(&backend, scope)?;
    check_query(&query)?;
    let compute = Compute::connect(&backend.transport, &session.compute_url, &session.token)
        .await
        .map_err(|e| upstream_error(e, "reach the Compute service"))?;

    let mut query = query;
    let server_query = mapping::server_query(&query, scope);
    // Taken before the call, so a change during it is caught by the first live refresh.
    let fetched_at = chrono::Utc::now();
    let (servers, projects, hosts) = tokio::join!(
        compute.list_servers(&server_query),
        mapping::project_names(&backend, &session),
        mapping::host_index(&backend, &session, &compute),
    );
    // The instance a page started from was deleted (or moved out of sight) since the link was
    // made: Nova refuses the marker. Show the first page with these filters and say so.
    let mut marker_lost = false;
    let servers = match servers {
        Err(e) if !query.marker.is_empty() && is_unknown_marker(&e) => {
            marker_lost = true;
            query = query.first_page();
            compute
                .list_servers(&mapping::server_query(&query, scope))
                .await
        }
        other => other,
    };
    let mut page = servers.map_err(|e| upstream_error(e, "list instances"))?;
    if query.prev {
        // Paging backwards asks Nova for the reversed order; show it the right way round.
        page.servers.reverse();
    }
    let caps = crate::actions::Capabilities::of(&session.roles());
    let mut page = mapping::instance_page(&query, page, projects, hosts, fetched_at, caps);
    mapping::mark_confirming(&compute, &session, &mut page.rows).await;
    crate::server::history::attach_progress(&backend, &session, &compute, &mut page.rows, &[])
        .await;
    page.marker_lost = marker_lost;
    Ok(page)
}

/// Nova's answer to a paging marker it does not know: 400 "marker [id] not found".
#[cfg(feature = "ssr")]
fn is_unknown_marker(e: &openstack_client::Error) -> bool {
    e.status() == Some(400) && e.message.contains("marker") && e.message.contains("not found")
}

/// One instance with its fields and its action log (os-instance-actions with events).
#[server(endpoint = "get_instance")]
pub async fn get_instance(id: String, scope: ListScope) -> Result<InstanceDetail, AppError> {
    use crate::server::{
        guard, history, mapping, session::require_scope, upstream::upstream_error,
    };
    use openstack_client::compute::{Compute, MigrationQuery};

    let backend = crate::server::backend()?;
    let session = require_scope(&backend, scope)?;
    guard::check_id(&id)?;
    let compute = Compute::connect(&backend.transport, &session.compute_url, &session.token)
        .await
        .map_err(|e| upstream_error(e, "reach the Compute service"))?;
    let migrations_query = MigrationQuery {
        instance_uuid: Some(id.clone()),
        project_id: guard::project_filter(&session),
        ..MigrationQuery::default()
    };
    let (server, actions, projects, hosts, migrations, users) = tokio::join!(
        compute.get_server(&id),
        compute.list_instance_actions(&id),
        mapping::project_names(&backend, &session),
        mapping::host_index(&backend, &session, &compute),
        compute.list_migrations(&migrations_query),
        mapping::user_names(&backend, &session),
    );
    let server = server.map_err(|e| upstream_error(e, "show the instance"))?;
    let actions = actions.map_err(|e| upstream_error(e, "read the instance's action log"))?;
    // Events come one request per action; an instance has few, and they explain failures.
    let mut details = Vec::with_capacity(actions.len());
    for action in actions.iter().take(20) {
        match compute.get_instance_action(&id, &action.request_id).await {
            Ok(detail) => details.push(detail),
            Err(e) => tracing::warn!(instance = %id, error = %e, "could not read action events"),
        }
    }
    // The page still shows the instance when its history cannot be read; the log says why.
    let migrations = migrations.map(|p| p.migrations).unwrap_or_else(|e| {
        tracing::warn!(instance = %id, error = %e, "could not read the instance's migrations");
        Vec::new()
    });
    let name_of = |list: &[(String, String)], id: &Option<String>| {
        list.iter()
            .find(|(i, _)| Some(i) == id.as_ref())
            .map(|(_, n)| n.clone())
    };
    let history = migrations
        .iter()
        .map(|m| {
            let mut row = history::with_events(m, &details);
            row.user_name = name_of(&users, &row.user_id);
            row.project_name = name_of(&projects, &row.project_id);
            row
        })
        .collect();
    // A live migration under way: its progress, and what may be done about it.
    let roles = session.roles();
    let live = if server.task_state.as_deref() == Some("migrating")
        && roles.allow(crate::policy::Action::WatchLiveMigration)
    {
        match compute.list_server_migrations(&id).await {
            Ok(list) => {
                let abort_queued = compute.max_microversion()
                    >= openstack_client::compute::Microversion::new(2, 65);
                list.first().map(|m| {
                    let seen = backend.live_watch.observe(&id, m);
                    let mut live = history::live_progress(m, &seen, &roles, abort_queued);
                    history::mark_sent(&mut live, m, &actions);
                    live
                })
            }
            Err(e) => {
                tracing::warn!(instance = %id, error = %e, "could not read the live migration");
                None
            }
        }
    } else {
        None
    };
    let mut detail = mapping::instance_detail(server, actions, details, &projects, &hosts);
    detail.migrations = history;
    detail.live = live;
    Ok(detail)
}
