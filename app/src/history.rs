//! Migration history: what the Migrations page and the instance page show of Nova's
//! `os-migrations` records, and the filters of the Migrations page as they appear in its URL.

use serde::{Deserialize, Serialize};

use crate::model::encode_component;

/// Nova's migration types, as the filter offers them: (value, label).
pub const MIGRATION_TYPES: [(&str, &str); 4] = [
    ("live-migration", "Live migration"),
    ("migration", "Cold migration"),
    ("resize", "Resize"),
    ("evacuation", "Evacuation"),
];

/// Nova's migration statuses across live, cold and evacuate flows.
pub const MIGRATION_STATUSES: [&str; 17] = [
    "accepted",
    "queued",
    "preparing",
    "running",
    "post-migrating",
    "completed",
    "pre-migrating",
    "migrating",
    "finished",
    "confirming",
    "confirmed",
    "reverting",
    "reverted",
    "done",
    "error",
    "failed",
    "cancelled",
];

pub const HISTORY_PAGE_SIZE: u32 = 50;

/// The Migrations page's filters and paging, as in its URL.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MigrationFilter {
    /// Exact compute host, as source *or* destination.
    pub host: String,
    pub status: String,
    /// One of `MIGRATION_TYPES`' values.
    pub kind: String,
    pub project: String,
    /// Changed at or after / before these times (`YYYY-MM-DDTHH:MM`, UTC, as a date-time input
    /// sends them, or RFC 3339).
    pub since: String,
    pub before: String,
    /// The last migration (uuid) of the previous page.
    pub marker: String,
    /// Rows per page, 1–200 (`HISTORY_PAGE_SIZE` when empty).
    pub limit: String,
}

impl MigrationFilter {
    pub fn to_query_string(&self) -> String {
        [
            ("host", &self.host),
            ("status", &self.status),
            ("type", &self.kind),
            ("project", &self.project),
            ("since", &self.since),
            ("before", &self.before),
            ("marker", &self.marker),
            ("limit", &self.limit),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
    }

    pub fn first_page(&self) -> Self {
        MigrationFilter {
            marker: String::new(),
            ..self.clone()
        }
    }
}

/// One migration record, in the page's words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MigrationRow {
    pub uuid: String,
    pub instance_id: String,
    /// The instance's name, when Nova still shows the instance.
    pub instance_name: Option<String>,
    pub kind: String,
    pub source: Option<String>,
    pub destination: Option<String>,
    pub status: String,
    /// RFC 3339.
    pub created: String,
    /// "2 min 5 s" from creation to the last update, once the migration has ended.
    pub duration: Option<String>,
    pub user_id: Option<String>,
    /// The user's name, where Ferry knows it.
    #[serde(default)]
    pub user_name: Option<String>,
    pub project_id: Option<String>,
    /// The project's name, where Ferry knows it.
    #[serde(default)]
    pub project_name: Option<String>,
    /// The instance action's events for this migration (instance page only).
    pub events: Vec<MigrationEvent>,
    /// Why it failed, from the failed event's details.
    pub failure: Option<String>,
    /// A live migration under way: its progress (Migrations page only).
    #[serde(default)]
    pub live: Option<TaskProgress>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MigrationEvent {
    /// In words ("Checks on the destination host").
    pub label: String,
    pub result: Option<String>,
    pub host: Option<String>,
    pub details: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MigrationHistoryPage {
    pub rows: Vec<MigrationRow>,
    pub next_marker: Option<String>,
    /// Hosts and projects for the filters.
    pub hosts: Vec<String>,
    pub projects: Vec<crate::model::ProjectChoice>,
}

/// A live migration under way, as the instance page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveProgress {
    pub migration_id: u64,
    /// Nova's status: queued, preparing, running, post-migrating.
    pub status: String,
    /// The status in words, with what it means for the operator.
    pub phase: String,
    pub source: Option<String>,
    pub destination: Option<String>,
    /// 0–100 against the lowest remaining seen (never backwards); `None` until the copy starts.
    pub memory_percent: Option<u8>,
    pub disk_percent: Option<u8>,
    /// "1.5 of 8.0 GiB left".
    pub memory_left: Option<String>,
    /// Throughput and time left, or that it is re-copying ("1.2 GiB/s · about 40 s left").
    #[serde(default)]
    pub note: Option<String>,
    /// Not converging, or Nova stopped updating it, with what the operator can do.
    #[serde(default)]
    pub warning: Option<String>,
    /// An Abort or Force complete already sent for it, in words.
    #[serde(default)]
    pub sent: Option<String>,
    /// When Nova last wrote the record (RFC 3339).
    pub updated: String,
    /// Offered: the policy allows it and Nova would accept it in this status.
    pub can_abort: bool,
    pub can_force_complete: bool,
}

impl LiveProgress {
    /// What the row's Task cell shows of it.
    pub fn task(&self) -> TaskProgress {
        TaskProgress {
            migration: self.migration_id,
            phase: short_phase(&self.status).to_string(),
            percent: self.memory_percent,
            note: self.note.clone(),
            warning: self.warning.clone(),
            can_abort: self.can_abort,
            can_force_complete: self.can_force_complete,
        }
    }
}

/// A live migration as its row's Task cell shows it. Part of the instance table's WASM: every
/// word is worked out on the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskProgress {
    pub migration: u64,
    /// "Queued", "Preparing", "Copying", "Switching over".
    pub phase: String,
    pub percent: Option<u8>,
    pub note: Option<String>,
    pub warning: Option<String>,
    pub can_abort: bool,
    pub can_force_complete: bool,
}

