//! Hypervisors (`GET /os-hypervisors/detail`). Nova: `hypervisors.py`.

use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{enc, versions, Compute};
use crate::de::{self, next_marker, Link};
use crate::error::Error;

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
struct HypervisorList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub hypervisors: Vec<Hypervisor>,
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub hypervisors_links: Vec<Link>,
}

impl Compute {
    /// `GET /os-hypervisors/detail` at `min(max, 2.88)`, following `next`
    /// links. From 2.88 usage fields are `None` (use Placement).
    pub async fn list_hypervisors(&self) -> Result<Vec<Hypervisor>, Error> {
        self.hypervisors(false).await
    }

    /// Like [`Compute::list_hypervisors`], with each hypervisor's servers (`with_servers`,
    /// ≥ 2.53), which is how instance counts are known once 2.88 removed `running_vms`.
    pub async fn list_hypervisors_with_servers(&self) -> Result<Vec<Hypervisor>, Error> {
        let with = self.version_for(versions::HYPERVISORS) >= versions::HYPERVISORS_WITH_SERVERS;
        self.hypervisors(with).await
    }

    async fn hypervisors(&self, with_servers: bool) -> Result<Vec<Hypervisor>, Error> {
        let mv = self.version_for(versions::HYPERVISORS);
        let mut out: Vec<Hypervisor> = Vec::new();
        let mut marker: Option<String> = None;
        for _ in 0..1000 {
            let mut query = Vec::new();
            if with_servers {
                query.push("with_servers=true".to_string());
            }
            if let Some(m) = &marker {
                query.push(format!("marker={}", enc(m)));
            }
            let path = if query.is_empty() {
                "/os-hypervisors/detail".to_string()
            } else {
                format!("/os-hypervisors/detail?{}", query.join("&"))
            };
            let reply = self
                .call(Method::GET, &path, mv, None, "list hypervisors".into())
                .await?;
            let list: HypervisorList = reply.json()?;
            let empty = list.hypervisors.is_empty();
            out.extend(list.hypervisors);
            match next_marker(&list.hypervisors_links) {
                Some(m) if !empty && Some(&m) != marker.as_ref() => marker = Some(m),
                _ => break,
            }
        }
        Ok(out)
    }
}
