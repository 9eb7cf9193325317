//! Nova response and request types. All response structs are tolerant:
//! unknown fields are ignored, missing fields and `null`s become defaults.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::de::{self, open_enum, Link};

/// `202 Accepted` (or `204`) answer of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    pub request_id: Option<String>,
    pub status: u16,
}

// ---------------------------------------------------------------- servers

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Server {
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    /// Missing for servers in a down cell (2.69+).
    #[serde(deserialize_with = "de::string")]
    pub name: String,
    /// `ACTIVE`, `MIGRATING`, `VERIFY_RESIZE`, … (see [`ServerStatus`]).
    #[serde(deserialize_with = "de::string")]
    pub status: String,
    #[serde(deserialize_with = "de::string")]
    pub tenant_id: String,
    #[serde(deserialize_with = "de::string")]
    pub user_id: String,
    #[serde(deserialize_with = "de::opt_time")]
    pub created: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_time")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "addresses")]
    pub addresses: BTreeMap<String, Vec<Address>>,
    #[serde(deserialize_with = "flavor_ref")]
    pub flavor: FlavorRef,
    #[serde(rename = "OS-EXT-STS:vm_state", deserialize_with = "de::opt_string")]
    pub vm_state: Option<String>,
    #[serde(rename = "OS-EXT-STS:task_state", deserialize_with = "de::opt_string")]
    pub task_state: Option<String>,
    /// 0 NOSTATE, 1 RUNNING, 3 PAUSED, 4 SHUTDOWN, 6 CRASHED, 7 SUSPENDED.
    #[serde(rename = "OS-EXT-STS:power_state", deserialize_with = "de::opt_u8")]
    pub power_state: Option<u8>,
    #[serde(rename = "OS-EXT-SRV-ATTR:host", deserialize_with = "de::opt_string")]
    pub host: Option<String>,
    #[serde(
        rename = "OS-EXT-SRV-ATTR:hypervisor_hostname",
        deserialize_with = "de::opt_string"
    )]
    pub hypervisor_hostname: Option<String>,
    #[serde(
        rename = "OS-EXT-SRV-ATTR:instance_name",
        deserialize_with = "de::opt_string"
    )]
    pub instance_name: Option<String>,
    /// The guest hostname (`OS-EXT-SRV-ATTR:hostname`, shown to all from 2.90).
    #[serde(
        rename = "OS-EXT-SRV-ATTR:hostname",
        deserialize_with = "de::opt_string"
    )]
    pub hostname: Option<String>,
    #[serde(
        rename = "OS-EXT-AZ:availability_zone",
        deserialize_with = "de::opt_string"
    )]
    pub availability_zone: Option<String>,
    /// 2.96+.
    #[serde(deserialize_with = "de::opt_string")]
    pub pinned_availability_zone: Option<String>,
    /// 2.9+.
    #[serde(deserialize_with = "de::opt_bool")]
    pub locked: Option<bool>,
    /// 2.73+.
    #[serde(deserialize_with = "de::opt_string")]
    pub locked_reason: Option<String>,
    pub fault: Option<Fault>,
    /// 2.71+.
    #[serde(deserialize_with = "de::opt_string_vec")]
    pub server_groups: Option<Vec<String>>,
    /// 2.16+ (`UP`, `DOWN`, `MAINTENANCE`, `UNKNOWN`, or empty).
    #[serde(deserialize_with = "de::opt_string")]
    pub host_status: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub key_name: Option<String>,
    /// `None` when booted from volume (Nova sends `""`).
    #[serde(deserialize_with = "image_ref")]
    pub image: Option<ImageRef>,
    #[serde(deserialize_with = "de::string_map")]
    pub metadata: BTreeMap<String, String>,
    #[serde(rename = "hostId", deserialize_with = "de::string")]
    pub host_id: String,
    #[serde(rename = "OS-SRV-USG:launched_at", deserialize_with = "de::opt_time")]
    pub launched_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_u32")]
    pub progress: Option<u32>,
    #[serde(deserialize_with = "de::opt_string")]
    pub description: Option<String>,
    #[serde(
        rename = "os-extended-volumes:volumes_attached",
        deserialize_with = "de::vec_or_empty"
    )]
    pub volumes_attached: Vec<VolumeRef>,
    #[serde(deserialize_with = "de::string_vec")]
    pub tags: Vec<String>,
}

impl Server {
    pub fn status_kind(&self) -> ServerStatus {
        ServerStatus::parse(&self.status)
    }

    pub fn power_state_kind(&self) -> Option<PowerState> {
        self.power_state.map(PowerState::from_code)
    }

