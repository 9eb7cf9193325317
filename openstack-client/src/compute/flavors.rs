//! Flavors (`GET /flavors/detail`). Nova: `flavors.py`.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{versions, Compute};
use crate::de::{self, Link};
use crate::error::Error;

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
struct FlavorList {
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub flavors: Vec<Flavor>,
    #[serde(deserialize_with = "de::vec_or_empty")]
    pub flavors_links: Vec<Link>,
}

impl Compute {
    /// `GET /flavors/detail?is_public=None` (all flavors for admins).
    pub async fn list_flavors(&self) -> Result<Vec<Flavor>, Error> {
        let reply = self
            .call(
                Method::GET,
                "/flavors/detail?is_public=None",
                self.version_for(versions::FLAVORS),
                None,
                "list flavors".into(),
            )
            .await?;
        Ok(reply.json::<FlavorList>()?.flavors)
    }
}
