//! The records the cloud keeps. They mirror Nova's and Placement's database
//! rows closely enough that every API view can be derived from them.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

pub type Time = DateTime<Utc>;

/// One placement inventory line of a resource provider.
#[derive(Clone, Debug)]
pub struct Inventory {
    pub resource_class: &'static str,
    pub total: u64,
    pub reserved: u64,
    pub allocation_ratio: f64,
    pub min_unit: u64,
    pub max_unit: u64,
    pub step_size: u64,
}

impl Inventory {
    /// What the scheduler may hand out: (total - reserved) * ratio.
    pub fn capacity(&self) -> u64 {
        let usable = self.total.saturating_sub(self.reserved) as f64;
        (usable * self.allocation_ratio).floor() as u64
    }
}

/// A compute host: its nova-compute service, its single compute node and
/// the placement resource provider of that node, kept together because
/// Nova and Placement always move them together.
#[derive(Clone, Debug)]
pub struct Host {
    pub host: String,
    pub node: String,
    pub zone: String,
    pub node_uuid: String,
    pub service_uuid: String,
    pub service_id: u64,
    pub node_id: u64,
    pub hypervisor_type: &'static str,
    pub hypervisor_version: u64,
    pub host_ip: String,
    pub disabled: bool,
    pub disabled_reason: Option<String>,
    pub forced_down: bool,
    /// The service stopped reporting (heartbeat lost), as opposed to forced_down.
    pub heartbeat_lost: bool,
    pub service_updated_at: Time,
    pub inventories: Vec<Inventory>,
    pub generation: u64,
    /// nova-compute's `[DEFAULT] max_concurrent_live_migrations` on this host
    /// (Nova's default 1; 0 = unlimited): how many live migrations *from* it
    /// run at once. The rest wait in `queued`, first come first served.
    pub max_concurrent_live_migrations: u32,
}

impl Host {
    pub fn is_up(&self) -> bool {
        !self.forced_down && !self.heartbeat_lost
    }
}

/// A control-plane service that is not a compute host (scheduler, conductor).
#[derive(Clone, Debug)]
pub struct ControlService {
    pub id: u64,
    pub uuid: String,
    pub binary: &'static str,
    pub host: String,
    pub updated_at: Time,
}

#[derive(Clone, Debug)]
pub struct Flavor {
    pub id: String,
    /// Nova's integer primary key, shown as old/new_instance_type_id.
    pub internal_id: u64,
    pub name: String,
    pub vcpus: u64,
    pub ram: u64,
    pub disk: u64,
    pub ephemeral: u64,
    pub swap: u64,
    pub extra_specs: BTreeMap<String, String>,
    /// Ironic flavors ask placement for one custom resource instead of VCPU/RAM/disk.
    pub baremetal_class: Option<&'static str>,
}

impl Flavor {
    /// The placement resources one instance of this flavor consumes.
    pub fn resources(&self) -> Vec<(&'static str, u64)> {
        match self.baremetal_class {
            Some(rc) => vec![(rc, 1)],
            None => vec![
                ("VCPU", self.vcpus),
                ("MEMORY_MB", self.ram),
                ("DISK_GB", self.disk + self.ephemeral),
            ],
        }
    }
}

#[derive(Clone, Debug)]
pub struct Image {
    pub id: String,
    pub name: String,
    pub size: u64,
    pub created_at: Time,
}

#[derive(Clone, Debug)]
pub struct InstanceFault {
    pub code: u16,
    pub message: String,
    pub details: String,
    pub created: Time,
}

#[derive(Clone, Debug)]
pub struct Address {
    pub network: String,
    pub addr: String,
    pub mac: String,
}

#[derive(Clone, Debug)]
pub struct Instance {
    pub uuid: String,
    /// Nova's integer id, which names the libvirt domain (instance-0000000a).
    pub internal_id: u64,
    pub name: String,
    pub project_id: String,
    pub user_id: String,
    pub flavor: Flavor,
    pub image_id: String,
    pub host: String,
    pub node: String,
    pub zone: String,
    pub vm_state: &'static str,
    pub task_state: Option<&'static str>,
    pub power_state: u8,
    pub locked: bool,
    pub locked_reason: Option<String>,
    pub created: Time,
    pub updated: Time,
    pub launched_at: Time,
    pub fault: Option<InstanceFault>,
    pub addresses: Vec<Address>,
    pub metadata: BTreeMap<String, String>,
    pub key_name: Option<String>,
    pub description: Option<String>,
    /// vm_state to return to after confirm/revert of a cold migration (active or stopped).
    pub pre_resize_vm_state: Option<&'static str>,
    /// `instance.progress`: libvirt's monitor sets it to 100 - memory remaining %
    /// while a live migration runs; back to 0 when it ends.
    pub progress: u8,
}

pub const POWER_NOSTATE: u8 = 0;
pub const POWER_RUNNING: u8 = 1;
pub const POWER_PAUSED: u8 = 3;
pub const POWER_SHUTDOWN: u8 = 4;

pub const LIVE_MIGRATION: &str = "live-migration";
pub const COLD_MIGRATION: &str = "migration";