    /// All IP addresses (any network), fixed first.
    pub fn ips(&self) -> Vec<&str> {
        let mut fixed = Vec::new();
        let mut other = Vec::new();
        for a in self.addresses.values().flatten() {
            if a.kind.as_deref() == Some("floating") {
                other.push(a.addr.as_str());
            } else {
                fixed.push(a.addr.as_str());
            }
        }
        fixed.extend(other);
        fixed
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Address {
    #[serde(deserialize_with = "de::string")]
    pub addr: String,
    #[serde(deserialize_with = "de::opt_u8")]
    pub version: Option<u8>,
    /// `fixed` or `floating` (`OS-EXT-IPS:type`).
    #[serde(rename = "OS-EXT-IPS:type", deserialize_with = "de::opt_string")]
    pub kind: Option<String>,
    #[serde(
        rename = "OS-EXT-IPS-MAC:mac_addr",
        deserialize_with = "de::opt_string"
    )]
    pub mac_addr: Option<String>,
}

fn addresses<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Vec<Address>>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    let Some(Value::Object(m)) = v else {
        return Ok(BTreeMap::new());
    };
    Ok(m.into_iter()
        .map(|(net, list)| {
            let addrs = match list {
                Value::Array(items) => items
                    .into_iter()
                    .filter_map(|a| serde_json::from_value::<Address>(a).ok())
                    .collect(),
                _ => Vec::new(),
            };
            (net, addrs)
        })
        .collect())
}

/// The server's flavor: embedded from 2.47 (`original_name`, sizes, extra
/// specs; no `id`), only `{"id": ..}` before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FlavorRef {
    #[serde(deserialize_with = "de::opt_string")]
    pub id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub original_name: Option<String>,
    #[serde(deserialize_with = "de::opt_u32")]
    pub vcpus: Option<u32>,
    /// MiB.
    #[serde(deserialize_with = "de::opt_u64")]
    pub ram: Option<u64>,
    /// GiB.
    #[serde(deserialize_with = "de::opt_u64")]
    pub disk: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub ephemeral: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub swap: Option<u64>,
    #[serde(deserialize_with = "de::string_map")]
    pub extra_specs: BTreeMap<String, String>,
}

fn flavor_ref<'de, D: Deserializer<'de>>(d: D) -> Result<FlavorRef, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(v @ Value::Object(_)) => serde_json::from_value(v).unwrap_or_default(),
        _ => FlavorRef::default(),
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageRef {
    #[serde(deserialize_with = "de::string")]
    pub id: String,
}

fn image_ref<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ImageRef>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Object(m)) => match m.get("id") {
            Some(Value::String(id)) if !id.is_empty() => Some(ImageRef { id: id.clone() }),
            _ => None,
        },
        _ => None,
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeRef {
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    #[serde(deserialize_with = "de::opt_bool")]
    pub delete_on_termination: Option<bool>,
}

/// A server's fault (shown for ERROR or DELETED servers).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Fault {
    #[serde(deserialize_with = "de::opt_u16")]
    pub code: Option<u16>,
    #[serde(deserialize_with = "de::string")]
    pub message: String,
    #[serde(deserialize_with = "de::opt_time")]
    pub created: Option<DateTime<Utc>>,
    /// Traceback; admins only.
    #[serde(deserialize_with = "de::opt_string")]
    pub details: Option<String>,
}

open_enum! {
    /// Nova's API-level server status.
    ServerStatus {
        Active => "ACTIVE",
        Build => "BUILD",
        Deleted => "DELETED",
        Error => "ERROR",
        HardReboot => "HARD_REBOOT",
        Migrating => "MIGRATING",
        Password => "PASSWORD",
        Paused => "PAUSED",
        Reboot => "REBOOT",
        Rebuild => "REBUILD",
        Rescue => "RESCUE",
        Resize => "RESIZE",
        RevertResize => "REVERT_RESIZE",
        Shelved => "SHELVED",
        ShelvedOffloaded => "SHELVED_OFFLOADED",
        Shutoff => "SHUTOFF",
        SoftDeleted => "SOFT_DELETED",
        Suspended => "SUSPENDED",
        Unknown => "UNKNOWN",
        VerifyResize => "VERIFY_RESIZE",
    }
}

/// `OS-EXT-STS:power_state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PowerState {
    NoState,
    Running,
    Paused,
    Shutdown,
    Crashed,
    Suspended,
    Other(u8),
}