/// The phase in a word or two, for the Task cell.
pub fn short_phase(status: &str) -> &str {
    match status {
        "queued" => "Queued at the source",
        "preparing" => "Preparing",
        "running" => "Copying",
        "post-migrating" => "Switching over",
        other => other,
    }
}

/// "850 MiB/s", "1.2 GiB/s".
pub fn rate_words(bytes_per_second: f64) -> String {
    let mib = bytes_per_second / (1u64 << 20) as f64;
    if mib >= 1024.0 {
        format!("{:.1} GiB/s", mib / 1024.0)
    } else {
        format!("{} MiB/s", mib.round() as u64)
    }
}

/// Nova's live-migration status in words.
pub fn phase_words(status: &str) -> String {
    match status {
        "queued" => "Queued: the source compute is busy with other live migrations (Nova runs one at a time per host by default).".into(),
        "preparing" => "Preparing the destination.".into(),
        "running" => "Copying memory and disk.".into(),
        "post-migrating" => "Switching over to the destination.".into(),
        other => other.to_string(),
    }
}

/// MiB-free GiB text of a byte count: "8.0".
pub fn gib_of_bytes(bytes: u64) -> String {
    let tenths = (u128::from(bytes) * 10 + (1 << 29)) >> 30;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The label of a migration type.
pub fn kind_label(kind: &str) -> String {
    MIGRATION_TYPES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| kind.to_string())
}

/// Nova's instance-action event names in words an operator reads.
pub fn event_label(event: &str) -> String {
    let known = match event {
        "conductor_live_migrate_instance" => "Scheduling and pre-checks (conductor)",
        "compute_check_can_live_migrate_destination" => "Checks on the destination host",
        "compute_check_can_live_migrate_source" => "Checks on the source host",
        "compute_pre_live_migration" => "Preparing the destination",
        "compute_live_migration" => "Copying memory and disk",
        "compute_post_live_migration_at_destination" => "Finishing on the destination",
        "compute_rollback_live_migration_at_destination" => "Rolling back on the destination",
        "compute_live_migration_abort" => "Abort",
        "compute_live_migration_force_complete" => "Force complete",
        "conductor_migrate_server" => "Scheduling (conductor)",
        "cold_migrate" => "Cold migration",
        "compute_prep_resize" => "Preparing the destination",
        "compute_resize_instance" => "Moving the disks from the source",
        "compute_finish_resize" => "Starting on the destination",
        "compute_confirm_resize" => "Confirming",
        "compute_revert_resize" => "Reverting on the destination",
        "compute_finish_revert_resize" => "Back on the source",
        _ => "",
    };
    if known.is_empty() {
        event.replace('_', " ")
    } else {
        known.to_string()
    }
}

/// "45 s", "3 min 20 s", "1 h 4 min".
pub fn duration_words(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_the_url_without_the_empty_ones() {
        let f = MigrationFilter {
            host: "compute1".into(),
            kind: "live-migration".into(),
            since: "2026-12-01T10:00".into(),
            ..Default::default()
        };
        assert_eq!(
            f.to_query_string(),
            "host=compute1&type=live-migration&since=2026-12-01T10%3A00"
        );
        assert_eq!(MigrationFilter::default().to_query_string(), "");
    }

    #[test]
    fn words_for_events_kinds_and_durations() {
        assert_eq!(
            event_label("compute_live_migration"),
            "Copying memory and disk"
        );
        assert_eq!(event_label("some_new_event"), "some new event");
        assert_eq!(kind_label("migration"), "Cold migration");
        assert_eq!(duration_words(45), "45 s");
        assert_eq!(duration_words(200), "3 min 20 s");
        assert_eq!(duration_words(3840), "1 h 4 min");
        assert_eq!(rate_words(850.0 * 1048576.0), "850 MiB/s");
        assert_eq!(rate_words(1.25 * 1073741824.0), "1.2 GiB/s");
        assert_eq!(short_phase("running"), "Copying");
    }
}
