//! Migration history (`GET /os-migrations`) and the migration status
//! vocabulary shared with in-progress server migrations.
//! Nova: `migrations.py`.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{ts, versions, Compute, Microversion, SERVICE};
use crate::de::{self, next_marker, open_enum, Link};
use crate::error::{Error, ErrorKind};

open_enum! {
    /// Migration status vocabulary (live, cold/resize and evacuate).
    MigrationStatus {
        Accepted => "accepted",
        Queued => "queued",
        Preparing => "preparing",
        Running => "running",
        PostMigrating => "post-migrating",
        Completed => "completed",
        Error => "error",
        Failed => "failed",
        Cancelled => "cancelled",
        PreMigrating => "pre-migrating",
        Migrating => "migrating",
        Finished => "finished",
        Confirming => "confirming",
        Confirmed => "confirmed",
        Reverting => "reverting",
        Reverted => "reverted",
        Done => "done",
    }
}

impl MigrationStatus {
    /// A final state: nothing more will happen to this migration.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            MigrationStatus::Completed
                | MigrationStatus::Error
                | MigrationStatus::Failed
                | MigrationStatus::Cancelled
                | MigrationStatus::Confirmed
                | MigrationStatus::Reverted
                | MigrationStatus::Done
        )
    }

    pub fn is_failure(&self) -> bool {
        matches!(self, MigrationStatus::Error | MigrationStatus::Failed)
    }
}

open_enum! {
    MigrationType {
        LiveMigration => "live-migration",
        Migration => "migration",
        Resize => "resize",
        Evacuation => "evacuation",
    }
}

/// A migration record of `GET /os-migrations`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Migration {
    #[serde(deserialize_with = "de::u64_or_zero")]
    pub id: u64,
    /// 2.59+.
    #[serde(deserialize_with = "de::opt_string")]
    pub uuid: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub instance_uuid: String,
    #[serde(deserialize_with = "de::string")]
    pub status: String,
    /// 2.23+: `live-migration`, `migration`, `resize`, `evacuation`.
    #[serde(deserialize_with = "de::opt_string")]
    pub migration_type: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub source_compute: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub source_node: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub source_region: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub dest_compute: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub dest_node: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub dest_host: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub dest_region: Option<String>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub old_instance_type_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub new_instance_type_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_time")]
    pub updated_at: Option<DateTime<Utc>>,
    /// 2.80+.
    #[serde(deserialize_with = "de::opt_string")]
    pub user_id: Option<String>,
    /// 2.80+.
    #[serde(deserialize_with = "de::opt_string")]
    pub project_id: Option<String>,
}

impl Migration {
    pub fn status_kind(&self) -> MigrationStatus {
        MigrationStatus::parse(&self.status)
    }

    pub fn type_kind(&self) -> Option<MigrationType> {
        self.migration_type.as_deref().map(MigrationType::parse)
    }
}

/// Query of `GET /os-migrations`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationQuery {
    pub instance_uuid: Option<String>,
    pub host: Option<String>,
    pub source_compute: Option<String>,
    pub status: Option<String>,
    /// `live-migration`, `migration`, `resize`, `evacuation`.
    pub migration_type: Option<String>,
    /// 2.59+.
    pub limit: Option<u32>,
    /// 2.59+: a migration uuid.
    pub marker: Option<String>,
    /// 2.59+.
    pub changes_since: Option<DateTime<Utc>>,
    /// 2.66+.
    pub changes_before: Option<DateTime<Utc>>,
    /// 2.80+.
    pub user_id: Option<String>,
    /// 2.80+.
    pub project_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationPage {
    pub migrations: Vec<Migration>,
    /// The `marker` of the `migrations_links` `next` link (2.59+).
    pub next_marker: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MigrationList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub migrations: Vec<Migration>,
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub migrations_links: Vec<Link>,
}

/// The `GET /os-migrations` query string for microversion `mv`; errors if a
/// filter needs a newer microversion than `mv`.
pub fn migration_query_string(mv: Microversion, q: &MigrationQuery) -> Result<String, String> {
    let need = |min: Microversion, what: &str| -> Result<(), String> {
        if mv < min {
            Err(format!(
                "filtering migrations by {what} needs compute API microversion {min} but this cloud supports at most {mv}"
            ))
        } else {
            Ok(())
        }
    };
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("instance_uuid", &q.instance_uuid),
        ("host", &q.host),
        ("source_compute", &q.source_compute),
        ("status", &q.status),
        ("migration_type", &q.migration_type),
    ] {
        if let Some(v) = v {
            s.append_pair(k, v);
        }
    }
    if let Some(v) = q.limit {
        need(versions::MIGRATIONS_PAGING, "limit")?;
        s.append_pair("limit", &v.to_string());
    }
    if let Some(v) = &q.marker {
        need(versions::MIGRATIONS_PAGING, "marker")?;
        s.append_pair("marker", v);
    }
    if let Some(v) = &q.changes_since {
        need(versions::MIGRATIONS_PAGING, "changes-since")?;
        s.append_pair("changes-since", &ts(v));
    }
    if let Some(v) = &q.changes_before {
        need(versions::MIGRATIONS_CHANGES_BEFORE, "changes-before")?;
        s.append_pair("changes-before", &ts(v));
    }
    if let Some(v) = &q.user_id {
        need(versions::MIGRATIONS_USER_PROJECT, "user_id")?;
        s.append_pair("user_id", v);
    }
    if let Some(v) = &q.project_id {
        need(versions::MIGRATIONS_USER_PROJECT, "project_id")?;
        s.append_pair("project_id", v);
    }
    Ok(s.finish())
}

impl Compute {
    /// `GET /os-migrations` (one page; paging needs 2.59).
    pub async fn list_migrations(&self, q: &MigrationQuery) -> Result<MigrationPage, Error> {
        let op = "list migrations".to_string();
        let mv = self.version_for(versions::MIGRATIONS);
        let qs = migration_query_string(mv, q)
            .map_err(|m| Error::new(ErrorKind::Unsupported, SERVICE, op.clone(), m))?;
        let path = if qs.is_empty() {
            "/os-migrations".to_string()
        } else {
            format!("/os-migrations?{qs}")
        };
        let reply = self.call(Method::GET, &path, mv, None, op).await?;
        let list: MigrationList = reply.json()?;
        Ok(MigrationPage {
            next_marker: next_marker(&list.migrations_links),
            migrations: list.migrations,
        })
    }
}
