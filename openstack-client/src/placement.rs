//! Placement: resource providers, inventories and usages.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::de;
use crate::error::Error;
use crate::transport::{Reply, Request, Transport};

const SERVICE: &str = "placement";

/// The Placement microversion sent (`OpenStack-API-Version: placement 1.14`):
/// nested providers (`parent_provider_uuid`, `root_provider_uuid`) and
/// everything below; supported since Pike.
pub const PLACEMENT_VERSION: &str = "1.14";

struct Inner {
    transport: Transport,
    endpoint: String,
    token: String,
}

/// A Placement client bound to one endpoint and token. Cheap to clone.
#[derive(Clone)]
pub struct Placement {
    inner: Arc<Inner>,
}

impl fmt::Debug for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Placement")
            .field("endpoint", &self.inner.endpoint)
            .field("token", &"***")
            .finish()
    }
}

/// One resource class's inventory on a provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Inventory {
    #[serde(deserialize_with = "de::u64_or_zero")]
    pub total: u64,
    #[serde(deserialize_with = "de::u64_or_zero")]
    pub reserved: u64,
    #[serde(deserialize_with = "de::u64_or_zero")]
    pub min_unit: u64,
    #[serde(deserialize_with = "de::u64_or_zero")]
    pub max_unit: u64,
    #[serde(deserialize_with = "de::u64_or_zero")]
    pub step_size: u64,
    #[serde(deserialize_with = "de::f64_or_one")]
    pub allocation_ratio: f64,
}

impl Default for Inventory {
    fn default() -> Self {
        Inventory {
            total: 0,
            reserved: 0,
            min_unit: 1,
            max_unit: 0,
            step_size: 1,
            allocation_ratio: 1.0,
        }
    }
}

/// `(total − reserved) × allocation_ratio`, truncated like Placement does.
pub fn capacity(inv: &Inventory) -> u64 {
    let usable = inv.total.saturating_sub(inv.reserved) as f64;
    let c = usable * inv.allocation_ratio;
    if c.is_finite() && c > 0.0 {
        c.floor() as u64
    } else {
        0
    }
}

/// `GET /resource_providers/{uuid}/inventories`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Inventories {
    #[serde(deserialize_with = "de::opt_u64")]
    pub resource_provider_generation: Option<u64>,
    /// Keyed by resource class (`VCPU`, `PCPU`, `MEMORY_MB`, `DISK_GB`, …).
    pub inventories: BTreeMap<String, Inventory>,
}

impl Inventories {
    pub fn get(&self, resource_class: &str) -> Option<&Inventory> {
        self.inventories.get(resource_class)
    }

    /// [`capacity`] of one resource class, if present.
    pub fn capacity(&self, resource_class: &str) -> Option<u64> {
        self.get(resource_class).map(capacity)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ResourceProvider {
    #[serde(deserialize_with = "de::string")]
    pub uuid: String,
    #[serde(deserialize_with = "de::string")]
    pub name: String,
    #[serde(deserialize_with = "de::opt_u64")]
    pub generation: Option<u64>,
    #[serde(deserialize_with = "de::opt_string")]
    pub parent_provider_uuid: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub root_provider_uuid: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProviderList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    resource_providers: Vec<ResourceProvider>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct UsagesBody {
    #[serde(deserialize_with = "usage_map")]
    pub usages: BTreeMap<String, u64>,
}

fn usage_map<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, u64>, D::Error> {
    let m = de::value_map(d)?;
    Ok(m.into_iter()
        .filter_map(|(k, v)| {
            v.as_u64()
                .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
                .map(|n| (k, n))
        })
        .collect())
}

/// Parses a `{"usages": {...}}` body.
pub fn parse_usages(body: &[u8]) -> Result<BTreeMap<String, u64>, serde_json::Error> {
    Ok(serde_json::from_slice::<UsagesBody>(body)?.usages)
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl Placement {
    pub fn new(t: &Transport, endpoint: &str, token: &str) -> Self {
        Placement {
            inner: Arc::new(Inner {
                transport: t.clone(),
                endpoint: endpoint.trim().trim_end_matches('/').to_string(),
                token: token.to_string(),
            }),
        }
    }

    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    async fn get(&self, path: &str, op: String) -> Result<Reply, Error> {
        let url = format!("{}{}", self.inner.endpoint, path);
        let mut req = Request::new(SERVICE, op, Method::GET, url);
        req.token = Some(&self.inner.token);
        req.headers.push((
            "OpenStack-API-Version",
            format!("placement {PLACEMENT_VERSION}"),
            false,
        ));
        self.inner.transport.execute(req).await
    }

    pub async fn inventories(&self, rp_uuid: &str) -> Result<Inventories, Error> {
        self.get(
            &format!("/resource_providers/{}/inventories", enc(rp_uuid)),
            format!("list inventories of resource provider {rp_uuid}"),
        )
        .await?
        .json()
    }

    /// Used amounts per resource class.
    pub async fn usages(&self, rp_uuid: &str) -> Result<BTreeMap<String, u64>, Error> {
        Ok(self
            .get(
                &format!("/resource_providers/{}/usages", enc(rp_uuid)),
                format!("list usages of resource provider {rp_uuid}"),
            )
            .await?
            .json::<UsagesBody>()?
            .usages)
    }

    pub async fn resource_providers(&self) -> Result<Vec<ResourceProvider>, Error> {
        Ok(self
            .get("/resource_providers", "list resource providers".into())
            .await?
            .json::<ProviderList>()?
            .resource_providers)
    }

    pub async fn resource_provider(&self, rp_uuid: &str) -> Result<ResourceProvider, Error> {
        self.get(
            &format!("/resource_providers/{}", enc(rp_uuid)),
            format!("show resource provider {rp_uuid}"),
        )
        .await?
        .json()
    }
}
