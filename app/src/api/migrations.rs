//! Live and cold migration, confirm and revert. Each call checks the roles itself (the menu
//! hiding an entry is never the only guard), sends exactly what Nova's microversion expects
//! ("auto" block migration, never `force`), and logs who moved what where.

use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::actions::RowAction;
use crate::{
    error::AppError,
    migration::{Accepted, MigrationKind, MigrationRequest, MigrationTarget},
};

/// What the dialog shows: the instance, and the destination hosts the user may choose from.
#[server(endpoint = "migration_options")]
pub async fn migration_options(
    id: String,
    kind: MigrationKind,
) -> Result<MigrationTarget, AppError> {
    use crate::server::{guard, hosts::host_table, upstream::upstream_error};
    use openstack_client::compute::Microversion;

    let (backend, session, caps, compute) = guard::migration_context(&id).await?;
    guard::require(&session, kind_action(kind, false))?;
    let server = compute
        .get_server(&id)
        .await
        .map_err(|e| upstream_error(e, "read the instance"))?;
    let (hosts, group) = if caps.choose_host {
        host_table(&backend, &session, &compute, &server).await?
    } else {
        (Vec::new(), None)
    };
    let mv = compute.max_microversion();
    Ok(MigrationTarget {
        instance_id: server.id.clone(),
        instance_name: server.name.clone(),
        current_host: server.host.clone(),
        status: server.status.clone(),
        hosts,
        can_choose_host: caps.choose_host,
        block_migration_auto: mv >= Microversion::new(2, 25),
        cold_host_supported: mv >= Microversion::new(2, 56),
        server_group: group,
    })
}

/// The policy action of a migration, with or without a chosen host.
#[cfg(feature = "ssr")]
fn kind_action(kind: MigrationKind, host: bool) -> crate::policy::Action {
    use crate::policy::Action;
    match (kind, host) {
        (MigrationKind::Live, false) => Action::LiveMigrate,
        (MigrationKind::Live, true) => Action::LiveMigrateToHost,
        (MigrationKind::Cold, false) => Action::Migrate,
        (MigrationKind::Cold, true) => Action::MigrateToHost,
    }
}

#[server(endpoint = "live_migrate")]
pub async fn live_migrate(request: MigrationRequest) -> Result<Accepted, AppError> {
    use crate::server::{
        guard,
        upstream::{action_error, upstream_error},
    };
    use openstack_client::compute::{BlockMigration, LiveMigration};

    let (backend, session, caps, compute) = guard::migration_context(&request.instance_id).await?;
    let host = guard::clean_host(request.host.as_deref())?;
    guard::require(&session, kind_action(MigrationKind::Live, host.is_some()))?;
    let server = compute
        .get_server(&request.instance_id)
        .await
        .map_err(|e| upstream_error(e, "read the instance"))?;
    let bare_metal = guard::is_bare_metal(&backend, &session, &compute, &server).await;
    guard::require_state(RowAction::LiveMigrate, &server, bare_metal, caps)?;
    let body = LiveMigration {
        host: host.clone(),
        block_migration: if request.block_migration {
            BlockMigration::Yes
        } else {
            BlockMigration::Auto
        },
        disk_over_commit: request.disk_over_commit,
    };
    let accepted = compute
        .live_migrate(&server.id, &body)
        .await
        .map_err(|e| action_error(e, "live-migrate the instance"))?;
    guard::audit(
        &session,
        "live-migrate",
        &server,
        host.as_deref(),
        accepted.request_id.as_deref(),
    );
    Ok(Accepted {
        message: format!(
            "Live migration of {} from {} to {} started.",
            server.name,
            server.host.as_deref().unwrap_or("its host"),
            host.as_deref().unwrap_or("a host the scheduler chooses")
        ),
        request_id: accepted.request_id,
    })
}

