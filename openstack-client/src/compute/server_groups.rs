//! Server groups (`GET /os-server-groups`). Nova: `server_groups.py`.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{versions, Compute};
use crate::de;
use crate::error::Error;

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
struct ServerGroupList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub server_groups: Vec<ServerGroup>,
}

impl Compute {
    /// `GET /os-server-groups[?all_projects=True]`.
    pub async fn list_server_groups(&self, all_projects: bool) -> Result<Vec<ServerGroup>, Error> {
        let path = if all_projects {
            "/os-server-groups?all_projects=True"
        } else {
            "/os-server-groups"
        };
        let reply = self
            .call(
                Method::GET,
                path,
                self.version_for(versions::SERVER_GROUPS),
                None,
                "list server groups".into(),
            )
            .await?;
        Ok(reply.json::<ServerGroupList>()?.server_groups)
    }
}
