//! Live and cold migration, confirm and revert. Each call checks the roles itself (the menu
//! hiding an entry is never the only guard), sends exactly what Nova's microversion expects
//! ("auto" block migration, never `force`), and logs who moved what where.

use leptos::prelude::*;

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
    guard::require(caps.migrate, kind_policy(kind))?;
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

#[cfg(feature = "ssr")]
fn kind_policy(kind: MigrationKind) -> &'static str {
    match kind {
        MigrationKind::Live => "os_compute_api:os-migrate-server:migrate_live",
        MigrationKind::Cold => "os_compute_api:os-migrate-server:migrate",
    }
}

#[server(endpoint = "live_migrate")]
pub async fn live_migrate(request: MigrationRequest) -> Result<Accepted, AppError> {
    use crate::server::{
        guard,
        upstream::{action_error, upstream_error},
    };
    use openstack_client::compute::{BlockMigration, LiveMigration};

    let (_backend, session, caps, compute) = guard::migration_context(&request.instance_id).await?;
    guard::require(caps.migrate, kind_policy(MigrationKind::Live))?;
    let host = guard::clean_host(request.host.as_deref())?;
    if host.is_some() {
        guard::require(
            caps.choose_host,
            "os_compute_api:os-migrate-server:migrate_live:host",
        )?;
    }
    let server = compute
        .get_server(&request.instance_id)
        .await
        .map_err(|e| upstream_error(e, "read the instance"))?;
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

    let (_backend, session, caps, compute) = guard::migration_context(&request.instance_id).await?;
    guard::require(caps.migrate, kind_policy(MigrationKind::Cold))?;
    let host = guard::clean_host(request.host.as_deref())?;
    if host.is_some() {
        guard::require(
            caps.choose_host,
            "os_compute_api:os-migrate-server:migrate:host",
        )?;
    }
    let server = compute
        .get_server(&request.instance_id)
        .await
        .map_err(|e| upstream_error(e, "read the instance"))?;
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

    let (_backend, session, caps, compute) = guard::migration_context(&id).await?;
    guard::require(caps.confirm, "os_compute_api:servers:confirm_resize")?;
    let server = compute
        .get_server(&id)
        .await
        .map_err(|e| upstream_error(e, "read the instance"))?;
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

    let (_backend, session, caps, compute) = guard::migration_context(&id).await?;
    guard::require(caps.confirm, "os_compute_api:servers:revert_resize")?;
    let server = compute
        .get_server(&id)
        .await
        .map_err(|e| upstream_error(e, "read the instance"))?;
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

    let (_backend, _session, caps, compute) = guard::migration_context(&id).await?;
    guard::require(caps.confirm, "os_compute_api:servers:revert_resize")?;
    let query = MigrationQuery {
        instance_uuid: Some(id.clone()),
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