#[derive(Clone, Debug)]
pub struct Migration {
    pub id: u64,
    pub uuid: String,
    pub instance_uuid: String,
    pub migration_type: &'static str,
    pub status: &'static str,
    pub source_compute: String,
    pub source_node: String,
    pub dest_compute: Option<String>,
    pub dest_node: Option<String>,
    pub dest_host: Option<String>,
    pub old_instance_type_id: u64,
    pub new_instance_type_id: u64,
    pub created_at: Time,
    pub updated_at: Time,
    pub user_id: String,
    pub project_id: String,
    pub memory_total_bytes: u64,
    pub memory_processed_bytes: u64,
    pub memory_remaining_bytes: u64,
    pub disk_total_bytes: u64,
    pub disk_processed_bytes: u64,
    pub disk_remaining_bytes: u64,
    pub block_migration: bool,
    /// The API asked to abort (DELETE .../migrations/{id}); the driver acts on its next tick.
    pub abort_requested: bool,
    /// The API asked to force completion; the driver acts on its next tick.
    pub force_complete_requested: bool,
    /// The destination the caller named and whether the scheduler is bypassed.
    pub requested_host: Option<String>,
    pub forced: bool,
    /// The instance action this migration reports its events to.
    pub request_id: String,
}

impl Migration {
    /// Still holding resources on a second host.
    pub fn in_progress(&self) -> bool {
        !matches!(
            self.status,
            "completed" | "error" | "failed" | "cancelled" | "confirmed" | "reverted" | "done"
        )
    }
}

/// How a live migration of one instance behaves once running, set by the
/// `/_cloud/servers/{id}/migration-behaviour` test hook. Read on every
/// monitor tick, so it may change while a migration runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MigrationBehaviour {
    /// false: after the first pass the guest dirties memory at least as fast
    /// as it is copied, so memory_remaining_bytes never makes a new low until
    /// the migration is force-completed, aborted or hits Nova's completion timeout.
    pub converge: bool,
    /// true: the compute stops reporting: a preparing migration stays
    /// preparing, a running one stops copying and its record (counters and
    /// updated_at) is no longer written. Abort still takes effect.
    pub stall: bool,
}

impl Default for MigrationBehaviour {
    fn default() -> Self {
        MigrationBehaviour {
            converge: true,
            stall: false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ActionEvent {
    pub event: String,
    pub start_time: Time,
    pub finish_time: Option<Time>,
    pub result: Option<&'static str>,
    pub traceback: Option<String>,
    pub host: String,
    pub details: Option<String>,
}

#[derive(Clone, Debug)]
pub struct InstanceAction {
    pub id: u64,
    pub request_id: String,
    pub instance_uuid: String,
    pub action: &'static str,
    pub project_id: String,
    pub user_id: String,
    pub start_time: Time,
    pub updated_at: Time,
    pub message: Option<String>,
    pub events: Vec<ActionEvent>,
}

#[derive(Clone, Debug)]
pub struct ServerGroup {
    pub uuid: String,
    pub name: String,
    pub policy: &'static str,
    pub max_server_per_host: Option<u64>,
    pub members: Vec<String>,
    pub project_id: String,
    pub user_id: String,
}

#[derive(Clone, Debug)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub description: String,
}

#[derive(Clone, Debug)]
pub struct Role {
    pub id: String,
    pub name: &'static str,
}

#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub name: String,
    pub password: String,
    pub project_id: String,
    pub roles: Vec<&'static str>,
}

#[derive(Clone, Debug)]
pub struct Token {
    pub user_id: String,
    pub project_id: String,
    pub methods: Vec<String>,
    pub issued_at: Time,
    pub expires_at: Time,
    pub audit_id: String,
    /// Set when the token came from an application credential (directly or
    /// by the token method from such a token): scope and roles come from it.
    pub application_credential_id: Option<String>,
}

/// A Keystone application credential. The secret itself is never kept.
#[derive(Clone, Debug)]
pub struct ApplicationCredential {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub user_id: String,
    pub project_id: String,
    /// Keystone stores whatever the request said and never uses it.
    pub system: Option<String>,
    pub expires_at: Option<Time>,
    /// Null when the request left it out: Keystone stores it so (and a
    /// null one is restricted).
    pub unrestricted: Option<bool>,
    /// In the order granted: the create answer lists them so, later reads
    /// by role id (the order of Keystone's table key).
    pub role_ids: Vec<String>,
    pub access_rules: Vec<AccessRule>,
    pub secret_hash: crate::secrets::SecretHash,
}

impl ApplicationCredential {
    pub fn expired(&self, now: Time) -> bool {
        self.expires_at.is_some_and(|e| now >= e)
    }
}

/// What a token from an application credential may call. Keystone keeps
/// these per user, shared by every credential that names the same rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRule {
    pub id: String,
    pub service: Option<String>,
    pub path: Option<String>,
    pub method: Option<String>,
}

/// One `POST /servers/{id}/action` or `PUT /os-services/{id}` as received, for Ferry's tests.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub microversion: Option<String>,
    pub body: serde_json::Value,
    pub status: u16,
    pub at: String,
}
