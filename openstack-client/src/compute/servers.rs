//! Servers (`/servers`): the server record and its listing and show calls.
//! Nova: `nova/api/openstack/compute/servers.py`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{enc, ts, versions, Compute};
use crate::de::{self, next_marker, open_enum, Link};
use crate::error::Error;

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
    /// Availability zone. Admin-only at [`versions::SERVERS_LIST`]: Nova opens
    /// it to everyone only from 2.83 and silently drops it for others before.
    pub availability_zone: Option<String>,
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
struct ServerList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub servers: Vec<Server>,
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub servers_links: Vec<Link>,
}

/// The `GET /servers/detail` query string (without `?`).
pub fn server_query_string(q: &ServerQuery) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    if q.all_tenants {
        s.append_pair("all_tenants", "True");
    }
    if let Some(v) = &q.name {
        s.append_pair("name", v);
    }
    if let Some(v) = &q.host {
        s.append_pair("host", v);
    }
    if let Some(v) = &q.availability_zone {
        s.append_pair("availability_zone", v);
    }
    if let Some(v) = &q.project_id {
        s.append_pair("project_id", v);
    }
    for st in &q.status {
        s.append_pair("status", st);
    }
    if let Some(v) = q.limit {
        s.append_pair("limit", &v.to_string());
    }
    if let Some(v) = &q.marker {
        s.append_pair("marker", v);
    }
    if let Some(v) = &q.sort_key {
        s.append_pair("sort_key", v);
    }
    if let Some(v) = &q.sort_dir {
        s.append_pair("sort_dir", v);
    }
    if let Some(v) = &q.changes_since {
        s.append_pair("changes-since", &ts(v));
    }
    s.finish()
}

impl Compute {
    /// `GET /servers/detail` (one page).
    pub async fn list_servers(&self, q: &ServerQuery) -> Result<ServerPage, Error> {
        let qs = server_query_string(q);
        let path = if qs.is_empty() {
            "/servers/detail".to_string()
        } else {
            format!("/servers/detail?{qs}")
        };
        let reply = self
            .call(
                Method::GET,
                &path,
                self.version_for(versions::SERVERS_LIST),
                None,
                "list servers".into(),
            )
            .await?;
        let list: ServerList = reply.json()?;
        Ok(ServerPage {
            next_marker: next_marker(&list.servers_links),
            servers: list.servers,
        })
    }

    /// `GET /servers/detail`, following `next` links (at most `max_pages`).
    pub async fn list_all_servers(
        &self,
        q: &ServerQuery,
        max_pages: usize,
    ) -> Result<Vec<Server>, Error> {
        let mut q = q.clone();
        let mut out = Vec::new();
        for _ in 0..max_pages.max(1) {
            let page = self.list_servers(&q).await?;
            out.extend(page.servers);
            match page.next_marker {
                Some(m) if Some(&m) != q.marker.as_ref() => q.marker = Some(m),
                _ => break,
            }
        }
        Ok(out)
    }

    pub async fn get_server(&self, id: &str) -> Result<Server, Error> {
        #[derive(serde::Deserialize)]
        struct One {
            server: Server,
        }
        let reply = self
            .call(
                Method::GET,
                &format!("/servers/{}", enc(id)),
                self.version_for(versions::SERVER_SHOW),
                None,
                format!("show server {id}"),
            )
            .await?;
        Ok(reply.json::<One>()?.server)
    }

    /// `DELETE /servers/{id}` (204; Nova deletes it asynchronously).
    pub async fn delete_server(&self, id: &str) -> Result<(), Error> {
        self.call(
            Method::DELETE,
            &format!("/servers/{}", enc(id)),
            self.version_for(versions::SERVER_SHOW),
            None,
            format!("delete server {id}"),
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_zone_filter() {
        let q = ServerQuery {
            all_tenants: true,
            host: Some("compute-1".into()),
            availability_zone: Some("zone a".into()),
            limit: Some(10),
            ..ServerQuery::default()
        };
        assert_eq!(
            server_query_string(&q),
            "all_tenants=True&host=compute-1&availability_zone=zone+a&limit=10"
        );
        let q = ServerQuery {
            availability_zone: None,
            ..q
        };
        assert!(!server_query_string(&q).contains("availability_zone"));
    }
}
