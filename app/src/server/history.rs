//! From Nova's migration records to the history rows the Migrations page and the instance page
//! show, and the Migrations page's filters checked and turned into an `os-migrations` query.

use chrono::{DateTime, NaiveDateTime, Utc};
use openstack_client::compute::{Compute, InstanceActionDetail, Migration, MigrationQuery};

use crate::{
    error::AppError,
    history::{
        duration_words, event_label, MigrationEvent, MigrationFilter, MigrationRow,
        HISTORY_PAGE_SIZE, MIGRATION_STATUSES, MIGRATION_TYPES,
    },
};

/// A time as a date-time input sends it (`2026-12-01T10:00`, taken as UTC) or RFC 3339.
fn parse_time(label: &str, value: &str) -> Result<Option<DateTime<Utc>>, AppError> {
    if value.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(value, format) {
            return Ok(Some(t.and_utc()));
        }
    }
    Err(AppError::BadRequest(format!(
        "“{value}” is not a time for “{label}” (use 2026-12-01T10:00, UTC)."
    )))
}

/// The Nova query for the page's filters, or what is wrong with them.
pub fn query(f: &MigrationFilter) -> Result<MigrationQuery, AppError> {
    use super::filters::MAX_FILTER;
    for (label, v) in [
        ("host", &f.host),
        ("status", &f.status),
        ("type", &f.kind),
        ("project", &f.project),
        ("since", &f.since),
        ("before", &f.before),
        ("marker", &f.marker),
    ] {
        if v.chars().count() > MAX_FILTER {
            return Err(AppError::BadRequest(format!(
                "The {label} filter is longer than {MAX_FILTER} characters."
            )));
        }
    }
    let host = super::guard::clean_host(Some(&f.host))?;
    if !f.status.is_empty() && !MIGRATION_STATUSES.contains(&f.status.as_str()) {
        return Err(AppError::BadRequest(format!(
            "“{}” is not a migration status Nova knows.",
            f.status
        )));
    }
    if !f.kind.is_empty() && !MIGRATION_TYPES.iter().any(|(k, _)| *k == f.kind) {
        return Err(AppError::BadRequest(format!(
            "“{}” is not a migration type (live-migration, migration, resize, evacuation).",
            f.kind
        )));
    }
    for (label, id) in [("project", &f.project), ("marker", &f.marker)] {
        if !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(AppError::BadRequest(format!("“{id}” is not a {label} id.")));
        }
    }
    let since = parse_time("changed since", &f.since)?;
    let before = parse_time("changed before", &f.before)?;
    if let (Some(a), Some(b)) = (since, before) {
        if a >= b {
            return Err(AppError::BadRequest(
                "“Changed since” must be earlier than “changed before”.".into(),
            ));
        }
    }
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Ok(MigrationQuery {
        host,
        status: non_empty(&f.status),
        migration_type: non_empty(&f.kind),
        project_id: non_empty(&f.project),
        marker: non_empty(&f.marker),
        changes_since: since,
        changes_before: before,
        limit: Some(HISTORY_PAGE_SIZE),
        ..MigrationQuery::default()
    })
}

fn ended(status: &str) -> bool {
    matches!(
        status,
        "completed" | "error" | "failed" | "cancelled" | "confirmed" | "reverted" | "done"
    )
}

/// The history row of one record; `names`: instance id → name, where known.
pub fn row(m: &Migration, names: &[(String, String)]) -> MigrationRow {
    let duration = match (m.created_at, m.updated_at) {
        (Some(c), Some(u)) if ended(&m.status) => Some(duration_words((u - c).num_seconds())),
        _ => None,
    };
    MigrationRow {
        uuid: m.uuid.clone().unwrap_or_else(|| m.id.to_string()),
        instance_id: m.instance_uuid.clone(),
        instance_name: names
            .iter()
            .find(|(id, _)| *id == m.instance_uuid)
            .map(|(_, n)| n.clone()),
        kind: m
            .migration_type
            .clone()
            .unwrap_or_else(|| "migration".into()),
        source: m.source_compute.clone(),
        destination: m.dest_compute.clone(),
        status: m.status.clone(),
        created: m.created_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        duration,
        user_id: m.user_id.clone(),
        project_id: m.project_id.clone(),
        project_name: None,
        events: Vec::new(),
        failure: None,
    }
}

