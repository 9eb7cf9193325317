//! In-progress migrations of one server (`/servers/{id}/migrations`):
//! progress, abort and force-complete. Nova: `server_migrations.py`.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{enc, versions, Accepted, Compute, MigrationStatus};
use crate::de;
use crate::error::Error;

/// An in-progress live migration (`GET /servers/{id}/migrations`, 2.23+).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServerMigration {
    #[serde(deserialize_with = "de::u64_or_zero")]
    pub id: u64,
    /// 2.59+.
    #[serde(deserialize_with = "de::opt_string")]
    pub uuid: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub server_uuid: String,
    #[serde(deserialize_with = "de::string")]
    pub status: String,
    #[serde(deserialize_with = "de::opt_time")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_time")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_string")]
    pub source_compute: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub source_node: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub dest_compute: Option<String>,
    /// Destination IP.
    #[serde(deserialize_with = "de::opt_string")]
    pub dest_host: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub dest_node: Option<String>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub memory_total_bytes: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub memory_processed_bytes: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub memory_remaining_bytes: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub disk_total_bytes: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub disk_processed_bytes: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub disk_remaining_bytes: Option<u64>,
    /// 2.80+.
    #[serde(deserialize_with = "de::opt_string")]
    pub user_id: Option<String>,
    /// 2.80+.
    #[serde(deserialize_with = "de::opt_string")]
    pub project_id: Option<String>,
}

impl ServerMigration {
    pub fn status_kind(&self) -> MigrationStatus {
        MigrationStatus::parse(&self.status)
    }

    /// Memory progress in percent as Nova counts it (`100 − remaining ÷ total`), if known.
    /// Not processed ÷ total: processed passes total while dirty pages are copied again.
    pub fn memory_progress_percent(&self) -> Option<f64> {
        remaining_percent(self.memory_remaining_bytes, self.memory_total_bytes)
    }

    pub fn disk_progress_percent(&self) -> Option<f64> {
        remaining_percent(self.disk_remaining_bytes, self.disk_total_bytes)
    }
}

fn remaining_percent(remaining: Option<u64>, total: Option<u64>) -> Option<f64> {
    match (remaining, total) {
        (Some(r), Some(t)) if t > 0 => {
            Some((100.0 - r as f64 / t as f64 * 100.0).clamp(0.0, 100.0))
        }
        _ => None,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ServerMigrationList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub migrations: Vec<ServerMigration>,
}

impl Compute {
    /// In-progress live migrations of a server (2.23+).
    pub async fn list_server_migrations(&self, id: &str) -> Result<Vec<ServerMigration>, Error> {
        let op = format!("list migrations of server {id}");
        self.require(
            versions::SERVER_MIGRATIONS_MIN,
            &op,
            "listing a server's migrations",
        )?;
        let reply = self
            .call(
                Method::GET,
                &format!("/servers/{}/migrations", enc(id)),
                self.version_for(versions::SERVER_MIGRATIONS),
                None,
                op,
            )
            .await?;
        Ok(reply.json::<ServerMigrationList>()?.migrations)
    }

    /// `GET /servers/{id}/migrations/{mid}` (2.23+, admin).
    pub async fn get_server_migration(
        &self,
        id: &str,
        migration_id: u64,
    ) -> Result<ServerMigration, Error> {
        #[derive(serde::Deserialize)]
        struct One {
            migration: ServerMigration,
        }
        let op = format!("show migration {migration_id} of server {id}");
        self.require(
            versions::SERVER_MIGRATIONS_MIN,
            &op,
            "showing a server migration",
        )?;
        let reply = self
            .call(
                Method::GET,
                &format!("/servers/{}/migrations/{migration_id}", enc(id)),
                self.version_for(versions::SERVER_MIGRATIONS),
                None,
                op,
            )
            .await?;
        Ok(reply.json::<One>()?.migration)
    }

    /// `DELETE /servers/{id}/migrations/{mid}` (2.24+; queued/preparing
    /// also abortable from 2.65).
    pub async fn abort_migration(&self, id: &str, migration_id: u64) -> Result<Accepted, Error> {
        let op = format!("abort migration {migration_id} of server {id}");
        self.require(versions::ABORT_MIN, &op, "aborting a live migration")?;
        let reply = self
            .call(
                Method::DELETE,
                &format!("/servers/{}/migrations/{migration_id}", enc(id)),
                self.version_for(versions::ABORT),
                None,
                op,
            )
            .await?;
        Ok(Accepted {
            request_id: reply.request_id,
            status: reply.status,
        })
    }

    /// `POST /servers/{id}/migrations/{mid}/action {"force_complete": null}` (2.22+).
    pub async fn force_complete_migration(
        &self,
        id: &str,
        migration_id: u64,
    ) -> Result<Accepted, Error> {
        let op = format!("force-complete migration {migration_id} of server {id}");
        self.require(
            versions::FORCE_COMPLETE,
            &op,
            "force-completing a live migration",
        )?;
        let reply = self
            .call(
                Method::POST,
                &format!("/servers/{}/migrations/{migration_id}/action", enc(id)),
                versions::FORCE_COMPLETE,
                Some(json!({ "force_complete": null })),
                op,
            )
            .await?;
        Ok(Accepted {
            request_id: reply.request_id,
            status: reply.status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_follows_what_remains_not_what_was_sent() {
        // Pages dirtied again: more sent than the guest has, and a quarter still to go.
        let m = ServerMigration {
            memory_total_bytes: Some(1000),
            memory_processed_bytes: Some(1400),
            memory_remaining_bytes: Some(250),
            ..ServerMigration::default()
        };
        assert_eq!(m.memory_progress_percent(), Some(75.0));
        assert_eq!(ServerMigration::default().memory_progress_percent(), None);
    }
}
