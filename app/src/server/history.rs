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
        ("limit", &f.limit),
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
    let limit = match f.limit.trim() {
        "" => HISTORY_PAGE_SIZE,
        n => n
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=200).contains(n))
            .ok_or_else(|| {
                AppError::BadRequest(format!("“{n}” is not a page size: a number from 1 to 200."))
            })?,
    };
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    Ok(MigrationQuery {
        host,
        status: non_empty(&f.status),
        migration_type: non_empty(&f.kind),
        project_id: non_empty(&f.project),
        marker: non_empty(&f.marker),
        changes_since: since,
        changes_before: before,
        limit: Some(limit),
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
        user_name: None,
        project_id: m.project_id.clone(),
        project_name: None,
        events: Vec::new(),
        failure: None,
        live: None,
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
/// `seen`: this look against what Ferry saw of the migration before (`super::live_watch`).
pub fn live_progress(
    m: &openstack_client::compute::ServerMigration,
    seen: &super::live_watch::Observation,
    roles: &crate::policy::Roles,
    abort_queued: bool,
) -> crate::history::LiveProgress {
    use crate::{
        history::{duration_words, gib_of_bytes, phase_words, rate_words, LiveProgress},
        policy::Action,
    };
    let pct = |p: Option<f64>| p.map(|v| v.round().clamp(0.0, 100.0) as u8);
    let abortable = m.status == "running"
        || (abort_queued && matches!(m.status.as_str(), "queued" | "preparing"));
    let can_abort = abortable && roles.allow(Action::AbortLiveMigration);
    let can_force_complete =
        m.status == "running" && roles.allow(Action::ForceCompleteLiveMigration);
    let source = m.source_compute.clone();
    let note = if seen.recopying {
        Some("re-copying memory the guest changed".to_string())
    } else {
        seen.bytes_per_second.map(|r| {
            let left = seen
                .seconds_left
                .map(|s| {
                    format!(
                        " · about {} left",
                        duration_words(i64::try_from(s).unwrap_or(i64::MAX))
                    )
                })
                .unwrap_or_default();
            format!("{}{left}", rate_words(r))
        })
    };
    let mut advice = Vec::new();
    if can_force_complete {
        advice.push("Force complete pauses the instance to finish the copy".to_string());
    }
    if can_abort {
        advice.push(format!(
            "Abort keeps it running on {}",
            source.as_deref().unwrap_or("its source host")
        ));
    }
    let advice = if advice.is_empty() {
        " An administrator can force it to complete or abort it.".to_string()
    } else {
        format!(" {}.", advice.join("; "))
    };
    let warning = if let Some(d) = seen.not_updated_for {
        Some(format!(
            "Nova has not updated this migration for {}: the source compute may be stuck or down.{advice}",
            duration_words(d.as_secs() as i64)
        ))
    } else {
        seen.no_new_low_for.map(|d| {
            format!(
                "Not converging: no new low in memory left for {}; the guest changes memory about as fast as it is copied. Nova gives up only at its completion timeout (800 s per GiB by default).{advice}",
                duration_words(d.as_secs() as i64)
            )
        })
    };
    LiveProgress {
        migration_id: m.id,
        status: m.status.clone(),
        phase: phase_words(&m.status),
        source,
        destination: m.dest_compute.clone(),
        memory_percent: seen.percent,
        disk_percent: pct(m.disk_progress_percent()).filter(|_| m.disk_total_bytes > Some(0)),
        memory_left: match (m.memory_remaining_bytes, m.memory_total_bytes) {
            (Some(r), Some(t)) if t > 0 => Some(format!(
                "{} of {} GiB left",
                gib_of_bytes(r),
                gib_of_bytes(t)
            )),
            _ => None,
        },
        note,
        warning,
        sent: None,
        updated: m.updated_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        can_abort,
        can_force_complete,
    }
}

/// An Abort or Force complete already asked of this migration (Nova records each as an instance
/// action): said so, and offered no more, so neither a reload nor a second tab sends it twice.
pub fn mark_sent(
    live: &mut crate::history::LiveProgress,
    m: &openstack_client::compute::ServerMigration,
    actions: &[openstack_client::compute::InstanceAction],
) {
    let (abort, force) = already_sent(m, actions);
    if force.is_some() {
        live.can_force_complete = false;
        live.sent = force;
    }
    if abort.is_some() {
        live.can_abort = false;
        live.can_force_complete = false;
        live.sent = abort;
    }
}

/// (abort, force complete): what was already sent for this migration, in words.
pub fn already_sent(
    m: &openstack_client::compute::ServerMigration,
    actions: &[openstack_client::compute::InstanceAction],
) -> (Option<String>, Option<String>) {
    let (mut abort, mut force) = (None, None);
    let Some(started) = m.created_at else {
        return (abort, force);
    };
    for a in actions.iter().filter(|a| a.start_time >= Some(started)) {
        let when = a
            .start_time
            .map(|t| t.format("%H:%M:%S UTC").to_string())
            .unwrap_or_default();
        let who = a.user_id.as_deref().unwrap_or("someone");
        match a.action.as_str() {
            "live_migration_force_complete" => {
                force = Some(format!(
                    "Force complete was sent at {when} by {who}; Nova is finishing the copy."
                ))
            }
            "live_migration_cancel" => {
                abort = Some(format!(
                    "Abort was sent at {when} by {who}; Nova is stopping the copy."
                ))
            }
            _ => {}
        }
    }
    (abort, force)
}

/// The live migrations under way of `ids` (at most `MAX_WATCHED` of them, one Nova call each,
/// all at once): what their rows' Task cells show. The cost grows with the rows migrating, not
/// the rows listed, and the cap bounds it.
pub async fn task_progress(
    backend: &super::Backend,
    session: &super::session::Session,
    compute: &openstack_client::compute::Compute,
    ids: &[String],
) -> Vec<(String, Option<crate::history::TaskProgress>)> {
    use crate::policy::Action;
    let roles = session.roles();
    if !roles.allow(Action::WatchLiveMigration) {
        return Vec::new();
    }
    let abort_queued =
        compute.max_microversion() >= openstack_client::compute::Microversion::new(2, 65);
    let mut looks = tokio::task::JoinSet::new();
    for id in ids.iter().take(MAX_WATCHED) {
        let (compute, id) = (compute.clone(), id.clone());
        looks.spawn(async move {
            let result = compute.list_server_migrations(&id).await;
            (id, result)
        });
    }
    let mut out = Vec::new();
    while let Some(joined) = looks.join_next().await {
        // A look that panicked is one row without progress this cycle, not the whole batch.
        let Ok((id, result)) = joined else { continue };
        match result {
            Ok(list) => {
                let progress = list.first().map(|m| {
                    let seen = backend.live_watch.observe(&id, m);
                    live_progress(m, &seen, &roles, abort_queued).task()
                });
                out.push((id, progress));
            }
            // The row keeps what it showed; the next cycle asks again.
            Err(e) => {
                tracing::warn!(instance = %id, error = %e, "could not read the live migration")
            }
        }
    }
    out
}

/// Puts the live-migration progress on `rows` that are live-migrating, and answers it for the
/// `watched` rows that are not among them (a row's migration moves on without the instance
/// changing, so `changes-since` does not bring it back).
pub async fn attach_progress(
    backend: &super::Backend,
    session: &super::session::Session,
    compute: &openstack_client::compute::Compute,
    rows: &mut [crate::model::InstanceRow],
    watched: &[String],
) -> Vec<(String, Option<crate::history::TaskProgress>)> {
    let mut ids: Vec<String> = rows
        .iter()
        .filter(|r| r.status == "MIGRATING")
        .map(|r| r.id.clone())
        .collect();
    for id in watched {
        if !rows.iter().any(|r| &r.id == id) && !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    if ids.is_empty() {
        return Vec::new();
    }
    let mut rest = Vec::new();
    for (id, progress) in task_progress(backend, session, compute, &ids).await {
        match rows.iter_mut().find(|r| r.id == id) {
            Some(row) => row.progress = progress,
            None => rest.push((id, progress)),
        }
    }
    rest
}

/// Live migrations watched per page and refresh cycle.
pub const MAX_WATCHED: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_abort_or_force_complete_sent_for_this_migration_is_not_offered_again() {
        use openstack_client::compute::{InstanceAction, ServerMigration};
        let at = |s: i64| chrono::DateTime::from_timestamp(1_800_000_000 + s, 0);
        let m = ServerMigration {
            id: 4,
            created_at: at(0),
            ..Default::default()
        };
        let action = |name: &str, s: i64| InstanceAction {
            action: name.into(),
            start_time: at(s),
            user_id: Some("admin".into()),
            ..Default::default()
        };
        // One sent for an earlier migration does not count.
        let before = [action("live_migration_cancel", -60)];
        assert_eq!(already_sent(&m, &before), (None, None));
        let forced = [
            action("live-migration", 0),
            action("live_migration_force_complete", 5),
        ];
        let (abort, force) = already_sent(&m, &forced);
        assert!(abort.is_none());
        assert!(force.unwrap().contains("by admin"));
        let aborted = [action("live_migration_cancel", 7)];
        assert!(already_sent(&m, &aborted)
            .0
            .unwrap()
            .starts_with("Abort was sent"));
    }

    #[test]
    fn the_page_size_is_a_number_from_1_to_200() {
        let with = |limit: &str| {
            query(&MigrationFilter {
                limit: limit.into(),
                ..Default::default()
            })
        };
        assert_eq!(with("").unwrap().limit, Some(HISTORY_PAGE_SIZE));
        assert_eq!(with("2").unwrap().limit, Some(2));
        for bad in ["0", "201", "abc", "-1"] {
            assert!(matches!(with(bad), Err(AppError::BadRequest(_))), "{bad}");
        }
    }

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