impl PowerState {
    pub fn from_code(code: u8) -> Self {
        match code {
            0 => PowerState::NoState,
            1 => PowerState::Running,
            3 => PowerState::Paused,
            4 => PowerState::Shutdown,
            6 => PowerState::Crashed,
            7 => PowerState::Suspended,
            other => PowerState::Other(other),
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            PowerState::NoState => "NOSTATE",
            PowerState::Running => "RUNNING",
            PowerState::Paused => "PAUSED",
            PowerState::Shutdown => "SHUTDOWN",
            PowerState::Crashed => "CRASHED",
            PowerState::Suspended => "SUSPENDED",
            PowerState::Other(_) => "UNKNOWN",
        }
    }
}

/// Query of `GET /servers/detail`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerQuery {
    pub all_tenants: bool,
    /// Regular expression on the name (Nova semantics).
    pub name: Option<String>,
    /// Compute service host (admin).
    pub host: Option<String>,
    pub project_id: Option<String>,
    /// Repeated `status=` parameters.
    pub status: Vec<String>,
    pub limit: Option<u32>,
    pub marker: Option<String>,
    pub sort_key: Option<String>,
    /// `asc` or `desc`.
    pub sort_dir: Option<String>,
    pub changes_since: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerPage {
    pub servers: Vec<Server>,
    /// The `marker` of the `servers_links` `next` link.
    pub next_marker: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ServerList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub servers: Vec<Server>,
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub servers_links: Vec<Link>,
}

// ---------------------------------------------------------------- actions

/// How to treat block migration in a live migration.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockMigration {
    /// Let Nova decide (2.25+); sent as `false` to older clouds.
    #[default]
    Auto,
    Yes,
    No,
}

/// A live-migration request. `force` is never sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveMigration {
    /// Target compute host; `None` lets the scheduler choose.
    pub host: Option<String>,
    pub block_migration: BlockMigration,
    /// Only sent below 2.25 (removed there).
    pub disk_over_commit: bool,
}

/// Simple `{"<action>": null}` server actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimpleAction {
    Start,
    Stop,
    Pause,
    Unpause,
    Lock,
    Unlock,
}

impl SimpleAction {
    /// The action key in the request body.
    pub fn wire_name(&self) -> &'static str {
        match self {
            SimpleAction::Start => "os-start",
            SimpleAction::Stop => "os-stop",
            SimpleAction::Pause => "pause",
            SimpleAction::Unpause => "unpause",
            SimpleAction::Lock => "lock",
            SimpleAction::Unlock => "unlock",
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            SimpleAction::Start => "start",
            SimpleAction::Stop => "stop",
            SimpleAction::Pause => "pause",
            SimpleAction::Unpause => "unpause",
            SimpleAction::Lock => "lock",
            SimpleAction::Unlock => "unlock",
        }
    }
}

// ---------------------------------------------------------------- migrations

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

    /// Memory progress in percent (processed / total), if known.
    pub fn memory_progress_percent(&self) -> Option<f64> {
        percent(self.memory_processed_bytes, self.memory_total_bytes)
    }

    pub fn disk_progress_percent(&self) -> Option<f64> {
        percent(self.disk_processed_bytes, self.disk_total_bytes)
    }
}

fn percent(done: Option<u64>, total: Option<u64>) -> Option<f64> {
    match (done, total) {
        (Some(d), Some(t)) if t > 0 => Some((d as f64 / t as f64 * 100.0).min(100.0)),
        _ => None,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ServerMigrationList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub migrations: Vec<ServerMigration>,
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
pub(crate) struct MigrationList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub migrations: Vec<Migration>,
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub migrations_links: Vec<Link>,
}

// ---------------------------------------------------------------- hypervisors

/// `GET /os-hypervisors/detail`. Usage fields are `None` from 2.88 (use
/// Placement; `id` is then the resource-provider uuid).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Hypervisor {
    /// An integer (as text) before 2.53, the compute-node uuid from 2.53.
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    #[serde(deserialize_with = "de::string")]
    pub hypervisor_hostname: String,
    /// `up` or `down`.
    #[serde(deserialize_with = "de::opt_string")]
    pub state: Option<String>,
    /// `enabled` or `disabled`.
    #[serde(deserialize_with = "de::opt_string")]
    pub status: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub hypervisor_type: Option<String>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub hypervisor_version: Option<u64>,
    #[serde(deserialize_with = "de::opt_string")]
    pub host_ip: Option<String>,
    pub service: Option<HypervisorService>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub vcpus: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub vcpus_used: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub memory_mb: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub memory_mb_used: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub local_gb: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub local_gb_used: Option<u64>,
    /// May be negative (overcommit).
    #[serde(deserialize_with = "de::opt_i64")]
    pub free_ram_mb: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub free_disk_gb: Option<i64>,
    #[serde(deserialize_with = "de::opt_i64")]
    pub disk_available_least: Option<i64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub running_vms: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub current_workload: Option<u64>,
    /// A JSON string before 2.28, an object after; removed in 2.88.
    pub cpu_info: Option<Value>,
    /// 2.88+.
    #[serde(deserialize_with = "de::opt_string")]
    pub uptime: Option<String>,
    /// Only with `with_servers`.
    #[serde(deserialize_with = "opt_hv_servers")]
    pub servers: Option<Vec<HypervisorServer>>,
}