#[server(endpoint = "cold_migrate")]
pub async fn cold_migrate(request: MigrationRequest) -> Result<Accepted, AppError> {
    use crate::server::{
        guard,
        upstream::{action_error, upstream_error},
    };

    let (backend, session, caps, compute) = guard::migration_context(&request.instance_id).await?;
    let host = guard::clean_host(request.host.as_deref())?;
    guard::require(&session, kind_action(MigrationKind::Cold, host.is_some()))?;
    let server = compute
        .get_server(&request.instance_id)
        .await
        .map_err(|e| upstream_error(e, "read the instance"))?;
    let bare_metal = guard::is_bare_metal(&backend, &session, &compute, &server).await;
    guard::require_state(RowAction::Migrate, &server, bare_metal, caps)?;
    let accepted = compute
        .migrate(&server.id, host.as_deref())
        .await
        .map_err(|e| action_error(e, "migrate the instance"))?;
    guard::audit(
        &session,
        "migrate",
        &server,
        host.as_deref(),
        accepted.request_id.as_deref(),
    );
    Ok(Accepted {
        message: format!(
            "Cold migration of {} from {} started; it will wait in Verify Resize for your confirm or revert.",
            server.name,
            server.host.as_deref().unwrap_or("its host"),
        ),
        request_id: accepted.request_id,
    })
}

#[server(endpoint = "confirm_resize")]
pub async fn confirm_resize(id: String) -> Result<Accepted, AppError> {
    use crate::server::{
        guard,
        upstream::{action_error, upstream_error},
    };

    let (backend, session, caps, compute) = guard::migration_context(&id).await?;
    guard::require(&session, crate::policy::Action::ConfirmResize)?;
    let server = compute
        .get_server(&id)
        .await
        .map_err(|e| upstream_error(e, "read the instance"))?;
    let bare_metal = guard::is_bare_metal(&backend, &session, &compute, &server).await;
    guard::require_state(RowAction::ConfirmResize, &server, bare_metal, caps)?;
    let accepted = compute
        .confirm_resize(&id)
        .await
        .map_err(|e| action_error(e, "confirm the migration"))?;
    guard::audit(
        &session,
        "confirmResize",
        &server,
        None,
        accepted.request_id.as_deref(),
    );
    Ok(Accepted {
        message: format!(
            "Confirmed: {} stays on {}.",
            server.name,
            server.host.as_deref().unwrap_or("its new host")
        ),
        request_id: accepted.request_id,
    })
}

#[server(endpoint = "revert_resize")]
pub async fn revert_resize(id: String) -> Result<Accepted, AppError> {
    use crate::server::{
        guard,
        upstream::{action_error, upstream_error},
    };

    let (backend, session, caps, compute) = guard::migration_context(&id).await?;
    guard::require(&session, crate::policy::Action::RevertResize)?;
    let server = compute
        .get_server(&id)
        .await
        .map_err(|e| upstream_error(e, "read the instance"))?;
    let bare_metal = guard::is_bare_metal(&backend, &session, &compute, &server).await;
    guard::require_state(RowAction::RevertResize, &server, bare_metal, caps)?;
    let accepted = compute
        .revert_resize(&id)
        .await
        .map_err(|e| action_error(e, "revert the migration"))?;
    guard::audit(
        &session,
        "revertResize",
        &server,
        None,
        accepted.request_id.as_deref(),
    );
    Ok(Accepted {
        message: format!("Reverting: {} goes back to its source host.", server.name),
        request_id: accepted.request_id,
    })
}

/// The host a resized or cold-migrated instance came from, for "Revert moves X back to …".
#[server(endpoint = "resize_source")]
pub async fn resize_source(id: String) -> Result<Option<String>, AppError> {
    use crate::server::{guard, upstream::upstream_error};
    use openstack_client::compute::MigrationQuery;

    let (_backend, session, _caps, compute) = guard::migration_context(&id).await?;
    guard::require(&session, crate::policy::Action::RevertResize)?;
    let query = MigrationQuery {
        instance_uuid: Some(id.clone()),
        // Without every project's migrations, Nova lists only the project's, and only when
        // asked for them by project (os-migrations:index:all_projects).
        project_id: guard::project_filter(&session),
        ..MigrationQuery::default()
    };
    let page = compute
        .list_migrations(&query)
        .await
        .map_err(|e| upstream_error(e, "read the instance's migrations"))?;
    Ok(page
        .migrations
        .into_iter()
        .filter(|m| m.migration_type.as_deref() != Some("live-migration"))
        .max_by_key(|m| (m.created_at, m.id))
        .and_then(|m| m.source_compute))
}