/// The names of the instances of `migrations`, asked of Nova in parallel (one call each, at most
/// a page's worth); instances Nova no longer shows keep their id.
pub async fn instance_names(compute: &Compute, migrations: &[Migration]) -> Vec<(String, String)> {
    let mut ids: Vec<String> = migrations.iter().map(|m| m.instance_uuid.clone()).collect();
    ids.sort();
    ids.dedup();
    let mut jobs = tokio::task::JoinSet::new();
    for id in ids.into_iter().take(HISTORY_PAGE_SIZE as usize) {
        let compute = compute.clone();
        jobs.spawn(async move { compute.get_server(&id).await.ok().map(|s| (id, s.name)) });
    }
    let mut names = Vec::new();
    while let Some(done) = jobs.join_next().await {
        if let Ok(Some(pair)) = done {
            names.push(pair);
        }
    }
    names
}

/// The instance action a migration reported to: the latest migrate-like action that started
/// before the record was made (Nova creates the action first).
fn action_of<'a>(
    m: &Migration,
    actions: &'a [InstanceActionDetail],
) -> Option<&'a InstanceActionDetail> {
    let made = m.created_at?;
    actions
        .iter()
        .filter(|a| {
            matches!(
                a.action.action.as_str(),
                "live-migration" | "migrate" | "resize" | "evacuate"
            )
        })
        .filter(|a| {
            a.action
                .start_time
                .is_some_and(|t| t <= made + chrono::Duration::seconds(5))
        })
        .max_by_key(|a| a.action.start_time)
}

/// The instance page's history: each record with its action's events and, for a failure, the
/// failed event's own words.
pub fn with_events(m: &Migration, actions: &[InstanceActionDetail]) -> MigrationRow {
    let mut row = row(m, &[]);
    if let Some(action) = action_of(m, actions) {
        row.events = action
            .events
            .iter()
            .map(|e| MigrationEvent {
                label: event_label(&e.event),
                result: e.result.clone(),
                host: e.host.clone(),
                details: e.details.clone(),
            })
            .collect();
        row.failure = action
            .events
            .iter()
            .filter(|e| e.result.as_deref() == Some("Error"))
            .find_map(|e| e.details.clone());
    }
    row
}

/// The instance page's view of a live migration under way. `roles`: whose page it is;
/// `abort_queued`: the cloud's Nova takes an abort of a queued or preparing migration (2.65).
pub fn live_progress(
    m: &openstack_client::compute::ServerMigration,
    roles: &crate::policy::Roles,
    abort_queued: bool,
) -> crate::history::LiveProgress {
    use crate::{
        history::{gib_of_bytes, phase_words, LiveProgress},
        policy::Action,
    };
    let pct = |p: Option<f64>| p.map(|v| v.round().clamp(0.0, 100.0) as u8);
    let abortable = m.status == "running"
        || (abort_queued && matches!(m.status.as_str(), "queued" | "preparing"));
    LiveProgress {
        migration_id: m.id,
        status: m.status.clone(),
        phase: phase_words(&m.status),
        source: m.source_compute.clone(),
        destination: m.dest_compute.clone(),
        memory_percent: pct(m.memory_progress_percent()),
        disk_percent: pct(m.disk_progress_percent()).filter(|_| m.disk_total_bytes > Some(0)),
        memory_left: match (m.memory_remaining_bytes, m.memory_total_bytes) {
            (Some(r), Some(t)) if t > 0 => Some(format!(
                "{} of {} GiB left",
                gib_of_bytes(r),
                gib_of_bytes(t)
            )),
            _ => None,
        },
        updated: m.updated_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        can_abort: abortable && roles.allow(Action::AbortLiveMigration),
        can_force_complete: m.status == "running"
            && roles.allow(Action::ForceCompleteLiveMigration),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_nova_parameters_or_a_clear_refusal() {
        let q = query(&MigrationFilter {
            host: "compute1".into(),
            status: "completed".into(),
            kind: "live-migration".into(),
            since: "2026-12-01T10:00".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(q.host.as_deref(), Some("compute1"));
        assert_eq!(q.migration_type.as_deref(), Some("live-migration"));
        assert_eq!(q.limit, Some(HISTORY_PAGE_SIZE));
        assert_eq!(
            q.changes_since.unwrap().to_rfc3339(),
            "2026-12-01T10:00:00+00:00"
        );
        for bad in [
            MigrationFilter {
                status: "DONE!".into(),
                ..Default::default()
            },
            MigrationFilter {
                kind: "teleport".into(),
                ..Default::default()
            },
            MigrationFilter {
                since: "yesterday".into(),
                ..Default::default()
            },
            MigrationFilter {
                host: "a b".into(),
                ..Default::default()
            },
            MigrationFilter {
                since: "2026-12-02T00:00".into(),
                before: "2026-12-01T00:00".into(),
                ..Default::default()
            },
        ] {
            assert_eq!(query(&bad).unwrap_err().http_status(), 400, "{bad:?}");
        }
    }
}
