//! Migration history: every project's migration records for the Migrations page.

use leptos::prelude::*;

use crate::{
    error::AppError,
    history::{MigrationFilter, MigrationHistoryPage},
};

/// One page (newest first, Nova's 2.59 order) of the migrations matching `filter`.
#[server(endpoint = "migration_history")]
pub async fn migration_history(filter: MigrationFilter) -> Result<MigrationHistoryPage, AppError> {
    use crate::{
        model::ProjectChoice,
        policy::Action,
        server::{guard, history, mapping, session::current_session, upstream::upstream_error},
    };
    use openstack_client::compute::Compute;

    let backend = crate::server::backend()?;
    let session = current_session(&backend)?;
    guard::require(&session, Action::ListAllMigrations)?;
    let query = history::query(&filter)?;
    let compute = Compute::connect(&backend.transport, &session.compute_url, &session.token)
        .await
        .map_err(|e| upstream_error(e, "reach the Compute service"))?;
    let (page, projects, hosts, users) = tokio::join!(
        compute.list_migrations(&query),
        mapping::project_names(&backend, &session),
        mapping::host_index(&backend, &session, &compute),
        mapping::user_names(&backend, &session),
    );
    let page = page.map_err(|e| upstream_error(e, "list migrations"))?;
    let names = history::instance_names(&compute, &page.migrations).await;
    let rows: Vec<_> = page
        .migrations
        .iter()
        .map(|m| {
            let mut row = history::row(m, &names);
            row.project_name = projects
                .iter()
                .find(|(id, _)| Some(id) == row.project_id.as_ref())
                .map(|(_, name)| name.clone());
            row.user_name = users
                .iter()
                .find(|(id, _)| Some(id) == row.user_id.as_ref())
                .map(|(_, name)| name.clone());
            row
        })
        .collect();
    // Live migrations under way show their progress, as on the instance list.
    let mut rows: Vec<crate::history::MigrationRow> = rows;
    let moving: Vec<String> = page
        .migrations
        .iter()
        .filter(|m| {
            m.migration_type.as_deref() == Some("live-migration")
                && matches!(
                    m.status.as_str(),
                    "queued" | "preparing" | "running" | "post-migrating"
                )
        })
        .map(|m| m.instance_uuid.clone())
        .collect();
    for (id, progress) in history::task_progress(&backend, &session, &compute, &moving).await {
        let Some(progress) = progress else { continue };
        let uuid = page
            .migrations
            .iter()
            .find(|m| m.instance_uuid == id && m.id == progress.migration)
            .and_then(|m| m.uuid.clone());
        if let Some(row) = rows.iter_mut().find(|r| Some(&r.uuid) == uuid.as_ref()) {
            row.live = Some(progress);
        }
    }
    Ok(MigrationHistoryPage {
        rows,
        next_marker: page.next_marker,
        hosts: hosts.hosts,
        projects: projects
            .into_iter()
            .map(|(id, name)| ProjectChoice { id, name })
            .collect(),
    })
}
