//! Live rows: what changed on the page since the last look, in one Nova call
//! (`changes-since`), plus the cause of any migration that Nova accepted and then failed.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{ListScope, RowRefresh},
};

/// `ids`: the rows on the page; `flux`: those that were moving at the last look;
/// `since`: the previous refresh's (or the page's) server time; `watched`: those that were
/// live-migrating, whose progress is read from their migration records.
#[server(endpoint = "refresh_rows")]
pub async fn refresh_rows(
    ids: Vec<String>,
    flux: Vec<String>,
    #[server(default)] watched: Vec<String>,
    since: String,
    scope: ListScope,
) -> Result<RowRefresh, AppError> {
    use crate::{
        labels::in_flux,
        server::{
            failures::migration_failure, mapping, session::require_scope, upstream::upstream_error,
        },
    };
    use chrono::{DateTime, Duration, Utc};
    use openstack_client::compute::{Compute, ServerQuery};

    let backend = crate::server::backend()?;
    let session = require_scope(&backend, scope)?;
    if ids.len() > 500 || flux.len() > 500 || watched.len() > 500 {
        return Err(AppError::BadRequest(
            "Too many rows to refresh at once.".into(),
        ));
    }
    let since = DateTime::parse_from_rfc3339(&since)
        .map_err(|_| AppError::BadRequest("The refresh time is not a timestamp.".into()))?
        .with_timezone(&Utc);
    let now = Utc::now();
    // The client names the window; it may not make Nova list more than the last few minutes
    // (a page left open longer starts again from there).
    let since = since.clamp(now - Duration::minutes(10), now);
    let watched: Vec<String> = watched
        .into_iter()
        .filter(|w| crate::server::guard::check_id(w).is_ok())
        .collect();
    let compute = Compute::connect(&backend.transport, &session.compute_url, &session.token)
        .await
        .map_err(|e| upstream_error(e, "reach the Compute service"))?;
    // A few seconds of overlap absorb clock skew between Ferry and Nova; a row seen twice is harmless.
    let query = ServerQuery {
        all_tenants: scope == ListScope::AllProjects,
        changes_since: Some(since - Duration::seconds(5)),
        limit: Some(1000),
        ..ServerQuery::default()
    };
    let (changed, projects, hosts) = tokio::join!(
        compute.list_servers(&query),
        mapping::project_names(&backend, &session),
        mapping::host_index(&backend, &session, &compute),
    );
    let changed = changed.map_err(|e| upstream_error(e, "refresh the instance list"))?;
    let mut out = RowRefresh {
        now: now.to_rfc3339(),
        ..RowRefresh::default()
    };
    let mut settled_rows = Vec::new();
    for server in changed.servers.into_iter().filter(|s| ids.contains(&s.id)) {
        if matches!(server.status.as_str(), "DELETED" | "SOFT_DELETED") {
            out.gone.push(server.id.clone());
            continue;
        }
        let row = mapping::row(server, &projects, &hosts);
        if !in_flux(&row.status, row.task.as_deref()) && flux.contains(&row.id) {
            settled_rows.push(row.clone());
        }
        out.rows.push(row);
    }
    // Rows that just left a migration: was it a failure? At most a few a cycle, all at once;
    // the rest are looked at on the next cycle's page load or the instance page.
    let project = crate::server::guard::project_filter(&session);
    let looks = settled_rows
        .iter()
        .take(MAX_FAILURE_LOOKS)
        .map(|row| migration_failure(&compute, row, since, project.clone()));
    out.failures = futures_util::future::join_all(looks)
        .await
        .into_iter()
        .flatten()
        .collect();
    mapping::mark_confirming(&compute, &session, &mut out.rows).await;
    let watched: Vec<String> = watched.into_iter().filter(|w| ids.contains(w)).collect();
    out.progress = crate::server::history::attach_progress(
        &backend,
        &session,
        &compute,
        &mut out.rows,
        &watched,
    )
    .await;
    Ok(out)
}

/// Failed-migration lookups per refresh (each is one to three Nova calls).
#[cfg(feature = "ssr")]
const MAX_FAILURE_LOOKS: usize = 10;
