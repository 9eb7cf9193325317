//! What the store reads and writes. The plan and the options are opaque JSON here: their shape
//! belongs to the `plan` module. Item states are plain strings for the same reason.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DrainState {
    /// Made, shown, not started.
    Planned,
    Running,
    /// No new moves start; moves under way are still watched to their end.
    Paused,
    /// No new moves start; the driver stops what it can and then marks the drain cancelled.
    Cancelling,
    /// Instances go back to the host they came from.
    MovingBack,
    Done,
    Failed,
    Cancelled,
}

impl DrainState {
    pub const ALL: [DrainState; 8] = [
        DrainState::Planned,
        DrainState::Running,
        DrainState::Paused,
        DrainState::Cancelling,
        DrainState::MovingBack,
        DrainState::Done,
        DrainState::Failed,
        DrainState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DrainState::Planned => "planned",
            DrainState::Running => "running",
            DrainState::Paused => "paused",
            DrainState::Cancelling => "cancelling",
            DrainState::MovingBack => "moving_back",
            DrainState::Done => "done",
            DrainState::Failed => "failed",
            DrainState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<DrainState> {
        DrainState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Holds the host: a second drain of it is refused while one is in such a state. The
    /// migration's partial unique index lists the same states.
    pub fn is_active(self) -> bool {
        !matches!(
            self,
            DrainState::Done | DrainState::Failed | DrainState::Cancelled
        )
    }

    /// Needs a driver. A planned drain waits for its starter, so no server claims it; a paused
    /// one is claimed because its moves under way still need watching.
    pub fn is_claimable(self) -> bool {
        self.is_active() && self != DrainState::Planned
    }
}

impl std::fmt::Display for DrainState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whose drain it is: the Keystone user who started it, in the project they were scoped to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartedBy {
    pub user_name: String,
    pub user_id: String,
    pub project_id: String,
    pub project_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewDrain {
    pub host: String,
    pub state: DrainState,
    /// The operator's words, shown on the drain and in the timeline.
    pub reason: String,
    pub started_by: StartedBy,
    pub options: serde_json::Value,
    pub plan: serde_json::Value,
    /// In the plan's order.
    pub items: Vec<NewItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewItem {
    pub instance_id: String,
    pub name: String,
    pub origin_host: String,
    pub planned_move: String,
    pub state: String,
    /// Why it is skipped, from the plan.
    pub detail: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Drain {
    pub id: Uuid,
    pub host: String,
    pub state: DrainState,
    pub reason: String,
    pub started_by: StartedBy,
    pub options: serde_json::Value,
    pub plan: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The server driving it, while its lease lasts.
    pub owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    /// The application credential's id and expiry; its secret only through `Store::credential`.
    pub credential_id: Option<String>,
    pub credential_expires_at: Option<DateTime<Utc>>,
    pub needs_login: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub drain_id: Uuid,
    pub instance_id: String,
    /// Place in the plan's order, from 0.
    pub position: i64,
    pub name: String,
    pub origin_host: String,
    pub planned_move: String,
    pub state: String,
    pub destination: Option<String>,
    pub migration_id: Option<i64>,
    pub migration_uuid: Option<String>,
    pub request_id: Option<String>,
    pub attempts: i64,
    pub detail: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// The fields of an item to change; the others keep their values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemUpdate {
    pub state: Option<String>,
    /// The kind of move, when it changes (a live move falling back to cold, or moving back).
    pub planned_move: Option<String>,
    pub destination: Option<String>,
    pub migration_id: Option<i64>,
    pub migration_uuid: Option<String>,
    pub request_id: Option<String>,
    pub attempts: Option<i64>,
    pub detail: Option<String>,
    /// Stamp `started_at` with the database's now.
    pub started: bool,
    /// Stamp `finished_at` with the database's now.
    pub finished: bool,
}

/// One line of a drain's timeline. `seq` counts from 1 within the drain and is the order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub message: String,
}

/// The application credential a drain acts with; the secret as the caller encrypted it.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub id: String,
    pub secret_ciphertext: Vec<u8>,
    pub expires_at: DateTime<Utc>,
}

// Not derived, so a log line of a credential never carries even the ciphertext.
impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("id", &self.id)
            .field(
                "secret_ciphertext",
                &format_args!("<{} bytes>", self.secret_ciphertext.len()),
            )
            .field("expires_at", &self.expires_at)
            .finish()
    }
}
