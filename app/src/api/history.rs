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
    let (page, projects, hosts) = tokio::join!(
        compute.list_migrations(&query),
        mapping::project_names(&backend, &session),
        mapping::host_index(&backend, &session, &compute),
    );
    let page = page.map_err(|e| upstream_error(e, "list migrations"))?;
    let names = history::instance_names(&compute, &page.migrations).await;
    let rows = page
        .migrations
        .iter()
        .map(|m| {
            let mut row = history::row(m, &names);
            row.project_name = projects
                .iter()
                .find(|(id, _)| Some(id) == row.project_id.as_ref())
                .map(|(_, name)| name.clone());
            row
        })
        .collect();
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
