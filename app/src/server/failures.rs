//! Since microversion 2.34 Nova answers 202 to a live migration and checks afterwards; a
//! migration with no valid host ends in the migration record and the action's events, while the
//! instance quietly stays where it was. This finds that failure and says why, in plain words.

use chrono::{DateTime, Utc};
use openstack_client::compute::{Compute, MigrationQuery};

use crate::model::{InstanceRow, MigrationFailure};

/// `project`: a non-admin may list only their own project's migrations, and must say so.
pub async fn migration_failure(
    compute: &Compute,
    row: &InstanceRow,
    since: DateTime<Utc>,
    project: Option<String>,
) -> Option<MigrationFailure> {
    let query = MigrationQuery {
        instance_uuid: Some(row.id.clone()),
        project_id: project,
        ..MigrationQuery::default()
    };
    let migrations = compute.list_migrations(&query).await.ok()?.migrations;
    let latest = migrations
        .into_iter()
        .max_by_key(|m| (m.created_at, m.id))?;
    if !matches!(latest.status.as_str(), "error" | "failed") {
        return None;
    }
    // Only a failure that happened while we watched; an old one was reported already.
    if latest
        .updated_at
        .is_some_and(|t| t < since - chrono::Duration::seconds(30))
    {
        return None;
    }
    let (reason, request_id) = failure_reason(compute, &row.id).await;
    let host = row.host.clone().unwrap_or_else(|| "its host".into());
    let kind = match latest.migration_type.as_deref() {
        Some("live-migration") => "Live migration",
        _ => "Migration",
    };
    let group = group_context(compute, &row.id).await;
    Some(MigrationFailure {
        id: row.id.clone(),
        name: row.name.clone(),
        message: format!(
            "{kind} of {} failed; it stayed on {host}: {reason}{}",
            row.name,
            group.map(|g| format!(" ({g})")).unwrap_or_default()
        ),
        request_id,
    })
}

/// The failed event's own words (2.84 `details`), else the last line of its traceback.
async fn failure_reason(compute: &Compute, id: &str) -> (String, Option<String>) {
    let fallback = ("Nova reported an error.".to_string(), None);
    let Ok(actions) = compute.list_instance_actions(id).await else {
        return fallback;
    };
    let Some(latest) = actions
        .iter()
        .filter(|a| matches!(a.action.as_str(), "live-migration" | "migrate" | "resize"))
        .max_by_key(|a| a.start_time)
    else {
        return fallback;
    };
    let Ok(detail) = compute.get_instance_action(id, &latest.request_id).await else {
        return (fallback.0, Some(latest.request_id.clone()));
    };
    let reason = detail.failure_words().unwrap_or(fallback.0);
    (reason, Some(latest.request_id.clone()))
}

/// "anti-affinity group web" when the instance belongs to a server group with a hard policy.
async fn group_context(compute: &Compute, id: &str) -> Option<String> {
    // Only admins may list every project's groups; others see their own project's.
    let groups = match compute.list_server_groups(true).await {
        Ok(g) => g,
        Err(_) => compute.list_server_groups(false).await.ok()?,
    };
    let g = groups.iter().find(|g| g.members.iter().any(|m| m == id))?;
    Some(format!("{} group {}", g.policy, g.name))
}
