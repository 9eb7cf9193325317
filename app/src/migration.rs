//! What the Live Migrate and Migrate dialogs show and send.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MigrationKind {
    Live,
    Cold,
}

/// One row of the destination-host table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HostChoice {
    /// The compute service host: what Nova wants as a destination.
    pub host: String,
    pub zone: String,
    pub up: bool,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub vcpus_used: Option<u64>,
    pub vcpus_total: Option<u64>,
    pub ram_used_mb: Option<u64>,
    pub ram_total_mb: Option<u64>,
    pub instances: Option<u64>,
    /// Why this host cannot be chosen (current host, disabled, down); `None` when it can.
    pub unavailable: Option<String>,
    /// A server-group policy this host would break; it can still be chosen by an admin.
    pub policy_conflict: Option<String>,
}

/// Everything a migration dialog needs about one instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MigrationTarget {
    pub instance_id: String,
    pub instance_name: String,
    pub current_host: Option<String>,
    pub status: String,
    /// Empty when the user's roles do not allow choosing a host.
    pub hosts: Vec<HostChoice>,
    pub can_choose_host: bool,
    /// Nova ≥ 2.25: block migration can be "auto" (no Disk Over Commit).
    pub block_migration_auto: bool,
    /// Nova ≥ 2.56: a cold migration may name a host.
    pub cold_host_supported: bool,
    /// e.g. "web (anti-affinity)".
    pub server_group: Option<String>,
}

/// What the operator asked for in a migration dialog.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MigrationRequest {
    pub instance_id: String,
    /// `None`: let the scheduler choose.
    pub host: Option<String>,
    /// Ticked "Block Migration": `true`; otherwise "auto" (≥ 2.25) or `false`.
    pub block_migration: bool,
    /// Only below 2.25.
    pub disk_over_commit: bool,
}

/// What an operator learns after sending an action: Nova accepted it, or its answer was lost
/// (it may have started). Either way the row is watched; neither is offered for resending.
#[derive(Clone, Debug, PartialEq)]
pub enum Sent {
    Accepted(Accepted),
    Unsure(crate::error::AppError),
}

impl Sent {
    /// An action's result: sent (accepted, or maybe started), or refused with the error to show.
    pub fn from_result(
        result: Result<Accepted, crate::error::AppError>,
    ) -> Result<Sent, crate::error::AppError> {
        match result {
            Ok(accepted) => Ok(Sent::Accepted(accepted)),
            Err(e) if e.maybe_started() => Ok(Sent::Unsure(e)),
            Err(e) => Err(e),
        }
    }
}

/// Nova accepted the request; the row will show how it goes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    pub message: String,
    pub request_id: Option<String>,
}