impl Hypervisor {
    pub fn is_up(&self) -> bool {
        self.state.as_deref() == Some("up")
    }

    pub fn is_enabled(&self) -> bool {
        self.status.as_deref() == Some("enabled")
    }

    /// The compute service host (what live-migrate's `host` wants).
    pub fn service_host(&self) -> Option<&str> {
        self.service.as_ref().map(|s| s.host.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HypervisorService {
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    #[serde(deserialize_with = "de::string")]
    pub host: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub disabled_reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HypervisorServer {
    #[serde(deserialize_with = "de::string")]
    pub name: String,
    #[serde(deserialize_with = "de::string")]
    pub uuid: String,
}

fn opt_hv_servers<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<HypervisorServer>>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(v @ Value::Array(_)) => serde_json::from_value(v).ok(),
        _ => None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct HypervisorList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub hypervisors: Vec<Hypervisor>,
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub hypervisors_links: Vec<Link>,
}

// ---------------------------------------------------------------- services

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Service {
    /// An integer (as text) before 2.53, a uuid from 2.53. Empty for a
    /// service in a down cell (2.69+).
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    #[serde(deserialize_with = "de::string")]
    pub binary: String,
    #[serde(deserialize_with = "de::string")]
    pub host: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub zone: Option<String>,
    /// `enabled`, `disabled` (or `UNKNOWN` in a down cell).
    #[serde(deserialize_with = "de::string")]
    pub status: String,
    /// `up` or `down`.
    #[serde(deserialize_with = "de::opt_string")]
    pub state: Option<String>,
    #[serde(deserialize_with = "de::opt_time")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_string")]
    pub disabled_reason: Option<String>,
    /// 2.11+.
    #[serde(deserialize_with = "de::opt_bool")]
    pub forced_down: Option<bool>,
}

impl Service {
    pub fn is_up(&self) -> bool {
        self.state.as_deref() == Some("up")
    }

    pub fn is_enabled(&self) -> bool {
        self.status == "enabled"
    }
}

/// `PUT /os-services/{id}` (2.53+). At least one field must be set; a
/// `disabled_reason` is only allowed with `enabled: Some(false)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceUpdate {
    /// `Some(true)` → `"status": "enabled"`, `Some(false)` → `"disabled"`.
    pub enabled: Option<bool>,
    pub disabled_reason: Option<String>,
    pub forced_down: Option<bool>,
}

impl ServiceUpdate {
    pub fn enable() -> Self {
        ServiceUpdate {
            enabled: Some(true),
            ..Default::default()
        }
    }

    pub fn disable(reason: Option<&str>) -> Self {
        ServiceUpdate {
            enabled: Some(false),
            disabled_reason: reason.map(str::to_string),
            ..Default::default()
        }
    }

    pub fn forced_down(down: bool) -> Self {
        ServiceUpdate {
            forced_down: Some(down),
            ..Default::default()
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ServiceList {
    #[serde(default, deserialize_with = "de::vec_or_empty")]
    pub services: Vec<Service>,
}

#[derive(Deserialize)]
pub(crate) struct ServiceOne {
    pub service: Service,
}

// ---------------------------------------------------------------- instance actions

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceAction {
    /// e.g. `live-migration`, `migrate`, `confirmResize`.
    #[serde(deserialize_with = "de::string")]
    pub action: String,
    #[serde(deserialize_with = "de::string")]
    pub instance_uuid: String,
    #[serde(deserialize_with = "de::opt_string")]
    pub message: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub project_id: Option<String>,
    #[serde(deserialize_with = "de::string")]
    pub request_id: String,
    #[serde(deserialize_with = "de::opt_time")]
    pub start_time: Option<DateTime<Utc>>,
    /// 2.58+.
    #[serde(deserialize_with = "de::opt_time")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_string")]
    pub user_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceActionDetail {
    #[serde(flatten)]
    pub action: InstanceAction,
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub events: Vec<InstanceActionEvent>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InstanceActionEvent {
    #[serde(deserialize_with = "de::string")]
    pub event: String,
    #[serde(deserialize_with = "de::opt_time")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_time")]
    pub finish_time: Option<DateTime<Utc>>,
    /// `Success`, `Error`, or `None` while running.
    #[serde(deserialize_with = "de::opt_string")]
    pub result: Option<String>,
    /// Admins only.
    #[serde(deserialize_with = "de::opt_string")]
    pub traceback: Option<String>,
    /// 2.62+.
    #[serde(deserialize_with = "de::opt_string")]
    pub host: Option<String>,
    /// 2.62+.
    #[serde(rename = "hostId", deserialize_with = "de::opt_string")]
    pub host_id: Option<String>,
    /// 2.84+.
    #[serde(deserialize_with = "de::opt_string")]
    pub details: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct InstanceActionList {
    #[serde(rename = "instanceActions", deserialize_with = "de::vec_or_empty")]
    pub instance_actions: Vec<InstanceAction>,
}

#[derive(Deserialize)]
pub(crate) struct InstanceActionOne {
    #[serde(rename = "instanceAction")]
    pub instance_action: InstanceActionDetail,
}

// ---------------------------------------------------------------- flavors

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Flavor {
    #[serde(deserialize_with = "de::string")]
    pub id: String,
    #[serde(deserialize_with = "de::string")]
    pub name: String,
    #[serde(deserialize_with = "de::u32_or_zero")]
    pub vcpus: u32,
    /// MiB.
    #[serde(deserialize_with = "de::u64_or_zero")]
    pub ram: u64,
    /// GiB.
    #[serde(deserialize_with = "de::u64_or_zero")]
    pub disk: u64,
    #[serde(
        rename = "OS-FLV-EXT-DATA:ephemeral",
        deserialize_with = "de::u64_or_zero"
    )]
    pub ephemeral: u64,
    /// MiB (`""` before 2.75 means 0).
    #[serde(deserialize_with = "de::u64_or_zero")]
    pub swap: u64,
    #[serde(
        rename = "os-flavor-access:is_public",
        deserialize_with = "de::bool_or_true"
    )]
    pub is_public: bool,
    #[serde(
        rename = "OS-FLV-DISABLED:disabled",
        deserialize_with = "de::bool_or_false"
    )]
    pub disabled: bool,
    /// 2.55+.
    #[serde(deserialize_with = "de::opt_string")]
    pub description: Option<String>,
    /// 2.61+.
    #[serde(deserialize_with = "de::string_map")]
    pub extra_specs: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct FlavorList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub flavors: Vec<Flavor>,
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub flavors_links: Vec<Link>,
}

// ---------------------------------------------------------------- server groups

/// A server group, normalised across microversions: before 2.64 Nova sends
/// `policies: ["x"]`, from 2.64 `policy: "x"` plus `rules`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "RawServerGroup")]
pub struct ServerGroup {
    pub id: String,
    pub name: String,
    /// `affinity`, `anti-affinity`, `soft-affinity`, `soft-anti-affinity`.
    pub policy: String,
    /// e.g. `{"max_server_per_host": 3}` (2.64+, anti-affinity only).
    pub rules: BTreeMap<String, Value>,
    pub members: Vec<String>,
    pub project_id: Option<String>,
    pub user_id: Option<String>,
}

impl ServerGroup {
    pub fn max_server_per_host(&self) -> Option<u64> {
        self.rules.get("max_server_per_host").and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        })
    }

    pub fn is_anti_affinity(&self) -> bool {
        self.policy.ends_with("anti-affinity")
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawServerGroup {
    #[serde(deserialize_with = "de::string")]
    id: String,
    #[serde(deserialize_with = "de::string")]
    name: String,
    #[serde(deserialize_with = "de::opt_string")]
    policy: Option<String>,
    #[serde(deserialize_with = "de::string_vec")]
    policies: Vec<String>,
    #[serde(deserialize_with = "de::value_map")]
    rules: BTreeMap<String, Value>,
    #[serde(deserialize_with = "de::string_vec")]
    members: Vec<String>,
    #[serde(deserialize_with = "de::opt_string")]
    project_id: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    user_id: Option<String>,
}

impl From<RawServerGroup> for ServerGroup {
    fn from(r: RawServerGroup) -> Self {
        ServerGroup {
            id: r.id,
            name: r.name,
            policy: r
                .policy
                .or_else(|| r.policies.into_iter().next())
                .unwrap_or_default(),
            rules: r.rules,
            members: r.members,
            project_id: r.project_id,
            user_id: r.user_id,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ServerGroupList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub server_groups: Vec<ServerGroup>,
}
